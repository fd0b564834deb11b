"""Fields stored per language (modeltranslation adds name_uk and name_en)."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from alerts.models import Region


@register(Region)
class RegionTranslationOptions(TranslationOptions):
    fields = ("name",)
    required_languages = ("uk",)
