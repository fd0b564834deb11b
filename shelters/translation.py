"""Translated fields (django-modeltranslation): Ukrainian is the source, English the transliteration."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from shelters.models import Shelter


@register(Shelter)
class ShelterTranslationOptions(TranslationOptions):
    fields = ("name", "address")
    # An English page falls back to the Ukrainian text, never to an empty string.
    fallback_undefined = {"name": "", "address": ""}
