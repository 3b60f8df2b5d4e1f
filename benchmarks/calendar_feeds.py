"""iCalendar feed of a large edition, ``GET /calendars/{edition}.ics``: latency and SQL queries per request.

    .venv/bin/python -m benchmarks.calendar_feeds [--database sqlite|postgres] [--slots 2000] [--requests 300]

Builds the same throwaway database and published editions as ``benchmarks.programme`` (its set-up,
query counter, timing and tables are imported from there): ``bench-2027`` with ``--slots`` slots and
``bench-small-2027`` with ``--compare-slots``, there to show that the queries per request do not grow
with the programme. The real app is served in-process through ``httpx.ASGITransport`` (gzip accepted,
as calendar apps do), one request at a time.

Rows per edition, all on the English feed (no ``?lang=``):

- first render: the rendered bytes cache (``schedule.feeds._rendered``) is emptied before each of
  ``--first-samples`` requests, so each renders the whole feed; the decoded snapshot stays cached.
  Its "first" column is the process's first request for that feed, with nothing cached (and, for
  ``bench-2027``, the one-off import of ``icalendar``).
- repeat render: the same address again, bytes cached; then the same without gzip
  (``Accept-Encoding: identity``), which shows by difference what compressing the body costs.
- 304: ``If-None-Match`` with the ETag of a first GET, then ``If-Modified-Since`` with its
  Last-Modified (no ETag sent); both must answer 304.
- programme re-read: a repeat and a 304 with ``schedule.feeds.current``'s memo emptied before each
  request, as every request is once the 2-second memo of the current version has run out: the
  edition and its latest version are read again (2 queries).

Targets at ``--slots`` slots: repeat render p99 at most 20 ms, 304 p99 at most 5 ms. The script also
checks that the feed has one VEVENT per slot and prints a markdown table for ``docs/benchmarks.md``.

Exit status 0 when every request answered as expected and the feed held every slot, whether or not
the targets are met; 1 otherwise (the tables are printed anyway); 2 when the set-up failed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import io
import os
import pstats
import shlex
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.programme import (
    DEFAULT_POSTGRES_URL,
    IN_REQUEST,
    SMALL,
    Database,
    EditionSize,
    GcWatch,
    QueryCounter,
    Row,
    Scenario,
    latency_table,
    machine_line,
    measure,
    prepared,
    table,
    with_database,
)

if TYPE_CHECKING:
    import httpx

TARGET_REPEAT_P99_MS = 20.0
TARGET_304_P99_MS = 5.0
BASE_URL = "http://bench.local"
FIRST = "first render (bytes cache cleared)"
REPEAT = "repeat render (bytes cached)"
IDENTITY = "repeat, no gzip (identity)"
ETAG = "304 (If-None-Match)"
SINCE = "304 (If-Modified-Since)"
REREAD = "repeat, programme re-read"
REREAD_304 = "304 (If-None-Match), programme re-read"


@dataclass(frozen=True)
class FeedScenario(Scenario):
    headers: tuple[tuple[str, str], ...] = ()  # sent with every request
    since: bool = False  # send If-Modified-Since with the Last-Modified of a first GET
    fresh: bool = False  # empty the rendered bytes cache before every request
    forget: bool = False  # empty feeds.current's memo before every request: the programme is read again
    target_ms: float | None = None  # p99 target at the large size


def scenarios(slug: str) -> list[FeedScenario]:
    path = f"/calendars/{slug}.ics"
    return [
        FeedScenario(FIRST, path, fresh=True),
        FeedScenario(REPEAT, path, target_ms=TARGET_REPEAT_P99_MS),
        FeedScenario(IDENTITY, path, headers=(("Accept-Encoding", "identity"),)),  # what gzip costs, by difference
        FeedScenario(ETAG, path, expect=304, revalidate=True, target_ms=TARGET_304_P99_MS),
        FeedScenario(SINCE, path, expect=304, since=True, target_ms=TARGET_304_P99_MS),
        # What a request costs when the process's 2-second memo of the current version has run out.
        FeedScenario(REREAD, path, forget=True),
        FeedScenario(REREAD_304, path, expect=304, revalidate=True, forget=True),
    ]


@dataclass
class FeedFacts:
    """What the first full response of a feed held."""

    content_type: str = ""
    size: int = 0
    wire: int = 0  # bytes on the wire (gzip)
    events: int = 0
    etags: set[str] = field(default_factory=set)  # over every fresh render: one when rendering is deterministic


def client_of(app: Any, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """A client of the app in this process (``app`` is Any: Litestar's ASGI types are narrower than httpx's)."""
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=headers)


async def timed(
    client: httpx.AsyncClient, counter: QueryCounter, path: str, headers: dict[str, str] | None = None
) -> tuple[float, float, int, Any]:
    """One request as ``benchmarks.programme.measure`` times it: wall ms, CPU ms, queries, response."""
    counter.reset()
    token = IN_REQUEST.set(True)
    try:
        cpu, started = time.process_time(), time.perf_counter()
        response = await client.get(path, headers=headers)
        elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        return elapsed, cpu, counter.count, response
    finally:
        IN_REQUEST.reset(token)


async def measure_fresh(
    client: httpx.AsyncClient,
    counter: QueryCounter,
    gc_watch: GcWatch,
    scenario: FeedScenario,
    samples: int,
    facts: FeedFacts,
    profile: bool,
) -> Row:
    """The process's first request ("first"), then ``samples`` with the bytes cache (``fresh``) or the
    current version's memo (``forget``) emptied before each."""
    from schedule import feeds

    row = Row(scenario)
    gc_watch.pauses.clear()
    row.first_ms, _, row.first_queries, response = await timed(client, counter, scenario.path)
    row.first_gc = sum(gc_watch.pauses)
    if not scenario.revalidate:  # else this first GET only fetched the ETag to send
        row.statuses[response.status_code] += 1
    body = response.content
    row.size = facts.size = len(body)
    facts.content_type = response.headers.get("content-type", "")
    facts.wire = response.num_bytes_downloaded
    facts.events = body.count(b"BEGIN:VEVENT")
    facts.etags.add(response.headers.get("etag", ""))
    gc_watch.pauses.clear()
    profiler = cProfile.Profile() if profile else None
    headers = dict(scenario.headers)
    if scenario.revalidate:
        headers["If-None-Match"] = response.headers.get("etag", "")
    for _ in range(samples):
        if scenario.fresh:
            feeds._rendered._entries.clear()
        if scenario.forget:
            feeds._current.clear()
        if profiler:
            profiler.enable()
        elapsed, cpu, queries, response = await timed(client, counter, scenario.path, headers)
        if profiler:
            profiler.disable()
        row.samples.append(elapsed)
        row.cpu.append(cpu)
        row.queries.append(queries)
        row.statuses[response.status_code] += 1
        facts.etags.add(response.headers.get("etag", ""))
    row.gc_pauses = list(gc_watch.pauses)
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(r"festival|schedule|icalendar|gzip|litestar", 25)
        row.profile = out.getvalue()
    return row


