"""Every string a person reads is in both languages: the catalogues are complete, and no template
says anything outside the translation machinery.

These checks read every catalogue and template in the project, including those added later: a
failure names the file, the line and the string.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.test import Client
from django.utils import translation
from django.utils.translation import ngettext

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "node_modules", "staticfiles", ".git"}
CATALOGUES = sorted(path for path in (ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
TEMPLATES = sorted(
    path for path in ROOT.rglob("*.html") if not SKIP_DIRS & set(path.relative_to(ROOT).parts)
)  # fmt: skip
# A template written in one language (the guide's text, `guide_uk.html` / `guide_en.html`) is chosen
# by the page's language as a whole: it needs no translation tags.
ONE_LANGUAGE = re.compile(r"_(uk|en)\.html$")
# Names that are the same in every language.
PROPER_NOUNS = {"KyivGuide", "Kyiv", "Guide", "OpenStreetMap", "Leaflet", "CAP", "Atom", "JSON"}
# The server error page is rendered with nothing it could fail on, translations included: it says
# everything in both languages.
BOTH_LANGUAGES = {"templates/500.html"}
# Blocks that fill an attribute, not text (`<body class="{% block body_class %}">`).
ATTRIBUTE_BLOCKS = {"body_class"}
LETTER = re.compile(r"[^\W\d_]")
# Attributes a person reads (or hears from a screen reader).
READ_ATTRIBUTES = {"title", "alt", "aria-label", "aria-description", "placeholder", "label"}
PLACEHOLDER = " "  # what a {{ variable }} or {% tag %} becomes: no letters, fine inside a tag too


def test_the_catalogues_exist_for_both_languages() -> None:
    assert [path.relative_to(ROOT).as_posix() for path in CATALOGUES if path.stem == "django"] == [
        "locale/en/LC_MESSAGES/django.po",
        "locale/uk/LC_MESSAGES/django.po",
    ]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_catalogue_entry_is_empty_or_fuzzy(path: Path) -> None:
    catalogue = polib.pofile(str(path))
    name = path.relative_to(ROOT).as_posix()
    problems = [f"{name}:{entry.linenum}: untranslated {entry.msgid!r}" for entry in catalogue.untranslated_entries()]
    problems += [f"{name}:{entry.linenum}: fuzzy {entry.msgid!r}" for entry in catalogue.fuzzy_entries()]
    fix = "fill them (English: `make messages-en`; Ukrainian: by hand) and remove the fuzzy flags"
    assert problems == [], f"{len(problems)} catalogue entries to finish — {fix}:\n" + "\n".join(problems)


def test_ukrainian_has_its_four_plural_forms() -> None:
    catalogue = polib.pofile(str(ROOT / "locale/uk/LC_MESSAGES/django.po"))
    assert catalogue.metadata["Plural-Forms"].startswith("nplurals=4;")
    plural = [entry for entry in catalogue if entry.msgid_plural and not entry.obsolete]
    assert plural, "no plural entry at all"
    assert {entry.msgid: sorted(entry.msgstr_plural) for entry in plural} == {e.msgid: [0, 1, 2, 3] for e in plural}


def _visible_source(source: str) -> str:
    """The template with its tags and variables blanked out and translated blocks removed.

    Newlines are kept, so that a line of the result is the same line of the template.
    """
    parts: list[str] = []
    skip_until: str | None = None
    for token in Lexer(source).tokenize():
        newlines = "\n" * token.contents.count("\n")
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if skip_until is not None:
                if name in skip_until.split("|"):
                    skip_until = None
            elif name in ("blocktranslate", "blocktrans"):
                skip_until = "endblocktranslate|endblocktrans"
            elif name == "comment":
                skip_until = "endcomment"
            elif name == "block" and token.contents.split()[1:2] and token.contents.split()[1] in ATTRIBUTE_BLOCKS:
                skip_until = "endblock"
            parts.append(PLACEHOLDER + newlines)
        elif token.token_type == TokenType.TEXT and skip_until is None:
            parts.append(token.contents)
        else:
            parts.append(PLACEHOLDER + newlines)
    return "".join(parts)


class _TextFinder(HTMLParser):
    """Collects (line, text) for text a person reads: element text and read attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._raw = 0  # inside <script> or <style>

    def _check(self, text: str) -> None:
        cleaned = " ".join(text.split())
        words = set(re.findall(r"[^\W\d_]+", cleaned))
        if LETTER.search(cleaned) and not words <= PROPER_NOUNS:
            self.found.append((self.getpos()[0], cleaned))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._raw += 1
        values = dict(attrs)
        for name, value in attrs:
            readable = name in READ_ATTRIBUTES
            readable |= name == "value" and values.get("type") in ("submit", "button", "reset")
            readable |= name == "content" and values.get("name") == "description"
            if readable and value:
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._raw:
            self._raw -= 1

    def handle_data(self, data: str) -> None:
        if not self._raw:
            self._check(data)


