"""Fixtures. The whole suite runs once per database: INTAKE_TEST_DB=sqlite (default) or postgresql.

For PostgreSQL a fresh, uniquely named database is created for the run and dropped at the end. If
PostgreSQL cannot be reached the run fails (it never quietly skips), and so does `make test`. A run
in which any test was skipped or marked xfail fails too (pytest_sessionfinish below).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import configuration as hypothesis_configuration
from sqlalchemy import text

from intake.app import create_app
from intake.crypto import Keyring, generate_key_line
from intake.db import create_engine, migrate
from intake.models import metadata
from intake.ratelimit import RateLimiter
from intake.settings import REPO_ROOT, Settings
from intake.store import Store

# Hypothesis (under schemathesis) keeps its files in the temp folder, not in the work tree.
hypothesis_configuration.set_hypothesis_home_dir(
    os.path.join(tempfile.gettempdir(), "intake-hypothesis")
)

DB_KIND = os.environ.get("INTAKE_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get(
    "INTAKE_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
EXAMPLES = REPO_ROOT / "contracts" / "examples"
SERVICE_TOKEN = "test-service-token-" + secrets.token_hex(8)
_pg_database: str | None = None


def pytest_report_header(config):
    return f"intake database under test: {DB_KIND}"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pytest_sessionstart(session):
    global _pg_database
    if DB_KIND not in {"sqlite", "postgresql"}:
        pytest.exit(f"INTAKE_TEST_DB must be sqlite or postgresql, not {DB_KIND!r}", returncode=4)
    if DB_KIND == "postgresql":
        name = f"intake_test_{os.getpid()}_{secrets.token_hex(4)}"
        try:
            asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            pytest.exit(
                f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({type(exc).__name__}: {exc}); "
                "the PostgreSQL run cannot pass without it",
                returncode=3,
            )
        _pg_database = name


def pytest_sessionfinish(session, exitstatus):
    if _pg_database:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{_pg_database}" WITH (FORCE)'))
    # A skipped test is not a passed test, nor is an expected failure: a run with either fails.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    not_run = sum(len(reporter.stats.get(kind, [])) for kind in ("skipped", "xfailed", "xpassed"))
    if not_run and session.exitstatus == 0:
        reporter.write_line(
            f"!! {not_run} test(s) skipped or marked xfail: not a pass, so the run fails", red=True
        )
        session.exitstatus = 1


def pg_url(database: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{database}"


@pytest.fixture
def database_url(tmp_path) -> str:
    if DB_KIND == "postgresql":
        return pg_url(_pg_database)
    return f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"


@pytest.fixture
def sqlite_file(database_url) -> Path | None:
    """The SQLite database file, or None on PostgreSQL."""
    if database_url.startswith("sqlite"):
        return Path(database_url.split("///", 1)[1])
    return None


class Clock:
    """A clock the tests move by hand (no test waits on real time)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """argon2 at the service's cost takes about half a second a hash here; the tests use the same
    algorithm (argon2id) at the lowest cost, so a sign-in is quick. The command line, run as a
    subprocess, keeps the real cost."""
    from argon2 import PasswordHasher

    from intake.store import accounts

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.parse(generate_key_line(1))


# Small stand-ins for web/pages and web/dist: the suite does not depend on the front-end's state
# (test_web.py renders the real pages separately).
TEST_PAGE = (
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title>'
    '<link rel="stylesheet" href="/assets/page.css"><script src="/assets/chat.js" defer></script>'
    '</head><body><h1>{title}</h1><div data-socket-url="{{{{ socket_url }}}}"></div>'
    '<a href="{{{{ exit_url }}}}">Exit this page</a></body></html>\n'
)
TEST_DIST = {
    "chat.js": b"(()=>{})();\n",
    "chat.js.map": b'{"version":3,"sources":[],"mappings":""}\n',
    "chat.css": b".chat-widget{display:block}\n",
    "page.css": b"body{margin:0}\n",
    "assets/images/logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    ".built": b"",
}


def make_web_dir(root: Path, *, dist: dict[str, bytes] | None = TEST_DIST) -> Path:
    """A web folder like the repository's: pages/ with the three pages, dist/ with `dist`
    (None: no dist folder at all, as before the first build)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pages").mkdir(exist_ok=True)
    for name, title in (
        ("index.html", "Worried about a child"),
        ("privacy.html", "Privacy notice"),
        ("exit.html", "Leaving"),
    ):
        (root / "pages" / name).write_text(TEST_PAGE.format(title=title), encoding="utf-8")
    if dist is not None:
        for name, body in dist.items():
            path = root / "dist" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
    return root


@pytest.fixture
def web_dir(tmp_path) -> Path:
    return make_web_dir(tmp_path / "web")


@pytest.fixture
def settings(database_url, keyring, tmp_path, web_dir) -> Settings:
    return Settings(
        database_url=database_url,
        service_token=SERVICE_TOKEN,
        keyring=keyring,
        var_dir=tmp_path,
        rate_limit_per_minute=0,
        web_dir=web_dir,
    )


@pytest.fixture
async def engine(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    if engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine, keyring, clock) -> Store:
    return Store(engine, keyring, clock=clock)


class Client:
    """An in-process HTTP client for the Sanic app (ASGI), started once per test."""

    def __init__(self, app, service_token: str):
        self.app = app
        self.service_token = service_token
        app.asgi = True
        # Sanic rewrites its own methods at start-up ("touchup"); once per process is enough.
        app.config.TOUCHUP = False
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("192.0.2.44", 50000)),
            base_url="http://intake.test",
        )

    async def start(self):
        self.app.router.reset()
        self.app.signal_router.reset()
        await self.app._startup()
        await self.app._server_event("init", "before")
        await self.app._server_event("init", "after")

    async def post_referral(self, body, token: str | None = "default", **kwargs):
        headers = kwargs.pop("headers", {})
        token = self.service_token if token == "default" else token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if isinstance(body, (bytes, str)):
            headers.setdefault("Content-Type", "application/json")
            return await self.http.post(
                "/api/v1/referrals", content=body, headers=headers, **kwargs
            )
        return await self.http.post("/api/v1/referrals", json=body, headers=headers, **kwargs)

    def __getattr__(self, name):
        return getattr(self.http, name)


@pytest.fixture
async def make_client(settings, store):
    clients = []

    async def make(*, rate_limiter: RateLimiter | None = None, **overrides) -> Client:
        app_settings = replace(settings, **overrides)
        app = create_app(
            app_settings,
            store,
            name=f"intake_test_{secrets.token_hex(6)}",
            rate_limiter=rate_limiter,
        )
        client = Client(app, app_settings.service_token)
        await client.start()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.http.aclose()


@pytest.fixture
async def client(make_client) -> Client:
    return await make_client()


@pytest.fixture
async def staff_token(store) -> str:
    return await store.issue_staff_token("a.jones", 12, create=True)


@pytest.fixture
def staff_headers(staff_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff_token}"}


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def valid_example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("valid_*.json"))


def invalid_example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("invalid_*.json"))


def new_referral(name: str = "valid_anonymous_public", **changes) -> dict:
    """An example with a fresh referral_id (and any top-level changes)."""
    import uuid

    body = example(name)
    body["referral_id"] = str(uuid.uuid4())
    body.update(changes)
    return body
