"""Fields stored per language (modeltranslation adds name_uk and name_en)."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from alerts.models import Advisory, Region


@register(Region)
class RegionTranslationOptions(TranslationOptions):
    fields = ("name",)
    required_languages = ("uk",)


@register(Advisory)
class AdvisoryTranslationOptions(TranslationOptions):
    # Advisories go out in both languages: an English reader must never get a missing text.
    fields = ("title", "body")
    required_languages = ("uk", "en")
