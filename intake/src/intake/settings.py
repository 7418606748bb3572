"""The intake service's one settings object, read from the environment once at start-up.

The defaults make `make run` work on a laptop: SQLite under `<repo>/var/`, and a service token and
an encryption keyring created there on first run (files with 0600 permissions, never committed).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from intake.crypto import Keyring, generate_key_line

REPO_ROOT = Path(__file__).resolve().parents[3]
INTAKE_DIR = REPO_ROOT / "intake"
CONTRACT_FILE = REPO_ROOT / "contracts" / "referral.v1.schema.json"
OPENAPI_FILE = INTAKE_DIR / "openapi.json"

MAX_BODY_BYTES = 64 * 1024
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
    # POSTs to /api/v1/referrals per client per minute; 0 switches the limit off.
    rate_limit_per_minute: int = 60
    staff_token_hours: int = 12
    retain_referrals_days: int = 6 * 365
    retain_preview_days: int = 30
    retain_audit_days: int = 6 * 365
    docs_enabled: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("INTAKE_VAR_DIR", str(REPO_ROOT / "var"))).resolve()
        database_url = normalise_database_url(
            env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{var_dir / 'intake.db'}"
        )
        if database_url.startswith("sqlite"):
            var_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        token = env.get("INTAKE_SERVICE_TOKEN") or _secret_file(
            Path(env.get("INTAKE_SERVICE_TOKEN_FILE", str(var_dir / "intake_service_token"))),
            lambda: secrets.token_urlsafe(32) + "\n",
        )
        keys_text = env.get("INTAKE_ENCRYPTION_KEYS") or _secret_file(
            Path(env.get("INTAKE_KEYRING_FILE", str(var_dir / "intake_keyring"))),
            lambda: generate_key_line(1) + "\n",
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
            docs_enabled=env.get("INTAKE_DOCS", "1").lower() not in {"0", "false", "no", "off"},
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
