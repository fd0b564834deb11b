"""Admin for advisories.

Advisories: staff write drafts here; approving, publishing, withdrawing and preparing an update are
explicit buttons (and list actions), each checked by the workflow service against the user's
permissions. Published versions are read-only; the audit trail shows under each advisory.
The advisory admin is self-contained (its own region search) so other admins can sit beside it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.fields.related import ManyToManyField
from django.forms import ModelMultipleChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modeltranslation.admin import TranslationAdmin

from alerts.admin.advisory_forms import AdvisoryAdminForm, RegionAutocomplete
from alerts.admin.audit import AdvisoryEventInline
from alerts.models import Advisory, Region
from alerts.selectors.advisories import advisory_cap_path, advisory_page_path
from alerts.selectors.regions import regions_search
from alerts.services.advisories import (
    APPROVE_PERMISSION,
    PUBLISH_PERMISSION,
    AdvisoryWorkflowError,
    advisory_approve,
    advisory_draft_save,
    advisory_publish,
    advisory_update_prepare,
    advisory_withdraw,
)

# --- Advisories ---------------------------------------------------------------------------------------------

REGION_RESULTS_PER_PAGE = 20


def _staff(request: HttpRequest) -> User:
    """The signed-in user (the admin site only lets active staff in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


@admin.register(Advisory)
class AdvisoryAdmin(TranslationAdmin):
    form = AdvisoryAdminForm
    change_form_template = "admin/alerts/advisory/change_form.html"
    list_display = ("title", "severity", "status", "is_exercise", "effective_at", "expires_at", "published_at")
    list_filter = ("status", "severity", "is_exercise")
    search_fields = ("title_uk", "title_en", "source_name")
    date_hierarchy = "created_at"
    inlines = [AdvisoryEventInline]
    actions = ["approve_selected", "publish_selected", "withdraw_selected"]
    workflow_fields = (
        "status",
        "supersedes",
        "created_by",
        "approved_by",
        "approved_at",
        "published_by",
        "published_at",
        "withdrawn_by",
        "withdrawn_at",
        "withdrawal_reason",
        "public_links",
    )
    fieldsets = (
        (None, {"fields": ("title", "body")}),
        (gettext_lazy("Level"), {"fields": ("severity", "response", "is_exercise")}),
        (gettext_lazy("Where and when"), {"fields": ("regions", "effective_at", "expires_at")}),
        (gettext_lazy("Source"), {"fields": ("source_name", "source_url")}),
        (gettext_lazy("Workflow"), {"fields": workflow_fields}),
    )

    # --- Permissions: drafts are edited, everything else is read-only history ---

    def get_readonly_fields(self, request: HttpRequest, obj: Advisory | None = None) -> tuple[str, ...]:
        return self.workflow_fields

    def has_change_permission(self, request: HttpRequest, obj: Advisory | None = None) -> bool:
        if obj is not None and obj.status != Advisory.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Advisory | None = None) -> bool:
        # What went out is never deleted: it is withdrawn. Nor is a draft: its audit trail (who
        # drafted and approved it) would go with it; an abandoned draft simply stays unpublished.
        return False

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PUBLISH_PERMISSION)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(APPROVE_PERMISSION)

    # --- The form ---

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField | None:
        if db_field.name == "regions":
            kwargs["widget"] = RegionAutocomplete(db_field, self.admin_site)
            kwargs["queryset"] = Region.objects.all()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Advisory, form: forms.ModelForm, change: bool) -> None:
        try:
            advisory_draft_save(advisory=obj, regions=form.cleaned_data.get("regions") or [], by=_staff(request))
        except AdvisoryWorkflowError as exc:
            # The form checked the same rules; this is a race with another person's change.
            raise PermissionDenied(str(exc)) from exc

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        # The regions were saved by the workflow service with the rest of the draft.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.display(description=gettext_lazy("public pages"))
    def public_links(self, advisory: Advisory) -> str:
        if not advisory.is_public:
            return _("not public: a draft")
        return "  ".join(
            (
                advisory_page_path(advisory_id=advisory.pk, language="uk"),
                advisory_page_path(advisory_id=advisory.pk, language="en"),
                advisory_cap_path(advisory_id=advisory.pk),
            )
        )

    # --- Workflow buttons ---

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        own = [
            path("regions-search/", view(self.regions_view), name="alerts_advisory_regions"),
            path("<path:object_id>/approve/", view(self.approve_view), name="alerts_advisory_approve"),
            path("<path:object_id>/publish/", view(self.publish_view), name="alerts_advisory_publish"),
            path("<path:object_id>/withdraw/", view(self.withdraw_view), name="alerts_advisory_withdraw"),
            path("<path:object_id>/update/", view(self.prepare_update_view), name="alerts_advisory_prepare_update"),
        ]
        return own + super().get_urls()

    def _workflow_buttons(self, request: HttpRequest, advisory: Advisory) -> list[dict[str, str]]:
        user = request.user
        buttons = []
        if advisory.status == Advisory.Status.DRAFT:
            if user.has_perm(APPROVE_PERMISSION) and advisory.approved_by_id is None:
                buttons.append({"name": "approve", "label": _("Approve (second person)")})
            if user.has_perm(PUBLISH_PERMISSION):
                buttons.append({"name": "publish", "label": _("Publish")})
        elif advisory.status == Advisory.Status.PUBLISHED:
            if user.has_perm("alerts.add_advisory"):
                buttons.append({"name": "update", "label": _("Prepare an update")})
            if user.has_perm(PUBLISH_PERMISSION):
                buttons.append({"name": "withdraw", "label": _("Withdraw")})
        for button in buttons:
            button["url"] = reverse(f"admin:alerts_advisory_{_URL_NAMES[button['name']]}", args=[advisory.pk])
        return buttons

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        advisory = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if advisory is not None:
            context["workflow_buttons"] = self._workflow_buttons(request, advisory)
            context["needs_second_person"] = (
                advisory.status == Advisory.Status.DRAFT
                and advisory.severity == Advisory.Severity.EXTREME
                and advisory.approved_by_id is None
            )
        return super().change_view(request, object_id, form_url, context)

    def _advisory_or_404(self, request: HttpRequest, object_id: str) -> Advisory:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        advisory = self.get_object(request, unquote(object_id))
        if advisory is None:
            raise Http404
        return advisory

    def _change_url(self, advisory_id: int) -> str:
        return reverse("admin:alerts_advisory_change", args=[advisory_id])

    def _run(self, request: HttpRequest, object_id: str, step: Any, done: str, **kwargs: Any) -> HttpResponseRedirect:
        advisory = self._advisory_or_404(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(advisory.pk))
        try:
            result = step(advisory_id=advisory.pk, by=_staff(request), **kwargs)
        except AdvisoryWorkflowError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(self._change_url(advisory.pk))
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(result.pk))

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._run(request, object_id, advisory_approve, _("Approved."))

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._run(request, object_id, advisory_publish, _("Published."))

    def prepare_update_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._run(
            request,
            object_id,
            advisory_update_prepare,
            _("An update draft was created: edit it, then publish it to replace the current version."),
        )

    def withdraw_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        advisory = self._advisory_or_404(request, object_id)
        if request.method == "POST":
            reason = request.POST.get("reason", "")[:2000]
            return self._run(request, object_id, advisory_withdraw, _("Withdrawn: a CAP Cancel is out."), reason=reason)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "advisory": advisory,
            "title": _("Withdraw this advisory?"),
        }
        return TemplateResponse(request, "admin/alerts/advisory/withdraw.html", context)

    def regions_view(self, request: HttpRequest) -> JsonResponse:
        """select2's search: {"results": [{"id", "text"}], "pagination": {"more"}}."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        term = request.GET.get("term", "").strip()
        try:
            page = max(1, int(request.GET.get("page", "1")))
        except ValueError:  # not a number, or too many digits to read as one
            page = 1
        rows, more = regions_search(
            term=term, offset=(page - 1) * REGION_RESULTS_PER_PAGE, limit=REGION_RESULTS_PER_PAGE
        )
        kinds = dict(Region.Kind.choices)
        results = []
        for row in rows:
            where = f", {row['parent__name_uk']}" if row["parent__name_uk"] else ""
            results.append(
                {
                    "id": str(row["uid"]),
                    "text": f"{row['name_uk']} ({row['uid']}) — {kinds.get(row['kind'], '')}{where}",
                }
            )
        return JsonResponse({"results": results, "pagination": {"more": more}})

    # --- List actions (several advisories at once; each goes through the same checks) ---

    def _bulk(self, request: HttpRequest, queryset: QuerySet[Advisory], step: Any, done: str) -> None:
        succeeded, failed = 0, []
        for advisory in queryset.order_by("pk"):
            try:
                step(advisory_id=advisory.pk, by=_staff(request))
                succeeded += 1
            except AdvisoryWorkflowError as exc:
                failed.append(f"#{advisory.pk}: {exc}")
        if succeeded:
            self.message_user(request, f"{done} {succeeded}", messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.ERROR)

    @admin.action(description=gettext_lazy("Approve the selected drafts (second person)"), permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Advisory]) -> None:
        self._bulk(request, queryset, advisory_approve, _("Approved:"))

    @admin.action(description=gettext_lazy("Publish the selected drafts"), permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Advisory]) -> None:
        self._bulk(request, queryset, advisory_publish, _("Published:"))

    @admin.action(description=gettext_lazy("Withdraw the selected advisories"), permissions=["publish"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[Advisory]) -> None:
        self._bulk(request, queryset, advisory_withdraw, _("Withdrawn:"))


_URL_NAMES = {"approve": "approve", "publish": "publish", "withdraw": "withdraw", "update": "prepare_update"}
