"""Command line: `python -m intake <command>`.

serve          migrate the database, then serve on INTAKE_HOST:INTAKE_PORT (127.0.0.1:8000), and
               consume the review queue when INTAKE_REVIEW_AMQP_URL is set
migrate        alembic upgrade head
purge          delete referrals, conversations and audit rows past their retention (--dry-run to only count)
create-staff   create a staff account and print its bearer token (shown once)
staff-token    give an existing staff account a new token (the old one stops working)
disable-staff  disable a staff account and its token
staff add NAME --role viewer|triager|admin
               add a console account and print its one-time password (shown once)
staff reset NAME
               a new one-time password; the authenticator app is enrolled again
staff disable NAME
               disable an account: its console sessions end, its token stops working
rotate-key     add a new encryption key to the keyring file; it becomes the current key
reencrypt      re-seal every stored value with the current key
key-usage      how many stored values each key protects
retire-key     remove an old key from the keyring file once nothing uses it
openapi        print the OpenAPI document (make openapi writes it to intake/openapi.json)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys

from intake import logsafe
from intake.crypto import Keyring, generate_key_line
from intake.db import create_engine, migrate
from intake.settings import Settings, keyring_file, write_private_file
from intake.store import NotFound, Store

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _configure_logging() -> None:
    """Our loggers and Alembic's to stderr; Sanic keeps its own handlers (and its access log off)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    for name in ("intake", "alembic"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False


def _store(settings: Settings) -> Store:
    return Store(create_engine(settings.database_url), settings.keyring)


async def _with_store(settings: Settings, work):
    store = _store(settings)
    try:
        await migrate(store.engine)
        return await work(store)
    finally:
        await store.engine.dispose()


def cmd_serve(settings: Settings, _args) -> int:
    from intake.app import create_app

    asyncio.run(_with_store(settings, lambda store: asyncio.sleep(0)))
    store = _store(settings)
    app = create_app(settings, store)

    @app.after_server_stop
    async def close_database(_app):
        await store.engine.dispose()

    if settings.review_amqp_url:  # the review events over RabbitMQ (review_queue.py)
        from intake.review_queue import ReviewConsumer

        consumer = ReviewConsumer(
            store,
            settings.review_amqp_url,
            settings.review_amqp_queue,
            settings.review_transport_key,
        )

        @app.after_server_start
        async def consume_review_queue(_app):
            consumer.start()

        @app.before_server_stop
        async def stop_review_queue(_app):
            await consumer.stop()

    @app.before_server_start
    async def redact_logs(_app):
        # After Sanic has set up its own log handlers: every handler gets the redacting filter.
        logsafe.install(keep=[settings.host])

    logsafe.install(keep=[settings.host])  # the listen address is not a client's: keep it
    pages = []
    if settings.web_enabled:
        pages.append("chat page at /")
    if settings.docs_enabled:
        pages.append("docs at /docs")
    logging.getLogger("intake").info(
        "intake service listening on http://%s:%s%s",
        settings.host,
        settings.port,
        f" ({', '.join(pages)})" if pages else "",
    )
    app.run(
        host=settings.host,
        port=settings.port,
        single_process=True,
        access_log=False,
        motd=False,
    )
    return 0


def cmd_migrate(settings: Settings, _args) -> int:
    asyncio.run(_with_store(settings, lambda store: asyncio.sleep(0)))
    print("database is at the newest schema")
    return 0


def cmd_purge(settings: Settings, args) -> int:
    async def work(store: Store):
        return await store.purge(
            referrals_days=settings.retain_referrals_days,
            preview_days=settings.retain_preview_days,
            audit_days=settings.retain_audit_days,
            conversations_days=settings.retain_conversations_days,
            preview_conversations_days=settings.retain_preview_conversations_days,
            dry_run=args.dry_run,
        )

    report = asyncio.run(_with_store(settings, work))
    verb = "would delete" if args.dry_run else "deleted"
    print(
        f"purge {verb}: {report['referrals_deleted']} closed referral(s) older than "
        f"{settings.retain_referrals_days} days, {report['preview_referrals_deleted']} preview "
        f"referral(s) older than {settings.retain_preview_days} days, "
        f"{report['audit_rows_deleted']} audit row(s) older than "
        f"{settings.retain_audit_days} days, {report['conversations_deleted']} conversation(s) "
        f"older than {settings.retain_conversations_days} days and "
        f"{report['preview_conversations_deleted']} preview conversation(s) older than "
        f"{settings.retain_preview_conversations_days} days (kept: "
        f"{report['referral_transcripts_kept']} referral transcript(s))"
    )
    if report["open_referrals_kept_past_retention"]:
        print(
            f"kept {report['open_referrals_kept_past_retention']} referral(s) past retention "
            "because they are still open: close them or review them"
        )
    print(json.dumps(report))
    return 0


def cmd_staff_token(settings: Settings, args, *, create: bool) -> int:
    async def work(store: Store):
        return await store.issue_staff_token(
            args.username, settings.staff_token_hours, create=create
        )

    try:
        token = asyncio.run(_with_store(settings, work))
    except NotFound:
        print(f"no staff account {args.username!r}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        f"# bearer token for {args.username}, valid {settings.staff_token_hours} hours; "
        "shown once, keep it secret",
        file=sys.stderr,
    )
    print(token)
    return 0