def untranslated_text(source: str) -> list[tuple[int, str]]:
    finder = _TextFinder()
    finder.feed(_visible_source(source))
    finder.close()
    return finder.found


def test_the_template_check_finds_what_it_should() -> None:
    source = (
        "{% load i18n %}<h1>{% translate 'Shelters' %}</h1>\n"
        "<p>Nearest shelter</p>\n"
        '<a title="Open map" href="{% url "home" %}">{{ name }}</a>\n'
        "{% blocktranslate %}Open {{ hours }}{% endblocktranslate %} <b>KyivGuide</b>\n"
        "{% comment %}A note for developers{% endcomment %}<script>var a = 'text';</script>\n"
        '<button aria-label="{% translate "Close" %}">×</button><input type="submit" value="Send">\n'
    )
    assert untranslated_text(source) == [(2, "Nearest shelter"), (3, "Open map"), (6, "Send")]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_template_has_text_outside_the_translation_tags(path: Path) -> None:
    name = path.relative_to(ROOT).as_posix()
    if ONE_LANGUAGE.search(path.name) or name in BOTH_LANGUAGES:
        pytest.skip("written in one language, chosen by the page's language, or in both at once")
    found = [f"{name}:{line}: {text!r}" for line, text in untranslated_text(path.read_text())]
    assert found == [], (
        "text a person reads outside {% translate %} / {% blocktranslate %} "
        f"(or add a proper noun to PROPER_NOUNS in {Path(__file__).name}):\n" + "\n".join(found)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "other", "label"),
    [
        ("/shelters/?kind=basement&accessible=1", "/en/shelters/?kind=basement&amp;accessible=1", "EN"),
        ("/en/shelters/?kind=basement", "/shelters/?kind=basement", "УКР"),
        ("/en/guide/", "/guide/", "УКР"),
        ("/alerts/?oblast=31", "/en/alerts/?oblast=31", "EN"),
    ],
)
def test_the_language_switch_keeps_the_page_and_its_query(client: Client, path: str, other: str, label: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert re.search(
        rf'<a href="{re.escape(other)}" hreflang="\w+" lang="\w+" title="[^"]+">{label}</a>', response.text
    )
    assert response.cookies == {}  # the language is in the URL, never in a cookie


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("path", "language"), [("/shelters/", "uk"), ("/en/shelters/", "en")])
def test_the_browser_picks_the_plural_form_gettext_does(live_server: Any, page: Any, path: str, language: str) -> None:
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(f"{live_server.url}{path}")

    counts = list(range(251))
    in_browser = page.evaluate(
        "(counts) => counts.map((n) => KyivShelters.plural(KyivShelters.config.strings.cluster, n))", counts
    )
    with translation.override(language):
        expected = [ngettext("{n} shelter: zoom in", "{n} shelters: zoom in", n).format(n=n) for n in counts]

    assert in_browser == expected
    if language == "uk":  # the three Ukrainian forms of whole numbers
        assert in_browser[1:6] + in_browser[11:13] + in_browser[21:23] == [
            "1 укриття: наблизьте мапу",
            "2 укриття: наблизьте мапу",
            "3 укриття: наблизьте мапу",
            "4 укриття: наблизьте мапу",
            "5 укриттів: наблизьте мапу",
            "11 укриттів: наблизьте мапу",
            "12 укриттів: наблизьте мапу",
            "21 укриття: наблизьте мапу",
            "22 укриття: наблизьте мапу",
        ]
