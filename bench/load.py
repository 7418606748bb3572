"""Load: whole conversations against this assistant and a stock `rasa init` one, in the same run.

    PYTHONPATH=. .venv/bin/python bench/load.py [--levels 1,10,50,200] [--channel rest|socketio]
                                                [--conversations-per-level N] [--skip-stock]

This assistant runs as `make run` runs it (tests/live.py's Rasa and action servers with the
trained model, handing referrals and conversation events to the real intake service,
tests/intake_service.py). Each of its conversations is a greeting, two guidance questions, the
whole referral form as an anonymous neighbour, and "send it" (21 messages, one referral). The
stock assistant is `rasa init --no-prompt` (trained into a temporary folder, kept between runs in
/tmp/bench-stock-<rasa version>) run by `rasa run`; its conversations are ten messages of the
moodbot's own stories. The same client plays both: over REST (aiohttp), or over socket.io
(python-socketio's client, as the web chat talks).

At each concurrency level, `concurrency` conversations run at once until the level's
conversations are done (at least the level, and --conversations-per-level). Reported per
assistant and level: p50, p95, p99 latency of one message (sent to every answer received),
messages per second, referrals per second, errors, and the resident memory of each process after
the level. Written to bench/results/load.json and load.md, and bench/results/load.png (latency
against concurrency for both). `make bench` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.intake_service import SERVICE_TOKEN, IntakeService  # noqa: E402
from tests.live import BIN, free_port, start_live_stack, wait_until_up  # noqa: E402
from tests.test_live_referrals import ANONYMOUS_NEIGHBOUR  # noqa: E402

RESULTS = ROOT / "bench" / "results"

OURS = [
    "hello",
    "what happens after I make a referral?",
    "who can I ring about a child I'm worried about?",
    "i want to report a concern about a child",
    "/deny",
    "/identify_as_public",
    *ANONYMOUS_NEIGHBOUR,
    "send it",
]
STOCK_CREDENTIALS = """rest:
socketio:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""
STOCK = ["hello", "I am sad", "yes", "no", "hi", "great", "good morning", "very bad", "thanks", "bye"]


