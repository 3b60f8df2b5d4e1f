"""Programme page and programme API of a large edition: latency and SQL queries per request (issue 3).

    .venv/bin/python -m benchmarks.programme [--database sqlite|postgres] [--slots 2000] [--requests 300]

Builds a throwaway database (SQLite in a temporary folder, or a PostgreSQL database created on
``--postgres-url`` and dropped afterwards), migrates it, loads the demo, then adds two published
benchmark editions of 20 venues over 10 days: ``bench-2027`` with ``--slots`` slots and
``bench-small-2027`` with ``--compare-slots`` (one item per five slots, performers, categories,
several languages; rows inserted in bulk, then published with ``schedule.publishing.publish``).

The real app (``create_app``) is served in-process: its lifespan runs and requests go through
``httpx.ASGITransport``, one at a time, no network and no uvicorn. Each kind of request is sent once
cold (the "first" column: the very first row is the process's first request, with an empty snapshot
cache), then ``--warmup`` times unmeasured, then ``--requests`` times measured. SQL queries are
counted by wrapping the engine's ``run_querystring`` and ``run_ddl``, which every Piccolo query of
both engines goes through (pool, new connection or transaction).

Exit status 0 when every request answered as expected, whether or not the target is met; 1 when a
request answered otherwise (the tables are printed anyway); 2 when the set-up failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import gc
import io
import logging
import math
import os
import platform
import pstats
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIG = "bench-2027"
SMALL = "bench-small-2027"
VENUES = 20
DAYS = 10
FIRST_DAY = dt.date(2027, 3, 1)
TIME_ZONE = "Europe/Helsinki"
SLOTS_PER_ITEM = 5
PERFORMERS = 80
CHUNK = 250  # rows per INSERT: well under SQLite's limit of bound variables
TARGET_P99_MS = 50.0
FILTER_VENUE = "venue-01"  # slot 0 is there: present at every size
SEARCH_WORD = "lantern"
NAMESPACE = uuid.UUID("0b6f3c1e-2f4a-4d5e-9a8b-7c6d5e4f3a2b")
DEFAULT_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


# --- what the benchmark editions contain -------------------------------------------------------


def _t(en: str, fi: str, sv: str, zh: str) -> dict[str, str]:
    return {"en": en, "fi": fi, "sv": sv, "zh": zh}


NOUNS = [
    _t("Lantern", "Lyhty", "Lykta", "灯笼"),
    _t("Dragon", "Lohikäärme", "Drake", "龙"),
    _t("Erhu", "Erhu", "Erhu", "二胡"),
    _t("Kantele", "Kantele", "Kantele", "康特勒琴"),
    _t("Snow", "Lumi", "Snö", "雪"),
    _t("Spring", "Kevät", "Vår", "春"),
    _t("Tea", "Tee", "Te", "茶"),
    _t("Silk", "Silkki", "Siden", "丝绸"),
    _t("Ink", "Muste", "Bläck", "墨"),
    _t("Drum", "Rumpu", "Trumma", "鼓"),
    _t("Moon", "Kuu", "Måne", "月"),
    _t("Harbour", "Satama", "Hamn", "港"),
]
KINDS = [
    ("performance", _t("show", "esitys", "föreställning", "表演")),
    ("concert", _t("concert", "konsertti", "konsert", "音乐会")),
    ("workshop", _t("workshop", "työpaja", "verkstad", "工作坊")),
    ("talk", _t("talk", "puhe", "samtal", "讲座")),
    ("exhibition", _t("exhibition", "näyttely", "utställning", "展览")),
    ("parade", _t("parade", "kulkue", "parad", "游行")),
    ("market", _t("market", "tori", "marknad", "集市")),
]
LANGUAGE_SETS = [["fi"], ["en"], ["zh"], ["fi", "en"], ["zh", "en"], ["sv", "fi"], ["none"], ["zh", "fi", "en"]]
ADMISSIONS = ["free", "free", "registration", "ticketed"]
TAGS = [["culture"], ["culture", "education"], ["design"], ["startups", "design"], ["winter-sports"]]
ACTOR_EMAIL = "bench@bench.festival.example"


def _item_texts(n: int) -> tuple[dict[str, str], dict[str, str], str]:
    noun = NOUNS[n % len(NOUNS)]
    category, kind = KINDS[(n // len(NOUNS)) % len(KINDS)]
    titles = {lang: f"{noun[lang]} {kind[lang]} {n + 1}" for lang in noun}
    titles["zh"] = f"{noun['zh']}{kind['zh']}{n + 1}"
    descriptions = {
        "en": f"{titles['en']}: an hour of {noun['en'].lower()} and {kind['en']} for the whole family, "
        "with guests from Beijing and Helsinki. Step-free; the hall has an induction loop.",
        "fi": f"{titles['fi']}: tunti ohjelmaa koko perheelle, vieraina pekingiläisiä ja helsinkiläisiä "
        "esiintyjiä. Esteetön; salissa on induktiosilmukka.",
        "sv": f"{titles['sv']}: en timme för hela familjen, med gäster från Peking och Helsingfors. "
        "Tillgängligt; salen har hörslinga.",
        "zh": f"{titles['zh']}：适合全家的一小时活动，北京和赫尔辛基的嘉宾共同参与。无障碍通道，设有助听环路。",
    }
    return titles, descriptions, category


@dataclass(frozen=True)
class EditionSize:
    slug: str
    slots: int
    items: int
    venues: int
    days: int


async def _insert(table: Any, rows: list[Any]) -> None:
    for start in range(0, len(rows), CHUNK):
        await table.insert(*rows[start : start + CHUNK])


async def _bench_performers(now: dt.datetime) -> dict[str, int]:
    """Performers shared by the benchmark editions (inserted once), slug -> id."""
    from festival.tables import Performer

    existing = {r["slug"] for r in await Performer.select(Performer.slug).where(Performer.slug.like("bench-%"))}
    origins = ["beijing", "helsinki", "other"]
    missing = [
        Performer(
            slug=f"bench-performer-{i:02d}",
            kind="group" if i % 3 else "person",
            origin=origins[i % 3],
            display_name=f"Bench Ensemble {i:02d}",
            name_zh=f"基准乐团{i:02d}",
            name_latin=f"Jizhun Yuetuan {i:02d}",
            biographies=_t(f"Ensemble {i}.", f"Yhtye {i}.", f"Ensemble {i}.", f"乐团{i}。"),
            contact_email=f"bench-performer-{i:02d}@bench.festival.example",
            updated_at=now,
        )
        for i in range(1, PERFORMERS + 1)
        if f"bench-performer-{i:02d}" not in existing
    ]
    await _insert(Performer, missing)
    return {r["slug"]: r["id"] for r in await Performer.select(Performer.id, Performer.slug)}


async def build_edition(slug: str, slots: int) -> EditionSize:
    """A published edition with ``slots`` public slots, bulk inserted like ``schedule.demo._add_items``."""
    from festival.auth.principal import Principal
    from festival.tables import Edition, Series, Venue
    from schedule import publishing, times
    from schedule.schemas import PublishIn
    from schedule.tables import Category, ItemPerformer, ProgrammeItem, Slot

    now = dt.datetime.now(dt.UTC)
    series = await Series.select(Series.id).where(Series.slug == "helsinki-spring-festival").first()
    if series is None:
        raise RuntimeError("the demo series helsinki-spring-festival is missing")
    await Edition.insert(
        Edition(
            series=series["id"],
            year=FIRST_DAY.year,
            slug=slug,
            names=_t(f"Benchmark {slug}", f"Vertailu {slug}", f"Prestanda {slug}", f"基准 {slug}"),
            descriptions=_t("A large programme.", "Suuri ohjelma.", "Ett stort program.", "大型节目单。"),
            city=_t("Helsinki", "Helsinki", "Helsingfors", "赫尔辛基"),
            time_zone=TIME_ZONE,
            first_day=FIRST_DAY,
            last_day=FIRST_DAY + dt.timedelta(days=DAYS - 1),
            currency="EUR",
            languages=["fi", "en", "sv", "zh"],
            status="published",
            updated_at=now,
        )
    )
    edition_id = (await Edition.select(Edition.id).where(Edition.slug == slug).first() or {})["id"]
    await _insert(
        Venue,
        [
            Venue(
                edition=edition_id,
                slug=f"venue-{v:02d}",
                names=_t(f"Hall {v}", f"Sali {v}", f"Sal {v}", f"{v}号厅"),
                address=f"Benchmarkinkatu {v}, 00100 Helsinki",
                latitude=60.17 + v / 1000,
                longitude=24.94 + v / 1000,
                capacity=200 + 50 * v,
                time_zone=TIME_ZONE,
                accessibility=_t("Step-free.", "Esteetön.", "Tillgängligt.", "无障碍。"),
                changeover_min=10,
                updated_at=now,
            )
            for v in range(1, VENUES + 1)
        ],
    )
    venues = {r["slug"]: r["id"] for r in await Venue.select(Venue.id, Venue.slug).where(Venue.edition == edition_id)}
    categories = {r["slug"]: r["id"] for r in await Category.select(Category.id, Category.slug)}
    performers = await _bench_performers(now)
    item_count = max(1, math.ceil(slots / SLOTS_PER_ITEM))
    rows = []
    for n in range(item_count):
        titles, descriptions, category = _item_texts(n)
        rows.append(
            ProgrammeItem(
                edition=edition_id,
                slug=f"item-{n + 1:04d}",
                titles=titles,
                descriptions=descriptions,
                category=categories[category],
                tags=TAGS[n % len(TAGS)],
                languages=LANGUAGE_SETS[n % len(LANGUAGE_SETS)],
                admission=ADMISSIONS[n % len(ADMISSIONS)],
                updated_at=now,
            )
        )
    await _insert(ProgrammeItem, rows)
    items = {
        r["slug"]: r["id"]
        for r in await ProgrammeItem.select(ProgrammeItem.id, ProgrammeItem.slug).where(
            ProgrammeItem.edition == edition_id
        )
    }
    links = []
    for n in range(item_count):
        chosen = {(n * 7 + k * 13) % PERFORMERS + 1 for k in range(1 + n % 3)}  # 1 to 3 performers
        links += [
            ItemPerformer(item=items[f"item-{n + 1:04d}"], performer=performers[f"bench-performer-{p:02d}"], position=i)
            for i, p in enumerate(sorted(chosen))
        ]
    await _insert(ItemPerformer, links)
    # Runs spread evenly over every venue and day, 10:00 to 23:00, with a changeover between them.
    per_venue_day = math.ceil(slots / (VENUES * DAYS))
    step = 780 // per_venue_day
    length = max(15, min(90, step - 10))
    slot_rows = []
    for index in range(slots):
        run, place = divmod(index, VENUES * DAYS)
        day, venue = divmod(place, VENUES)
        start = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=day), dt.time(10)) + dt.timedelta(minutes=run * step)
        item = (index * 7) % item_count
        slot_rows.append(
            Slot(
                edition=edition_id,
                uid=uuid.uuid5(NAMESPACE, f"{slug}/{index}"),
                kind="public",
                item=items[f"item-{item + 1:04d}"],
                venue=venues[f"venue-{venue + 1:02d}"],
                starts_at=times.to_utc(start, TIME_ZONE, "start"),
                ends_at=times.to_utc(start + dt.timedelta(minutes=length), TIME_ZONE, "end"),
                status="cancelled" if index % 50 == 49 else "confirmed",
                capacity=None,
                updated_at=now,
            )
        )
    await _insert(Slot, slot_rows)
    actor = Principal(user_id=0, email=ACTOR_EMAIL, display_name="Benchmark", superuser=True)
    await publishing.publish(actor, slug, PublishIn(name="Benchmark programme", acknowledge_warnings=True), None)
    return EditionSize(slug=slug, slots=slots, items=item_count, venues=VENUES, days=DAYS)


# --- counting queries and timing requests ------------------------------------------------------


IN_REQUEST: ContextVar[bool] = ContextVar("in_request", default=False)


class QueryCounter:
    """Counts the statements ``engine`` runs for the request being measured (``record`` keeps their text).

    Piccolo's engines have ``__slots__``, so the methods are wrapped on the engine's class (for this
    process only). ``httpx.ASGITransport`` runs the app in the caller's task, so a statement belongs to
    the request when ``IN_REQUEST`` is set; the in-process jobs run in their own tasks and are counted
    apart (``outside``).
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.count = 0
        self.outside = 0
        self.record = False
        self.statements: list[str] = []
        for name in ("run_querystring", "run_ddl"):
            setattr(type(engine), name, self._wrap(getattr(type(engine), name)))

    def _wrap(self, original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def counted(engine: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            if engine is self.engine and not IN_REQUEST.get():
                self.outside += 1
            elif engine is self.engine:
                self.count += 1
                if self.record:
                    self.statements.append(" ".join(str(query).split()))
            return await original(engine, query, *args, **kwargs)

        return counted

    def reset(self) -> None:
        self.count = 0
        self.statements = []


class GcWatch:
    """Pauses of full (generation 2) garbage collections, the usual cause of a lone slow request."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started: float | None = None
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.pauses.append((time.perf_counter() - self._started) * 1000)
            self._started = None


@dataclass(frozen=True)
class Scenario:
    label: str
    path: str
    expect: int = 200
    revalidate: bool = False  # send If-None-Match with the ETag of a first GET
    api: bool = True


def scenarios(slug: str) -> list[Scenario]:
    api = f"/api/v1/editions/{slug}/programme"
    return [
        Scenario("API ?limit=100", f"{api}?limit=100"),
        Scenario(f"API ?venue={FILTER_VENUE}&limit=100", f"{api}?venue={FILTER_VENUE}&limit=100"),
        Scenario(f"API ?q={SEARCH_WORD}&limit=100", f"{api}?q={SEARCH_WORD}&limit=100"),
        Scenario("API 304 (If-None-Match)", f"{api}?limit=100", expect=304, revalidate=True),
        Scenario(f"page /{slug}/", f"/{slug}/", api=False),
        Scenario(f"page /{slug}/?venue={FILTER_VENUE}", f"/{slug}/?venue={FILTER_VENUE}", api=False),
    ]


@dataclass
class Row:
    scenario: Scenario
    first_ms: float = 0.0
    first_queries: int = 0
    samples: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this process's CPU time per request (every thread)
    queries: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    size: int = 0
    statements: list[str] = field(default_factory=list)
    profile: str = ""
    gc_pauses: list[float] = field(default_factory=list)
    first_gc: float = 0.0  # ms of full collections during the first request

    @property
    def ok(self) -> bool:
        return set(self.statuses) == {self.scenario.expect}

    def percentile(self, p: float, cpu: bool = False) -> float:
        ordered = sorted(self.cpu if cpu else self.samples)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def query_range(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}–{high}"

    @property
    def status_text(self) -> str:
        return ",".join(f"{s}" if n == sum(self.statuses.values()) else f"{s}×{n}" for s, n in self.statuses.items())


async def measure(
    client: Any,
    counter: QueryCounter,
    gc_watch: GcWatch,
    scenario: Scenario,
    requests: int,
    warmup: int,
    profile: str | None = None,
) -> Row:
    headers: dict[str, str] = {}
    if scenario.revalidate:
        first = await client.get(scenario.path)
        headers["If-None-Match"] = first.headers.get("etag", '"none"')
    row = Row(scenario)

    async def one() -> tuple[float, float, int, Any]:
        counter.reset()
        token = IN_REQUEST.set(True)
        try:
            cpu, started = time.process_time(), time.perf_counter()
            response = await client.get(scenario.path, headers=headers)
            elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
            return elapsed, cpu, counter.count, response
        finally:
            IN_REQUEST.reset(token)

    gc_watch.pauses.clear()
    row.first_ms, _, row.first_queries, response = await one()
    row.first_gc = sum(gc_watch.pauses)
    row.statuses[response.status_code] += 1
    for _ in range(warmup):
        await one()
    counter.record = True
    _, _, _, response = await one()  # one warm request with its SQL kept, for --show-queries
    counter.record = False
    row.statements = list(counter.statements)
    row.size = len(response.content)
    gc_watch.pauses.clear()
    profiler = cProfile.Profile() if profile and profile in scenario.label else None
    if profiler:
        profiler.enable()
    for _ in range(requests):
        elapsed, cpu, queries, response = await one()
        row.samples.append(elapsed)
        row.cpu.append(cpu)
        row.queries.append(queries)
        row.statuses[response.status_code] += 1
    row.gc_pauses = list(gc_watch.pauses)
    if profiler:
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(r"festival|schedule|jinja2|gzip|msgspec", 25)
        row.profile = out.getvalue()
    return row


# --- printing -----------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Aligned columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def latency_table(rows: list[Row]) -> str:
    body = [
        [
            r.scenario.label,
            r.status_text,
            f"{r.size / 1024:.1f}",
            f"{r.first_ms:.1f}" + (f" (GC {r.first_gc:.0f})" if r.first_gc else ""),
            f"{r.percentile(50):.1f}",
            f"{r.percentile(95):.1f}",
            f"{r.percentile(99):.1f}",
            f"{max(r.samples):.1f}",
            f"{r.percentile(50, cpu=True):.1f}",
            f"{r.percentile(99, cpu=True):.1f}",
            str(r.first_queries),
            r.query_range,
            f"{len(r.gc_pauses)}" + (f" / {max(r.gc_pauses):.0f}" if r.gc_pauses else ""),
        ]
        for r in rows
    ]
    headers = [
        *("request", "status", "body KiB", "first ms", "median", "p95", "p99", "max", "cpu p50", "cpu p99"),
        *("q first", "q/request"),
        "full GC n / max ms",
    ]
    return table(headers, body)


def machine_line(database: str) -> str:
    model = ""
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = f"{os.cpu_count()} cores" + (f" ({model})" if model else "")
    return f"{cores}, {platform.system()} {platform.release()}, Python {platform.python_version()}, {database}"


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str
    url: str
    description: str = ""
    drop: Callable[[], Awaitable[None]] | None = None


async def _postgres(admin_url: str) -> Database:
    import asyncpg

    name = f"festival_bench_{os.getpid()}_{secrets.token_hex(3)}"
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        version = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(admin_url, timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    host = admin_url.rsplit("@", 1)[-1].rsplit("/", 1)[0]
    return Database(
        "postgres",
        admin_url.rsplit("/", 1)[0] + "/" + name,
        f"PostgreSQL {version.split()[0]} on {host} (asyncpg pool)",
        drop,
    )


@dataclass
class Prepared:
    """A migrated throwaway database with the demo and the benchmark editions, and the app on it."""

    app: Any
    editions: list[EditionSize]
    setup_s: float
    counter: QueryCounter
    gc_watch: GcWatch


@contextlib.asynccontextmanager
async def prepared(args: argparse.Namespace, db: Database, state: Path) -> AsyncIterator[Prepared]:
    """Set up ``db`` (migrate, demo, ``bench-2027`` with ``--slots`` and ``bench-small-2027`` with
    ``--compare-slots``) and the app on it, with the SQL query counter wired in; connected while open."""
    os.environ.update(
        {
            "DATABASE_URL": db.url,
            "FESTIVAL_STATE_DIR": str(state),
            "SECRET_KEY": "benchmark-secret-key-" + secrets.token_hex(16),
            "PICCOLO_CONF": "festival.piccolo_conf",
        }
    )
    for variable in ("REDIS_URL", "SMTP_URL", "PUBLIC_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        os.environ.pop(variable, None)  # embedded defaults: jobs in-process, no mail server, no payments

    from festival import database
    from festival.app import create_app
    from festival.demo import load_demo
    from festival.settings import load_settings
    from festival.tables import Edition

    settings = load_settings()
    engine = database.build_engine(settings.database)
    database.use_engine(engine)
    sizes = [(BIG, args.slots)] + ([(SMALL, args.compare_slots)] if args.compare_slots else [])
    async with database.connected(engine, settings.database):
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # Piccolo prints a report per app
            await database.migrate()
        await load_demo()
        editions = [await build_edition(slug, n) for slug, n in sizes]
        setup_s = time.perf_counter() - started
        counter = QueryCounter(engine)
        token = IN_REQUEST.set(True)
        await Edition.count()
        IN_REQUEST.reset(token)
        if counter.count != 1:
            raise RuntimeError(f"the query counter saw {counter.count} queries for one; it is not wired in")
        gc_watch = GcWatch()
        app = create_app(settings, engine=engine)
        for name in ("httpx", "festival"):  # a log line per request would be timed too
            logging.getLogger(name).setLevel(logging.WARNING)
        yield Prepared(app, editions, setup_s, counter, gc_watch)


async def benchmark(args: argparse.Namespace, db: Database, state: Path) -> int:
    import httpx

    async with prepared(args, db, state) as ready:
        app, editions, counter, gc_watch = ready.app, ready.editions, ready.counter, ready.gc_watch
        results: dict[str, list[Row]] = {}
        started = time.perf_counter()
        load_before = os.getloadavg()[0]
        async with (
            app.lifespan(),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench.local") as client,
        ):
            await asyncio.sleep(0.5)  # let the start-up jobs (session purge) finish before the first request
            if args.gc_freeze:  # what the app could do once started: keep start-up objects out of full collections
                gc.collect()
                gc.freeze()
            for edition in editions:
                rows = []
                for scenario in scenarios(edition.slug):
                    count = args.requests if scenario.api else args.page_requests
                    if edition.slug == SMALL:  # only there to compare queries: fewer requests keep the run short
                        count = min(count, args.compare_requests)
                    rows.append(await measure(client, counter, gc_watch, scenario, count, args.warmup, args.profile))
                results[edition.slug] = rows
        measure_s = time.perf_counter() - started
    report(args, db, editions, results, ready.setup_s, measure_s, (load_before, os.getloadavg()[0]), counter.outside)
    failed = [r for rows in results.values() for r in rows if not r.ok]
    for r in failed:
        print(f"ERROR: {r.scenario.label} answered {r.status_text}, expected {r.scenario.expect}", file=sys.stderr)
    return 1 if failed else 0


def report(
    args: argparse.Namespace,
    db: Database,
    editions: list[EditionSize],
    results: dict[str, list[Row]],
    setup_s: float,
    measure_s: float,
    load: tuple[float, float],
    background_queries: int,
) -> None:
    print(f"Programme benchmark, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"Machine:  {machine_line(db.description)}")
    for e in editions:
        print(f"Edition:  {e.slug}: {e.slots} slots, {e.items} items, {e.venues} venues, {e.days} days (published)")
    print(
        f"Requests: sequential, in-process ASGI (httpx.ASGITransport, gzip accepted); per row one cold request "
        f"('first'), {args.warmup} warm-up, then {args.requests} measured (pages: {args.page_requests}; "
        f"{SMALL}: at most {args.compare_requests})"
    )
    print(
        f"Time:     set-up {setup_s:.1f} s, measuring {measure_s:.1f} s; latencies in ms of wall-clock time, "
        "'cpu' columns: this process's CPU time per request (all threads)"
    )
    if args.gc_freeze:
        print("GC:       gc.collect() and gc.freeze() once the app started (start-up objects skip full collections)")
    print(f"Load:     1-minute load average {load[0]:.2f} before measuring, {load[1]:.2f} after (other processes)")
    print(
        f"Queries:  per request, in the request's own task; {background_queries} more ran in in-process jobs "
        "while measuring (not counted)"
    )
    for e in editions:
        print()
        print(f"{e.slug} ({e.slots} slots)")
        print(latency_table(results[e.slug]))
    if len(editions) > 1:
        print()
        print("SQL queries per request by programme size (warm)")
        labels = [s.label.replace(editions[0].slug, "{edition}") for s in scenarios(editions[0].slug)]
        body = [
            [
                label,
                *(results[e.slug][i].query_range for e in editions),
                "yes" if len({results[e.slug][i].query_range for e in editions}) == 1 else "NO",
            ]
            for i, label in enumerate(labels)
        ]
        print(table(["request", *(f"{e.slots} slots" for e in editions), "constant"], body))
    big = results[editions[0].slug]
    api = [r for r in big if r.scenario.api and r.ok]
    if api:
        missed = [r for r in api if r.percentile(99) >= TARGET_P99_MS]
        print()
        print(
            f"Target: API p99 under {TARGET_P99_MS:.0f} ms at {editions[0].slots} slots: "
            + ("met by every API row" if not missed else f"MISSED by {len(missed)} of {len(api)} API rows")
        )
        for r in api:
            p99 = r.percentile(99)
            print(
                f"  {r.scenario.label:<{max(len(x.scenario.label) for x in api)}}  p99 {p99:6.1f} ms  "
                + ("met" if p99 < TARGET_P99_MS else "MISSED")
            )
    for r in (r for rows in results.values() for r in rows if r.profile):
        print()
        print(f"Profile of the measured requests: {r.scenario.label}")
        print(r.profile)
    if args.show_queries:
        for r in big:
            print()
            print(f"SQL of one warm request: {r.scenario.label}")
            for statement in r.statements:
                print(f"  {statement[:300]}")


async def with_database(
    args: argparse.Namespace, run: Callable[[argparse.Namespace, Database, Path], Awaitable[int]]
) -> int:
    """``run`` on a throwaway database of ``--database`` (and a temporary state folder), dropped after."""
    state = Path(tempfile.mkdtemp(prefix="festival-bench-"))
    db: Database | None = None
    try:
        if args.database == "postgres":
            db = await _postgres(args.postgres_url)
        else:
            db = Database(
                "sqlite",
                f"sqlite:///{state / 'bench.sqlite3'}",
                f"SQLite {sqlite3.sqlite_version} (WAL, file in a temporary folder)",
            )
        return await run(args, db, state)
    finally:
        if db is not None and db.drop is not None:
            await db.drop()
        shutil.rmtree(state, ignore_errors=True)


async def main_async(args: argparse.Namespace) -> int:
    return await with_database(args, benchmark)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.programme",
        description="Latency and SQL queries per request of the programme API and page of a large edition.",
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="server to create the database on")
    parser.add_argument("--slots", type=int, default=2000, help="slots of bench-2027 (default 2000)")
    parser.add_argument(
        "--compare-slots", type=int, default=200, help="slots of bench-small-2027, to compare queries (0: skip)"
    )
    parser.add_argument("--requests", type=int, default=300, help="measured requests per API row (default 300)")
    parser.add_argument("--page-requests", type=int, default=100, help="measured requests per page row (default 100)")
    parser.add_argument(
        "--compare-requests", type=int, default=50, help="measured requests per row of bench-small-2027 (default 50)"
    )
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests per row after the first")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.collect() and gc.freeze() before serving (a proposed fix)"
    )
    parser.add_argument("--profile", metavar="TEXT", help="cProfile the measured requests of rows whose label has TEXT")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of one warm request per row")
    args = parser.parse_args(argv)
    if min(args.slots, args.requests, args.page_requests, args.compare_requests) < 1 or args.compare_slots < 0:
        parser.error("--slots and the request counts must be positive, --compare-slots 0 or more")
    if args.compare_slots == args.slots:
        args.compare_slots = 0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(main_async(args))
    except Exception:  # noqa: BLE001 - any failure of the set-up or the app: the traceback, then exit 2
        traceback.print_exc()
        return 2


if __name__ == "__main__":
    sys.exit(main())
