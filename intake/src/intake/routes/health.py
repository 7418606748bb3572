"""GET /healthz: up, and the database answers (for the process manager; not personal, no token)."""

from __future__ import annotations

import logging

from sanic import Blueprint, Request
from sanic.response import json as json_response
from sqlalchemy import text

log = logging.getLogger("intake")

bp = Blueprint("health")


@bp.get("/healthz")
async def healthz(request: Request):
    try:
        async with request.app.ctx.store.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # the process manager only needs up or down
        log.error("health check: database unreachable (%s)", type(exc).__name__)
        return json_response({"status": "unavailable"}, status=503)
    return json_response({"status": "ok"})
