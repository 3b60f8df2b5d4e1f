"""The core data API: series, editions, venues, partners; validation and problem details."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from festival.auth import services
from festival.demo import DEMO_DOMAIN

pytestmark = pytest.mark.anyio


@pytest.fixture
async def organiser(client: httpx.AsyncClient, demo: Any) -> dict[str, str]:
    issued = await services.issue_token(None, f"organiser@{DEMO_DOMAIN}", "tests")
    return {"authorization": f"Bearer {issued.secret}"}


@pytest.fixture
async def admin(client: httpx.AsyncClient, demo: Any) -> dict[str, str]:
    issued = await services.issue_token(None, f"admin@{DEMO_DOMAIN}", "tests")
    return {"authorization": f"Bearer {issued.secret}"}


NEW_EDITION = {
    "series": "helsinki-spring-festival",
    "slug": "hsf-2028",
    "year": 2028,
    "names": {"en": "Helsinki Spring Festival 2028", "zh": "2028赫尔辛基春节"},
    "city": {"en": "Helsinki", "fi": "Helsinki"},
    "time_zone": "Europe/Helsinki",
    "first_day": "2028-01-25",
    "last_day": "2028-02-03",
    "currency": "EUR",
    "languages": ["fi", "en", "zh"],
}


async def test_public_lists_show_demo_data(client: httpx.AsyncClient, demo: Any) -> None:
    editions = (await client.get("/api/v1/editions")).json()
    assert [e["slug"] for e in editions] == ["hsf-2027", "moi-helsinki-2027"]
    hsf = (await client.get("/api/v1/editions/hsf-2027?lang=zh")).json()
    assert hsf["name"] == "2027赫尔辛基春节"
    assert hsf["time_zone"] == "Europe/Helsinki" and hsf["currency"] == "EUR"
    moi = (await client.get("/api/v1/editions/moi-helsinki-2027")).json()
    assert moi["time_zone"] == "Asia/Shanghai" and moi["currency"] == "CNY"
    venues = (await client.get("/api/v1/editions/hsf-2027/venues?lang=fi")).json()
    assert {"oodi", "musiikkitalo", "narinkkatori", "caisa", "toolonlahti"} <= {v["slug"] for v in venues}
    oodi = next(v for v in venues if v["slug"] == "oodi")
    assert oodi["name"] == "Helsingin keskustakirjasto Oodi"
    assert oodi["opening_hours"][0]["weekdays"] == [1, 2, 3, 4, 5]
    partners = (await client.get("/api/v1/editions/hsf-2027/partners?lang=zh")).json()
    names = {p["partner"]["name"] for p in partners}
    assert "北京市人民政府外事办公室" in names
    series = (await client.get("/api/v1/series/moi-helsinki")).json()
    assert series["editions"] == ["moi-helsinki-2027"]


async def test_language_fallback_in_the_api(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/partners", json={"slug": "only-swedish", "names": {"sv": "Bara svenska"}}, headers=admin
    )
    assert response.status_code == 201, response.text
    assert (await client.get("/api/v1/partners/only-swedish?lang=zh")).json()["name"] == "Bara svenska"


async def test_create_and_update_edition_and_venue(client: httpx.AsyncClient, organiser: dict[str, str]) -> None:
    response = await client.post("/api/v1/editions", json={**NEW_EDITION, "status": "draft"}, headers=organiser)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "draft"
    # A draft is invisible to the public and to staff of other editions...
    assert (await client.get("/api/v1/editions/hsf-2028")).status_code == 404
    assert "hsf-2028" not in [e["slug"] for e in (await client.get("/api/v1/editions")).json()]
    moi = await services.issue_token(None, f"moi-organiser@{DEMO_DOMAIN}", "t")
    assert (
        await client.get("/api/v1/editions/hsf-2028", headers={"authorization": f"Bearer {moi.secret}"})
    ).status_code == 404
    # ...while its creator became its organiser and sees and edits it.
    assert (await client.get("/api/v1/editions/hsf-2028", headers=organiser)).status_code == 200
    response = await client.patch("/api/v1/editions/hsf-2028", json={"status": "published"}, headers=organiser)
    assert response.status_code == 200, response.text
    assert (await client.get("/api/v1/editions/hsf-2028")).json()["status"] == "published"

    venue = {"slug": "oodi", "names": {"en": "Oodi"}, "capacity": 250, "latitude": 60.17, "longitude": 24.94}
    response = await client.post("/api/v1/editions/hsf-2027/venues", json=venue, headers=organiser)
    assert response.status_code == 409 and response.json()["code"] == "slug_taken"
    response = await client.post(
        "/api/v1/editions/hsf-2027/venues", json={**venue, "slug": "kaapelitehdas"}, headers=organiser
    )
    assert response.status_code == 201, response.text
    assert response.json()["time_zone"] == "Europe/Helsinki"  # the edition's zone by default
    response = await client.patch(
        "/api/v1/editions/hsf-2027/venues/kaapelitehdas",
        json={"capacity": 400, "opening_hours": [{"date": "2027-02-06", "opens": "18:00", "closes": "02:00"}]},
        headers=organiser,
    )
    assert response.status_code == 200, response.text
    assert response.json()["capacity"] == 400 and response.json()["names"] == {"en": "Oodi"}


@pytest.mark.parametrize(
    ("change", "status", "code", "words"),
    [
        ({"time_zone": "Europe/Helsinky"}, 422, "invalid_time_zone", "IANA"),
        ({"currency": "EUX"}, 422, "invalid_currency", "ISO 4217"),
        ({"last_day": "2028-01-01"}, 422, "invalid_dates", "before first_day"),
        ({"languages": ["fi", "de"]}, 422, "invalid_language", "unsupported de"),
        ({"names": {"en": "  "}}, 422, "text_required", "at least one language"),
        ({"names": {"xx": "Hello"}}, 422, "invalid_language", "unsupported language xx"),
        ({"slug": "Not A Slug"}, 400, "invalid_request", "slug"),
        ({"year": "soon"}, 400, "invalid_request", "year"),
        ({"first_day": "2028-02-30"}, 400, "invalid_request", "first_day"),
        ({"colour": "red"}, 400, "invalid_request", "colour"),
        ({"series": "no-such-series"}, 404, "series_not_found", "no-such-series"),
    ],
)
async def test_bad_edition_input_is_a_clear_4xx(
    client: httpx.AsyncClient, admin: dict[str, str], change: dict[str, Any], status: int, code: str, words: str
) -> None:
    response = await client.post("/api/v1/editions", json={**NEW_EDITION, **change}, headers=admin)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert problem["status"] == status
    assert words in problem["detail"]
    assert "Traceback" not in response.text
    # Nothing was written halfway.
    assert (await client.get("/api/v1/editions/hsf-2028", headers=admin)).status_code == 404


async def test_malformed_json_is_400_not_500(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/partners", content=b"{not json", headers={**admin, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


async def test_partner_links(client: httpx.AsyncClient, organiser: dict[str, str]) -> None:
    response = await client.put(
        "/api/v1/editions/hsf-2027/partners/caisa", json={"role": "venue partner"}, headers=organiser
    )
    assert response.status_code == 200, response.text
    links = (await client.get("/api/v1/editions/hsf-2027/partners")).json()
    assert {"caisa": "venue partner"}.items() <= {x["partner"]["slug"]: x["role"] for x in links}.items()
    assert (await client.delete("/api/v1/editions/hsf-2027/partners/caisa", headers=organiser)).status_code == 204
    links = (await client.get("/api/v1/editions/hsf-2027/partners")).json()
    assert "caisa" not in {x["partner"]["slug"] for x in links}


async def test_openapi_documents_the_api(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    for path in ("/api/v1/editions", "/api/v1/editions/{edition}/venues", "/api/v1/partners", "/api/v1/series"):
        assert path in schema["paths"], path
    assert "post" in schema["paths"]["/api/v1/editions"]
    page = await client.get("/schema")
    assert page.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in page.text  # served by the app, no CDN
    assert (await client.get("/static/swagger/swagger-ui-bundle.js")).status_code == 200
    assert "cdn." not in page.text and "unpkg" not in page.text
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "session"}
