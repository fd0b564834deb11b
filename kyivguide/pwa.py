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
from django.views.decorators.http import require_safe

from kyivguide.http import INSTALL, SERVICE_WORKER, cache_policy

# Pages kept for offline use from the first visit, in every language: what to do, and the shelter
# map, whose list of nearest shelters works out its answer in the browser when the server is away.
OFFLINE_PAGES = ("offline", "alerts:guide", "shelters:map")
# Static files those pages need (Leaflet from the django-leaflet package).
OFFLINE_STATIC = (
    "css/app.css",
    "css/shelters.css",
    "js/app.js",
    "js/shelters-core.js",
    "js/shelters-map.js",
    "js/shelters-nearest.js",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "img/icon.svg",
)
# Whole-city data kept offline (served from the cache, refreshed behind it): every shelter.
OFFLINE_DATA: tuple[str, ...] = ("/api/v1/shelters",)


def never_cached_prefixes() -> list[str]:
    """Paths the service worker always leaves to the network: the live status and the admin (ADMIN_URL)."""
    prefixes = ["", *(f"/{code}" for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE)]
    admin = [f"{prefix}/{settings.ADMIN_URL}" for prefix in prefixes]
    return ["/api/v1/status", "/api/v1/locate", *admin, "/api/docs/", "/api/schema/"]


def _localised(name: str) -> list[str]:
    urls = []
    for code, _ in settings.LANGUAGES:
        with translation.override(code):
            urls.append(reverse(name))
    return urls


def precache_urls() -> list[str]:
    pages = [url for name in OFFLINE_PAGES for url in _localised(name)]
    return pages + [static(path) for path in OFFLINE_STATIC]


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    precache = precache_urls()
    data_paths = list(OFFLINE_DATA)
    never = never_cached_prefixes()
    # A new list of files (new static hashes after a deploy) is a new worker, which replaces the old.
    version = hashlib.sha256(json.dumps([precache, data_paths, never]).encode()).hexdigest()[:12]
    response = render(
        request,
        "pwa/sw.js",
        {
            "version": version,
            "precache": json.dumps(precache),
            "data_paths": json.dumps(data_paths),
            "never": json.dumps(never),
        },
        content_type="application/javascript",
    )
    SERVICE_WORKER.apply(response)
    response["Service-Worker-Allowed"] = "/"
    return response


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "name": "KyivGuide — тривоги й укриття Києва",
            "short_name": "KyivGuide",
            "description": "Air alerts, the nearest shelter and official advice for Kyiv.",
            "lang": "uk",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b3d91",
            "icons": [{"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
        headers=INSTALL.headers,
    )


@cache_policy(INSTALL)
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "pwa/offline.html")