async def measure_edition(
    app: Any, client: httpx.AsyncClient, counter: QueryCounter, gc_watch: GcWatch, args: argparse.Namespace, slug: str
) -> tuple[list[Row], FeedFacts]:
    facts = FeedFacts()
    rows = []
    small = slug == SMALL  # only there to compare queries: fewer requests keep the run short
    for scenario in scenarios(slug):
        count = min(args.requests, args.compare_requests) if small else args.requests
        profile = bool(args.profile) and args.profile in scenario.label and not small
        if scenario.fresh:
            samples = min(args.first_samples, args.compare_requests) if small else args.first_samples
            rows.append(await measure_fresh(client, counter, gc_watch, scenario, samples, facts, profile))
            continue
        if scenario.forget:
            rows.append(await measure_fresh(client, counter, gc_watch, scenario, count, FeedFacts(), profile))
            continue
        headers = dict(scenario.headers)  # measure() adds only If-None-Match: a client of its own sends these
        if scenario.since:
            headers["If-Modified-Since"] = (await client.get(scenario.path)).headers.get("last-modified", "")
        async with client_of(app, headers) as own:
            rows.append(
                await measure(own, counter, gc_watch, scenario, count, args.warmup, scenario.label if profile else None)
            )
    return rows, facts


async def benchmark(args: argparse.Namespace, db: Database, state: Path) -> int:
    """``benchmarks.programme.benchmark`` with the feed's rows."""
    async with prepared(args, db, state) as ready:
        app, editions, counter, gc_watch = ready.app, ready.editions, ready.counter, ready.gc_watch
        results: dict[str, tuple[list[Row], FeedFacts]] = {}
        started = time.perf_counter()
        load_before = os.getloadavg()[0]
        async with app.lifespan(), client_of(app) as client:
            await asyncio.sleep(0.5)  # let the start-up jobs (session purge) finish before the first request
            for edition in editions:
                results[edition.slug] = await measure_edition(app, client, counter, gc_watch, args, edition.slug)
        measure_s = time.perf_counter() - started
    report(args, db, editions, results, ready.setup_s, measure_s, (load_before, os.getloadavg()[0]), counter.outside)
    failed = 0
    for edition in editions:
        rows, facts = results[edition.slug]
        for r in rows:
            if not r.ok:
                failed += 1
                print(
                    f"ERROR: {r.scenario.path} {r.scenario.label} answered {r.status_text}, "
                    f"expected {r.scenario.expect}",
                    file=sys.stderr,
                )
        if facts.events != edition.slots:
            failed += 1
            print(f"ERROR: {edition.slug}.ics holds {facts.events} VEVENTs for {edition.slots} slots", file=sys.stderr)
    return 1 if failed else 0


