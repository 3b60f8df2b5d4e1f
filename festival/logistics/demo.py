"""Demo logistics: the Beijing delegation flying to Helsinki for ``hsf-2027`` and a Helsinki group
flying to Beijing for ``moi-helsinki-2027``. Run by ``festival demo`` through
``festival.demo.DEMO_EXTENSIONS``, after the programme (it uses the demo's performers and their
members).

Everything goes through the logistics services, as a coordinator's API calls would. Idempotent: an
edition whose demo delegation exists is left alone. Dates are days relative to the edition's first
day, as the programme demo's are; times are the wall clock at their own end.

Deliberate problems, so the problems list (issue 5, point 7) is not empty (docs/logistics.md,
"Demo data"): on ``hsf-2027`` the orchestra's transfer is booked for 04:15 although flight CZ8171
lands at 04:40, and the erhu player's Schengen visa is still ``requested``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from festival.demo import DEMO_DOMAIN
from festival.logistics import delegations, documents, privacy, riders, stays, transfers, travel
from festival.logistics import privacy_schemas as ps
from festival.logistics import rider_schemas as rs
from festival.logistics import schemas as s
from festival.logistics.tables import Delegation
from festival.tables import Edition, PerformerMember
from schedule.demo import DEMO_ACTOR


@dataclass(frozen=True, slots=True)
class DemoPerson:
    key: str
    display_name: str
    name_zh: str
    surname: str  # as printed in the passport: typed, never derived from the names above
    given_names: str
    nationality: str
    role: str
    performer: str | None = None  # a performer's existing member is added by id, not typed again


@dataclass(frozen=True, slots=True)
class DemoLeg:
    key: str
    number: str
    direction: s.Direction
    from_code: str
    to_code: str
    departure: tuple[int, str]  # (day relative to the first day, local wall clock at the origin)
    arrival: tuple[int, str]  # (day, local wall clock at the destination)
    booking_reference: str
    passengers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoTransfer:
    leg: str
    dropoff_place: str
    vehicle: str
    seats: int
    driver_name: str
    pickup: tuple[int, str] | None = None  # None: follows the leg (landing plus the buffer)
    notes: str = ""


@dataclass(frozen=True, slots=True)
class DemoRoom:
    label: str
    room_type: str
    beds: int
    nights: tuple[int, int]  # (check-in day, check-out day) relative to the first day
    occupants: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoDocument:
    person: str
    kind: s.DocumentKind
    document_type: str
    status: s.DocumentStatus
    issued_by: str
    valid: tuple[int, int] | None  # (from day, until day) relative to the first day; None: not known yet
    notes: str = ""


@dataclass(frozen=True, slots=True)
class DemoLogistics:
    edition: str
    delegation: s.DelegationIn
    head: str
    people: tuple[DemoPerson, ...]
    legs: tuple[DemoLeg, ...]
    transfers: tuple[DemoTransfer, ...]
    hotel: s.HotelIn
    rooms: tuple[DemoRoom, ...]
    documents: tuple[DemoDocument, ...]
    riders: tuple[tuple[str, rs.RiderNotes], ...] = ()  # (performer, structured notes)
    dietary: tuple[tuple[str, str], ...] = ()  # (person, needs), given with the person's consent
    accounts: tuple[tuple[str, str], ...] = ()  # (person, demo account): the performer reads their own trip


PRESIDENTTI = "Original Sokos Hotel Presidentti, Eteläinen Rautatiekatu 4, Helsinki"
_SCHENGEN = "Embassy of Finland in Beijing"

BEIJING_2027 = DemoLogistics(
    edition="hsf-2027",
    delegation=s.DelegationIn(
        slug="beijing-2027",
        name="Beijing delegation 2027",
        sending_organisation="Beijing Municipal Bureau of Culture and Tourism",
        home_city="Beijing",
        notes="Kung fu troupe, youth orchestra and modern dance company for the Year of the Goat.",
    ),
    head="zhao-min",
    people=(
        DemoPerson("zhao-min", "Zhao Min", "赵敏", "ZHAO", "MIN", "CHN", "head of delegation"),
        DemoPerson("zhang-wei", "Zhang Wei", "张伟", "ZHANG", "WEI", "CHN", "troupe leader", "beijing-kungfu-troupe"),
        DemoPerson("liu-yang", "Liu Yang", "刘洋", "LIU", "YANG", "CHN", "performer", "beijing-kungfu-troupe"),
        DemoPerson("sun-li", "Sun Li", "孙丽", "SUN", "LI", "CHN", "conductor", "beijing-youth-orchestra"),
        DemoPerson("chen-jie", "Chen Jie", "陈杰", "CHEN", "JIE", "CHN", "erhu", "beijing-youth-orchestra"),
        DemoPerson(
            "huang-xiaoyu", "Huang Xiaoyu", "黄晓雨", "HUANG", "XIAOYU", "CHN", "choreographer", "beijing-modern-dance"
        ),
        DemoPerson("zhou-ting", "Zhou Ting", "周婷", "ZHOU", "TING", "CHN", "dancer", "beijing-modern-dance"),
        DemoPerson("wang-fang", "Wang Fang", "王芳", "WANG", "FANG", "CHN", "dancer", "beijing-modern-dance"),
    ),
    legs=(
        # Finnair's day flight from Daxing: 9 h 40 min in the air, the same day (6 hours apart in winter).
        DemoLeg(
            "ay52",
            "AY52",
            "inbound",
            "PKX",
            "HEL",
            (-2, "11:20"),
            (-2, "15:00"),
            "K7Q2LM",
            ("zhao-min", "zhang-wei", "liu-yang", "huang-xiaoyu", "zhou-ting", "wang-fang"),
        ),
        # China Southern's night flight: leaves before midnight, lands the next morning (+1).
        DemoLeg(
            "cz8171", "CZ8171", "inbound", "PKX", "HEL", (-2, "23:55"), (-1, "04:40"), "MZ4T8R", ("sun-li", "chen-jie")
        ),
        DemoLeg(
            "ay51",
            "AY51",
            "outbound",
            "HEL",
            "PKX",
            (10, "17:10"),
            (11, "08:25"),
            "K7Q2LN",
            ("zhao-min", "zhang-wei", "liu-yang", "sun-li", "chen-jie", "huang-xiaoyu", "zhou-ting", "wang-fang"),
        ),
    ),
    transfers=(
        DemoTransfer("ay52", PRESIDENTTI, "Mercedes-Benz Sprinter minibus", 8, "Jari Lehtonen"),
        # The deliberate problem: booked for 04:15, but CZ8171 lands at 04:40 (pickup before landing).
        DemoTransfer(
            "cz8171",
            PRESIDENTTI,
            "Toyota Proace Verso van",
            6,
            "Mikko Heikkinen",
            pickup=(-1, "04:15"),
            notes="Booked from the old schedule; the flight now lands at 04:40.",
        ),
    ),
    hotel=s.HotelIn(
        slug="presidentti",
        name="Original Sokos Hotel Presidentti",
        address="Eteläinen Rautatiekatu 4, 00100 Helsinki",
        phone="+358 20 1234 608",
    ),
    rooms=(
        DemoRoom("512", "single", 1, (-2, 10), ("zhao-min",)),
        DemoRoom("514", "twin", 2, (-2, 10), ("zhang-wei", "liu-yang")),
        # From the night before: CZ8171 lands at 04:40, the room is ready when they arrive.
        DemoRoom("516", "twin", 2, (-2, 10), ("sun-li", "chen-jie")),
        DemoRoom("518", "twin", 2, (-2, 10), ("huang-xiaoyu", "zhou-ting")),
        DemoRoom("520", "single", 1, (-2, 10), ("wang-fang",)),
    ),
    documents=(
        DemoDocument("zhao-min", "invitation_letter", "Invitation letter", "issued", "City of Helsinki", (-40, 12)),
        *(
            DemoDocument(key, "visa", "Schengen C", "issued", _SCHENGEN, (-5, 20))
            for key in ("zhao-min", "zhang-wei", "liu-yang", "sun-li", "huang-xiaoyu", "zhou-ting", "wang-fang")
        ),
        # The second deliberate problem: still requested (applied late, no validity yet).
        DemoDocument("chen-jie", "visa", "Schengen C", "requested", _SCHENGEN, None, "Applied late; decision pending."),
    ),
    riders=(
        (
            "beijing-youth-orchestra",
            rs.RiderNotes(
                stage_width_m=14.0,
                stage_depth_m=9.0,
                stage_plot="Conductor centre; erhu and pipa front left, guzheng front right, percussion on risers.",
                backline=["2 guzheng stands", "timpani pair", "40 armless chairs", "40 music stands with lights"],
                power=rs.PowerNeed(outlets=6, description="Schuko 230 V for stand lights and the keyboard"),
                hospitality=["dressing rooms for 40", "hot water and green tea", "warm meal after the gala"],
            ),
        ),
        (
            "beijing-kungfu-troupe",
            rs.RiderNotes(
                stage_plot="Sprung floor at least 10 x 8 m, weapons rack stage left.",
                backline=["two drums", "gong stand"],
                hospitality=["12 towels", "water", "warm changing room (outdoor shows in February)"],
            ),
        ),
    ),
    dietary=(("zhao-min", "No pork."), ("zhou-ting", "Vegetarian.")),
    accounts=(("wang-fang", f"performer@{DEMO_DOMAIN}"),),  # the demo's performer account (Wang Fang)
)

HELSINKI_2027 = DemoLogistics(
    edition="moi-helsinki-2027",
    delegation=s.DelegationIn(
        slug="helsinki-2027",
        name="Helsinki group 2027",
        sending_organisation="City of Helsinki, City Executive Office",
        home_city="Helsinki",
        notes="The Aurora jazz trio and their tour manager.",
    ),
    head="sanna-korhonen",
    people=(
        DemoPerson("sanna-korhonen", "Sanna Korhonen", "", "KORHONEN", "SANNA", "FIN", "tour manager"),
        DemoPerson("aino-laine", "Aino Laine", "", "LAINE", "AINO", "FIN", "piano", "aurora-jazz-trio"),
        DemoPerson("eero-niemi", "Eero Niemi", "", "NIEMI", "EERO", "FIN", "double bass", "aurora-jazz-trio"),
        DemoPerson("mika-salo", "Mika Salo", "", "SALO", "MIKA", "FIN", "drums", "aurora-jazz-trio"),
    ),
    legs=(
        # Helsinki -> Beijing overnight: leaves in the evening, lands the next morning (+1); 5 hours apart in summer.
        DemoLeg(
            "ay51",
            "AY51",
            "inbound",
            "HEL",
            "PKX",
            (-2, "17:10"),
            (-1, "07:50"),
            "R4VX9P",
            ("sanna-korhonen", "aino-laine", "eero-niemi", "mika-salo"),
        ),
        DemoLeg(
            "ay52",
            "AY52",
            "outbound",
            "PKX",
            "HEL",
            (10, "11:20"),  # the morning after the closing concert
            (10, "15:55"),
            "R4VX9Q",
            ("sanna-korhonen", "aino-laine", "eero-niemi", "mika-salo"),
        ),
    ),
    transfers=(
        DemoTransfer("ay51", "Novotel Beijing Peace, Jinyu Hutong 3, Dongcheng", "Buick GL8 van", 6, "Wang Qiang"),
    ),
    hotel=s.HotelIn(
        slug="novotel-peace",
        name="Novotel Beijing Peace",
        address="3 Jinyu Hutong, Wangfujing, Dongcheng District, Beijing 100006",
        phone="+86 10 6512 8833",
    ),
    rooms=(
        DemoRoom("1208", "single", 1, (-1, 10), ("sanna-korhonen",)),
        DemoRoom("1210", "single", 1, (-1, 10), ("aino-laine",)),
        DemoRoom("1212", "twin", 2, (-1, 10), ("eero-niemi", "mika-salo")),
    ),
    documents=(
        *(
            DemoDocument(
                key,
                "entry_basis",
                "visa-free 30 days",
                "issued",
                "",
                (-1, 28),  # 30 days from the day of entry (they land on day -1)
                "Finnish passport: visa-free entry for up to 30 days (business, tourism, exchanges).",
            )
            for key in ("aino-laine", "eero-niemi", "mika-salo")
        ),
        DemoDocument(
            "sanna-korhonen",
            "visa",
            "China L",
            "issued",
            "Embassy of China in Helsinki",
            (-200, 165),
            "Multiple entry.",
        ),
    ),
)

DEMO_LOGISTICS = (BEIJING_2027, HELSINKI_2027)


def _local(first_day: dt.date, at: tuple[int, str]) -> str:
    day, clock = at
    return dt.datetime.combine(first_day + dt.timedelta(days=day), dt.time.fromisoformat(clock)).isoformat()


async def _member_id(performer: str, display_name: str) -> int | None:
    row = (
        await PerformerMember.select(PerformerMember.person)
        .where((PerformerMember.performer.slug == performer) & (PerformerMember.person.display_name == display_name))
        .first()
    )
    return None if row is None else int(row["person"])


async def _add_person(edition: str, delegation: str, person: DemoPerson) -> int:
    """A performer's existing member joins by id and gets their passport name; anyone else is new."""
    passport = s.PassportNameIn(surname=person.surname, given_names=person.given_names, nationality=person.nationality)
    known = await _member_id(person.performer, person.display_name) if person.performer else None
    if known is None:
        added = await delegations.add_member(
            DEMO_ACTOR,
            edition,
            delegation,
            s.MemberIn(
                display_name=person.display_name,
                name_zh=person.name_zh,
                passport=passport,
                role=person.role,
                performer=person.performer,
            ),
        )
        return added.id
    await delegations.add_member(
        DEMO_ACTOR, edition, delegation, s.MemberIn(person=known, role=person.role, performer=person.performer)
    )
    await delegations.update_person(
        DEMO_ACTOR,
        edition,
        known,
        s.PersonIn(display_name=person.display_name, name_zh=person.name_zh, passport=passport),
    )
    return known


