"""The real Rasa server and action server, started once per test session, and a stand-in intake.

``live_stack`` starts both processes with the trained model (models/assistant.tar.gz, built by
`make train`) on free ports, with a small local receiver standing in for the intake API, and
the tests talk to them over REST as the web chat would.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"
BIN = Path(sys.executable).parent
CALL_999_NOW = "Call 999 now."
PUBLIC_NUMBER = "023 8083 3336"
PROFESSIONAL_NUMBER = "023 8083 2300"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: int = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(1)
    raise RuntimeError(f"{url} did not come up in {seconds}s:\n{log.read_text()[-4000:]}")


class Conversation:
    def __init__(self, webhook: str, sender: str) -> None:
        self.webhook = webhook
        self.sender = sender

    def say(self, message: str) -> List[Dict]:
        body = json.dumps({"sender": self.sender, "message": message}).encode()
        request = urllib.request.Request(self.webhook, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def texts(self, message: str) -> List[str]:
        return [reply.get("text", "") for reply in self.say(message)]


def assistant_env(workdir: Path, actions_port: int, intake_url: str, service_token: str) -> Dict[str, str]:
    """The Rasa and action servers' environment for a test session: state under `workdir`, the
    outbox retrying fast, referrals handed to `intake_url`."""
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "TRACKER_STORE_DB": str(workdir / "rasa.db"),
        "OUTBOX_PATH": str(workdir / "outbox.db"),
        "INTAKE_URL": intake_url,
        "INTAKE_SERVICE_TOKEN": service_token,
        "OUTBOX_RETRY_INITIAL_SECONDS": "0.2",
        "OUTBOX_RETRY_MAX_SECONDS": "1",
        "OUTBOX_POLL_SECONDS": "0.2",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        # No staff preview unless a test gives the key (a developer's var/ key is not read).
        "STAFF_PREVIEW_KEY": "",
        "STAFF_PREVIEW_KEY_FILE": str(workdir / "staff_preview_key"),
    }


def rasa_server_command(
    port: int, credentials: str = "credentials.yml", extra: Sequence[str] = ()
) -> List[str]:
    """`rasa run` with the trained model, on 127.0.0.1 only, with the channels of `credentials`
    (credentials.yml: REST and socket.io; credentials.production.yml: socket.io alone) and any
    `extra` arguments (``--debug``)."""
    return [
        str(BIN / "rasa"),
        "run",
        "--model",
        str(MODEL),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--credentials",
        credentials,
        "--endpoints",
        "endpoints.yml",
        *extra,
    ]


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory) -> Iterator[LiveStack]:
    with start_live_stack(tmp_path_factory.mktemp("live")) as stack:
        yield stack


@contextlib.contextmanager
def start_live_stack(
    workdir: Path,
    credentials: str = "credentials.yml",
    rasa_args: Sequence[str] = (),
    env_overrides: Optional[Dict[str, str]] = None,
) -> Iterator[LiveStack]:
    """The action server and the Rasa server with the trained model, state under ``workdir``,
    referrals handed to a stand-in intake; both stopped on leaving. Used by the tests' fixture
    and by the benchmarks under bench/. `credentials`, `rasa_args` and `env_overrides` (both
    servers' environment) start another profile (tests/test_production_profile.py)."""
    assert MODEL.exists(), f"{MODEL} is missing: run `make train` first (make test does)"
    intake = StandInIntake()
    actions_port, rasa_port = free_port(), free_port()
    env = {**assistant_env(workdir, actions_port, intake.url, SERVICE_TOKEN), **(env_overrides or {})}
    actions = ActionServer(actions_port, env, workdir / "actions.log")
    rasa_log = workdir / "rasa.log"
    rasa_log.touch(mode=0o600)
    with rasa_log.open("w") as r_out:
        actions.start()
        rasa = subprocess.Popen(
            rasa_server_command(rasa_port, credentials, rasa_args),
            cwd=ROOT,
            env=env,
            stdout=r_out,
            stderr=subprocess.STDOUT,
        )
        try:
            actions.wait_until_up()
            wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa, rasa_log)
            yield LiveStack(
                f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                [actions.log, rasa_log],
                intake,
                workdir / "rasa.db",
                actions,
                rasa_url=f"http://127.0.0.1:{rasa_port}",
            )
        finally:
            intake.close()
            rasa.terminate()
            actions.stop()
            try:
                rasa.wait(timeout=30)
            except subprocess.TimeoutExpired:
                rasa.kill()


class ActionServer:
    """The action server of a live stack, which a test may kill and start again."""

    def __init__(self, port: int, env: Dict[str, str], log: Path) -> None:
        self.port, self.env, self.log = port, env, log
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.log.touch(mode=0o600)
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "actions.server", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_until_up(self) -> None:
        assert self.process is not None
        wait_until_up(f"http://127.0.0.1:{self.port}/health", self.process, self.log)

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown of any kind."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


SENT_PAYLOADS = ROOT / "results" / "assistant-payloads"
REVIEW_EVENTS_PATH = "/api/v1/conversation-events"
SERVICE_TOKEN = "live-test-service-token"  # noqa: S105 (the stand-in intake's own)


class StandInIntake:
    """Answers POST /api/v1/referrals like the intake service: 201 with a reference, once per id.

    ``down`` makes it answer 503, as an intake that is unreachable or failing would.
    """

    def __init__(self) -> None:
        self.received: Dict[str, Dict[str, Any]] = {}
        self.posts = 0
        self.review_messages = 0
        self.down = False
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == REVIEW_EVENTS_PATH:  # the review store's events: taken, not counted
                    messages = json.loads(body).get("messages") or []
                    stand_in.review_messages += len(messages)
                    return self._answer(200, {"stored": len(messages), "refused": []})
                stand_in.posts += 1
                if stand_in.down:
                    return self._answer(503, {"error": "unavailable"})
                if self.headers.get("Authorization") != f"Bearer {SERVICE_TOKEN}":
                    return self._answer(401, {"error": "unauthorised"})
                payload = json.loads(body)
                referral_id = payload["referral_id"]
                fresh = referral_id not in stand_in.received
                stand_in.received.setdefault(referral_id, payload)
                if fresh:
                    # What the assistant really sends; the intake's contract tests accept each one.
                    SENT_PAYLOADS.mkdir(parents=True, exist_ok=True)
                    (SENT_PAYLOADS / f"{referral_id}.json").write_text(json.dumps(payload, indent=2))
                reference = f"SCS-2026-{list(stand_in.received).index(referral_id) + 1:06d}"
                due = "2026-11-22T18:00:00Z"
                answer = {"referral_id": referral_id, "reference": reference, "rag": "amber", "due_at": due}
                return self._answer(201 if fresh else 200, answer)

            def _answer(self, status: int, body: Dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # no access log: it would name addresses
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/referrals"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self) -> List[Dict[str, Any]]:
        return list(self.received.values())

    def close(self) -> None:
        self.server.shutdown()


class LiveStack:
    def __init__(
        self,
        webhook: str,
        logs: List[Path],
        intake: StandInIntake,
        tracker_db: Path,
        actions: "ActionServer",
        rasa_url: Optional[str] = None,
    ) -> None:
        self.rasa_url = rasa_url  # the Rasa server's origin, for its socket.io channel
        self.webhook = webhook
        self.logs = logs
        self.intake = intake
        self.tracker_db = tracker_db
        self.actions = actions

    def conversation(self) -> "Conversation":
        return Conversation(self.webhook, f"test-{uuid.uuid4()}")
