"""Fixes from the review: XSS through partner links, drafts in series, CSRF exclusions, headers."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from festival.auth import services
from festival.demo import DEMO_DOMAIN, DEMO_PASSWORD

pytestmark = pytest.mark.anyio


async def _bearer(email: str) -> dict[str, str]:
    return {"authorization": f"Bearer {(await services.issue_token(None, email, 'tests')).secret}"}


async def test_partner_websites_must_be_web_addresses(client: httpx.AsyncClient, demo: Any) -> None:
    admin = await _bearer(f"admin@{DEMO_DOMAIN}")
    for bad in ("javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "data:text/html,<script>", "//evil"):
        response = await client.patch("/api/v1/partners/caisa", json={"website": bad}, headers=admin)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["code"] == "invalid_url"
    created = await client.post(
        "/api/v1/partners", json={"slug": "x-partner", "names": {"en": "X"}, "website": "javascript:1"}, headers=admin
    )
    assert created.status_code == 422
    page = await client.get("/hsf-2027/")
    assert "javascript:" not in page.text


async def test_a_partner_of_other_editions_is_not_editable_by_an_organiser(
    client: httpx.AsyncClient, demo: Any
) -> None:
    moi = await _bearer(f"moi-organiser@{DEMO_DOMAIN}")
    refused = await client.patch("/api/v1/partners/caisa", json={"city": "Espoo"}, headers=moi)
    assert refused.status_code == 403  # Caisa is a partner of hsf-2027 only
    hsf = await _bearer(f"organiser@{DEMO_DOMAIN}")
    assert (await client.patch("/api/v1/partners/caisa", json={"city": "Helsinki"}, headers=hsf)).status_code == 200
    shared = await client.patch(
        "/api/v1/partners/beijing-culture-tourism-bureau", json={"city": "Beijing"}, headers=hsf
    )
    assert shared.status_code == 403  # also a partner of moi-helsinki-2027


async def test_series_do_not_list_draft_editions(client: httpx.AsyncClient, demo: Any) -> None:
    organiser = await _bearer(f"organiser@{DEMO_DOMAIN}")
    body = {
        "series": "helsinki-spring-festival",
        "slug": "hsf-2028",
        "year": 2028,
        "names": {"en": "HSF 2028"},
        "city": {"en": "Helsinki"},
        "time_zone": "Europe/Helsinki",
        "first_day": "2028-01-25",
        "last_day": "2028-02-03",
        "currency": "EUR",
        "status": "draft",
    }
    assert (await client.post("/api/v1/editions", json=body, headers=organiser)).status_code == 201
    public = (await client.get("/api/v1/series/helsinki-spring-festival")).json()
    assert public["editions"] == ["hsf-2027"]
    assert "hsf-2028" not in str((await client.get("/api/v1/series")).json())
    staff = (await client.get("/api/v1/series/helsinki-spring-festival", headers=organiser)).json()
    assert staff["editions"] == ["hsf-2027", "hsf-2028"]
    home = await client.get("/")
    assert "hsf-2028" not in home.text


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "right/Europe/Helsinki", "Factory", "Mars/Base"])
async def test_only_iana_time_zones(client: httpx.AsyncClient, demo: Any, zone: str) -> None:
    organiser = await _bearer(f"organiser@{DEMO_DOMAIN}")
    response = await client.patch("/api/v1/editions/hsf-2027", json={"time_zone": zone}, headers=organiser)
    assert response.status_code == 422 and response.json()["code"] == "invalid_time_zone"


async def test_csrf_exclusions_are_anchored(app: Any, demo: Any) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        signed_in = await client.post(
            "/api/v1/auth/login", json={"email": f"organiser@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}
        )
        assert signed_in.status_code == 200
        page = await client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        body = {"slug": "administration", "names": {"en": "Administration"}}
        assert (await client.post("/api/v1/partners", json=body, headers={"x-csrftoken": token})).status_code == 201
        # A path that merely contains "/admin" is no exception to CSRF.
        forged = await client.patch("/api/v1/partners/administration", json={"city": "Nowhere"})
        assert forged.status_code == 403


async def test_api_writes_must_be_json(client: httpx.AsyncClient, demo: Any) -> None:
    """A cross-site form can send only form or text bodies: those never reach the API, sign-in included."""
    text_login = await client.post(
        "/api/v1/auth/login",
        content=f'{{"email": "organiser@{DEMO_DOMAIN}", "password": "{DEMO_PASSWORD}"}}',
        headers={"content-type": "text/plain"},
    )
    assert text_login.status_code == 415
    assert "id=" not in text_login.headers.get("set-cookie", "")
    form = await client.post("/api/v1/partners", data={"slug": "x"}, headers=await _bearer(f"admin@{DEMO_DOMAIN}"))
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"
    assert form.headers["x-content-type-options"] == "nosniff"


async def test_security_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    admin = await client.get("/admin/")
    assert admin.headers["x-frame-options"] == "DENY"
    api = await client.get("/api/v1/editions")
    assert api.headers["x-content-type-options"] == "nosniff"


async def test_edition_slugs_cannot_shadow_the_site(client: httpx.AsyncClient, demo: Any) -> None:
    admin = await _bearer(f"admin@{DEMO_DOMAIN}")
    body = {
        "series": "helsinki-spring-festival",
        "year": 2029,
        "names": {"en": "X"},
        "city": {"en": "Helsinki"},
        "time_zone": "Europe/Helsinki",
        "first_day": "2029-02-10",
        "last_day": "2029-02-12",
        "currency": "EUR",
    }
    for slug in ("admin", "admin-2029", "static-2029", "schema-2028", "api"):
        response = await client.post("/api/v1/editions", json={**body, "slug": slug}, headers=admin)
        assert response.status_code == 422 and response.json()["code"] == "reserved_slug", (slug, response.text)


async def test_csp_prefixes_are_whole_segments(client: httpx.AsyncClient) -> None:
    assert "content-security-policy" not in (await client.get("/schema")).headers
    assert "content-security-policy" in (await client.get("/schema-2028/")).headers