async def _load(data: DemoLogistics) -> dict[str, int]:
    ed = await Edition.select(Edition.id, Edition.first_day).where(Edition.slug == data.edition).first()
    if ed is None:  # pragma: no cover - the core demo made it
        raise LookupError(data.edition)
    slug = data.delegation.slug
    if await Delegation.exists().where((Delegation.edition == ed["id"]) & (Delegation.slug == slug)):
        return {}
    first_day: dt.date = ed["first_day"]
    edition = data.edition
    await delegations.create_delegation(DEMO_ACTOR, edition, data.delegation)
    people = {p.key: await _add_person(edition, slug, p) for p in data.people}
    await delegations.update_delegation(
        DEMO_ACTOR, edition, slug, s.DelegationIn(**{**_fields(data.delegation), "head": people[data.head]})
    )
    legs: dict[str, int] = {}
    for leg in data.legs:
        out = await travel.create_leg(
            DEMO_ACTOR,
            edition,
            s.LegIn(
                mode="air",
                direction=leg.direction,
                number=leg.number,
                booking_reference=leg.booking_reference,
                from_code=leg.from_code,
                to_code=leg.to_code,
                departure=_local(first_day, leg.departure),
                arrival=_local(first_day, leg.arrival),
                status="confirmed",
                passengers=[people[k] for k in leg.passengers],
            ),
        )
        legs[leg.key] = out.id
    for ride in data.transfers:
        await transfers.create_transfer(
            DEMO_ACTOR,
            edition,
            s.TransferIn(
                dropoff_place=ride.dropoff_place,
                leg=legs[ride.leg],
                pickup=None if ride.pickup is None else _local(first_day, ride.pickup),
                vehicle=ride.vehicle,
                seats=ride.seats,
                driver_name=ride.driver_name,
                status="confirmed",
                notes=ride.notes,
            ),
        )
    await stays.create_hotel(DEMO_ACTOR, edition, data.hotel)
    for room in data.rooms:
        await stays.add_room(
            DEMO_ACTOR,
            edition,
            data.hotel.slug,
            s.RoomIn(
                label=room.label,
                room_type=room.room_type,
                beds=room.beds,
                check_in=first_day + dt.timedelta(days=room.nights[0]),
                check_out=first_day + dt.timedelta(days=room.nights[1]),
                confirmation=f"{data.hotel.slug.upper()[:4]}-{room.label}",
                occupants=[people[k] for k in room.occupants],
            ),
        )
    for doc in data.documents:
        await documents.create_document(
            DEMO_ACTOR,
            edition,
            s.DocumentIn(
                person=people[doc.person],
                kind=doc.kind,
                document_type=doc.document_type,
                status=doc.status,
                issued_by=doc.issued_by,
                valid_from=None if doc.valid is None else first_day + dt.timedelta(days=doc.valid[0]),
                valid_until=None if doc.valid is None else first_day + dt.timedelta(days=doc.valid[1]),
                notes=doc.notes,
            ),
        )
    for performer, notes in data.riders:
        await riders.set_notes(DEMO_ACTOR, edition, performer, notes)
    for key, needs in data.dietary:
        await riders.set_dietary(DEMO_ACTOR, edition, people[key], rs.DietaryIn(consent=True, text=needs))
    for key, email in data.accounts:
        await privacy.link_account(DEMO_ACTOR, edition, people[key], ps.AccountLinkIn(email=email))
    return {
        "delegations": 1,
        "delegates": len(data.people),
        "legs": len(data.legs),
        "transfers": len(data.transfers),
        "rooms": len(data.rooms),
        "travel_documents": len(data.documents),
        "riders": len(data.riders),
        "dietary_needs": len(data.dietary),
    }


def _fields(data: s.DelegationIn) -> dict[str, Any]:
    return {f: getattr(data, f) for f in data.__struct_fields__}


async def load_logistics() -> dict[str, int]:
    """Add the demo delegations where they are missing; return how many rows of each kind were created."""
    created = dict.fromkeys(
        ("delegations", "delegates", "legs", "transfers", "rooms", "travel_documents", "riders", "dietary_needs"), 0
    )
    for data in DEMO_LOGISTICS:
        async with Delegation._meta.db.transaction():  # an edition's demo logistics whole or not at all
            counts = await _load(data)
        for kind, count in counts.items():
            created[kind] += count
    return created
