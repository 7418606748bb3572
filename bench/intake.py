"""Benchmark of the intake service: referrals per second and latency over real HTTP.

Starts `python -m intake serve` itself on 127.0.0.1 (a free port), once on SQLite (a temporary
file) and once on PostgreSQL (a fresh database on 127.0.0.1:5432, dropped afterwards), posts
referrals with an httpx client, and prints a Markdown table. Bounded in count and in time; it
sends traffic to nothing but the server it started.

    intake/.venv/bin/python bench/intake.py [--count 400] [--concurrency 8] [--output FILE]

Run from the repository root or anywhere: it finds the contract examples next to itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "contracts" / "examples"
PG_ADMIN_URL = os.environ.get(
    "INTAKE_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TEMPLATES = [
    "valid_anonymous_public",
    "valid_named_public",
    "valid_parent_carer",
    "valid_professional_with_consent",
    "valid_professional_without_consent_because_of_risk",
    "valid_two_children",
    "valid_immediate_danger",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def referrals(n: int) -> list[dict]:
    bodies = [json.loads((EXAMPLES / f"{name}.json").read_text()) for name in TEMPLATES]
    out = []
    for i in range(n):
        body = json.loads(json.dumps(bodies[i % len(bodies)]))
        body["referral_id"] = str(uuid.uuid4())
        out.append(body)
    return out


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_version() -> str:
    async def get():
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        try:
            return await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()

    return asyncio.run(get())


class Server:
    """`python -m intake serve` in a subprocess, on a free loopback port."""

    def __init__(self, database_url: str, var_dir: Path):
        self.port = free_port()
        self.token = secrets.token_urlsafe(32)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(var_dir / "server.log", "w")  # noqa: SIM115 - closed in stop()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "INTAKE_VAR_DIR": str(var_dir),
            "INTAKE_SERVICE_TOKEN": self.token,
            "INTAKE_PORT": str(self.port),
            "INTAKE_RATE_LIMIT_PER_MINUTE": "0",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "intake", "serve"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the intake server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()


async def post_all(server: Server, bodies: list[dict], concurrency: int, time_limit: float):
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    headers = {"Authorization": f"Bearer {server.token}"}
    deadline = time.monotonic() + time_limit
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as client:

        async def worker():
            nonlocal failures
            while not queue.empty() and time.monotonic() < deadline:
                body = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post("/api/v1/referrals", json=body, headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code == 201:
                    latencies.append(elapsed)
                else:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return latencies, failures, wall


def run_one(label: str, database_url: str, var_dir: Path, args) -> dict:
    server = Server(database_url, var_dir)
    try:
        asyncio.run(post_all(server, referrals(20), 4, 30))  # warm-up, not counted
        latencies, failures, wall = asyncio.run(
            post_all(server, referrals(args.count), args.concurrency, args.time_limit)
        )
    finally:
        server.stop()
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] * 1000

    return {
        "database": label,
        "stored": len(latencies),
        "failed": failures,
        "seconds": wall,
        "per_second": len(latencies) / wall if wall else 0.0,
        "p50_ms": pct(0.50) if ordered else float("nan"),
        "p95_ms": pct(0.95) if ordered else float("nan"),
        "mean_ms": statistics.fmean(ordered) * 1000 if ordered else float("nan"),
    }


def machine() -> list[str]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return [
        f"- machine: {os.cpu_count()} cores ({model}){memory}, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=400, help="referrals per database")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--time-limit", type=float, default=120, help="seconds per database")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--output", type=Path, help="also write the Markdown report here")
    args = parser.parse_args()
    if not 1 <= args.count <= 10_000 or not 1 <= args.concurrency <= 64:
        parser.error("keep --count within 1..10000 and --concurrency within 1..64")

    results = []
    lines = machine()
    for label in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp:
            var_dir = Path(tmp)
            if label == "sqlite":
                results.append(
                    run_one(
                        "SQLite (WAL file)",
                        f"sqlite+aiosqlite:///{var_dir / 'bench.db'}",
                        var_dir,
                        args,
                    )
                )
            elif label == "postgresql":
                name = f"intake_bench_{os.getpid()}_{secrets.token_hex(4)}"
                asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
                try:
                    base = PG_ADMIN_URL.rsplit("/", 1)[0]
                    results.append(
                        run_one(f"PostgreSQL {pg_version()}", f"{base}/{name}", var_dir, args)
                    )
                finally:
                    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                parser.error(f"unknown database {label!r}")

    report = [
        "# Intake service benchmark",
        "",
        "`bench/intake.py`: POST /api/v1/referrals over real HTTP (httpx, keep-alive) to "
        "`python -m intake serve` (one Sanic process) started by the script on 127.0.0.1. "
        "Each referral is a contract example with a fresh referral_id: validated against the "
        "schema, triaged, sealed with AES-GCM, numbered and audited in one transaction.",
        "",
        *lines,
        f"- {args.count} referrals per database, {args.concurrency} in flight, after 20 warm-up requests",
        "",
        "| database | stored | failed | seconds | referrals/s | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        report.append(
            f"| {r['database']} | {r['stored']} | {r['failed']} | {r['seconds']:.2f} | "
            f"{r['per_second']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |"
        )
    text = "\n".join(report) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0 if all(r["failed"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
