"""Ticket rush on PostgreSQL, the app served as in production: reservations per second, latency, oversold (issue 6).

    .venv/bin/python -m benchmarks.ticket_rush [--workers 3] [--buyers 1500] [--concurrency 64] [--clients 1]

Set-up (in this process): a throwaway database ``festival_bench_*`` created on ``--postgres-url``
(the same helper as ``benchmarks.programme``), migrated, the demo loaded (``hsf-2027`` is a published
edition), then, through ``ticketing.catalogue`` as an organiser would: a quota ``gala-seats`` of
``--seats`` places (1,000: the gala concert's seats), a quota ``music-centre-day`` of ``--day-size``
places (the venue's capacity for the day, shared with its other concerts), and two ticket types,
``gala`` (45.00 EUR) and ``gala-reduced`` (25.00 EUR), that each count against **both** quotas: every
reservation takes two quotas in one transaction (two guarded UPDATEs, ascending quota id).

The app is then served as in production: ``festival serve --workers N`` as a subprocess on 127.0.0.1
(a free port), ``DATABASE_URL`` on that database, ``REDIS_URL`` (``--redis-url``, its own database
number), a ``SECRET_KEY``; the script waits for ``GET /health`` to answer 200 (database and Redis up).

Buyers: ``--buyers`` buyers (realistic names and e-mail addresses in four languages; 1 or 2 tickets
each, about 1.5 on average, some with one ticket of each type), far more than there are seats, post
``POST /api/v1/editions/hsf-2027/orders`` once each, at most ``--concurrency`` at a time, from
``--clients`` client processes (asyncio, keep-alive, the concurrency split between them) so
that one Python client process is not the bottleneck. Each client process first warms up (reads the
availability, sends a refused order: connections to every worker, the server's pools filled), then
all start together. The rush is bounded: a request times out after ``--request-timeout-s`` and no
buyer starts after ``--max-seconds``. All traffic goes to 127.0.0.1.

Printed rows:

- ``completed reservations/s``: 2xx answers divided by the time from the start of the rush (the
  first request sent) to the last 2xx answer received, i.e. the rate while places were left;
  ``answers/s over the whole rush`` divides every answer by the time to the last answer.
- ``refused (409 sold_out)``; ``errors``: any other status, a timeout or a connection error, or a
  buyer never sent (must be 0).
- latency (request sent to answer read, in the client) of the 2xx answers and of the refusals:
  p50, p99, max (nearest-rank percentiles).
- places: sold according to the 2xx answers, and per quota from the database afterwards: ``taken``,
  the unreleased holds (``QuotaHold``), the places on the lines of pending or paid orders; **oversold**
  = ``taken - size`` when positive (or any of those counts above the size). All must agree.
- CPU during the rush: the server's processes (per worker), the PostgreSQL backends of the
  benchmark's database, the client processes, and the whole machine (``/proc/stat``), to show what
  the two cores were busy with.

Then a markdown table for ``docs/benchmarks.md`` and the machine line. The server is stopped
(SIGTERM, as an orchestrator does) and the database dropped. ``--server-env NAME=VALUE`` passes
settings to the server, e.g. a reservation rate limit set high should one exist (none does now).
The client is HTTP/1.1 written by hand (``--client raw``, the default); ``--client httpx`` uses httpx,
which takes 2 ms of CPU a request against 0.2 ms, from the server's two cores. ``--profile FILE``
serves one worker under cProfile.

Exit status 0 when every buyer was answered 2xx or 409 ``sold_out``, the quota sold out and nothing
was oversold (counts agreeing), whether or not the target is met; 1 otherwise; 2 when the set-up failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import json
import multiprocessing
import os
import random
import secrets
import shlex
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._common import (
    CpuSnapshot,
    RawConnection,
    Server,
    cpu_lines,
    cpu_snapshot,
    percentile,
    problem_code,
    start_server,
    stop_server,
    tail,
    wait_healthy,
)
from benchmarks.programme import DEFAULT_POSTGRES_URL, Database, machine_line, with_database

EDITION = "hsf-2027"
SEATS_QUOTA = "gala-seats"
DAY_QUOTA = "music-centre-day"
TYPES = {"gala": 4500, "gala-reduced": 2500}  # price in cents
TARGET_PER_S = 300.0
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"  # the tests use /15


# --- buyers ---------------------------------------------------------------------------------------

FIRST_NAMES = [
    ("Aino", "fi"), ("Eero", "fi"), ("Helmi", "fi"), ("Juho", "fi"), ("Kaisa", "fi"), ("Lauri", "fi"),
    ("Maija", "fi"), ("Otso", "fi"), ("Saara", "fi"), ("Ville", "fi"), ("Astrid", "sv"), ("Björn", "sv"),
    ("Elsa", "sv"), ("Linnea", "sv"), ("Wei", "zh"), ("Li", "zh"), ("Mei", "zh"), ("Jun", "zh"),
    ("Xiaoming", "zh"), ("Yan", "zh"), ("Emma", "en"), ("Oliver", "en"), ("Sofia", "en"), ("Daniel", "en"),
]  # fmt: skip
SURNAMES = {
    "fi": ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen"],
    "sv": ["Lindqvist", "Holmström", "Sjöberg", "Nyström", "Lindholm"],
    "zh": ["Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang"],
    "en": ["Smith", "Brown", "Taylor", "Wilson", "Evans"],
}
HANZI = {"Wang": "王", "Zhang": "张", "Liu": "刘", "Chen": "陈", "Yang": "杨", "Zhao": "赵", "Huang": "黄"}
DOMAINS = {"fi": "example.fi", "sv": "example.se", "zh": "example.cn", "en": "example.org"}
ASCII = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A"})


def buyers(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` order bodies: half one ticket, a quarter two, 15 % one of each type, 10 % two reduced."""
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    bodies = []
    for n in range(count):
        first, lang = rng.choice(FIRST_NAMES)
        last = rng.choice(SURNAMES[lang])
        name = f"{HANZI[last]}{first}" if lang == "zh" and n % 3 == 0 else f"{first} {last}"
        email = f"{first}.{last}.{n}@{DOMAINS[lang]}".translate(ASCII).lower()
        pick = rng.random()
        if pick < 0.50:
            lines = [{"ticket_type": "gala", "quantity": 1}]
        elif pick < 0.75:
            lines = [{"ticket_type": "gala", "quantity": 2}]
        elif pick < 0.90:
            lines = [{"ticket_type": "gala", "quantity": 1}, {"ticket_type": "gala-reduced", "quantity": 1}]
        else:
            lines = [{"ticket_type": "gala-reduced", "quantity": 2}]
        bodies.append({"lines": lines, "buyer": {"name": name, "email": email, "language": lang}})
    return bodies


