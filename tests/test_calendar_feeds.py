"""Calendar feeds (issue 4): every kind of feed through HTTP, read back by two iCalendar parsers that
share no code with the icalendar library that writes the feeds:

- vobject (its own parser; builds each zone from the feed's VTIMEZONE through dateutil, as
  Thunderbird and Radicale do, so a wrong VTIMEZONE shows up as a wrong offset), and
- ical (Home Assistant's parser; resolves a TZID by its IANA name).

Both must see, for every event, the venue's wall-clock time in the venue's zone.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import anyio
import httpx
import pytest

from festival.auth import services as auth
from festival.demo import DEMO_DOMAIN
from festival.editions import schemas as es
from festival.editions import services as editions
from schedule import programme, publishing, services
from schedule import schemas as s
from schedule.demo import DEMO_ACTOR

pytestmark = pytest.mark.anyio

HSF = "hsf-2027"
FEED = f"/calendars/{HSF}.ics"


# --- reading feeds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """An event as a parser saw it."""

    uid: str
    summary: str
    start: dt.datetime  # aware, in the zone the parser built
    end: dt.datetime | dt.date
    status: str
    sequence: int


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines), "a bare LF or CR"
    return lines


def check_rfc5545_lines(body: bytes) -> None:
    """CRLF, at most 75 octets a line, folds only between UTF-8 characters."""
    for line in physical_lines(body):
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold inside a character leaves half of it on each line


def unfolded(body: bytes) -> list[str]:
    return body.decode().replace("\r\n ", "").split("\r\n")


def by_vobject(body: bytes) -> dict[str, Seen]:
    import vobject

    calendar = vobject.readOne(body.decode())
    found = {}
    for event in getattr(calendar, "vevent_list", []):
        found[event.uid.value] = Seen(
            uid=event.uid.value,
            summary=event.summary.value,
            start=event.dtstart.value,
            end=event.dtend.value,
            status=event.status.value,
            sequence=int(event.sequence.value),
        )
    return found


def by_ical(body: bytes) -> dict[str, Seen]:
    from ical.calendar_stream import IcsCalendarStream

    calendar = IcsCalendarStream.calendar_from_ics(body.decode())
    return {
        e.uid: Seen(
            uid=str(e.uid),
            summary=str(e.summary),
            start=e.dtstart,  # type: ignore[arg-type]
            end=e.dtend,  # type: ignore[arg-type]
            status=str(e.status.value if e.status else ""),
            sequence=int(e.sequence or 0),
        )
        for e in calendar.events
    }


def both(body: bytes) -> dict[str, Seen]:
    """Both parsers read the feed and agree on every event; vobject's view is returned."""
    check_rfc5545_lines(body)
    first, second = by_vobject(body), by_ical(body)
    assert first.keys() == second.keys()
    for uid, a in first.items():
        b = second[uid]
        assert (a.summary, a.status.upper(), a.sequence) == (b.summary, b.status.upper(), b.sequence), uid
        if isinstance(a.start, dt.datetime):  # compared in UTC: Python never equates a repeated local time across zones
            assert a.start.astimezone(dt.UTC) == b.start.astimezone(dt.UTC), uid
            assert a.start.utcoffset() == b.start.utcoffset(), uid
        else:
            assert a.start == b.start, uid
        assert (a.end.astimezone(dt.UTC) if isinstance(a.end, dt.datetime) else a.end) == (
            b.end.astimezone(dt.UTC) if isinstance(b.end, dt.datetime) else b.end
        ), uid
    return first


def assert_wall_clock(seen: Seen, instant: dt.datetime, zone: str) -> None:
    """The subscriber sees the venue's local time and offset at that instant."""
    local = instant.astimezone(zoneinfo.ZoneInfo(zone))
    assert seen.start.replace(tzinfo=None) == local.replace(tzinfo=None), (seen.uid, seen.start, local)
    assert seen.start.utcoffset() == local.utcoffset(), (seen.uid, seen.start, local)
    assert seen.start.astimezone(dt.UTC) == instant


def components(body: bytes, name: str) -> list[list[str]]:
    """The unfolded content lines of each ``name`` component."""
    found, current = [], None
    for line in unfolded(body):
        if line == f"BEGIN:{name}":
            current = []
        elif line == f"END:{name}" and current is not None:
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return found


def prop(lines: list[str], name: str) -> str:
    values = [line.split(":", 1)[1] for line in lines if re.match(rf"^{name}[;:]", line)]
    assert len(values) == 1, (name, values)
    return values[0]


async def _organiser(app: Any) -> httpx.AsyncClient:
    token = (await auth.issue_token(None, f"organiser@{DEMO_DOMAIN}", "tests")).secret
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    )


async def _publish(edition: str, name: str) -> None:
    await publishing.publish(DEMO_ACTOR, edition, s.PublishIn(name=name, acknowledge_warnings=True), None)


# --- the edition feed --------------------------------------------------------------------------------


