"""Staff sign-in: a second factor for every staff account, idle sessions ended, sign-out everywhere.

The admin site (`StaffAdminSite`, installed as Django's default site by `StaffAdminConfig`) opens
no page to a user whose session is not verified by a confirmed device (django-otp: a TOTP app, or
one of the account's one-time recovery codes). The password step is Django's own admin login; it
only signs the user in *unverified*, and every admin page sends such a user to the second step:

- an account with a confirmed device types a code from its app, or a recovery code (each works once);
- an account without one is guided through enrolment: the secret and its `otpauth://` URI are shown
  (for the app's "enter a key" or a QR code the user makes), a first code confirms the device, and
  ten recovery codes are shown once.

A wrong code counts as a failed sign-in for django-axes (the `user_login_failed` signal), so the
lockout of the password step (ADMIN_LOGIN_FAILURE_LIMIT) covers this step too; a locked-out user
is signed out and answered 429.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kyivguide.audit import audit_posts, audited, record

RECOVERY_CODES = 10
# The session key of the staff member's last request (seconds since the epoch).
LAST_SEEN_KEY = "kyivguide_staff_seen"


def _verified(request: HttpRequest) -> bool:
    """Whether this session passed the second factor (OTPMiddleware gives the user is_verified)."""
    return bool(getattr(request.user, "is_verified", lambda: False)())


def _credentials(request: HttpRequest) -> dict[str, str]:
    return {"username": request.user.get_username()}


def _next_url(request: HttpRequest, site: admin.AdminSite) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return reverse(f"{site.name}:index")


def _code_failed(request: HttpRequest) -> HttpResponseBase | None:
    """Count a wrong code as a failed sign-in; the lockout answer once axes locks the user out."""
    credentials = _credentials(request)
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False) or AxesProxyHandler.is_locked(request, credentials):
        response = get_lockout_response(request, credentials=credentials)
        logout(request)
        return response
    return None


def _locked_out(request: HttpRequest) -> HttpResponseBase | None:
    credentials = _credentials(request)
    if AxesProxyHandler.is_locked(request, credentials):
        response = get_lockout_response(request, credentials=credentials)
        logout(request)
        return response
    return None


def recovery_codes_create(*, user: Any) -> list[str]:
    """A new set of one-time recovery codes for `user` (replacing any earlier set)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def user_sessions_end(*, user_id: int) -> int:
    """End every session of a user (there are few: the public site keeps none). Returns how many."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user_id):
            session.delete()
            ended += 1
    return ended


class StaffAdminSite(admin.AdminSite):
    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        # Every model admin is audited (kyivguide/audit.py).
        super().register(model_or_iterable, audited(admin_class or admin.ModelAdmin), **options)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        return super().admin_view(audit_posts(view), cacheable)

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and _verified(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff:
            query = "?" + urlencode({"next": request.GET["next"]}) if request.GET.get("next") else ""
            if _verified(request):
                return HttpResponseRedirect(_next_url(request, self))
            if django_otp.user_has_device(user):
                return HttpResponseRedirect(reverse(f"{self.name}:otp_verify") + query)
            return HttpResponseRedirect(reverse(f"{self.name}:otp_setup") + query)
        return super().login(request, extra_context)

    def get_urls(self) -> list[Any]:
        def signed_in(view: Callable[[HttpRequest], HttpResponseBase]) -> Any:
            """For a staff member who passed the password step (verified or not)."""

            def check(request: HttpRequest) -> HttpResponseBase:
                user = request.user
                if not (user.is_authenticated and user.is_active and user.is_staff):
                    return HttpResponseRedirect(reverse(f"{self.name}:login"))
                return view(request)

            return never_cache(csrf_protect(check))

        own: list[URLPattern] = [
            path("otp/verify/", signed_in(self.otp_verify), name="otp_verify"),
            path("otp/setup/", signed_in(self.otp_setup), name="otp_setup"),
            path("sign-out-everywhere/", self.admin_view(require_POST(self.sign_out_everywhere)), name="sign_out_all"),
            path("recovery-codes/", self.admin_view(require_POST(self.new_recovery_codes)), name="recovery_codes"),
            path("operations/", self.admin_view(self.operations), name="operations"),
        ]
        return own + super().get_urls()

    def _page(self, request: HttpRequest, template: str, **context: Any) -> HttpResponse:
        return render(
            request,
            template,
            {**self.each_context(request), "next": request.GET.get("next", request.POST.get("next", "")), **context},
        )

    def otp_verify(self, request: HttpRequest) -> HttpResponseBase:
        """The second step: a code from the app, or a recovery code."""
        if _verified(request):
            return HttpResponseRedirect(_next_url(request, self))
        if not django_otp.user_has_device(request.user):
            return HttpResponseRedirect(reverse(f"{self.name}:otp_setup"))
        locked = _locked_out(request)
        if locked is not None:
            return locked
        error = ""
        if request.method == "POST":
            device = django_otp.match_token(request.user, request.POST.get("code", "").strip().replace(" ", ""))
            if device is not None:
                django_otp.login(request, device)
                request.session.cycle_key()
                return HttpResponseRedirect(_next_url(request, self))
            refused = _code_failed(request)
            if refused is not None:
                return refused
            error = _("That code is not right, or was used already. Try the newest code from your app.")
        return self._page(request, "admin/otp/verify.html", title=_("Second step: enter a code"), error=error)

    def otp_setup(self, request: HttpRequest) -> HttpResponseBase:
        """Guided enrolment, for an account with no confirmed device yet."""
        user = request.user
        if django_otp.user_has_device(user):
            return HttpResponseRedirect(reverse(f"{self.name}:otp_verify"))
        locked = _locked_out(request)
        if locked is not None:
            return locked
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        error = ""
        if request.method == "POST":
            if device.verify_token(request.POST.get("code", "").strip().replace(" ", "")):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = recovery_codes_create(user=user)
                django_otp.login(request, device)
                request.session.cycle_key()
                return self._page(
                    request,
                    "admin/otp/recovery_codes.html",
                    title=_("Your recovery codes"),
                    codes=codes,
                    continue_url=_next_url(request, self),
                )
            refused = _code_failed(request)
            if refused is not None:
                return refused
            error = _("That code is not right. Check the time on your phone and type the newest code.")
        secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
        return self._page(
            request,
            "admin/otp/setup.html",
            title=_("Set up your second factor"),
            secret=secret,
            secret_groups=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            otpauth=device.config_url,
            error=error,
        )

    def new_recovery_codes(self, request: HttpRequest) -> HttpResponse:
        codes = recovery_codes_create(user=request.user)
        return self._page(
            request,
            "admin/otp/recovery_codes.html",
            title=_("Your recovery codes"),
            codes=codes,
            continue_url=reverse(f"{self.name}:index"),
        )

    def operations(self, request: HttpRequest) -> HttpResponseBase:
        """The operations page (kyivguide/operations.py), for whoever may see the feeds."""
        if not request.user.has_perm("alerts.view_feedsource"):
            raise PermissionDenied
        from kyivguide.operations import operations_overview

        return self._page(request, "admin/operations.html", title=_("Operations"), **operations_overview())

    def sign_out_everywhere(self, request: HttpRequest) -> HttpResponseBase:
        user_id = request.user.pk
        assert user_id is not None
        record(request, "sign out everywhere")
        logout(request)
        user_sessions_end(user_id=int(user_id))
        messages.success(request, _("You are signed out on every device."))
        return HttpResponseRedirect(reverse(f"{self.name}:login"))


def _is_admin_path(path_info: str) -> bool:
    return path_info.startswith((f"/{settings.ADMIN_URL}", f"/en/{settings.ADMIN_URL}"))


class StaffIdleTimeoutMiddleware:
    """A staff session unused for STAFF_IDLE_MINUTES is ended (the next admin page asks to sign in).

    Only admin requests are looked at: public pages never read the session, so they stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _is_admin_path(request.path_info) and request.user.is_authenticated:
            now = time.time()
            seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(seen, (int, float)) and now - seen > settings.STAFF_IDLE_MINUTES * 60:
                logout(request)
            else:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