def places_of(body: dict[str, Any]) -> int:
    return sum(int(line["quantity"]) for line in body["lines"])


# --- the client processes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    buyer: int
    started: float  # time.monotonic(): CLOCK_MONOTONIC, one clock for every process of the machine
    ended: float
    status: int  # 0: no HTTP answer (timeout, connection error) or never sent
    code: str  # the problem's code, or the exception's name


@dataclass(frozen=True)
class ClientPart:
    base_url: str
    path: str
    bodies: list[tuple[int, dict[str, Any]]]
    concurrency: int
    request_timeout_s: float
    max_seconds: float
    client: str  # httpx or raw


class HttpxBuyer:
    """Requests through an ``httpx.AsyncClient`` shared by the process's buyers (its connection pool)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, str]:
        import httpx

        try:
            response = await self.client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            return 0, type(exc).__name__
        return response.status_code, problem_code(response.status_code, response.content)

    async def close(self) -> None:
        pass


class RawBuyer:
    """A buyer on one keep-alive connection of its own (``benchmarks._common.RawConnection``): a client
    that costs the shared CPU far less than httpx does (about a tenth), closer to buyers whose browsers
    are elsewhere."""

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        self.connection = RawConnection(host, port, timeout_s)

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, str]:
        status, content, error = await self.connection.request(
            method, path, json.dumps(body).encode() if body is not None else None
        )
        return (0, error) if error else (status, problem_code(status, content))

    async def close(self) -> None:
        await self.connection.close()


async def _rush(part: ClientPart, barrier: Any) -> tuple[list[Answer], float, int]:
    import httpx

    # Idle connections are dropped before uvicorn's 5-second keep-alive timeout closes them: else a
    # request sent just as the server closes its connection fails (a ReadError), as with any client.
    limits = httpx.Limits(
        max_connections=part.concurrency, max_keepalive_connections=part.concurrency, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=part.base_url, limits=limits, timeout=part.request_timeout_s) as client:
        host, port = part.base_url.removeprefix("http://").rsplit(":", 1)
        loops = [
            HttpxBuyer(client) if part.client == "httpx" else RawBuyer(host, int(port), part.request_timeout_s)
            for _ in range(part.concurrency)
        ]
        queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
        for item in part.bodies:
            queue.put_nowait(item)
        answers: list[Answer] = []
        bad = {"lines": [{"ticket_type": "no-such-ticket", "quantity": 1}], "buyer": part.bodies[0][1]["buyer"]}

        async def warm_up(buyer: HttpxBuyer | RawBuyer) -> int:
            """Opens the connections (spread over the workers) and fills the server's pools; returns
            the number of unexpected answers (an availability read: 200; an unknown ticket type: 422)."""
            statuses = [(await buyer.request("GET", f"/api/v1/editions/{EDITION}/availability"))[0] for _ in range(2)]
            statuses.append((await buyer.request("POST", part.path, bad))[0])
            return statuses != [200, 200, 422]

        async def buyer_loop(buyer: HttpxBuyer | RawBuyer, deadline: float) -> None:
            while not queue.empty():
                index, body = queue.get_nowait()
                started = time.monotonic()
                if started > deadline:
                    answers.append(Answer(index, started, started, 0, "not sent (--max-seconds)"))
                    continue
                status, code = await buyer.request("POST", part.path, body)
                answers.append(Answer(index, started, time.monotonic(), status, code))

        warm_errors = sum(await asyncio.gather(*(warm_up(b) for b in loops)))
        await asyncio.to_thread(barrier.wait)
        cpu_before = time.process_time()
        deadline = time.monotonic() + part.max_seconds
        await asyncio.gather(*(buyer_loop(b, deadline) for b in loops))
        cpu = time.process_time() - cpu_before
        for b in loops:
            await b.close()
    return answers, cpu, warm_errors


def client_process(part: ClientPart, barrier: Any, results: Any) -> None:
    """One client process: warm up, wait for the others, rush; put (answers, CPU s, warm-up errors)."""
    try:
        results.put(asyncio.run(_rush(part, barrier)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the run
        barrier.abort()
        results.put(exc)


def run_clients(
    args: argparse.Namespace, base_url: str, bodies: list[dict[str, Any]], counters: Callable[[], Any]
) -> tuple[list[Answer], list[float], int, float, Any, Any]:
    """Every buyer, from ``--clients`` processes; returns the answers, CPU s per process, warm-up
    errors, the moment (monotonic) the rush started, and ``counters()`` (CPU used so far) at the
    start and at the end of the rush."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(args.clients + 1)
    results = context.Queue()
    path = f"/api/v1/editions/{EDITION}/orders"
    processes = []
    for k in range(args.clients):
        concurrency = args.concurrency // args.clients + (1 if k < args.concurrency % args.clients else 0)
        mine = [(i, b) for i, b in enumerate(bodies) if i % args.clients == k]
        part = ClientPart(base_url, path, mine, concurrency, args.request_timeout_s, args.max_seconds, args.client)
        process = context.Process(target=client_process, args=(part, barrier, results), daemon=True)
        process.start()
        processes.append(process)
    barrier.wait(timeout=120)
    started = time.monotonic()
    before = counters()
    collected = [results.get(timeout=args.max_seconds + 2 * args.request_timeout_s + 60) for _ in processes]
    after = counters()
    for process in processes:
        process.join(timeout=10)
    failures = [c for c in collected if isinstance(c, BaseException)]
    if failures:
        raise RuntimeError(f"a client process failed: {failures[0]!r}")
    answers = [a for c in collected for a in c[0]]
    return answers, [c[1] for c in collected], sum(c[2] for c in collected), started, before, after