async def test_edition_feed_shows_every_published_slot_at_the_venues_wall_clock(
    client: httpx.AsyncClient, demo: Any
) -> None:
    response = await client.get(FEED)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    current = await programme.current(HSF, None)
    seen = both(response.content)
    assert len(seen) == len(current.slots) == 49
    for slot in current.slots:
        event = seen[f"{slot.uid}@festival"]
        assert_wall_clock(event, slot.starts_at, current.venues[slot.venue].time_zone)
        assert event.sequence == slot.sequence
        assert event.status.upper() == slot.status.upper()


async def test_edition_feed_carries_what_rfc_5545_and_7986_ask(client: httpx.AsyncClient, demo: Any) -> None:
    body = (await client.get(FEED)).content
    head = unfolded(body)[: unfolded(body).index("BEGIN:VTIMEZONE")]
    assert "VERSION:2.0" in head and "METHOD:PUBLISH" in head and "CALSCALE:GREGORIAN" in head
    assert prop(head, "PRODID") == "-//Festival//Calendar feeds//EN"
    assert prop(head, "NAME") == prop(head, "X-WR-CALNAME") == "Helsinki Spring Festival 2027"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in head and "X-PUBLISHED-TTL:PT1H" in head
    assert prop(head, "COLOR") == "crimson"
    # One VTIMEZONE in the RRULE form: one STANDARD and one DAYLIGHT for Helsinki, no RDATE lists.
    (zone,) = components(body, "VTIMEZONE")
    assert prop(zone, "TZID") == "Europe/Helsinki"
    assert zone.count("BEGIN:STANDARD") == 1 and zone.count("BEGIN:DAYLIGHT") == 1
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in zone and "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in zone
    assert not any(line.startswith("RDATE") for line in zone)
    current = await programme.current(HSF, None)
    jazz = next(slot for slot in current.slots if slot.item == "jazz-night")
    event = next(e for e in components(body, "VEVENT") if prop(e, "UID") == f"{jazz.uid}@festival")
    stamp = jazz.last_modified.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert prop(event, "DTSTAMP") == prop(event, "LAST-MODIFIED") == stamp  # its last change, not "now"
    assert prop(event, "SEQUENCE") == "1"  # moved in version 2
    assert prop(event, "STATUS") == "CONFIRMED"
    local = jazz.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/Helsinki"))
    assert f"DTSTART;TZID=Europe/Helsinki:{local:%Y%m%dT%H%M%S}" in event
    assert any(line.startswith("DTEND;TZID=Europe/Helsinki:") for line in event)
    assert prop(event, "LOCATION") == r"Cultural Centre Caisa\, Kaikukatu 4 B\, 00530 Helsinki"
    assert re.fullmatch(r"-?\d+\.\d+;-?\d+\.\d+", prop(event, "GEO"))
    assert prop(event, "URL") == "http://test/hsf-2027/items/jazz-night"
    assert prop(event, "CATEGORIES") and prop(event, "COLOR").isalpha()
    assert "http://test/hsf-2027/items/jazz-night" in prop(event, "DESCRIPTION")


