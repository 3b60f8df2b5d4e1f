"""The public pages of an edition: programme with filters and search, item, venue, performer and
changelog pages, the Atom feed, the frab exports and per-slot calendar files (demo data: HSF 2027,
two published versions)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from lxml import etree

from festival.auth.principal import Principal
from festival.editions import schemas as es
from festival.editions import services as editions
from schedule import programme, publishing
from schedule.views import clock_range

pytestmark = pytest.mark.anyio

HSF = "/hsf-2027"
ZH = {"Cookie": "lang=zh"}
ATOM = "{http://www.w3.org/2005/Atom}"
HELSINKI = ZoneInfo("Europe/Helsinki")
SUPERUSER = Principal(user_id=0, email="pages@test.example", display_name="Pages", superuser=True)


def rows(html: str) -> list[str]:
    """The ``<li class="run ...">`` elements of a programme page, as HTML."""
    return re.findall(r'<li class="run[^"]*".*?</li>', html, flags=re.S)


def row_venues(html: str) -> set[str]:
    return set(re.findall(r'<li class="run[^"]*" data-venue="([^"]+)"', html))


async def published_slot(item: str) -> Any:
    current = await programme.current("hsf-2027", None)
    return next(slot for slot in current.slots if slot.item == item)


async def runs_of(item: str) -> list[Any]:
    current = await programme.current("hsf-2027", None)
    return [slot for slot in current.slots if slot.item == item]


def local_range(start: dt.datetime, end: dt.datetime | None) -> str:
    """From start to end at Helsinki's clock, e.g. 19:00 to 20:30 EET with an en dash (a move shows both)."""
    assert end is not None
    first, last = start.astimezone(HELSINKI), end.astimezone(HELSINKI)
    return f"{first:%H:%M}\u2013{last:%H:%M} {first.tzname()}"


# --- the programme page -------------------------------------------------------------------------


