"""The c3voc / frab export: valid against the vendored schemas, right local times, stable bytes."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from jsonschema import Draft6Validator, FormatChecker
from lxml import etree

from schedule import snapshot
from schedule.exporters.frab import frab_json, frab_xml
from schedule.snapshot import (
    Programme,
    PublicCategory,
    PublicItem,
    PublicPerformer,
    PublicSlot,
    PublicVenue,
)

SCHEMAS = Path(__file__).parent / "schemas"
BASE_URL = "https://festival.example/"
UTC = dt.UTC

LION_1 = "6f1c4b8e-0000-4000-8000-000000000001"
NIGHT = "6f1c4b8e-0000-4000-8000-000000000002"
LION_2 = "6f1c4b8e-0000-4000-8000-000000000003"
CALLIGRAPHY_CANCELLED = "6f1c4b8e-0000-4000-8000-000000000004"
CALLIGRAPHY = "6f1c4b8e-0000-4000-8000-000000000005"


def _venue(slug: str, names: dict[str, str]) -> PublicVenue:
    return PublicVenue(
        slug=slug,
        names=names,
        time_zone="Europe/Helsinki",
        address="Helsinki",
        capacity=500,
        latitude=None,
        longitude=None,
        accessibility={},
    )


def _item(slug: str, titles: dict[str, str], category: str | None, languages: list[str], **extra: Any) -> PublicItem:
    return PublicItem(
        slug=slug,
        titles=titles,
        descriptions={"en": f"About {slug}.", "zh": f"关于{slug}。"},
        category=category,
        tags=[],
        performers=extra.get("performers", []),
        languages=languages,
        audience={},
        accessibility={},
        image_url=extra.get("image_url", ""),
        admission="free",
        updated_at=dt.datetime(2027, 1, 1, tzinfo=UTC),
    )


def _slot(
    slot_id: int, uid: str, item: str, venue: str, starts_at: dt.datetime, minutes: int, **extra: Any
) -> PublicSlot:
    return PublicSlot(
        id=slot_id,
        uid=uid,
        item=item,
        venue=venue,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        status=extra.get("status", "confirmed"),
        capacity=None,
        sequence=0,
        changed_at=dt.datetime(2027, 3, 1, tzinfo=UTC),
    )


def make_programme() -> Programme:
    """Four festival days around the switch to summer time in Helsinki (2027-03-28 03:00 EET -> 04:00 EEST)."""
    at = dt.datetime
    slots = [
        _slot(1, LION_1, "lion-dance", "narinkkatori", at(2027, 3, 27, 10, 0, tzinfo=UTC), 30),
        # 00:30 local on the 28th, ends 04:30 summer time: three hours elapsed, four on the wall clock.
        _slot(2, NIGHT, "night-concert", "oodi", at(2027, 3, 27, 22, 30, tzinfo=UTC), 180),
        _slot(3, LION_2, "lion-dance", "narinkkatori", at(2027, 3, 28, 10, 0, tzinfo=UTC), 30),
        _slot(
            4, CALLIGRAPHY_CANCELLED, "calligraphy", "oodi", at(2027, 3, 28, 12, 0, tzinfo=UTC), 90, status="cancelled"
        ),
        _slot(5, CALLIGRAPHY, "calligraphy", "oodi", at(2027, 3, 29, 9, 0, tzinfo=UTC), 90),
    ]
    return Programme(
        edition="hsf-2027",
        edition_names={"en": "Helsinki Spring Festival 2027", "zh": "2027赫尔辛基春节"},
        series="helsinki-spring-festival",
        time_zone="Europe/Helsinki",
        first_day=dt.date(2027, 3, 26),
        last_day=dt.date(2027, 3, 29),
        languages=["fi", "en", "sv", "zh"],
        version=3,
        version_name="Final",
        published_at=dt.datetime(2027, 3, 1, 12, 0, tzinfo=UTC),
        slots=slots,
        items={
            "lion-dance": _item(
                "lion-dance",
                {"en": "Lion dance", "fi": "Leijonatanssi", "zh": "舞狮"},
                "performance",
                ["none"],
                performers=["dragon-troupe"],
                image_url="https://festival.example/media/lion.jpg",
            ),
            "night-concert": _item("night-concert", {"en": "Night concert", "fi": "Yökonsertti"}, None, ["fi"]),
            "calligraphy": _item(
                "calligraphy", {"en": "Calligraphy workshop", "zh": "书法工作坊"}, "workshop", ["zh", "en"]
            ),
        },
        venues={
            "narinkkatori": _venue("narinkkatori", {"en": "Narinkka Square", "fi": "Narinkkatori", "zh": "纳林卡广场"}),
            "oodi": _venue("oodi", {"en": "Oodi Library", "fi": "Oodi", "zh": "颂歌图书馆"}),
        },
        performers={
            "dragon-troupe": PublicPerformer(
                slug="dragon-troupe",
                kind="group",
                origin="beijing",
                display_name="Beijing Dragon Troupe",
                name_zh="北京龙狮团",
                name_latin="Beijing Longshi Tuan",
                biographies={"en": "Lion dancers from Beijing.", "zh": "来自北京的舞狮团。"},
                website="",
                members=[],
            )
        },
        categories={
            "performance": PublicCategory(
                slug="performance", names={"en": "Performance", "zh": "演出"}, colour="#c8102e"
            ),
            "workshop": PublicCategory(slug="workshop", names={"en": "Workshop", "zh": "工作坊"}, colour="#1f6f8b"),
        },
    )


def json_validator() -> Draft6Validator:
    schema = json.loads((SCHEMAS / "c3voc-schedule.schema.json").read_text(encoding="utf-8"))
    # Deviation, see tests/schemas/README.md: this version of the schema types the recording flags as
    # strings, where frab, pretalx and the schema's later versions use booleans.
    schema = copy.deepcopy(schema)
    for flag in ("do_not_record", "do_not_stream"):
        schema["definitions"]["Event"]["properties"][flag] = {"type": ["boolean", "null"]}
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema, format_checker=FormatChecker(formats=("date", "uuid", "regex")))


def export(lang: str = "en") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(frab_json(make_programme(), base_url=BASE_URL, lang=lang))
    return document


def events(document: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Every event by guid, with the day it is listed under."""
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for day in document["schedule"]["conference"]["days"]:
        for room_events in day["rooms"].values():
            for event in room_events:
                found[event["guid"]] = (event, day)
    return found


