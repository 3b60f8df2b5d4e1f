"""Online scans at the gates on PostgreSQL, the app served as in production: scans per second, latency,
double admissions; and the cost of an offline verification in Python and in the browser (issue 7).

    .venv/bin/python -m benchmarks.gate_scans [--rate 300] [--duration 20] [--concurrency 16] [--workers 3]

Set-up (in this process): a throwaway database ``festival_bench_*`` on ``--postgres-url`` (the helper
of ``benchmarks.programme``), migrated, the demo loaded (``hsf-2027`` is published), then as
``tests/test_checkin.py``'s ``_shop()`` does: the edition's days moved to cover today and its first
confirmed public slot to start 10 minutes from now (a ticket is admitted only inside its window);
through ``ticketing.catalogue``, a quota and two ticket types, ``gate-concert`` (the slot's ticket) and
``gate-pass`` (a festival pass); through ``ticketing.checkin_lists``, two check-in lists, ``gate-hall``
(the slot's tickets, doors open 30 minutes before) and ``gate-grounds`` (festival passes); through
``ticketing.devices``, ``--devices`` gate devices paired for both lists. The tickets are real: paid
orders of up to 100 tickets each (``ticketing.orders.reserve`` then ``ticketing.payments.settle``),
their QR payloads as the order page shows them (``ticketing.tickets.order_tickets``).

The app is served as in production: ``festival serve --workers N`` (a subprocess on 127.0.0.1, a free
port) with ``DATABASE_URL``, ``REDIS_URL`` (``--redis-url``: the per-device rate limit counts in Redis
on every scan) and a ``SECRET_KEY``. The per-device limit (``SCANS_PER_DEVICE_PER_MINUTE``, 600 by
default) is raised to ``--per-device-limit`` for the run, since a few dozen devices send here what
hundreds of gates would; the counting itself still runs on every scan.

First, before the server starts, an **in-process anatomy** of each kind of scan (``--anatomy-scans``
of each, one at a time, straight into the ASGI app built by ``create_app`` with its lifespan and the
same Redis limiter; no server, no HTTP): median wall and CPU time, and every round trip to PostgreSQL
(each asyncpg statement, the pool's reset query included) and to Redis, counted and timed by
statement. Kinds: a first scan, a re-scan from another device, the same scan sent again (its nonce),
garbage, a forged signature, a festival pass at the hall.

Then scans (``POST /api/v1/scan``, each with its device's token, a fresh nonce and the time) come from
a client process (asyncio, hand-written HTTP/1.1 on keep-alive connections, ``benchmarks._common``),
in up to three phases (``--phases``):

- **seq**: ``--seq-scans`` scans one at a time (one connection): the latency floor through the server.
- **rate** (open loop, at most ``--concurrency`` in flight): scans arrive at ``--rate`` a second on
  average for ``--duration`` seconds (Poisson arrivals, or ``--arrivals uniform``), whether or not
  earlier ones were answered; a scan that finds every connection busy waits for one (counted, and its
  latency from its arrival shown).
- **max** (closed loop, ``--concurrency`` connections): ``--max-scans`` scans, each connection sending
  the next as soon as it has an answer: the ceiling of the served app at that concurrency.

Each phase has its own fresh tickets and the same mix: first scans of distinct tickets (most), a
share (``--rescan-share``) of re-scans: the same ticket scanned by ``--group`` different devices at
the same moment (one must be admitted, the rest ``already_admitted``), and a share
(``--refusal-share``) of refusals: garbage (``unreadable``), a real payload with its signature altered
(``bad_signature``), a festival pass at the hall's list (``wrong_list``). Before each phase, every
connection sends one garbage scan and one first scan (warm-up, counted in the checks only).

Printed: scans per second, latency (request sent to answer read, in the client) p50/p95/p99/max of
all scans, of the admitted ones, of the already admitted and of the refusals; results by kind; errors
(any answer but a 200, a timeout); unexpected results. The double-admission check, in the answers
(a ticket answered ``admitted`` twice on one list) and in the database: admissions per (list, ticket),
scans recorded ``admitted`` per (list, ticket), ``admitted`` answers against Admission rows, scans
answered against Scan rows. CPU per phase: server workers, PostgreSQL backends, Redis, the client.

Then the cost of an offline verification: in Python (``timeit``: ``ticketing.signing.read``,
``ticketing.signing.verify`` on a real payload, a forged one, and the whole local decision a scanner
makes from its offline package, without I/O), and in headless Chromium (``/usr/bin/chromium``,
Playwright; ``--no-browser`` skips it): WebCrypto Ed25519 verify on the same payload, the scanner's
own ``/static/scan/ticket.js`` (``readPayload``, ``decide``) when the app serves it, else the same
steps written out here.

Exit status 0 when every scan was answered 200 with the expected result, nothing was admitted twice
and the database agrees with the answers, whether or not the target is met; 1 otherwise; 2 when the
set-up failed. The server is stopped (SIGTERM) and the database dropped at the end, also on errors and
Ctrl-C. ``--profile FILE`` serves one worker under cProfile; ``--pg-setting NAME=VALUE`` sets a
PostgreSQL setting for the server's connections (``ALTER DATABASE … SET``), e.g.
``synchronous_commit=off`` to see what waiting for the WAL flush at every commit costs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import gc
import io
import json
import logging
import multiprocessing
import os
import pstats
import queue
import random
import re
import secrets
import shlex
import string
import sys
import time
import timeit
import traceback
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._common import (
    HOST,
    CpuSnapshot,
    RawConnection,
    Server,
    cpu_lines,
    cpu_of,
    cpu_snapshot,
    cpu_used,
    percentile,
    problem_code,
    start_server,
    stop_server,
    tail,
    wait_healthy,
)
from benchmarks.programme import DEFAULT_POSTGRES_URL, Database, machine_line, with_database

EDITION = "hsf-2027"
CONCERT, PASS = "gate-concert", "gate-pass"
HALL, GROUNDS = "gate-hall", "gate-grounds"
QUOTA = "gate-bench"
PER_ORDER = 100  # tickets per order (the types' max_per_order)
SCAN_PATH = "/api/v1/scan"
TARGET_RATE = 300.0
TARGET_P99_MS = 15.0
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"  # the tests use /15
CHROMIUM = Path("/usr/bin/chromium")
GATES = ["North", "South", "East", "West"]


# --- the plan of a phase ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    id: int
    type: str  # CONCERT or PASS
    payload: str


@dataclass(frozen=True)
class Spec:
    """One scan to send and what it must get."""

    kind: str  # warmup / first / group / garbage / forged / wrong_list
    device: int  # index into the devices
    list_id: int
    payload: str
    ticket: int | None  # the ticket's id, None for garbage
    group: int = -1  # the group of simultaneous scans of one ticket (-1: none)

    @property
    def expected(self) -> str:
        return {"garbage": "unreadable", "forged": "bad_signature", "wrong_list": "wrong_list"}.get(
            self.kind, "admitted"
        )


@dataclass
class Phase:
    name: str  # seq / rate / max
    open_loop: bool
    concurrency: int
    specs: list[Spec]
    warmup: list[int]  # indices of warm-up scans
    events: list[tuple[float, tuple[int, ...]]]  # (seconds after the start, scans sent at that moment)

    @property
    def measured(self) -> int:
        return sum(len(s) for _, s in self.events)


class TicketPool:
    """Fresh tickets, each handed out once."""

    def __init__(self, tickets: list[Ticket], rng: random.Random) -> None:
        self.by_type = {t: deque(x for x in tickets if x.type == t) for t in (CONCERT, PASS)}
        self.passes = [t for t in tickets if t.type == PASS]
        self.rng = rng

    def take(self) -> Ticket:
        kind = self.rng.choice([CONCERT, PASS])
        if not self.by_type[kind]:
            kind = PASS if kind == CONCERT else CONCERT
        return self.by_type[kind].popleft()


@dataclass(frozen=True)
class Mix:
    scans: int
    firsts: int  # scans of a ticket no one scanned before, alone
    groups: int  # tickets scanned by `group` devices at once
    refusals: int

    @property
    def tickets(self) -> int:
        return self.firsts + self.groups


def mix(scans: int, args: argparse.Namespace) -> Mix:
    refusals = round(scans * args.refusal_share)
    groups = round(scans * args.rescan_share / (args.group - 1))
    firsts = max(0, scans - refusals - groups * args.group)
    return Mix(firsts + groups * args.group + refusals, firsts, groups, refusals)


def garbage(rng: random.Random) -> str:
    """What else a camera reads at a gate: links, other codes, noise, a truncated ticket."""
    pick = rng.random()
    if pick < 0.25:
        return f"https://example.org/{rng.randrange(10**6)}"
    if pick < 0.5:
        return "".join(rng.choice(string.digits) for _ in range(13))  # a product's barcode
    if pick < 0.75:
        return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(rng.choice([139, 141, 60])))
    return "".join(rng.choice(string.printable[:94]) for _ in range(rng.randrange(1, 200)))


def forge(payload: str, rng: random.Random) -> str:
    """The payload with one character of its signature changed: still 140 base32 characters."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    at = rng.randrange(40, 139)  # inside the signature, clear of the last character's padding bits
    other = alphabet[(alphabet.index(payload[at]) + 1 + rng.randrange(30)) % 32]
    return payload[:at] + other + payload[at + 1 :]


