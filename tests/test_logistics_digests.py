"""Itinerary change digests (issue 5 point 8): a change to a leg, a pickup or a room reaches
everyone on it as ONE e-mail per person per batch, old → new in local times, sent by a job through
a real SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from festival.jobs.inprocess import InProcessJobQueue
from festival.logistics.digests import send_itinerary_digests
from festival.logistics.tables import PendingChange
from tests.conftest import make_settings
from tests.test_logistics_itinerary import BASE, INBOUND, _client, _ok, build_trip

from .test_mail import Inbox, inbox  # noqa: F401  # the aiosmtpd fixture, shared

pytestmark = pytest.mark.anyio


@pytest.fixture
async def logistics(app: Any, demo: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(app, "logistics") as http:
        yield http


async def _run(tmp_path: Path, port: int, quiet_s: int = 0) -> None:
    queue = InProcessJobQueue(make_settings(tmp_path, SMTP_URL=f"smtp://127.0.0.1:{port}"), periodic_jobs=[])
    await queue.start()
    await queue.enqueue(send_itinerary_digests.bind(quiet_s))
    await queue.drain()
    await queue.close()


LATE = {**INBOUND, "arrival_actual": "2027-02-03T07:10"}


async def test_one_digest_per_person_with_old_and_new_local_times(
    tmp_path: Path,
    logistics: httpx.AsyncClient,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    handler, port = inbox
    ids = await build_trip(logistics)
    await _run(tmp_path, port)
    assert handler.messages() == []  # making the plan is not a change to report

    # A late landing (the pickup follows it) and a new room number: three changes, two people.
    _ok(await logistics.put(f"{BASE}/legs/{ids['inbound']}", json={**LATE, "passengers": [ids["li"], ids["wang"]]}))
    room = {"label": "514", "check_in": "2027-02-03", "check_out": "2027-02-12", "occupants": [ids["li"]]}
    _ok(await logistics.put(f"{BASE}/rooms/{ids['room']}", json=room))
    # A refused change records nothing.
    bad = {**LATE, "arrival_actual": "2027-02-02T10:00", "passengers": [ids["li"]]}
    assert (await logistics.put(f"{BASE}/legs/{ids['inbound']}", json=bad)).status_code == 422

    await _run(tmp_path, port, quiet_s=3600)  # still within the quiet time: nothing yet
    assert handler.messages() == []
    await _run(tmp_path, port)
    messages = {str(m["To"]): m for m in handler.messages()}
    assert sorted(messages) == ["li.na@example.org", "wang@example.org"]
    li = messages["li.na@example.org"].get_content()
    assert "Helsinki Spring Festival" in str(messages["li.na@example.org"]["Subject"])
    assert "CZ8171 PKX → HEL" in li
    assert "arrival: 2027-02-03 05:30 EET → 2027-02-03 07:10 EET" in li
    assert "pickup: 2027-02-03 06:15 EET → 2027-02-03 07:55 EET" in li
    assert "Hotel: Hotel Torni" in li and "room: 512 → 514" in li
    wang = messages["wang@example.org"].get_content()
    assert "arrival: 2027-02-03 05:30 EET → 2027-02-03 07:10 EET" in wang and "room:" not in wang

    # Sent once: a second run sends nothing more; every row names its message.
    await _run(tmp_path, port)
    assert len(handler.messages()) == 2
    assert await PendingChange.count().where(PendingChange.message.is_null()) == 0

    # Taking Wang off the flight tells him; deleting the room tells Li Na.
    _ok(await logistics.put(f"{BASE}/legs/{ids['inbound']}", json={**LATE, "passengers": [ids["li"]]}))
    assert (await logistics.delete(f"{BASE}/rooms/{ids['room']}")).status_code == 204
    await _run(tmp_path, port)
    later = {str(m["To"]): m.get_content() for m in handler.messages()[2:]}
    assert "you are no longer on it" in later["wang@example.org"]
    assert "Hotel: Hotel Torni" in later["li.na@example.org"] and "removed" in later["li.na@example.org"]


async def test_a_published_move_of_a_show_reaches_the_performers_people(
    app: Any,
    tmp_path: Path,
    logistics: httpx.AsyncClient,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    handler, port = inbox
    await build_trip(logistics)
    async with await _client(app, "organiser") as organiser:
        slots = _ok(await organiser.get("/api/v1/editions/hsf-2027/slots"))
        gala = next(
            x
            for x in slots
            if x["item"] == "orchestra-gala" and x["kind"] == "public" and x["start"].startswith("2027-02-07")
        )
        moved = {"start": "2027-02-07T20:00", "end": "2027-02-07T22:00"}
        _ok(await organiser.patch(f"/api/v1/editions/hsf-2027/slots/{gala['id']}", json=moved))
        assert await PendingChange.count() == 0  # a draft change is not news until published
        version = {"name": "Gala later", "acknowledge_warnings": True}
        _ok(await organiser.post("/api/v1/editions/hsf-2027/versions", json=version), 201)
    await _run(tmp_path, port)
    to = {str(m["To"]): m.get_content() for m in handler.messages()}
    assert "wang@example.org" not in to  # travels with no performer of the gala
    text = to["li.na@example.org"]
    assert "Beijing Youth Orchestra gala" in text
    assert "2027-02-07 19:00–21:00 EET → Helsinki Music Centre, 2027-02-07 20:00–22:00 EET" in text