async def test_the_same_request_gives_the_same_bytes_and_validators(client: httpx.AsyncClient, demo: Any) -> None:
    first = await client.get(FEED)
    second = await client.get(FEED)
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"] and not first.headers["etag"].startswith("W/")
    assert first.headers["last-modified"] == second.headers["last-modified"]
    assert first.headers["access-control-allow-origin"] == "*"
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "set-cookie" not in first.headers  # shared caches may keep it
    # 304 for either validator; If-None-Match decides when both are sent.
    tag, modified = first.headers["etag"], first.headers["last-modified"]
    assert (await client.get(FEED, headers={"If-None-Match": tag})).status_code == 304
    # Within a second of a change a date cannot tell before from after it: never 304 then.
    published = (await programme.current(HSF, None)).published_at
    if dt.datetime.now(dt.UTC) - published < dt.timedelta(seconds=1):
        assert (await client.get(FEED, headers={"If-Modified-Since": modified})).status_code == 200
        await anyio.sleep(1 - (dt.datetime.now(dt.UTC) - published).total_seconds() + 0.05)
    assert (await client.get(FEED, headers={"If-Modified-Since": modified})).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - dt.timedelta(seconds=1), usegmt=True)
    assert (await client.get(FEED, headers={"If-Modified-Since": earlier})).status_code == 200
    both_sent = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert (await client.get(FEED, headers=both_sent)).status_code == 200
    # Gzipped once when rendered, under its own tag; either tag of the same bytes is a 304.
    assert first.headers["content-encoding"] == "gzip" and tag.endswith('-gz"')
    plain = await client.get(FEED, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == first.content
    assert plain.headers["etag"] == tag.removesuffix('-gz"') + '"'
    assert plain.headers["vary"] == first.headers["vary"] == "Accept-Encoding"
    for known in (tag, plain.headers["etag"]):
        assert (await client.get(FEED, headers={"If-None-Match": known})).status_code == 304
    head = await client.head(FEED)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == tag and head.headers["content-length"] == first.headers["content-length"]


async def test_filters_and_languages(client: httpx.AsyncClient, demo: Any) -> None:
    current = await programme.current(HSF, None)
    for query, expected in (
        ("venue=caisa", [x for x in current.slots if x.venue == "caisa"]),
        ("category=concert", [x for x in current.slots if current.items[x.item].category == "concert"]),
        ("performer=li-na-erhu", [x for x in current.slots if "li-na-erhu" in current.items[x.item].performers]),
    ):
        seen = both((await client.get(f"{FEED}?{query}")).content)
        assert expected and set(seen) == {f"{x.uid}@festival" for x in expected}, query
    for lang, word in (("fi", "Helsingin kevätjuhla"), ("sv", "Helsingfors vårfest"), ("zh", "赫尔辛基春节")):
        body = (await client.get(f"{FEED}?lang={lang}")).content
        assert word in prop(unfolded(body), "X-WR-CALNAME")
        assert f"SUMMARY;LANGUAGE={lang}:" in body.decode().replace("\r\n ", "")
    for query, status in (
        ("venue=nowhere", 422),
        ("category=nothing", 422),
        ("performer=nobody", 422),
        ("lang=xx", 422),
    ):
        assert (await client.get(f"{FEED}?{query}")).status_code == status, query
    assert (await client.get("/calendars/no-such-edition.ics")).status_code == 404
    assert (await client.get(f"/calendars/{HSF}.json")).status_code == 404


async def test_public_feeds_hold_only_published_public_slots_and_no_personal_data(
    client: httpx.AsyncClient, demo: Any
) -> None:
    body = (await client.get(FEED)).content
    text = body.decode().replace("\r\n ", "")
    draft = await services.list_slots(HSF, DEMO_ACTOR)
    public_uids = {x.uid for x in (await programme.current(HSF, None)).slots}
    for slot in draft:
        if slot.kind != "public" or slot.uid not in public_uids:
            assert slot.uid not in text, (slot.kind, slot.status)
    assert any(x.kind == "soundcheck" for x in draft) and any(x.status == "draft" for x in draft)
    assert "@" not in text.replace("@festival", "")  # no e-mail address of a performer or member
    assert "Soundcheck" not in text
    # Moi Helsinki's edition in Beijing: one STANDARD observance, no summer time.
    moi = (await client.get("/calendars/moi-helsinki-2027.ics")).content
    (zone,) = components(moi, "VTIMEZONE")
    assert prop(zone, "TZID") == "Asia/Shanghai"
    assert zone.count("BEGIN:STANDARD") == 1 and "BEGIN:DAYLIGHT" not in zone
    assert "TZOFFSETFROM:+0800" in zone and "TZOFFSETTO:+0800" in zone
    both(moi)


async def test_an_unpublished_or_draft_edition_has_no_feed(client: httpx.AsyncClient, demo: Any) -> None:
    await editions.create_edition(
        DEMO_ACTOR,
        es.EditionIn(
            series="helsinki-spring-festival",
            slug="hsf-2031",
            year=2031,
            names={"en": "HSF 2031"},
            city={"en": "Helsinki"},
            time_zone="Europe/Helsinki",
            first_day=dt.date(2031, 1, 20),
            last_day=dt.date(2031, 1, 30),
            currency="EUR",
        ),
    )
    assert (await client.get("/calendars/hsf-2031.ics")).status_code == 404


# --- changes -----------------------------------------------------------------------------------------


async def test_a_published_move_keeps_the_uid_raises_sequence_and_changes_the_etag(
    client: httpx.AsyncClient, demo: Any
) -> None:
    before = await client.get(FEED)
    old = both(before.content)
    slot = next(
        x for x in await services.list_slots(HSF, DEMO_ACTOR) if x.item == "lion-dance" and x.status == "confirmed"
    )
    start = slot.start + dt.timedelta(hours=1)
    await services.update_slot(
        DEMO_ACTOR,
        HSF,
        slot.id,
        s.SlotPatch(start=start.replace(tzinfo=None), end=(slot.end + dt.timedelta(hours=1)).replace(tzinfo=None)),
    )
    unpublished = await client.get(FEED, headers={"If-None-Match": before.headers["etag"]})
    assert unpublished.status_code == 304  # the draft is not the feed
    await _publish(HSF, "Lion dance later")
    after = await client.get(FEED, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert parsedate_to_datetime(after.headers["last-modified"]) >= parsedate_to_datetime(
        before.headers["last-modified"]
    )
    new = both(after.content)
    uid = f"{slot.uid}@festival"
    assert set(new) == set(old)  # the same events: no duplicate after a move
    assert new[uid].sequence == old[uid].sequence + 1
    assert_wall_clock(new[uid], start.astimezone(dt.UTC), "Europe/Helsinki")
    stamp = prop(next(e for e in components(after.content, "VEVENT") if prop(e, "UID") == uid), "DTSTAMP")
    published = (await programme.current(HSF, None)).published_at
    assert stamp == published.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    untouched = next(u for u in old if u != uid and old[u].status == "CONFIRMED")
    assert new[untouched].sequence == old[untouched].sequence


async def test_a_retitled_item_moves_dtstamp_but_not_sequence(client: httpx.AsyncClient, demo: Any) -> None:
    old = both((await client.get(FEED)).content)
    await services.update_item(DEMO_ACTOR, HSF, "folk-dance", s.ItemPatch(titles={"en": "Folk dances of the north"}))
    await _publish(HSF, "Retitled")
    body = (await client.get(FEED)).content
    new = both(body)
    current = await programme.current(HSF, None)
    for slot in (x for x in current.slots if x.item == "folk-dance"):
        uid = f"{slot.uid}@festival"
        assert new[uid].summary == "Folk dances of the north" and new[uid].sequence == old[uid].sequence
        event = next(e for e in components(body, "VEVENT") if prop(e, "UID") == uid)
        assert prop(event, "LAST-MODIFIED") == current.published_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


async def test_a_cancelled_item_stays_as_cancelled_in_the_feeds_language_then_drops_out(
    db: Any, client: httpx.AsyncClient, demo: Any, tmp_path: Any
) -> None:
    old = both((await client.get(FEED)).content)
    slot = next(x for x in await services.list_slots(HSF, DEMO_ACTOR) if x.item == "kungfu-show")
    await services.update_slot(DEMO_ACTOR, HSF, slot.id, s.SlotPatch(status="cancelled"))
    await _publish(HSF, "Kung fu cancelled")
    uid = f"{slot.uid}@festival"
    for lang, prefix in (("en", "Cancelled: "), ("fi", "Peruttu: "), ("sv", "Inställt: "), ("zh", "已取消：")):
        seen = both((await client.get(f"{FEED}?lang={lang}")).content)[uid]
        assert seen.status.upper() == "CANCELLED" and seen.sequence == old[uid].sequence + 1
        assert seen.summary.startswith(prefix), (lang, seen.summary)
    # Deleting a published slot: cancelled in the next version, same UID.
    other = next(x for x in await services.list_slots(HSF, DEMO_ACTOR) if x.item == "acrobatics")
    await services.delete_slot(DEMO_ACTOR, HSF, other.id)
    await _publish(HSF, "Acrobatics gone")
    before = await client.get(FEED)
    seen = both(before.content)
    assert seen[f"{other.uid}@festival"].status.upper() == "CANCELLED"
    # With CALENDAR_CANCELLED_KEEP_DAYS=0 the period is over: both drop out of the feed, and
    # Last-Modified does not go back (it is when they dropped out).
    from festival.app import create_app
    from tests.conftest import make_settings

    brief = create_app(make_settings(tmp_path / "brief", CALENDAR_CANCELLED_KEEP_DAYS="0"), engine=db)
    async with (
        brief.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=brief), base_url="http://test") as other_client,
    ):
        later = await other_client.get(FEED)
    dropped = both(later.content)
    assert uid not in dropped and f"{other.uid}@festival" not in dropped
    assert set(dropped) == {u for u, e in seen.items() if e.status.upper() != "CANCELLED"}
    assert parsedate_to_datetime(later.headers["last-modified"]) >= parsedate_to_datetime(
        before.headers["last-modified"]
    )


