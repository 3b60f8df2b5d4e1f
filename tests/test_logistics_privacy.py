"""Privacy of logistics (issue 5 points 9 and 11): a performer reads only their own trip and their
delegation's, fees are for organisers and passport numbers for coordinators, erasing a person leaves
none of their personal data in any table, and the retention job erases an expired edition's data
(keeping what a live edition still needs)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from piccolo.conf.apps import Finder

from festival.auth import services as auth
from festival.demo import DEMO_DOMAIN
from festival.jobs.base import PERIODIC_JOBS, JobContext, PeriodicJob
from festival.jobs.inprocess import InProcessJobQueue
from festival.jobs.registry import load_jobs
from festival.logistics import privacy
from festival.logistics.retention import erase_expired_logistics
from festival.logistics.tables import AccountLink, DietaryNeed, Passport, PassportRead, PendingChange
from festival.mail import OutboxMailer, deliver_email, store_email
from festival.tables import Edition, Person
from tests.conftest import make_settings
from tests.logistics_helpers import problem as _problem

pytestmark = pytest.mark.anyio

BASE = "/api/v1/editions/hsf-2027/logistics"
MOI = "/api/v1/editions/moi-helsinki-2027/logistics"
PASSWORD = "a long test password"


def _http(app: Any, token: str | None = None) -> httpx.AsyncClient:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers)


async def _client(app: Any, email: str) -> httpx.AsyncClient:
    return _http(app, (await auth.issue_token(None, email, "tests")).secret)


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
async def staff(app: Any, demo: Any) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    clients = {role: await _client(app, f"{role}@{DEMO_DOMAIN}") for role in ("logistics", "organiser", "admin")}
    clients["performer"] = await _client(app, f"performer@{DEMO_DOMAIN}")
    # A second performer of the edition, in another delegation.
    other = await auth.create_user("zhao.lei@example.org", PASSWORD)
    await auth.grant_role(other.id, "hsf-2027", auth.Role.PERFORMER)
    clients["other"] = await _client(app, "zhao.lei@example.org")
    yield clients
    for http in clients.values():
        await http.aclose()


async def _add(http: httpx.AsyncClient, base: str, delegation: str, person: dict[str, Any]) -> int:
    return int(_ok(await http.post(f"{base}/delegations/{delegation}/people", json=person), 201)["id"])


# The trip's flight (``_trip``), as tests that change it send it back.
CA851 = {
    "mode": "air",
    "number": "CA851",
    "from_code": "PKX",
    "to_code": "HEL",
    "departure": "2027-02-03T01:30",
    "arrival": "2027-02-03T05:40",
}


async def _trip(logistics: httpx.AsyncClient) -> dict[str, int]:
    """Li Na and Wen Haoran in the Beijing delegation, Zhao Lei in the orchestra, all on one flight,
    one ride; two rooms; visas."""
    for slug, name in (("beijing-2027", "Beijing delegation 2027"), ("orchestra", "Orchestra")):
        _ok(await logistics.post(f"{BASE}/delegations", json={"slug": slug, "name": name}), 201)
    li = await _add(logistics, BASE, "beijing-2027", {"display_name": "Li Na", "name_zh": "李娜", "role": "erhu"})
    wang = await _add(
        logistics,
        BASE,
        "beijing-2027",
        {
            "display_name": "Wen Haoran",
            "name_zh": "文浩然",
            "email": "wen.haoran@example.cn",
            "phone": "+86 138 0000 1111",
            "role": "head",
            "passport": {"surname": "WENPASS", "given_names": "HAORAN", "nationality": "CHN"},
        },
    )
    zhao = await _add(
        logistics,
        BASE,
        "orchestra",
        {"display_name": "Zhao Lei", "name_zh": "赵磊", "email": "zhao@example.cn", "phone": "+86 139 2222 3333"},
    )
    assert (
        await logistics.put(f"{BASE}/people/{wang}/passport-number", json={"number": "E55501234"})
    ).status_code == 204
    leg = _ok(await logistics.post(f"{BASE}/legs", json={**CA851, "passengers": [li, wang, zhao]}), 201)["id"]
    ride = {"leg": leg, "dropoff_place": "Hotel Kämp", "vehicle": "Van 1", "driver_phone": "+358 40 999 0000"}
    _ok(await logistics.post(f"{BASE}/transfers", json=ride), 201)
    _ok(
        await logistics.post(f"{BASE}/hotels", json={"slug": "kamp", "name": "Hotel Kämp", "phone": "+358 9 576 111"}),
        201,
    )
    room = {"label": "412", "check_in": "2027-02-03", "check_out": "2027-02-15", "occupants": [li, wang]}
    _ok(await logistics.post(f"{BASE}/hotels/kamp/rooms", json=room), 201)
    _ok(await logistics.post(f"{BASE}/hotels/kamp/rooms", json={"label": "414", "occupants": [zhao]}), 201)
    for person, status in ((li, "issued"), (wang, "requested"), (zhao, "refused")):
        doc = {"person": person, "kind": "visa", "document_type": "Schengen C", "status": status}
        _ok(await logistics.post(f"{BASE}/documents", json=doc), 201)
    return {"li": li, "wang": wang, "zhao": zhao, "leg": leg}


async def test_a_performer_reads_only_their_own_trip_and_their_delegation(staff: dict[str, httpx.AsyncClient]) -> None:
    logistics, performer, other = staff["logistics"], staff["performer"], staff["other"]
    ids = await _trip(logistics)
    # Not linked yet: nothing to read, past the guard.
    _problem(await performer.get(f"{BASE}/me"), 404, "no_itinerary")
    link = _ok(await logistics.put(f"{BASE}/people/{ids['li']}/account", json={"email": f"PERFORMER@{DEMO_DOMAIN}"}))
    assert link["account_email"] == f"performer@{DEMO_DOMAIN}"
    _ok(await logistics.put(f"{BASE}/people/{ids['zhao']}/account", json={"email": "zhao.lei@example.org"}))
    assert _ok(await logistics.get(f"{BASE}/people/{ids['li']}/account"))["person"] == ids["li"]

    response = await performer.get(f"{BASE}/me")
    me = _ok(response)
    assert (me["person"], me["display_name"], me["name_zh"]) == (ids["li"], "Li Na", "李娜")
    assert [
        (d["slug"], [(m["display_name"], m["role"], m["me"]) for m in d["members"]]) for d in me["delegations"]
    ] == [("beijing-2027", [("Li Na", "erhu", True), ("Wen Haoran", "head", False)])]
    assert [(leg["number"], leg["mine"], leg["travellers"]) for leg in me["legs"]] == [
        ("851", True, ["Li Na", "Wen Haoran"])
    ]
    assert me["legs"][0]["departure_local"] == "2027-02-03T01:30:00+08:00"
    assert [(t["mine"], t["travellers"]) for t in me["transfers"]] == [(True, ["Li Na", "Wen Haoran"])]
    assert [(r["label"], r["occupants"]) for r in me["rooms"]] == [("412", ["Li Na", "Wen Haoran"])]
    assert [(d["kind"], d["status"]) for d in me["documents"]] == [("visa", "issued")]
    # No one else's contact data, documents or passport, nor the other delegation's people.
    for secret in (
        "Zhao",
        "赵磊",
        "wen.haoran@example.cn",
        "+86 138",
        "+358 40",
        "E55501234",
        "WENPASS",
        "requested",
        "refused",
    ):
        assert secret not in response.text, secret

    # The other performer sees their own trip, not Li Na's delegation.
    theirs = _ok(await other.get(f"{BASE}/me"))
    assert theirs["person"] == ids["zhao"]
    assert [leg["travellers"] for leg in theirs["legs"]] == [["Zhao Lei"]]
    assert [r["label"] for r in theirs["rooms"]] == ["414"]
    assert [d["status"] for d in theirs["documents"]] == ["refused"]

    # Changing ids gets a performer nowhere: the coordinators' routes refuse them.
    for path in (
        f"/people/{ids['zhao']}",
        f"/people/{ids['wang']}/passport-number",
        f"/legs/{ids['leg']}",
        f"/documents?person={ids['zhao']}",
        "/delegations/orchestra",
        "/people",
        "/fees",
        f"/people/{ids['zhao']}/account",
    ):
        _problem(await performer.get(BASE + path), 403, "role_required")
    _problem(await performer.get(f"{MOI}/me"), 403, "role_required")

    # The page shows the same trip.
    page = await performer.get("/hsf-2027/my/itinerary")
    assert page.status_code == 200, page.text
    assert "Li Na" in page.text and "Wen Haoran" in page.text and "412" in page.text
    assert "Zhao" not in page.text and "+86" not in page.text

    # Links: an unknown account, an account already someone else's, another edition's person.
    _problem(
        await logistics.put(f"{BASE}/people/{ids['wang']}/account", json={"email": "no@one.org"}),
        422,
        "unknown_account",
    )
    taken = {"email": "zhao.lei@example.org"}
    _problem(await logistics.put(f"{BASE}/people/{ids['wang']}/account", json=taken), 409, "account_taken")
    _problem(await staff["admin"].put(f"{MOI}/people/{ids['li']}/account", json=taken), 404, "person_not_found")
    # Unlinked: the performer reads nothing again; the account stays.
    assert (await logistics.delete(f"{BASE}/people/{ids['li']}/account")).status_code == 204
    _problem(await performer.get(f"{BASE}/me"), 404, "no_itinerary")


async def test_a_performer_sees_the_actual_arrival_once_known(staff: dict[str, httpx.AsyncClient]) -> None:
    """A late landing reaches the performer: /me carries the actual arrival beside the planned one
    (as the coordinators' legs do), and the page shows the actual time, saying so."""
    logistics, performer = staff["logistics"], staff["performer"]
    ids = await _trip(logistics)
    _ok(await logistics.put(f"{BASE}/people/{ids['li']}/account", json={"email": f"performer@{DEMO_DOMAIN}"}))
    leg = _ok(await performer.get(f"{BASE}/me"))["legs"][0]
    assert (leg["arrival_local"], leg["arrival_actual_local"], leg["arrival_actual_day_offset"]) == (
        "2027-02-03T05:40:00+02:00",
        None,
        None,
    )
    passengers = [ids["li"], ids["wang"], ids["zhao"]]
    late = {**CA851, "arrival_actual": "2027-02-04T00:20", "passengers": passengers}
    _ok(await logistics.put(f"{BASE}/legs/{ids['leg']}", json=late))
    leg = _ok(await performer.get(f"{BASE}/me"))["legs"][0]
    assert leg["arrival_local"] == "2027-02-03T05:40:00+02:00" and leg["arrival_day_offset"] == 0  # planned
    assert leg["arrival_actual_local"] == "2027-02-04T00:20:00+02:00" and leg["arrival_actual_day_offset"] == 1
    page = await performer.get("/hsf-2027/my/itinerary")
    assert page.status_code == 200, page.text
    assert "2027-02-04 00:20 EET (+1) (actual arrival; planned 2027-02-03 05:40 EET)" in page.text


async def test_fees_are_for_organisers_alone(staff: dict[str, httpx.AsyncClient]) -> None:
    logistics, organiser = staff["logistics"], staff["organiser"]
    ids = await _trip(logistics)
    await logistics.put(f"{BASE}/people/{ids['li']}/account", json={"email": f"performer@{DEMO_DOMAIN}"})
    fee_path = f"{BASE}/delegations/beijing-2027/people/{ids['li']}/fee"
    fee = _ok(await organiser.put(fee_path, json={"fee_minor": 150000, "currency": "CNY"}))
    assert (fee["fee_minor"], fee["currency"], fee["display_name"]) == (150000, "CNY", "Li Na")
    _ok(await organiser.put(fee_path, json={"fee_minor": 120000, "currency": "EUR"}))
    assert [(f["person"], f["fee_minor"], f["currency"]) for f in _ok(await organiser.get(f"{BASE}/fees"))] == [
        (ids["li"], 120000, "EUR")
    ]
    # Bad input: a clear 4xx, the fee unchanged.
    _problem(await organiser.put(fee_path, json={"fee_minor": 1, "currency": "XYZ"}), 422, "invalid_currency")
    assert (await organiser.put(fee_path, json={"fee_minor": -1, "currency": "EUR"})).status_code == 400
    _problem(
        await organiser.put(
            f"{BASE}/delegations/orchestra/people/{ids['li']}/fee", json={"fee_minor": 1, "currency": "EUR"}
        ),
        404,
        "person_not_found",
    )
    assert _ok(await organiser.get(f"{BASE}/fees"))[0]["fee_minor"] == 120000
    # Coordinators and performers: refused, and no other read model carries the fee.
    for client in (logistics, staff["performer"]):
        _problem(await client.get(f"{BASE}/fees"), 403, "role_required")
        _problem(await client.put(fee_path, json={"fee_minor": 1, "currency": "EUR"}), 403, "role_required")
        _problem(await client.delete(fee_path), 403, "role_required")
    for client, path in (
        (logistics, "/people"),
        (logistics, "/delegations"),
        (organiser, "/people"),
        (staff["performer"], "/me"),
    ):
        text = (await client.get(BASE + path)).text
        assert "fee" not in text and "120000" not in text, path
    assert (await organiser.delete(fee_path)).status_code == 204
    assert _ok(await organiser.get(f"{BASE}/fees")) == []


async def test_passport_numbers_stay_with_the_coordinators(staff: dict[str, httpx.AsyncClient]) -> None:
    logistics, organiser, performer = staff["logistics"], staff["organiser"], staff["performer"]
    ids = await _trip(logistics)
    await logistics.put(f"{BASE}/people/{ids['wang']}/account", json={"email": f"performer@{DEMO_DOMAIN}"})
    number = f"{BASE}/people/{ids['wang']}/passport-number"
    for client in (organiser, performer):
        _problem(await client.get(number), 403, "role_required")
        _problem(await client.put(number, json={"number": "X1234567"}), 403, "role_required")
        _problem(await client.get(f"{BASE}/passport-reads"), 403, "role_required")
    assert _ok(await organiser.get(f"{BASE}/people/{ids['wang']}"))["passport"]["number_on_file"] is True
    # Even the holder's own view has no number (and no read was logged by these attempts).
    mine = await performer.get(f"{BASE}/me")
    assert mine.status_code == 200 and "E55501234" not in mine.text
    assert _ok(await logistics.get(f"{BASE}/passport-reads")) == []
    assert _ok(await logistics.get(number))["number"] == "E55501234"


async def _all_text() -> str:
    """Every text and JSON value of every registered table, as one string."""
    parts: list[str] = []
    for table in Finder().get_table_classes():
        for row in await table.select().output(load_json=True):
            for value in row.values():
                if isinstance(value, str):
                    parts.append(value)
                elif isinstance(value, dict | list):
                    parts.append(json.dumps(value, ensure_ascii=False))
    return "\n".join(parts)


QIAO = {
    "display_name": "Qiao Xinyu",
    "name_zh": "乔欣雨",
    "email": "qiao.xinyu@example.cn",
    "phone": "+86 137 4455 6677",
    "role": "lead dancer",
    "passport": {
        "surname": "QIAOSURNAME",
        "given_names": "XINYUGIVEN",
        "nationality": "CHN",
        "expires_on": "2032-01-01",
    },
}
QIAO_TRACES = [
    "Qiao Xinyu",
    "乔欣雨",
    "qiao.xinyu@example.cn",
    "+86 137 4455 6677",
    "QIAOSURNAME",
    "XINYUGIVEN",
    "G98765432",
]


async def test_erasing_a_person_leaves_no_personal_data_in_any_table(
    staff: dict[str, httpx.AsyncClient], tmp_path: Path
) -> None:
    """The database holds nothing of the person afterwards, and neither does the embedded default's
    outbox folder (a sent e-mail's copy); other people's mail stays."""
    logistics, organiser = staff["logistics"], staff["organiser"]
    ids = await _trip(logistics)
    qiao = await _add(logistics, BASE, "beijing-2027", QIAO)
    _ok(
        await logistics.put(
            f"{BASE}/delegations/beijing-2027", json={"slug": "beijing-2027", "name": "Beijing", "head": qiao}
        )
    )
    _ok(await logistics.post(f"{BASE}/delegations/orchestra/people", json={"person": qiao, "role": "guest"}), 201)
    assert (
        await logistics.put(f"{BASE}/people/{qiao}/passport-number", json={"number": "G98765432"})
    ).status_code == 204
    assert _ok(await logistics.get(f"{BASE}/people/{qiao}/passport-number"))["number"] == "G98765432"
    sealed = (await Passport.select(Passport.number_sealed).where(Passport.person == qiao).first())["number_sealed"]
    leg = _ok(await logistics.get(f"{BASE}/legs/{ids['leg']}"))
    body = {"mode": "air", "number": "CA851", "from_code": "PKX", "to_code": "HEL", "departure": "2027-02-03T01:30"}
    _ok(
        await logistics.put(
            f"{BASE}/legs/{ids['leg']}", json={**body, "passengers": [*(p["person"] for p in leg["passengers"]), qiao]}
        )
    )
    _ok(
        await logistics.post(
            f"{BASE}/transfers", json={"leg": ids["leg"], "dropoff_place": "Oodi", "passengers": [qiao]}
        ),
        201,
    )
    _ok(await logistics.post(f"{BASE}/hotels/kamp/rooms", json={"label": "501", "occupants": [qiao]}), 201)
    _ok(await logistics.post(f"{BASE}/documents", json={"person": qiao, "kind": "invitation_letter"}), 201)
    await organiser.put(
        f"{BASE}/delegations/beijing-2027/people/{qiao}/fee", json={"fee_minor": 99000, "currency": "EUR"}
    )
    needs = "Severe peanut allergy (Qiao)"  # given with consent: health data, erased with the person
    _ok(await logistics.put(f"{BASE}/dietary/{qiao}", json={"consent": True, "text": needs}))
    login = await auth.create_user("q-login@example.org", PASSWORD)
    _ok(await logistics.put(f"{BASE}/people/{qiao}/account", json={"email": "q-login@example.org"}))
    outbox = tmp_path / "outbox"  # the app's state folder is tmp_path (tests/conftest.py ``app``)
    settings, mailer = make_settings(tmp_path), OutboxMailer(outbox)
    to_qiao = await store_email(to="Qiao.Xinyu@example.cn", subject="Your itinerary", text="Dear Qiao Xinyu, 乔欣雨")
    to_li = await store_email(to="li.na@example.cn", subject="Your itinerary", text="Dear Li Na")
    for message in (to_qiao, to_li):
        assert await deliver_email(message, settings=settings, mailer=mailer)
    assert len(list(outbox.glob("*.eml"))) == 2
    text = await _all_text()
    assert all(trace in text for trace in QIAO_TRACES[:-1]) and sealed in text and needs in text  # seen

    erased = _ok(await logistics.delete(f"{BASE}/people/{qiao}/personal-data"))
    assert erased == {
        "edition": "hsf-2027",
        "reason": "request",
        "erased_on": erased["erased_on"],
        "people": 1,
        "legs": 1,
        "transfers": 2,  # her own, and the trip's, which took her along when she joined its leg
        "rooms": 1,
        "documents": 1,
    }
    text = await _all_text()
    for trace in [*QIAO_TRACES, sealed, needs]:
        assert trace not in text, trace
    assert not await Person.exists().where(Person.id == qiao)
    assert not await AccountLink.exists().where(AccountLink.account == login.id)
    left = [path.read_bytes() for path in outbox.glob("*.eml")]
    assert len(left) == 1 and b"li.na@example.cn" in left[0]  # Li Na's copy stays, Qiao's is gone
    # The read log keeps who read and when, no longer whose; the counts are all that is left.
    reads = await PassportRead.select().where(PassportRead.reader_email == f"logistics@{DEMO_DOMAIN}")
    assert [r["person"] for r in reads] == [None]
    assert [(e["reason"], e["people"], e["legs"]) for e in _ok(await logistics.get(f"{BASE}/erasures"))] == [
        ("request", 1, 1)
    ]
    # Everyone else is as they were.
    assert _ok(await logistics.get(f"{BASE}/delegations/beijing-2027"))["head"] is None
    assert [p["display_name"] for p in _ok(await logistics.get(f"{BASE}/legs/{ids['leg']}"))["passengers"]] == [
        "Li Na",
        "Wen Haoran",
        "Zhao Lei",
    ]
    assert len(_ok(await logistics.get(f"{BASE}/people"))) == 3
    _problem(await logistics.delete(f"{BASE}/people/{qiao}/personal-data"), 404, "person_not_found")
    _problem(
        await logistics.delete(f"{BASE}/people/{ids['li']}/personal-data".replace("hsf-2027", "moi-helsinki-2027")),
        403,
        "role_required",
    )


async def _shared_people(organiser: httpx.AsyncClient) -> tuple[int, int]:
    """A troupe whose two members are people known to every edition (performers are shared)."""
    troupe = {
        "slug": "shared-troupe",
        "display_name": "Shared troupe",
        "members": [{"display_name": "Sun Mei", "name_zh": "孙梅"}, {"display_name": "Ma Li", "name_zh": "马丽"}],
    }
    _ok(await organiser.post("/api/v1/performers", json=troupe), 201)
    from festival.tables import PerformerMember

    rows = await PerformerMember.select(PerformerMember.person, PerformerMember.person.display_name).where(
        PerformerMember.performer.slug == "shared-troupe"
    )
    by_name = {r["person.display_name"]: r["person"] for r in rows}
    return by_name["Sun Mei"], by_name["Ma Li"]


async def test_retention_erases_an_expired_edition_and_keeps_what_a_live_one_needs(
    staff: dict[str, httpx.AsyncClient],
) -> None:
    logistics, organiser, admin = staff["logistics"], staff["organiser"], staff["admin"]
    sun, ma = await _shared_people(organiser)
    ids = await _trip(logistics)
    gao = await _add(
        logistics,
        BASE,
        "beijing-2027",
        {
            "display_name": "Gao Feng",
            "name_zh": "高峰",
            "email": "gao.feng@example.cn",
            "passport": {"surname": "GAOFENG"},
        },
    )
    for person, name, name_zh, surname in ((sun, "Sun Mei", "孙梅", "SUNPASS"), (ma, "Ma Li", "马丽", "MAPASS")):
        _ok(await logistics.post(f"{BASE}/delegations/beijing-2027/people", json={"person": person}), 201)
        details = {"display_name": name, "name_zh": name_zh, "passport": {"surname": surname}}
        _ok(await logistics.put(f"{BASE}/people/{person}", json=details))
    await organiser.put(
        f"{BASE}/delegations/beijing-2027/people/{gao}/fee", json={"fee_minor": 5000, "currency": "EUR"}
    )
    # Sun Mei travels with Moi Helsinki too, whose retention has not passed.
    _ok(await admin.post(f"{MOI}/delegations", json={"slug": "helsinki-group", "name": "Helsinki group"}), 201)
    _ok(await admin.post(f"{MOI}/delegations/helsinki-group/people", json={"person": sun}), 201)
    moi_leg = {"mode": "air", "from_code": "HEL", "to_code": "PKX", "passengers": [sun]}
    moi_leg_id = _ok(await admin.post(f"{MOI}/legs", json=moi_leg), 201)["id"]
    # Dietary needs (with consent) of people who survive the erasure: Sun Mei (still in Moi Helsinki)
    # and Ma Li (a troupe member); Sun Mei's for Moi Helsinki is that live edition's and stays.
    for person, needs in ((sun, "Sun HSF: no shellfish"), (ma, "Ma HSF: gluten free")):
        _ok(await logistics.put(f"{BASE}/dietary/{person}", json={"consent": True, "text": needs}))
    _ok(await admin.put(f"{MOI}/dietary/{sun}", json={"consent": True, "text": "Sun MOI: halal"}))
    # Changes waiting for their digests in both editions: Sun Mei joins the HSF flight, and the Moi
    # Helsinki flight gets its times.
    hsf_leg = _ok(await logistics.get(f"{BASE}/legs/{ids['leg']}"))
    hsf_body = {"mode": "air", "number": "CA851", "from_code": "PKX", "to_code": "HEL", "departure": "2027-02-03T01:30"}
    riders = [*(p["person"] for p in hsf_leg["passengers"]), sun]
    _ok(await logistics.put(f"{BASE}/legs/{ids['leg']}", json={**hsf_body, "passengers": riders}))
    timed = {**moi_leg, "departure": "2027-09-15T17:10", "arrival": "2027-09-16T07:50"}
    _ok(await admin.put(f"{MOI}/legs/{moi_leg_id}", json=timed))
    moi_id = (await Edition.select(Edition.id).where(Edition.slug == "moi-helsinki-2027").first())["id"]
    hsf_id = (await Edition.select(Edition.id).where(Edition.slug == "hsf-2027").first())["id"]
    assert await PendingChange.exists().where((PendingChange.edition == hsf_id) & (PendingChange.person == sun))
    moi_pending = await PendingChange.count().where(PendingChange.edition == moi_id)
    assert moi_pending > 0

    _problem(
        await organiser.put(f"{BASE}/retention", json={"retention_until": "2027-02-13"}),
        422,
        "retention_before_edition_end",
    )
    assert (
        _ok(await organiser.put(f"{BASE}/retention", json={"retention_until": "2027-03-01"}))["retention_until"]
        == "2027-03-01"
    )
    # 23:00 in Helsinki on the retention day: still kept. Half an hour past midnight: erased.
    assert await privacy.erase_expired(dt.datetime(2027, 3, 1, 21, 0, tzinfo=dt.UTC)) == []
    assert len(_ok(await logistics.get(f"{BASE}/people"))) == 6
    done = await privacy.erase_expired(dt.datetime(2027, 3, 1, 22, 30, tzinfo=dt.UTC))
    assert [(e.edition, e.reason, e.people, e.legs, e.transfers, e.rooms, e.documents) for e in done] == [
        ("hsf-2027", "retention", 6, 1, 1, 2, 3)
    ]
    for path in ("/people", "/legs", "/transfers", "/documents"):
        assert _ok(await logistics.get(BASE + path)) == [], path
    assert [h["rooms"] for h in _ok(await logistics.get(f"{BASE}/hotels"))] == [[]]
    assert [d["members"] for d in _ok(await logistics.get(f"{BASE}/delegations"))] == [[], []]
    assert _ok(await organiser.get(f"{BASE}/fees")) == []
    text = await _all_text()
    for trace in (
        "Gao Feng",
        "高峰",
        "gao.feng@example.cn",
        "GAOFENG",
        "Wen Haoran",
        "wen.haoran@example.cn",
        "E55501234",
        "+86 139 2222 3333",
        "MAPASS",
    ):
        assert trace not in text, trace
    # Sun Mei is still needed by Moi Helsinki (passport included); Ma Li stays a troupe member only.
    assert "SUNPASS" in text
    assert [p["display_name"] for p in _ok(await admin.get(f"{MOI}/people"))] == ["Sun Mei"]
    assert await Person.exists().where(Person.id == ma)
    assert not await Passport.exists().where(Passport.person == ma)
    # The survivors' dietary needs and pending digest lines of the expired edition are gone; Moi
    # Helsinki's stay.
    assert "Sun HSF" not in text and "Ma HSF" not in text
    assert not await DietaryNeed.exists().where(DietaryNeed.edition == hsf_id)
    assert not await PendingChange.exists().where(PendingChange.edition == hsf_id)
    assert [(d["display_name"], d["text"]) for d in _ok(await admin.get(f"{MOI}/dietary"))] == [
        ("Sun Mei", "Sun MOI: halal")
    ]
    assert await PendingChange.count().where(PendingChange.edition == moi_id) == moi_pending
    # Running again changes nothing and records nothing.
    assert await privacy.erase_expired(dt.datetime(2027, 3, 5, tzinfo=dt.UTC)) == []
    assert len(_ok(await logistics.get(f"{BASE}/erasures"))) == 1
    assert not await Person.exists().where(Person.id == ids["wang"])


async def test_the_retention_job_runs_in_the_in_process_queue(
    staff: dict[str, httpx.AsyncClient], tmp_path: Path
) -> None:
    load_jobs()
    assert "erase_expired_logistics" in {p.job.name for p in PERIODIC_JOBS}
    admin = staff["admin"]
    edition = {
        "series": "helsinki-spring-festival",
        "slug": "hsf-2025",
        "year": 2025,
        "names": {"en": "HSF 2025"},
        "city": {"en": "Helsinki"},
        "time_zone": "Europe/Helsinki",
        "first_day": "2025-01-29",
        "last_day": "2025-02-09",
        "currency": "EUR",
    }
    _ok(await admin.post("/api/v1/editions", json=edition), 201)
    old = "/api/v1/editions/hsf-2025/logistics"
    _ok(await admin.post(f"{old}/delegations", json={"slug": "beijing-2025", "name": "Beijing 2025"}), 201)
    person = await _add(
        admin, old, "beijing-2025", {"display_name": "Old Timer", "name_zh": "老前辈", "email": "old@example.cn"}
    )
    _ok(
        await admin.post(
            f"{old}/legs", json={"mode": "air", "from_code": "PKX", "to_code": "HEL", "passengers": [person]}
        ),
        201,
    )
    _ok(await admin.put(f"{old}/retention", json={"retention_until": "2025-06-30"}))
    settings = make_settings(tmp_path)
    mail = await store_email(to="old@example.cn", subject="Your itinerary", text="Dear Old Timer")
    assert await deliver_email(mail, settings=settings, mailer=OutboxMailer(settings.outbox_dir))
    assert len(list(settings.outbox_dir.glob("*.eml"))) == 1
    # The job function itself, once.
    await erase_expired_logistics.run(JobContext(settings=settings, job_id="retention:test", job_try=1))
    assert not await Person.exists().where(Person.id == person)
    assert list(settings.outbox_dir.glob("*.eml")) == []  # the outbox copy went with the person
    assert _ok(await admin.get(f"{old}/legs")) == []
    # Data entered after the day is erased at the next run: here the queue's start-up run.
    late = await _add(admin, old, "beijing-2025", {"display_name": "Late Comer", "name_zh": "迟到者"})
    queue = InProcessJobQueue(
        settings, periodic_jobs=[PeriodicJob(erase_expired_logistics, every_s=3600, run_at_startup=True)]
    )
    await queue.start()
    await queue.drain()
    await queue.close()
    assert not await Person.exists().where(Person.id == late)
    assert [(e["reason"], e["people"], e["legs"]) for e in _ok(await admin.get(f"{old}/erasures"))] == [
        ("retention", 1, 1),
        ("retention", 1, 0),
    ]
    text = await _all_text()
    assert "老前辈" not in text and "old@example.cn" not in text and "迟到者" not in text


async def test_the_retention_day_cannot_fall_before_the_trips_end(staff: dict[str, httpx.AsyncClient]) -> None:
    """HSF 2027 ends on 14 February, but a group flying home on the 15th (or checking out on the
    16th) still needs its data then: a retention day before that is refused, saying why."""
    logistics, organiser = staff["logistics"], staff["organiser"]
    home = {"mode": "air", "direction": "outbound", "number": "AY51", "from_code": "HEL", "to_code": "PKX"}
    home |= {"departure": "2027-02-15T17:10", "arrival": "2027-02-16T08:25"}
    _ok(await logistics.post(f"{BASE}/legs", json=home), 201)
    refused = _problem(
        await organiser.put(f"{BASE}/retention", json={"retention_until": "2027-02-14"}),
        422,
        "retention_before_edition_end",
    )
    assert "until 2027-02-16 at least (a travel leg)" in refused["detail"]  # the landing in Beijing
    _ok(await logistics.post(f"{BASE}/hotels", json={"slug": "torni", "name": "Hotel Torni"}), 201)
    room = {"label": "301", "check_in": "2027-02-03", "check_out": "2027-02-17"}
    _ok(await logistics.post(f"{BASE}/hotels/torni/rooms", json=room), 201)
    refused = _problem(
        await organiser.put(f"{BASE}/retention", json={"retention_until": "2027-02-16"}),
        422,
        "retention_before_edition_end",
    )
    assert "until 2027-02-17 at least (a hotel room's check-out)" in refused["detail"]
    assert _ok(await organiser.put(f"{BASE}/retention", json={"retention_until": "2027-02-17"}))["retention_until"] == (
        "2027-02-17"
    )
