"""Transport: referrals and the service token go to the intake over https:// unless the intake is on
this machine (a loopback host); a bad INTAKE_URL stops the action server at start-up, naming the
variable and never its value. And the Procfile's Rasa line keeps telemetry off on its own."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from actions.settings import REPO_ROOT, Settings, load_settings

PATH = "/api/v1/referrals"
SECRET = "hunter2-in-the-url"  # noqa: S105 (a stand-in, planted to be looked for)


@pytest.mark.parametrize(
    "url",
    [
        f"http://127.0.0.1:8000{PATH}",
        f"http://127.8.9.10:8000{PATH}",  # all of 127.0.0.0/8 is loopback
        f"http://127.255.255.254{PATH}",
        f"http://localhost:8000{PATH}",
        f"http://LocalHost:8000{PATH}",
        f"http://[::1]:8000{PATH}",
        f"http://[0:0:0:0:0:0:0:1]:8000{PATH}",
        f"https://intake.southampton.gov.uk{PATH}",
        f"HTTPS://intake.example.org:8443{PATH}",
        f"https://10.0.0.5{PATH}",
        f"https://[2001:db8::5]{PATH}",
    ],
)
def test_https_anywhere_and_http_on_a_loopback_host_are_accepted(url):
    assert load_settings({"INTAKE_URL": url}).intake_url == url


@pytest.mark.parametrize(
    "url",
    [
        f"http://intake.southampton.gov.uk{PATH}",
        f"HTTP://intake.example.org{PATH}",
        f"http://10.0.0.5:8000{PATH}",
        f"http://192.168.1.20{PATH}",
        f"http://0.0.0.0:8000{PATH}",  # every address, not loopback
        f"http://[::ffff:127.0.0.1]{PATH}",  # IPv4-mapped: not ::1
        f"http://[2001:db8::5]{PATH}",
        f"http://127.0.0.1.nip.io{PATH}",  # a DNS name that only looks like loopback
        f"http://localhost.evil.example{PATH}",
        f"http://127.0.0.1:80@intake.example.org{PATH}",  # the host is after the @
        f"http://2130706433{PATH}",  # 127.0.0.1 as one number: refused, not guessed at
        f"http://user:{SECRET}@intake.example.org{PATH}",
        f"http://intake.example.org{PATH}?token={SECRET}",
    ],
)
def test_plain_http_to_another_host_stops_the_action_server_naming_the_variable_only(url):
    with pytest.raises(ValueError, match=r"^INTAKE_URL must be an https:// URL") as refused:
        load_settings({"INTAKE_URL": url})
    message = str(refused.value)
    assert "loopback" in message
    assert SECRET not in message and "example.org" not in message and "gov.uk" not in message


@pytest.mark.parametrize(
    "url",
    [
        f"ftp://127.0.0.1{PATH}",
        f"ws://127.0.0.1:8000{PATH}",
        f"intake.example.org{PATH}",
        f"//intake.example.org{PATH}",
        "http://",
        f"https://:8443{PATH}",
        "https://intake.example.org:99999/x",
        f"https://user:{SECRET}@intake.example.org:port{PATH}",
    ],
)
def test_anything_but_an_http_url_with_a_host_is_refused_without_repeating_it(url):
    with pytest.raises(ValueError, match=r"^INTAKE_URL must be an https:// URL") as refused:
        load_settings({"INTAKE_URL": url})
    assert SECRET not in str(refused.value) and "example.org" not in str(refused.value)


def test_the_rule_holds_however_the_settings_are_made():
    with pytest.raises(ValueError, match=r"^INTAKE_URL"):
        Settings(intake_url=f"http://intake.example.org{PATH}")
    assert Settings().intake_url.startswith("http://127.0.0.1:")


def test_the_action_server_refuses_to_start_with_plain_http_to_another_host(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("INTAKE_", "OUTBOX_"))},
        "INTAKE_URL": f"http://user:{SECRET}@intake.example.org{PATH}",
        "OUTBOX_PATH": str(tmp_path / "outbox.db"),
        "INTAKE_SERVICE_TOKEN_FILE": str(tmp_path / "token"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "actions.server", "--port", "0"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "INTAKE_URL must be an https:// URL" in done.stderr
    assert SECRET not in done.stderr + done.stdout
    assert not (tmp_path / "outbox.db").exists()  # refused before anything was opened


# --- the Procfile ----------------------------------------------------------------------------------


def _procfile() -> dict:
    lines = Path(REPO_ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return {
        name.strip(): command.strip()
        for name, _, command in (line.partition(":") for line in lines)
        if command and not name.lstrip().startswith("#")
    }


def test_the_procfiles_rasa_lines_switch_telemetry_off_on_their_own():
    """The Makefile exports RASA_TELEMETRY_ENABLED=false, but `honcho start` (or any Procfile
    runner) may be used without it: every line that runs Rasa sets it itself."""
    rasa_lines = {name: command for name, command in _procfile().items() if "bin/rasa " in command}
    assert rasa_lines, "the Procfile runs no Rasa server"
    for name, command in rasa_lines.items():
        words = shlex.split(command)
        assignments = words[: next(i for i, w in enumerate(words) if "=" not in w)]
        assert "RASA_TELEMETRY_ENABLED=false" in assignments, name
