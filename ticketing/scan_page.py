"""The gate staff's scanner page ``/scan`` and its service worker ``/scan-sw.js`` (docs/checkin.md).

The page is public: what it may do comes from the device token it keeps (``Authorization: Bearer
fdt_…`` on the device API), never from a session. Everything it runs is static (``static/scan/``);
the service worker precaches the page and those files so the page opens and scans with the network
gone. The worker is served from the root so that its scope may be ``/scan``; its cache name is a
hash of the files it precaches, so a changed file gives a changed worker and a fresh cache.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from litestar import Controller, get
from litestar.datastructures import ResponseHeader
from litestar.response import Template

import festival

PUBLIC = {"access": "public"}
STATIC_DIR = Path(festival.__file__).resolve().parent / "web" / "static"
SCAN_DIR = STATIC_DIR / "scan"
PAGE_PATH = "/scan"
WORKER_PATH = "/scan-sw.js"
# The page and its worker are always revalidated: a deployment reaches a scanner at its next load.
NO_CACHE = [ResponseHeader(name="Cache-Control", value="no-cache")]
PRECACHED_SUFFIXES = (".js", ".css")
SHARED_FILES = ("favicon.svg",)


@dataclass(frozen=True, slots=True)
class ScannerAssets:
    """What the service worker precaches (the page and its static files) and their version."""

    version: str
    urls: tuple[str, ...]


@functools.cache
def scanner_assets() -> ScannerAssets:
    """The page's static files (``static/scan/**`` scripts and styles, the favicon), read once per
    process: their content decides the version."""
    files = sorted(p for p in SCAN_DIR.rglob("*") if p.is_file() and p.suffix in PRECACHED_SUFFIXES)
    files += [STATIC_DIR / name for name in SHARED_FILES]
    digest = hashlib.sha256()
    urls = [PAGE_PATH]
    for path in files:
        relative = path.relative_to(STATIC_DIR).as_posix()
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
        urls.append(f"/static/{relative}")
    return ScannerAssets(version=digest.hexdigest()[:16], urls=tuple(urls))


class ScannerController(Controller):
    include_in_schema = False
    response_headers = NO_CACHE

    @get(PAGE_PATH, opt=PUBLIC, response_headers=[ResponseHeader(name="Referrer-Policy", value="no-referrer")])
    async def scanner(self) -> Template:
        """The scanner: camera, manual entry, result, online/offline state (all in ``static/scan/``)."""
        return Template("scan/scan.html", context={"assets": scanner_assets()})

    @get(WORKER_PATH, opt=PUBLIC)
    async def service_worker(self) -> Template:
        """The service worker of ``/scan``: precaches the page and its files, never the API."""
        assets = scanner_assets()
        context = {"version": assets.version, "urls": list(assets.urls), "page": PAGE_PATH}
        return Template("scan/sw.js", context=context, media_type="text/javascript")


CONTROLLERS = [ScannerController]
