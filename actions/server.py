"""Starts the action server on the loopback interface.

``rasa run actions`` listens on every interface, allows any CORS origin and, when an action
fails, sends the whole request (the conversation) back in the error body. This entry point
serves the same actions without those: the Rasa server is its only client.

    python -m actions.server [--port 5055] [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
import logging

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

logger = logging.getLogger(__name__)


def build_app() -> Sanic:
    app = create_app("actions", cors_origins=None)

    @app.exception(Exception)
    async def _failed(request: Request, exception: Exception) -> response.HTTPResponse:
        # Never log or echo the tracker: it holds what the person wrote.
        logger.error("Action failed: %s", type(exception).__name__, exc_info=exception)
        return response.json({"error": "action failed"}, status=500)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    build_app().run(host=args.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