def command(args: argparse.Namespace) -> str:
    return shlex.join([".venv/bin/python", "-m", "benchmarks.calendar_feeds", *args.argv])


def ms(row: Row) -> str:
    return f"{row.percentile(50):.1f} / {row.percentile(99):.1f}"


def report(
    args: argparse.Namespace,
    db: Database,
    editions: list[EditionSize],
    results: dict[str, tuple[list[Row], FeedFacts]],
    setup_s: float,
    measure_s: float,
    load: tuple[float, float],
    background_queries: int,
) -> None:
    big, small = editions[0], (editions[1] if len(editions) > 1 else None)
    big_rows, facts = results[big.slug]
    print(f"Calendar feed benchmark, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"Machine:  {machine_line(db.description)}")
    print(f"Command:  {command(args)}")
    for e in editions:
        print(f"Edition:  {e.slug}: {e.slots} slots, {e.items} items, {e.venues} venues, {e.days} days (published)")
    print(
        f"Feed:     GET /calendars/{big.slug}.ics: {facts.content_type}, {facts.size:,} bytes "
        f"({facts.wire:,} gzip on the wire), {facts.events:,} VEVENTs; "
        + (
            "the same ETag from every fresh render"
            if len(facts.etags) == 1
            else f"{len(facts.etags)} different ETags from {args.first_samples + 1} fresh renders"
        )
    )
    print(
        f"Requests: sequential, in-process ASGI (httpx.ASGITransport, gzip accepted); first render: the "
        f"process's first request ('first'), then {args.first_samples} with schedule.feeds._rendered emptied "
        f"before each; other rows: one request ('first'), {args.warmup} warm-up, {args.requests} measured "
        f"({SMALL}: at most {args.compare_requests} per row)"
    )
    print(
        f"Time:     set-up {setup_s:.1f} s, measuring {measure_s:.1f} s; latencies in ms of wall-clock time, "
        "'cpu' columns: this process's CPU time per request (all threads)"
    )
    print(f"Load:     1-minute load average {load[0]:.2f} before measuring, {load[1]:.2f} after (other processes)")
    print(
        f"Queries:  per request, in the request's own task; {background_queries} more ran in in-process jobs "
        "while measuring (not counted)"
    )
    for e in editions:
        print()
        print(f"{e.slug} ({e.slots} slots)")
        print(latency_table(results[e.slug][0]))
    if small is not None:
        print()
        print("SQL queries per request by programme size (first render: cache emptied; others warm)")
        body = [
            [
                b.scenario.label,
                s.query_range,
                b.query_range,
                "yes" if s.query_range == b.query_range else "NO",
            ]
            for b, s in zip(big_rows, results[small.slug][0], strict=True)
        ]
        print(table(["request", f"{small.slots} slots", f"{big.slots} slots", "constant"], body))
    print()
    print(f"Targets at {big.slots} slots:")
    for r in big_rows:
        if isinstance(r.scenario, FeedScenario) and r.scenario.target_ms is not None:
            p99, target = r.percentile(99), r.scenario.target_ms
            print(
                f"  {r.scenario.label:<28} p99 {p99:6.1f} ms  target <= {target:.0f} ms: "
                + ("met" if p99 <= target else "MISSED")
            )
    print()
    print("Markdown for docs/benchmarks.md:")
    print()
    print(f"`{command(args)}` on {machine_line(db.description)}, {dt.date.today():%Y-%m-%d}:")
    print()
    size_columns = [f"{big.slots:,} slots median / p99 ms"]
    if small is not None:
        size_columns.append(f"{small.slots:,} slots median / p99 ms")
    queries_sizes = " and ".join(f"{e.slots:,}" for e in reversed(editions))
    print(
        "| `GET /calendars/{edition}.ics` | " + " | ".join(size_columns) + f" | SQL queries ({queries_sizes} slots) |"
    )
    print("| --- " * (len(size_columns) + 2) + "|")
    small_rows = results[small.slug][0] if small is not None else [None] * len(big_rows)
    for b, s in zip(big_rows, small_rows, strict=True):
        cells = [b.scenario.label, ms(b)] + ([ms(s)] if s is not None else [])
        queries = b.query_range if s is None or s.query_range == b.query_range else f"{s.query_range} / {b.query_range}"
        print("| " + " | ".join([*cells, queries]) + " |")
    print()
    print(
        f"Feed of {big.slots:,} slots: {facts.size:,} bytes ({facts.wire:,} gzip), {facts.events:,} VEVENTs; "
        f"first render sampled {args.first_samples} times, other rows {args.requests} requests."
    )
    for rows, _ in results.values():
        for r in rows:
            if r.profile:
                print()
                print(f"Profile of the measured requests: {r.scenario.label}")
                print(r.profile)


async def main_async(args: argparse.Namespace) -> int:
    return await with_database(args, benchmark)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.calendar_feeds",
        description="Latency and SQL queries per request of GET /calendars/{edition}.ics, an edition's iCalendar feed.",
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="server to create the database on")
    parser.add_argument("--slots", type=int, default=2000, help="slots of bench-2027 (default 2000)")
    parser.add_argument(
        "--compare-slots", type=int, default=200, help="slots of bench-small-2027, to compare queries (0: skip)"
    )
    parser.add_argument("--requests", type=int, default=300, help="measured requests per row (default 300)")
    parser.add_argument(
        "--first-samples", type=int, default=20, help="first renders, bytes cache emptied before each (default 20)"
    )
    parser.add_argument(
        "--compare-requests", type=int, default=50, help="measured requests per row of bench-small-2027 (default 50)"
    )
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests per row after the first")
    parser.add_argument("--profile", metavar="TEXT", help="cProfile the measured requests of rows whose label has TEXT")
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv  # for the command printed with the results
    if min(args.slots, args.requests, args.first_samples, args.compare_requests) < 1 or args.compare_slots < 0:
        parser.error("--slots, --first-samples and the request counts must be positive, --compare-slots 0 or more")
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
