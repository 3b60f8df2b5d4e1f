"""Riders and needs (issue 5, point 6) through the HTTP API: rider files uploaded, stored under the
state folder and downloaded as attachments; too big, empty or wrong-type files refused with nothing
kept; structured notes; soundchecks from the programme's internal slots; dietary needs only with
consent, erased when consent is withdrawn; who may do it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from festival.logistics.riders import MAX_FILE_BYTES
from festival.logistics.tables import DietaryNeed, RiderFile
from tests.logistics_helpers import BASE
from tests.logistics_helpers import client as _client
from tests.logistics_helpers import problem as _problem

pytestmark = pytest.mark.anyio


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def logistics(app: Any, demo: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(app, "logistics") as http:
        yield http


def _upload(
    http: httpx.AsyncClient, content: bytes, content_type: str, name: str = "rider.pdf", kind: str = "technical"
) -> Any:
    return http.post(
        f"{BASE}/riders/beijing-kungfu-troupe/files",
        params={"kind": kind},
        files={"data": (name, content, content_type)},
    )


def _stored(state_dir: Path) -> list[Path]:
    folder = state_dir / "riders"
    return sorted(folder.iterdir()) if folder.exists() else []


async def test_upload_and_download_a_rider(logistics: httpx.AsyncClient, app: Any, tmp_path: Path) -> None:
    response = await _upload(logistics, PDF, "application/pdf", name="技术要求 rider.pdf")
    assert response.status_code == 201, response.text
    uploaded = response.json()
    assert uploaded["kind"] == "technical" and uploaded["size_bytes"] == len(PDF)
    assert uploaded["content_type"] == "application/pdf" and uploaded["filename"] == "技术要求 rider.pdf"
    stored = _stored(tmp_path)
    assert len(stored) == 1 and stored[0].read_bytes() == PDF and "rider" not in stored[0].name
    plot = await _upload(logistics, PNG, "image/png", name="../../stage plot.png", kind="hospitality")
    assert plot.status_code == 201 and plot.json()["filename"] == "stage plot.png"  # no path from the upload

    rider = (await logistics.get(f"{BASE}/riders/beijing-kungfu-troupe")).json()
    assert [(f["id"], f["kind"]) for f in rider["files"]] == [
        (uploaded["id"], "technical"),
        (plot.json()["id"], "hospitality"),
    ]

    url = f"{BASE}/riders/beijing-kungfu-troupe/files/{uploaded['id']}"
    download = await logistics.get(url)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "filename*=utf-8''%e6%8a%80" in download.headers["content-disposition"].lower()
    assert download.headers["x-content-type-options"] == "nosniff"
    # Another performer's path does not reach this file.
    _problem(
        await logistics.get(f"{BASE}/riders/beijing-youth-orchestra/files/{uploaded['id']}"),
        404,
        "rider_file_not_found",
    )

    async with await _client(app, "performer") as performer:
        assert (await performer.get(url)).status_code == 403
        assert (await _upload(performer, PDF, "application/pdf")).status_code == 403
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as anonymous:
        assert (await anonymous.get(url)).status_code == 401
    async with await _client(app, "organiser") as organiser:
        assert (await organiser.get(url)).content == PDF

    assert (await logistics.delete(url)).status_code == 204
    _problem(await logistics.get(url), 404, "rider_file_not_found")
    assert len(_stored(tmp_path)) == 1  # only the stage plot's bytes are left


async def test_too_big_empty_or_wrong_type_is_refused_and_nothing_kept(
    logistics: httpx.AsyncClient, app: Any, tmp_path: Path
) -> None:
    too_big = b"%PDF-" + b"0" * (MAX_FILE_BYTES - 4)
    body = _problem(await _upload(logistics, too_big, "application/pdf"), 413, "file_too_large")
    assert str(MAX_FILE_BYTES) in body["detail"]
    # Far past the limit: Litestar stops reading the body, still a 413 problem.
    _problem(await _upload(logistics, too_big + b"0" * 200_000, "application/pdf"), 413, "request_too_large")
    _problem(
        await _upload(logistics, b"<html><script>alert(1)</script>", "text/html", "x.html"),
        415,
        "unsupported_file_type",
    )
    # Declared a PDF, is HTML: the content must match what the type claims.
    _problem(await _upload(logistics, b"<html>not a pdf</html>", "application/pdf"), 415, "unsupported_file_type")
    _problem(await _upload(logistics, PNG, "image/jpeg", "plot.jpg"), 415, "unsupported_file_type")
    _problem(await _upload(logistics, b"", "application/pdf"), 422, "empty_file")
    _problem(await _upload(logistics, PDF, "application/pdf", kind="fees"), 400, "invalid_request")
    # The file must be in the field ``data``: under another name it is refused, not taken anyway.
    files = f"{BASE}/riders/beijing-kungfu-troupe/files"
    wrong_field = await logistics.post(files, files={"other": ("rider.pdf", PDF, "application/pdf")})
    assert "'data'" in _problem(wrong_field, 422, "file_required")["detail"]
    _problem(await logistics.post(files, files={"other": ("r.pdf", PDF)}, data={"note": "x"}), 422, "file_required")
    assert _stored(tmp_path) == [] and await RiderFile.count() == 0
    # A cross-site form can post multipart but cannot add headers: without one, refused before anything.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as browser:
        form = await browser.post(
            f"{BASE}/riders/beijing-kungfu-troupe/files", files={"data": ("r.pdf", PDF, "application/pdf")}
        )
        detail = _problem(form, 415, "unsupported_media_type")["detail"]
        # The answer says what is missing: a header, not JSON (a JSON body cannot carry the file).
        assert "Authorization" in detail and "X-Requested-With" in detail and "application/json" not in detail
        # The same form with the header a script sends (still no sign-in): past the check, to the 401.
        sent = await browser.post(
            f"{BASE}/riders/beijing-kungfu-troupe/files",
            files={"data": ("r.pdf", PDF, "application/pdf")},
            headers={"x-requested-with": "XMLHttpRequest"},
        )
        _problem(sent, 401, "not_authenticated")
    assert _stored(tmp_path) == [] and await RiderFile.count() == 0
    # A performer who is neither on the edition's programme nor in its delegations has no rider there.
    moi = "/api/v1/editions/moi-helsinki-2027/logistics"
    async with await _client(app, "admin") as admin:
        _problem(await admin.get(f"{moi}/riders/beijing-kungfu-troupe"), 404, "performer_not_in_edition")
        _problem(await admin.get(f"{moi}/riders/beijing-kungfu-troupe/soundchecks"), 404, "performer_not_in_edition")
    async with await _client(app, "logistics") as coordinator:  # hsf-2027's coordinator has no role in Moi
        assert (await coordinator.get(f"{moi}/riders/aurora-jazz-trio")).status_code == 403
    _problem(await logistics.get(f"{BASE}/riders/no-such-performer"), 404, "performer_not_found")


async def test_structured_notes(logistics: httpx.AsyncClient, app: Any) -> None:
    empty = (await logistics.get(f"{BASE}/riders/beijing-kungfu-troupe")).json()
    assert empty["updated_at"] is None and empty["notes"]["backline"] == [] and empty["files"] == []
    notes = {
        "stage_width_m": 10.0,
        "stage_depth_m": 8.0,
        "stage_plot": "Sprung floor, 10 x 8 m, weapons rack stage left.",
        "backline": ["two drums", "gong stand"],
        "power": {"outlets": 4, "description": "Schuko 230 V"},
        "hospitality": ["hot water and green tea", "12 towels"],
        "notes": "No open flame near the rack.",
    }
    saved = await logistics.put(f"{BASE}/riders/beijing-kungfu-troupe", json=notes)
    assert saved.status_code == 200, saved.text
    assert saved.json()["notes"] == notes and saved.json()["updated_at"]
    listed = (await logistics.get(f"{BASE}/riders")).json()
    assert [r["performer"] for r in listed] == ["beijing-kungfu-troupe"] and listed[0]["notes"] == notes
    assert (await logistics.put(f"{BASE}/riders/beijing-kungfu-troupe", json={**notes, "fee": 1})).status_code == 400
    bad = await logistics.put(f"{BASE}/riders/beijing-kungfu-troupe", json={**notes, "stage_width_m": -1})
    assert bad.status_code == 400
    assert (await logistics.get(f"{BASE}/riders/beijing-kungfu-troupe")).json()["notes"] == notes  # unchanged
    async with await _client(app, "performer") as performer:
        assert (await performer.put(f"{BASE}/riders/beijing-kungfu-troupe", json=notes)).status_code == 403


async def test_soundchecks_come_from_the_programme(logistics: httpx.AsyncClient) -> None:
    checks = (await logistics.get(f"{BASE}/riders/beijing-youth-orchestra/soundchecks")).json()
    assert len(checks) == 1
    check = checks[0]
    assert check["item"] == "orchestra-gala" and check["venue"] == "musiikkitalo"
    assert check["start_local"] == "2027-02-07T16:00:00+02:00" and check["end_local"] == "2027-02-07T18:00:00+02:00"
    assert check["start_utc"] == "2027-02-07T14:00:00Z" and check["venue_zone"] == "Europe/Helsinki"
    # The troupe has shows but no soundcheck.
    assert (await logistics.get(f"{BASE}/riders/beijing-kungfu-troupe/soundchecks")).json() == []


async def test_dietary_needs_only_with_consent(logistics: httpx.AsyncClient, app: Any) -> None:
    created = await logistics.post(f"{BASE}/delegations", json={"slug": "beijing-2027", "name": "Beijing delegation"})
    assert created.status_code == 201, created.text
    person = (
        await logistics.post(f"{BASE}/delegations/beijing-2027/people", json={"display_name": "Chen Jie"})
    ).json()["id"]
    url = f"{BASE}/dietary/{person}"

    _problem(
        await logistics.put(url, json={"consent": False, "text": "vegetarian, no peanuts"}), 422, "consent_required"
    )
    assert (await logistics.get(f"{BASE}/dietary")).json() == [] and await DietaryNeed.count() == 0

    given = await logistics.put(url, json={"consent": True, "text": "vegetarian, no peanuts"})
    assert given.status_code == 200, given.text
    assert given.json()["consent"] is True and given.json()["text"] == "vegetarian, no peanuts"
    _problem(await logistics.put(url, json={"consent": False, "text": "vegan"}), 422, "consent_required")
    assert (await logistics.get(f"{BASE}/dietary")).json()[0]["text"] == "vegetarian, no peanuts"  # unchanged

    withdrawn = await logistics.put(url, json={"consent": False})
    assert withdrawn.status_code == 200 and withdrawn.json() == {**withdrawn.json(), "consent": False, "text": ""}
    assert withdrawn.json()["consent_changed_at"] > given.json()["consent_changed_at"]
    rows = await DietaryNeed.select(DietaryNeed.text, DietaryNeed.consent)
    assert rows == [{"text": "", "consent": False}]  # erased in the database, not hidden

    _problem(
        await logistics.put(f"{BASE}/dietary/999999", json={"consent": True, "text": "halal"}), 422, "unknown_person"
    )
    async with await _client(app, "performer") as performer:
        assert (await performer.get(f"{BASE}/dietary")).status_code == 403
        assert (await performer.put(url, json={"consent": True, "text": "x"})).status_code == 403


async def test_stored_files_whose_rows_are_gone_are_removed_by_housekeeping(
    logistics: httpx.AsyncClient, tmp_path: Path
) -> None:
    """A performer or edition deleted (by an administrator) takes its rider rows along by cascade;
    the hourly job then removes their bytes. Files still named by a row, and young files (an upload
    between writing its bytes and its row), stay."""
    import os
    import time

    from festival.jobs.base import JobContext
    from festival.logistics.retention import erase_expired_logistics
    from festival.logistics.riders import ORPHAN_GRACE_S, remove_orphan_files
    from tests.conftest import make_settings

    kept = (await _upload(logistics, PDF, "application/pdf")).json()
    orphaned = (await _upload(logistics, PNG, "image/png", name="plot.png")).json()
    assert len(_stored(tmp_path)) == 2
    await RiderFile.delete().where(RiderFile.id == orphaned["id"])  # as a cascade from its performer would
    assert await remove_orphan_files(tmp_path) == 0  # just written: could be an upload in progress
    old = time.time() - ORPHAN_GRACE_S - 60
    for path in _stored(tmp_path):
        os.utime(path, (old, old))
    settings = make_settings(tmp_path)
    await erase_expired_logistics.run(JobContext(settings=settings, job_id="housekeeping:test", job_try=1))
    (left,) = _stored(tmp_path)
    assert left.read_bytes() == PDF
    url = f"{BASE}/riders/beijing-kungfu-troupe/files/{kept['id']}"
    assert (await logistics.get(url)).content == PDF
