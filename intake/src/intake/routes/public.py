"""The public chat pages (/, /privacy, /exit) and the chat widget's assets (/assets/<path>): read
once at start-up (`load`, over intake/web.py) and served from memory. Registered unless
INTAKE_WEB=0. For browsers, not part of the API: not in openapi.json.
"""

from __future__ import annotations

import logging

from sanic import Blueprint, Request
from sanic.response import empty, raw

from intake.routes.deps import ERROR_ANSWERS, problem
from intake.settings import Settings
from intake.web import ASSET_HEADERS, ASSETS_ROUTE, HTML, PAGES, Site, etag_matches, load_site

log = logging.getLogger("intake")


def load(settings: Settings) -> Site:
    """Read, rendered and indexed once, at start-up: a missing page stops the service; a widget
    not yet built only warns, and the page, which gives the phone numbers, is served."""
    site = load_site(
        settings.web_dir, socket_url=settings.chat_socket_url, exit_url=settings.exit_url
    )
    if site.missing_assets:
        log.warning(
            "the chat widget is not built (%s missing from %s): run `make install`, which "
            "builds it; until then the chat page is served without its script and style",
            ", ".join(site.missing_assets),
            settings.web_dir / "dist",
        )
    return site


bp = Blueprint("public")


def _page_handler(route: str):
    async def public_page(request: Request):
        site: Site = request.app.ctx.site
        page = site.pages[route]
        request.ctx.content_security_policy = site.content_security_policy
        return raw(page.body, content_type=HTML, headers=page.headers)

    return public_page


for _route in PAGES:
    bp.add_route(
        _page_handler(_route),
        _route,
        methods=["GET", "HEAD"],
        name="web_page_" + (_route.strip("/") or "index"),
    )


@bp.route(ASSETS_ROUTE, methods=["GET", "HEAD"])
async def web_asset(request: Request, path: str):
    asset = request.app.ctx.site.asset(path)
    if asset is None:
        return problem(404, *ERROR_ANSWERS[404])
    request.ctx.security_headers = ASSET_HEADERS
    if etag_matches(request.headers.get("if-none-match"), asset.etag):
        return empty(status=304, headers={"ETag": asset.etag})
    return raw(asset.body, content_type=asset.content_type, headers={"ETag": asset.etag})
