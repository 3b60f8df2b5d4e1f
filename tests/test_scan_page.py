"""The scanner page and its service worker as served (the page at work is in test_browser_scan.py):
no inline code under the CSP, a text for every result the server gives, translated, and a worker
that precaches files that exist."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from ticketing import checkin, scan_page

pytestmark = pytest.mark.anyio


class Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.styled: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        if any(name == "style" or name.startswith("on") for name, _ in attrs) or tag == "style":
            self.styled.append(tag)


def texts_of(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="scan-texts">(.*?)</script>', html, re.S)
    assert found, "the page's texts block"
    texts: dict[str, Any] = json.loads(found.group(1))
    return texts


async def test_the_page_runs_only_its_own_files(client: httpx.AsyncClient) -> None:
    response = await client.get("/scan?lang=en")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["referrer-policy"] == "no-referrer"  # the pairing token never leaves in a referrer
    assert "script-src 'self'" in response.headers["content-security-policy"]
    parsed = Scripts()
    parsed.feed(response.text)
    assert parsed.styled == [], "inline styles or handlers break under the CSP"
    for script in parsed.scripts:  # every script is a file of the site, or data
        assert script.get("src", "").startswith("/static/scan/") or script.get("type") == "application/json"  # type: ignore[union-attr]
    texts = texts_of(response.text)
    server_results = set(checkin.REASONS) - {"not_admitted_offline"}  # the last is recorded, never answered
    assert server_results <= set(texts["results"]), server_results - set(texts["results"])


@pytest.mark.parametrize(("lang", "admitted"), [("fi", "Päästetty sisään"), ("sv", "Insläppt"), ("zh", "准许入场")])
async def test_the_page_speaks_the_gate_staffs_language(client: httpx.AsyncClient, lang: str, admitted: str) -> None:
    response = await client.get(f"/scan?lang={lang}")
    assert f'<html lang="{lang}">' in response.text
    assert texts_of(response.text)["results"]["admitted"] == admitted


async def test_the_service_worker_precaches_what_exists(client: httpx.AsyncClient) -> None:
    response = await client.get(scan_page.WORKER_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assets = scan_page.scanner_assets()
    assert f'const VERSION = "{assets.version}";' in response.text
    precached = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", response.text).group(1))  # type: ignore[union-attr]
    assert precached == list(assets.urls)
    assert "/scan" in precached and "/static/scan/vendor/jsQR.js" in precached
    assert not any(url.startswith("/api/") for url in precached)
    for url in precached:
        answer = await client.get(url)
        assert answer.status_code == 200, url
    jsqr = await client.get("/static/scan/vendor/jsQR.js")
    assert "jsQR" in jsqr.text and "javascript" in jsqr.headers["content-type"]