# --- other public feeds ------------------------------------------------------------------------------


async def test_item_and_slot_downloads(client: httpx.AsyncClient, demo: Any) -> None:
    page = await client.get(f"/{HSF}/items/lion-dance")
    assert f'href="/calendars/{HSF}/items/lion-dance.ics?lang=en"' in page.text
    response = await client.get(f"/calendars/{HSF}/items/lion-dance.ics")
    assert response.status_code == 200 and 'filename="lion-dance.ics"' in response.headers["content-disposition"]
    current = await programme.current(HSF, None)
    runs = [x for x in current.slots if x.item == "lion-dance"]
    assert set(both(response.content)) == {f"{x.uid}@festival" for x in runs} and len(runs) > 1
    one = await client.get(f"/{HSF}/slots/{runs[0].uid}.ics")
    assert set(both(one.content)) == {f"{runs[0].uid}@festival"}
    assert (await client.get(f"/calendars/{HSF}/items/no-such-item.ics")).status_code == 404


async def test_series_feed_spans_helsinki_and_beijing(client: httpx.AsyncClient, demo: Any) -> None:
    """A Beijing edition of the Helsinki series: one feed, two zones, each event at its own clock."""
    await editions.create_edition(
        DEMO_ACTOR,
        es.EditionIn(
            series="helsinki-spring-festival",
            slug="hsf-beijing-2027",
            year=2027,
            names={"en": "Helsinki Spring Festival in Beijing", "zh": "赫尔辛基春节在北京"},
            city={"en": "Beijing"},
            time_zone="Asia/Shanghai",
            first_day=dt.date(2027, 3, 26),
            last_day=dt.date(2027, 3, 29),
            currency="CNY",
            languages=["zh", "en"],
            status="published",
        ),
    )
    await editions.create_venue(
        DEMO_ACTOR, "hsf-beijing-2027", es.VenueIn(slug="sanlitun", names={"en": "Sanlitun stage", "zh": "三里屯舞台"})
    )
    await services.create_item(
        DEMO_ACTOR, "hsf-beijing-2027", s.ItemIn(slug="sauna-talk", titles={"en": "Sauna talk", "zh": "桑拿讲座"})
    )
    await services.create_slot(
        DEMO_ACTOR,
        "hsf-beijing-2027",
        s.SlotIn(
            venue="sanlitun",
            item="sauna-talk",
            start=dt.datetime(2027, 3, 28, 19),
            end=dt.datetime(2027, 3, 28, 20),
            status="confirmed",
        ),
    )
    await _publish("hsf-beijing-2027", "First")
    body = (await client.get("/calendars/series/helsinki-spring-festival.ics")).content
    zones = {prop(z, "TZID"): z for z in components(body, "VTIMEZONE")}
    assert set(zones) == {"Europe/Helsinki", "Asia/Shanghai"}
    assert "BEGIN:DAYLIGHT" not in zones["Asia/Shanghai"] and zones["Europe/Helsinki"].count("BEGIN:DAYLIGHT") == 1
    seen = both(body)
    hsf = await programme.current(HSF, None)
    beijing = await programme.current("hsf-beijing-2027", None)
    assert len(seen) == len(hsf.slots) + 1
    talk = beijing.slots[0]
    assert_wall_clock(seen[f"{talk.uid}@festival"], talk.starts_at, "Asia/Shanghai")
    assert seen[f"{talk.uid}@festival"].start.hour == 19
    for slot in hsf.slots:
        assert_wall_clock(seen[f"{slot.uid}@festival"], slot.starts_at, "Europe/Helsinki")
    assert (await client.get("/calendars/series/no-such-series.ics")).status_code == 404


