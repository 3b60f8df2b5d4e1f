"""One HTTP helper for exported and cacheable data: ETag/304, caching, CORS and file names."""

from __future__ import annotations

import datetime as dt
import hashlib
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from litestar import Request, Response

from festival.auth.services import SESSION_COOKIE
from festival.settings import Settings

OPEN_DATA_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag"}


def strong_etag(body: bytes) -> str:
    """A strong validator over the bytes themselves."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def webcal_of(url: str) -> str:
    """The same feed address for calendar apps (``webcal://`` opens the subscription dialogue)."""
    return "webcal://" + url.split("://", 1)[-1]


def matches(request: Request[Any, Any, Any], etag: str) -> bool:
    """``If-None-Match`` names this tag (or ``*``): the client's copy is current."""
    header = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}
    return "*" in tags or etag in tags


def cacheable(
    request: Request[Any, Any, Any],
    body: bytes,
    *,
    media_type: str,
    etag: str,
    max_age_s: int = 60,
    filename: str | None = None,
    open_data: bool = True,
) -> Response[bytes]:
    """``body`` with its ETag, or an empty 304 when the client already has it.

    Public data is cached briefly by browsers and proxies (``max_age_s``) and revalidated after; an
    answer to a request with credentials is private (it may show a draft edition to its staff);
    ``open_data`` lets any web site read it (CORS); ``filename`` names the download.
    """
    # What a signed-in caller gets may include drafts: never for shared caches.
    personal = "authorization" in request.headers or SESSION_COOKIE in request.cookies
    caching = "private, no-cache" if personal else f"public, max-age={max_age_s}"
    headers = {"ETag": etag, "Cache-Control": caching, "Vary": "Accept-Language, Authorization, Cookie"}
    if open_data:
        headers |= OPEN_DATA_HEADERS
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if matches(request, etag):
        return Response(b"", status_code=304, headers=headers, media_type=media_type)
    return Response(body, headers=headers, media_type=media_type)


def site_url(request: Request[Any, Any, Any], settings: Settings) -> str:
    """The site's public address without a trailing slash: ``PUBLIC_URL``, else what the request used
    (so ``festival serve --port 8077`` links to port 8077)."""
    return (settings.public_url if settings.public_url_set else str(request.base_url)).rstrip("/")


def not_modified_since(request: Request[Any, Any, Any], last_modified: dt.datetime) -> bool:
    """``If-Modified-Since`` is at or after ``last_modified`` (whole seconds, as HTTP dates are).

    A change less than a second ago is never "not modified": the client's date may be of the same
    second but from before the change (RFC 9110 8.8.2.2 calls such a date a weak validator).
    """
    header = request.headers.get("if-modified-since")
    if not header or dt.datetime.now(dt.UTC) - last_modified < dt.timedelta(seconds=1):
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False  # a malformed date is ignored (RFC 9110 13.1.3)
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return last_modified.replace(microsecond=0) <= since


def accepts_gzip(request: Request[Any, Any, Any]) -> bool:
    """``Accept-Encoding`` names gzip (or ``*``) without ``q=0``."""
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in {"gzip", "*"}:
            q = params.replace(" ", "").removeprefix("q=")
            return not (params and q.replace(".", "").strip("0") == "")
    return False


def feed_response(
    request: Request[Any, Any, Any],
    body: bytes,
    *,
    media_type: str,
    etag: str,
    last_modified: dt.datetime,
    filename: str,
    private: bool,
    gzipped: bytes | None = None,
    max_age_s: int = 300,
) -> Response[bytes]:
    """A subscription feed with its validators, or an empty 304.

    ``If-None-Match`` decides when sent; otherwise ``If-Modified-Since`` (RFC 9110 13.2.2). Public
    feeds are open data (CORS) and may be kept by shared caches for ``max_age_s``; a private feed's
    address is its secret, so it is never stored by shared caches, indexed or sent on as a referrer.
    ``gzipped`` (the body compressed once, when it was rendered) is sent to clients that accept it,
    under its own ETag (``"…-gz"``); either tag of the same bytes answers 304. The route must opt out
    of the app's compression middleware (``opt={"skip_compression": True}``).
    """
    compressed = gzipped is not None and accepts_gzip(request)
    sent_tag = f'{etag[:-1]}-gz"' if compressed else etag
    headers = {
        "ETag": sent_tag,
        "Vary": "Accept-Encoding",
        "Last-Modified": format_datetime(last_modified.astimezone(dt.UTC).replace(microsecond=0), usegmt=True),
        "Cache-Control": f"{'private' if private else 'public'}, max-age={max_age_s}",
        "Content-Disposition": f'inline; filename="{filename}"',
    }
    if private:
        headers |= {"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
    else:
        headers |= OPEN_DATA_HEADERS | {"Access-Control-Expose-Headers": "ETag, Last-Modified"}
    if "if-none-match" in request.headers:
        fresh = matches(request, etag) or matches(request, f'{etag[:-1]}-gz"')
    else:
        fresh = not_modified_since(request, last_modified)
    if fresh:
        return Response(b"", status_code=304, headers=headers, media_type=media_type)
    if compressed and gzipped is not None:
        return Response(gzipped, headers=headers | {"Content-Encoding": "gzip"}, media_type=media_type)
    return Response(body, headers=headers, media_type=media_type)
