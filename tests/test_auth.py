"""Sign-in, sessions shared with Piccolo Admin, bearer tokens, CSRF and sign-in rate limiting."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from piccolo.apps.user.tables import BaseUser

from festival.auth import services
from festival.demo import DEMO_DOMAIN, DEMO_PASSWORD
from festival.tables import ApiToken

pytestmark = pytest.mark.anyio

ORGANISER = f"organiser@{DEMO_DOMAIN}"


def new_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_passwords_are_stored_with_pbkdf2(demo: Any) -> None:
    row = await BaseUser.select(BaseUser.password).where(BaseUser.username == ORGANISER).first()
    algorithm, iterations, _salt, digest = row["password"].split("$")
    assert algorithm == "pbkdf2_sha256" and int(iterations) >= 600_000 and len(digest) == 64
    assert DEMO_PASSWORD not in row["password"]


async def test_api_sign_in_sets_a_session_that_opens_the_admin(app: Any, demo: Any) -> None:
    async with new_client(app) as client:
        response = await client.post("/api/v1/auth/login", json={"email": ORGANISER.upper(), "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.text
        assert response.json()["roles"] == {"hsf-2027": ["organiser"]}
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
        me = await client.get("/api/v1/auth/me")
        assert me.status_code == 200 and me.json()["authenticated_by"] == "session"
        # The same cookie opens Piccolo Admin (organisers are admin users).
        tables = await client.get("/admin/api/tables/")
        assert tables.status_code == 200, tables.text
        assert "festival_edition" in tables.text or "Edition" in tables.text
        # Sign out (the session cookie needs the CSRF token: read it from a page first).
        page = await client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token, "the login page carries a CSRF token"
        out = await client.post("/api/v1/auth/logout", headers={"x-csrftoken": token.group(1)})
        assert out.status_code == 204
        assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_gate_staff_cannot_open_the_admin(app: Any, demo: Any) -> None:
    async with new_client(app) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": f"gate@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200
        assert (await client.get("/admin/api/tables/")).status_code in (401, 403)


async def test_wrong_password_is_401_without_saying_which_part(app: Any, demo: Any) -> None:
    async with new_client(app) as client:
        for email, password in [(ORGANISER, "wrong-password"), ("nobody@example.org", DEMO_PASSWORD), ("x", "y" * 500)]:
            response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
            assert response.status_code == 401, response.text
            assert response.json()["detail"] == "wrong e-mail or password"
            assert "set-cookie" not in response.headers or "id=" not in response.headers["set-cookie"]


async def test_sign_in_attempts_are_rate_limited(app: Any, demo: Any) -> None:
    limit = app.state.settings.login_attempts_per_minute
    async with new_client(app) as client:
        statuses = [
            (
                await client.post("/api/v1/auth/login", json={"email": ORGANISER, "password": "nope-nope-nope"})
            ).status_code
            for _ in range(limit + 2)
        ]
        assert statuses[:limit] == [401] * limit
        assert statuses[limit:] == [429, 429]
        # Even the right password is refused until the window passes.
        right = await client.post("/api/v1/auth/login", json={"email": ORGANISER, "password": DEMO_PASSWORD})
        assert right.status_code == 429
        assert right.json()["code"] == "too_many_requests"
        # Reading pages is not limited.
        assert (await client.get("/")).status_code == 200
        # Another account from the same address is not locked out by these failures.
        other = await client.post(
            "/api/v1/auth/login", json={"email": f"gate@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}
        )
        assert other.status_code == 200


async def test_successful_sign_ins_are_not_limited(app: Any, demo: Any) -> None:
    """Staff behind one address sign in as often as they need; only failures count."""
    limit = app.state.settings.login_attempts_per_minute
    async with new_client(app) as client:
        for _ in range(limit + 3):
            client.cookies.clear()  # signed in, a new sign-in would need the CSRF token
            response = await client.post("/api/v1/auth/login", json={"email": ORGANISER, "password": DEMO_PASSWORD})
            assert response.status_code == 200


async def test_guessing_many_accounts_from_one_address_is_limited(app: Any, demo: Any) -> None:
    limit = app.state.settings.login_attempts_per_minute
    async with new_client(app) as client:
        statuses = [
            (
                await client.post("/api/v1/auth/login", json={"email": f"user{i}@example.org", "password": "x" * 12})
            ).status_code
            for i in range(limit * 5 + 1)
        ]
    assert statuses[: limit * 5] == [401] * (limit * 5) and statuses[-1] == 429


async def test_login_form_and_csrf(app: Any, demo: Any) -> None:
    async with new_client(app) as client:
        page = await client.get("/login?next=/hsf-2027/")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        form = {"email": ORGANISER, "password": DEMO_PASSWORD, "next": "/hsf-2027/"}
        # Without the token the form is refused with a friendly page.
        refused = await client.post("/login", data=form, headers={"accept": "text/html"})
        assert refused.status_code == 403
        assert "reload the page" in refused.text and "Traceback" not in refused.text
        signed_in = await client.post("/login", data={**form, "_csrf_token": token})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/hsf-2027/"
        # A cookie-authenticated JSON write without the CSRF header is refused...
        body = {"slug": "csrf-partner", "names": {"en": "CSRF"}}
        assert (await client.post("/api/v1/partners", json=body)).status_code == 403
        # ...and accepted with it.
        accepted = await client.post("/api/v1/partners", json=body, headers={"x-csrftoken": token})
        assert accepted.status_code == 201, accepted.text
        # Off-site redirects after sign-in are not followed.
        again = await client.post("/login", data={**form, "next": "//evil.example/", "_csrf_token": token})
        assert again.headers["location"] == "/"


async def test_bad_password_on_the_form_shows_the_form_again(app: Any, demo: Any) -> None:
    async with new_client(app) as client:
        page = await client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        response = await client.post("/login", data={"email": ORGANISER, "password": "nope", "_csrf_token": token})
        assert response.status_code == 401
        assert "Wrong e-mail or password." in response.text and ORGANISER in response.text


async def test_bearer_tokens_are_hashed_and_revocable(client: httpx.AsyncClient, demo: Any) -> None:
    organiser = await services.issue_token(None, ORGANISER, "laptop")
    headers = {"authorization": f"Bearer {organiser.secret}"}
    created = await client.post(
        "/api/v1/tokens", json={"user_email": f"gate@{DEMO_DOMAIN}", "name": "North gate 1"}, headers=headers
    )
    assert created.status_code == 201, created.text
    secret = created.json()["token"]
    assert secret.startswith("fst_") and len(secret) > 40
    stored = await ApiToken.select(ApiToken.token_hash).where(ApiToken.id == created.json()["id"]).first()
    assert secret not in stored["token_hash"] and len(stored["token_hash"]) == 64
    listed = (await client.get("/api/v1/tokens", headers=headers)).json()
    assert "token" not in listed[0] and {t["name"] for t in listed} >= {"North gate 1"}

    gate = {"authorization": f"Bearer {secret}"}
    me = await client.get("/api/v1/auth/me", headers=gate)
    assert me.status_code == 200 and me.json()["roles"] == {"hsf-2027": ["gate"]}
    assert me.json()["authenticated_by"] == "token"
    assert (await client.delete(f"/api/v1/tokens/{created.json()['id']}", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=gate)).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers={"authorization": "Bearer fst_made-up"})).status_code == 401


async def test_organisers_manage_tokens_only_for_their_people(client: httpx.AsyncClient, demo: Any) -> None:
    moi = await services.issue_token(None, f"moi-organiser@{DEMO_DOMAIN}", "laptop")
    headers = {"authorization": f"Bearer {moi.secret}"}
    response = await client.post(
        "/api/v1/tokens", json={"user_email": f"gate@{DEMO_DOMAIN}", "name": "x"}, headers=headers
    )
    assert response.status_code == 403 and response.json()["code"] == "not_your_account"
    hsf_gate = await services.issue_token(None, f"gate@{DEMO_DOMAIN}", "scanner")
    listed = (await client.get("/api/v1/tokens", headers=headers)).json()
    assert hsf_gate.id not in {t["id"] for t in listed}
    assert (await client.delete(f"/api/v1/tokens/{hsf_gate.id}", headers=headers)).status_code == 403


async def test_members_api_creates_accounts_and_grants_roles(client: httpx.AsyncClient, demo: Any) -> None:
    organiser = await services.issue_token(None, ORGANISER, "laptop")
    headers = {"authorization": f"Bearer {organiser.secret}"}
    missing = await client.put(
        "/api/v1/editions/hsf-2027/members", json={"email": "new@example.org", "role": "gate"}, headers=headers
    )
    assert missing.status_code == 404 and missing.json()["code"] == "user_not_found"
    created = await client.put(
        "/api/v1/editions/hsf-2027/members",
        json={"email": "New@Example.org", "role": "gate", "password": "a-long-password"},
        headers=headers,
    )
    assert created.status_code == 200, created.text
    assert created.json()["email"] == "new@example.org" and created.json()["roles"] == ["gate"]
    members = (await client.get("/api/v1/editions/hsf-2027/members", headers=headers)).json()
    assert {"new@example.org", ORGANISER} <= {m["email"] for m in members}
    bad = await client.put(
        "/api/v1/editions/hsf-2027/members", json={"email": "x@example.org", "role": "king"}, headers=headers
    )
    assert bad.status_code == 400
    removed = await client.delete(
        f"/api/v1/editions/hsf-2027/members/{created.json()['user_id']}/gate", headers=headers
    )
    assert removed.status_code == 204
    members = (await client.get("/api/v1/editions/hsf-2027/members", headers=headers)).json()
    assert "new@example.org" not in {m["email"] for m in members}


async def _admin_session(app: Any, email: str) -> httpx.AsyncClient:
    """A signed-in client; the caller closes it."""
    client = new_client(app)
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    await client.get("/admin/")  # Piccolo Admin sets its own CSRF cookie
    return client


async def test_only_superusers_change_accounts_in_the_admin(app: Any, demo: Any) -> None:
    """Organisers use the admin for festival data but cannot grant themselves roles or powers there."""
    from festival.tables import Edition, Membership

    organiser = await BaseUser.objects().where(BaseUser.username == ORGANISER).first()
    moi = await Edition.objects().where(Edition.slug == "moi-helsinki-2027").first()
    grant = {"user": organiser.id, "edition": moi.id, "role": "organiser", "created_at": "2027-01-01T12:00:00+00:00"}
    client = await _admin_session(app, ORGANISER)
    try:
        csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
        assert (await client.get("/admin/api/tables/festival_venue/")).status_code == 200
        refused = await client.post("/admin/api/tables/festival_membership/", json=grant, headers=csrf)
        assert refused.status_code in (403, 405), refused.text
        escalate = await client.patch(
            f"/admin/api/tables/piccolo_user/{organiser.id}/", json={"superuser": True}, headers=csrf
        )
        assert escalate.status_code in (403, 405), escalate.text
    finally:
        await client.aclose()
    assert not (await BaseUser.objects().where(BaseUser.id == organiser.id).first()).superuser
    assert not await Membership.exists().where((Membership.user == organiser.id) & (Membership.edition == moi.id))
    client = await _admin_session(app, f"admin@{DEMO_DOMAIN}")
    try:
        csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
        granted = await client.post("/admin/api/tables/festival_membership/", json=grant, headers=csrf)
        assert granted.status_code == 201, granted.text
    finally:
        await client.aclose()
    assert await Membership.exists().where((Membership.user == organiser.id) & (Membership.edition == moi.id))


async def test_a_role_given_to_a_powerful_account_does_not_hand_over_its_tokens(
    client: httpx.AsyncClient, demo: Any
) -> None:
    """An organiser gives a role to the superuser (or to another edition's organiser) and asks for its token."""
    organiser = await services.issue_token(None, ORGANISER, "laptop")
    headers = {"authorization": f"Bearer {organiser.secret}"}
    for target in (f"admin@{DEMO_DOMAIN}", f"moi-organiser@{DEMO_DOMAIN}"):
        granted = await client.put(
            "/api/v1/editions/hsf-2027/members", json={"email": target, "role": "performer"}, headers=headers
        )
        assert granted.status_code == 200, granted.text
        stolen = await client.post("/api/v1/tokens", json={"user_email": target, "name": "x"}, headers=headers)
        assert stolen.status_code == 403, stolen.text
        assert stolen.json()["code"] == "not_your_account"
    their_token = await services.issue_token(None, f"moi-organiser@{DEMO_DOMAIN}", "their laptop")
    listed = (await client.get("/api/v1/tokens", headers=headers)).json()
    assert their_token.id not in {t["id"] for t in listed}
    assert (await client.delete(f"/api/v1/tokens/{their_token.id}", headers=headers)).status_code == 403
    # Their own token and the tokens of their own people stay manageable.
    own = await client.post("/api/v1/tokens", json={"user_email": ORGANISER, "name": "phone"}, headers=headers)
    assert own.status_code == 201


async def test_the_admin_keeps_the_api_rules(app: Any, demo: Any) -> None:
    """Organisers change only their own editions there, with the same checks as the API."""
    from festival.tables import Edition, Venue

    hsf = await Edition.objects().where(Edition.slug == "hsf-2027").first()
    oodi = await Venue.objects().where((Venue.edition == hsf.id) & (Venue.slug == "oodi")).first()
    client = await _admin_session(app, f"moi-organiser@{DEMO_DOMAIN}")
    try:
        csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
        other = await client.patch(
            f"/admin/api/tables/festival_edition/{hsf.id}/", json={"status": "draft"}, headers=csrf
        )
        assert other.status_code == 403, other.text
        venue = await client.patch(f"/admin/api/tables/festival_venue/{oodi.id}/", json={"capacity": 1}, headers=csrf)
        assert venue.status_code == 403, venue.text
        gone = await client.delete(f"/admin/api/tables/festival_edition/{hsf.id}/", headers=csrf)
        assert gone.status_code == 403, gone.text
        accounts = await client.get("/admin/api/tables/piccolo_user/")
        assert accounts.status_code in (403, 405), accounts.text
    finally:
        await client.aclose()
    client = await _admin_session(app, ORGANISER)
    try:
        csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
        url = f"/admin/api/tables/festival_edition/{hsf.id}/"
        for bad in ({"time_zone": "Mars/Base"}, {"time_zone": "localtime"}, {"currency": "XYZ"}):
            response = await client.patch(url, json=bad, headers=csrf)
            assert response.status_code == 422, (bad, response.text)
        hours = '[{"opens": "25:00", "closes": "10:00", "weekdays": [1]}]'
        response = await client.patch(
            f"/admin/api/tables/festival_venue/{oodi.id}/", json={"opening_hours": hours}, headers=csrf
        )
        assert response.status_code == 422, response.text
        response = await client.patch(
            f"/admin/api/tables/festival_venue/{oodi.id}/", json={"capacity": 280}, headers=csrf
        )
        assert response.status_code == 200, response.text
    finally:
        await client.aclose()
    after = await Venue.objects().where(Venue.id == oodi.id).first()
    assert after.capacity == 280 and after.updated_at > oodi.updated_at
    assert (await Edition.objects().where(Edition.id == hsf.id).first()).time_zone == "Europe/Helsinki"


async def test_an_inactive_account_cannot_sign_in(app: Any, demo: Any) -> None:
    await BaseUser.update({BaseUser.active: False}).where(BaseUser.username == ORGANISER)
    async with new_client(app) as client:
        response = await client.post("/api/v1/auth/login", json={"email": ORGANISER, "password": DEMO_PASSWORD})
    assert response.status_code == 401


async def test_the_admin_refuses_what_the_api_refuses(app: Any, demo: Any) -> None:
    """PUT (which skips piccolo_api's hooks), columns the API does not change, and every bad value."""
    from festival.tables import Edition, Partner, Venue

    hsf = await Edition.objects().where(Edition.slug == "hsf-2027").first()
    moi = await Edition.objects().where(Edition.slug == "moi-helsinki-2027").first()
    oodi = await Venue.objects().where((Venue.edition == hsf.id) & (Venue.slug == "oodi")).first()
    client = await _admin_session(app, ORGANISER)
    try:
        csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
        venue_url = f"/admin/api/tables/festival_venue/{oodi.id}/"
        edition_url = f"/admin/api/tables/festival_edition/{hsf.id}/"
        put = await client.put(venue_url, json={"capacity": 1}, headers=csrf)
        assert put.status_code == 405, put.text
        for url, body, status in [
            (edition_url, {"series": moi.series}, 403),
            (edition_url, {"slug": "renamed"}, 403),
            (edition_url, {"first_day": "2027-03-01"}, 422),  # after the last day
            (edition_url, {"year": 1}, 422),
            (edition_url, {"names": "[]"}, 422),
            (edition_url, {"names": '{"en": 5}'}, 422),
            (venue_url, {"capacity": -5}, 422),
            (venue_url, {"latitude": 1000}, 422),
            (venue_url, {"edition": moi.id}, 403),
            (venue_url, {"slug": "Not A Slug"}, 403),
        ]:
            response = await client.patch(url, json=body, headers=csrf)
            assert response.status_code == status, (body, response.status_code, response.text)
    finally:
        await client.aclose()
    assert (await Venue.objects().where(Venue.id == oodi.id).first()).capacity == oodi.capacity
    client = await _admin_session(app, f"admin@{DEMO_DOMAIN}")
    try:
        csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
        caisa = await Partner.objects().where(Partner.slug == "caisa").first()
        bad = await client.patch(
            f"/admin/api/tables/festival_partner/{caisa.id}/", json={"website": "javascript:alert(1)"}, headers=csrf
        )
        assert bad.status_code == 422, bad.text
        # A partner's city is plain text (an edition's is per language): the admin must tell them apart.
        city = await client.patch(
            f"/admin/api/tables/festival_partner/{caisa.id}/", json={"city": "Helsinki"}, headers=csrf
        )
        assert city.status_code == 200, city.text
        renamed = await client.patch(
            f"/admin/api/tables/festival_edition/{moi.id}/", json={"slug": "admin-2029"}, headers=csrf
        )
        assert renamed.status_code == 422, renamed.text  # reserved: /admin… belongs to the site
    finally:
        await client.aclose()


async def test_organisers_add_venues_to_their_own_editions_in_the_admin(app: Any, demo: Any) -> None:
    from festival.tables import Edition, Venue

    hsf = await Edition.objects().where(Edition.slug == "hsf-2027").first()
    venue = {
        "edition": hsf.id,
        "slug": "kaapelitehdas",
        "names": '{"en": "Cable Factory", "fi": "Kaapelitehdas"}',
        "descriptions": "{}",
        "address": "Tallberginkatu 1, Helsinki",
        "time_zone": "Europe/Helsinki",
        "opening_hours": "[]",
        "accessibility": "{}",
        "capacity": 900,
    }
    for email, status in ((f"moi-organiser@{DEMO_DOMAIN}", 403), (ORGANISER, 201)):
        client = await _admin_session(app, email)
        try:
            csrf = {"x-csrftoken": client.cookies.get("csrftoken", "")}
            response = await client.post("/admin/api/tables/festival_venue/", json=venue, headers=csrf)
            assert response.status_code == status, (email, response.text)
        finally:
            await client.aclose()
    created = await Venue.objects().where(Venue.slug == "kaapelitehdas").first()
    assert created is not None and created.capacity == 900


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_attempts_sent_at_once_cannot_outrun_the_throttle(
    app: Any, demo: Any, request: Any, backend: str
) -> None:
    """Each attempt is counted before the slow hash: a burst gets exactly the limit through, then 429s."""
    import asyncio

    from festival.auth.throttle import create_throttle

    redis_url = request.getfixturevalue("redis_url") if backend == "redis" else None
    throttle = create_throttle(redis_url, per_account=app.state.settings.login_attempts_per_minute)
    limit = throttle.per_account
    previous = app.state.throttle
    app.state.throttle = throttle
    try:
        async with new_client(app) as client:
            responses = await asyncio.gather(
                *(
                    client.post("/api/v1/auth/login", json={"email": f"gate@{DEMO_DOMAIN}", "password": "wrong-wrong"})
                    for _ in range(limit * 3)
                )
            )
    finally:
        app.state.throttle = previous
        await throttle.close()
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * limit + [429] * (limit * 2)


async def test_an_organisers_token_stops_when_the_account_outgrows_them(client: httpx.AsyncClient, demo: Any) -> None:
    organiser = await services.issue_token(None, ORGANISER, "laptop")
    made = await client.post(
        "/api/v1/tokens",
        json={"user_email": f"gate@{DEMO_DOMAIN}", "name": "North gate"},
        headers={"authorization": f"Bearer {organiser.secret}"},
    )
    gate = {"authorization": f"Bearer {made.json()['token']}"}
    assert (await client.get("/api/v1/auth/me", headers=gate)).status_code == 200
    await BaseUser.update({BaseUser.superuser: True}).where(BaseUser.username == f"gate@{DEMO_DOMAIN}")
    assert (await client.get("/api/v1/auth/me", headers=gate)).status_code == 401
    await BaseUser.update({BaseUser.superuser: False}).where(BaseUser.username == f"gate@{DEMO_DOMAIN}")
    assert (await client.get("/api/v1/auth/me", headers=gate)).status_code == 200
    # A token made on the command line is the operator's decision and keeps working.
    cli = await services.issue_token(None, f"gate@{DEMO_DOMAIN}", "cli")
    await BaseUser.update({BaseUser.superuser: True}).where(BaseUser.username == f"gate@{DEMO_DOMAIN}")
    assert (await client.get("/api/v1/auth/me", headers={"authorization": f"Bearer {cli.secret}"})).status_code == 200