async def test_the_day_the_clocks_change_and_an_all_day_item(client: httpx.AsyncClient, demo: Any) -> None:
    """Helsinki moves to summer time at 03:00 on 28 March 2027 and back at 04:00 on 31 October."""
    await editions.update_edition(
        DEMO_ACTOR, HSF, es.EditionPatch(first_day=dt.date(2027, 2, 5), last_day=dt.date(2027, 3, 28))
    )
    await services.create_item(DEMO_ACTOR, HSF, s.ItemIn(slug="spring-run", titles={"en": "Spring run"}))
    await services.create_item(DEMO_ACTOR, HSF, s.ItemIn(slug="lantern-days", titles={"en": "Lantern days"}))
    times = [
        (dt.datetime(2027, 3, 28, 1, 30), dt.datetime(2027, 3, 28, 2, 30)),  # winter time, +02:00
        (dt.datetime(2027, 3, 28, 4, 0), dt.datetime(2027, 3, 28, 5, 0)),  # summer time, +03:00
        (dt.datetime(2027, 3, 28, 2, 30), dt.datetime(2027, 3, 28, 4, 30)),  # across the change
    ]
    for start, end in times:
        await services.create_slot(
            DEMO_ACTOR, HSF, s.SlotIn(venue="narinkkatori", item="spring-run", start=start, end=end, status="confirmed")
        )
    await services.create_slot(
        DEMO_ACTOR,
        HSF,
        s.SlotIn(
            venue="oodi",
            item="lantern-days",
            start=dt.datetime(2027, 2, 6),
            end=dt.datetime(2027, 2, 8),
            status="confirmed",
        ),
    )
    await _publish(HSF, "Spring run")
    body = (await client.get(f"{FEED}?venue=narinkkatori")).content
    current = await programme.current(HSF, None)
    seen = both(body)
    runs = [x for x in current.slots if x.item == "spring-run"]
    assert len(runs) == 3
    for slot in runs:
        assert_wall_clock(seen[f"{slot.uid}@festival"], slot.starts_at, "Europe/Helsinki")
    offsets = sorted(seen[f"{x.uid}@festival"].start.utcoffset() for x in runs)
    assert offsets == [dt.timedelta(hours=2), dt.timedelta(hours=2), dt.timedelta(hours=3)]
    whole = (await client.get(f"/calendars/{HSF}/items/lantern-days.ics")).content
    (event,) = components(whole, "VEVENT")
    assert "DTSTART;VALUE=DATE:20270206" in event and "DTEND;VALUE=DATE:20270208" in event  # DTEND exclusive
    (day,) = both(whole).values()
    assert day.start == dt.date(2027, 2, 6) and day.end == dt.date(2027, 2, 8)  # type: ignore[comparison-overlap]
    assert not components(whole, "VTIMEZONE")  # dates carry no zone


