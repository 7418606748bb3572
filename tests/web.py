"""The public web chat's whole stack, started once per test session, for the browser tests.

``web_stack`` starts, all on 127.0.0.1 and on free ports: the intake service (which serves the
chat page, its assets and the staff API), the action server (which hands referrals to that intake),
the Rasa server with the trained model (models/assistant.tar.gz, built by `make train`), and a
neutral site for quick exit to go to, so nothing the browser does leaves this machine. Each
process writes its log into the session's temporary folder; the logs are printed when the stack
does not come up.

The browser is Debian's chromium (/usr/bin/chromium), driven by Playwright (pytest-playwright's
fixtures, with ``browser_type_launch_args`` below): `playwright install` is never needed.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from tests.live import MODEL, ROOT, assistant_env, free_port, rasa_server_command, wait_until_up
from tests.missing import missing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INTAKE_PYTHON = ROOT / "intake" / ".venv" / "bin" / "python"
WEB_DIST = ROOT / "web" / "dist"
AXE_SCRIPT = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
NEUTRAL_TITLE = "Neutral page"
STAFF_USER = "web.tests"
# The key the intake signs staff preview tickets with and the Rasa server checks them by.
PREVIEW_KEY = base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture(scope="session")
def browser_type_launch_args() -> Dict[str, Any]:
    """Debian's chromium, headless: Playwright's own browser download is never used."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: the browser tests need it (apt-get install -y chromium)"
        missing(reason)
    return {"executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS}


class NeutralSite:
    """What quick exit leads to: a page with nothing to do with the chat, served on 127.0.0.1."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = (
                    f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{NEUTRAL_TITLE}'
                    "</title></head><body><h1>Today's weather</h1><p>Sunny spells.</p></body></html>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class WebStack:
    page_url: str  # the intake service's origin, with "/": the public chat page
    socket_url: str  # the Rasa server the page's widget connects to
    neutral_url: str  # where quick exit ends
    staff_token: str
    logs: List[Path]
    intake_env: Dict[str, str] = field(default_factory=dict)  # for `python -m intake` commands

    def url(self, path: str) -> str:
        return self.page_url + path.lstrip("/")

    def staff_api(self, path: str) -> Any:
        """GET from the intake's staff API with the session's staff token; the JSON answer."""
        request = urllib.request.Request(
            self.url(f"api/v1/staff/{path.lstrip('/')}"),
            headers={"Authorization": f"Bearer {self.staff_token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


KEPT_FROM_INTAKE = {
    "DATABASE_URL", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CHAT_SOCKET_URL", "EXIT_URL",
    "STAFF_PREVIEW_KEY", "STAFF_PREVIEW_KEY_FILE",
}  # fmt: skip


def _intake_env(
    workdir: Path, port: int, service_token: str, socket_url: str, exit_url: str
) -> Dict[str, str]:
    # The intake runs in its own Python 3.11 venv: nothing of this process's Python, nor any
    # intake setting from the environment (a developer's DATABASE_URL, say), reaches it.
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("INTAKE_") and name not in KEPT_FROM_INTAKE
    }
    return {
        **inherited,
        "INTAKE_VAR_DIR": str(workdir / "intake"),
        "INTAKE_HOST": "127.0.0.1",
        "INTAKE_PORT": str(port),
        "INTAKE_SERVICE_TOKEN": service_token,
        "INTAKE_WEB_DIR": str(ROOT / "web"),
        "CHAT_SOCKET_URL": socket_url,
        "EXIT_URL": exit_url,
    }


def _intake_command(env: Dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(INTAKE_PYTHON), "-m", "intake", *args],
        cwd=ROOT / "intake",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"`python -m intake {' '.join(args)}` failed:\n{done.stderr[-4000:]}")
    return done.stdout


def _tails(logs: List[Path]) -> str:
    return "\n".join(f"--- {log.name} ---\n{log.read_text()[-4000:] if log.exists() else ''}" for log in logs)


@pytest.fixture(scope="session")
def web_stack(tmp_path_factory) -> Iterator[WebStack]:
    for needed, how in (
        (MODEL, "run `make train` first (make test does)"),
        (INTAKE_PYTHON, "run `make -C intake venv` first (make test does)"),
        (WEB_DIST / "chat.js", "run `make web` first (make test does)"),
        (AXE_SCRIPT, "run `make web` first (make test does)"),
    ):
        assert needed.exists(), f"{needed} is missing: {how}"
    workdir = tmp_path_factory.mktemp("web")
    neutral = NeutralSite()
    intake_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    service_token = secrets.token_urlsafe(32)
    socket_url = f"http://127.0.0.1:{rasa_port}"
    intake_env = _intake_env(workdir, intake_port, service_token, socket_url, neutral.url)
    env = assistant_env(
        workdir, actions_port, f"http://127.0.0.1:{intake_port}/api/v1/referrals", service_token
    )
    # The staff console's preview (tests/test_staff_preview_browser.py): the intake signs the
    # tickets the Rasa server checks, with a key both hold.
    intake_env["STAFF_PREVIEW_KEY"] = env["STAFF_PREVIEW_KEY"] = PREVIEW_KEY
    logs = [workdir / "intake.log", workdir / "actions.log", workdir / "rasa.log"]
    processes: List[subprocess.Popen] = []
    try:
        _intake_command(intake_env, "migrate")
        staff_token = _intake_command(intake_env, "create-staff", STAFF_USER).strip().splitlines()[-1]
        commands = [
            ([str(INTAKE_PYTHON), "-m", "intake", "serve"], ROOT / "intake", intake_env),
            ([sys.executable, "-m", "actions.server", "--port", str(actions_port)], ROOT, env),
            (rasa_server_command(rasa_port), ROOT, env),
        ]
        for (command, cwd, process_env), log in zip(commands, logs, strict=True):
            with log.open("w") as out:
                processes.append(
                    subprocess.Popen(command, cwd=cwd, env=process_env, stdout=out, stderr=subprocess.STDOUT)
                )
        intake, actions, rasa = processes
        try:
            wait_until_up(f"http://127.0.0.1:{intake_port}/healthz", intake, logs[0], seconds=120)
            wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, logs[1])
            wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa, logs[2])
        except RuntimeError as exc:
            raise RuntimeError(f"the web chat's stack did not come up: {exc}\n{_tails(logs)}") from None
        yield WebStack(
            page_url=f"http://127.0.0.1:{intake_port}/",
            socket_url=socket_url,
            neutral_url=neutral.url,
            staff_token=staff_token,
            logs=logs,
            intake_env=intake_env,
        )
    finally:
        neutral.close()
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
