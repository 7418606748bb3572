"""The intake service's one settings object, read from the environment once at start-up.

The defaults make `make run` work on a laptop: SQLite under `<repo>/var/`, and a service token and
an encryption keyring created there on first run (files with 0600 permissions, never committed).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from intake.crypto import Keyring, generate_key_line
from intake.preview import KEY_ENV as PREVIEW_KEY_ENV
from intake.preview import KEY_FILE_ENV as PREVIEW_KEY_FILE_ENV
from intake.preview import KEY_FILE_NAME as PREVIEW_KEY_FILE_NAME
from intake.preview import new_key_text as new_preview_key_text
from intake.preview import parse_key
from intake.review_transport import DEFAULT_QUEUE as REVIEW_DEFAULT_QUEUE
from intake.review_transport import KEY_ENV as TRANSPORT_KEY_ENV
from intake.review_transport import KEY_FILE_ENV as TRANSPORT_KEY_FILE_ENV
from intake.review_transport import KEY_FILE_NAME as TRANSPORT_KEY_FILE_NAME
from intake.review_transport import check_queue
from intake.review_transport import new_key_text as new_transport_key_text
from intake.review_transport import parse_key as parse_transport_key

REPO_ROOT = Path(__file__).resolve().parents[3]
INTAKE_DIR = REPO_ROOT / "intake"
CONTRACT_FILE = REPO_ROOT / "contracts" / "referral.v1.schema.json"
OPENAPI_FILE = INTAKE_DIR / "openapi.json"
# The public chat page and its widget: pages under web/pages, built assets under web/dist.
WEB_DIR = REPO_ROOT / "web"
# The Rasa server's socket.io endpoint, as the browser reaches it (https:// unless on a loopback
# host: the conversation crosses it), and the neutral site that quick exit sends people to.
CHAT_SOCKET_URL = "http://127.0.0.1:5005"
EXIT_URL = "https://www.bbc.co.uk/weather"

MAX_BODY_BYTES = 64 * 1024
# A batch of conversation events from the assistant's event broker (routes/conversations.py).
MAX_REVIEW_BODY_BYTES = 1024 * 1024
# The generated token is 43 characters (256 random bits); a configured one must not be guessable.
MIN_SERVICE_TOKEN_LENGTH = 32


@dataclass(frozen=True)
class Settings:
    """Everything the service can be configured with. Build it with `Settings.from_env()`."""

    # Kept out of repr(): a settings object printed in a log or a test failure shows no secret
    # (the database URL may carry a password).
    database_url: str = field(repr=False)
    service_token: str = field(repr=False)
    keyring: Keyring
    var_dir: Path
    contract_file: Path = CONTRACT_FILE
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = MAX_BODY_BYTES
    max_review_body_bytes: int = MAX_REVIEW_BODY_BYTES
    # POSTs to /api/v1/referrals per client per minute; 0 switches the limit off.
    rate_limit_per_minute: int = 60
    staff_token_hours: int = 12
    retain_referrals_days: int = 6 * 365
    retain_preview_days: int = 30
    retain_audit_days: int = 6 * 365
    # Conversations that produced no referral, and staff preview conversations; a referral's
    # transcript is kept as long as the referral.
    retain_conversations_days: int = 30
    retain_preview_conversations_days: int = 7
    # The staff console (/staff): a session ends after this long unused, and this long after
    # signing in whatever happens; an account locks for `console_lockout_minutes` after
    # `console_max_failed_sign_ins` wrong passwords or codes in a row (0: never).
    console_idle_minutes: int = 30
    console_session_hours: int = 10
    console_max_failed_sign_ins: int = 5
    console_lockout_minutes: int = 15
    console_enabled: bool = True
    # The console's preview of the assistant (intake/preview.py): the key its tickets are signed
    # with (shared with the Rasa servers) and how long a ticket opens new preview sessions.
    staff_preview_key: bytes = field(default=b"", repr=False)
    staff_preview_minutes: int = 60
    # The review events over RabbitMQ (review_queue.py): the server consumes the queue when the
    # URL is set (it carries RabbitMQ's password), opening each batch with the transport key the
    # Rasa replicas seal with. Unset (make run): the events come over HTTP only.
    review_amqp_url: str | None = field(default=None, repr=False)
    review_amqp_queue: str = REVIEW_DEFAULT_QUEUE
    review_transport_key: bytes = field(default=b"", repr=False)
    # Secure on the console's cookies whatever the request looked like: for a service behind a
    # TLS-terminating proxy that Sanic is not configured to trust (else Secure when https).
    console_secure_cookies: bool = False
    docs_enabled: bool = True
    web_enabled: bool = True
    web_dir: Path = WEB_DIR
    chat_socket_url: str = CHAT_SOCKET_URL
    exit_url: str = EXIT_URL

    def __post_init__(self) -> None:
        # Checked here, not only in from_env: both URLs go into HTML and the socket URL's origin
        # into the pages' Content-Security-Policy, however the settings were made.
        check_public_url("CHAT_SOCKET_URL", self.chat_socket_url)
        check_public_url("EXIT_URL", self.exit_url)
        # What a person writes crosses the socket URL: encrypted (https, so wss) off this machine.
        check_transport("CHAT_SOCKET_URL", self.chat_socket_url)
        if self.review_amqp_url is not None:
            check_amqp_transport("INTAKE_REVIEW_AMQP_URL", self.review_amqp_url)
            check_queue("INTAKE_REVIEW_AMQP_QUEUE", self.review_amqp_queue)
            if not self.review_transport_key:
                raise ValueError(f"the review queue needs its transport key ({TRANSPORT_KEY_ENV})")
        # The Rasa server refuses a ticket that claims to live longer than a day.
        if not 1 <= self.staff_preview_minutes <= 24 * 60:
            raise ValueError("INTAKE_STAFF_PREVIEW_MINUTES must be from 1 to 1440")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("INTAKE_VAR_DIR", str(REPO_ROOT / "var"))).resolve()
        database_url = normalise_database_url(
            env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{var_dir / 'intake.db'}"
        )
        if database_url.startswith("sqlite"):
            var_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

        def secret(variable: str, file_variable: str, file_name: str, make) -> str:
            return env.get(variable) or _secret_file(
                Path(env.get(file_variable, str(var_dir / file_name))), make
            )

        token = secret(
            "INTAKE_SERVICE_TOKEN",
            "INTAKE_SERVICE_TOKEN_FILE",
            "intake_service_token",
            lambda: secrets.token_urlsafe(32) + "\n",
        )
        keys_text = secret(
            "INTAKE_ENCRYPTION_KEYS",
            "INTAKE_KEYRING_FILE",
            "intake_keyring",
            lambda: generate_key_line(1) + "\n",
        )
        preview_key = parse_key(
            secret(
                PREVIEW_KEY_ENV, PREVIEW_KEY_FILE_ENV, PREVIEW_KEY_FILE_NAME, new_preview_key_text
            ),
            f"{PREVIEW_KEY_ENV} or its file",
        )
        review_amqp_url = env.get("INTAKE_REVIEW_AMQP_URL") or None
        transport_key = b""
        if review_amqp_url:  # the key file is made only for a service that consumes the queue
            transport_key = parse_transport_key(
                secret(
                    TRANSPORT_KEY_ENV,
                    TRANSPORT_KEY_FILE_ENV,
                    TRANSPORT_KEY_FILE_NAME,
                    new_transport_key_text,
                ),
                f"{TRANSPORT_KEY_ENV} or its file",
            )
        token = token.strip()
        if len(token) < MIN_SERVICE_TOKEN_LENGTH:
            raise ValueError(
                f"the service token must be at least {MIN_SERVICE_TOKEN_LENGTH} characters "
                "(INTAKE_SERVICE_TOKEN or its file); `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'` makes one"
            )
        return cls(
            database_url=database_url,
            service_token=token,
            keyring=Keyring.parse(keys_text),
            var_dir=var_dir,
            host=env.get("INTAKE_HOST", "127.0.0.1"),
            port=_int(env, "INTAKE_PORT", 8000),
            rate_limit_per_minute=_int(env, "INTAKE_RATE_LIMIT_PER_MINUTE", 60),
            staff_token_hours=_int(env, "INTAKE_STAFF_TOKEN_HOURS", 12),
            retain_referrals_days=_int(env, "INTAKE_RETAIN_REFERRALS_DAYS", 6 * 365),
            retain_preview_days=_int(env, "INTAKE_RETAIN_PREVIEW_DAYS", 30),
            retain_audit_days=_int(env, "INTAKE_RETAIN_AUDIT_DAYS", 6 * 365),
            retain_conversations_days=_int(env, "INTAKE_RETAIN_CONVERSATIONS_DAYS", 30),
            retain_preview_conversations_days=_int(
                env, "INTAKE_RETAIN_PREVIEW_CONVERSATIONS_DAYS", 7
            ),
            console_idle_minutes=_int(env, "INTAKE_CONSOLE_IDLE_MINUTES", 30),
            console_session_hours=_int(env, "INTAKE_CONSOLE_SESSION_HOURS", 10),
            console_max_failed_sign_ins=_int(env, "INTAKE_CONSOLE_MAX_FAILED_SIGN_INS", 5),
            console_lockout_minutes=_int(env, "INTAKE_CONSOLE_LOCKOUT_MINUTES", 15),
            console_enabled=_switch(env, "INTAKE_CONSOLE"),
            staff_preview_key=preview_key,
            staff_preview_minutes=_int(env, "INTAKE_STAFF_PREVIEW_MINUTES", 60),
            review_amqp_url=review_amqp_url,
            review_amqp_queue=env.get("INTAKE_REVIEW_AMQP_QUEUE") or REVIEW_DEFAULT_QUEUE,
            review_transport_key=transport_key,
            console_secure_cookies=env.get("INTAKE_CONSOLE_SECURE_COOKIES", "0").lower()
            in {"1", "true", "yes", "on"},
            docs_enabled=_switch(env, "INTAKE_DOCS"),
            web_enabled=_switch(env, "INTAKE_WEB"),
            web_dir=Path(env.get("INTAKE_WEB_DIR") or str(WEB_DIR)).resolve(),
            chat_socket_url=env.get("CHAT_SOCKET_URL") or CHAT_SOCKET_URL,
            exit_url=env.get("EXIT_URL") or EXIT_URL,
        )


def keyring_file(env: Mapping[str, str] | None = None) -> Path:
    """Where the keyring lives when it is not given in INTAKE_ENCRYPTION_KEYS."""
    env = os.environ if env is None else env
    var_dir = Path(env.get("INTAKE_VAR_DIR", str(REPO_ROOT / "var"))).resolve()
    return Path(env.get("INTAKE_KEYRING_FILE", str(var_dir / "intake_keyring")))


def normalise_database_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async drivers for them."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


# A host as the pages and the Content-Security-Policy may name it: a DNS name in ASCII (punycode
# for international names) or an IP address. Nothing that could end a CSP source or an attribute.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\"'<>`\\]")


def check_public_url(name: str, url: str) -> str:
    """Refuse (ValueError naming the variable) anything but an absolute http(s) URL with a host,
    no user or password, and no whitespace, control characters, quotes, backslash or `<>`."""

    def refuse(why: str) -> ValueError:
        return ValueError(f"{name} must be an absolute http:// or https:// URL with a host ({why})")

    if not isinstance(url, str) or not url:
        raise refuse("it is empty")
    # isprintable() is False for every control, format (bidi, zero-width) and whitespace
    # character but the ASCII space, which the pattern refuses.
    if _UNSAFE_IN_URL.search(url) or not url.isprintable():
        raise refuse("it holds whitespace, a control character, a quote, a backslash or <>")
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        raise refuse("it does not parse as a URL") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise refuse("the scheme is not http or https")
    if "@" in parts.netloc:
        raise refuse("it must not carry a user name or password")
    host = parts.hostname or ""
    if not host:
        raise refuse("it has no host")
    if parts.netloc.endswith(":") or port == 0:
        raise refuse("its port is empty or 0")
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise refuse("the host in [] is not an IPv6 address") from None
        if "%" in host:  # a zone id means nothing to another machine, nor to a CSP
            raise refuse("the IPv6 address carries a zone id")
    elif not _HOST_NAME.fullmatch(host):
        raise refuse("the host is not a DNS name in ASCII or an IP address")
    return url


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: an address whose traffic never leaves the machine."""
    host = host.lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.version == 4:
        return address in ipaddress.ip_network("127.0.0.0/8")
    return address == ipaddress.IPv6Address("::1")


