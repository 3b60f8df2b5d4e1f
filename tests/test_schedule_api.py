"""The programme through its HTTP API: items, slots, local times, warnings, publishing, changelog."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from festival.auth import services as auth
from festival.demo import DEMO_DOMAIN

pytestmark = pytest.mark.anyio

BASE = "/api/v1/editions/hsf-2027"


@pytest.fixture
async def organiser(app: Any, demo: Any) -> Any:
    token = (await auth.issue_token(None, f"organiser@{DEMO_DOMAIN}", "tests")).secret
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    ) as http:
        yield http


async def _item(http: httpx.AsyncClient, slug: str, **extra: Any) -> dict[str, Any]:
    response = await http.post(f"{BASE}/items", json={"slug": slug, "titles": {"en": slug.title()}, **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def _slot(http: httpx.AsyncClient, item: str, venue: str, start: str, end: str, **extra: Any) -> httpx.Response:
    return await http.post(f"{BASE}/slots", json={"item": item, "venue": venue, "start": start, "end": end, **extra})


async def test_item_crud_and_validation(organiser: httpx.AsyncClient) -> None:
    item = await _item(
        organiser,
        "tea-ceremony",
        category="workshop",
        tags=["culture", "education"],
        performers=["li-na-erhu", "wang-jun-calligraphy"],
        languages=["zh", "en"],
        admission="registration",
        titles={"en": "Tea ceremony", "zh": "茶艺"},
    )
    assert item["performers"] == ["li-na-erhu", "wang-jun-calligraphy"]
    assert item["category"] == "workshop"
    patched = await organiser.patch(f"{BASE}/items/tea-ceremony", json={"performers": ["li-na-erhu"], "category": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["performers"] == ["li-na-erhu"] and patched.json()["category"] is None
    assert (
        await organiser.post(f"{BASE}/items", json={"slug": "tea-ceremony", "titles": {"en": "x"}})
    ).status_code == 409
    bad = {
        "unknown performer": ({"performers": ["nobody"]}, "unknown_performer"),
        "unknown category": ({"category": "nope"}, "unknown_category"),
        "no title": ({"titles": {}}, "text_required"),
        "unknown language of text": ({"titles": {"xx": "X"}}, "invalid_language"),
        "bad image": ({"image_url": "javascript:alert(1)"}, "invalid_url"),
    }
    for name, (body, code) in bad.items():
        response = await organiser.patch(f"{BASE}/items/tea-ceremony", json=body)
        assert response.status_code == 422, name
        assert response.json()["code"] == code, (name, response.json())
    response = await organiser.patch(f"{BASE}/items/tea-ceremony", json={"admission": "maybe"})
    assert response.status_code == 400  # schema validation by Litestar
    assert (await organiser.delete(f"{BASE}/items/tea-ceremony")).status_code == 204
    assert (await organiser.get(f"{BASE}/items/tea-ceremony")).status_code == 404


async def test_slot_local_times_are_stored_in_utc(organiser: httpx.AsyncClient) -> None:
    await _item(organiser, "lantern-walk")
    response = await _slot(organiser, "lantern-walk", "narinkkatori", "2027-02-08T18:00", "2027-02-08T19:00")
    assert response.status_code == 201, response.text
    slot = response.json()
    assert slot["starts_at"].startswith("2027-02-08T16:00:00")  # Helsinki winter time is UTC+2
    assert slot["start"].startswith("2027-02-08T18:00:00+02:00")
    assert slot["time_zone"] == "Europe/Helsinki" and slot["status"] == "draft"
    moved = await organiser.patch(f"{BASE}/slots/{slot['id']}", json={"venue": "oodi", "start": "2027-02-08T17:30"})
    assert moved.status_code == 200 and moved.json()["venue"] == "oodi"
    assert moved.json()["uid"] == slot["uid"]  # the identity survives a move
    backwards = await organiser.patch(f"{BASE}/slots/{slot['id']}", json={"end": "2027-02-08T17:00"})
    assert backwards.status_code == 422 and backwards.json()["code"] == "invalid_times"
    no_item = await organiser.post(
        f"{BASE}/slots", json={"venue": "oodi", "start": "2027-02-08T10:00", "end": "2027-02-08T11:00"}
    )
    assert no_item.json()["code"] == "item_required"
    blocker = await organiser.post(
        f"{BASE}/slots",
        json={
            "venue": "oodi",
            "kind": "blocker",
            "note": "Fire drill",
            "start": "2027-02-08T10:00",
            "end": "2027-02-08T11:00",
        },
    )
    assert blocker.status_code == 201 and blocker.json()["title"] == "Fire drill"
    unknown_venue = await _slot(organiser, "lantern-walk", "nowhere", "2027-02-08T10:00", "2027-02-08T11:00")
    assert unknown_venue.json()["code"] == "unknown_venue"


@pytest.fixture
async def march_edition(organiser: httpx.AsyncClient) -> str:
    """An edition across both clock changes of 2027 in Helsinki (28 March and 31 October)."""
    response = await organiser.post(
        "/api/v1/editions",
        json={
            "series": "helsinki-spring-festival",
            "slug": "hsf-dst",
            "year": 2027,
            "names": {"en": "DST test"},
            "city": {"en": "Helsinki"},
            "time_zone": "Europe/Helsinki",
            "first_day": "2027-03-26",
            "last_day": "2027-11-01",
            "currency": "EUR",
        },
    )
    assert response.status_code == 201, response.text
    base = "/api/v1/editions/hsf-dst"
    assert (await organiser.post(f"{base}/venues", json={"slug": "hall", "names": {"en": "Hall"}})).status_code == 201
    assert (await organiser.post(f"{base}/items", json={"slug": "night", "titles": {"en": "Night"}})).status_code == 201
    return base


async def test_a_time_in_the_spring_gap_is_refused(organiser: httpx.AsyncClient, march_edition: str) -> None:
    slot = {"item": "night", "venue": "hall", "end": "2027-03-28T05:00"}
    response = await organiser.post(f"{march_edition}/slots", json={**slot, "start": "2027-03-28T03:30"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "nonexistent_local_time"
    assert "2027-03-28T03:30 does not exist in Europe/Helsinki" in problem["detail"]
    ok = await organiser.post(f"{march_edition}/slots", json={**slot, "start": "2027-03-28T02:30"})
    assert ok.status_code == 201
    # 02:30 EET to 05:00 EEST is 1 h 30 min of real time.
    starts, ends = (dt.datetime.fromisoformat(ok.json()[k]) for k in ("starts_at", "ends_at"))
    assert ends - starts == dt.timedelta(minutes=90)


async def test_the_repeated_autumn_hour_must_be_explicit(organiser: httpx.AsyncClient, march_edition: str) -> None:
    slot = {"item": "night", "venue": "hall", "end": "2027-10-31T05:00"}
    response = await organiser.post(f"{march_edition}/slots", json={**slot, "start": "2027-10-31T03:30"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "ambiguous_local_time"
    assert "2027-10-31T03:30+03:00" in problem["detail"] and "2027-10-31T03:30+02:00" in problem["detail"]
    first = await organiser.post(f"{march_edition}/slots", json={**slot, "start": "2027-10-31T03:30+03:00"})
    second = await organiser.post(f"{march_edition}/slots", json={**slot, "start": "2027-10-31T03:30+02:00"})
    assert first.status_code == second.status_code == 201
    assert first.json()["starts_at"].startswith("2027-10-31T00:30:00")
    assert second.json()["starts_at"].startswith("2027-10-31T01:30:00")
    assert first.json()["start"].startswith("2027-10-31T03:30:00+03:00")
    assert second.json()["start"].startswith("2027-10-31T03:30:00+02:00")


async def test_warnings_through_the_api(organiser: httpx.AsyncClient) -> None:
    before = {(w["code"], tuple(w["slots"])) for w in (await organiser.get(f"{BASE}/warnings")).json()}
    await _item(organiser, "extra-show", performers=["li-na-erhu"], admission="ticketed")
    clash = await _slot(organiser, "extra-show", "musiikkitalo", "2027-02-07T19:30", "2027-02-07T20:30", capacity=2000)
    assert clash.status_code == 201  # warnings never block saving
    found = (await organiser.get(f"{BASE}/warnings")).json()
    new = [w for w in found if (w["code"], tuple(w["slots"])) not in before]
    codes = sorted(w["code"] for w in new)
    # The orchestra gala (with Li Na) runs 19:00-21:00 in the same hall, and the hall holds 1704.
    assert codes == ["capacity_exceeds_venue", "performer_double_booked", "venue_double_booked"], new
    assert all(clash.json()["id"] in w["slots"] for w in new)


async def test_publish_freezes_a_version_and_the_changelog(organiser: httpx.AsyncClient, app: Any) -> None:
    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    versions = (await anonymous.get(f"{BASE}/versions")).json()
    assert [v["number"] for v in versions] == [2, 1]
    kinds = sorted({c["kind"] for c in versions[0]["changes"]})
    assert kinds == ["cancelled", "moved", "new", "retitled"]

    # The draft has a warning (the demo's unpublished clash): publishing asks for acknowledgement.
    refused = await organiser.post(f"{BASE}/versions", json={"name": "Third"})
    assert refused.status_code == 409 and refused.json()["code"] == "unacknowledged_warnings"

    slots = (await organiser.get(f"{BASE}/slots")).json()
    fireworks = next(s for s in slots if s["item"] == "fireworks")
    await organiser.patch(
        f"{BASE}/slots/{fireworks['id']}", json={"start": "2027-02-14T20:30", "end": "2027-02-14T20:50"}
    )
    draft_only = await _slot(organiser, "fireworks", "toolonlahti", "2027-02-13T20:00", "2027-02-13T20:20")
    public_before = (await anonymous.get(f"{BASE}/programme", params={"limit": 500})).json()
    assert draft_only.json()["uid"] not in {s["uid"] for s in public_before["slots"]}  # drafts are not public

    published = await organiser.post(f"{BASE}/versions", json={"name": "Third", "acknowledge_warnings": True})
    assert published.status_code == 201, published.text
    version = published.json()
    assert version["number"] == 3
    moved = [c for c in version["changes"] if c["kind"] == "moved"]
    assert [c["item"] for c in moved] == ["fireworks"]
    assert moved[0]["old_start"].startswith("2027-02-14T18:00:00")  # 20:00 Helsinki time
    assert moved[0]["start"].startswith("2027-02-14T18:30:00")
    public = (await anonymous.get(f"{BASE}/programme", params={"performer": "northern-lights-pyro"})).json()
    assert public["version"] == 3
    assert [s["start"][:16] for s in public["slots"]] == ["2027-02-14T20:30"]
    await anonymous.aclose()


async def test_publishing_emails_each_affected_performer_once(organiser: httpx.AsyncClient, app: Any) -> None:
    from festival.tables import EmailMessage

    slots = (await organiser.get(f"{BASE}/slots")).json()
    gala = [s for s in slots if s["item"] == "orchestra-gala" and s["kind"] == "public"]
    for slot in gala:  # both gala nights move: still one message per performer
        await organiser.patch(f"{BASE}/slots/{slot['id']}", json={"start": slot["start"][:11] + "19:30"})
    await organiser.patch(f"{BASE}/items/orchestra-gala", json={"titles": {"en": "Gala of the Year of the Goat"}})
    published = await organiser.post(f"{BASE}/versions", json={"name": "Gala later", "acknowledge_warnings": True})
    assert published.status_code == 201
    messages = await EmailMessage.select().order_by(EmailMessage.to_address)
    assert [m["to_address"] for m in messages] == [
        f"beijing-youth-orchestra@{DEMO_DOMAIN}",
        f"li-na-erhu@{DEMO_DOMAIN}",
    ]
    text = messages[0]["text_body"]
    assert text.count("MOVED") == 2 and text.count("RETITLED") == 1
    assert "19:30" in text and "Europe/Helsinki" in text


async def test_nothing_to_publish(organiser: httpx.AsyncClient, march_edition: str) -> None:
    response = await organiser.post(f"{march_edition}/versions", json={"name": "Empty"})
    assert response.status_code == 422 and response.json()["code"] == "nothing_to_publish"


async def test_public_programme_filters_paging_and_etag(client: httpx.AsyncClient, demo: Any) -> None:
    first = await client.get(f"{BASE}/programme", params={"limit": 10})
    assert first.status_code == 200
    page = first.json()
    assert page["version"] == 2 and page["total"] >= 40 and len(page["slots"]) == 10
    assert page["next"] == "offset=10&limit=10"
    etag = first.headers["etag"]
    assert first.headers["access-control-allow-origin"] == "*"
    again = await client.get(f"{BASE}/programme", params={"limit": 10}, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    other = await client.get(f"{BASE}/programme", params={"limit": 10, "offset": 10}, headers={"if-none-match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag

    by_venue = (await client.get(f"{BASE}/programme", params={"venue": "oodi", "limit": 500})).json()
    assert by_venue["total"] > 0 and {s["venue"] for s in by_venue["slots"]} == {"oodi"}
    by_day = (await client.get(f"{BASE}/programme", params={"day": "2027-02-06", "limit": 500})).json()
    assert by_day["total"] > 0 and all(s["start"].startswith("2027-02-06") for s in by_day["slots"])
    by_language = (await client.get(f"{BASE}/programme", params={"language": "zh", "limit": 500})).json()
    assert by_language["total"] > 0 and all("zh" in s["languages"] for s in by_language["slots"])
    by_category = (await client.get(f"{BASE}/programme", params={"category": "workshop", "limit": 500})).json()
    assert by_category["total"] > 0 and {s["category"] for s in by_category["slots"]} == {"workshop"}
    search = (await client.get(f"{BASE}/programme", params={"q": "舞狮"})).json()  # a title and a troupe's name
    assert "lion-dance" in {s["item"] for s in search["slots"]}
    assert all("Beijing Lion and Dragon Dance Company" in s["performers"] for s in search["slots"])
    two_words = (await client.get(f"{BASE}/programme", params={"q": "erhu 李娜"})).json()  # every word must match
    assert {s["item"] for s in two_words["slots"]} == {"erhu-and-kantele"}
    in_chinese = (
        await client.get(f"{BASE}/programme", params={"venue": "kansalaistori"}, headers={"accept-language": "zh"})
    ).json()
    assert "舞狮" in {s["title"] for s in in_chinese["slots"]}
    assert {s["venue_name"] for s in in_chinese["slots"]} == {"公民广场"}
    cancelled = [
        s
        for s in (await client.get(f"{BASE}/programme", params={"limit": 500})).json()["slots"]
        if s["status"] == "cancelled"
    ]
    assert [s["item"] for s in cancelled] == ["dj-lunar-night"]
    unknown = await client.get(f"{BASE}/programme", params={"venue": "atlantis"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_venue"
    assert (await client.get(f"{BASE}/programme", params={"limit": 0})).status_code == 422


async def test_moi_helsinki_times_are_beijing_time(client: httpx.AsyncClient, demo: Any) -> None:
    page = (await client.get("/api/v1/editions/moi-helsinki-2027/programme", params={"limit": 500})).json()
    assert page["total"] >= 15
    assert {s["time_zone"] for s in page["slots"]} == {"Asia/Shanghai"}
    assert all(s["start"].endswith("+08:00") for s in page["slots"])


async def test_unpublished_and_draft_programmes(
    client: httpx.AsyncClient, organiser: httpx.AsyncClient, march_edition: str
) -> None:
    # A draft edition is invisible to the public; its own organisers see that nothing is published.
    assert (await client.get(f"{march_edition}/programme")).status_code == 404
    response = await organiser.get(f"{march_edition}/programme")
    assert response.status_code == 404 and response.json()["code"] == "programme_not_published"


async def test_a_deleted_slot_stays_cancelled_while_feeds_keep_cancellations(
    organiser: httpx.AsyncClient, app: Any
) -> None:
    """Calendars and apps must learn that a slot is gone: it shows as cancelled for the configured
    period (CALENDAR_CANCELLED_KEEP_DAYS), then leaves at the next publication after it."""
    from schedule import programme, publishing
    from schedule.demo import DEMO_ACTOR
    from schedule.schemas import PublishIn

    before = await programme.current("hsf-2027", DEMO_ACTOR)
    fireworks = next(s for s in before.slots if s.item == "fireworks")
    tai_chi = [s for s in before.slots if s.item == "tai-chi-morning"]
    draft = {s["uid"]: s for s in (await organiser.get(f"{BASE}/slots")).json()}
    assert (await organiser.delete(f"{BASE}/slots/{draft[fireworks.uid]['id']}")).status_code == 204
    await organiser.patch(f"{BASE}/slots/{draft[tai_chi[0].uid]['id']}", json={"status": "cancelled"})
    third = (await organiser.post(f"{BASE}/versions", json={"name": "3", "acknowledge_warnings": True})).json()
    assert sorted((c["kind"], c["item"]) for c in third["changes"]) == [
        ("cancelled", "fireworks"),
        ("cancelled", "tai-chi-morning"),
    ]
    after = await programme.current("hsf-2027", DEMO_ACTOR)
    gone = next(s for s in after.slots if s.uid == fireworks.uid)
    assert gone.status == "cancelled" and gone.sequence == fireworks.sequence + 1
    assert gone.changed_at == after.published_at
    unchanged = next(s for s in after.slots if s.uid == tai_chi[1].uid)
    assert unchanged.sequence == tai_chi[1].sequence and unchanged.changed_at == tai_chi[1].changed_at

    await organiser.patch(f"{BASE}/slots/{draft[tai_chi[0].uid]['id']}", json={"status": "confirmed"})
    fourth = (await organiser.post(f"{BASE}/versions", json={"name": "4", "acknowledge_warnings": True})).json()
    assert [(c["kind"], c["item"]) for c in fourth["changes"]] == [("restored", "tai-chi-morning")]
    latest = await programme.current("hsf-2027", DEMO_ACTOR)
    kept = next(s for s in latest.slots if s.uid == fireworks.uid)  # within the 30 days: unchanged
    assert (kept.status, kept.sequence, kept.changed_at) == ("cancelled", gone.sequence, gone.changed_at)
    restored = next(s for s in latest.slots if s.uid == tai_chi[0].uid)
    assert restored.status == "confirmed" and restored.sequence == tai_chi[0].sequence + 2

    fifth = PublishIn(name="5", acknowledge_warnings=True)
    await publishing.publish(DEMO_ACTOR, "hsf-2027", fifth, None, dt.timedelta(0))  # the period is over
    assert fireworks.uid not in {s.uid for s in (await programme.current("hsf-2027", DEMO_ACTOR)).slots}


async def test_an_offset_must_be_one_the_zone_has(organiser: httpx.AsyncClient, march_edition: str) -> None:
    slot = {"item": "night", "venue": "hall"}
    cases = {
        # The spring gap does not exist with any offset.
        ("2027-03-28T03:30+02:00", "2027-03-28T05:00"): "nonexistent_local_time",
        ("2027-03-28T03:30+03:00", "2027-03-28T05:00"): "nonexistent_local_time",
        # Helsinki is never at +05:00; in winter it is +02:00.
        ("2027-10-31T03:30+05:00", "2027-10-31T05:00"): "offset_mismatch",
        ("2027-03-27T12:00+03:00", "2027-03-27T13:00"): "offset_mismatch",
        # A mistyped year, and years no calendar wants.
        ("2227-04-02T12:00", "2227-04-02T13:00"): "out_of_range",
        ("0001-01-01T00:00", "0001-01-01T01:00"): "invalid_times",
        ("9999-12-31T22:00-05:00", "9999-12-31T23:00"): "invalid_times",
    }
    for (start, end), code in cases.items():
        response = await organiser.post(f"{march_edition}/slots", json={**slot, "start": start, "end": end})
        assert response.status_code == 422, (start, response.text)
        assert response.json()["code"] == code, (start, response.json())
    twice = await organiser.post(
        f"{march_edition}/slots", json={**slot, "start": "2027-10-31T03:30+04:00", "end": "2027-10-31T05:00"}
    )
    assert "2027-10-31T03:30+03:00 (the first time) or 2027-10-31T03:30+02:00 (the second)" in twice.json()["detail"]
    ok = await organiser.post(
        f"{march_edition}/slots", json={**slot, "start": "2027-03-27T12:00+02:00", "end": "2027-03-27T13:00"}
    )
    assert ok.status_code == 201 and ok.json()["start"].startswith("2027-03-27T12:00:00+02:00")


async def test_text_is_checked_for_control_characters_and_length(organiser: httpx.AsyncClient) -> None:
    bad = {
        "control character": ({"slug": "bell", "titles": {"en": "Bell\u0007"}}, "invalid_text"),
        "NUL": ({"slug": "nul", "titles": {"en": "a\u0000b"}}, "invalid_text"),
        "three megabytes": ({"slug": "huge", "titles": {"en": "x" * 3_000_000}}, "text_too_long"),
    }
    for name, (body, code) in bad.items():
        response = await organiser.post(f"{BASE}/items", json=body)
        assert response.status_code == 422 and response.json()["code"] == code, name
    fine = await organiser.post(f"{BASE}/items", json={"slug": "lines", "titles": {"en": "Two\nlines\twith a tab"}})
    assert fine.status_code == 201
    spaces = await organiser.post(f"{BASE}/versions", json={"name": "   ", "acknowledge_warnings": True})
    assert spaces.status_code == 422 and spaces.json()["code"] == "name_required"
    huge = await _slot(organiser, "lines", "oodi", "2027-02-08T10:00", "2027-02-08T11:00", capacity=10**20)
    assert huge.status_code == 400


async def test_paging_keeps_the_filters(client: httpx.AsyncClient, demo: Any) -> None:
    first = (await client.get(f"{BASE}/programme", params={"venue": "narinkkatori", "limit": 2})).json()
    assert first["next"] == "venue=narinkkatori&offset=2&limit=2"
    second = (await client.get(f"{BASE}/programme?{first['next']}")).json()
    assert second["offset"] == 2 and {s["venue"] for s in second["slots"]} == {"narinkkatori"}
    unknown = await client.get(f"{BASE}/programme", params={"language": "tlh"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_language"


async def test_answers_to_signed_in_callers_are_not_for_shared_caches(
    client: httpx.AsyncClient, organiser: httpx.AsyncClient
) -> None:
    public = await client.get(f"{BASE}/programme")
    assert public.headers["cache-control"].startswith("public")
    staff = await organiser.get(f"{BASE}/programme")
    assert staff.headers["cache-control"] == "private, no-cache"
    assert "Authorization" in staff.headers["vary"]


async def test_a_show_after_midnight_belongs_to_the_evening_before(organiser: httpx.AsyncClient, app: Any) -> None:
    late = await _slot(
        organiser, "dj-lunar-night", "narinkkatori", "2027-02-07T01:30", "2027-02-07T03:00", status="confirmed"
    )
    assert late.status_code == 201
    assert (
        await organiser.post(f"{BASE}/versions", json={"name": "Late", "acknowledge_warnings": True})
    ).status_code == 201
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as anonymous:
        saturday = (await anonymous.get(f"{BASE}/programme", params={"day": "2027-02-06", "limit": 500})).json()
        sunday = (await anonymous.get(f"{BASE}/programme", params={"day": "2027-02-07", "limit": 500})).json()
    assert late.json()["uid"] in {s["uid"] for s in saturday["slots"]}
    assert late.json()["uid"] not in {s["uid"] for s in sunday["slots"]}


async def test_a_new_end_time_alone_is_a_move_with_both_ranges(organiser: httpx.AsyncClient, app: Any) -> None:
    slots = (await organiser.get(f"{BASE}/slots")).json()
    opening = next(s for s in slots if s["item"] == "opening-ceremony")
    await organiser.patch(f"{BASE}/slots/{opening['id']}", json={"end": "2027-02-05T18:30"})
    version = (await organiser.post(f"{BASE}/versions", json={"name": "Longer", "acknowledge_warnings": True})).json()
    (moved,) = version["changes"]
    assert moved["kind"] == "moved" and moved["start"] == moved["old_start"]
    assert moved["old_end"].startswith("2027-02-05T16:00:00") and moved["end"].startswith("2027-02-05T16:30:00")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as anonymous:
        page = (await anonymous.get("/hsf-2027/changelog")).text
    assert "17:00–18:00 EET" in page and "17:00–18:30 EET" in page