# --- the shop and the checks in the database ------------------------------------------------------


async def set_up_shop(args: argparse.Namespace) -> None:
    from schedule.demo import DEMO_ACTOR
    from schedule.tables import Slot
    from ticketing import catalogue
    from ticketing.schemas import TicketTypeIn

    gala = await (
        Slot.select(Slot.uid)
        .where((Slot.edition.slug == EDITION) & (Slot.kind == "public") & (Slot.status == "confirmed"))
        .order_by(Slot.starts_at)
        .first()
    )
    if gala is None:
        raise RuntimeError(f"the demo's {EDITION} has no confirmed public slot to sell")

    # The day quota first: the lower id, taken first in every reservation.
    await catalogue.create_quota(DEMO_ACTOR, EDITION, DAY_QUOTA, "Helsinki Music Centre, gala day", args.day_size)
    await catalogue.create_quota(DEMO_ACTOR, EDITION, SEATS_QUOTA, "New Year gala concert: seats", args.seats)
    names = {
        "gala": {"en": "Gala concert", "fi": "Gaalakonsertti", "sv": "Galakonsert", "zh": "新春音乐会"},
        "gala-reduced": {"en": "Gala concert, reduced", "fi": "Gaalakonsertti, alennus", "zh": "新春音乐会优惠票"},
    }
    for slug, price in TYPES.items():
        await catalogue.create_ticket_type(
            DEMO_ACTOR,
            EDITION,
            TicketTypeIn(
                slug=slug,
                names=names[slug],
                quotas=[DAY_QUOTA, SEATS_QUOTA],
                price_minor=price,
                currency="EUR",
                kind="slot",
                slot=str(gala["uid"]),
                max_per_order=4,
            ),
        )


