"""One exception handler for the whole app: RFC 9457 problem details for the API, a friendly page
for people. No stack trace ever reaches a client; unexpected errors are logged with theirs.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template

from festival.database import is_number_out_of_range, is_unique_violation
from festival.errors import FestivalError
from festival.i18n import N_, gettext

log = logging.getLogger("festival.errors")

PROBLEM_JSON = "application/problem+json"


_TITLES = {
    400: N_("Bad request"),
    401: N_("Sign-in required"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("Request too large"),
    415: N_("Unsupported media type"),
    422: N_("Invalid data"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
    503: N_("Service unavailable"),
}
_HTTP_CODES = {
    400: "invalid_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    429: "too_many_requests",
}


def _classify(exc: Exception) -> tuple[int, str, str, dict[str, Any], dict[str, str]]:
    """Status, stable code, detail for people, extra members, headers."""
    if isinstance(exc, FestivalError):
        return exc.status_code, exc.code, exc.message, exc.extra, {}
    if isinstance(exc, ValidationException):
        errors = exc.extra if isinstance(exc.extra, list) else []
        detail = "; ".join(
            f"{e.get('key') or 'body'}: {e.get('message')}" for e in errors if isinstance(e, dict)
        ) or str(exc.detail)
        return 400, "invalid_request", detail, {"errors": errors}, {}
    if isinstance(exc, HTTPException):
        status = exc.status_code
        code = _HTTP_CODES.get(status, "http_error")
        detail = str(exc.detail) if exc.detail else _TITLES.get(status, "Error")
        if "csrf" in detail.lower():
            code = "csrf_failed"
            detail = "the form has expired or did not come from this site; reload the page and try again"
        return status, code, detail, {}, dict(exc.headers or {})
    if isinstance(exc, OverflowError) and "date" in str(exc):
        # A date at the edge of the calendar that cannot be moved to UTC or stored (year 1 at +14:00).
        return 400, "invalid_request", "a date or time in the request is out of range", {}, {}
    if is_number_out_of_range(exc):
        # A number the database cannot hold (an id past 32 or 64 bits): it names nothing.
        return 404, "not_found", "no such record: a number in the request is out of range", {}, {}
    if is_unique_violation(exc):
        # Two requests raced past a service's "already exists?" check; the unique index caught it.
        return 409, "conflict", "this already exists (it was created at the same moment)", {}, {}
    log.exception("unhandled error", exc_info=exc)
    return 500, "internal_error", "an unexpected error happened; it has been logged", {}, {}


def wants_json(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/webhooks/", "/schema", "/health")):
        return True
    accept = request.headers.get("accept", "")
    return "html" not in accept and ("json" in accept or request.method not in {"GET", "HEAD"})


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status, code, detail, extra, headers = _classify(exc)
    title = _TITLES.get(status, "Error")
    if wants_json(request):
        body = {
            "type": f"urn:festival:problem:{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
            "instance": request.url.path,
            **extra,
        }
        return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
    if status == 401 and request.method == "GET":
        # A person opening a page that needs an account: to the sign-in form, and back after it.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?{urlencode({'next': target})}", status_code=303)
    context = {"status": status, "title": gettext(title), "detail": detail, "code": code}
    return Template("error.html", context=context, status_code=status, headers=headers, media_type=MediaType.HTML)
