"""Prepares the scale-out topology on this machine: the PostgreSQL databases it names (when
missing) and nginx's configuration under var/nginx, from deploy/scale-out.env's settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg2
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render import render


def create_database(name: str, env) -> None:
    connection = psycopg2.connect(
        dbname="postgres",
        host=env["TRACKER_STORE_HOST"],
        port=env["TRACKER_STORE_PORT"],
        user=env["TRACKER_STORE_USER"],
        password=env.get("TRACKER_STORE_PASSWORD") or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created the PostgreSQL database {name}")
    connection.close()


if __name__ == "__main__":
    env = os.environ
    create_database(env["TRACKER_STORE_DB_NAME"], env)
    create_database(env["DATABASE_URL"].rsplit("/", 1)[1], env)
    for folder in ("rasa1", "rasa2", "actions1", "actions2"):
        Path("var", folder).mkdir(parents=True, exist_ok=True, mode=0o700)
    print(render(Path("var/nginx").resolve(), env))
