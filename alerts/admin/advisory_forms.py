"""The advisory form of the admin: the draft's fields, its checks, and the region search box."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.models import Advisory


class RegionAutocomplete(AutocompleteSelectMultiple):
    """The admin's select2 search box, fed by the advisory admin's own region search (1,600+ regions)."""

    def get_url(self) -> str:
        return reverse("admin:alerts_advisory_regions", current_app=self.admin_site.name)


class AdvisoryAdminForm(forms.ModelForm):
    source_url = forms.URLField(
        label=gettext_lazy("source address"), max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = Advisory
        fields = (
            "title",
            "body",
            "severity",
            "response",
            "is_exercise",
            "regions",
            "effective_at",
            "expires_at",
            "source_name",
            "source_url",
        )

    def clean_source_url(self) -> str:
        url: str = self.cleaned_data.get("source_url") or ""
        if url and not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Give a web address starting with https:// or http://."))
        return url

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if self.instance.pk is not None:
            status = Advisory.objects.filter(pk=self.instance.pk).values_list("status", flat=True).first()
            if status != Advisory.Status.DRAFT:
                raise forms.ValidationError(
                    _("Only drafts can be edited. To change a published advisory, prepare an update.")
                )
        effective, expires = cleaned.get("effective_at"), cleaned.get("expires_at")
        if effective and expires and expires <= effective:
            self.add_error("expires_at", _("The expiry must come after the start."))
        return cleaned