def build_phase(
    name: str, scans: int, args: argparse.Namespace, pool: TicketPool, lists: dict[str, int], rng: random.Random
) -> Phase:
    """The scans of a phase (``scans`` measured, plus two warm-up scans per connection) and, for the
    open loop, their arrival times."""
    devices = args.devices
    concurrency = 1 if name == "seq" else args.concurrency
    list_of = {CONCERT: lists[HALL], PASS: lists[GROUNDS]}
    specs: list[Spec] = []
    warmup = []
    for k in range(concurrency):
        warmup.append(len(specs))
        specs.append(Spec("warmup", k % devices, lists[HALL], garbage(rng), None))
        ticket = pool.take()
        warmup.append(len(specs))
        specs.append(Spec("warmup", (k + 1) % devices, list_of[ticket.type], ticket.payload, ticket.id))
    m = mix(scans, args)
    events: list[tuple[int, ...]] = []
    for _ in range(m.firsts):
        ticket = pool.take()
        events.append((len(specs),))
        specs.append(Spec("first", rng.randrange(devices), list_of[ticket.type], ticket.payload, ticket.id))
    for g in range(m.groups):
        ticket = pool.take()
        start = len(specs)
        for device in rng.sample(range(devices), args.group):
            specs.append(Spec("group", device, list_of[ticket.type], ticket.payload, ticket.id, g))
        events.append(tuple(range(start, len(specs))))
    for r in range(m.refusals):
        device = rng.randrange(devices)
        if r % 3 == 0:
            specs.append(Spec("garbage", device, rng.choice(list(lists.values())), garbage(rng), None))
        elif r % 3 == 1:
            ticket = rng.choice(pool.passes)
            specs.append(Spec("forged", device, list_of[ticket.type], forge(ticket.payload, rng), ticket.id))
        else:
            ticket = rng.choice(pool.passes)
            specs.append(Spec("wrong_list", device, lists[HALL], ticket.payload, ticket.id))
        events.append((len(specs) - 1,))
    rng.shuffle(events)
    times = [0.0] * len(events)
    if name == "rate" and events:
        if args.arrivals == "uniform":
            times = [i * args.duration / len(events) for i in range(len(events))]
        else:  # Poisson: exponential gaps, scaled so the last arrival is at the end of --duration
            gaps = [rng.expovariate(1.0) for _ in events]
            total = sum(gaps)
            clock, times = 0.0, []
            for gap in gaps:
                times.append(clock * args.duration / total)
                clock += gap
    return Phase(name, name == "rate", concurrency, specs, warmup, list(zip(times, events, strict=True)))


# --- the client process -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientPlan:
    host: str
    port: int
    headers: list[str]  # per device: its Authorization header line
    bodies: list[tuple[int, str]]  # per scan: (device, the JSON body up to the scanned_at value)
    warmup: list[int]
    events: list[tuple[float, tuple[int, ...]]]
    concurrency: int
    open_loop: bool
    timeout_s: float
    max_seconds: float


# (scan index, scheduled, sent, answered (time.monotonic(), one clock for every process), HTTP status
# (0: no answer), the result or the error)
Record = tuple[int, float, float, float, int, str]


@dataclass
class ClientRun:
    records: list[Record]
    warmup: list[Record]
    started: float  # monotonic: the first measured scan's arrival
    cpu_s: float  # the client process's CPU time over the measured scans
    waited: int  # scans that found all connections busy
    unsent: int


def _result(status: int, content: bytes) -> str:
    if status == 200:
        try:
            return str(json.loads(content)["result"])
        except (ValueError, KeyError, TypeError):
            return "(not a scan answer)"
    return f"HTTP {status} {problem_code(status, content)}".strip()


async def _drive(plan: ClientPlan, ready: Any, go: Any) -> ClientRun:
    connections = [RawConnection(plan.host, plan.port, plan.timeout_s) for _ in range(plan.concurrency)]
    free: asyncio.Queue[RawConnection] = asyncio.Queue()
    for connection in connections:
        free.put_nowait(connection)

    async def send(connection: RawConnection, index: int, scheduled: float, out: list[Record]) -> None:
        """One scan on ``connection``, which goes back to the free ones once answered."""
        device, head = plan.bodies[index]
        sent = time.monotonic()
        body = (head + dt.datetime.now(dt.UTC).isoformat() + '"}').encode()
        status, content, error = await connection.request("POST", SCAN_PATH, body, plan.headers[device])
        answered = time.monotonic()
        free.put_nowait(connection)
        out.append((index, scheduled, sent, answered, status, error or _result(status, content)))

    # Warm-up: the connections opened one after another, each with a garbage scan, so that the workers
    # accept them one at a time (a burst of connects is accepted in a batch by whichever worker wakes
    # first, which can leave a worker without any); then a first scan on each at once.
    warm: list[Record] = []
    for _ in connections:
        free.get_nowait()
    for connection, index in zip(connections, plan.warmup[0::2], strict=True):
        await send(connection, index, time.monotonic(), warm)

    async def warm_up(index: int) -> None:
        await send(await free.get(), index, time.monotonic(), warm)

    await asyncio.gather(*(warm_up(index) for index in plan.warmup[1::2]))
    gc.collect()
    gc.freeze()  # what the client holds from here on is never traversed by a full collection
    ready.set()
    await asyncio.to_thread(go.wait)

    records: list[Record] = []
    waited = unsent = 0
    cpu_before = time.process_time()
    start = time.monotonic() + 0.05
    deadline = start + plan.max_seconds
    if plan.open_loop:
        tasks = []
        for at, scans in plan.events:
            delay = start + at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.monotonic() > deadline:
                unsent += len(scans)
                continue
            for index in scans:
                if free.empty():
                    waited += 1
                connection = await free.get()
                tasks.append(asyncio.create_task(send(connection, index, start + at, records)))
        await asyncio.gather(*tasks)
    else:
        todo = deque(index for _, scans in plan.events for index in scans)

        async def loop() -> None:
            nonlocal unsent
            while todo:
                index = todo.popleft()
                if time.monotonic() > deadline:
                    unsent += 1
                    continue
                await send(await free.get(), index, time.monotonic(), records)

        await asyncio.sleep(max(0.0, start - time.monotonic()))
        await asyncio.gather(*(loop() for _ in connections))
    cpu = time.process_time() - cpu_before
    for connection in connections:
        await connection.close()
    return ClientRun(records, warm, start, cpu, waited, unsent)


