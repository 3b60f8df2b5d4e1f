"""Demo data: the Helsinki Spring Festival 2027 and Moi Helsinki 2027, with an account for every role.

Idempotent: whatever exists (by slug or e-mail) is left as it is, so running it twice changes nothing.
Later parts of the system extend it through ``DEMO_EXTENSIONS``: ``"module:function"`` names of async
functions that return how many rows of each kind they created (strings, as in ``JOB_MODULES``,
because the core must not import the parts built on it).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Any

from piccolo.apps.user.tables import BaseUser

from festival.auth import services as auth
from festival.auth.roles import Role
from festival.tables import Edition, EditionPartner, Partner, Series, Venue

DEMO_PASSWORD = "festival-demo"  # noqa: S105 - the published password of the demo accounts
DEMO_DOMAIN = "demo.festival.example"

SERIES: list[dict[str, Any]] = [
    {
        "slug": "helsinki-spring-festival",
        "names": {
            "en": "Helsinki Spring Festival",
            "fi": "Helsingin kevätjuhla",
            "sv": "Helsingfors vårfest",
            "zh": "赫尔辛基春节",
        },
        "descriptions": {
            "en": "Chinese New Year in Helsinki, run jointly by the cities of Helsinki and Beijing since 2007.",
            "fi": "Kiinalainen uusivuosi Helsingissä, Helsingin ja Pekingin yhdessä järjestämä vuodesta 2007.",
            "sv": "Kinesiskt nyår i Helsingfors, ordnat av Helsingfors och Peking tillsammans sedan 2007.",
            "zh": "赫尔辛基的中国新年庆典，自2007年起由赫尔辛基市与北京市联合举办。",
        },
    },
    {
        "slug": "moi-helsinki",
        "names": {"en": "Moi Helsinki", "fi": "Moi Helsinki", "sv": "Moi Helsinki", "zh": "你好，赫尔辛基"},
        "descriptions": {
            "en": "Helsinki artists perform in Beijing.",
            "fi": "Helsinkiläiset taiteilijat esiintyvät Pekingissä.",
            "sv": "Helsingforskonstnärer uppträder i Peking.",
            "zh": "赫尔辛基艺术家在北京演出。",
        },
    },
]

EDITIONS: list[dict[str, Any]] = [
    {
        "series": "helsinki-spring-festival",
        "slug": "hsf-2027",
        "year": 2027,
        "names": {
            "en": "Helsinki Spring Festival 2027",
            "fi": "Helsingin kevätjuhla 2027",
            "sv": "Helsingfors vårfest 2027",
            "zh": "2027赫尔辛基春节",
        },
        "descriptions": {
            "en": "The Year of the Goat: Chinese New Year's Eve is Friday 5 February 2027.",
            "fi": "Vuohen vuosi: kiinalainen uudenvuodenaatto on perjantaina 5.2.2027.",
            "sv": "Getens år: kinesisk nyårsafton är fredagen den 5 februari 2027.",
            "zh": "羊年：2027年除夕是2月5日星期五。",
        },
        "city": {"en": "Helsinki", "fi": "Helsinki", "sv": "Helsingfors", "zh": "赫尔辛基"},
        "time_zone": "Europe/Helsinki",
        "first_day": dt.date(2027, 2, 5),
        "last_day": dt.date(2027, 2, 14),
        "currency": "EUR",
        "languages": ["fi", "en", "sv", "zh"],
        "status": "published",
    },
    {
        "series": "moi-helsinki",
        "slug": "moi-helsinki-2027",
        "year": 2027,
        "names": {
            "en": "Moi Helsinki 2027",
            "fi": "Moi Helsinki 2027",
            "sv": "Moi Helsinki 2027",
            "zh": "2027你好，赫尔辛基",
        },
        "descriptions": {
            "en": "Finnish design, music and dance in Beijing.",
            "fi": "Suomalaista designia, musiikkia ja tanssia Pekingissä.",
            "sv": "Finländsk design, musik och dans i Peking.",
            "zh": "芬兰设计、音乐与舞蹈在北京。",
        },
        "city": {"en": "Beijing", "fi": "Peking", "sv": "Peking", "zh": "北京"},
        "time_zone": "Asia/Shanghai",
        "first_day": dt.date(2027, 9, 17),
        "last_day": dt.date(2027, 9, 26),
        "currency": "CNY",
        "languages": ["zh", "en", "fi"],
        "status": "published",
    },
]

_SQUARE = {
    "en": "Outdoor square, step-free; no seating.",
    "fi": "Ulkoaukio, esteetön; ei istumapaikkoja.",
    "sv": "Torg utomhus, utan trappsteg; inga sittplatser.",
    "zh": "露天广场，无台阶；无座位。",
}

VENUES: list[dict[str, Any]] = [
    {
        "edition": "hsf-2027",
        "slug": "narinkkatori",
        "names": {"en": "Narinkka Square", "fi": "Narinkkatori", "sv": "Narinken", "zh": "纳林卡广场"},
        "address": "Narinkkatori, 00100 Helsinki",
        "latitude": 60.16948,
        "longitude": 24.93296,
        "capacity": 5000,
        "changeover_min": 10,
        "accessibility": _SQUARE,
    },
    {
        "edition": "hsf-2027",
        "slug": "keskuskatu",
        "names": {"en": "Keskuskatu", "fi": "Keskuskatu", "sv": "Centralgatan", "zh": "中央大街"},
        "address": "Keskuskatu, 00100 Helsinki",
        "latitude": 60.16968,
        "longitude": 24.94447,
        "capacity": None,
        "accessibility": _SQUARE,
    },
    {
        "edition": "hsf-2027",
        "slug": "kansalaistori",
        "names": {"en": "Kansalaistori Square", "fi": "Kansalaistori", "sv": "Medborgartorget", "zh": "公民广场"},
        "address": "Kansalaistori, 00100 Helsinki",
        "latitude": 60.17343,
        "longitude": 24.93660,
        "capacity": 8000,
        "accessibility": _SQUARE,
    },
    {
        "edition": "hsf-2027",
        "slug": "oodi",
        "names": {
            "en": "Helsinki Central Library Oodi",
            "fi": "Helsingin keskustakirjasto Oodi",
            "sv": "Helsingfors centrumbibliotek Ode",
            "zh": "赫尔辛基颂歌中央图书馆",
        },
        "address": "Töölönlahdenkatu 4, 00100 Helsinki",
        "latitude": 60.17383,
        "longitude": 24.93785,
        "capacity": 300,
        "changeover_min": 15,
        "opening_hours": [
            {"weekdays": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "22:00"},
            {"weekdays": [6, 7], "opens": "10:00", "closes": "20:00"},
        ],
        "accessibility": {
            "en": "Step-free entrances, lifts, accessible toilets, induction loop in the event space.",
            "fi": "Esteettömät sisäänkäynnit, hissit, esteettömät wc:t, induktiosilmukka.",
            "sv": "Ingångar utan trappsteg, hissar, tillgängliga toaletter, hörslinga.",
            "zh": "无障碍入口、电梯、无障碍卫生间，活动区设有助听环路。",
        },
    },
    {
        "edition": "hsf-2027",
        "slug": "musiikkitalo",
        "names": {"en": "Helsinki Music Centre", "fi": "Musiikkitalo", "sv": "Musikhuset", "zh": "赫尔辛基音乐中心"},
        "address": "Mannerheimintie 13 A, 00100 Helsinki",
        "latitude": 60.17355,
        "longitude": 24.93375,
        "capacity": 1704,
        "changeover_min": 30,
        "opening_hours": [{"weekdays": [1, 2, 3, 4, 5, 6, 7], "opens": "09:00", "closes": "23:00"}],
        "accessibility": {
            "en": "Wheelchair places in the Concert Hall; induction loop; lifts to every floor.",
            "fi": "Pyörätuolipaikat Konserttisalissa; induktiosilmukka; hissit kaikkiin kerroksiin.",
            "sv": "Rullstolsplatser i Konsertsalen; hörslinga; hissar till alla våningar.",
            "zh": "音乐厅设轮椅座位；助听环路；电梯通往各楼层。",
        },
    },
    {
        "edition": "hsf-2027",
        "slug": "caisa",
        "names": {
            "en": "Cultural Centre Caisa",
            "fi": "Kulttuurikeskus Caisa",
            "sv": "Kulturcentret Caisa",
            "zh": "Caisa文化中心",
        },
        "address": "Kaikukatu 4 B, 00530 Helsinki",
        "latitude": 60.18236,
        "longitude": 24.95648,
        "capacity": 180,
        "changeover_min": 15,
        "opening_hours": [
            {"weekdays": [1, 2, 3, 4, 5], "opens": "10:00", "closes": "21:00"},
            {"weekdays": [6], "opens": "11:00", "closes": "17:00"},
        ],
        "accessibility": {
            "en": "Step-free access, accessible toilet.",
            "fi": "Esteetön kulku, esteetön wc.",
            "sv": "Tillgänglig entré, tillgänglig toalett.",
            "zh": "无障碍通道，无障碍卫生间。",
        },
    },
    {
        "edition": "hsf-2027",
        "slug": "toolonlahti",
        "names": {"en": "Töölönlahti Bay", "fi": "Töölönlahti", "sv": "Tölöviken", "zh": "图洛湾"},
        "address": "Töölönlahti, 00100 Helsinki",
        "latitude": 60.17750,
        "longitude": 24.93650,
        "capacity": None,
        "accessibility": {
            "en": "Paths around the bay are paved; viewing areas on both shores.",
            "fi": "Lahden ympäri kulkevat polut ovat päällystettyjä; katselualueet molemmilla rannoilla.",
            "sv": "Stigarna runt viken är belagda; åskådarplatser på båda stränderna.",
            "zh": "湖湾环路为铺装路面；两岸均设观赏区。",
        },
    },
    {
        "edition": "hsf-2027",
        "slug": "senaatintori",
        "names": {"en": "Senate Square", "fi": "Senaatintori", "sv": "Senatstorget", "zh": "议会广场"},
        "address": "Senaatintori, 00170 Helsinki",
        "latitude": 60.16952,
        "longitude": 24.95207,
        "capacity": 10000,
        "changeover_min": 20,
        "accessibility": {
            "en": "Cobbled square; step-free viewing area by Aleksanterinkatu.",
            "fi": "Mukulakivetty aukio; esteetön katselualue Aleksanterinkadun puolella.",
            "sv": "Kullerstensbelagt torg; tillgänglig åskådarplats vid Alexandersgatan.",
            "zh": "鹅卵石广场；亚历山大街一侧设无障碍观看区。",
        },
    },
    {
        "edition": "moi-helsinki-2027",
        "slug": "xidan-cultural-square",
        "names": {
            "en": "Xidan Cultural Square",
            "fi": "Xidanin kulttuuriaukio",
            "sv": "Xidans kulturtorg",
            "zh": "西单文化广场",
        },
        "address": "西城区西单北大街, 北京 100032",
        "latitude": 39.90960,
        "longitude": 116.37400,
        "capacity": 6000,
        "accessibility": _SQUARE,
    },
    {
        "edition": "moi-helsinki-2027",
        "slug": "798-art-district",
        "names": {"en": "798 Art District", "fi": "798-taidealue", "sv": "798 konstdistrikt", "zh": "798艺术区"},
        "address": "朝阳区酒仙桥路4号, 北京 100015",
        "latitude": 39.98420,
        "longitude": 116.49500,
        "capacity": 400,
        "opening_hours": [{"weekdays": [2, 3, 4, 5, 6, 7], "opens": "10:00", "closes": "18:00"}],
        "accessibility": {
            "en": "Mostly step-free; some galleries up stairs.",
            "zh": "大部分区域无台阶；部分画廊需走楼梯。",
        },
    },
    {
        "edition": "moi-helsinki-2027",
        "slug": "beijing-concert-hall",
        "names": {
            "en": "Beijing Concert Hall",
            "fi": "Pekingin konserttitalo",
            "sv": "Pekings konserthus",
            "zh": "北京音乐厅",
        },
        "address": "西城区北新华街1号, 北京 100031",
        "latitude": 39.90180,
        "longitude": 116.38230,
        "capacity": 1024,
        "changeover_min": 30,
        "opening_hours": [{"weekdays": [1, 2, 3, 4, 5, 6, 7], "opens": "09:00", "closes": "22:30"}],
        "accessibility": {"en": "Lift to the stalls; wheelchair places.", "zh": "电梯直达池座；设轮椅座位。"},
    },
]

PARTNERS: list[dict[str, Any]] = [
    {
        "slug": "helsinki-city-executive-office",
        "kind": "government",
        "city": "Helsinki",
        "website": "https://www.hel.fi/",
        "names": {
            "en": "City of Helsinki, City Executive Office",
            "fi": "Helsingin kaupunki, kaupunginkanslia",
            "sv": "Helsingfors stad, stadskansliet",
            "zh": "赫尔辛基市政府办公室",
        },
        "editions": {"hsf-2027": "organiser", "moi-helsinki-2027": "organiser"},
    },
    {
        "slug": "beijing-foreign-affairs-office",
        "kind": "government",
        "city": "Beijing",
        "website": "https://wb.beijing.gov.cn/",
        "names": {
            "en": "Foreign Affairs Office of the Beijing Municipality",
            "fi": "Pekingin kaupungin ulkoasiaintoimisto",
            "sv": "Pekings kommuns utrikesbyrå",
            "zh": "北京市人民政府外事办公室",
        },
        "editions": {"hsf-2027": "organiser", "moi-helsinki-2027": "organiser"},
    },
    {
        "slug": "caisa",
        "kind": "cultural",
        "city": "Helsinki",
        "website": "https://www.caisa.fi/",
        "names": {
            "en": "Cultural Centre Caisa",
            "fi": "Kulttuurikeskus Caisa",
            "sv": "Kulturcentret Caisa",
            "zh": "Caisa文化中心",
        },
        "editions": {"hsf-2027": "partner"},
    },
    {
        "slug": "beijing-culture-tourism-bureau",
        "kind": "government",
        "city": "Beijing",
        "website": "https://whlyj.beijing.gov.cn/",
        "names": {
            "en": "Beijing Municipal Bureau of Culture and Tourism",
            "fi": "Pekingin kulttuuri- ja matkailuvirasto",
            "sv": "Pekings kommunala byrå för kultur och turism",
            "zh": "北京市文化和旅游局",
        },
        "editions": {"hsf-2027": "partner", "moi-helsinki-2027": "partner"},
    },
]


@dataclass(frozen=True, slots=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    roles: tuple[tuple[str, Role], ...]
    superuser: bool = False


ACCOUNTS = [
    DemoAccount(f"admin@{DEMO_DOMAIN}", "Ada", "Administrator", (), superuser=True),
    DemoAccount(f"organiser@{DEMO_DOMAIN}", "Olli", "Organiser", (("hsf-2027", Role.ORGANISER),)),
    DemoAccount(f"logistics@{DEMO_DOMAIN}", "Li", "Logistics", (("hsf-2027", Role.LOGISTICS),)),
    DemoAccount(f"boxoffice@{DEMO_DOMAIN}", "Bea", "Box Office", (("hsf-2027", Role.BOX_OFFICE),)),
    DemoAccount(f"gate@{DEMO_DOMAIN}", "Gustav", "Gate", (("hsf-2027", Role.GATE),)),
    DemoAccount(f"performer@{DEMO_DOMAIN}", "Wang", "Fang", (("hsf-2027", Role.PERFORMER),)),
    DemoAccount(f"moi-organiser@{DEMO_DOMAIN}", "Mei", "Organiser", (("moi-helsinki-2027", Role.ORGANISER),)),
]

# Later parts add their own demo data here: async functions run after the core data, in this order.
DEMO_EXTENSIONS: tuple[str, ...] = (
    "schedule.demo:load_programme",
    "ticketing.demo:load_shop",
    "ticketing.demo:load_checkin",
    "festival.logistics.demo:load_logistics",
)
LOGISTICS_DEMO = "festival.logistics.demo:load_logistics"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class DemoReport:
    created: dict[str, int]

    @property
    def changed(self) -> bool:
        return any(self.created.values())


async def load_demo(extensions: tuple[str, ...] = DEMO_EXTENSIONS) -> DemoReport:
    """Insert whatever part of the demo data is missing; return how many rows of each kind were created.

    ``extensions``: which later parts to load (all by default; tests that build their own logistics
    leave out ``LOGISTICS_DEMO``)."""
    created = {"series": 0, "editions": 0, "venues": 0, "partners": 0, "accounts": 0, "roles": 0}
    series_ids: dict[str, int] = {}
    for data in SERIES:
        row = await Series.objects().where(Series.slug == data["slug"]).first()
        if row is None:
            row = Series(**data, updated_at=_now())
            await row.save()
            created["series"] += 1
        series_ids[data["slug"]] = row.id
    edition_ids: dict[str, int] = {}
    for data in EDITIONS:
        ed = await Edition.objects().where(Edition.slug == data["slug"]).first()
        if ed is None:
            ed = Edition(**{**data, "series": series_ids[data["series"]]}, updated_at=_now())
            await ed.save()
            created["editions"] += 1
        edition_ids[data["slug"]] = ed.id
    zones = {e["slug"]: e["time_zone"] for e in EDITIONS}
    for data in VENUES:
        edition_id = edition_ids[data["edition"]]
        if not await Venue.exists().where((Venue.edition == edition_id) & (Venue.slug == data["slug"])):
            fields = {"opening_hours": [], "descriptions": {}, **data, "edition": edition_id}
            await Venue(**fields, time_zone=zones[data["edition"]], updated_at=_now()).save()
            created["venues"] += 1
    for data in PARTNERS:
        fields = {k: v for k, v in data.items() if k != "editions"}
        partner = await Partner.objects().where(Partner.slug == data["slug"]).first()
        if partner is None:
            partner = Partner(**fields, updated_at=_now())
            await partner.save()
            created["partners"] += 1
        for edition_slug, role in data["editions"].items():
            link = (EditionPartner.edition == edition_ids[edition_slug]) & (EditionPartner.partner == partner.id)
            if not await EditionPartner.exists().where(link):
                await EditionPartner(edition=edition_ids[edition_slug], partner=partner.id, role=role).save()
    for account in ACCOUNTS:
        user = await BaseUser.objects().where(BaseUser.username == account.email).first()
        if user is None:
            user = await auth.create_user(
                account.email,
                DEMO_PASSWORD,
                first_name=account.first_name,
                last_name=account.last_name,
                superuser=account.superuser,
            )
            created["accounts"] += 1
        for edition_slug, role in account.roles:
            if await auth.grant_role(int(user.id), edition_slug, role):
                created["roles"] += 1
    for extension in extensions:
        module, _, function = extension.partition(":")
        extra: dict[str, int] = await getattr(importlib.import_module(module), function)()
        created |= extra
    return DemoReport(created=created)


async def demo_accounts_present() -> bool:
    return bool(await BaseUser.exists().where(BaseUser.username == f"organiser@{DEMO_DOMAIN}"))
