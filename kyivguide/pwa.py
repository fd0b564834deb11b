"""The installable, offline-capable side of the site: service worker, web manifest, offline page."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kyivguide.http import INSTALL, SERVICE_WORKER, cache_policy

# Pages kept for offline use from the first visit, in every language: what to do, and the shelter
# map, whose list of nearest shelters works out its answer in the browser when the server is away; the
# notification settings page, which a notification's "Settings" action opens (its list is in the browser).
OFFLINE_PAGES = ("offline", "alerts:guide", "shelters:map", "push:settings")
# Static files those pages need (Leaflet from the django-leaflet package).
OFFLINE_STATIC = (
    "css/app.css",
    "css/shelters.css",
    "css/places.css",
    "js/app.js",
    "js/my-places.js",
    "js/push.js",
    "js/shelters-core.js",
    "js/shelters-map.js",
    "js/shelters-nearest.js",
    "js/wake-lock.js",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "img/icon.svg",
)
# Whole-city data kept offline (served from the cache, refreshed behind it): every shelter.
OFFLINE_DATA: tuple[str, ...] = ("/api/v1/shelters",)


def never_cached_prefixes() -> list[str]:
    """Paths the service worker always leaves to the network: the live status and the admin (ADMIN_URL)."""
    prefixes = ["", *(f"/{code}" for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE)]
    admin = [f"{prefix}/{settings.ADMIN_URL}" for prefix in prefixes]
    return ["/api/v1/status", "/api/v1/locate", *admin, "/api/docs/", "/api/schema/"]


def _localised(name: str) -> list[str]:
    urls = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            urls.append(reverse(name))
    return urls


def precache_urls() -> list[str]:
    pages = [url for name in OFFLINE_PAGES for url in _localised(name)]
    return pages + [static(path) for path in OFFLINE_STATIC]


def worker_version() -> str:
    """What names the worker's caches: a new list of files (new static hashes after a deploy) is a
    new worker, which replaces the old one and deletes its caches."""
    lists = [precache_urls(), list(OFFLINE_DATA), never_cached_prefixes()]
    return hashlib.sha256(json.dumps(lists).encode()).hexdigest()[:12]


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    precache, data_paths, never = precache_urls(), list(OFFLINE_DATA), never_cached_prefixes()
    response = render(
        request,
        "pwa/sw.js",
        {
            "version": worker_version(),
            "precache": json.dumps(precache),
            "data_paths": json.dumps(data_paths),
            "never": json.dumps(never),
        },
        content_type="application/javascript",
    )
    SERVICE_WORKER.apply(response)
    response["Service-Worker-Allowed"] = "/"
    return response


# The icons deploy/icons.py draws from img/icon.svg (`make icons`), and the screenshots
# deploy/screenshots.py takes of the home page (one per language and form factor).
ICONS = (
    ("img/icon-192.png", "192x192", "any"),
    ("img/icon-512.png", "512x512", "any"),
    ("img/icon-maskable-512.png", "512x512", "maskable"),
)
APPLE_TOUCH_ICON = "img/apple-touch-icon.png"
SCREENSHOTS = (("narrow", "390x844"), ("wide", "1280x800"))


def screenshot_path(language: str, form_factor: str) -> str:
    return f"img/screenshots/home-{language}-{form_factor}.png"


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest of the page's language: /en/ installs the English app, / the Ukrainian one.

    Each is its own app (its own `id`), starting on its own home page; the Ukrainian one's scope takes
    in the English pages too, since they are part of the same site.
    """
    language = translation.get_language()
    home = reverse("home")
    return JsonResponse(
        {
            "id": home,
            "name": _("KyivGuide — air alerts and shelters in Kyiv"),
            "short_name": "KyivGuide",
            "description": _("Air alerts, the nearest shelter and official advice for Kyiv."),
            "lang": language,
            "dir": "ltr",
            "start_url": home,
            "scope": home,
            "display": "standalone",
            "orientation": "any",
            "background_color": "#ffffff",
            "theme_color": "#0b3d91",
            "categories": ["news", "navigation", "utilities"],
            "icons": [
                {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
                for path, sizes, purpose in ICONS
            ]
            + [{"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
            "screenshots": [
                {
                    "src": static(screenshot_path(language, form_factor)),
                    "sizes": sizes,
                    "type": "image/png",
                    "form_factor": form_factor,
                    "label": _("The home page: the alert status, the nearest shelters and what to do"),
                }
                for form_factor, sizes in SCREENSHOTS
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
        headers=INSTALL.headers,
    )


@cache_policy(INSTALL)
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "pwa/offline.html")