def client_process(plan: ClientPlan, ready: Any, go: Any, results: Any) -> None:
    try:
        results.put(asyncio.run(_drive(plan, ready, go)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the run
        results.put(exc)


def client_plan(phase: Phase, server: Server, tokens: list[str], args: argparse.Namespace) -> ClientPlan:
    bodies = [
        (
            s.device,
            f'{{"payload":{json.dumps(s.payload)},"list":{s.list_id},"nonce":"{uuid.uuid4().hex}","scanned_at":"',
        )
        for s in phase.specs
    ]
    headers = [f"Authorization: Bearer {token}\r\n" for token in tokens]
    max_seconds = args.duration + 30 if phase.open_loop else args.max_seconds
    return ClientPlan(
        HOST, server.port, headers, bodies, phase.warmup, phase.events, phase.concurrency, phase.open_loop,
        args.request_timeout_s, max_seconds,
    )  # fmt: skip


# --- a phase, measured ----------------------------------------------------------------------------------


def redis_pid(redis_url: str) -> int | None:
    """The local redis-server serving ``redis_url``'s port, to count its CPU (None when not local)."""
    port = redis_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[-1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "redis-server":
                    if f":{port}" in (entry / "cmdline").read_bytes().decode(errors="replace"):
                        return int(entry.name)
    return None


def connections_per_worker(server: Server) -> list[int]:
    """Established connections on the server's port held by each serving process (from /proc: the
    socket inodes of each process against /proc/net/tcp), most first."""
    established = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == server.port and fields[3] == "01":
                established.add(fields[9])
    counts = []
    for pid in server.descendants():
        if pid == server.process.pid and server.workers > 1:
            continue  # the supervisor only listens
        inodes = set()
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
        if inodes & established or pid != server.process.pid:
            counts.append(len(inodes & established))
    return sorted((c for c in counts), reverse=True)[: max(1, server.workers)]


@dataclass
class PhaseRun:
    phase: Phase
    run: ClientRun
    cpu_before: CpuSnapshot
    cpu_after: CpuSnapshot
    window_s: float  # wall time between the two snapshots
    redis_cpu: float
    load: tuple[float, float]
    spread: list[int]  # the phase's connections per worker

    def answers(self, kinds: set[str] | None = None, results: set[str] | None = None) -> list[Record]:
        specs = self.phase.specs
        return [
            r
            for r in self.run.records
            if (kinds is None or specs[r[0]].kind in kinds) and (results is None or r[5] in results)
        ]

    @property
    def errors(self) -> list[Record]:
        return [r for r in self.run.records if r[4] != 200]

    @property
    def span_s(self) -> float:
        """From the first scan sent to the last answer."""
        records = self.run.records
        return max(r[3] for r in records) - min(r[2] for r in records) if records else float("nan")

    @property
    def per_s(self) -> float:
        return len(self.answers()) / self.span_s if self.run.records else 0.0

    def unexpected(self) -> Counter[str]:
        """Scans whose result is not the one they must get: ``kind: expected -> got``."""
        found: Counter[str] = Counter()
        specs = self.phase.specs
        groups: dict[int, list[str]] = {}
        for r in [*self.run.warmup, *self.run.records]:
            spec = specs[r[0]]
            if r[4] != 200:
                continue  # an error, counted as such
            if spec.group >= 0:
                groups.setdefault(spec.group, []).append(r[5])
            elif spec.kind == "warmup":
                if r[5] not in ("admitted", "unreadable"):
                    found[f"warmup: {r[5]}"] += 1
            elif r[5] != spec.expected:
                found[f"{spec.kind}: expected {spec.expected}, got {r[5]}"] += 1
        for answers in groups.values():
            admitted = answers.count("admitted")
            others = Counter(a for a in answers if a != "admitted")
            if admitted != 1 or set(others) - {"already_admitted"}:
                found[f"group: {admitted} admitted, {dict(others)}"] += 1
        return found

    def double_admissions(self) -> int:
        """(list, ticket) answered ``admitted`` more than once."""
        specs = self.phase.specs
        admitted = Counter(
            (specs[r[0]].list_id, specs[r[0]].ticket)
            for r in [*self.run.warmup, *self.run.records]
            if r[5] == "admitted"
        )
        return sum(1 for n in admitted.values() if n > 1)


async def run_phase(
    phase: Phase, server: Server, tokens: list[str], args: argparse.Namespace, database_name: str
) -> PhaseRun:
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Event(), context.Event(), context.Queue()
    plan = client_plan(phase, server, tokens, args)
    process = context.Process(target=client_process, args=(plan, ready, go, results), daemon=True)
    process.start()
    redis = redis_pid(args.redis_url)

    async def outcome(until: Callable[[], bool], limit_s: float) -> Any:
        deadline = time.monotonic() + limit_s
        while not until():
            with contextlib.suppress(queue.Empty):
                found = results.get_nowait()
                if isinstance(found, BaseException):
                    raise RuntimeError(f"the client process failed: {found!r}")
                return found
            if not process.is_alive() and results.empty():
                raise RuntimeError(f"the client process exited with {process.exitcode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the client process did not finish within {limit_s:.0f} s")
            await asyncio.sleep(0.02)
        return None

    try:
        await outcome(ready.is_set, 120)
        spread = connections_per_worker(server)
        load_before = os.getloadavg()[0]
        before, redis_before, wall = (
            cpu_snapshot(server, database_name),
            cpu_of(redis) if redis else 0.0,
            time.monotonic(),
        )
        go.set()
        run: ClientRun = await outcome(lambda: False, plan.max_seconds + 2 * args.request_timeout_s + 60)
        after, redis_after = cpu_snapshot(server, database_name), cpu_of(redis) if redis else 0.0
        window = time.monotonic() - wall
        process.join(timeout=10)
    finally:
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
    return PhaseRun(
        phase, run, before, after, window, redis_after - redis_before, (load_before, os.getloadavg()[0]), spread
    )


# --- set-up ---------------------------------------------------------------------------------------------


@dataclass
class Gates:
    edition_id: int
    lists: dict[str, int]  # slug -> id
    tokens: list[str]  # per device
    tickets: list[Ticket]
    orders: int
    slot_starts: dt.datetime
    setup_s: float = 0.0


async def set_up_gates(args: argparse.Namespace, settings: Any, tickets_needed: int) -> Gates:
    from festival.tables import Edition
    from schedule.demo import DEMO_ACTOR
    from schedule.tables import Slot
    from ticketing import catalogue, checkin_lists, devices, orders, payments, signing, tickets
    from ticketing.checkin_schemas import CheckinListIn, DeviceIn
    from ticketing.schemas import BuyerIn, LineIn, TicketTypeIn

    now = dt.datetime.now(dt.UTC)
    today = now.date()
    await Edition.update(
        {Edition.first_day: today - dt.timedelta(days=1), Edition.last_day: today + dt.timedelta(days=2)}
    ).where(Edition.slug == EDITION)
    edition = await Edition.select(Edition.id).where(Edition.slug == EDITION).first()
    slot = await (
        Slot.select(Slot.id, Slot.uid)
        .where((Slot.edition.slug == EDITION) & (Slot.kind == "public") & (Slot.status == "confirmed"))
        .order_by(Slot.starts_at)
        .first()
    )
    if edition is None or slot is None:
        raise RuntimeError(f"the demo's {EDITION} has no confirmed public slot")
    starts = now + dt.timedelta(minutes=10)
    await Slot.update({Slot.starts_at: starts, Slot.ends_at: starts + dt.timedelta(hours=2)}).where(
        Slot.id == slot["id"]
    )
    await catalogue.create_quota(DEMO_ACTOR, EDITION, QUOTA, "Gate benchmark", tickets_needed + PER_ORDER)
    names = {
        CONCERT: {"en": "Gala concert", "fi": "Gaalakonsertti", "sv": "Galakonsert", "zh": "新春音乐会"},
        PASS: {"en": "Festival pass", "fi": "Festivaalipassi", "sv": "Festivalpass", "zh": "音乐节通票"},
    }
    for slug, kind, slot_uid in ((CONCERT, "slot", str(slot["uid"])), (PASS, "festival", None)):
        await catalogue.create_ticket_type(
            DEMO_ACTOR,
            EDITION,
            TicketTypeIn(
                slug=slug,
                names=names[slug],
                quotas=[QUOTA],
                price_minor=1000,
                currency="EUR",
                kind=kind,  # type: ignore[arg-type]  # a literal of the two
                slot=slot_uid,
                max_per_order=PER_ORDER,
            ),
        )
    lists = {
        HALL: await checkin_lists.save_list(
            DEMO_ACTOR,
            EDITION,
            CheckinListIn(slug=HALL, name="Concert hall", slots=[str(slot["uid"])], gates=GATES[:2]),
        ),
        GROUNDS: await checkin_lists.save_list(
            DEMO_ACTOR, EDITION, CheckinListIn(slug=GROUNDS, name="Festival grounds", ticket_types=[PASS], gates=GATES)
        ),
    }
    tokens = []
    for k in range(args.devices):
        gate = GATES[k % len(GATES)]
        _, token = await devices.pair(
            DEMO_ACTOR, EDITION, DeviceIn(name=f"{gate} {k // len(GATES) + 1}", lists=[HALL, GROUNDS], gate=gate)
        )
        tokens.append(token)

    made: list[Ticket] = []
    order_count = 0
    buyer = BuyerIn(name="Gate Benchmark", email="gates@example.fi", language="fi")
    for slug, count in ((CONCERT, (tickets_needed + 1) // 2), (PASS, tickets_needed // 2)):
        while count > 0:
            quantity = min(PER_ORDER, count)
            order = await orders.reserve(EDITION, [LineIn(slug, quantity)], buyer)
            await payments.settle(
                order.code,
                provider="box_office",
                reference="gate benchmark",
                amount_minor=order.total_minor,
                currency=order.currency,
                actor="benchmark",
            )
            shown = await tickets.order_tickets(settings, code=order.code)
            made += [Ticket(signing.read(t.payload)[0].ticket_id, slug, t.payload) for t in shown.tickets]
            count -= quantity
            order_count += 1
    return Gates(int(edition["id"]), lists, tokens, made, order_count, starts)


# --- in-process anatomy of a scan -------------------------------------------------------------------------

ANATOMY_WARMUP = 10  # unmeasured first scans (asyncpg prepares each statement once per connection)
STATEMENTS = [  # (label, how the SQL starts)
    ("PG nonce check and ticket: SELECT ticketing_scan, ticketing_ticket", "SELECT s.id, s.payload_digest"),
    ("PG nonce check (a nonce sent twice at once): SELECT ticketing_scan", "SELECT id, payload_digest"),
    ("PG admission and scan record: WITH INSERT … INSERT", "WITH a AS (INSERT INTO ticketing_admission"),
    ("PG BEGIN", "BEGIN"),
    ("PG admission: INSERT ticketing_admission ON CONFLICT", "INSERT INTO ticketing_admission"),
    ("PG first admission: SELECT ticketing_admission", "SELECT id, first_device"),
    ("PG scan record: INSERT ticketing_scan", "INSERT INTO ticketing_scan"),
    ("PG COMMIT", "COMMIT"),
    ("PG pool reset (asyncpg's default; the app turns it off)", "SELECT pg_advisory_unlock_all"),
]
REDIS_LIMIT = "Redis rate limit (a pipeline)"
REDIS_SCRIPT = "Redis rate limit (EVALSHA of the counting script)"


class RoundTrips:
    """Counts and times what this process sends to PostgreSQL (each asyncpg statement is a round trip)
    and to Redis (a command, or a pipeline: one round trip), by statement."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self._undo: list[Callable[[], None]] = []

    def note(self, what: str, started: float) -> None:
        self.calls[what] += 1
        self.seconds[what] += time.perf_counter() - started

    @staticmethod
    def label(sql: str) -> str:
        text = " ".join(sql.split())
        for label, start in STATEMENTS:
            if text.startswith(start):
                return label
        tables = dict.fromkeys(re.findall(r"\b((?:festival|schedule|ticketing)_[a-z_]+)", text))
        return f"PG other: {text.split(' ', 1)[0]} {', '.join(tables)}".strip()

    def install(self) -> None:
        import asyncpg.connection
        from redis.asyncio.client import Pipeline, Redis

        connection: Any = asyncpg.connection.Connection
        execute, execute_args = connection.execute, connection._execute
        pipeline: Any = Pipeline
        redis: Any = Redis
        pipeline_execute, command = pipeline.execute, redis.execute_command
        trips = self

        async def counted_execute(self_: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            if args:  # with arguments asyncpg goes through _execute, counted there
                return await execute(self_, query, *args, **kwargs)
            started = time.perf_counter()
            try:
                return await execute(self_, query, **kwargs)
            finally:
                trips.note(trips.label(query), started)

        async def counted_execute_args(self_: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await execute_args(self_, query, *args, **kwargs)
            finally:
                trips.note(trips.label(query), started)

        async def counted_pipeline(self_: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await pipeline_execute(self_, *args, **kwargs)
            finally:
                trips.note(REDIS_LIMIT, started)

        async def counted_command(self_: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await command(self_, *args, **kwargs)
            finally:
                name = str(args[0]) if args else "?"
                trips.note(REDIS_SCRIPT if name.upper() == "EVALSHA" else f"Redis {name}", started)

        connection.execute, connection._execute = counted_execute, counted_execute_args
        pipeline.execute, redis.execute_command = counted_pipeline, counted_command
        self._undo = [
            lambda: setattr(connection, "execute", execute),
            lambda: setattr(connection, "_execute", execute_args),
            lambda: setattr(pipeline, "execute", pipeline_execute),
            lambda: setattr(redis, "execute_command", command),
        ]

    def uninstall(self) -> None:
        for undo in self._undo:
            undo()


async def asgi_post(app: Any, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """One POST straight into the ASGI app: no server, no HTTP parsing, no client library."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
        "client": (HOST, 50000),
        "server": (HOST, 80),
    }
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # no disconnect while the app answers
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


@dataclass
class AnatomyRow:
    kind: str
    expected: str
    results: Counter[str]
    wall_ms: list[float]
    cpu_ms: list[float]
    calls: Counter[str]  # over the measured scans
    seconds: defaultdict[str, float]

    @property
    def scans(self) -> int:
        return len(self.wall_ms)

    @property
    def replay(self) -> bool:
        return "same nonce" in self.kind

    @property
    def answered(self) -> int:
        return sum(n for result, n in self.results.items() if not result.startswith("HTTP"))


async def anatomy(
    args: argparse.Namespace, engine: Any, gates: Gates, pool: TicketPool, rng: random.Random
) -> list[AnatomyRow]:
    """Scans one at a time through the app in this process (its lifespan, Redis as the server has it),
    each kind ``--anatomy-scans`` times: wall and CPU time per scan, and the round trips to PostgreSQL
    and Redis by statement."""
    from festival.app import create_app
    from festival.settings import load_settings

    saved = {name: os.environ.get(name) for name in ("REDIS_URL", "SCANS_PER_DEVICE_PER_MINUTE")}
    os.environ.update({"REDIS_URL": args.redis_url, "SCANS_PER_DEVICE_PER_MINUTE": str(args.per_device_limit)})
    try:
        settings = load_settings()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    app = create_app(settings, engine=engine)
    list_of = {CONCERT: gates.lists[HALL], PASS: gates.lists[GROUNDS]}
    n = args.anatomy_scans
    fresh = [pool.take() for _ in range(n + ANATOMY_WARMUP)]
    headers = [[(b"authorization", f"Bearer {token}".encode())] for token in gates.tokens]

    def body(payload: str, list_id: int, nonce: str | None = None) -> bytes:
        scan = {"payload": payload, "list": list_id, "nonce": nonce or uuid.uuid4().hex}
        return json.dumps({**scan, "scanned_at": dt.datetime.now(dt.UTC).isoformat()}).encode()

    firsts = [(k % args.devices, body(t.payload, list_of[t.type])) for k, t in enumerate(fresh)]
    others = [((k + 1) % args.devices, body(t.payload, list_of[t.type])) for k, t in enumerate(fresh)]
    everyone = range(n + ANATOMY_WARMUP)
    kinds: list[tuple[str, str, list[tuple[int, bytes]]]] = [
        ("first scan", "admitted", firsts),
        ("re-scan, another device", "already_admitted", others),
        ("same nonce again (a retry)", "admitted", firsts),
        ("garbage", "unreadable", [(k % args.devices, body(garbage(rng), gates.lists[HALL])) for k in everyone]),
        (
            "forged signature",
            "bad_signature",
            [(k % args.devices, body(forge(t.payload, rng), list_of[t.type])) for k, t in enumerate(fresh)],
        ),
        (
            "a pass at the hall",
            "wrong_list",
            [(k % args.devices, body(rng.choice(pool.passes).payload, gates.lists[HALL])) for k in everyone],
        ),
    ]
    rows = []
    trips = RoundTrips()
    async with app.lifespan():
        trips.install()
        try:
            for kind, expected, scans in kinds:
                row = AnatomyRow(kind, expected, Counter(), [], [], Counter(), defaultdict(float))
                for k, (device, content) in enumerate(scans):
                    calls, seconds = Counter(trips.calls), dict(trips.seconds)
                    wall, cpu = time.perf_counter(), time.process_time()
                    status, answer = await asgi_post(app, SCAN_PATH, content, headers[device])
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    result = _result(status, answer)
                    row.results[result] += 1
                    if k >= ANATOMY_WARMUP:
                        row.wall_ms.append(wall * 1000)
                        row.cpu_ms.append(cpu * 1000)
                        row.calls.update(trips.calls - calls)
                        for label, spent in trips.seconds.items():
                            row.seconds[label] += spent - seconds.get(label, 0.0)
                rows.append(row)
        finally:
            trips.uninstall()
        if args.anatomy_profile:
            extra = [pool.take() for _ in range(n)]
            profiler = cProfile.Profile(time.process_time)
            results: Counter[str] = Counter()
            for k, t in enumerate(extra):
                content = body(t.payload, list_of[t.type])
                profiler.enable()
                status, answer = await asgi_post(app, SCAN_PATH, content, headers[k % args.devices])
                profiler.disable()
                results[_result(status, answer)] += 1
            profiler.dump_stats(args.anatomy_profile)
            rows.append(profile_row(profiler, results))
    return rows


def package_of(path: str, function: str) -> str:
    """Which package a profiled function belongs to (the app's own top-level packages by name)."""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    for package in ("festival", "schedule", "ticketing", "benchmarks"):
        if f"/{package}/" in path:
            return f"app: {package}"
    if path == "~":
        name = function.strip("<>").removeprefix("built-in method ").removeprefix("method ")
        return f"built-in: {name.split(' of ', 1)[0]}"
    return "stdlib: " + ("asyncio" if "/asyncio/" in path else Path(path).stem)


def profile_row(profiler: cProfile.Profile, results: Counter[str]) -> AnatomyRow:
    """The profiled first scans: their own time by package (in ``seconds``), kind ``profile``."""
    stats: Any = pstats.Stats(profiler)
    by_package: defaultdict[str, float] = defaultdict(float)
    for (path, _, function), (_, _, own, _, _) in stats.stats.items():
        by_package[package_of(path, function)] += own
    return AnatomyRow("profile", "admitted", results, [0.0] * results.total(), [], Counter(), by_package)


def anatomy_lines(rows: list[AnatomyRow]) -> list[str]:
    """Per kind: results, median wall and CPU ms; then round trips per scan and their mean ms, by statement;
    then, when profiled, the CPU of a first scan by package."""
    lines = []
    profiled = [r for r in rows if r.kind == "profile"]
    rows = [r for r in rows if r.kind != "profile"]
    width = max(len(r.kind) for r in rows)
    for r in rows:
        waits = sum(r.seconds.values()) * 1000 / r.scans
        lines.append(
            f"{r.kind:<{width}}  {', '.join(f'{k} {v}' for k, v in r.results.most_common()):<34}"
            f"  wall p50 {percentile(r.wall_ms, 50):5.2f} ms  cpu p50 {percentile(r.cpu_ms, 50):5.2f} ms"
            f"  round trips {sum(r.calls.values()) / r.scans:4.1f}, awaited {waits:4.2f} ms a scan"
        )
    labels = [label for label, _ in STATEMENTS] + [REDIS_SCRIPT, REDIS_LIMIT]
    labels += sorted({k for r in rows for k in r.calls} - set(labels))
    head = "round trips per scan (mean ms each)"
    lines.append("")
    lines.append(f"{head:<58}" + "".join(f"{r.kind[:22]:>24}" for r in rows))
    for label in labels:
        if not any(r.calls[label] for r in rows):
            continue
        cells = []
        for r in rows:
            count = r.calls[label]
            cells.append(f"{count / r.scans:.2f} ({r.seconds[label] * 1000 / count:.2f})" if count else "-")
        lines.append(f"{label:<58}" + "".join(f"{c:>24}" for c in cells))
    for p in profiled:
        total = sum(p.seconds.values())
        lines.append("")
        lines.append(
            f"CPU of a first scan by package (cProfile on the CPU clock, {p.scans} more first scans; the "
            f"profiler's own overhead included): {total * 1000 / p.scans:.2f} ms a scan"
        )
        ranked = sorted(p.seconds.items(), key=lambda item: -item[1])
        shown = ranked[:14]
        rest = sum(v for _, v in ranked[14:])
        for package, spent in [*shown, ("everything else", rest)]:
            lines.append(f"  {package:<40} {spent * 1000 / p.scans:6.3f} ms  {spent / total * 100:5.1f} %")
    return lines


# --- checks in the database -----------------------------------------------------------------------------


@dataclass
class DatabaseCheck:
    admissions: int  # Admission rows
    duplicate_admissions: int  # (list, ticket) with more than one Admission row
    admitted_scans: int  # Scan rows recorded "admitted"
    doubly_admitted: int  # (list, ticket) with more than one Scan recorded "admitted"
    scans: int  # Scan rows
    results: Counter[str]


async def check_database() -> DatabaseCheck:
    from ticketing.checkin import _fetch

    (admissions,) = await _fetch("SELECT count(*) AS n FROM ticketing_admission")
    (duplicates,) = await _fetch(
        "SELECT count(*) AS n FROM (SELECT checkin_list, ticket FROM ticketing_admission "
        "GROUP BY checkin_list, ticket HAVING count(*) > 1) d"
    )
    (doubly,) = await _fetch(
        "SELECT count(*) AS n FROM (SELECT checkin_list, ticket FROM ticketing_scan WHERE result = 'admitted' "
        "GROUP BY checkin_list, ticket HAVING count(*) > 1) d"
    )
    results = Counter(
        {r["result"]: int(r["n"]) for r in await _fetch("SELECT result, count(*) AS n FROM ticketing_scan GROUP BY 1")}
    )
    return DatabaseCheck(
        int(admissions["n"]), int(duplicates["n"]), results["admitted"], int(doubly["n"]), results.total(), results
    )


# --- offline verification ---------------------------------------------------------------------------------


def per_call_us(fn: Callable[[], object]) -> float:
    """The best of 5 timeit repeats, in microseconds per call."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


@dataclass
class OfflineCosts:
    python: list[tuple[str, float]]  # (what, µs per call)
    browser: list[tuple[str, float]] = field(default_factory=list)
    browser_note: str = ""
    package_note: str = ""


def decide_offline(
    payload: str,
    rules: Any,
    keys: dict[int, Any],
    edition_id: int,
    revoked: set[int],
    admitted: set[tuple[int, int]],
    now: dt.datetime,
) -> str:
    """What a scanner decides from its offline package (``docs/checkin.md``), in Python: the checks
    of ``ticketing.checkin._check`` that need no database, then the admissions the device knows."""
    from cryptography.exceptions import InvalidSignature

    from ticketing import signing

    try:
        claim, body, signature = signing.read(payload)
    except signing.InvalidTicket as exc:
        return exc.code
    if claim.edition_id != edition_id:
        return "other_edition"
    key = keys.get(claim.key_id)
    if key is None:
        return "unknown_key"
    try:
        key.verify(signature, body)
    except InvalidSignature:
        return "bad_signature"
    if claim.ticket_id in revoked:
        return "revoked"
    if claim.ticket_type_id not in rules.types:
        return "wrong_list"
    signed = (dt.datetime.fromtimestamp(claim.valid_from, dt.UTC), dt.datetime.fromtimestamp(claim.valid_until, dt.UTC))
    start, end = rules.window(claim.ticket_type_id, signed)
    if now < start:
        return "not_yet_valid"
    if now >= end:
        return "no_longer_valid"
    return "already_admitted" if (rules.id, claim.ticket_id) in admitted else "admitted"


async def python_costs(gates: Gates, package: dict[str, Any]) -> list[tuple[str, float]]:
    import hashlib

    from ticketing import checkin_lists, signing, ticket_keys

    ticket = next(t for t in gates.tickets if t.type == CONCERT)
    forged = forge(ticket.payload, random.Random(7))  # noqa: S311 - test data
    keys = await ticket_keys.verifying_keys(gates.edition_id)
    rules = await checkin_lists.rules(gates.lists[HALL])
    if rules is None:
        raise RuntimeError("the hall's list has no rules")
    revoked = set(package["revoked"])
    admitted = {(a["list"], a["ticket"]) for a in package["admitted"]}
    now = dt.datetime.now(dt.UTC)

    def lookup(edition: int, key_id: int) -> Any:
        return keys.get(key_id) if edition == gates.edition_id else None

    def verify_forged() -> None:
        with contextlib.suppress(signing.InvalidTicket):
            signing.verify(forged, lookup)

    claim, body, signature = signing.read(ticket.payload)
    key = keys[claim.key_id]
    decided = decide_offline(ticket.payload, rules, keys, gates.edition_id, revoked, admitted, now)
    if signing.verify(ticket.payload, lookup) != claim or decided not in ("admitted", "already_admitted"):
        raise RuntimeError(f"the offline decision of a real ticket is {decided}")
    return [
        ("signing.read (base32 decode, unpack; no signature check)", per_call_us(lambda: signing.read(ticket.payload))),
        ("Ed25519 verify of the 23-byte body alone (cryptography)", per_call_us(lambda: key.verify(signature, body))),
        ("signing.verify, a real payload", per_call_us(lambda: signing.verify(ticket.payload, lookup))),
        ("signing.verify, a forged payload (bad_signature)", per_call_us(verify_forged)),
        (
            f"the whole offline decision ({decided}; {len(admitted)} admissions known)",
            per_call_us(lambda: decide_offline(ticket.payload, rules, keys, gates.edition_id, revoked, admitted, now)),
        ),
        (
            "SHA-256 of the payload (the server's nonce check)",
            per_call_us(lambda: hashlib.sha256(ticket.payload.encode()).hexdigest()),
        ),
    ]


BROWSER_SCRIPT = """
async ({payload, forged, pkg, listId, iterations, moduleUrl}) => {
  let mod = null;
  try { mod = await import(moduleUrl); } catch (e) { mod = null; }
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  // The steps of the scanner's ticket.js, for when the app does not serve it.
  function base32Decode(text) {
    const out = new Uint8Array(Math.floor((text.length * 5) / 8));
    let buffer = 0, bits = 0, index = 0;
    for (const char of text) {
      const value = ALPHABET.indexOf(char);
      if (value < 0) return null;
      buffer = ((buffer << 5) | value) & 0xffff;
      bits += 5;
      if (bits >= 8) { bits -= 8; out[index++] = (buffer >> bits) & 0xff; }
    }
    return out;
  }
  function readPayload(text) {
    const cleaned = String(text).trim().toUpperCase();
    if (!/^[A-Z2-7]{140}$/.test(cleaned)) return null;
    const raw = base32Decode(cleaned);
    if (raw[0] !== 2) return null;
    const view = new DataView(raw.buffer, raw.byteOffset, 23);
    return {claim: {keyId: view.getUint16(1), ticketId: view.getUint32(3), editionId: view.getUint32(7),
                    ticketTypeId: view.getUint32(11), validFrom: view.getUint32(15), validUntil: view.getUint32(19)},
            body: raw.subarray(0, 23), signature: raw.subarray(23, 87)};
  }
  const read = mod ? mod.readPayload : readPayload;
  const b64 = (t) => Uint8Array.from(
    atob(t.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(t.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
  const parsed = read(payload);
  const keyInfo = pkg.keys.find((k) => k.key_id === parsed.claim.keyId);
  const key = await crypto.subtle.importKey("raw", b64(keyInfo.public_key), {name: "Ed25519"}, false, ["verify"]);
  const verify = (r) => crypto.subtle.verify({name: "Ed25519"}, key, r.signature, r.body);
  // Microseconds a call: the best of 5 rounds of n calls (as Python's timeit is read), after a warm-up.
  const syncUs = (fn, n) => {
    for (let i = 0; i < 100; i++) fn();
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      best = Math.min(best, (performance.now() - t0) * 1000 / n);
    }
    return best;
  };
  const asyncUs = async (fn, n) => {
    for (let i = 0; i < 50; i++) await fn();
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await fn();
      best = Math.min(best, (performance.now() - t0) * 1000 / n);
    }
    return best;
  };
  const out = {module: !!mod, valid: await verify(parsed), forgedValid: await verify(read(forged)),
               userAgent: navigator.userAgent};
  out.read = syncUs(() => read(payload), iterations * 10);
  out.verify = await asyncUs(() => verify(parsed), iterations);
  out.readVerify = await asyncUs(() => verify(read(payload)), iterations);
  out.forged = await asyncUs(() => verify(read(forged)), iterations);
  out.parallel = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    await Promise.all(Array.from({length: iterations}, () => verify(parsed)));
    out.parallel = Math.min(out.parallel, (performance.now() - t0) * 1000 / iterations);
  }
  if (mod && mod.decide && mod.importKeys && mod.admissionsOf) {
    const keys = await mod.importKeys(pkg.keys);
    const known = mod.admissionsOf(pkg, []);
    const args = {pkg, keys, listId, direction: "entry", text: payload, known, now: Date.now()};
    out.decision = (await mod.decide(args)).result;
    out.decide = await asyncUs(() => mod.decide(args), iterations);
    out.known = known.size;
  }
  return out;
}
"""


async def browser_costs(
    base_url: str, payload: str, pkg: dict[str, Any], list_id: int, iterations: int
) -> tuple[list[tuple[str, float]], str]:
    """WebCrypto in headless Chromium, on a page of the app's origin (127.0.0.1: a secure context)."""
    if not os.access(CHROMIUM, os.X_OK):
        return [], f"skipped: no Chromium at {CHROMIUM}"
    from playwright.async_api import async_playwright

    forged = forge(payload, random.Random(7))  # noqa: S311 - test data
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"], headless=True
        )
        try:
            page = await browser.new_page()
            await page.goto(f"{base_url}/health")
            found = await page.evaluate(
                BROWSER_SCRIPT,
                {
                    "payload": payload,
                    "forged": forged,
                    "pkg": pkg,
                    "listId": list_id,
                    "iterations": iterations,
                    "moduleUrl": f"{base_url}/static/scan/ticket.js",
                },
            )
            version = browser.version
        finally:
            await browser.close()
    if not found["valid"] or found["forgedValid"]:
        raise RuntimeError(
            f"WebCrypto verified the real payload {found['valid']}, the forged one {found['forgedValid']}"
        )
    source = "the scanner's /static/scan/ticket.js" if found["module"] else "the steps of ticket.js written out here"
    rows = [
        ("readPayload (base32 decode, DataView)", found["read"]),
        ("crypto.subtle.verify Ed25519, one at a time (awaited)", found["verify"]),
        ("readPayload + verify, a real payload", found["readVerify"]),
        ("readPayload + verify, a forged payload (false)", found["forged"]),
        (f"verify, {iterations} at once (Promise.all), per verification", found["parallel"]),
    ]
    if "decide" in found:
        rows.append(
            (f"decide(): the whole offline decision ({found['decision']}; {found['known']} known)", found["decide"])
        )
    return rows, f"Chromium {version} headless, {source}"


# --- the run --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    runs: list[PhaseRun]
    db: Database
    database: DatabaseCheck
    gates: Gates
    server: Server
    server_start_s: float
    offline: OfflineCosts | None
    anatomy: list[AnatomyRow]

    def run(self, name: str) -> PhaseRun | None:
        return next((r for r in self.runs if r.phase.name == name), None)

    @property
    def admitted_answers(self) -> int:
        """'admitted' answers to new scans (a nonce sent again is answered from its first record)."""
        served = sum(1 for r in self.runs for x in [*r.run.warmup, *r.run.records] if x[5] == "admitted")
        return served + sum(a.results["admitted"] for a in self.anatomy if not a.replay)

    @property
    def answered(self) -> int:
        """Scans answered 200, each recorded once (a nonce sent again adds no record)."""
        served = sum(1 for r in self.runs for x in [*r.run.warmup, *r.run.records] if x[4] == 200)
        return served + sum(a.answered for a in self.anatomy if not a.replay)

    @property
    def double_admissions(self) -> int:
        return (
            sum(r.double_admissions() for r in self.runs)
            + self.database.duplicate_admissions
            + (self.database.doubly_admitted)
        )

    def failures(self) -> list[str]:
        found = []
        for r in self.runs:
            if r.errors:
                kinds = Counter(x[5] for x in r.errors)
                found.append(f"{r.phase.name}: {len(r.errors)} scans not answered 200: {dict(kinds)}")
            warm_errors = [x for x in r.run.warmup if x[4] != 200]
            if warm_errors:
                found.append(f"{r.phase.name}: {len(warm_errors)} warm-up scans not answered 200")
            if r.run.unsent:
                found.append(f"{r.phase.name}: {r.run.unsent} scans not sent in time")
            if r.unexpected():
                found.append(f"{r.phase.name}: unexpected results {dict(r.unexpected())}")
            if r.double_admissions():
                found.append(f"{r.phase.name}: {r.double_admissions()} tickets answered 'admitted' twice")
        d = self.database
        if d.duplicate_admissions or d.doubly_admitted:
            found.append(f"database: {d.duplicate_admissions} (list, ticket) admitted twice, {d.doubly_admitted} "
                         "with two scans recorded 'admitted'")  # fmt: skip
        if not (d.admissions == d.admitted_scans == self.admitted_answers):
            found.append(
                f"database: {d.admissions} admissions and {d.admitted_scans} scans recorded 'admitted', but "
                f"{self.admitted_answers} 'admitted' answers"
            )
        if d.scans != self.answered:
            found.append(f"database: {d.scans} scans recorded, {self.answered} answered")
        for a in self.anatomy:
            if set(a.results) != {a.expected}:
                found.append(f"in-process {a.kind}: expected {a.expected}, got {dict(a.results)}")
        if not self.server.stopped_cleanly:
            found.append(f"the server did not stop cleanly (exit status {self.server.process.returncode})")
        return found


def phase_sizes(args: argparse.Namespace) -> list[tuple[str, int]]:
    """(phase, measured scans) of the phases to run, in order."""
    sizes = [("seq", args.seq_scans), ("rate", round(args.rate * args.duration)), ("max", args.max_scans)]
    return [(name, scans) for name, scans in sizes if scans > 0 and name in args.phases]


def tickets_needed(args: argparse.Namespace) -> int:
    """Fresh tickets for the phases (and their warm-ups) and the in-process anatomy."""
    warm = sum(1 if name == "seq" else args.concurrency for name, _ in phase_sizes(args))
    return (
        sum(mix(s, args).tickets for _, s in phase_sizes(args))
        + warm
        + (args.anatomy_scans * (2 if args.anatomy_profile else 1) + ANATOMY_WARMUP if args.anatomy_scans else 0)
    )


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
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the app's logging set-up would print every request
    rng = random.Random(args.seed)  # noqa: S311 - test data, not a secret
    async with database.connected(engine, settings.database):
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # Piccolo prints a report per app
            await database.migrate()
        await load_demo()
        gates = await set_up_gates(args, settings, tickets_needed(args))
        gates.setup_s = time.perf_counter() - started
        pool = TicketPool(gates.tickets, rng)
        anatomy_rows = await anatomy(args, engine, gates, pool, rng) if args.anatomy_scans else []
        phases = [build_phase(name, scans, args, pool, gates.lists, rng) for name, scans in phase_sizes(args)]
        for setting in args.pg_setting:  # for the server's connections, made from here on
            name, value = setting.split("=", 1)
            await engine.run_ddl(f"ALTER DATABASE \"{db.url.rsplit('/', 1)[-1]}\" SET {name} = '{value}'")
        started = time.perf_counter()
        server = start_server(args, db.url, state, secret_key)
        runs = []
        offline = None
        try:
            await wait_healthy(server)
            server_start_s = time.perf_counter() - started
            database_name = db.url.rsplit("/", 1)[-1]
            for phase in phases:
                runs.append(await run_phase(phase, server, gates.tokens, args, database_name))
                await asyncio.sleep(1.0)  # the server's in-flight work ends before the next phase
            if not args.no_offline:
                offline = await offline_costs(args, server, gates)
        finally:
            stop_server(server, bool(args.profile))
        checked = await check_database()
    outcome = Outcome(runs, db, checked, gates, server, server_start_s, offline, anatomy_rows)
    report(args, outcome)
    failures = outcome.failures()
    for line in failures:
        print(f"ERROR: {line}", file=sys.stderr)
    if any(r.errors for r in runs):
        print(f"Server log (last lines):\n{tail(server.log)}", file=sys.stderr)
    return 1 if failures else 0


async def offline_costs(args: argparse.Namespace, server: Server, gates: Gates) -> OfflineCosts:
    import httpx

    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        started = time.perf_counter()
        response = await client.get(f"{SCAN_PATH}/sync", headers={"authorization": f"Bearer {gates.tokens[0]}"})
        fetched_ms = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    package = response.json()
    note = (
        f"GET {SCAN_PATH}/sync after the run: {len(response.content) / 1024:.0f} KiB, {len(package['admitted'])} "
        f"admissions, {len(package['revoked'])} revoked, answered in {fetched_ms:.0f} ms"
    )
    costs = OfflineCosts(await python_costs(gates, package), package_note=note)
    if args.no_browser:
        costs.browser_note = "skipped (--no-browser)"
    else:
        payload = next(t.payload for t in gates.tickets if t.type == CONCERT)
        costs.browser, costs.browser_note = await browser_costs(
            server.base_url, payload, package, gates.lists[HALL], args.browser_iterations
        )
    return costs


# --- printing -------------------------------------------------------------------------------------------


def command(args: argparse.Namespace) -> str:
    return shlex.join([".venv/bin/python", "-m", "benchmarks.gate_scans", *args.argv])


def latency(records: list[Record], since_scheduled: bool = False) -> str:
    if not records:
        return "-"
    values = [(r[3] - (r[1] if since_scheduled else r[2])) * 1000 for r in records]
    return " / ".join(f"{percentile(values, p):.1f}" for p in (50, 95, 99)) + f" / {max(values):.1f}"


def p99_ms(records: list[Record]) -> float:
    return percentile([(r[3] - r[2]) * 1000 for r in records], 99)


def phase_title(args: argparse.Namespace, r: PhaseRun) -> str:
    if r.phase.open_loop:
        return (
            f"rate: {args.rate:g} scans/s offered ({args.arrivals} arrivals) for {args.duration:g} s, "
            f"at most {args.concurrency} in flight"
        )
    if r.phase.name == "seq":
        return f"seq: one scan at a time (closed loop, 1 in flight), {r.phase.measured} scans: the floor"
    return f"max: closed loop, {args.concurrency} in flight, {r.phase.measured} scans as fast as answered"


def phase_rows(args: argparse.Namespace, r: PhaseRun, server: Server) -> list[tuple[str, str]]:
    results = Counter(x[5] for x in r.run.records)
    kinds = Counter(r.phase.specs[x[0]].kind for x in r.run.records)
    refusals = r.answers(kinds={"garbage", "forged", "wrong_list"})
    rows = [
        ("scans answered / sent", f"{len(r.run.records)} / {r.phase.measured}"),
        ("scans per second (answered / first sent to last answer)", f"{r.per_s:.0f}"),
        ("latency of all scans p50 / p95 / p99 / max ms", latency(r.run.records)),
        ("  admitted", latency(r.answers(results={"admitted"}))),
        ("  already_admitted (re-scans at the same moment)", latency(r.answers(results={"already_admitted"}))),
        ("  refusals (unreadable, bad_signature, wrong_list)", latency(refusals)),
    ]
    if r.phase.open_loop:
        rows += [
            ("  all, from the scheduled arrival (incl. waiting)", latency(r.run.records, since_scheduled=True)),
            (f"scans that found all {args.concurrency} connections busy", f"{r.run.waited}"),
        ]
    workers, postgres = cpu_used(server, r.cpu_before, r.cpu_after)
    n = max(1, len(r.run.records))
    per_scan = [sum(workers) / n, postgres / n, r.redis_cpu / n, r.run.cpu_s / n]
    cores = os.cpu_count() or 1
    rows += [
        (
            "CPU a scan: workers + PostgreSQL + Redis + client ms",
            " + ".join(f"{x * 1000:.2f}" for x in per_scan)
            + f" = {sum(per_scan) * 1000:.2f} (at most {cores / sum(per_scan):.0f} scans/s on {cores} free cores)",
        ),
        ("scans by kind", ", ".join(f"{k} {n}" for k, n in kinds.most_common())),
        ("results", ", ".join(f"{k} {n}" for k, n in results.most_common())),
        ("errors (not 200, timeouts)", f"{len(r.errors)}"),
        ("unexpected results", f"{sum(r.unexpected().values())}"),
        ("tickets answered 'admitted' twice", f"{r.double_admissions()}"),
    ]
    return rows


def report(args: argparse.Namespace, o: Outcome) -> None:
    g = o.gates
    print(f"Gate scans benchmark, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"Machine:  {machine_line(o.db.description)}")
    print(f"Command:  {command(args)}")
    print(
        f"Server:   festival serve --workers {args.workers} (uvicorn) on 127.0.0.1, REDIS_URL {args.redis_url}; "
        f"healthy {o.server_start_s:.1f} s after start; env {' '.join(args.server_env)}"
        + (f"; ALTER DATABASE SET {', '.join(args.pg_setting)}" if args.pg_setting else "")
    )
    print(
        f"Limit:    SCANS_PER_DEVICE_PER_MINUTE raised to {args.per_device_limit} for the run (the app's default "
        f"is 600): {args.devices} devices send what hundreds of gates would; the Redis counter still runs on every scan"
    )
    print(
        f"Gates:    {EDITION}: lists {HALL} (the slot's {CONCERT} tickets, doors 30 min before the slot, which starts "
        f"{g.slot_starts:%H:%M} UTC) and {GROUNDS} ({PASS}); {args.devices} devices paired for both"
    )
    print(
        f"Tickets:  {len(g.tickets)} paid ({g.orders} orders of up to {PER_ORDER}: reserve + settle), QR payloads "
        f"from order_tickets; each phase its own; set-up {g.setup_s:.1f} s"
    )
    print(
        f"Mix:      of the scans, about {args.refusal_share:.0%} refusals (garbage, forged signature, wrong list), "
        f"{args.rescan_share:.0%} re-scans (a ticket scanned by {args.group} devices at once), the rest first scans; "
        f"warm-up: 2 scans per connection before each phase"
    )
    if o.anatomy:
        print()
        print(
            f"In-process, one scan at a time through the app (no server, no HTTP; lifespan and Redis as served; "
            f"{args.event_loop} event loop), "
            f"{args.anatomy_scans} scans of each kind after {ANATOMY_WARMUP} unmeasured:"
        )
        print("  " + "\n  ".join(anatomy_lines(o.anatomy)))
    for r in o.runs:
        print()
        print(f"Phase {phase_title(args, r)}")
        print(f"Load:     1-minute load average {r.load[0]:.2f} before, {r.load[1]:.2f} after")
        print(f"Spread:   connections per worker ({r.phase.concurrency} in all): {', '.join(map(str, r.spread))}")
        lines = cpu_lines(o.server, r.cpu_before, r.cpu_after, [r.run.cpu_s], r.window_s, r.redis_cpu)
        lines.insert(2, f"Redis {r.redis_cpu:.1f} s ({r.redis_cpu / r.window_s * 100:.0f} % of a core)")
        print("CPU:      " + "\n          ".join(lines))
        rows = phase_rows(args, r, o.server)
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            print(f"  {label:<{width}}  {value}")
    d = o.database
    print()
    print("Database, after every phase (warm-up and in-process scans included):")
    print(
        f"  Admission rows {d.admissions}; scans recorded 'admitted' {d.admitted_scans}; "
        f"'admitted' answers {o.admitted_answers}"
    )
    print(
        f"  (list, ticket) with more than one Admission row: {d.duplicate_admissions}; "
        f"with more than one scan recorded 'admitted': {d.doubly_admitted}"
    )
    print(f"  Scan rows {d.scans}; scans answered 200 {o.answered}")
    print(f"  double admissions: {o.double_admissions} (must be 0)")
    if o.offline is not None:
        print()
        print("Offline verification, per call (best of 5 rounds: timeit in Python, performance.now() in Chromium):")
        for what, us in o.offline.python:
            print(f"  Python {what}: {us:.1f} µs")
        print(f"  Browser: {o.offline.browser_note}")
        for what, us in o.offline.browser:
            print(f"  Browser {what}: {us:.1f} µs")
        print(f"  The offline package: {o.offline.package_note}")
    rate = o.run("rate")
    print()
    if rate is not None:
        p99 = p99_ms(rate.run.records)
        met = p99 < TARGET_P99_MS and rate.per_s >= 0.97 * args.rate
        print(
            f"Target: p99 under {TARGET_P99_MS:g} ms at {TARGET_RATE:g} scans/s, zero double admissions: "
            + ("met" if met and not o.double_admissions else "MISSED")
            + f" (p99 {p99:.1f} ms at {rate.per_s:.0f} scans/s, {args.rate:g} offered; "
            f"double admissions {o.double_admissions})"
        )
    print()
    print("Markdown for docs/benchmarks.md:")
    print()
    loads = ", ".join(f"{r.load[0]:.2f}" for r in o.runs)
    print(f"`{command(args)}`, {dt.date.today():%Y-%m-%d}, load average before the phases {loads}:")
    print()
    header = " | ".join(
        f"{r.phase.name} (open loop, {args.rate:g}/s offered)"
        if r.phase.open_loop
        else f"{r.phase.name} (closed loop, {r.phase.concurrency} in flight)"
        for r in o.runs
    )
    print(f"| gate scans, {args.workers} workers, {args.devices} devices | {header} |")
    print("| --- |" + " --- |" * len(o.runs))
    print("| scans per second | " + " | ".join(f"{r.per_s:.0f}" for r in o.runs) + " |")
    print("| all scans p50 / p95 / p99 / max ms | " + " | ".join(latency(r.run.records) for r in o.runs) + " |")
    print(
        "| admitted p50 / p95 / p99 / max ms | "
        + " | ".join(latency(r.answers(results={"admitted"})) for r in o.runs)
        + " |"
    )
    print(
        "| scans / errors / unexpected results | "
        + " | ".join(f"{len(r.run.records)} / {len(r.errors)} / {sum(r.unexpected().values())}" for r in o.runs)
        + " |"
    )
    print(f"| double admissions (answers and database) | {o.double_admissions} |" + " |" * (len(o.runs) - 1))


# --- command line -------------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> int:
    args.event_loop = type(asyncio.get_running_loop()).__module__.split(".")[0]  # uvloop or asyncio
    return await with_database(args, benchmark)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gate_scans",
        description="Online gate scans against festival serve --workers N on PostgreSQL: scans/s, latency, "
        "double admissions; and the cost of an offline verification in Python and in Chromium.",
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="server to create the database on")
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"REDIS_URL of the server (default {DEFAULT_REDIS_URL})"
    )
    parser.add_argument("--workers", type=int, default=3, help="festival serve --workers (default 3)")
    parser.add_argument(
        "--rate", type=float, default=TARGET_RATE, help="scans a second offered in the rate phase (default 300)"
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the rate phase (default 20)")
    parser.add_argument(
        "--arrivals", choices=["poisson", "uniform"], default="poisson", help="of the rate phase (default poisson)"
    )
    parser.add_argument("--max-scans", type=int, default=6000, help="scans of the closed-loop phase (default 6000)")
    parser.add_argument(
        "--phases", default="seq,rate,max", help="which of seq, rate, max to run, in that order (default all three)"
    )
    parser.add_argument("--seq-scans", type=int, default=300, help="scans of the one-at-a-time phase (default 300)")
    parser.add_argument(
        "--anatomy-scans",
        type=int,
        default=100,
        help="in-process scans of each kind, one at a time (default 100; 0 skips)",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="scans in flight at most (default 16)")
    parser.add_argument("--devices", type=int, default=24, help="gate devices sending the scans (default 24)")
    parser.add_argument("--rescan-share", type=float, default=0.10, help="share of re-scans (default 0.10)")
    parser.add_argument("--group", type=int, default=3, help="devices scanning a re-scanned ticket at once (default 3)")
    parser.add_argument("--refusal-share", type=float, default=0.06, help="share of refusals (default 0.06)")
    parser.add_argument(
        "--per-device-limit",
        type=int,
        default=1_000_000,
        help="SCANS_PER_DEVICE_PER_MINUTE of the server (default 1000000)",
    )
    parser.add_argument("--seed", type=int, default=2027, help="of the plan")
    parser.add_argument("--request-timeout-s", type=float, default=10.0, help="per scan (default 10)")
    parser.add_argument(
        "--max-seconds", type=float, default=60.0, help="no closed-loop scan starts after this (default 60)"
    )
    parser.add_argument("--no-offline", action="store_true", help="skip the offline verification costs")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser's offline verification cost")
    parser.add_argument(
        "--browser-iterations",
        type=int,
        default=2000,
        help="calls per timed round in Chromium (default 2000; best of 5 rounds)",
    )
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="a setting for the server (repeatable)"
    )
    parser.add_argument(
        "--anatomy-profile",
        metavar="FILE",
        help="profile --anatomy-scans more in-process first scans (cProfile, CPU clock), print their CPU by "
        "package and write the statistics to FILE",
    )
    parser.add_argument(
        "--pg-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="ALTER DATABASE … SET NAME = VALUE for the server's connections, e.g. synchronous_commit=off",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="serve with --workers 1 under cProfile and write its statistics to FILE"
    )
    args = parser.parse_args(argv)
    if args.profile:
        args.workers = 1
    args.argv = sys.argv[1:] if argv is None else argv
    args.database = "postgres"  # for benchmarks.programme.with_database
    args.phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    if not args.phases or args.phases - {"seq", "rate", "max"}:
        parser.error("--phases: some of seq, rate, max")
    if min(args.workers, args.concurrency, args.devices, args.rate, args.duration, args.per_device_limit) <= 0:
        parser.error("--workers, --concurrency, --devices, --rate, --duration and --per-device-limit must be positive")
    if args.group < 2 or args.group > args.devices:
        parser.error("--group: 2 to --devices")
    in_groups = args.rescan_share * args.group / (args.group - 1) if args.group > 1 else 0.0
    if not (0 <= args.rescan_share and 0 <= args.refusal_share and in_groups + args.refusal_share < 1):
        parser.error("--rescan-share and --refusal-share leave room for first scans")
    if any("=" not in item for item in args.server_env):
        parser.error("--server-env takes NAME=VALUE")
    if any(not re.fullmatch(r"[a-z_]+=[A-Za-z0-9_.]+", item) for item in args.pg_setting):
        parser.error("--pg-setting takes name=value (letters, digits, _ and .)")
    if not any(item.startswith("SCANS_PER_DEVICE_PER_MINUTE=") for item in args.server_env):
        args.server_env.append(f"SCANS_PER_DEVICE_PER_MINUTE={args.per_device_limit}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        # uvloop when installed, as uvicorn picks it for the server: the in-process anatomy then runs
        # on the event loop the served app has.
        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
        with contextlib.suppress(ImportError):
            import uvloop

            loop_factory = uvloop.new_event_loop
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            return runner.run(main_async(args))
    except KeyboardInterrupt:
        print("interrupted: the server was stopped and the database dropped", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - any failure of the set-up or the server: the traceback, then exit 2
        traceback.print_exc()
        return 2


if __name__ == "__main__":
    sys.exit(main())