async def test_programme_page_lists_the_published_programme(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/")
    assert response.status_code == 200
    html = response.text
    current = await programme.current("hsf-2027", None)
    assert f"{len(current.slots)} events" in html
    assert len(rows(html)) == len(current.slots)
    # Local time at the venue with the zone's abbreviation (Helsinki in February: EET).
    opening = await published_slot("opening-ceremony")
    assert clock_range(opening.starts_at, opening.ends_at, "Europe/Helsinki") in html  # the venue's clock
    assert re.search(r"\d\d:\d\d–\d\d:\d\d EET", html)
    assert 'href="/hsf-2027/items/opening-ceremony"' in html
    assert 'href="/hsf-2027/venues/narinkkatori"' in html
    assert 'href="/hsf-2027/performers/beijing-lion-dance"' in html
    # Admission and the cancelled run, labelled in words.
    assert "Tickets" in html and "Free with registration" in html
    cancelled = next(row for row in rows(html) if 'data-item="dj-lunar-night"' in row)
    assert "is-cancelled" in cancelled and ">Cancelled</span>" in cancelled
    # Version, changelog, open data and the edition's information below.
    assert "Version 2, “Updated programme”" in html
    for link in ("/hsf-2027/changelog", "/hsf-2027/schedule.json", "/hsf-2027/schedule.xml"):
        assert f'href="{link}"' in html
    assert "Narinkka Square" in html and "Partners" in html
    assert "Clear filters" not in html  # nothing to clear yet
    for name in ("q", "day", "venue", "category", "performer", "language"):
        assert f'<label for="filter-{name}">' in html and f'id="filter-{name}"' in html


async def test_programme_page_in_chinese(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/", headers=ZH)
    assert response.status_code == 200
    assert '<html lang="zh">' in response.text
    assert "开幕式" in response.text and "舞狮" in response.text


async def test_venue_filter_keeps_only_that_venue(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/", params={"venue": "oodi"})
    assert response.status_code == 200
    assert row_venues(response.text) == {"oodi"}
    assert 'data-item="opening-ceremony"' not in response.text  # at Narinkkatori
    assert '<option value="oodi" selected>' in response.text
    assert "Clear filters" in response.text


async def test_other_filters(client: httpx.AsyncClient, demo: Any) -> None:
    by_day = await client.get(f"{HSF}/", params={"day": "2027-02-05"})
    assert by_day.status_code == 200
    assert {m for m in re.findall(r'<h3 id="day-([\d-]+)"', by_day.text)} == {"2027-02-05"}
    by_category = await client.get(f"{HSF}/", params={"category": "fireworks"})
    assert re.findall(r'data-item="([^"]+)"', by_category.text) == ["fireworks"]
    by_performer = await client.get(f"{HSF}/", params={"performer": "dj-lunar"})
    assert set(re.findall(r'data-item="([^"]+)"', by_performer.text)) == {"dj-lunar-night"}
    by_language = await client.get(f"{HSF}/", params={"language": "en", "day": ""})
    assert by_language.status_code == 200
    assert 'data-item="design-talk"' in by_language.text and 'data-item="lion-dance"' not in by_language.text


async def test_search_by_chinese_title_and_performer(client: httpx.AsyncClient, demo: Any) -> None:
    chinese = await client.get(f"{HSF}/", params={"q": "书法"})
    assert set(re.findall(r'data-item="([^"]+)"', chinese.text)) == {"calligraphy-workshop"}
    assert f"{len(await runs_of('calligraphy-workshop'))} events" in chinese.text
    performer = await client.get(f"{HSF}/", params={"q": "DJ Lunar"})
    assert set(re.findall(r'data-item="([^"]+)"', performer.text)) == {"dj-lunar-night"}
    nothing = await client.get(f"{HSF}/", params={"q": "no-such-thing"})
    assert "0 events" in nothing.text and "No events match these filters." in nothing.text


async def test_unknown_filter_values_get_a_friendly_422(client: httpx.AsyncClient, demo: Any) -> None:
    for query in (
        {"venue": "nowhere"},
        {"category": "nope"},
        {"performer": "nobody"},
        {"day": "tomorrow"},
        {"language": "xx"},
    ):
        response = await client.get(f"{HSF}/", params=query, headers={"Accept": "text/html"})
        assert response.status_code == 422, query
        assert response.headers["content-type"].startswith("text/html")
        assert "Invalid data" in response.text


async def test_language_switch_keeps_the_filters(client: httpx.AsyncClient, demo: Any) -> None:
    html = (await client.get(f"{HSF}/", params={"venue": "oodi", "q": "书法", "lang": "en"})).text
    link = re.search(r'href="(/language/zh\?next=[^"]+)"', html)
    assert link is not None
    switched = await client.get(link.group(1).replace("&amp;", "&"))
    assert switched.status_code == 303
    target = switched.headers["location"]
    assert target.startswith("/hsf-2027") and "venue=oodi" in target and "lang=" not in target
    page = await client.get(target, headers=ZH)
    assert row_venues(page.text) == {"oodi"} and "书法工作坊" in page.text


async def test_unpublished_edition_says_soon(client: httpx.AsyncClient, demo: Any) -> None:
    await editions.create_edition(
        SUPERUSER,
        es.EditionIn(
            series="helsinki-spring-festival",
            slug="hsf-2028",
            year=2028,
            names={"en": "Helsinki Spring Festival 2028"},
            city={"en": "Helsinki"},
            time_zone="Europe/Helsinki",
            first_day=dt.date(2028, 1, 26),
            last_day=dt.date(2028, 2, 4),
            currency="EUR",
            status="published",
        ),
    )
    response = await client.get("/hsf-2028/")
    assert response.status_code == 200
    assert "The programme will be published soon." in response.text
    assert "Helsinki Spring Festival 2028" in response.text
    assert (await client.get("/hsf-2028/changelog")).status_code == 200
    assert (await client.get("/hsf-2028/items/lion-dance")).status_code == 404
    assert (await client.get("/hsf-2028/schedule.json")).status_code == 404


async def test_draft_edition_stays_hidden(client: httpx.AsyncClient, demo: Any) -> None:
    await editions.create_edition(
        SUPERUSER,
        es.EditionIn(
            series="helsinki-spring-festival",
            slug="hsf-2029",
            year=2029,
            names={"en": "HSF 2029"},
            city={"en": "Helsinki"},
            time_zone="Europe/Helsinki",
            first_day=dt.date(2029, 2, 10),
            last_day=dt.date(2029, 2, 18),
            currency="EUR",
        ),
    )
    for path in ("/hsf-2029/", "/hsf-2029/changelog", "/hsf-2029/changelog.atom", "/no-such-edition/"):
        assert (await client.get(path)).status_code == 404, path


# --- item, venue and performer pages --------------------------------------------------------------


async def test_item_page(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/items/calligraphy-workshop")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Calligraphy workshop</h1>" in html
    assert "Workshop" in html and "Free with registration" in html
    assert 'href="/hsf-2027/performers/wang-jun-calligraphy"' in html
    assert "Chinese" in html and "English" in html  # languages, named in the reader's language
    assert "Education" in html  # a theme
    runs = await runs_of("calligraphy-workshop")
    assert len(rows(html)) == len(runs)
    assert clock_range(runs[0].starts_at, runs[0].ends_at, "Europe/Helsinki") in html
    slot = await published_slot("calligraphy-workshop")
    assert f'href="/hsf-2027/slots/{slot.uid}.ics"' in html
    google = re.search(r'href="(https://calendar\.google\.com/calendar/render\?[^"]+)"', html)
    assert google is not None
    assert "action=TEMPLATE" in google.group(1)
    start = slot.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"dates={start}%2F" in google.group(1)


async def test_item_page_in_chinese(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/items/opening-ceremony", headers=ZH)
    assert response.status_code == 200
    assert "<h1>开幕式</h1>" in response.text
    assert "北京舞狮舞龙团" in response.text  # the performer's name in Chinese characters


async def test_venue_page(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/venues/oodi")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Helsinki Central Library Oodi</h1>" in html
    current = await programme.current("hsf-2027", None)
    venue = current.venues["oodi"]
    assert venue.address in html
    assert len(rows(html)) == sum(1 for slot in current.slots if slot.venue == "oodi")
    if venue.latitude is not None:
        assert "openstreetmap.org" in html


async def test_performer_page(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/performers/beijing-kungfu-troupe")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Beijing Kung Fu Troupe</h1>" in html
    assert "北京功夫团" in html and "Beijing Gongfu Tuan" in html
    assert "Twelve martial artists from Beijing" in html
    assert "Zhang Wei" in html  # a member
    assert "Beijing" in html  # origin
    current = await programme.current("hsf-2027", None)
    shows = [x for x in current.slots if "beijing-kungfu-troupe" in current.items[x.item].performers]
    assert len(rows(html)) == len(shows)
    chinese = await client.get(f"{HSF}/performers/beijing-kungfu-troupe", headers=ZH)
    assert "十二位来自北京的武术家" in chinese.text and "功夫表演" in chinese.text


async def test_unknown_things_are_404(client: httpx.AsyncClient, demo: Any) -> None:
    for path in (
        "/items/no-such-item",
        "/venues/no-such-venue",
        "/performers/no-such-performer",
        "/slots/00000000-0000-0000-0000-000000000000.ics",
        "/slots/something.txt",
    ):
        response = await client.get(HSF + path)
        assert response.status_code == 404, path


# --- changelog ------------------------------------------------------------------------------------


async def test_changelog_page(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/changelog")
    assert response.status_code == 200
    html = response.text
    assert html.index('id="version-2"') < html.index('id="version-1"')  # newest first
    assert "Updated programme" in html and "Programme announced" in html
    cancelled = re.search(r'<li class="change change-cancelled">.*?</li>', html, flags=re.S)
    assert cancelled is not None and "Lunar beats" in cancelled.group(0)
    moved = re.search(r'<li class="change change-moved">.*?</li>', html, flags=re.S)
    assert moved is not None and "Aurora Jazz night" in moved.group(0)
    change = next(c for c in (await publishing.list_versions("hsf-2027", None))[0].changes if c.kind == "moved")
    assert change.old_start is not None
    assert local_range(change.old_start, change.old_end) in moved.group(0)
    assert local_range(change.start, change.end) in moved.group(0)
    retitled = re.findall(r'<li class="change change-retitled">.*?</li>', html, flags=re.S)
    assert len(retitled) == 1  # once per item, not once per run
    assert "Songs of spring" in retitled[0] and "Songs of spring and snow" in retitled[0]
    assert html.count('<li class="change change-new">') == len(await runs_of("dumpling-workshop"))


async def test_changelog_atom(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/changelog.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert ids[0] is not None and ids[0].endswith("/hsf-2027/changelog#version-2")
    assert feed.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")
    assert "Lunar beats" in (entries[0].findtext(f"{ATOM}content") or "")
    tag = response.headers["etag"]
    again = await client.get(f"{HSF}/changelog.atom")
    assert again.content == response.content  # deterministic
    assert (await client.get(f"{HSF}/changelog.atom", headers={"If-None-Match": tag})).status_code == 304


# --- open data and calendar files ---------------------------------------------------------------


async def test_schedule_json_and_its_etag(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/schedule.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["access-control-allow-origin"] == "*"
    document = json.loads(response.content)
    assert document["schedule"]["conference"]["acronym"] == "hsf_2027"
    tag = response.headers["etag"]
    cached = await client.get(f"{HSF}/schedule.json", headers={"If-None-Match": tag})
    assert cached.status_code == 304 and cached.content == b""
    chinese = await client.get(f"{HSF}/schedule.json", params={"lang": "zh"})
    assert chinese.headers["etag"] != tag and "开幕式" in chinese.text


async def test_schedule_xml(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get(f"{HSF}/schedule.xml")
    assert response.status_code == 200
    assert "xml" in response.headers["content-type"]
    root = etree.fromstring(response.content)
    assert root.tag == "schedule"
    assert root.find("conference") is not None and root.findall(".//event")
    tag = response.headers["etag"]
    assert (await client.get(f"{HSF}/schedule.xml", headers={"If-None-Match": tag})).status_code == 304


async def test_slot_calendar_file(client: httpx.AsyncClient, demo: Any) -> None:
    import icalendar

    slot = await published_slot("jazz-night")
    response = await client.get(f"{HSF}/slots/{slot.uid}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert f'filename="{slot.uid}.ics"' in response.headers["content-disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"{slot.uid}@festival"
    assert event.decoded("SEQUENCE") == slot.sequence == 1  # moved in version 2
    assert event.decoded("DTSTART") == slot.starts_at
    assert event.decoded("DTSTAMP") == slot.changed_at.replace(microsecond=0)  # iCalendar has whole seconds
    assert str(event["SUMMARY"]) == "Aurora Jazz night"
    assert "Cultural Centre Caisa" in str(event["LOCATION"])
    assert str(event["URL"]).endswith("/hsf-2027/items/jazz-night")
    assert (await client.get(f"{HSF}/slots/{slot.uid}.ics")).content == response.content


async def test_cancelled_slot_calendar_file(client: httpx.AsyncClient, demo: Any) -> None:
    import icalendar

    slot = await published_slot("dj-lunar-night")
    response = await client.get(f"{HSF}/slots/{slot.uid}.ics", headers={"Cookie": "lang=fi"})
    event = next(iter(icalendar.Calendar.from_ical(response.content).walk("VEVENT")))
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("Peruttu: ")
    assert "Kuun rytmit" in str(event["SUMMARY"])
