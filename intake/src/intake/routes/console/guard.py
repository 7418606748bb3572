"""What every console page shares: Jinja2 rendering (autoescape on, undefined names an error), the
page's Content-Security-Policy, the session cookie, the CSRF check and the role guard.

The session cookie (`staff_session`, path /staff) is HttpOnly and SameSite=Strict, and Secure when
the request came over https. Forms carry the session's CSRF token (derived from its id, see
store/accounts.py); the sign-in form, before any session, a double-submit token: a random value in
its own cookie and in the form. A POST without the right token is a 403.

What `console` refuses is audited (`access.refused`, store/audit.py, with the route's pattern and
a fixed reason, never the cookie, the form or the CSRF token): a request other than GET or HEAD
without a signed-in session (`anonymous`, `no_session`), a form without the session's CSRF token
(`staff:<username>`, `csrf`), and a role below the route's (`staff:<username>`, `wrong_role`). An
anonymous GET or HEAD is sent to the sign-in page and not audited: that is every first visit and
every expired session's next click (an expired session is audited once, as
`staff.session_expired`), and would fill the log with the ordinary. At most one row a minute for
each kind, with its count (store/audit.py), so a flood of refused forms is bounded too. The sign-in
steps (sign_in.py) check their own CSRF tokens and audit failed sign-ins themselves.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sanic import Request
from sanic.response import HTTPResponse, html, redirect

from intake import console as words
from intake.routes.deps import route_pattern
from intake.store.accounts import ConsoleUser, SignInLimits, csrf_token
from intake.store.audit import ANONYMOUS

SESSION_COOKIE = "staff_session"
SIGN_IN_CSRF_COOKIE = "staff_sign_in_csrf"
PREFIX = "/staff"
SIGN_IN = PREFIX + "/sign-in"
# Styles from this origin (the public page's GOV.UK Frontend build, /assets/page.css), the QR code
# is inline SVG; no script at all, forms only to this origin.
CONSOLE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

templates = Environment(
    loader=PackageLoader("intake", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals.update(
    status_label=words.status_label,
    rag_label=words.RAG_LABELS.get,
    rag_class=words.RAG_TAG_CLASSES.get,
    referrer_label=lambda t: words.REFERRER_LABELS.get(t, t),
    role_label=lambda r: words.ROLE_LABELS.get(r, r or "API only"),
    uk_time=words.uk_time,
)


def limits(request: Request) -> SignInLimits:
    settings = request.app.ctx.settings
    return SignInLimits(
        idle=timedelta(minutes=settings.console_idle_minutes),
        lifetime=timedelta(hours=settings.console_session_hours),
        max_failures=settings.console_max_failed_sign_ins,
        lockout=timedelta(minutes=settings.console_lockout_minutes),
    )


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTTPResponse:
    request.ctx.content_security_policy = CONSOLE_CSP
    user = getattr(request.ctx, "user", None)
    body = templates.get_template(f"console/{template}").render(
        user=user,
        csrf=getattr(request.ctx, "csrf", ""),
        errors=context.pop("errors", {}),
        **context,
    )
    return html(body, status=status)


def forbidden(request: Request, message: str) -> HTTPResponse:
    return render(request, "forbidden.html", status=403, message=message)


def not_found(request: Request, message: str = "There is nothing at this address.") -> HTTPResponse:
    return render(request, "not_found.html", status=404, message=message)


def see_other(location: str, **query: str) -> HTTPResponse:
    """303 after a form: the browser GETs the page, so a reload does not send the form again."""
    if query:
        location += "?" + urlencode(query)
    return redirect(location, status=303)


def _secure(request: Request) -> bool:
    """Over https (as Sanic sees it: SERVER_NAME, or a trusted proxy's forwarded proto), or
    always with INTAKE_CONSOLE_SECURE_COOKIES=1."""
    return request.scheme == "https" or request.app.ctx.settings.console_secure_cookies


def set_cookie(request: Request, response: HTTPResponse, name: str, value: str, path: str) -> None:
    response.add_cookie(
        name, value, path=path, httponly=True, samesite="Strict", secure=_secure(request)
    )


def clear_cookie(request: Request, response: HTTPResponse, name: str, path: str) -> None:
    """Expire the cookie, with the attributes it was set with (a Secure deletion sent over http
    would be ignored by the browser)."""
    response.add_cookie(
        name,
        "",
        path=path,
        max_age=0,
        httponly=True,
        samesite="Strict",
        secure=_secure(request),
    )


def form_value(request: Request, name: str) -> str:
    value = request.form.get(name) if request.form else None
    return value if isinstance(value, str) else ""


def tokens_match(presented: str, expected: str) -> bool:
    return bool(presented) and bool(expected) and hmac.compare_digest(presented, expected)


def sign_in_csrf(request: Request) -> str:
    """The sign-in form's double-submit token: the cookie's, or a new one (set by the page)."""
    existing = request.cookies.get(SIGN_IN_CSRF_COOKIE) or ""
    if 20 <= len(existing) <= 100 and existing.isascii():
        return existing
    return secrets.token_urlsafe(32)


async def refused(request: Request, actor: str, reason: str, message: str) -> HTTPResponse:
    """The 403 page, the refusal audited (the route's pattern, never the path or the form)."""
    await request.app.ctx.store.audit_refusal(actor, reason, request.method, route_pattern(request))
    return forbidden(request, message)


def console(role: str = "viewer"):
    """The handler, for a signed-in user with at least `role`. Anonymous: a GET goes to the sign-in
    page (not audited: see the module's docstring), anything else is a 403. A POST must carry the
    session's CSRF token (403 without). Each 403 is audited with its reason."""

    def decorate(handler):
        @wraps(handler)
        async def wrapper(request: Request, *args, **kwargs):
            store = request.app.ctx.store
            session_id = request.cookies.get(SESSION_COOKIE)
            user: ConsoleUser | None = await store.console_session(session_id, limits(request))
            if user is None:
                if request.method in ("GET", "HEAD"):
                    return see_other(SIGN_IN)
                return await refused(request, ANONYMOUS, "no_session", "Sign in to do this.")
            request.ctx.user = user
            request.ctx.actor = user.actor
            request.ctx.csrf = csrf_token(session_id)
            if request.method not in ("GET", "HEAD") and not tokens_match(
                form_value(request, "csrf_token"), request.ctx.csrf
            ):
                return await refused(
                    request,
                    user.actor,
                    "csrf",
                    "The form had expired or did not come from this service. Try again.",
                )
            if not user.can(role):
                return await refused(
                    request,
                    user.actor,
                    "wrong_role",
                    f"Your role ({words.ROLE_LABELS[user.role]}) does not allow this.",
                )
            await store.flush_refusals()
            return await handler(request, *args, **kwargs)

        wrapper.console_role = role
        return wrapper

    return decorate