def cmd_disable_staff(settings: Settings, args) -> int:
    try:
        asyncio.run(_with_store(settings, lambda store: store.disable_staff(args.username)))
    except NotFound:
        print(f"no staff account {args.username!r}", file=sys.stderr)
        return 1
    print(f"disabled {args.username}")
    return 0


def cmd_staff(settings: Settings, args) -> int:
    """`staff add | reset | disable`: console accounts (store/accounts.py)."""
    actor = "admin:cli"

    async def work(store: Store):
        if args.staff_command == "add":
            return await store.add_console_account(args.username, args.role, actor)
        if args.staff_command == "reset":
            return await store.reset_console_account(args.username, actor)
        await store.disable_console_account(args.username, actor)
        return None

    try:
        password = asyncio.run(_with_store(settings, work))
    except NotFound:
        print(f"no staff account {args.username!r}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if password is None:
        print(f"disabled {args.username}: signed out of the console, token revoked")
        return 0
    print(
        f"# one-time password for {args.username}: shown once, give it to them in person; at "
        "their first sign-in at /staff they set up an authenticator app and choose a password",
        file=sys.stderr,
    )
    print(password)
    return 0


def cmd_rotate_key(settings: Settings, _args) -> int:
    new_line = generate_key_line(settings.keyring.current_id + 1)
    if os.environ.get("INTAKE_ENCRYPTION_KEYS"):
        print(
            "The keys come from INTAKE_ENCRYPTION_KEYS: add this entry to it (comma-separated), "
            "restart, then run `python -m intake reencrypt`:",
            file=sys.stderr,
        )
        print(new_line)
        return 0
    path = keyring_file()
    current = path.read_text(encoding="utf-8")
    # A file edited by hand may lack its final newline: never glue the new key onto the last one.
    updated = current.rstrip("\n") + "\n" + new_line + "\n"
    Keyring.parse(updated)  # never leave a keyring that cannot be read
    write_private_file(path, updated)
    print(
        f"added key {settings.keyring.current_id + 1} to {path}; it is now the current key. "
        "Restart the service, then run `python -m intake reencrypt`."
    )
    return 0


def cmd_reencrypt(settings: Settings, _args) -> int:
    moved = asyncio.run(_with_store(settings, lambda store: store.reencrypt()))
    print(f"re-sealed {moved} value(s) with key {settings.keyring.current_id}")
    return 0


def cmd_key_usage(settings: Settings, _args) -> int:
    usage = asyncio.run(_with_store(settings, lambda store: store.key_usage()))
    for key_id in sorted(settings.keyring.keys):
        mark = " (current)" if key_id == settings.keyring.current_id else ""
        print(f"key {key_id}{mark}: {usage.get(key_id, 0)} value(s)")
    return 0


def cmd_retire_key(settings: Settings, args) -> int:
    if args.key_id == settings.keyring.current_id:
        print("the current key cannot be retired: rotate first", file=sys.stderr)
        return 1
    usage = asyncio.run(_with_store(settings, lambda store: store.key_usage()))
    if usage.get(args.key_id):
        print(
            f"key {args.key_id} still protects {usage[args.key_id]} value(s): "
            "run `python -m intake reencrypt` first",
            file=sys.stderr,
        )
        return 1
    if os.environ.get("INTAKE_ENCRYPTION_KEYS"):
        print(f"nothing uses key {args.key_id}: remove it from INTAKE_ENCRYPTION_KEYS")
        return 0
    path = keyring_file()
    kept = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.strip().startswith(f"{args.key_id}:")
    ]
    Keyring.parse("\n".join(kept))  # never leave a keyring that cannot be read
    # Written to a new file and renamed over the old one: a crash mid-write cannot lose the keys.
    write_private_file(path, "\n".join(kept) + "\n")
    print(f"retired key {args.key_id}")
    return 0


def cmd_openapi(_settings, _args) -> int:
    from intake.openapi import render_spec

    sys.stdout.write(render_spec())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="intake", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve")
    sub.add_parser("migrate")
    purge = sub.add_parser("purge")
    purge.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    for name in ("create-staff", "staff-token", "disable-staff"):
        sub.add_parser(name).add_argument("username")
    staff_parser = sub.add_parser("staff", help="console accounts")
    staff_sub = staff_parser.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="add a console account (prints a one-time password)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["viewer", "triager", "admin"])
    staff_sub.add_parser("reset", help="a new one-time password; TOTP again").add_argument(
        "username"
    )
    staff_sub.add_parser("disable", help="disable an account").add_argument("username")
    sub.add_parser("rotate-key")
    sub.add_parser("reencrypt")
    sub.add_parser("key-usage")
    sub.add_parser("retire-key").add_argument("key_id", type=int)
    sub.add_parser("openapi")
    args = parser.parse_args(argv)

    _configure_logging()
    logsafe.install()
    # Files this process creates (the SQLite database, keyring, token) are for its user alone.
    os.umask(0o077)
    if args.command == "openapi":
        return cmd_openapi(None, args)
    settings = Settings.from_env()
    commands = {
        "serve": cmd_serve,
        "migrate": cmd_migrate,
        "purge": cmd_purge,
        "create-staff": lambda s, a: cmd_staff_token(s, a, create=True),
        "staff-token": lambda s, a: cmd_staff_token(s, a, create=False),
        "disable-staff": cmd_disable_staff,
        "staff": cmd_staff,
        "rotate-key": cmd_rotate_key,
        "reencrypt": cmd_reencrypt,
        "key-usage": cmd_key_usage,
        "retire-key": cmd_retire_key,
    }
    return commands[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