def percentile(values: List[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (Linux /proc)."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    for each in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


# --- the two clients ----------------------------------------------------------------------------


async def rest_conversation(
    session: aiohttp.ClientSession, webhook: str, script: List[str], out: Dict
) -> None:
    sender = f"bench-{uuid.uuid4().hex}"
    for text in script:
        started = time.perf_counter()
        try:
            async with session.post(webhook, json={"sender": sender, "message": text}) as response:
                replies = await response.json()
                ok = response.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            ok, replies = False, []
        out["latencies"].append(time.perf_counter() - started)
        out["messages"] += 1
        if not ok:
            out["errors"] += 1
        elif any("Your reference is SCS-" in (r.get("text") or "") for r in replies):
            out["referrals"] += 1


async def socket_conversation(url: str, script: List[str], out: Dict, quiet: float = 0.35) -> None:
    """One conversation over socket.io: a message's latency runs to its last answer (no answer
    for `quiet` seconds after one; the quiet time itself is not counted)."""
    client = socketio.AsyncClient(reconnection=False)
    answers: asyncio.Queue = asyncio.Queue()

    @client.on("bot_uttered")
    async def on_bot(data: Dict[str, Any]) -> None:
        await answers.put((time.perf_counter(), data))

    session_id = uuid.uuid4().hex
    try:
        await client.connect(url, transports=["websocket"], socketio_path="/socket.io")
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.sleep(0.2)
        for text in script:
            started = time.perf_counter()
            await client.emit("user_uttered", {"message": text, "session_id": session_id})
            last, got = None, []
            try:
                at, data = await asyncio.wait_for(answers.get(), timeout=60)
                last, got = at, [data]
                while True:
                    at, data = await asyncio.wait_for(answers.get(), timeout=quiet)
                    last = at
                    got.append(data)
            except asyncio.TimeoutError:
                pass
            out["messages"] += 1
            if last is None:
                out["errors"] += 1
                out["latencies"].append(60.0)
                continue
            out["latencies"].append(last - started)
            if any("Your reference is SCS-" in (d.get("text") or "") for d in got):
                out["referrals"] += 1
    except (socketio.exceptions.ConnectionError, OSError):
        out["errors"] += 1
    finally:
        with contextlib.suppress(Exception):
            await client.disconnect()


async def run_level(target: Dict[str, Any], concurrency: int, conversations: int, channel: str) -> Dict:
    out = {"latencies": [], "messages": 0, "errors": 0, "referrals": 0}
    queue: asyncio.Queue = asyncio.Queue()
    for _ in range(conversations):
        queue.put_nowait(None)
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=concurrency + 5)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def worker() -> None:
            while True:
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                if channel == "rest":
                    await rest_conversation(session, target["webhook"], target["script"], out)
                else:
                    await socket_conversation(target["origin"], target["script"], out)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies = out["latencies"]
    return {
        "concurrency": concurrency,
        "conversations": conversations,
        "messages": out["messages"],
        "errors": out["errors"],
        "referrals": out["referrals"],
        "seconds": round(elapsed, 2),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "messages_per_second": round(out["messages"] / elapsed, 2),
        "referrals_per_second": round(out["referrals"] / elapsed, 3),
        "memory_mb": {name: round(rss_mb(pid), 1) for name, pid in target["pids"].items()},
    }


# --- the two assistants -------------------------------------------------------------------------


@contextlib.contextmanager
def this_assistant(workdir: Path) -> Iterator[Dict[str, Any]]:
    intake_dir = workdir / "intake"
    intake_dir.mkdir(mode=0o700, parents=True)
    intake = IntakeService(intake_dir).start()
    overrides = {"INTAKE_URL": intake.url + "/api/v1/referrals", "INTAKE_SERVICE_TOKEN": SERVICE_TOKEN}
    try:
        assistant_dir = workdir / "assistant"
        assistant_dir.mkdir(mode=0o700)
        with start_live_stack(assistant_dir, env_overrides=overrides) as stack:
            rasa_pid = _pid_listening(stack.rasa_url)
            yield {
                "name": "this assistant",
                "webhook": stack.webhook,
                "origin": stack.rasa_url,
                "script": OURS,
                "pids": {
                    "rasa": rasa_pid,
                    "actions": stack.actions.process.pid,
                    "intake": intake.process.pid,
                },
            }
    finally:
        intake.stop()


def _pid_listening(origin: str) -> int:
    port = origin.rsplit(":", 1)[1]
    found = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return int(found.split("pid=", 1)[1].split(",", 1)[0]) if "pid=" in found else 0


def stock_project() -> Path:
    import rasa

    folder = Path(tempfile.gettempdir()) / f"bench-stock-{rasa.__version__}"
    if not any((folder / "models").glob("*.tar.gz")):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
        subprocess.run(
            [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(folder)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=folder,
        )
    (folder / "credentials.yml").write_text(STOCK_CREDENTIALS)
    return folder


@contextlib.contextmanager
def stock_assistant(workdir: Path) -> Iterator[Dict[str, Any]]:
    folder = stock_project()
    port = free_port()
    log = workdir / "stock.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(BIN / "rasa"),
                "run",
                "--model",
                str(folder / "models"),
                "--interface",
                "127.0.0.1",
                "--port",
                str(port),
                "--credentials",
                str(folder / "credentials.yml"),
            ],
            cwd=folder,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/", process, log)
            yield {
                "name": "stock rasa init",
                "webhook": f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                "origin": f"http://127.0.0.1:{port}",
                "script": STOCK,
                "pids": {"rasa": process.pid},
            }
        finally:
            process.terminate()
            process.wait(timeout=30)


# --- report ---------------------------------------------------------------------------------------


def write_report(results: Dict[str, List[Dict]], channel: str, started: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
    commit = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    data = {"started": started, "commit": commit, "machine": machine, "channel": channel, "results": results}
    (RESULTS / "load.json").write_text(json.dumps(data, indent=2) + "\n")
    lines = [
        "# Load: this assistant against a stock `rasa init` assistant, in the same run",
        "",
        f"`bench/load.py --channel {channel}`, {started}, commit `{commit}`; {machine}.",
        "",
        "| assistant | concurrent conversations | messages | p50 ms | p95 ms | p99 ms | msg/s"
        " | referrals/s | errors | memory MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, levels in results.items():
        for r in levels:
            memory = ", ".join(f"{k} {v:.0f}" for k, v in r["memory_mb"].items())
            lines.append(
                f"| {name} | {r['concurrency']} | {r['messages']} | {r['p50_ms']} | {r['p95_ms']}"
                f" | {r['p99_ms']} | "
                f"{r['messages_per_second']} | {r['referrals_per_second']} | {r['errors']} | {memory} |"
            )
    best = {
        name: max((r["messages_per_second"] for r in levels), default=0) for name, levels in results.items()
    }
    if best.get("stock rasa init"):
        ratio = best["this assistant"] / best["stock rasa init"]
        lines += [
            "",
            f"Saturated throughput (the best level's msg/s): this assistant {best['this assistant']}, "
            f"stock {best['stock rasa init']}: ratio {ratio:.2f} (goal: at least 2).",
        ]
    lines += ["", "![latency against concurrency](load.png)", ""]
    (RESULTS / "load.md").write_text("\n".join(lines))
    plot(results, channel)


def plot(results: Dict[str, List[Dict]], channel: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, levels in results.items():
        x = [r["concurrency"] for r in levels]
        latency.plot(x, [r["p50_ms"] for r in levels], marker="o", label=f"{name} p50")
        latency.plot(x, [r["p95_ms"] for r in levels], marker="s", linestyle="--", label=f"{name} p95")
        throughput.plot(x, [r["messages_per_second"] for r in levels], marker="o", label=name)
    for axis, title, unit in (
        (latency, "latency of one message", "ms"),
        (throughput, "throughput", "messages/s"),
    ):
        axis.set_xscale("log")
        axis.set_xlabel("concurrent conversations")
        axis.set_ylabel(unit)
        axis.set_title(f"{title} ({channel})")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    latency.set_yscale("log")
    figure.tight_layout()
    figure.savefig(RESULTS / "load.png", dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--levels", default="1,10,50,200")
    parser.add_argument("--channel", choices=("rest", "socketio"), default="rest")
    parser.add_argument("--conversations-per-level", type=int, default=10)
    parser.add_argument("--skip-stock", action="store_true")
    args = parser.parse_args()
    levels = [int(v) for v in args.levels.split(",")]
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    results: Dict[str, List[Dict]] = {}
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    targets = [this_assistant] + ([] if args.skip_stock else [stock_assistant])
    for make in targets:
        with make(workdir) as target:
            results[target["name"]] = []
            for concurrency in levels:
                conversations = max(concurrency, args.conversations_per_level)
                level = asyncio.run(run_level(target, concurrency, conversations, args.channel))
                results[target["name"]].append(level)
                print(
                    f"{target['name']:>16} c={concurrency:<4} p50 {level['p50_ms']:>8} ms"
                    f"  p95 {level['p95_ms']:>8} ms  "
                    f"{level['messages_per_second']:>6} msg/s  errors {level['errors']}",
                    flush=True,
                )
    write_report(results, args.channel, started)
    shutil.rmtree(workdir, ignore_errors=True)
    print((RESULTS / "load.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