@pytest.mark.parametrize("lang", ["en", "fi", "sv", "zh"])
def test_json_validates_against_the_c3voc_schema(lang: str) -> None:
    document = export(lang)
    errors = sorted(json_validator().iter_errors(document), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(error.absolute_path)}: {error.message}" for error in errors)
    # The date-time format needs a package the checker lacks here; check the instants by hand.
    for day in document["schedule"]["conference"]["days"]:
        for key in ("day_start", "day_end"):
            assert dt.datetime.fromisoformat(day[key]).utcoffset() is not None
    for event, _day in events(document).values():
        assert dt.datetime.fromisoformat(event["date"]).utcoffset() is not None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_xml_validates_against_the_c3voc_xsd(lang: str) -> None:
    xsd = etree.XMLSchema(etree.parse(str(SCHEMAS / "c3voc-schedule.xsd")))
    document = etree.fromstring(frab_xml(make_programme(), base_url=BASE_URL, lang=lang))
    assert xsd.validate(document), xsd.error_log


def test_the_conference_spans_the_festival_days() -> None:
    conference = export()["schedule"]["conference"]
    assert conference["acronym"] == "hsf_2027"
    assert (conference["start"], conference["end"], conference["daysCount"]) == ("2027-03-26", "2027-03-29", 4)
    assert conference["time_zone_name"] == "Europe/Helsinki"
    assert [day["index"] for day in conference["days"]] == [1, 2, 3, 4]
    assert [room["name"] for room in conference["rooms"]] == ["Narinkka Square", "Oodi Library"]
    assert conference["tracks"] == [
        {"name": "Performance", "color": "#c8102e"},
        {"name": "Workshop", "color": "#1f6f8b"},
    ]
    assert conference["days"][0]["rooms"] == {}  # a festival day with nothing on it is still a day


def test_days_change_at_six_in_the_morning_across_the_dst_change() -> None:
    days = {day["date"]: day for day in export()["schedule"]["conference"]["days"]}
    saturday = days["2027-03-27"]
    assert saturday["day_start"] == "2027-03-27T06:00:00+02:00"
    assert saturday["day_end"] == "2027-03-28T06:00:00+03:00"  # a 23-hour festival day
    assert days["2027-03-28"]["day_start"] == saturday["day_end"]


def test_local_times_and_offsets_across_the_dst_change() -> None:
    found = events(export())
    before, before_day = found[LION_1]
    assert (before["date"], before["start"], before["duration"]) == ("2027-03-27T12:00:00+02:00", "12:00", "00:30")
    assert before_day["date"] == "2027-03-27"
    after, after_day = found[LION_2]
    assert (after["date"], after["start"], after["duration"]) == ("2027-03-28T13:00:00+03:00", "13:00", "00:30")
    assert after_day["date"] == "2027-03-28"


