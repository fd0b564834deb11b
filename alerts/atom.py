"""The Atom feed of advisories: one entry per current advisory, linking its pages and CAP document.

Entries are in English (the feed lives under /feeds/, which is English); each links both language
versions of the page. Withdrawn advisories stay for a day as "Withdrawn" entries pointing at their
Cancel message. All text is written as text nodes: readers get it escaped, never as markup.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree

from alerts.cap import CAP_CONTENT_TYPE, cap_current_message
from alerts.models import Advisory
from alerts.selectors.advisories import advisory_cap_path, advisory_page_path

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# Used for `updated` of a feed that has never had an entry (Atom requires the element).
_NEVER = datetime(2022, 2, 24, tzinfo=UTC)


def _atom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _urn(name: str) -> str:
    # Stable ids that do not depend on the host name the feed was fetched through.
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.CAP_SENDER}/{name}").urn


def _element(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM_NAMESPACE}}}{name}", attrib=attributes)
    if text is not None:
        element.text = text
    return element


def _entry(feed: etree._Element, advisory: Advisory, absolute: Callable[[str], str]) -> datetime:
    message = cap_current_message(advisory)
    withdrawn = advisory.status == Advisory.Status.WITHDRAWN
    entry = _element(feed, "entry")
    _element(entry, "id", _urn(message.identifier))
    title = str(advisory.title)
    if withdrawn:
        title = _("Withdrawn: %(title)s") % {"title": title}
    if advisory.is_exercise:
        title = _("Exercise: %(title)s") % {"title": title}
    _element(entry, "title", title, type="text")
    _element(entry, "updated", _atom_time(message.sent))
    if advisory.published_at is not None:
        _element(entry, "published", _atom_time(advisory.published_at))
    author = _element(entry, "author")
    _element(author, "name", advisory.source_name)
    if advisory.source_url:
        _element(author, "uri", advisory.source_url)
    for language in ("en", "uk"):
        _element(
            entry,
            "link",
            rel="alternate",
            type="text/html",
            hreflang=language,
            href=absolute(advisory_page_path(advisory_id=advisory.pk, language=language)),
        )
    _element(
        entry, "link", rel="alternate", type=CAP_CONTENT_TYPE, href=absolute(advisory_cap_path(advisory_id=advisory.pk))
    )
    _element(entry, "category", term=advisory.severity, label=str(advisory.get_severity_display()))
    summary = str(advisory.body)
    if withdrawn:
        summary = f"{_('This advisory has been withdrawn.')}\n\n{advisory.withdrawal_reason}".strip()
    _element(entry, "summary", summary, type="text")
    return message.sent


def advisories_atom(*, advisories: Sequence[Advisory], feed_url: str, absolute: Callable[[str], str]) -> bytes:
    """The feed document; `absolute` turns a path into an absolute URL."""
    with translation.override("en"):
        feed = etree.Element(f"{{{ATOM_NAMESPACE}}}feed", nsmap={None: ATOM_NAMESPACE})
        feed.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        _element(feed, "id", _urn("advisories"))
        _element(feed, "title", _("KyivGuide: official advisories"), type="text")
        _element(feed, "subtitle", _("Advisories in force or coming into force, with their CAP 1.2 messages."))
        updated = _element(feed, "updated")
        _element(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
        author = _element(feed, "author")
        _element(author, "name", "KyivGuide")
        latest = _NEVER
        for advisory in advisories:
            latest = max(latest, _entry(feed, advisory, absolute))
        updated.text = _atom_time(latest)
    document: bytes = etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return document
