"""Admins: console accounts (add with a one-time password shown once, reset, disable) and the audit
log."""

from __future__ import annotations

from sanic import Blueprint, Request

from intake.routes.console.guard import PREFIX, console, form_value, not_found, render, see_other
from intake.routes.query import number
from intake.store import NotFound
from intake.store.accounts import ROLES
from intake.store.staff import USERNAME

bp = Blueprint("console_admin", url_prefix=PREFIX)

DONE = {"disabled": "The account is disabled and signed out."}


async def _accounts_page(request: Request, *, status=200, errors=None, username="", role=""):
    accounts = await request.app.ctx.store.list_accounts()
    return render(
        request,
        "accounts.html",
        status=status,
        section="accounts",
        errors=errors or {},
        accounts=accounts,
        roles=ROLES,
        username=username,
        role=role,
        done=DONE.get(request.args.get("done", ""), ""),
    )


@bp.get("/accounts")
@console("admin")
async def accounts(request: Request):
    return await _accounts_page(request)


@bp.post("/accounts")
@console("admin")
async def add_account(request: Request):
    username = form_value(request, "username").strip()
    role = form_value(request, "role")
    errors = {}
    if not USERNAME.fullmatch(username):
        errors["username"] = (
            "Enter a username of 1 to 64 letters, digits, full stops, underscores, @ or hyphens"
        )
    if role not in ROLES:
        errors["role"] = "Choose a role"
    if not errors:
        try:
            password = await request.app.ctx.store.add_console_account(
                username, role, request.ctx.actor
            )
        except ValueError:
            errors["username"] = "There is already an account with this username"
        else:
            return render(
                request,
                "account_password.html",
                section="accounts",
                username=username,
                password=password,
                added=True,
            )
    return await _accounts_page(
        request, status=400, errors=errors, username=username[:64], role=role
    )


def _account_name(username: str) -> str | None:
    return username if USERNAME.fullmatch(username) else None


@bp.post("/accounts/<username:str>/reset")
@console("admin")
async def reset_account(request: Request, username: str):
    if not _account_name(username):
        return not_found(request, "There is no account with this username.")
    try:
        password = await request.app.ctx.store.reset_console_account(username, request.ctx.actor)
    except (NotFound, ValueError):
        return not_found(request, "There is no active console account with this username.")
    return render(
        request,
        "account_password.html",
        section="accounts",
        username=username,
        password=password,
        added=False,
    )


@bp.post("/accounts/<username:str>/disable")
@console("admin")
async def disable_account(request: Request, username: str):
    if not _account_name(username):
        return not_found(request, "There is no account with this username.")
    if username == request.ctx.user.username:
        return await _accounts_page(
            request, status=400, errors={"accounts": "You cannot disable your own account"}
        )
    try:
        await request.app.ctx.store.disable_console_account(username, request.ctx.actor)
    except NotFound:
        return not_found(request, "There is no account with this username.")
    return see_other(PREFIX + "/accounts", done="disabled")


@bp.get("/audit")
@console("admin")
async def audit(request: Request):
    errors: list[dict[str, str]] = []
    offset = number(request.args.get("offset"), 0, 0, 1_000_000, "offset", errors)
    actor = request.args.get("actor") or None
    action = request.args.get("action") or None
    if actor is not None and len(actor) > 100:
        actor = None
    if action is not None and len(action) > 40:
        action = None
    rows, total = await request.app.ctx.store.recent_audit(
        actor=actor, action=action, limit=100, offset=offset
    )
    return render(
        request,
        "audit.html",
        section="audit",
        rows=rows,
        total=total,
        offset=offset,
        actor=actor or "",
        action=action or "",
        limit=100,
    )
