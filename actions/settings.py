"""The action server's settings, read from the environment once at start-up.

The defaults make `make run` work on a laptop: the intake service on 127.0.0.1:8000, its service
token in `var/intake_service_token` (written by the intake service on its first run) and the outbox
in `var/outbox.db`.

| variable | default | what |
|---|---|---|
| `INTAKE_URL` | `http://127.0.0.1:8000/api/v1/referrals` | where referrals go (see below) |
| `INTAKE_SERVICE_TOKEN` | contents of `INTAKE_SERVICE_TOKEN_FILE` | bearer token for the intake API |
| `INTAKE_SERVICE_TOKEN_FILE` | `<repo>/var/intake_service_token` | read at send time, not at start-up |
| `OUTBOX_PATH` | `<repo>/var/outbox.db` | SQLite outbox of referrals not yet accepted |
| `OUTBOX_ENCRYPTION_KEYS` | contents of `OUTBOX_KEYRING_FILE` | keyring: `id:base64key` entries |
| `OUTBOX_KEYRING_FILE` | `outbox_keyring` beside the outbox | created (0600) with one key on first run |
| `INTAKE_TIMEOUT_SECONDS` | `10` | bound on one delivery attempt |
| `OUTBOX_RETRY_INITIAL_SECONDS` | `2` | wait before the first retry |
| `OUTBOX_RETRY_FACTOR` | `2` | each retry waits this many times longer |
| `OUTBOX_RETRY_MAX_SECONDS` | `300` | longest wait between retries |
| `OUTBOX_POLL_SECONDS` | `1` | how often the worker looks for referrals queued by others |
| `OUTBOX_BUSY_TIMEOUT_SECONDS` | `5` | how long a write waits for a locked outbox before giving up |
| `OUTBOX_ALERT_PENDING_SECONDS` | `900` | health fails while the oldest pending referral is older than this |
| `OUTBOX_KEEP_SETTLED_DAYS` | `30` | what is left of a delivered or resolved referral is deleted after this |
| `OUTBOX_MAX_PER_CONVERSATION` | `3` | referrals one conversation may make; one more is told to phone |

`INTAKE_URL` carries every referral and the service token, so it must be `https://` unless its
host is loopback (127.0.0.0/8, `::1` or `localhost`), where nothing crosses a network. Anything else
stops the action server at start-up with a message naming the variable (never its value).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"
DEFAULT_INTAKE_URL = "http://127.0.0.1:8000/api/v1/referrals"
OUTBOX_KEYS_VARIABLE = "OUTBOX_ENCRYPTION_KEYS"


@dataclass(frozen=True)
class Settings:
    intake_url: str = DEFAULT_INTAKE_URL
    # Kept out of repr so a logged or printed Settings never shows the token.
    service_token: Optional[str] = field(default=None, repr=False)
    service_token_file: Path = VAR_DIR / "intake_service_token"
    outbox_path: Path = VAR_DIR / "outbox.db"
    # The outbox's keyring (conversations/keyring.py): its entries, kept out of repr like the
    # token, or else its file (None: `outbox_keyring` beside the outbox).
    outbox_encryption_keys: Optional[str] = field(default=None, repr=False)
    outbox_keyring_file: Optional[Path] = None
    request_timeout_seconds: float = 10.0
    retry_initial_seconds: float = 2.0
    retry_factor: float = 2.0
    retry_max_seconds: float = 300.0
    outbox_poll_seconds: float = 1.0
    outbox_busy_timeout_seconds: float = 5.0
    outbox_alert_pending_seconds: float = 15 * 60.0
    outbox_keep_settled_days: float = 30.0
    max_referrals_per_conversation: int = 3

    def __post_init__(self) -> None:
        # Here, not only in load_settings: however the settings are made, no referral and no token
        # goes over plain HTTP to another machine.
        check_transport("INTAKE_URL", self.intake_url)

    @property
    def outbox_keyring_path(self) -> Path:
        return self.outbox_keyring_file or self.outbox_path.parent / "outbox_keyring"

    def read_service_token(self) -> Optional[str]:
        """The bearer token, or None while there is none yet.

        Read at send time, not at start-up: the assistant works (its referrals wait in the outbox)
        before the intake service has ever run and written its token file.
        """
        if self.service_token:
            return self.service_token
        try:
            token = self.service_token_file.read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return None
        return token or None


def load_settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Settings from `environ` (default: the process environment); unset variables take defaults."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    settings = Settings(
        intake_url=env.get("INTAKE_URL") or defaults.intake_url,
        service_token=(env.get("INTAKE_SERVICE_TOKEN") or "").strip() or None,
        service_token_file=_path(env, "INTAKE_SERVICE_TOKEN_FILE", defaults.service_token_file),
        outbox_path=_path(env, "OUTBOX_PATH", defaults.outbox_path),
        outbox_encryption_keys=(env.get(OUTBOX_KEYS_VARIABLE) or "").strip() or None,
        outbox_keyring_file=Path(env["OUTBOX_KEYRING_FILE"]).expanduser()
        if env.get("OUTBOX_KEYRING_FILE")
        else None,
        request_timeout_seconds=_seconds(env, "INTAKE_TIMEOUT_SECONDS", defaults.request_timeout_seconds),
        retry_initial_seconds=_seconds(env, "OUTBOX_RETRY_INITIAL_SECONDS", defaults.retry_initial_seconds),
        retry_factor=_number(env, "OUTBOX_RETRY_FACTOR", defaults.retry_factor, minimum=1.0),
        retry_max_seconds=_seconds(env, "OUTBOX_RETRY_MAX_SECONDS", defaults.retry_max_seconds),
        outbox_poll_seconds=_seconds(env, "OUTBOX_POLL_SECONDS", defaults.outbox_poll_seconds),
        outbox_busy_timeout_seconds=_seconds(
            env, "OUTBOX_BUSY_TIMEOUT_SECONDS", defaults.outbox_busy_timeout_seconds
        ),
        outbox_alert_pending_seconds=_seconds(
            env, "OUTBOX_ALERT_PENDING_SECONDS", defaults.outbox_alert_pending_seconds
        ),
        outbox_keep_settled_days=_seconds(
            env, "OUTBOX_KEEP_SETTLED_DAYS", defaults.outbox_keep_settled_days, unit="days"
        ),
        max_referrals_per_conversation=_count(
            env, "OUTBOX_MAX_PER_CONVERSATION", defaults.max_referrals_per_conversation
        ),
    )
    if settings.retry_max_seconds < settings.retry_initial_seconds:
        raise ValueError("OUTBOX_RETRY_MAX_SECONDS must not be less than OUTBOX_RETRY_INITIAL_SECONDS")
    return settings


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
    """`url` if it is https://, or http:// to a loopback host; else a ValueError naming `name`.

    The message never repeats the URL: it may carry a user name, a password or a query."""
    loopback = "127.0.0.0/8, ::1 or localhost"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number from 0 to 65535 is a ValueError)
    except (TypeError, ValueError, AttributeError):
        raise ValueError(f"{name} must be an https:// URL (it does not parse as a URL)") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"{name} must be an https:// URL (http:// is allowed only to {loopback})")
    if not parts.hostname:
        raise ValueError(f"{name} must be an https:// URL with a host")
    if scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(
            f"{name} must be an https:// URL: http:// is allowed only to a loopback host "
            f"({loopback}), and this one is not, so referrals and the service token would cross "
            "the network unencrypted"
        )
    return url


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    return Path(value).expanduser() if value else default


def _seconds(env: Mapping[str, str], name: str, default: float, *, unit: str = "seconds") -> float:
    value = _number(env, name, default, minimum=0.0)
    if value <= 0:
        raise ValueError(f"{name} must be more than 0 {unit}")
    return value


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    value = _number(env, name, default, minimum=1.0)
    if value != int(value):
        raise ValueError(f"{name} must be a whole number")
    return int(value)


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number") from None
    if value != value or value < minimum or value == float("inf"):  # NaN, too small, infinite
        raise ValueError(f"{name} must be a number of at least {minimum:g}")
    return value
