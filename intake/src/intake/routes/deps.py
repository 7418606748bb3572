"""What the route handlers share: JSON answers, strict JSON bodies and the bearer-token guards.

Error answers are fixed sentences that never repeat the path, header or value sent.

Every request `staff_only` refuses is audited (`access.refused`, store/audit.py): the reason as a
fixed word, the method and the route's pattern, the actor only when proven, never the token or any
header. Floods are bounded there, not by the rate limiter: at most one row a minute for each kind
of refusal, carrying its count (the reasons are in store/audit.py's docstring).
"""

from __future__ import annotations

import json
from functools import wraps
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from intake.auth import bearer_token, service_token_matches
from intake.store.audit import ANONYMOUS
from intake.store.referrals import SERVICE_ACTOR

# Error answers are fixed sentences: Sanic's own messages can quote the path or a header sent.
ERROR_ANSWERS = {
    400: ("bad_request", "The request could not be understood."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not answer to that method."),
    408: ("request_timeout", "The request took too long to arrive."),
    413: ("body_too_large", "The body is over the size limit."),
    415: ("unsupported_media_type", "The body is not of a type this address accepts."),
}


def problem(status: int, error: str, message: str, **extra: Any) -> HTTPResponse:
    return json_response({"error": error, "message": message, **extra}, status=status)


def unauthorised() -> HTTPResponse:
    response = problem(401, "unauthorised", "A valid bearer token is required.")
    response.headers["WWW-Authenticate"] = 'Bearer realm="intake"'
    return response


# --- bodies ------------------------------------------------------------------------------------


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


def json_body(request: Request, unsupported: str) -> Any:
    """The request's JSON body, or the 415/400 answer when it is not application/json or not JSON."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return problem(415, "unsupported_media_type", unsupported)
    try:
        return parse_json(request.body)
    except InvalidBody:
        return problem(400, "invalid_json", "The body is not valid JSON.")


def json_object(request: Request) -> dict[str, Any] | HTTPResponse:
    body = json_body(request, "Send application/json.")
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


# --- who may call ------------------------------------------------------------------------------


def service_only(handler):
    """The handler, for the assistant alone: without the service token the answer is a 401."""

    @wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        token = bearer_token(request.headers.get("authorization"))
        if not service_token_matches(token, request.app.ctx.settings.service_token):
            return unauthorised()
        return await handler(request, *args, **kwargs)

    return wrapper


def route_pattern(request: Request) -> str:
    """The route a request matched (`/api/v1/staff/referrals/<referral_id:uuid>`), never the path
    asked for: what the audit log and the access log name."""
    route = getattr(request, "route", None)
    return "/" + route.path if route is not None else "(no route)"


def _utf8(token: str) -> bool:
    """Whether the token is text at all: a header's bytes that are not UTF-8 arrive as lone
    surrogates (Sanic decodes with surrogateescape), which no hash can take."""
    try:
        token.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def _staff_refusal(request: Request, token: str | None) -> tuple[str, str]:
    """(actor, reason) for a refused staff request: see store/audit.py."""
    if token is None:
        return ANONYMOUS, "no_token"  # no Authorization header, or not a Bearer one
    if not _utf8(token):
        return ANONYMOUS, "invalid_token"
    if service_token_matches(token, request.app.ctx.settings.service_token):
        return SERVICE_ACTOR, "service_token_on_staff_route"
    return await request.app.ctx.store.staff_token_refusal(token)


def staff_only(handler):
    """The handler, for staff alone: without a valid staff token the answer is a 401, audited
    (`access.refused`, without the token). The staff member is `request.ctx.actor`
    (`staff:<username>`), as the audit log names them."""

    @wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        store = request.app.ctx.store
        token = bearer_token(request.headers.get("authorization"))
        username = await store.authenticate_staff(token) if token and _utf8(token) else None
        if username is None:
            actor, reason = await _staff_refusal(request, token)
            await store.audit_refusal(actor, reason, request.method, route_pattern(request))
            return unauthorised()
        await store.flush_refusals()
        request.ctx.actor = f"staff:{username}"
        return await handler(request, *args, **kwargs)

    return wrapper
