"""The notification settings page: this browser's subscriptions (kept in the browser), each with a stop button."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kyivguide.http import INSTALL, cache_policy


# The page is the same for everyone (the list is drawn from the browser's own storage by static/js/push.js):
# cookie-free, cacheable like the offline page, and kept by the service worker for offline use.
@cache_policy(INSTALL)
def notification_settings(request: HttpRequest) -> HttpResponse:
    return render(request, "push/settings.html")