@dataclass
class QuotaCheck:
    slug: str
    size: int
    taken: int
    held: int  # unreleased QuotaHold quantities
    ordered: int  # places on the lines of pending or paid orders

    @property
    def oversold(self) -> int:
        return max(0, max(self.taken, self.held, self.ordered) - self.size)

    @property
    def agrees(self) -> bool:
        return self.taken == self.held == self.ordered


async def check_database() -> tuple[list[QuotaCheck], Counter[str]]:
    from ticketing.tables import Order, OrderLine, Quota, QuotaHold, TicketTypeQuota

    # The benchmark's two quotas (the demo's own shop sells nothing during the rush).
    quotas = (
        await Quota.select(Quota.id, Quota.slug, Quota.size, Quota.taken)
        .where(Quota.slug.is_in([DAY_QUOTA, SEATS_QUOTA]))
        .order_by(Quota.id)
    )
    held: Counter[int] = Counter()
    for hold in await QuotaHold.select(QuotaHold.quota, QuotaHold.quantity).where(QuotaHold.released_at.is_null()):
        held[hold["quota"]] += hold["quantity"]
    counts_against: dict[int, list[int]] = {}
    for link in await TicketTypeQuota.select(TicketTypeQuota.ticket_type, TicketTypeQuota.quota):
        counts_against.setdefault(link["ticket_type"], []).append(link["quota"])
    ordered: Counter[int] = Counter()
    lines = await OrderLine.select(OrderLine.ticket_type, OrderLine.quantity).where(
        OrderLine.order.status.is_in(["pending", "paid"])
    )
    for line in lines:
        for quota_id in counts_against.get(line["ticket_type"], []):
            ordered[quota_id] += line["quantity"]
    statuses = Counter(r["status"] for r in await Order.select(Order.status))
    checks = [QuotaCheck(q["slug"], q["size"], q["taken"], held[q["id"]], ordered[q["id"]]) for q in quotas]
    return checks, statuses


