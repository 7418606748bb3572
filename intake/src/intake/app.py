"""The Sanic app: thin handlers that translate between HTTP and the store, triage and contract.

Every answer is JSON (except the /docs page, the public chat pages and their assets), carries the
security headers, and no log line holds a client's IP address: Sanic's access log is off and
replaced by one that never looks at the peer and names the route
(`/api/v1/staff/referrals/<referral_id:uuid>`, `/assets/<path:path>`), not the URL asked for, so
neither ids, query strings nor whatever a client put in a path reach the log.
"""

from __future__ import annotations

import json
import logging
import time
from functools import wraps
from pathlib import Path
from typing import Any

from sanic import Request, Sanic
from sanic.exceptions import RequestCancelled, SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse, empty, raw
from sanic.response import json as json_response
from sanic_ext import Extend
from sqlalchemy import text

from intake.auth import bearer_token, service_token_matches
from intake.contract import validate_referral
from intake.docs import CSS_PATH, DOCS_CSP, DOCS_PATH, SPEC_PATH, docs_css, render_docs_html
from intake.ratelimit import RateLimiter, client_key
from intake.settings import OPENAPI_FILE, Settings
from intake.store import (
    STATUSES,
    InvalidTransition,
    NotFound,
    ReferralConflict,
    Store,
)
from intake.web import ASSET_HEADERS, ASSETS_ROUTE, HTML, etag_matches, load_site

log = logging.getLogger("intake")
access_log = logging.getLogger("intake.access")

