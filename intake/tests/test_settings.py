"""Settings: read once from the environment, with laptop defaults and secrets kept out of git."""

import base64
import os
import stat

import pytest

from intake.settings import REPO_ROOT, Settings, normalise_database_url, write_private_file

ENV_TOKEN = "from-env-" + "t" * 32


def test_defaults_put_the_database_and_secrets_under_the_repos_var_folder(tmp_path):
    settings = Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path / "var")})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'var' / 'intake.db'}"
    for name in ("intake_service_token", "intake_keyring"):
        path = tmp_path / "var" / name
        assert oct(path.stat().st_mode & 0o777) == "0o600", name
    assert oct((tmp_path / "var").stat().st_mode & 0o777) == "0o700"
    assert len(settings.service_token) >= 40
    assert settings.max_body_bytes == 64 * 1024


def test_secrets_created_on_first_run_are_reused_afterwards(tmp_path):
    env = {"INTAKE_VAR_DIR": str(tmp_path)}
    first, second = Settings.from_env(env), Settings.from_env(env)
    assert first.service_token == second.service_token
    assert first.keyring.keys == second.keyring.keys


def test_secrets_from_the_environment_win_and_no_files_are_written(tmp_path):
    from intake.crypto import generate_key_line

    env = {
        "INTAKE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql://intake@db.internal/intake",
        "INTAKE_SERVICE_TOKEN": ENV_TOKEN,
        "INTAKE_ENCRYPTION_KEYS": generate_key_line(1) + "," + generate_key_line(2),
        "STAFF_PREVIEW_KEY": base64.b64encode(b"p" * 32).decode(),
        "INTAKE_RATE_LIMIT_PER_MINUTE": "5",
    }
    settings = Settings.from_env(env)
    assert settings.database_url == "postgresql+asyncpg://intake@db.internal/intake"
    assert settings.service_token == ENV_TOKEN
    assert settings.keyring.current_id == 2
    assert settings.rate_limit_per_minute == 5
    assert settings.staff_preview_key == b"p" * 32
    assert list(tmp_path.iterdir()) == []


def test_a_negative_number_setting_is_refused(tmp_path):
    with pytest.raises(ValueError, match="INTAKE_RATE_LIMIT_PER_MINUTE"):
        Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path), "INTAKE_RATE_LIMIT_PER_MINUTE": "-1"})


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("sqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
        ("postgres://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_plain_database_urls_get_the_async_drivers(given, used):
    assert normalise_database_url(given) == used


@pytest.mark.parametrize("token", ["short", "   ", "x" * 31])
def test_a_short_or_empty_service_token_stops_the_service(tmp_path, token):
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path), "INTAKE_SERVICE_TOKEN": token})


def test_an_empty_token_file_stops_the_service_rather_than_refusing_every_referral(tmp_path):
    (tmp_path / "intake_service_token").write_text("\n")
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path)})


def test_secrets_do_not_show_in_repr(tmp_path):
    settings = Settings.from_env(
        {
            "INTAKE_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://intake:hunter2-db-password@db/intake",
            "INTAKE_SERVICE_TOKEN": ENV_TOKEN,
        }
    )
    text = repr(settings)
    assert ENV_TOKEN not in text
    assert "hunter2-db-password" not in text
    assert "Keyring()" in text


def test_a_secret_file_readable_by_others_is_narrowed_to_its_owner(tmp_path):
    Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path)})
    for name in ("intake_service_token", "intake_keyring"):
        os.chmod(tmp_path / name, 0o644)
    Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path)})
    for name in ("intake_service_token", "intake_keyring"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_secret_files_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path / "var")})
    finally:
        os.umask(old)
    for name in ("intake_service_token", "intake_keyring"):
        assert stat.S_IMODE((tmp_path / "var" / name).stat().st_mode) == 0o600, name


def test_a_secret_file_appears_whole_and_a_second_writer_keeps_the_first(tmp_path):
    path = tmp_path / "intake_keyring"
    assert write_private_file(path, "first\n", replace=False) is True
    assert write_private_file(path, "second\n", replace=False) is False
    assert path.read_text() == "first\n"
    assert write_private_file(path, "third\n") is True
    assert path.read_text() == "third\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intake_keyring"]


def test_the_public_page_is_on_by_default_and_talks_to_the_local_rasa_server(tmp_path):
    settings = Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path)})
    assert settings.web_enabled is True
    assert settings.web_dir == REPO_ROOT / "web"
    assert settings.chat_socket_url == "http://127.0.0.1:5005"
    assert settings.exit_url == "https://www.bbc.co.uk/weather"


def test_the_public_page_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env(
        {
            "INTAKE_VAR_DIR": str(tmp_path),
            "INTAKE_WEB_DIR": "elsewhere/web",
            "CHAT_SOCKET_URL": "https://chat.southampton.gov.uk",
            "EXIT_URL": "https://www.google.co.uk/",
        }
    )
    assert settings.web_dir == tmp_path / "elsewhere" / "web"  # absolute from the start
    assert settings.chat_socket_url == "https://chat.southampton.gov.uk"
    assert settings.exit_url == "https://www.google.co.uk/"