async def test_long_chinese_titles_fold_between_characters(client: httpx.AsyncClient, demo: Any) -> None:
    title = "赫尔辛基与北京友好城市合作四十周年纪念音乐会：从芬兰民谣到京剧的漫长而美丽的冬季旅程" * 3
    await services.create_item(DEMO_ACTOR, HSF, s.ItemIn(slug="long-title", titles={"en": "Long", "zh": title}))
    await services.create_slot(
        DEMO_ACTOR,
        HSF,
        s.SlotIn(
            venue="oodi",
            item="long-title",
            start=dt.datetime(2027, 2, 7, 12),
            end=dt.datetime(2027, 2, 7, 13),
            status="confirmed",
        ),
    )
    await _publish(HSF, "Long")
    body = (await client.get(f"/calendars/{HSF}/items/long-title.ics?lang=zh")).content
    check_rfc5545_lines(body)
    summary_lines = [line for line in physical_lines(body) if line.startswith(b"SUMMARY")]
    assert summary_lines and len(title.encode()) > 300
    (seen,) = both(body).values()
    assert seen.summary == title


# --- private feeds -----------------------------------------------------------------------------------


async def _star(client: httpx.AsyncClient, item: str) -> httpx.Response:
    page = await client.get(f"/{HSF}/items/{item}")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token, "the item page has a star form"
    return await client.post(
        "/calendars/personal/stars", data={"_csrf_token": token.group(1), "edition": HSF, "item": item}
    )


async def test_personal_calendar_of_starred_items(app: Any, demo: Any) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as visitor:
        assert (await _star(visitor, "lion-dance")).status_code == 303
        assert (await _star(visitor, "jazz-night")).status_code == 303
        assert "In my calendar" in (await visitor.get(f"/{HSF}/items/lion-dance")).text
        page = (await visitor.get("/calendars/personal")).text
        url = re.search(r'value="(http://test/calendars/personal/[^"]+\.ics\?lang=en)"', page)
        assert url and "webcal://test/calendars/personal/" in page and "calendar.google.com" in page
        feed_url = url.group(1).removeprefix("http://test")
        token = feed_url.split("/")[-1].split(".")[0]
        assert len(token) == 32
    # The calendar app: no cookie, no login.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as calendar_app:
        first = await calendar_app.get(feed_url)
        assert first.status_code == 200
        assert (
            first.headers["cache-control"].startswith("private") and "access-control-allow-origin" not in first.headers
        )
        current = await programme.current(HSF, None)
        wanted = {f"{x.uid}@festival" for x in current.slots if x.item in {"lion-dance", "jazz-night"}}
        assert set(both(first.content)) == wanted
        assert (await calendar_app.get(feed_url)).content == first.content
        assert (await calendar_app.get(feed_url, headers={"If-None-Match": first.headers["etag"]})).status_code == 304
        wrong = feed_url.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
        assert (await calendar_app.get(wrong)).status_code == 404
        assert (await calendar_app.get("/calendars/personal/short.ics")).status_code == 404
    # Removing a star: the feed changes, Last-Modified moves on; rotating: the old address is a 404.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", cookies={"festival_calendar": token}
    ) as visitor:
        page = (await visitor.get("/calendars/personal")).text
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page)
        assert csrf
        removed = await visitor.post(
            "/calendars/personal/stars/remove",
            data={"_csrf_token": csrf.group(1), "edition": HSF, "item": "jazz-night"},
        )
        assert removed.status_code == 303
        after = await visitor.get(feed_url)
        assert set(both(after.content)) == {f"{x.uid}@festival" for x in current.slots if x.item == "lion-dance"}
        assert parsedate_to_datetime(after.headers["last-modified"]) >= parsedate_to_datetime(
            first.headers["last-modified"]
        )
        forged = await visitor.post("/calendars/personal/rotate", data={"_csrf_token": "nope"})
        assert forged.status_code == 403  # the cookie is ambient authority: CSRF-checked
        rotated = await visitor.post("/calendars/personal/rotate", data={"_csrf_token": csrf.group(1)})
        assert rotated.status_code == 303
        new_token = rotated.cookies["festival_calendar"]
        assert new_token != token
        assert (await visitor.get(feed_url)).status_code == 404
        assert (await visitor.get(f"/calendars/personal/{new_token}.ics")).status_code == 200