REFERRALS_PATH = "/api/v1/referrals"
RAGS = ("red", "amber", "green", "none")
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
# Error answers are fixed sentences: Sanic's own messages can quote the path or a header sent.
ERROR_ANSWERS = {
    400: ("bad_request", "The request could not be understood."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not answer to that method."),
    408: ("request_timeout", "The request took too long to arrive."),
    413: ("body_too_large", "The body is over the size limit."),
    415: ("unsupported_media_type", "The body is not of a type this address accepts."),
}


class InvalidBody(ValueError):
    """The body is not strict JSON text (see parse_json)."""


def _refuse_constant(name: str):
    raise InvalidBody(f"{name} is not JSON")


def parse_json(body: bytes | None) -> Any:
    """Strict JSON: UTF-8, no NaN or Infinity, not nested beyond what Python can parse, and no
    lone surrogate (text that cannot be stored or sent on as UTF-8)."""
    try:
        value = json.loads(body or b"", parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidBody("not JSON") from exc
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InvalidBody("not valid Unicode text") from exc
    return value


def route_label(request: Request) -> str:
    """The route a request matched (`/api/v1/staff/referrals/<referral_id:uuid>`), for logs."""
    route = getattr(request, "route", None)
    return "/" + route.path if route is not None else "(no route)"


def problem(status: int, error: str, message: str, **extra: Any) -> HTTPResponse:
    return json_response({"error": error, "message": message, **extra}, status=status)


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


def create_app(
    settings: Settings,
    store: Store,
    *,
    name: str = "intake",
    rate_limiter: RateLimiter | None = None,
    openapi_file: Path = OPENAPI_FILE,
) -> Sanic:
    app = Sanic(name, error_handler=JSONErrorHandler())
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    app.config.ACCESS_LOG = False
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.KEEP_ALIVE_TIMEOUT = 5
    app.config.REQUEST_TIMEOUT = 30
    app.config.RESPONSE_TIMEOUT = 30
    app.config.MOTD = False
    app.ctx.settings = settings
    app.ctx.store = store
    app.ctx.rate_limiter = rate_limiter or RateLimiter(settings.rate_limit_per_minute)

    # sanic-ext's OpenAPI pages are off: its /docs loads Redoc from a CDN. /docs is ours (below).
    Extend(app, config={"oas": False, "cors": False, "http_auto_trace": False})

    @app.on_request
    async def limits(request: Request):
        request.ctx.started = time.perf_counter()
        length = request.headers.get("content-length") or ""
        digits = length.isascii() and length.isdigit() and len(length) <= 18
        declared = int(length) if digits else 0
        if max(declared, len(request.body or b"")) > settings.max_body_bytes:
            return problem(
                413, "body_too_large", f"The body is over {settings.max_body_bytes} bytes."
            )
        # By the route matched, not the path text: `/api/v1/referrals/` reaches the same handler.
        route = getattr(request, "route", None)
        if (
            request.method == "POST"
            and route is not None
            and "/" + route.path.rstrip("/") == REFERRALS_PATH
        ):
            wait = app.ctx.rate_limiter.allow(client_key(request.remote_addr or request.ip))
            if wait:
                response = problem(429, "rate_limited", "Too many referrals; try again shortly.")
                response.headers["Retry-After"] = str(max(1, round(wait)))
                return response
        return None

    @app.on_response
    async def headers_and_access_log(request: Request, response: HTTPResponse):
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

    if settings.docs_enabled:
        # Read and rendered once, at start-up: a missing or broken document stops the service.
        spec_bytes = openapi_file.read_bytes()
        page = render_docs_html(json.loads(spec_bytes)).encode()
        css = docs_css()

        @app.get(DOCS_PATH)
        async def docs_page(request: Request):
            request.ctx.content_security_policy = DOCS_CSP
            return raw(page, content_type="text/html; charset=utf-8")

        @app.get(SPEC_PATH)
        async def docs_openapi(request: Request):
            return raw(spec_bytes, content_type="application/json")

        @app.get(CSS_PATH)
        async def docs_stylesheet(request: Request):
            return raw(css, content_type="text/css; charset=utf-8")

    if settings.web_enabled:
        # Read, rendered and indexed once, at start-up (web.py): a missing page stops the service;
        # a widget not yet built only warns, and the page, which gives the phone numbers, is served.
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

        def page_handler(route: str):
            page = site.pages[route]

            async def public_page(request: Request):
                request.ctx.content_security_policy = site.content_security_policy
                return raw(page.body, content_type=HTML, headers=page.headers)

            return public_page

        for route in site.pages:
            name = "web_page_" + (route.strip("/") or "index")
            app.add_route(page_handler(route), route, methods=["GET", "HEAD"], name=name)

        @app.route(ASSETS_ROUTE, methods=["GET", "HEAD"])
        async def web_asset(request: Request, path: str):
            asset = site.asset(path)
            if asset is None:
                return problem(404, *ERROR_ANSWERS[404])
            request.ctx.security_headers = ASSET_HEADERS
            if etag_matches(request.headers.get("if-none-match"), asset.etag):
                return empty(status=304, headers={"ETag": asset.etag})
            return raw(asset.body, content_type=asset.content_type, headers={"ETag": asset.etag})

    @app.get("/healthz")
    async def healthz(request: Request):
        try:
            async with store.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # the process manager only needs up or down
            log.error("health check: database unreachable (%s)", type(exc).__name__)
            return json_response({"status": "unavailable"}, status=503)
        return json_response({"status": "ok"})

    @app.post(REFERRALS_PATH)
    async def receive_referral(request: Request):
        if not service_token_matches(
            bearer_token(request.headers.get("authorization")), settings.service_token
        ):
            return unauthorised()
        payload = _json_body(request, "Send the referral as application/json.")
        if isinstance(payload, HTTPResponse):
            return payload
        errors = validate_referral(payload, settings.contract_file)
        if errors:
            return problem(
                422,
                "invalid_referral",
                "The referral does not match the referral contract v1.",
                errors=[e.as_dict() for e in errors],
            )
        try:
            receipt, created = await store.receive(payload)
        except ReferralConflict:
            return problem(
                409,
                "referral_id_conflict",
                "This referral_id was already received with a different body.",
            )
        return json_response(receipt.as_dict(), status=201 if created else 200)

    def staff_only(handler):
        @wraps(handler)
        async def wrapper(request: Request, *args, **kwargs):
            token = bearer_token(request.headers.get("authorization"))
            username = await store.authenticate_staff(token) if token else None
            if username is None:
                return unauthorised()
            request.ctx.actor = f"staff:{username}"
            return await handler(request, *args, **kwargs)

        return wrapper

    @app.get("/api/v1/staff/referrals")
    @staff_only
    async def list_referrals(request: Request):
        args = request.args
        errors: list[dict[str, str]] = []
        allowed = {"rag", "status", "overdue", "preview", "feedback_due", "limit", "offset"}
        for key in args:
            if key not in allowed:
                errors.append({"field": key[:50], "message": "is not a filter"})
            elif len(args.getlist(key)) > 1:
                # Not silently the first of several: `rag=red&rag=amber` is a question unanswered.
                errors.append({"field": key, "message": "must be given once"})
        rag = _choice(args.get("rag"), RAGS, "rag", errors)
        status = _choice(args.get("status"), STATUSES, "status", errors)
        overdue = _flag(args.get("overdue"), "overdue", errors)
        preview = _flag(args.get("preview"), "preview", errors)
        feedback_due = _flag(args.get("feedback_due"), "feedback_due", errors)
        limit = _number(args.get("limit"), 50, 1, 200, "limit", errors)
        offset = _number(args.get("offset"), 0, 0, 1_000_000, "offset", errors)
        if errors:
            return problem(422, "invalid_filter", "Some filters are not valid.", errors=errors)
        items, total = await store.list_referrals(
            rag=rag,
            status=status,
            overdue=overdue,
            preview=bool(preview),
            feedback_due=feedback_due,
            limit=limit,
            offset=offset,
        )
        return json_response({"items": items, "total": total, "limit": limit, "offset": offset})

    @app.get("/api/v1/staff/referrals/<referral_id:uuid>")
    @staff_only
    async def read_referral(request: Request, referral_id):
        try:
            detail = await store.read_referral(str(referral_id), request.ctx.actor)
        except NotFound:
            return problem(404, "not_found", "No referral has this id.")
        return json_response(detail)

    @app.post("/api/v1/staff/referrals/<referral_id:uuid>/status")
    @staff_only
    async def change_status(request: Request, referral_id):
        body = _json_object(request)
        if isinstance(body, HTTPResponse):
            return body
        errors = []
        to_status = body.get("status")
        reason = body.get("reason")
        if to_status not in STATUSES:
            errors.append({"field": "status", "message": "must be one of " + ", ".join(STATUSES)})
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 2000:
            errors.append({"field": "reason", "message": "must be text of 1 to 2000 characters"})
        extra = sorted(set(body) - {"status", "reason"})
        errors += [{"field": k[:50], "message": "is not a field"} for k in extra]
        if errors:
            return problem(
                422, "invalid_status_change", "The status change is not valid.", errors=errors
            )
        try:
            result = await store.change_status(
                str(referral_id), to_status, reason.strip(), request.ctx.actor
            )
        except NotFound:
            return problem(404, "not_found", "No referral has this id.")
        except InvalidTransition as exc:
            return problem(409, "invalid_transition", str(exc))
        return json_response(result)

    @app.post("/api/v1/staff/referrals/<referral_id:uuid>/feedback")
    @staff_only
    async def record_feedback(request: Request, referral_id):
        try:
            result = await store.record_feedback(str(referral_id), request.ctx.actor)
        except NotFound:
            return problem(404, "not_found", "No referral has this id.")
        except InvalidTransition:
            return problem(
                409, "no_feedback_owed", "Only professional referrers are owed feedback."
            )
        return json_response(result)

    @app.get("/api/v1/staff/referrals/<referral_id:uuid>/audit")
    @staff_only
    async def referral_audit(request: Request, referral_id):
        return json_response({"items": await store.audit_trail(str(referral_id))})

    return app


def unauthorised() -> HTTPResponse:
    response = problem(401, "unauthorised", "A valid bearer token is required.")
    response.headers["WWW-Authenticate"] = 'Bearer realm="intake"'
    return response


def _json_body(request: Request, unsupported: str) -> Any:
    """The request's JSON body, or the 415/400 answer when it is not application/json or not JSON."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return problem(415, "unsupported_media_type", unsupported)
    try:
        return parse_json(request.body)
    except InvalidBody:
        return problem(400, "invalid_json", "The body is not valid JSON.")


def _json_object(request: Request) -> dict[str, Any] | HTTPResponse:
    body = _json_body(request, "Send application/json.")
    if isinstance(body, HTTPResponse):
        return body
    if not isinstance(body, dict):
        return problem(
            422,
            "invalid_body",
            "The body must be a JSON object.",
            errors=[{"field": "(body)", "message": "must be an object"}],
        )
    return body


def _choice(value, choices, field, errors):
    if value is None:
        return None
    if value not in choices:
        errors.append({"field": field, "message": "must be one of " + ", ".join(choices)})
        return None
    return value


def _flag(value, field, errors):
    if value is None:
        return None
    if value in ("true", "false"):
        return value == "true"
    errors.append({"field": field, "message": "must be true or false"})
    return None


def _number(value, default, low, high, field, errors):
    if value is None:
        return default
    # ASCII digits only (str.isdigit() also accepts "²", which int() refuses), and not so many
    # that int() refuses them either.
    digits = value.isascii() and value.isdigit() and len(value) <= 18
    if not digits or not low <= int(value) <= high:
        errors.append({"field": field, "message": f"must be a whole number from {low} to {high}"})
        return default
    return int(value)
