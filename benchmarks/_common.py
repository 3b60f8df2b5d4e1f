"""Pieces shared by the benchmarks that serve the app as in production (``ticket_rush``, ``gate_scans``):
``festival serve --workers N`` as a subprocess on 127.0.0.1, a hand-written HTTP/1.1 client that costs
the shared cores little, nearest-rank percentiles, and CPU accounting from ``/proc``.

Imports only the standard library at module level (httpx inside ``wait_healthy``), so the client
processes the benchmarks spawn start light.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


# --- statistics -----------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


# --- the client -----------------------------------------------------------------------------------


class RawConnection:
    """HTTP/1.1 on one keep-alive connection, written by hand: about 0.2 ms of CPU a request where
    httpx takes 2 ms, which on a 2-core machine would be taken from the server under test.
    Reconnects on the next request after an error or a ``Connection: close``."""

    def __init__(self, host: str, port: int, timeout_s: float, headers: dict[str, str] | None = None) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self.extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes | None = None, headers: str = ""
    ) -> tuple[int, bytes, str]:
        """(status, body, error): status 0 and the exception's name when no answer came in time.
        ``body`` is sent as JSON; ``headers`` are ready-made ``Name: value\\r\\n`` lines."""
        try:
            status, content = await asyncio.wait_for(self._request(method, path, body, headers), self.timeout_s)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
            await self.close()
            return 0, b"", type(exc).__name__
        return status, content, ""

    async def _request(self, method: str, path: str, body: bytes | None, headers: str) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        payload = body or b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(payload)}\r\n"
            + self.extra
            + headers
        )
        if body is not None:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        found = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        content = await self.reader.readexactly(int(found.get("content-length", "0")))
        if found.get("connection", "").lower() == "close":
            await self.close()
        return status, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def problem_code(status: int, content: bytes) -> str:
    """The ``code`` of a problem-details answer ("" for a success or a body without one)."""
    if status < 300 or not content:
        return ""
    try:
        return str(json.loads(content).get("code", ""))
    except (ValueError, AttributeError):
        return "(not a problem-details body)"


# --- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path
    workers: int
    stopped_cleanly: bool = False

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def descendants(self) -> list[int]:
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(c) for c in (task / "children").read_text().split()]
        return found


def start_server(args: argparse.Namespace, database_url: str, state: Path, secret_key: str) -> Server:
    """``festival serve`` on a free port of 127.0.0.1 with ``args.workers`` workers, ``REDIS_URL``
    ``args.redis_url`` and the ``args.server_env`` settings; under cProfile (one worker, in the
    serving process) when ``args.profile`` names a file."""
    port = free_port()
    festival = Path(sys.executable).with_name("festival")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secret_key,
        "FESTIVAL_STATE_DIR": str(state),
        **dict(item.split("=", 1) for item in args.server_env),
    }
    for variable in ("SMTP_URL", "PUBLIC_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        env.pop(variable, None)
    log = state / "server.log"
    command = [str(festival), "serve", "--host", HOST, "--port", str(port), "--workers", str(args.workers)]
    if args.profile:  # one worker, in the serving process itself, under cProfile (written when it stops)
        command = [sys.executable, "-m", "cProfile", "-o", str(Path(args.profile).resolve()), *command]
    with log.open("wb") as out:
        # Our own console script with fixed arguments; its own session, so it is stopped as a group.
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
    return Server(process, f"http://{HOST}:{port}", log, args.workers)


async def wait_healthy(server: Server, timeout_s: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"festival serve exited with {server.process.returncode}:\n{tail(server.log)}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/health")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"GET /health did not answer 200 within {timeout_s:.0f} s:\n{tail(server.log)}")


def stop_server(server: Server, profiling: bool) -> None:
    """SIGTERM, as an orchestrator stops a pod (SIGINT under cProfile, which then writes its file); the
    whole group killed if it does not stop in 20 s. uvicorn re-raises the signal once it has shut down."""
    stop = signal.SIGINT if profiling else signal.SIGTERM
    if server.process.poll() is None:
        server.process.send_signal(stop)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
            return
    finished = server.log.read_text(errors="replace").count("Finished server process")
    server.stopped_cleanly = server.process.returncode in (0, -stop, 1 if profiling else 0) and finished == max(
        1, server.workers
    )


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


# --- CPU accounting --------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def postgres_backends(database: str) -> list[int]:
    """PostgreSQL backends serving ``database`` (their process title names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if f" {database} " in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.append(int(entry.name))
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of every core since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class CpuSnapshot:
    server: dict[int, float]
    postgres: dict[int, float]
    machine: tuple[float, float]


def cpu_snapshot(server: Server, database: str) -> CpuSnapshot:
    return CpuSnapshot(
        {pid: cpu_of(pid) for pid in server.descendants()},
        {pid: cpu_of(pid) for pid in postgres_backends(database)},
        machine_busy(),
    )


def cpu_used(server: Server, before: CpuSnapshot, after: CpuSnapshot) -> tuple[list[float], float]:
    """CPU seconds between two snapshots: of each server worker, and of the database's backends."""
    supervisor = server.process.pid
    workers = sorted(
        (after.server[pid] - before.server.get(pid, 0.0), pid)
        for pid in after.server
        if pid != supervisor or server.workers == 1  # one worker: uvicorn serves in the process itself
    )
    worker_cpu = [cpu for cpu, _ in workers if cpu > 0.05]  # the workers; not multiprocessing's helpers
    postgres = sum(after.postgres[pid] - before.postgres.get(pid, 0.0) for pid in after.postgres)
    return worker_cpu, postgres


def cpu_lines(
    server: Server, before: CpuSnapshot, after: CpuSnapshot, client_cpu: list[float], window: float, extra: float = 0.0
) -> list[str]:
    """What the cores did over ``window`` seconds: the server's workers, the PostgreSQL backends of the
    benchmark's database, the client processes (``client_cpu``, seconds each), the whole machine.
    ``extra``: CPU seconds of other known processes (e.g. Redis) subtracted from "other processes"."""
    worker_cpu, postgres = cpu_used(server, before, after)
    busy = (after.machine[0] - before.machine[0]) / max(1.0, after.machine[1] - before.machine[1])
    cores = os.cpu_count() or 1

    def share(seconds: float) -> str:
        return f"{seconds:.1f} s ({seconds / window * 100:.0f} % of a core)"

    return [
        f"server workers {share(sum(worker_cpu))}: "
        + ", ".join(f"{cpu:.1f} s" for cpu in sorted(worker_cpu, reverse=True)),
        f"PostgreSQL backends of the benchmark database {share(postgres)} "
        f"({len(after.postgres)} connections at the end)",
        f"client processes {share(sum(client_cpu))}: " + ", ".join(f"{c:.1f} s" for c in client_cpu),
        f"whole machine {busy * 100:.0f} % busy of {cores} cores over {window:.2f} s; other processes "
        f"{max(0.0, busy * cores * window - sum(worker_cpu) - postgres - sum(client_cpu) - extra):.1f} s",
    ]


def load_average() -> float:
    return os.getloadavg()[0]


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