def check_transport(name: str, url: str) -> str:
    """Refuse (ValueError naming the variable, never its value) an http:// URL whose host is not
    loopback: off this machine only https:// will do (and so wss:// for the socket, which the page
    derives from it). Run after check_public_url, which has refused every other scheme."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "http" and not is_loopback_host(parts.hostname or ""):
        raise ValueError(
            f"{name} must be an https:// URL: http:// is allowed only to a loopback host "
            "(127.0.0.0/8, ::1 or localhost), and this one is not, so what people write "
            "would cross the network unencrypted"
        )
    return url


def check_amqp_transport(name: str, url: str) -> str:
    """Refuse (ValueError naming the variable, never its value: it holds RabbitMQ's password)
    anything but amqps://, or amqp:// to a loopback host, as check_transport does for http."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number from 0 to 65535 is a ValueError)
    except ValueError:
        raise ValueError(f"{name} must be an amqps:// URL (it does not parse as a URL)") from None
    scheme = parts.scheme.lower()
    if scheme not in ("amqp", "amqps") or not parts.hostname:
        raise ValueError(
            f"{name} must be an amqps:// URL with a host (amqp:// only to a loopback host)"
        )
    if scheme == "amqp" and not is_loopback_host(parts.hostname):
        raise ValueError(
            f"{name} must be an amqps:// URL: amqp:// is allowed only to a loopback host "
            "(127.0.0.0/8, ::1 or localhost), and this one is not, so RabbitMQ's password "
            "would cross the network unencrypted"
        )
    return url


def url_origins(url: str) -> tuple[str, str]:
    """The socket.io origins of a checked URL for a Content-Security-Policy: its WebSocket origin
    (http -> ws, https -> wss) and its HTTP origin (long-polling), each scheme://host[:port]."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    socket_scheme = {"http": "ws", "https": "wss"}[scheme]
    return f"{socket_scheme}://{host}{port}", f"{scheme}://{host}{port}"


def _switch(env: Mapping[str, str], name: str) -> bool:
    """On unless set to 0, false, no or off."""
    return env.get(name, "1").lower() not in {"0", "false", "no", "off"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = int(raw)
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def _secret_file(path: Path, make) -> str:
    """Read a secret file, creating it with 0600 permissions (and its folder 0700) if missing.

    The file appears complete or not at all: it is written under a temporary name and then linked
    into place, so a second process starting at the same moment never reads it half-written (and
    never overwrites the first one's secret). A file found readable by others is narrowed to 0600.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private_file(path, make(), replace=False)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        os.chmod(path, 0o600)
    return path.read_text()


def write_private_file(path: Path, text: str, *, replace: bool = True) -> bool:
    """Write `text` to `path` with mode 0600, atomically (never a half-written or truncated file).

    replace=False leaves an existing file alone and returns False. The temporary file is made with
    O_EXCL and 0600 from the start, so the secret is never readable by others, whatever the umask.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:  # another process made it first: keep theirs
                return False
        _fsync_dir(path.parent)
        return True
    finally:
        if tmp.exists():
            tmp.unlink()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
