from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from alerts.api.webhooks import ukrainealarm_webhook
from kyivguide import health, pwa, security, views
from kyivguide.http import PRIVATE, SCHEMA, cache_policy
from kyivguide.throttling import throttle

handler404 = "kyivguide.views.page_not_found"

# The hot read paths (status, nearest shelters) come first: URLs are resolved in order, and the
# shelters' three routes are passed more cheaply than the alerts' nine.
api_v1 = [
    path("", include("shelters.api_urls")),
    path("", include("alerts.api_urls")),
    path("", include("push.api_urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("feeds/", include("alerts.feed_urls")),
    path("api/schema/", cache_policy(SCHEMA)(SpectacularAPIView.as_view()), name="api-schema"),
    # The docs page sets a CSRF cookie (Swagger UI's "try it out" sends it back), and a CSP nonce.
    path(
        "api/docs/",
        cache_policy(PRIVATE)(SpectacularSwaggerView.as_view(url_name="api-schema", template_name="api_docs.html")),
        name="api-docs",
    ),
    path("csp-report", throttle(scope="csp-report")(security.csp_report), name="csp-report"),
    # The secret in the path is the upstream's credential: a wrong one is a 404 (alerts/api/webhooks.py).
    path(
        "hooks/ukrainealarm/<str:secret>",
        throttle(scope="webhook")(ukrainealarm_webhook),
        name="ukrainealarm-webhook",
    ),
]

# Pages: Ukrainian at /…, English at /en/… (the language comes from the URL, never from a cookie).
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("offline/", pwa.offline, name="offline"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("", include("alerts.urls")),
    path("", include("shelters.urls")),
    path("", include("push.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    prefix_default_language=False,
)

if settings.BENCH_ENDPOINTS:
    urlpatterns.insert(0, path("_bench/constant", views.bench_constant))