def test_a_show_after_midnight_belongs_to_the_night_before() -> None:
    night, day = events(export())[NIGHT]
    assert (night["date"], night["start"]) == ("2027-03-28T00:30:00+02:00", "00:30")
    assert night["duration"] == "03:00"  # elapsed time, although the wall clock moves four hours
    assert day["date"] == "2027-03-27"
    assert night["room"] == "Oodi Library"
    assert night["track"] == ""  # an item without a category
    assert night["type"] == "other"


def test_a_cancelled_slot_stays_with_a_marked_title() -> None:
    english = events(export("en"))
    assert english[CALLIGRAPHY_CANCELLED][0]["title"] == "Cancelled: Calligraphy workshop"
    assert english[CALLIGRAPHY][0]["title"] == "Calligraphy workshop"
    assert events(export("zh"))[CALLIGRAPHY_CANCELLED][0]["title"] == "已取消：书法工作坊"
    assert events(export("fi"))[CALLIGRAPHY_CANCELLED][0]["title"] == "Peruttu: Calligraphy workshop"


def test_chinese_texts_with_lang_zh() -> None:
    programme = make_programme()
    raw = frab_json(programme, base_url=BASE_URL, lang="zh")
    assert "舞狮".encode() in raw  # UTF-8 as is, not \u escapes
    document = json.loads(raw)
    conference = document["schedule"]["conference"]
    assert conference["title"] == "2027赫尔辛基春节"
    lion, _day = events(document)[LION_1]
    assert (lion["title"], lion["room"], lion["track"]) == ("舞狮", "纳林卡广场", "演出")
    assert lion["abstract"] == "关于lion-dance。"
    assert [person["name"] for person in lion["persons"]] == ["北京龙狮团"]
    xml = etree.fromstring(frab_xml(programme, base_url=BASE_URL, lang="zh"))
    assert xml.findtext(f".//event[@guid='{LION_1}']/title") == "舞狮"
    assert xml.find(".//room").get("name") == "纳林卡广场"


def test_missing_translations_fall_back_to_the_edition_languages() -> None:
    night, _day = events(export("zh"))[NIGHT]
    assert night["title"] == "Yökonsertti"  # no Chinese title: the edition's first language, Finnish


def test_event_fields() -> None:
    lion, _day = events(export())[LION_1]
    assert lion["id"] == 1
    assert lion["slug"] == "hsf-2027-1-lion-dance"
    assert lion["url"] == "https://festival.example/hsf-2027/items/lion-dance"
    assert lion["language"] == "fi"  # "none" (no words): the edition's language
    assert lion["logo"] == "https://festival.example/media/lion.jpg"
    assert lion["do_not_record"] is True
    assert lion["persons"][0]["name"] == lion["persons"][0]["public_name"] == "Beijing Dragon Troupe"
    calligraphy, _day = events(export())[CALLIGRAPHY]
    assert calligraphy["language"] == "zh"
    assert "logo" not in calligraphy


def test_the_output_is_deterministic() -> None:
    programme = make_programme()
    # A snapshot read back from storage exports to the same bytes as the one built in memory.
    stored = snapshot.load(0, snapshot.dump(programme))
    assert msgspec.json.encode(stored) == msgspec.json.encode(programme)
    for lang in ("en", "zh"):
        first = frab_json(programme, base_url=BASE_URL, lang=lang)
        assert frab_json(programme, base_url=BASE_URL, lang=lang) == first
        assert frab_json(stored, base_url=BASE_URL, lang=lang) == first
        xml = frab_xml(programme, base_url=BASE_URL, lang=lang)
        assert frab_xml(programme, base_url=BASE_URL, lang=lang) == xml
        assert frab_xml(stored, base_url=BASE_URL, lang=lang) == xml


def test_xml_matches_the_json() -> None:
    programme = make_programme()
    document = json.loads(frab_json(programme, base_url=BASE_URL))
    xml = etree.fromstring(frab_xml(programme, base_url=BASE_URL))
    days = xml.findall("day")
    assert [day.get("date") for day in days] == [day["date"] for day in document["schedule"]["conference"]["days"]]
    for guid, (event, day) in events(document).items():
        element = xml.find(f"day[@date='{day['date']}']/room/event[@guid='{guid}']")
        assert element is not None
        assert element.get("id") == str(event["id"])
        for tag in ("date", "start", "duration", "room", "title", "slug", "language"):
            assert element.findtext(tag) == event[tag]
        assert element.findtext("recording/optout") == "true"
