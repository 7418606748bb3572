"""Transport: the chat page's socket URL (CHAT_SOCKET_URL) is https:// unless the Rasa server is on a
loopback host, so what people write never crosses a network unencrypted; a bad value stops the
service at start-up, naming the variable and never its value."""

import os
import subprocess
import sys
from dataclasses import replace

import pytest

from intake.settings import INTAKE_DIR, Settings, url_origins

SECRET = "hunter2-in-the-query"


def from_env(tmp_path, url):
    return Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path), "CHAT_SOCKET_URL": url})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5005",
        "http://127.8.9.10:5005",  # all of 127.0.0.0/8 is loopback
        "http://localhost:5005",
        "http://LOCALHOST:5005/",
        "http://[::1]:5005",
        "http://[0:0:0:0:0:0:0:1]:5005",
        "https://chat.southampton.gov.uk",
        "HTTPS://Chat.Example.org:8443/socket.io/",
        "https://10.0.0.5:5005",
    ],
)
def test_https_anywhere_and_http_on_a_loopback_host_are_accepted(tmp_path, url):
    assert from_env(tmp_path, url).chat_socket_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://chat.southampton.gov.uk",
        "HTTP://chat.example.org:5005",
        "http://10.0.0.5:5005",
        "http://192.168.1.20:5005",
        "http://0.0.0.0:5005",  # every address, not loopback
        "http://[::ffff:127.0.0.1]:5005",  # IPv4-mapped: not ::1
        "http://[2001:db8::5]:5005",
        "http://127.0.0.1.nip.io:5005",  # a DNS name that only looks like loopback
        "http://localhost.evil.example:5005",
        "http://2130706433:5005",  # 127.0.0.1 as one number: refused, not guessed at
        f"http://chat.example.org/socket.io/?key={SECRET}",
    ],
)
def test_plain_http_to_another_host_stops_the_service_naming_the_variable_only(tmp_path, url):
    with pytest.raises(ValueError, match=r"^CHAT_SOCKET_URL must be an https:// URL") as refused:
        from_env(tmp_path, url)
    message = str(refused.value)
    assert "loopback" in message
    assert SECRET not in message and "example" not in message and "gov.uk" not in message


def test_the_rule_holds_however_the_settings_are_made(tmp_path):
    settings = from_env(tmp_path, "https://chat.example.org")
    with pytest.raises(ValueError, match=r"^CHAT_SOCKET_URL must be an https:// URL"):
        replace(settings, chat_socket_url="http://chat.example.org")


def test_an_https_socket_url_gives_the_page_a_wss_origin():
    """wss:// is not configured but derived: the page's policy allows the https origin's wss twin."""
    assert url_origins("https://chat.example.org:8443/socket.io/") == (
        "wss://chat.example.org:8443",
        "https://chat.example.org:8443",
    )


def test_the_service_refuses_to_start_with_plain_http_to_another_host(tmp_path):
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("INTAKE_") and k not in {"DATABASE_URL", "CHAT_SOCKET_URL"}
        },
        "INTAKE_VAR_DIR": str(tmp_path),
        "INTAKE_SERVICE_TOKEN": "s" * 40,
        "CHAT_SOCKET_URL": f"http://chat.example.org:5005/?key={SECRET}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "intake", "migrate"],
        cwd=INTAKE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "CHAT_SOCKET_URL must be an https:// URL" in done.stderr
    assert SECRET not in done.stderr + done.stdout
    assert not (tmp_path / "intake.db").exists()  # refused before the database was touched


# --- the review queue (INTAKE_REVIEW_AMQP_URL): amqps, or amqp on loopback -----------------------


def review_queue(tmp_path, url, **env):
    return Settings.from_env(
        {"INTAKE_VAR_DIR": str(tmp_path), "INTAKE_REVIEW_AMQP_URL": url, **env}
    )


@pytest.mark.parametrize(
    "url",
    [
        "amqp://guest:guest@127.0.0.1:5672/",
        "amqp://localhost",
        "amqp://[::1]:5672/%2f",
        "amqps://intake:pw@rabbit.internal:5671/",
        "AMQPS://rabbit.example.org",
    ],
)
def test_the_review_queue_takes_amqps_anywhere_and_amqp_on_a_loopback_host(tmp_path, url):
    assert review_queue(tmp_path, url).review_amqp_url == url


@pytest.mark.parametrize(
    "url",
    [
        f"amqp://intake:{SECRET}@rabbit.example.org:5672/",
        "amqp://10.0.0.5",
        "amqp://0.0.0.0:5672",
        f"http://intake:{SECRET}@127.0.0.1:5672/",
        "amqps://",
        "rabbit.example.org:5672",
    ],
)
def test_the_review_queue_refuses_plain_amqp_off_this_machine_naming_the_variable_only(
    tmp_path, url
):
    with pytest.raises(ValueError, match=r"^INTAKE_REVIEW_AMQP_URL must be an amqps:// URL") as no:
        review_queue(tmp_path, url)
    assert SECRET not in str(no.value) and "example" not in str(no.value)
    with pytest.raises(ValueError, match="INTAKE_REVIEW_AMQP_URL"):
        replace(review_queue(tmp_path, "amqp://127.0.0.1"), review_amqp_url=url)


def test_a_review_queue_name_rabbitmq_would_refuse_stops_the_service(tmp_path):
    for name in ("", "has space", "x" * 201, "../etc"):
        with pytest.raises(ValueError, match="INTAKE_REVIEW_AMQP_QUEUE"):
            replace(review_queue(tmp_path, "amqp://127.0.0.1"), review_amqp_queue=name)
