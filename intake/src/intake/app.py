"""The Sanic app: settings, limits, headers, the access log and error answers, wired onto the
blueprints of routes/ (one per resource), whose thin handlers translate between HTTP and the store,
triage and contract.

Every answer is JSON (except the /docs page, the public chat pages and their assets, and the staff
console's pages under /staff), carries the
security headers, and no log line holds a client's IP address: Sanic's access log is off and
replaced by one that never looks at the peer and names the route
(`/api/v1/staff/referrals/<referral_id:uuid>`, `/assets/<path:path>`), not the URL asked for, so
neither ids, query strings nor whatever a client put in a path reach the log.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sanic import Request, Sanic
from sanic.exceptions import RequestCancelled, SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse
from sanic_ext import Extend

from intake.ratelimit import RateLimiter, client_key
from intake.routes import console, conversations, docs, health, public, referrals, staff
from intake.routes.conversations import REVIEW_EVENTS_PATH
from intake.routes.deps import ERROR_ANSWERS, problem
from intake.routes.referrals import REFERRALS_PATH
from intake.settings import OPENAPI_FILE, Settings
from intake.store import Store

log = logging.getLogger("intake")
access_log = logging.getLogger("intake.access")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
}


def route_label(request: Request) -> str:
    """The route a request matched (`/api/v1/staff/referrals/<referral_id:uuid>`), for logs."""
    route = getattr(request, "route", None)
    return "/" + route.path if route is not None else "(no route)"


class JSONErrorHandler(ErrorHandler):
    """Every error as JSON, with no detail of the failure leaking to the client."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, RequestCancelled):
            # The client went away; nobody will read this answer and nothing went wrong here.
            return problem(400, "request_cancelled", "The request was cancelled.")
        if isinstance(exception, SanicException):
            status = exception.status_code
            if status >= 500:
                slug, message = "error", "The service could not answer."
            else:
                slug, message = ERROR_ANSWERS.get(status, ("error", "The request was refused."))
            response = problem(status, slug, message)
            if status == 405:
                allowed = getattr(exception, "allowed_methods", None) or _methods_for(
                    request.app, request.path
                )
                response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        # Only the exception's type: its message could hold data from the request.
        log.error(
            "unhandled %s while answering %s %s",
            type(exception).__name__,
            request.method,
            route_label(request),
        )
        return problem(500, "internal_error", "The service could not answer.")


def _methods_for(app: Sanic, path: str) -> list[str]:
    """The methods a path answers to (Sanic leaves them out of 405s on routes with parameters)."""
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        try:
            app.router.get(path, method, None)
        except SanicException:
            continue
        allowed.append(method)
    return allowed


async def limits(request: Request):
    """Refuse a body over the size limit (413), and referrals past the client's rate (429)."""
    request.ctx.started = time.perf_counter()
    settings: Settings = request.app.ctx.settings
    length = request.headers.get("content-length") or ""
    digits = length.isascii() and length.isdigit() and len(length) <= 18
    declared = int(length) if digits else 0
    # By the route matched, not the path text: `/api/v1/referrals/` reaches the same handler.
    route = getattr(request, "route", None)
    path = "/" + route.path.rstrip("/") if route is not None else None
    limit = (
        settings.max_review_body_bytes if path == REVIEW_EVENTS_PATH else settings.max_body_bytes
    )
    if max(declared, len(request.body or b"")) > limit:
        return problem(413, "body_too_large", f"The body is over {limit} bytes.")
    if request.method == "POST" and path == REFERRALS_PATH:
        wait = request.app.ctx.rate_limiter.allow(client_key(request.remote_addr or request.ip))
        if wait:
            response = problem(429, "rate_limited", "Too many referrals; try again shortly.")
            response.headers["Retry-After"] = str(max(1, round(wait)))
            return response
    return None


async def headers_and_access_log(request: Request, response: HTTPResponse):
    """The security headers on every answer, then its one access-log line."""
    # A handler may set its own policy (request.ctx.content_security_policy: /docs, the chat
    # pages) or change other security headers (request.ctx.security_headers: the widget's
    # assets); every other header, and every error answer, keeps SECURITY_HEADERS.
    for header, value in SECURITY_HEADERS.items():
        response.headers[header] = value
    for header, value in getattr(request.ctx, "security_headers", {}).items():
        response.headers[header] = value
    csp = getattr(request.ctx, "content_security_policy", None)
    if csp:
        response.headers["Content-Security-Policy"] = csp
    started = getattr(request.ctx, "started", None)
    elapsed_ms = (time.perf_counter() - started) * 1000 if started else 0.0
    # Method, route and status only: never the peer address, the URL, or the query string.
    access_log.info(
        "%s %s %s %.1fms", request.method, route_label(request), response.status, elapsed_ms
    )


def create_app(
    settings: Settings,
    store: Store,
    *,
    name: str = "intake",
    rate_limiter: RateLimiter | None = None,
    openapi_file: Path = OPENAPI_FILE,
) -> Sanic:
    """The service: its settings, store and rate limiter on `app.ctx`, the middleware above, and
    the blueprints of routes/ (the docs, the public pages and the console only when switched on)."""
    app = Sanic(name, error_handler=JSONErrorHandler())
    app.config.REQUEST_MAX_SIZE = max(settings.max_body_bytes, settings.max_review_body_bytes)
    app.config.ACCESS_LOG = False
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.KEEP_ALIVE_TIMEOUT = 5
    app.config.REQUEST_TIMEOUT = 30
    app.config.RESPONSE_TIMEOUT = 30
    app.config.MOTD = False
    app.ctx.settings = settings
    app.ctx.store = store
    app.ctx.rate_limiter = rate_limiter or RateLimiter(settings.rate_limit_per_minute)

    # sanic-ext's OpenAPI pages are off: its /docs loads Redoc from a CDN. /docs is ours (routes/docs.py).
    Extend(app, config={"oas": False, "cors": False, "http_auto_trace": False})

    app.on_request(limits)
    app.on_response(headers_and_access_log)

    if settings.docs_enabled:
        app.ctx.docs = docs.load(openapi_file)
        app.blueprint(docs.bp)
    if settings.web_enabled:
        app.ctx.site = public.load(settings)
        app.blueprint(public.bp)
    app.blueprint(health.bp)
    app.blueprint(referrals.bp)
    app.blueprint(staff.bp)
    app.blueprint(conversations.service)
    app.blueprint(conversations.bp)
    if settings.console_enabled:
        for blueprint in console.BLUEPRINTS:
            app.blueprint(blueprint)
    return app
