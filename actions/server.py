"""Starts the action server on the loopback interface.

``rasa run actions`` listens on every interface, allows any CORS origin and, when an action
fails, sends the whole request (the conversation) back in the error body. This entry point
serves the same actions without those: the Rasa server is its only client.

It also runs the outbox worker (actions/outbox.py), which delivers referrals the intake service
has not accepted yet, retrying with backoff; it starts after the server and stops before it.
Its `/health` (rasa_sdk's, replaced) answers 503 while a referral needs a person: one refused
by the intake, one pending longer than `OUTBOX_ALERT_PENDING_SECONDS`, one held in memory, or no
outbox or worker at all. The body has counts only, no personal data.

Every log record passes channels/logsafe.py's filter: no message text, slot value, entity or
client address reaches the log, whatever rasa_sdk or Sanic write.

    python -m actions.server [--port 5055] [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from typing import Any, Dict, Optional, Tuple

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from actions.outbox import Outbox, open_outbox, outbox_health, run_outbox_worker, use_outbox
from actions.settings import Settings, load_settings
from channels import logsafe

logger = logging.getLogger(__name__)

# A health check that cannot read the outbox within this says so rather than hang.
_HEALTH_TIMEOUT_SECONDS = 2.0


def build_app(settings: Optional[Settings] = None) -> Sanic:
    """The action server; `settings` default to the environment's, read once here."""
    settings = settings or load_settings()
    app = create_app("actions", cors_origins=None)

    @app.exception(Exception)
    async def _failed(request: Request, exception: Exception) -> response.HTTPResponse:
        # Never log or echo the tracker: it holds what the person wrote.
        logger.error("Action failed: %s", type(exception).__name__, exc_info=exception)
        return response.json({"error": "action failed"}, status=500)

    @app.middleware("request")
    async def _health(request: Request) -> Optional[response.HTTPResponse]:
        # rasa_sdk's /health always says ok; this one says whether a referral needs a person.
        if request.path != "/health" or request.method not in ("GET", "HEAD"):
            return None
        healthy, body = await _outbox_health(getattr(app.ctx, "outbox_worker", None), settings)
        return response.json(body, status=200 if healthy else 503)

    @app.listener("after_server_start")
    async def _start_outbox_worker(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        app.ctx.outbox_worker = None
        try:
            outbox = await asyncio.to_thread(open_outbox, settings)
        except Exception as exc:
            # The assistant still answers; submit tries its own outbox, then direct delivery.
            logger.error("Outbox not opened (%s): referrals will not be retried", type(exc).__name__)
            return
        use_outbox(outbox, settings)
        stop = asyncio.Event()
        task = loop.create_task(run_outbox_worker(outbox, settings, stop))
        task.add_done_callback(_report_worker_end)
        app.ctx.outbox_worker = (outbox, stop, task)

    @app.listener("before_server_stop")
    async def _stop_outbox_worker(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        if not getattr(app.ctx, "outbox_worker", None):
            return
        outbox, stop, task = app.ctx.outbox_worker
        app.ctx.outbox_worker = None
        stop.set()
        # An attempt in flight is bounded by the request timeout; if it is cut off, its referral
        # stays pending in the file and the next start delivers it.
        done, _ = await asyncio.wait({task}, timeout=settings.request_timeout_seconds + 1)
        if not done:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        use_outbox(None)
        await asyncio.to_thread(outbox.close)

    return app


async def _outbox_health(
    worker: Optional[Tuple[Outbox, asyncio.Event, asyncio.Task]], settings: Settings
) -> Tuple[bool, Dict[str, Any]]:
    if worker is None:
        return False, {"status": "failing", "problems": ["the outbox is not open: referrals are not kept"]}
    outbox, _, task = worker
    try:
        healthy, body = await asyncio.wait_for(outbox_health(outbox, settings), _HEALTH_TIMEOUT_SECONDS)
    except Exception as exc:
        return False, {"status": "failing", "problems": [f"the outbox cannot be read ({type(exc).__name__})"]}
    if task.done():
        body["status"] = "failing"
        body["problems"].append("the outbox worker has stopped: restart the action server")
        healthy = False
    return healthy, body


def _report_worker_end(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        # The referrals are safe in the outbox; the next start of the server delivers them.
        logger.error("Outbox worker ended (%s): restart the action server", type(task.exception()).__name__)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    logsafe.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    build_app(load_settings()).run(host=args.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
