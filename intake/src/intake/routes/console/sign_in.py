"""Signing in to the console: the password, then the TOTP code (or, at first sign-in, enrolling the
authenticator app from a QR code and choosing a password), and signing out.

A refusal says the same whatever went wrong (unknown name, wrong password or code, a locked or
disabled account), so the page does not tell anyone which accounts exist; the audit log has the
reason. Each step gets a new session id (store/accounts.py).
"""

from __future__ import annotations

import segno
from markupsafe import Markup
from sanic import Blueprint, Request

from intake.routes.console.guard import (
    PREFIX,
    SESSION_COOKIE,
    SIGN_IN,
    SIGN_IN_CSRF_COOKIE,
    clear_cookie,
    console,
    form_value,
    limits,
    render,
    see_other,
    set_cookie,
    sign_in_csrf,
    tokens_match,
)
from intake.store.accounts import MAX_PASSWORD, MIN_PASSWORD, PasswordRefused, SignInRefused
from intake.store.accounts import csrf_token as session_csrf

bp = Blueprint("console_sign_in", url_prefix=PREFIX)

REFUSED = (
    "The username, password or code is not right, or the account is locked for a while after "
    "too many tries. Ask an admin if you cannot sign in."
)
CODE_PATH = SIGN_IN + "/code"
ENROL_PATH = SIGN_IN + "/enrol"


@bp.get("/")
@console()
async def console_home(request: Request):
    return see_other(PREFIX + "/queue")


def _sign_in_page(request: Request, *, status: int = 200, errors=None, username: str = ""):
    token = sign_in_csrf(request)
    request.ctx.csrf = token
    response = render(
        request,
        "sign_in.html",
        status=status,
        errors=errors or {},
        username=username,
        signed_out=request.args.get("signed_out") == "1",
    )
    set_cookie(request, response, SIGN_IN_CSRF_COOKIE, token, SIGN_IN)
    return response


@bp.get("/sign-in")
async def sign_in_page(request: Request):
    store = request.app.ctx.store
    if await store.console_session(request.cookies.get(SESSION_COOKIE), limits(request)):
        return see_other(PREFIX + "/queue")
    return _sign_in_page(request)


@bp.post("/sign-in")
async def sign_in(request: Request):
    cookie = request.cookies.get(SIGN_IN_CSRF_COOKIE) or ""
    if not tokens_match(form_value(request, "csrf_token"), cookie):
        return render(
            request,
            "forbidden.html",
            status=403,
            message="The form had expired or did not come from this service. Try again.",
        )
    username = form_value(request, "username").strip()
    password = form_value(request, "password")
    errors = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 - a message, not a password
    if errors:
        return _sign_in_page(request, status=400, errors=errors, username=username[:64])
    try:
        session_id, stage = await request.app.ctx.store.begin_sign_in(
            username, password, limits(request)
        )
    except SignInRefused:
        return _sign_in_page(
            request, status=400, errors={"password": REFUSED}, username=username[:64]
        )
    response = see_other(CODE_PATH if stage == "code" else ENROL_PATH)
    set_cookie(request, response, SESSION_COOKIE, session_id, PREFIX)
    clear_cookie(request, response, SIGN_IN_CSRF_COOKIE, SIGN_IN)
    return response


async def _pending(request: Request, stage: str):
    session_id = request.cookies.get(SESSION_COOKIE)
    user = await request.app.ctx.store.console_session(session_id, limits(request), stage=stage)
    if user is not None:
        request.ctx.csrf = session_csrf(session_id)
    return session_id, user


@bp.get("/sign-in/code")
async def code_page(request: Request):
    _session_id, user = await _pending(request, "code")
    if user is None:
        return see_other(SIGN_IN)
    return render(request, "sign_in_code.html")


@bp.post("/sign-in/code")
async def code(request: Request):
    session_id, user = await _pending(request, "code")
    if user is None:
        return see_other(SIGN_IN)
    if not tokens_match(form_value(request, "csrf_token"), request.ctx.csrf):
        return render(request, "forbidden.html", status=403, message="Try signing in again.")
    code_text = form_value(request, "code")
    if not code_text.strip():
        return render(
            request,
            "sign_in_code.html",
            status=400,
            errors={"code": "Enter the 6-digit code from your authenticator app"},
        )
    try:
        new_id = await request.app.ctx.store.verify_code(session_id, code_text, limits(request))
    except SignInRefused as exc:
        if exc.reason == "no_session":
            return see_other(SIGN_IN)
        return render(request, "sign_in_code.html", status=400, errors={"code": REFUSED})
    response = see_other(PREFIX + "/queue")
    set_cookie(request, response, SESSION_COOKIE, new_id, PREFIX)
    return response


def qr_svg(uri: str) -> Markup:
    """The otpauth:// URI as an inline SVG QR code, made here (no request leaves the service)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#0b0c0c", light="#ffffff")
    return Markup(svg)  # noqa: S704 - segno's own markup; the URI is encoded as modules, not text


async def _enrol_page(request: Request, session_id: str, *, status: int = 200, errors=None):
    secret, uri = await request.app.ctx.store.enrolment(session_id)
    # Grouped in fours, as authenticator apps show a key typed in by hand.
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "sign_in_enrol.html",
        status=status,
        errors=errors or {},
        qr=qr_svg(uri),
        secret=grouped,
        min_password=MIN_PASSWORD,
        max_password=MAX_PASSWORD,
    )


@bp.get("/sign-in/enrol")
async def enrol_page(request: Request):
    session_id, user = await _pending(request, "enrol")
    if user is None:
        return see_other(SIGN_IN)
    return await _enrol_page(request, session_id)


@bp.post("/sign-in/enrol")
async def enrol(request: Request):
    session_id, user = await _pending(request, "enrol")
    if user is None:
        return see_other(SIGN_IN)
    if not tokens_match(form_value(request, "csrf_token"), request.ctx.csrf):
        return render(request, "forbidden.html", status=403, message="Try signing in again.")
    code_text = form_value(request, "code")
    password = form_value(request, "new_password")
    again = form_value(request, "new_password_again")
    errors = {}
    if not code_text.strip():
        errors["code"] = "Enter the 6-digit code from your authenticator app"
    if not password:
        errors["new_password"] = "Enter a new password"  # noqa: S105 - a message
    elif password != again:
        errors["new_password_again"] = "The two passwords are not the same"  # noqa: S105
    if not errors:
        try:
            new_id = await request.app.ctx.store.complete_enrolment(
                session_id, code_text, password, limits(request)
            )
        except PasswordRefused as exc:
            errors["new_password"] = str(exc)
        except SignInRefused as exc:
            if exc.reason == "no_session":
                return see_other(SIGN_IN)
            errors["code"] = REFUSED
        else:
            response = see_other(PREFIX + "/queue")
            set_cookie(request, response, SESSION_COOKIE, new_id, PREFIX)
            return response
    return await _enrol_page(request, session_id, status=400, errors=errors)


@bp.post("/sign-out")
async def sign_out(request: Request):
    session_id = request.cookies.get(SESSION_COOKIE)
    # The token of whichever session this is (signed in or part way).
    if not session_id or not tokens_match(
        form_value(request, "csrf_token"), session_csrf(session_id)
    ):
        return render(request, "forbidden.html", status=403, message="Try signing out again.")
    await request.app.ctx.store.sign_out(session_id)
    response = see_other(SIGN_IN, signed_out="1")
    clear_cookie(request, response, SESSION_COOKIE, PREFIX)
    return response