@pytest.mark.parametrize("off", ["0", "false", "no", "off", "OFF"])
def test_the_public_page_can_be_switched_off_like_the_docs(tmp_path, off):
    env = {"INTAKE_VAR_DIR": str(tmp_path), "INTAKE_WEB": off}
    assert Settings.from_env(env).web_enabled is False
    assert Settings.from_env({**env, "INTAKE_WEB": "1"}).web_enabled is True


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5005",
        "http://127.0.0.1:43123/",
        "https://chat.southampton.gov.uk",
        "HTTPS://Chat.Example.org:8443/socket.io/?a=1&b=2#top",
        "http://[::1]:5005",
        "http://localhost:5005",
    ],
)
def test_absolute_http_urls_are_accepted_as_given(tmp_path, url):
    env = {"INTAKE_VAR_DIR": str(tmp_path), "CHAT_SOCKET_URL": url, "EXIT_URL": url}
    settings = Settings.from_env(env)
    assert settings.chat_socket_url == settings.exit_url == url


@pytest.mark.parametrize(
    "url",
    [
        "chat.example.org",  # not absolute
        "/socket.io",
        "//chat.example.org",
        "ftp://chat.example.org",
        "javascript:alert(1)",
        "data:text/html,<p>",
        "ws://127.0.0.1:5005",  # the page derives the WebSocket origin itself
        "http://",
        "http:///path",
        "https://user:password@chat.example.org",
        "https://user@chat.example.org",
        "https://chat.example.org/a b",
        "https://chat.example.org/\t",
        "https://chat.example.org/\n",
        "https://chat.example.org/\x00",
        "https://chat.example.org/\u2028",  # a line separator
        "https://chat.example.org/\u200b",  # zero width
        "https://chat.example.org/\u202e",  # right-to-left override
        'https://chat.example.org/" onmouseover="x',
        "https://chat.example.org/'x",
        "https://chat.example.org/<script>",
        "https://chat.example.org/`",
        "https://chat.example.org\\@evil.example",
        "https://chat.example.org:99999",
        "https://chat.example.org:port",
        "https://chat.example.org:",
        "https://chat.example.org:0",
        "https://[::1",
        "https://[chat.example.org]",
        "https://[fe80::1%25eth0]:5005",
        "https://chat;example.org",  # would end a CSP source
        "https://chat,example.org",
        "https://chat_example.org",
        "https://chät.example.org",  # punycode, please
        "https://-chat.example.org",
    ],
)
@pytest.mark.parametrize("name", ["CHAT_SOCKET_URL", "EXIT_URL"])
def test_anything_but_an_absolute_http_url_with_a_host_stops_the_service(tmp_path, name, url):
    with pytest.raises(ValueError, match=f"^{name} must be an absolute http:// or https:// URL"):
        Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path), name: url})


def test_urls_are_checked_however_the_settings_are_made(tmp_path):
    from dataclasses import replace

    settings = Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path)})
    with pytest.raises(ValueError, match=r"^EXIT_URL"):
        replace(settings, exit_url="javascript:alert(1)")
    with pytest.raises(ValueError, match=r"^CHAT_SOCKET_URL"):
        replace(settings, chat_socket_url="http://a@b")


def test_the_review_queue_is_off_by_default_and_makes_no_transport_key(tmp_path):
    settings = Settings.from_env({"INTAKE_VAR_DIR": str(tmp_path)})
    assert settings.review_amqp_url is None and settings.review_transport_key == b""
    assert not (tmp_path / "review_transport_key").exists()


def test_the_review_queue_makes_its_transport_key_once_or_takes_it_from_the_environment(tmp_path):
    env = {"INTAKE_VAR_DIR": str(tmp_path), "INTAKE_REVIEW_AMQP_URL": "amqp://127.0.0.1"}
    first, second = Settings.from_env(env), Settings.from_env(env)
    path = tmp_path / "review_transport_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_text())) == 32
    assert len(first.review_transport_key) == 32
    assert first.review_transport_key == second.review_transport_key
    assert first.review_amqp_queue == "review_events"
    given = base64.b64encode(b"k" * 40).decode()
    elsewhere = tmp_path / "other"
    from_env = Settings.from_env(
        {
            "INTAKE_VAR_DIR": str(elsewhere),
            "INTAKE_REVIEW_AMQP_URL": "amqp://guest:hunter2-amqp@127.0.0.1",
            "INTAKE_REVIEW_AMQP_QUEUE": "review_events.blue",
            "REVIEW_TRANSPORT_KEY": given,
        }
    )
    assert from_env.review_transport_key not in (b"", first.review_transport_key)
    assert from_env.review_amqp_queue == "review_events.blue"
    assert not (elsewhere / "review_transport_key").exists()
    text = repr(from_env)
    assert "hunter2-amqp" not in text and given not in text


@pytest.mark.parametrize("key", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_transport_key_that_is_not_32_bytes_of_base64_stops_the_service(tmp_path, key):
    with pytest.raises(ValueError, match="REVIEW_TRANSPORT_KEY"):
        Settings.from_env(
            {
                "INTAKE_VAR_DIR": str(tmp_path),
                "INTAKE_REVIEW_AMQP_URL": "amqp://127.0.0.1",
                "REVIEW_TRANSPORT_KEY": key,
            }
        )