# --- the run --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    answers: list[Answer]
    bodies: list[dict[str, Any]]
    rush_started: float
    client_cpu: list[float]
    warm_errors: int
    quotas: list[QuotaCheck]
    statuses: Counter[str]
    cpu_before: CpuSnapshot
    cpu_after: CpuSnapshot
    server: Server
    load: tuple[float, float]
    setup_s: float
    server_start_s: float
    db: Database
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> list[Answer]:
        return [a for a in self.answers if 200 <= a.status < 300]

    @property
    def refused(self) -> list[Answer]:
        return [a for a in self.answers if a.status == 409 and a.code == "sold_out"]

    @property
    def errors(self) -> list[Answer]:
        return [
            a for a in self.answers if not (200 <= a.status < 300) and not (a.status == 409 and a.code == "sold_out")
        ]

    @property
    def sold_window_s(self) -> float:
        return max(a.ended for a in self.ok) - self.rush_started if self.ok else float("nan")

    @property
    def rush_s(self) -> float:
        return max(a.ended for a in self.answers) - self.rush_started

    @property
    def per_s(self) -> float:
        return len(self.ok) / self.sold_window_s if self.ok else 0.0

    @property
    def places_sold(self) -> int:
        return sum(places_of(self.bodies[a.buyer]) for a in self.ok)

    def seats(self) -> QuotaCheck:
        return next(q for q in self.quotas if q.slug == SEATS_QUOTA)

    @property
    def oversold(self) -> int:
        return sum(q.oversold for q in self.quotas)

    def failures(self, args: argparse.Namespace) -> list[str]:
        found = []
        if self.errors:
            found.append(f"{len(self.errors)} buyers were answered neither 2xx nor 409 sold_out")
        if len(self.answers) != len(self.bodies):
            found.append(f"{len(self.bodies) - len(self.answers)} buyers have no answer recorded")
        if self.oversold:
            found.append(f"OVERSOLD by {self.oversold} places")
        for q in self.quotas:
            if not q.agrees:
                found.append(f"{q.slug}: taken {q.taken}, held {q.held}, on live orders {q.ordered} disagree")
        if self.seats().taken != self.places_sold:
            found.append(f"{SEATS_QUOTA} taken {self.seats().taken} but the 2xx answers hold {self.places_sold} places")
        if self.statuses.get("pending", 0) != len(self.ok) or sum(self.statuses.values()) != len(self.ok):
            found.append(f"orders in the database {dict(self.statuses)} but {len(self.ok)} 2xx answers")
        if self.seats().taken < args.seats - 1:  # buyers of two may leave one seat
            found.append(f"the quota did not sell out: {self.seats().taken} of {args.seats}")
        if self.warm_errors:
            found.append(f"{self.warm_errors} warm-up requests answered unexpectedly")
        if not self.server.stopped_cleanly:
            found.append(f"the server did not stop cleanly (exit status {self.server.process.returncode})")
        return found


