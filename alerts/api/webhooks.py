"""The ukrainealarm webhook: api.ukrainealarm.com calls it on every alert change, and it asks for a poll now.

`POST /hooks/ukrainealarm/<secret>`: the secret (UKRAINEALARM_WEBHOOK_SECRET) is the only credential the
upstream can send, so without it, or with another one, the route does not exist (404; compared in
constant time). The body (the region that changed, AlertRegionModel) is a hint and never data: it is
checked loosely, so that a broken caller hears why (400), and then dropped; only the poll that follows,
through the same adapter as every poll, changes anything. Throttled per calling address (kyivguide.urls).
"""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from alerts.services.poll_requests import feed_poll_request
from kyivguide.http import PRIVATE

logger = logging.getLogger(__name__)

FEED = "ukrainealarm"
# One region's change is a few hundred bytes; a larger body is no call of the upstream's.
MAX_BODY_BYTES = 64 * 1024


def _answer(status: int, body: dict[str, str]) -> HttpResponseBase:
    return PRIVATE.apply(JsonResponse(body, status=status))


def _error(status: int, code: str, message: str) -> HttpResponseBase:
    return _answer(status, {"error": code, "message": message})


def webhook_secret_matches(secret: str) -> bool:
    expected: str = settings.UKRAINEALARM_WEBHOOK_SECRET
    return bool(expected) and hmac.compare_digest(secret.encode(), expected.encode())


def hint_problem(payload: object) -> str | None:
    """Why a body is not what ukrainealarm sends (an object with regionId and activeAlerts), or None."""
    if not isinstance(payload, dict):
        return "Expected a JSON object (the region that changed)."
    region = payload.get("regionId")
    if region is not None and (isinstance(region, bool) or not isinstance(region, str | int)):
        return "regionId must be a string or a number."
    alerts = payload.get("activeAlerts")
    if alerts is not None and not isinstance(alerts, list):
        return "activeAlerts must be a list."
    return None


@csrf_exempt
def ukrainealarm_webhook(request: HttpRequest, secret: str) -> HttpResponseBase:
    # The secret first: without it nothing about the route is revealed, not even its methods.
    if not webhook_secret_matches(secret) or not settings.ALERT_FEED_ENABLED[FEED]:
        return _error(404, "not_found", "Not found.")
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "Only POST is accepted here.")
        response["Allow"] = "POST"
        return response
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _error(413, "too_large", f"A webhook call is at most {MAX_BODY_BYTES} bytes.")
    if body.strip():
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, ValueError) as exc:
            return _error(400, "invalid", f"The body is not JSON: {exc}.")
        problem = hint_problem(payload)
        if problem is not None:
            return _error(400, "invalid", problem)
    try:
        queued = feed_poll_request(name=FEED)
    except Exception:
        logger.exception("ukrainealarm webhook: the poll could not be queued")
        return _error(503, "unavailable", "The poll could not be queued; the periodic poll goes on.")
    return _answer(202, {"poll": "queued" if queued else "pending"})