async def test_performer_itinerary(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    """The Beijing Youth Orchestra's shows and soundcheck, from the draft, by a private token."""
    organiser = await _organiser(app)
    async with organiser:
        given = await organiser.get("/api/v1/performers/beijing-youth-orchestra/itinerary")
        assert given.status_code == 200, given.text
        url = given.json()["url"]
        assert given.json()["webcal"] == url.replace("http://", "webcal://")
        again = (await organiser.get("/api/v1/performers/beijing-youth-orchestra/itinerary")).json()["url"]
        assert again == url  # shown again, not replaced
        path = url.removeprefix("http://test")
        response = await client.get(path)
        assert response.status_code == 200 and response.headers["cache-control"].startswith("private")
        draft = await services.list_slots(HSF, DEMO_ACTOR)
        theirs = {
            i.slug for i in await services.list_items(HSF, DEMO_ACTOR) if "beijing-youth-orchestra" in i.performers
        }
        gala = [
            x
            for x in draft
            if x.item in theirs and x.status in ("confirmed", "cancelled") and x.kind in ("public", "soundcheck")
        ]
        seen = both(response.content)
        assert {u.removeprefix("itinerary-").removesuffix("@festival") for u in seen} == {x.uid for x in gala}
        soundcheck = next(x for x in gala if x.kind == "soundcheck")
        assert seen[f"itinerary-{soundcheck.uid}@festival"].summary.startswith("Soundcheck: ")
        assert_wall_clock(seen[f"itinerary-{soundcheck.uid}@festival"], soundcheck.starts_at, "Europe/Helsinki")
        # Moving the soundcheck raises SEQUENCE at once (the performer needs the draft's confirmed times).
        start = soundcheck.start + dt.timedelta(minutes=30)
        await services.update_slot(
            DEMO_ACTOR,
            HSF,
            soundcheck.id,
            s.SlotPatch(
                start=start.replace(tzinfo=None), end=(soundcheck.end + dt.timedelta(minutes=30)).replace(tzinfo=None)
            ),
        )
        moved = both((await client.get(path)).content)[f"itinerary-{soundcheck.uid}@festival"]
        assert moved.sequence == seen[f"itinerary-{soundcheck.uid}@festival"].sequence + 1
        # Deleting it: gone, and Last-Modified still moves forward.
        before = await client.get(path)
        await services.delete_slot(DEMO_ACTOR, HSF, soundcheck.id)
        after = await client.get(path)
        assert f"itinerary-{soundcheck.uid}@festival" not in both(after.content)
        assert parsedate_to_datetime(after.headers["last-modified"]) >= parsedate_to_datetime(
            before.headers["last-modified"]
        )
        rotated = (await organiser.post("/api/v1/performers/beijing-youth-orchestra/itinerary/rotate")).json()["url"]
        assert rotated != url
        assert (await client.get(path)).status_code == 404
        assert (await client.get(rotated.removeprefix("http://test"))).status_code == 200
        assert (await organiser.get("/api/v1/performers/nobody/itinerary")).status_code == 404


async def test_uid_domain_follows_public_url_never_the_request(tmp_path: Any, db: Any, demo: Any) -> None:
    from festival.app import create_app
    from tests.conftest import make_settings

    site = create_app(make_settings(tmp_path, PUBLIC_URL="https://festival.example.org"), engine=db)
    async with (
        site.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=site), base_url="http://10.0.0.7:8000") as http,
    ):
        body = (await http.get(FEED)).content
    uids = [prop(e, "UID") for e in components(body, "VEVENT")]
    assert uids and all(u.endswith("@festival.example.org") for u in uids)
    assert b"https://festival.example.org/hsf-2027/items/" in body.replace(b"\r\n ", b"")


async def test_subscribe_page_links(client: httpx.AsyncClient, demo: Any) -> None:
    page = await client.get(f"/{HSF}/calendars/", headers={"Cookie": "lang=fi"})
    assert page.status_code == 200
    text = page.text
    assert 'href="webcal://test/calendars/hsf-2027.ics?lang=fi"' in text
    assert 'value="http://test/calendars/hsf-2027.ics?lang=fi"' in text
    assert "calendar.google.com/calendar/render?cid=webcal%3A%2F%2Ftest%2Fcalendars%2Fhsf-2027.ics" in text
    assert "outlook.live.com/calendar/0/addfromweb?url=http%3A%2F%2Ftest%2Fcalendars%2Fhsf-2027.ics" in text
    assert "/calendars/series/helsinki-spring-festival.ics?lang=fi" in text
    assert "venue=caisa" in text and "category=concert" in text
    assert f'href="/{HSF}/calendars/"' in (await client.get(f"/{HSF}/")).text