async def benchmark(args: argparse.Namespace, db: Database, state: Path) -> int:
    secret_key = "benchmark-secret-key-" + secrets.token_hex(16)
    os.environ.update(
        {
            "DATABASE_URL": db.url,
            "FESTIVAL_STATE_DIR": str(state),
            "SECRET_KEY": secret_key,
            "PICCOLO_CONF": "festival.piccolo_conf",
        }
    )
    for variable in ("REDIS_URL", "SMTP_URL", "PUBLIC_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        os.environ.pop(variable, None)  # the set-up needs none of them; the server gets its own

    from festival import database
    from festival.demo import load_demo
    from festival.settings import load_settings

    settings = load_settings()
    engine = database.build_engine(settings.database)
    database.use_engine(engine)
    async with database.connected(engine, settings.database):
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # Piccolo prints a report per app
            await database.migrate()
        await load_demo()
        await set_up_shop(args)
        setup_s = time.perf_counter() - started
        bodies = buyers(args.buyers, args.seed)
        started = time.perf_counter()
        server = start_server(args, db.url, state, secret_key)
        try:
            await wait_healthy(server)
            server_start_s = time.perf_counter() - started
            load_before = os.getloadavg()[0]
            database_name = db.url.rsplit("/", 1)[-1]
            answers, client_cpu, warm_errors, rush_started, cpu_before, cpu_after = await asyncio.to_thread(
                run_clients, args, server.base_url, bodies, lambda: cpu_snapshot(server, database_name)
            )
            load_after = os.getloadavg()[0]
        finally:
            stop_server(server, bool(args.profile))
        quotas, statuses = await check_database()
    outcome = Outcome(
        answers, bodies, rush_started, client_cpu, warm_errors, quotas, statuses, cpu_before, cpu_after, server,
        (load_before, load_after), setup_s, server_start_s, db,
    )  # fmt: skip
    report(args, outcome)
    failures = outcome.failures(args)
    for line in failures:
        print(f"ERROR: {line}", file=sys.stderr)
    if outcome.errors:
        kinds = Counter(f"{a.status} {a.code}".strip() for a in outcome.errors)
        print(f"ERROR: answers other than 2xx or 409 sold_out: {dict(kinds)}", file=sys.stderr)
        print(f"Server log (last lines):\n{tail(server.log)}", file=sys.stderr)
    return 1 if failures else 0


# --- printing ---------------------------------------------------------------------------------------


def command(args: argparse.Namespace) -> str:
    return shlex.join([".venv/bin/python", "-m", "benchmarks.ticket_rush", *args.argv])


def ms(values: list[float]) -> str:
    return " / ".join(f"{percentile(values, p) * 1000:.1f}" for p in (50, 99)) + f" / {max(values) * 1000:.1f}"


def rush_cpu_lines(o: Outcome) -> list[str]:
    window = max(a.ended for a in o.answers) - o.rush_started
    return cpu_lines(o.server, o.cpu_before, o.cpu_after, o.client_cpu, window)


def report(args: argparse.Namespace, o: Outcome) -> None:
    ok, refused, errors = o.ok, o.refused, o.errors
    seats = o.seats()
    ok_latency = [a.ended - a.started for a in ok]
    refused_latency = [a.ended - a.started for a in refused]
    met = o.per_s >= TARGET_PER_S
    print(f"Ticket rush benchmark, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"Machine:  {machine_line(o.db.description)}")
    print(f"Command:  {command(args)}")
    print(
        f"Server:   festival serve --workers {args.workers} (uvicorn) on 127.0.0.1, REDIS_URL {args.redis_url}; "
        f"healthy {o.server_start_s:.1f} s after start"
        + (f"; env {' '.join(args.server_env)}" if args.server_env else "")
    )
    print(
        f"Shop:     {EDITION}: quota {SEATS_QUOTA} {args.seats} places and {DAY_QUOTA} {args.day_size} places; "
        f"ticket types {', '.join(TYPES)} count against both (two guarded UPDATEs per reservation)"
    )
    print(
        f"Buyers:   {args.buyers} ({sum(places_of(b) for b in o.bodies)} places wanted, 1-2 each), "
        f"concurrency {args.concurrency} from {args.clients} client process(es) ({args.client}, keep-alive), "
        f"each POST /api/v1/editions/{EDITION}/orders once"
    )
    print(
        f"Time:     set-up {o.setup_s:.1f} s; rush {o.rush_s:.2f} s to the last answer, "
        f"{o.sold_window_s:.2f} s to the last 2xx"
    )
    print(f"Load:     1-minute load average {o.load[0]:.2f} before the rush, {o.load[1]:.2f} after")
    print("CPU:      " + "\n          ".join(rush_cpu_lines(o)))
    print()
    rows = [
        ["completed reservations/s (2xx / time to the last 2xx)", f"{o.per_s:.0f}"],
        ["answers/s over the whole rush (all / time to the last answer)", f"{len(o.answers) / o.rush_s:.0f}"],
        ["reservations completed (2xx)", f"{len(ok)}"],
        ["refused (409 sold_out)", f"{len(refused)}"],
        ["errors (anything else)", f"{len(errors)}"],
        ["2xx latency p50 / p99 / max ms", ms(ok_latency) if ok_latency else "-"],
        ["409 latency p50 / p99 / max ms", ms(refused_latency) if refused_latency else "-"],
        [f"places sold (2xx answers) of {args.seats}", f"{o.places_sold}"],
        *[
            [f"{q.slug} ({q.size}): taken / held / on live orders", f"{q.taken} / {q.held} / {q.ordered}"]
            for q in o.quotas
        ],
        ["oversold (database)", f"{o.oversold}"],
    ]
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value:>20}")
    print()
    print(
        f"Target: at least {TARGET_PER_S:.0f} completed reservations/s: "
        + ("met" if met else "MISSED")
        + f" ({o.per_s:.0f}/s); oversold {o.oversold} (must be 0)"
    )
    print()
    print("Markdown for docs/benchmarks.md:")
    print()
    print(
        f"`{command(args)}` on {machine_line(o.db.description)}, {dt.date.today():%Y-%m-%d}, "
        f"load average {o.load[0]:.2f}:"
    )
    print()
    print(f"| ticket rush, {args.workers} workers, concurrency {args.concurrency}, {args.buyers} buyers | |")
    print("| --- | --- |")
    print(f"| completed reservations/s | {o.per_s:.0f} |")
    print(f"| reservations completed / refused (409 sold_out) / errors | {len(ok)} / {len(refused)} / {len(errors)} |")
    if ok_latency:
        print(f"| 2xx latency p50 / p99 / max ms | {ms(ok_latency)} |")
    if refused_latency:
        print(f"| 409 latency p50 / p99 / max ms | {ms(refused_latency)} |")
    print(f"| places sold of {args.seats} | {seats.taken} |")
    print(f"| oversold | {o.oversold} |")


# --- command line -----------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> int:
    return await with_database(args, benchmark)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ticket_rush",
        description="A ticket rush against festival serve --workers N on PostgreSQL: reservations/s, latency, "
        "oversold.",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="server to create the database on")
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"REDIS_URL of the server (default {DEFAULT_REDIS_URL})"
    )
    parser.add_argument("--workers", type=int, default=3, help="festival serve --workers (default 3)")
    parser.add_argument("--buyers", type=int, default=1500, help="buyers, one order each (default 1500)")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight at once (default 64)")
    parser.add_argument("--clients", type=int, default=1, help="client processes sharing the concurrency (default 1)")
    parser.add_argument(
        "--client",
        choices=["httpx", "raw"],
        default="raw",
        help="HTTP/1.1 written by hand (default: 0.2 ms of CPU a request), or httpx.AsyncClient (2 ms, taken "
        "from the server's two cores: the client, not the server, is then the limit)",
    )
    parser.add_argument("--seats", type=int, default=1000, help="places of the gala-seats quota (default 1000)")
    parser.add_argument("--day-size", type=int, default=1600, help="places of the venue-day quota (default 1600)")
    parser.add_argument("--seed", type=int, default=2027, help="of the buyers' names and orders")
    parser.add_argument("--request-timeout-s", type=float, default=30.0, help="per request (default 30)")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="no buyer starts after this (default 120)")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="a setting for the server (repeatable)"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="serve with --workers 1 under cProfile and write its statistics to FILE"
    )
    args = parser.parse_args(argv)
    if args.profile:
        args.workers = 1
    args.argv = sys.argv[1:] if argv is None else argv
    args.database = "postgres"  # for benchmarks.programme.with_database
    if min(args.workers, args.buyers, args.concurrency, args.clients, args.seats) < 1:
        parser.error("--workers, --buyers, --concurrency, --clients and --seats must be positive")
    if args.clients > args.concurrency or args.day_size < args.seats:
        parser.error("--clients at most --concurrency; --day-size at least --seats (the seats must be the limit)")
    if any("=" not in item for item in args.server_env):
        parser.error("--server-env takes NAME=VALUE")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(main_async(args))
    except Exception:  # noqa: BLE001 - any failure of the set-up or the server: the traceback, then exit 2
        traceback.print_exc()
        return 2


if __name__ == "__main__":
    sys.exit(main())
