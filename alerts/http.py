"""Public, cacheable responses: no cookie, no session, an ETag and a short shared-cache lifetime."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control


def public_response(request: HttpRequest, body: bytes, *, content_type: str, max_age: int) -> HttpResponseBase:
    """`body` as a public response, or 304 when the client already holds it (If-None-Match)."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=max_age, stale_while_revalidate=max_age)
    conditional = get_conditional_response(request, etag=etag, response=response)
    return conditional if conditional is not None else response