async def test_the_second_run_of_the_repeated_autumn_hour(client: httpx.AsyncClient, demo: Any) -> None:
    """03:30 happens twice in Helsinki on 31 October 2027; RFC 5545 reads a repeated local time as the
    first, so the second is written in UTC and every parser lands on the right instant."""
    await editions.create_edition(
        DEMO_ACTOR,
        es.EditionIn(
            series="helsinki-spring-festival",
            slug="hsf-autumn-2027",
            year=2027,
            names={"en": "Autumn nights"},
            city={"en": "Helsinki"},
            time_zone="Europe/Helsinki",
            first_day=dt.date(2027, 10, 29),
            last_day=dt.date(2027, 11, 1),
            currency="EUR",
            status="published",
        ),
    )
    await editions.create_venue(DEMO_ACTOR, "hsf-autumn-2027", es.VenueIn(slug="kaapelitehdas", names={"en": "Cable"}))
    await services.create_item(DEMO_ACTOR, "hsf-autumn-2027", s.ItemIn(slug="night-walk", titles={"en": "Night walk"}))
    for start, end in (
        ("2027-10-31T03:30+03:00", "2027-10-31T03:45+03:00"),  # the first 03:30
        ("2027-10-31T03:30+02:00", "2027-10-31T03:45+02:00"),  # the second, an hour later
        ("2027-10-31T02:30", "2027-10-31T05:30"),  # across the change: three and a half hours
    ):
        await services.create_slot(
            DEMO_ACTOR,
            "hsf-autumn-2027",
            s.SlotIn(
                venue="kaapelitehdas",
                item="night-walk",
                start=dt.datetime.fromisoformat(start),
                end=dt.datetime.fromisoformat(end),
                status="confirmed",
            ),
        )
    await _publish("hsf-autumn-2027", "First")
    body = (await client.get("/calendars/hsf-autumn-2027.ics")).content
    seen = both(body)
    current = await programme.current("hsf-autumn-2027", None)
    assert len(current.slots) == 3
    for slot in current.slots:
        event = seen[f"{slot.uid}@festival"]
        assert event.start.astimezone(dt.UTC) == slot.starts_at
        assert isinstance(event.end, dt.datetime) and event.end.astimezone(dt.UTC) == slot.ends_at
    starts = sorted(seen[f"{x.uid}@festival"].start.astimezone(dt.UTC) for x in current.slots)
    assert starts[2] - starts[1] == dt.timedelta(hours=1)  # not the same instant twice
    assert "DTSTART:20271031T013000Z" in unfolded(body)


async def test_itinerary_only_for_staff_of_the_performers_editions(app: Any, demo: Any) -> None:
    """Moi Helsinki's organiser works on no edition where the Beijing lion dance troupe performs."""
    token = (await auth.issue_token(None, f"moi-organiser@{DEMO_DOMAIN}", "tests")).secret
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    ) as moi:
        refused = await moi.get("/api/v1/performers/beijing-lion-dance/itinerary")
        assert refused.status_code == 403 and refused.json()["code"] == "not_your_performer"
        assert (await moi.post("/api/v1/performers/beijing-lion-dance/itinerary/rotate")).status_code == 403
    organiser = await _organiser(app)
    async with organiser:
        urls: list[str] = []

        async def first_request() -> None:
            response = await organiser.get("/api/v1/performers/beijing-lion-dance/itinerary")
            assert response.status_code == 200, response.text
            urls.append(response.json()["url"])

        async with anyio.create_task_group() as group:
            for _ in range(4):
                group.start_soon(first_request)
        assert len(urls) == 4 and len(set(urls)) == 1  # concurrent first requests share one feed


async def test_last_modified_moves_on_when_an_edition_is_hidden(client: httpx.AsyncClient, demo: Any) -> None:
    series = "/calendars/series/helsinki-spring-festival.ics"
    before = await client.get(series)
    async with httpx.AsyncClient(transport=client._transport, base_url="http://test") as visitor:
        assert (await _star(visitor, "lion-dance")).status_code == 303
        page = (await visitor.get("/calendars/personal")).text
        match = re.search(r'value="http://test(/calendars/personal/[^"]+)"', page)
        assert match
        personal = match.group(1).replace("&amp;", "&")
    mine = await client.get(personal)
    assert both(mine.content)
    await editions.update_edition(DEMO_ACTOR, HSF, es.EditionPatch(status="draft"))
    for path, earlier in ((series, before), (personal, mine)):
        later = await client.get(path, headers={"If-Modified-Since": earlier.headers["last-modified"]})
        assert later.status_code == 200 and not both(later.content), path  # emptied, and said so
        assert parsedate_to_datetime(later.headers["last-modified"]) >= parsedate_to_datetime(
            earlier.headers["last-modified"]
        )
    await editions.update_edition(DEMO_ACTOR, HSF, es.EditionPatch(status="published"))
    again = await client.get(series)
    assert len(both(again.content)) == 49
    assert parsedate_to_datetime(again.headers["last-modified"]) >= parsedate_to_datetime(
        later.headers["last-modified"]
    )


async def test_starring_an_unknown_item_opens_no_calendar(client: httpx.AsyncClient, demo: Any) -> None:
    from schedule.tables import CalendarFeed

    page = await client.get(f"/{HSF}/items/lion-dance")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert csrf
    before = await CalendarFeed.count()
    for edition, item in ((HSF, "no-such-item"), ("no-such-edition", "lion-dance")):
        response = await client.post(
            "/calendars/personal/stars", data={"_csrf_token": csrf.group(1), "edition": edition, "item": item}
        )
        assert response.status_code == 404
    assert await CalendarFeed.count() == before
    assert "festival_calendar" not in client.cookies
