"""Demo programme: HSF 2027 in Helsinki (two published versions, so the changelog has content) and
Moi Helsinki 2027 in Beijing. Run by ``festival demo`` through ``festival.demo.DEMO_EXTENSIONS``.

Idempotent: categories and performers are added when missing; an edition that already has programme
items is left alone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from festival.auth.principal import Principal
from festival.people import schemas as ps
from festival.people import services as people
from festival.tables import Edition, Performer, Venue
from schedule import publishing, services, times
from schedule import schemas as s
from schedule.tables import Category, ItemPerformer, ProgrammeItem, Slot

# Demo slots get the same uids on every machine, so links into the demo programme stay valid.
DEMO_NAMESPACE = uuid.UUID("5d6f1f8e-7c2b-4f4e-9a51-2e9b7f1c0a27")
DEMO_ACTOR = Principal(user_id=0, email="demo@demo.festival.example", display_name="Demo", superuser=True)


def _t(en: str, fi: str = "", sv: str = "", zh: str = "") -> dict[str, str]:
    return {k: v for k, v in {"en": en, "fi": fi, "sv": sv, "zh": zh}.items() if v}


CATEGORIES = [
    ("performance", _t("Performance", "Esitys", "Föreställning", "演出"), "#c8102e"),
    ("concert", _t("Concert", "Konsertti", "Konsert", "音乐会"), "#7a1f5c"),
    ("parade", _t("Parade", "Kulkue", "Parad", "游行"), "#d4a017"),
    ("workshop", _t("Workshop", "Työpaja", "Workshop", "工作坊"), "#1f7a4d"),
    ("talk", _t("Talk", "Puhe", "Samtal", "讲座"), "#1f4e7a"),
    ("exhibition", _t("Exhibition", "Näyttely", "Utställning", "展览"), "#5c5c8a"),
    ("market", _t("Market", "Tori", "Marknad", "集市"), "#a0522d"),
    ("fireworks", _t("Fireworks", "Ilotulitus", "Fyrverkeri", "烟花"), "#e4572e"),
]

PERFORMERS: list[dict[str, Any]] = [
    # Beijing
    {
        "slug": "beijing-kungfu-troupe",
        "display_name": "Beijing Kung Fu Troupe",
        "name_zh": "北京功夫团",
        "name_latin": "Beijing Gongfu Tuan",
        "origin": "beijing",
        "biographies": _t(
            "Twelve martial artists from Beijing showing Shaolin and Wudang styles.",
            "Kaksitoista pekingiläistä kamppailutaiteilijaa.",
            zh="十二位来自北京的武术家，展示少林与武当功夫。",
        ),
        "members": [("Zhang Wei", "张伟", "troupe leader"), ("Liu Yang", "刘洋", "performer")],
    },
    {
        "slug": "beijing-lion-dance",
        "display_name": "Beijing Lion and Dragon Dance Company",
        "name_zh": "北京舞狮舞龙团",
        "name_latin": "Beijing Wushi Wulong Tuan",
        "origin": "beijing",
        "biographies": _t(
            "Lion and dragon dances for the new year, with drums and gongs.", zh="新春舞狮舞龙，锣鼓喧天。"
        ),
    },
    {
        "slug": "beijing-youth-orchestra",
        "display_name": "Beijing Youth Chinese Orchestra",
        "name_zh": "北京青少年民族乐团",
        "name_latin": "Beijing Qingshaonian Minzu Yuetuan",
        "origin": "beijing",
        "biographies": _t(
            "Forty young musicians on erhu, pipa, guzheng, dizi and percussion.",
            "Neljäkymmentä nuorta muusikkoa.",
            zh="四十位青少年演奏二胡、琵琶、古筝、笛子与打击乐。",
        ),
    },
    {
        "slug": "peking-opera-ensemble",
        "display_name": "Peking Opera Ensemble",
        "name_zh": "京剧小组",
        "name_latin": "Jingju Xiaozu",
        "origin": "beijing",
        "biographies": _t("Scenes from classic Peking opera, with surtitles.", zh="经典京剧选段，配字幕。"),
    },
    {
        "slug": "li-na-erhu",
        "kind": "person",
        "display_name": "Li Na",
        "name_zh": "李娜",
        "name_latin": "Li Na",
        "origin": "beijing",
        "biographies": _t("Erhu soloist.", "Erhu-solisti.", "Erhu-solist.", "二胡独奏家。"),
    },
    {
        "slug": "beijing-modern-dance",
        "display_name": "Beijing Modern Dance Company",
        "name_zh": "北京现代舞团",
        "name_latin": "Beijing Xiandaiwu Tuan",
        "origin": "beijing",
        "biographies": _t("Contemporary dance rooted in Chinese tradition.", zh="植根于中国传统的当代舞蹈。"),
    },
    {
        "slug": "wang-jun-calligraphy",
        "kind": "person",
        "display_name": "Wang Jun",
        "name_zh": "王军",
        "name_latin": "Wang Jun",
        "origin": "beijing",
        "biographies": _t("Calligrapher and teacher.", zh="书法家、教师。"),
    },
    {
        "slug": "chen-yu-papercut",
        "kind": "person",
        "display_name": "Chen Yu",
        "name_zh": "陈雨",
        "name_latin": "Chen Yu",
        "origin": "beijing",
        "biographies": _t("Paper-cutting artist.", "Paperinleikkaustaiteilija.", zh="剪纸艺术家。"),
    },
    {
        "slug": "beijing-acrobats",
        "display_name": "Beijing Acrobatic Troupe",
        "name_zh": "北京杂技团",
        "name_latin": "Beijing Zaji Tuan",
        "origin": "beijing",
        "biographies": _t("Plate spinning, diabolo and human pyramids.", zh="转碟、抖空竹与叠罗汉。"),
    },
    # Helsinki
    {
        "slug": "helsinki-chinese-choir",
        "display_name": "Helsinki Chinese Choir",
        "name_zh": "赫尔辛基华人合唱团",
        "origin": "helsinki",
        "biographies": _t(
            "Amateur choir singing in Mandarin and Finnish.",
            "Harrastajakuoro, joka laulaa mandariiniksi ja suomeksi.",
            zh="以普通话和芬兰语演唱的业余合唱团。",
        ),
    },
    {
        "slug": "aurora-jazz-trio",
        "display_name": "Aurora Jazz Trio",
        "name_zh": "极光爵士三重奏",
        "origin": "helsinki",
        "biographies": _t(
            "Nordic jazz with guests from Beijing.", "Pohjoismaista jazzia.", zh="北欧爵士，携手北京嘉宾。"
        ),
        "members": [("Aino Laine", "", "piano"), ("Eero Niemi", "", "double bass"), ("Mika Salo", "", "drums")],
    },
    {
        "slug": "helsinki-youth-band",
        "display_name": "Helsinki Youth Wind Band",
        "name_zh": "赫尔辛基青年管乐团",
        "origin": "helsinki",
        "biographies": _t("The parade band.", "Kulkueen soittokunta.", "Paradorkestern.", "游行乐队。"),
    },
    {
        "slug": "kalevala-dancers",
        "display_name": "Kalevala Folk Dancers",
        "name_zh": "卡勒瓦拉民间舞团",
        "origin": "helsinki",
        "biographies": _t("Finnish folk dance.", "Suomalaista kansantanssia.", zh="芬兰民间舞蹈。"),
    },
    {
        "slug": "aino-virtanen-kantele",
        "kind": "person",
        "display_name": "Aino Virtanen",
        "name_zh": "艾诺·维尔塔宁",
        "origin": "helsinki",
        "biographies": _t("Kantele player.", "Kanteleensoittaja.", "Kantelespelare.", "康特勒琴演奏家。"),
    },
    {
        "slug": "helsinki-wushu-club",
        "display_name": "Helsinki Wushu Club",
        "name_zh": "赫尔辛基武术俱乐部",
        "origin": "helsinki",
        "biographies": _t("Wushu for all ages.", "Wushua kaikenikäisille.", zh="老少皆宜的武术。"),
    },
    {
        "slug": "northern-lights-pyro",
        "display_name": "Northern Lights Pyrotechnics",
        "name_zh": "北极光烟花",
        "origin": "helsinki",
        "biographies": _t("The fireworks over Töölönlahti.", "Töölönlahden ilotulitus.", zh="图洛湾上空的烟花。"),
    },
    # Elsewhere
    {
        "slug": "nordic-chinese-design",
        "display_name": "Nordic–Chinese Design Collective",
        "name_zh": "北欧中国设计联合会",
        "origin": "other",
        "biographies": _t(
            "Designers from Shanghai, Stockholm and Helsinki.", zh="来自上海、斯德哥尔摩和赫尔辛基的设计师。"
        ),
    },
    {
        "slug": "dj-lunar",
        "kind": "person",
        "display_name": "DJ Lunar",
        "name_zh": "月亮DJ",
        "origin": "other",
        "biographies": _t("Electronic music from Shanghai.", zh="来自上海的电子音乐。"),
    },
]

# slug, titles, category, performers, languages, admission, tags, [(day, venue, "HH:MM", minutes)]
HSF_ITEMS: list[
    tuple[str, dict[str, str], str, list[str], list[str], str, list[str], list[tuple[int, str, str, int]]]
] = [
    (
        "opening-ceremony",
        _t("Opening ceremony", "Avajaiset", "Öppningsceremoni", "开幕式"),
        "performance",
        ["beijing-lion-dance", "helsinki-youth-band"],
        ["fi", "zh", "en"],
        "free",
        ["culture"],
        [(0, "narinkkatori", "17:00", 60)],
    ),
    (
        "lion-dance",
        _t("Lion dance", "Leijonatanssi", "Lejondans", "舞狮"),
        "performance",
        ["beijing-lion-dance"],
        ["none"],
        "free",
        ["culture"],
        [
            (1, "narinkkatori", "12:00", 30),
            (1, "kansalaistori", "15:00", 30),
            (2, "narinkkatori", "13:00", 30),
            (6, "senaatintori", "14:00", 30),
        ],
    ),
    (
        "kungfu-show",
        _t("Kung fu show", "Kung fu -näytös", "Kung fu-uppvisning", "功夫表演"),
        "performance",
        ["beijing-kungfu-troupe"],
        ["none"],
        "free",
        ["culture", "winter-sports"],
        [
            (1, "kansalaistori", "13:00", 45),
            (2, "kansalaistori", "14:00", 45),
            (7, "narinkkatori", "16:00", 45),
            (8, "narinkkatori", "13:00", 45),
        ],
    ),
    (
        "new-year-parade",
        _t("New Year parade", "Uudenvuoden kulkue", "Nyårsparad", "新春游行"),
        "parade",
        ["beijing-lion-dance", "helsinki-youth-band", "helsinki-wushu-club"],
        ["none"],
        "free",
        ["culture"],
        [(1, "keskuskatu", "16:00", 90)],
    ),
    (
        "orchestra-gala",
        _t(
            "Beijing Youth Orchestra gala",
            "Pekingin nuoriso-orkesterin gaala",
            "Pekings ungdomsorkesters gala",
            "北京青少年民族乐团专场音乐会",
        ),
        "concert",
        ["beijing-youth-orchestra", "li-na-erhu"],
        ["none"],
        "ticketed",
        ["culture", "education"],
        [(2, "musiikkitalo", "19:00", 120), (3, "musiikkitalo", "19:00", 120)],
    ),
    (
        "peking-opera",
        _t("Peking opera scenes", "Pekingin ooppera", "Pekingopera", "京剧选段"),
        "performance",
        ["peking-opera-ensemble"],
        ["zh"],
        "ticketed",
        ["culture"],
        [(4, "musiikkitalo", "18:30", 90), (5, "musiikkitalo", "18:30", 90)],
    ),
    (
        "erhu-and-kantele",
        _t("Erhu meets kantele", "Erhu kohtaa kanteleen", "Erhu möter kantele", "二胡遇见康特勒琴"),
        "concert",
        ["li-na-erhu", "aino-virtanen-kantele"],
        ["none"],
        "ticketed",
        ["culture"],
        [(6, "musiikkitalo", "17:00", 75)],
    ),
    (
        "calligraphy-workshop",
        _t("Calligraphy workshop", "Kalligrafiatyöpaja", "Kalligrafiverkstad", "书法工作坊"),
        "workshop",
        ["wang-jun-calligraphy"],
        ["zh", "en"],
        "registration",
        ["culture", "education"],
        [(1, "oodi", "13:00", 90), (2, "oodi", "13:00", 90), (8, "oodi", "17:00", 90), (9, "oodi", "13:00", 90)],
    ),
    (
        "paper-cutting",
        _t("Paper-cutting for families", "Paperinleikkausta perheille", "Pappersklipp för familjer", "亲子剪纸"),
        "workshop",
        ["chen-yu-papercut"],
        ["zh", "fi"],
        "registration",
        ["culture", "education"],
        [(1, "caisa", "12:00", 60), (3, "caisa", "16:00", 60), (4, "caisa", "16:00", 60), (8, "caisa", "12:00", 60)],
    ),
    (
        "acrobatics",
        _t("Acrobatics on the square", "Akrobatiaa torilla", "Akrobatik på torget", "广场杂技"),
        "performance",
        ["beijing-acrobats"],
        ["none"],
        "free",
        ["culture"],
        [(2, "senaatintori", "15:00", 40), (7, "senaatintori", "15:00", 40), (9, "kansalaistori", "15:00", 40)],
    ),
    (
        "chinese-choir",
        _t("Songs of spring", "Kevään lauluja", "Vårens sånger", "春之歌"),
        "concert",
        ["helsinki-chinese-choir"],
        ["zh", "fi"],
        "free",
        ["culture"],
        [(3, "oodi", "18:00", 45), (7, "oodi", "15:00", 45)],
    ),
    (
        "jazz-night",
        _t("Aurora Jazz night", "Aurora-jazzilta", "Aurora-jazzkväll", "极光爵士之夜"),
        "concert",
        ["aurora-jazz-trio", "li-na-erhu"],
        ["none"],
        "ticketed",
        ["culture"],
        [(4, "caisa", "19:00", 90)],
    ),
    (
        "folk-dance",
        _t("Finnish folk dance", "Kansantanssia", "Folkdans", "芬兰民间舞"),
        "performance",
        ["kalevala-dancers"],
        ["none"],
        "free",
        ["culture"],
        [(2, "narinkkatori", "15:00", 30), (6, "narinkkatori", "15:00", 30)],
    ),
    (
        "wushu-for-all",
        _t("Wushu for everyone", "Wushua kaikille", "Wushu för alla", "全民武术"),
        "workshop",
        ["helsinki-wushu-club"],
        ["fi", "en"],
        "registration",
        ["winter-sports", "education"],
        [(3, "kansalaistori", "17:00", 60), (5, "kansalaistori", "17:00", 60)],
    ),
    (
        "modern-dance",
        _t("Ink and snow", "Mustetta ja lunta", "Bläck och snö", "墨与雪"),
        "performance",
        ["beijing-modern-dance"],
        ["none"],
        "ticketed",
        ["culture", "design"],
        [(5, "caisa", "19:00", 70), (6, "caisa", "14:00", 70)],
    ),
    (
        "design-talk",
        _t(
            "Design between two capitals",
            "Muotoilua kahden pääkaupungin välillä",
            "Design mellan två huvudstäder",
            "两座首都之间的设计",
        ),
        "talk",
        ["nordic-chinese-design"],
        ["en"],
        "free",
        ["design", "startups"],
        [(4, "oodi", "17:00", 60)],
    ),
    (
        "startup-breakfast",
        _t("Helsinki–Beijing startup breakfast", "Startup-aamiainen", "Startupfrukost", "赫尔辛基—北京创业早餐会"),
        "talk",
        ["nordic-chinese-design"],
        ["en", "zh"],
        "registration",
        ["startups"],
        [(3, "oodi", "09:00", 90)],
    ),
    (
        "lantern-exhibition",
        _t("Lantern exhibition", "Lyhtynäyttely", "Lyktutställning", "花灯展"),
        "exhibition",
        ["chen-yu-papercut"],
        ["none"],
        "free",
        ["culture", "design"],
        [(0, "senaatintori", "15:00", 300), (5, "senaatintori", "15:00", 300)],
    ),
    (
        "new-year-market",
        _t("New Year market", "Uudenvuoden tori", "Nyårsmarknad", "新春集市"),
        "market",
        [],
        ["none"],
        "free",
        ["culture"],
        [(1, "narinkkatori", "10:00", 105), (2, "narinkkatori", "10:00", 120), (8, "narinkkatori", "10:00", 120)],
    ),
    (
        "dj-lunar-night",
        _t("Lunar beats", "Kuun rytmit", "Månrytmer", "月光节拍"),
        "concert",
        ["dj-lunar"],
        ["none"],
        "ticketed",
        ["culture"],
        [(8, "caisa", "19:00", 120)],
    ),
    (
        "fireworks",
        _t("Fireworks over Töölönlahti", "Ilotulitus Töölönlahdella", "Fyrverkeri över Tölöviken", "图洛湾烟花"),
        "fireworks",
        ["northern-lights-pyro"],
        ["none"],
        "free",
        ["culture"],
        [(9, "toolonlahti", "20:00", 20)],
    ),
    (
        "closing-concert",
        _t("Closing concert", "Päätöskonsertti", "Avslutningskonsert", "闭幕音乐会"),
        "concert",
        ["beijing-youth-orchestra", "helsinki-youth-band", "aino-virtanen-kantele"],
        ["none"],
        "ticketed",
        ["culture"],
        [(9, "musiikkitalo", "17:00", 120)],
    ),
    (
        "tai-chi-morning",
        _t("Tai chi in the morning", "Aamun tai chi", "Tai chi på morgonen", "晨练太极"),
        "workshop",
        ["helsinki-wushu-club"],
        ["fi", "zh"],
        "free",
        ["winter-sports"],
        [(7, "kansalaistori", "10:00", 45), (8, "kansalaistori", "10:00", 45)],
    ),
]

# Version 2 changes: the opera's second night is cancelled, the jazz night moves, one item is renamed,
# one item is new.
HSF_CANCELLED_ITEM = "dj-lunar-night"
HSF_NEW_ITEM = (
    "dumpling-workshop",
    _t("Dumpling workshop", "Nyyttityöpaja", "Dumplingverkstad", "包饺子工作坊"),
    "workshop",
    ["helsinki-chinese-choir"],
    ["zh", "fi"],
    "registration",
    ["culture", "education"],
    [(3, "caisa", "12:00", 90), (9, "oodi", "15:00", 90)],
)

MOI_ITEMS: list[
    tuple[str, dict[str, str], str, list[str], list[str], str, list[str], list[tuple[int, str, str, int]]]
] = [
    (
        "moi-opening",
        _t("Moi Helsinki opening", "Moi Helsinki -avajaiset", zh="你好赫尔辛基开幕式"),
        "performance",
        ["helsinki-youth-band", "kalevala-dancers"],
        ["zh", "fi"],
        "free",
        ["culture"],
        [(0, "xidan-cultural-square", "18:00", 60)],
    ),
    (
        "finnish-design-week",
        _t("Finnish design exhibition", "Suomalaisen muotoilun näyttely", zh="芬兰设计展"),
        "exhibition",
        ["nordic-chinese-design"],
        ["none"],
        "free",
        ["design"],
        [(d, "798-art-district", "10:00", 480) for d in (1, 2, 4, 5, 6, 7)],  # closed on Mondays
    ),
    (
        "kantele-recital",
        _t("Kantele recital", "Kanteleresitaali", zh="康特勒琴独奏会"),
        "concert",
        ["aino-virtanen-kantele"],
        ["none"],
        "ticketed",
        ["culture"],
        [(2, "beijing-concert-hall", "19:30", 90), (5, "beijing-concert-hall", "19:30", 90)],
    ),
    (
        "aurora-in-beijing",
        _t("Aurora Jazz Trio in Beijing", "Aurora Jazz Trio Pekingissä", zh="极光爵士三重奏北京专场"),
        "concert",
        ["aurora-jazz-trio"],
        ["none"],
        "ticketed",
        ["culture"],
        [(3, "beijing-concert-hall", "19:30", 100), (8, "beijing-concert-hall", "19:30", 100)],
    ),
    (
        "folk-dance-square",
        _t("Finnish folk dance on the square", "Kansantanssia aukiolla", zh="广场芬兰民间舞"),
        "performance",
        ["kalevala-dancers"],
        ["none"],
        "free",
        ["culture"],
        [
            (1, "xidan-cultural-square", "15:00", 40),
            (4, "xidan-cultural-square", "15:00", 40),
            (6, "xidan-cultural-square", "15:00", 40),
        ],
    ),
    (
        "startup-forum",
        _t("Helsinki startup forum", "Helsingin startup-foorumi", zh="赫尔辛基创业论坛"),
        "talk",
        ["nordic-chinese-design"],
        ["en", "zh"],
        "registration",
        ["startups"],
        [(3, "beijing-concert-hall", "14:00", 120)],
    ),
    (
        "moi-closing",
        _t("Moi Helsinki closing concert", "Päätöskonsertti", zh="你好赫尔辛基闭幕音乐会"),
        "concert",
        ["helsinki-youth-band", "aurora-jazz-trio"],
        ["none"],
        "free",
        ["culture"],
        [(9, "xidan-cultural-square", "19:00", 90)],
    ),
]


async def _load_categories() -> int:
    created = 0
    for position, (slug, names, colour) in enumerate(CATEGORIES):
        if not await Category.exists().where(Category.slug == slug):
            await services.create_category(s.CategoryIn(slug=slug, names=names, colour=colour, position=position))
            created += 1
    return created


async def _load_performers() -> int:
    created = 0
    for data in PERFORMERS:
        if await Performer.exists().where(Performer.slug == data["slug"]):
            continue
        members = [ps.MemberIn(display_name=n, name_zh=zh, role=r) for n, zh, r in data.get("members", [])]
        fields = {k: v for k, v in data.items() if k != "members"}
        email = f"{data['slug']}@demo.festival.example"
        await people.create_performer(ps.PerformerIn(**fields, contact_email=email, members=members))
        created += 1
    return created


async def _add_items(edition: str, first_day: dt.date, entries: list[tuple[Any, ...]]) -> int:
    """Insert items, their performers and their (confirmed) slots in a few bulk queries.

    The demo is loaded for many tests, so it skips the one-row-at-a-time services; the values are
    the same ones the services would store (local times converted by ``times.to_utc``).
    """
    ed = await Edition.select(Edition.id).where(Edition.slug == edition).first()
    edition_id = (ed or {})["id"]
    venues = {
        v["slug"]: v
        for v in await Venue.select(Venue.id, Venue.slug, Venue.time_zone).where(Venue.edition == edition_id)
    }
    categories = {c["slug"]: c["id"] for c in await Category.select(Category.id, Category.slug)}
    performers = {p["slug"]: p["id"] for p in await Performer.select(Performer.id, Performer.slug)}
    now = dt.datetime.now(dt.UTC)
    await ProgrammeItem.insert(
        *[
            ProgrammeItem(
                edition=edition_id,
                slug=slug,
                titles=titles,
                descriptions={k: f"{v}." for k, v in titles.items()},
                category=categories[category],
                tags=tags,
                languages=languages,
                admission=admission,
                updated_at=now,
            )
            for slug, titles, category, _, languages, admission, tags, _ in entries
        ]
    )
    items = {
        r["slug"]: r["id"]
        for r in await ProgrammeItem.select(ProgrammeItem.id, ProgrammeItem.slug).where(
            ProgrammeItem.edition == edition_id
        )
    }
    links = [
        ItemPerformer(item=items[entry[0]], performer=performers[slug], position=i)
        for entry in entries
        for i, slug in enumerate(entry[3])
    ]
    if links:
        await ItemPerformer.insert(*links)
    slots = []
    for slug, _, _, _, _, admission, _, runs in entries:
        for day, venue, clock, minutes in runs:
            start = dt.datetime.combine(first_day + dt.timedelta(days=day), dt.time.fromisoformat(clock))
            zone = venues[venue]["time_zone"]
            slots.append(
                Slot(
                    edition=edition_id,
                    uid=uuid.uuid5(DEMO_NAMESPACE, f"{edition}/{slug}/{day}/{venue}/{clock}"),
                    kind="public",
                    item=items[slug],
                    venue=venues[venue]["id"],
                    starts_at=times.to_utc(start, zone, "start"),
                    ends_at=times.to_utc(start + dt.timedelta(minutes=minutes), zone, "end"),
                    status="confirmed",
                    capacity=150 if admission == "ticketed" and venue == "caisa" else None,
                    updated_at=now,
                )
            )
    await Slot.insert(*slots)
    return len(slots)


async def _edition_has_programme(slug: str) -> tuple[bool, dt.date]:
    ed = await Edition.select(Edition.id, Edition.first_day).where(Edition.slug == slug).first()
    if ed is None:  # pragma: no cover - the core demo made it
        raise LookupError(slug)
    return await ProgrammeItem.exists().where(ProgrammeItem.edition == ed["id"]), ed["first_day"]


async def _load_hsf() -> int:
    present, first_day = await _edition_has_programme("hsf-2027")
    if present:
        return 0
    await _add_items("hsf-2027", first_day, HSF_ITEMS)
    # An internal slot: the orchestra's soundcheck, never public.
    soundcheck = dt.datetime.combine(first_day + dt.timedelta(days=2), dt.time(16, 0))
    await services.create_slot(
        DEMO_ACTOR,
        "hsf-2027",
        s.SlotIn(
            venue="musiikkitalo",
            start=soundcheck.isoformat(),
            end=(soundcheck + dt.timedelta(hours=2)).isoformat(),
            item="orchestra-gala",
            kind="soundcheck",
            status="confirmed",
        ),
    )
    await publishing.publish(
        DEMO_ACTOR,
        "hsf-2027",
        s.PublishIn(name="Programme announced", comment="The first full programme.", acknowledge_warnings=True),
        None,
    )
    await _version_two(first_day)
    return int(await Slot.count().where(Slot.edition.slug == "hsf-2027"))


async def _version_two(first_day: dt.date) -> None:
    edition_id = (await Edition.select(Edition.id).where(Edition.slug == "hsf-2027").first() or {})["id"]
    cancelled = (
        await ProgrammeItem.select(ProgrammeItem.id)
        .where((ProgrammeItem.edition == edition_id) & (ProgrammeItem.slug == HSF_CANCELLED_ITEM))
        .first()
    )
    await Slot.update({Slot.status: "cancelled"}).where(Slot.item == (cancelled or {})["id"])
    jazz = await Slot.select(Slot.id).where(Slot.item.slug == "jazz-night").first()
    moved = dt.datetime.combine(first_day + dt.timedelta(days=4), dt.time(19, 30))
    await services.update_slot(
        DEMO_ACTOR,
        "hsf-2027",
        (jazz or {})["id"],
        s.SlotPatch(start=moved.isoformat(), end=(moved + dt.timedelta(minutes=90)).isoformat()),
    )
    await services.update_item(
        DEMO_ACTOR,
        "hsf-2027",
        "chinese-choir",
        s.ItemPatch(
            titles=_t("Songs of spring and snow", "Kevään ja lumen lauluja", "Vårens och snöns sånger", "春雪之歌")
        ),
    )
    await _add_items("hsf-2027", first_day, [HSF_NEW_ITEM])
    # A draft slot that is not published yet and clashes: the organisers' grid shows its warning.
    clash = dt.datetime.combine(first_day + dt.timedelta(days=1), dt.time(12, 45))
    await services.create_slot(
        DEMO_ACTOR,
        "hsf-2027",
        s.SlotIn(
            venue="kansalaistori",
            start=clash.isoformat(),
            end=(clash + dt.timedelta(minutes=30)).isoformat(),
            item="lion-dance",
        ),
    )
    await publishing.publish(
        DEMO_ACTOR,
        "hsf-2027",
        s.PublishIn(
            name="Updated programme",
            comment="Lunar beats is cancelled; the jazz night starts later; a dumpling workshop is added.",
            acknowledge_warnings=True,
        ),
        None,
    )


async def _load_moi() -> int:
    present, first_day = await _edition_has_programme("moi-helsinki-2027")
    if present:
        return 0
    count = await _add_items("moi-helsinki-2027", first_day, MOI_ITEMS)
    await publishing.publish(
        DEMO_ACTOR,
        "moi-helsinki-2027",
        s.PublishIn(name="Programme announced", acknowledge_warnings=True),
        None,
    )
    return count


async def load_programme() -> dict[str, int]:
    """Add the demo programme where it is missing; return how many rows of each kind were created."""
    return {
        "categories": await _load_categories(),
        "performers": await _load_performers(),
        "slots": await _load_hsf() + await _load_moi(),
    }
