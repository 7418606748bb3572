"""The real intake service (intake/, its own venv), started for a test as `make run` starts it:
`python -m intake serve` on a free port, its state in a folder of the test's, and a staff token."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from tests.live import ROOT, free_port
from tests.missing import missing

INTAKE_PYTHON = ROOT / "intake" / ".venv" / "bin" / "python"
SERVICE_TOKEN = "review-test-service-token-" + "x" * 20


class IntakeService:
    def __init__(
        self, var_dir: Path, database_url: Optional[str] = None, env: Optional[Dict[str, str]] = None
    ) -> None:
        if not INTAKE_PYTHON.exists():
            missing("the intake venv is not installed (make install)")
        self.var_dir = var_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url or f"sqlite+aiosqlite:///{var_dir / 'intake.db'}",
            "INTAKE_VAR_DIR": str(var_dir),
            "INTAKE_SERVICE_TOKEN": SERVICE_TOKEN,
            "INTAKE_PORT": str(self.port),
            "INTAKE_RATE_LIMIT_PER_MINUTE": "0",
            "INTAKE_WEB": "0",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.process: Optional[subprocess.Popen] = None
        self.staff_token = self.command("create-staff", f"review.{uuid.uuid4().hex[:8]}").strip()

    def command(self, *args: str) -> str:
        done = subprocess.run(
            [str(INTAKE_PYTHON), "-m", "intake", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT / "intake",
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def start(self) -> "IntakeService":
        log = open(self.var_dir / "intake.log", "a")
        self.process = subprocess.Popen(
            [str(INTAKE_PYTHON), "-m", "intake", "serve"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT / "intake",
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return self
            except OSError:
                assert self.process.poll() is None, (self.var_dir / "intake.log").read_text()[-2000:]
                time.sleep(0.2)
        raise AssertionError("the intake service did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown of any kind."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None

    def log(self) -> str:
        return (self.var_dir / "intake.log").read_text(errors="replace")

    def staff(self, method: str, path: str, body: Any = None) -> Tuple[int, Any]:
        """(status, JSON answer or text) of a staff request."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + "/api/v1/staff" + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.staff_token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read().decode()
                kind = response.headers.get("content-type", "")
                return response.status, json.loads(raw) if "json" in kind else raw
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def conversation(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        status, body = self.staff("GET", f"/conversations/{conversation_id}")
        if status == 404:
            return None
        assert status == 200, (status, body)
        return body
