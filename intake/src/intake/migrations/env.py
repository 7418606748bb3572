"""Alembic environment. The service passes its own connection in; the `alembic` CLI makes one."""

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from intake.models import metadata

config = context.config


def run_with(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url"))
    async with engine.begin() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    asyncio.run(run_online())
