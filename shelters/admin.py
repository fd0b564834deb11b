"""Admin of the shelters app: shelters on a map widget (django-leaflet), the import log (read-only)."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdminMixin
from modeltranslation.admin import TranslationAdmin

from shelters.models import ReportStatus, Shelter, ShelterImport, ShelterReport, ShelterStatus
from shelters.selectors.reports import shelter_reports_csv
from shelters.services import (
    ImportFailed,
    ImportRefused,
    shelter_catalogue_bump,
    shelter_mark_verified,
    shelter_set_active,
    shelter_set_status,
)
from shelters.services.import_review import import_fingerprint, shelters_import_apply_reviewed, shelters_import_review
from shelters.services.reports import shelter_reports_moderate


class HasReportsFilter(admin.SimpleListFilter):
    title = _("reports")
    parameter_name = "reports"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("Reports waiting for moderation")), ("any", _("Any report")), ("none", _("No report"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "pending":
            return queryset.filter(
                Exists(ShelterReport.objects.filter(shelter=OuterRef("pk"), status=ReportStatus.PENDING))
            )
        if self.value() == "any":
            return queryset.filter(Exists(ShelterReport.objects.filter(shelter=OuterRef("pk"))))
        if self.value() == "none":
            return queryset.exclude(Exists(ShelterReport.objects.filter(shelter=OuterRef("pk"))))
        return queryset


@admin.register(Shelter)
class ShelterAdmin(LeafletGeoAdminMixin, TranslationAdmin):
    list_display = [
        "address",
        "kind",
        "protection",
        "district",
        "wheelchair_accessible",
        "opening_hours",
        "status",
        "verified_at",
        "is_active",
        "source",
    ]
    list_filter = [
        "status",
        "is_active",
        "kind",
        "protection",
        "district",
        "opening_hours",
        "wheelchair_accessible",
        "source",
        HasReportsFilter,
    ]
    search_fields = ["address_uk", "address_en", "name_uk", "name_en", "owner", "keys_phone", "source_id"]
    readonly_fields = ["source", "source_id", "deactivated_by_staff", "created_at", "updated_at"]
    list_per_page = 50
    actions = ["mark_verified", "mark_open", "mark_closed", "mark_unverified", "deactivate", "reactivate"]
    fieldsets = [
        (None, {"fields": ["name", "address", "location", "kind", "protection", "district"]}),
        (
            _("Access"),
            {
                "fields": [
                    "opening_hours",
                    "opens_at",
                    "closes_at",
                    "wheelchair_accessible",
                    "capacity",
                    "keys_phone",
                    "access_notes",
                ]
            },
        ),
        (_("Verification"), {"fields": ["status", "verified_at", "is_active", "deactivated_by_staff"]}),
        (
            _("Source"),
            {"fields": ["owner", "ownership", "building_type", "source", "source_id", "created_at", "updated_at"]},
        ),
    ]

    def save_model(self, request: HttpRequest, obj: Shelter, form: Any, change: bool) -> None:
        if "is_active" in form.changed_data:
            obj.deactivated_by_staff = not obj.is_active  # as the deactivate/reactivate actions do
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            shelter_catalogue_bump()

    def has_delete_permission(self, request: HttpRequest, obj: Shelter | None = None) -> bool:
        # A shelter that is gone is deactivated, as imports do with one gone from their source: it
        # leaves the map and the API, its record stays.
        return False

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Shelter], status: str) -> None:
        verified_at = None if status == ShelterStatus.UNVERIFIED else timezone.now()
        changed = shelter_set_status(
            shelter_ids=list(queryset.values_list("id", flat=True)), status=status, verified_at=verified_at
        )
        self._report(request, changed)

    def _report(self, request: HttpRequest, changed: int) -> None:
        self.message_user(request, _("%(count)d shelters updated.") % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Verified today (status unchanged)"))
    def mark_verified(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._report(
            request, shelter_mark_verified(shelter_ids=list(queryset.values_list("id", flat=True)), at=timezone.now())
        )

    @admin.action(description=_("Verified: open"))
    def mark_open(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._set_status(request, queryset, ShelterStatus.OPEN)

    @admin.action(description=_("Verified: closed"))
    def mark_closed(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._set_status(request, queryset, ShelterStatus.CLOSED)

    @admin.action(description=_("Not verified"))
    def mark_unverified(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._set_status(request, queryset, ShelterStatus.UNVERIFIED)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Shelter], active: bool) -> None:
        self._report(
            request, shelter_set_active(shelter_ids=list(queryset.values_list("id", flat=True)), active=active)
        )

    @admin.action(description=_("Deactivate (off the map)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._set_active(request, queryset, False)

    @admin.action(description=_("Reactivate"))
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Shelter]) -> None:
        self._set_active(request, queryset, True)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("File (KMDA CSV, GeoJSON or the metro stations CSV)"))
    source = forms.SlugField(
        label=_("Source"),
        required=False,
        max_length=40,
        help_text=_("Empty: kmda for the city's files, osm_metro for the metro file."),
    )
    force = forms.BooleanField(label=_("Allow deactivating more than half of the source's shelters"), required=False)


# An uploaded file waits this long for its "apply", in the cache (shared by every web process).
UPLOAD_KEEP_SECONDS = 3600
UPLOAD_MAX_BYTES = 50 * 1024 * 1024
UPLOAD_KEY = "shelters:import-upload:"


@admin.register(ShelterImport)
class ShelterImportAdmin(admin.ModelAdmin[ShelterImport]):
    """Every import run with its counts and its row-by-row report; runs are records, not editable.

    Its "Import a file" page: upload → the dry run's summary with every rejected (and merged) row and
    its reason → "apply" imports exactly that (services/import_review.py)."""

    change_list_template = "admin/shelters/shelterimport/change_list.html"

    def get_urls(self) -> list[Any]:
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="shelters_shelterimport_upload")
        return [upload, *super().get_urls()]

    def _upload_page(self, request: HttpRequest, **context: Any) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a shelter file"),
            **context,
        }
        return TemplateResponse(request, "admin/shelters/shelterimport/upload.html", context)

    @staticmethod
    def _stash(upload: dict[str, Any]) -> str:
        """Keep an uploaded file, with what its review showed, for its "apply"; returns its token."""
        token = secrets.token_urlsafe(16)
        cache.set(f"{UPLOAD_KEY}{token}", upload, UPLOAD_KEEP_SECONDS)
        return token

    def _review(self, request: HttpRequest, upload: dict[str, Any]) -> HttpResponse:
        try:
            summary = shelters_import_review(
                data=upload["data"], name=upload["name"], source=upload["source"], force=upload["force"]
            )
        except ImportFailed as failed:
            return self._upload_page(request, form=ImportUploadForm(), error=str(failed))
        except ImportRefused as refused:
            return self._upload_page(request, form=ImportUploadForm(), summary=refused.summary, refused=True)
        token = self._stash({**upload, "fingerprint": import_fingerprint(summary)})
        return self._upload_page(request, summary=summary, token=token)

    def _apply(self, request: HttpRequest, token: str) -> HttpResponse:
        upload = cache.get(f"{UPLOAD_KEY}{token}")
        if upload is None:
            expired = _("That upload has expired: upload the file again.")
            return self._upload_page(request, form=ImportUploadForm(), error=expired)
        try:
            summary, applied = shelters_import_apply_reviewed(
                data=upload["data"],
                name=upload["name"],
                source=upload["source"],
                force=upload["force"],
                fingerprint=upload["fingerprint"],
            )
        except ImportRefused as refused:
            return self._upload_page(request, form=ImportUploadForm(), summary=refused.summary, refused=True)
        if not applied:
            # Something changed since the review: what the file would do now, to review again.
            again = self._stash({**upload, "fingerprint": import_fingerprint(summary)})
            return self._upload_page(request, summary=summary, token=again, changed=True)
        cache.delete(f"{UPLOAD_KEY}{token}")
        self.message_user(request, " ".join(summary.summary_lines(with_message=False)), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:shelters_shelterimport_changelist"))

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("shelters.add_shelterimport"):
            raise PermissionDenied
        if request.method == "POST" and "token" in request.POST:
            return self._apply(request, request.POST["token"])
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > UPLOAD_MAX_BYTES:
                return self._upload_page(request, form=form, error=_("The file is larger than 50 MB."))
            source = form.cleaned_data["source"] or None
            return self._review(
                request,
                {"data": upload.read(), "name": upload.name, "source": source, "force": form.cleaned_data["force"]},
            )
        return self._upload_page(request, form=form)

    list_display = [
        "started_at",
        "source",
        "outcome",
        "rows",
        "created",
        "updated",
        "unchanged",
        "deactivated",
        "merged",
        "rejected",
    ]
    list_filter = ["source", "outcome"]
    search_fields = ["origin", "message"]
    readonly_fields = [field.name for field in ShelterImport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The log is the record of what changed the public list and why: not deletable either.
        return False


@admin.register(ShelterReport)
class ShelterReportAdmin(admin.ModelAdmin[ShelterReport]):
    """The moderation queue, newest first: reports are records (every field read-only, none deleted);
    staff confirm or reject them with the list's actions."""

    list_display = [
        "created_at",
        "shelter_link",
        "pending_for_shelter",
        "kind",
        "status",
        "far_from_shelter",
        "distance_m",
        "comment",
    ]
    list_filter = ["status", "kind", "far_from_shelter", "shelter__district"]
    search_fields = ["shelter__address_uk", "shelter__address_en", "comment"]
    list_select_related = ["shelter"]
    ordering = ["-created_at", "-id"]
    actions = ["confirm_and_set_status", "confirm", "reject", "export_csv"]
    readonly_fields = [*(field.name for field in ShelterReport._meta.fields if field.name != "client_hash"), "history"]
    exclude = ["client_hash"]
    # How many of a shelter's reports its page lists.
    HISTORY = 20

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShelterReport]:
        pending = Count("shelter__reports", filter=Q(shelter__reports__status=ReportStatus.PENDING))
        return super().get_queryset(request).annotate(shelter_pending=pending)

    @admin.display(description=_("shelter"), ordering="shelter_id")
    def shelter_link(self, report: ShelterReport) -> str:
        # Sorting by this column groups the queue by shelter; the link shows that shelter's reports only.
        url = reverse("admin:shelters_shelterreport_changelist") + f"?shelter__id__exact={report.shelter_id}"
        return format_html('<a href="{}">{}</a>', url, report.shelter)

    @admin.display(description=_("waiting for this shelter"), ordering="shelter_pending")
    def pending_for_shelter(self, report: Any) -> int:
        return int(report.shelter_pending)

    @admin.display(description=_("the shelter's recent reports"))
    def history(self, report: ShelterReport) -> str:
        recent = ShelterReport.objects.filter(shelter_id=report.shelter_id).order_by("-created_at", "-id")[
            : self.HISTORY
        ]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    timezone.localtime(item.created_at).strftime("%Y-%m-%d %H:%M"),
                    item.get_kind_display(),
                    item.get_status_display(),
                    item.comment,
                )
                for item in recent
            ),
        )
        return format_html('<table class="shelter-report-history">{}</table>', rows)

    @admin.action(description=_("Export as CSV (for the district administrations)"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[ShelterReport]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="shelter-reports.csv"'
        shelter_reports_csv(
            queryset.select_related("shelter").order_by("shelter__district", "shelter_id", "-created_at"), response
        )
        return response

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _moderate(
        self, request: HttpRequest, queryset: QuerySet[ShelterReport], *, confirm: bool, set_status: bool
    ) -> None:
        changed = shelter_reports_moderate(
            report_ids=list(queryset.filter(status=ReportStatus.PENDING).values_list("id", flat=True)),
            confirm=confirm,
            moderator_id=request.user.pk,
            set_status=set_status,
        )
        self.message_user(request, _("%(count)d reports moderated.") % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Confirm and set the shelter's status"), permissions=["change"])
    def confirm_and_set_status(self, request: HttpRequest, queryset: QuerySet[ShelterReport]) -> None:
        self._moderate(request, queryset, confirm=True, set_status=True)

    @admin.action(description=_("Confirm (status unchanged)"), permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet[ShelterReport]) -> None:
        self._moderate(request, queryset, confirm=True, set_status=False)

    @admin.action(description=_("Reject"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[ShelterReport]) -> None:
        self._moderate(request, queryset, confirm=False, set_status=False)
