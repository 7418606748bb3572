"""The MASH staff API under /api/v1/staff: the queue, a referral with its personal fields (the read
is audited), its status, the feedback owed to a professional referrer, and its audit trail.

Every route needs a staff token (`staff_only`); test_staff_api.py finds them from the router.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from intake.routes.deps import json_object, problem, staff_only
from intake.routes.query import choice, flag, number
from intake.store import STATUSES, InvalidTransition, NotFound

RAGS = ("red", "amber", "green", "none")

bp = Blueprint("staff", url_prefix="/api/v1/staff")


@bp.get("/referrals")
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
    rag = choice(args.get("rag"), RAGS, "rag", errors)
    status = choice(args.get("status"), STATUSES, "status", errors)
    overdue = flag(args.get("overdue"), "overdue", errors)
    preview = flag(args.get("preview"), "preview", errors)
    feedback_due = flag(args.get("feedback_due"), "feedback_due", errors)
    limit = number(args.get("limit"), 50, 1, 200, "limit", errors)
    offset = number(args.get("offset"), 0, 0, 1_000_000, "offset", errors)
    if errors:
        return problem(422, "invalid_filter", "Some filters are not valid.", errors=errors)
    items, total = await request.app.ctx.store.list_referrals(
        rag=rag,
        status=status,
        overdue=overdue,
        preview=bool(preview),
        feedback_due=feedback_due,
        limit=limit,
        offset=offset,
    )
    return json_response({"items": items, "total": total, "limit": limit, "offset": offset})


@bp.get("/referrals/<referral_id:uuid>")
@staff_only
async def read_referral(request: Request, referral_id):
    try:
        detail = await request.app.ctx.store.read_referral(str(referral_id), request.ctx.actor)
    except NotFound:
        return problem(404, "not_found", "No referral has this id.")
    return json_response(detail)


@bp.post("/referrals/<referral_id:uuid>/status")
@staff_only
async def change_status(request: Request, referral_id):
    body = json_object(request)
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
        result = await request.app.ctx.store.change_status(
            str(referral_id), to_status, reason.strip(), request.ctx.actor
        )
    except NotFound:
        return problem(404, "not_found", "No referral has this id.")
    except InvalidTransition as exc:
        return problem(409, "invalid_transition", str(exc))
    return json_response(result)


@bp.post("/referrals/<referral_id:uuid>/feedback")
@staff_only
async def record_feedback(request: Request, referral_id):
    try:
        result = await request.app.ctx.store.record_feedback(str(referral_id), request.ctx.actor)
    except NotFound:
        return problem(404, "not_found", "No referral has this id.")
    except InvalidTransition:
        return problem(409, "no_feedback_owed", "Only professional referrers are owed feedback.")
    return json_response(result)


@bp.get("/referrals/<referral_id:uuid>/audit")
@staff_only
async def referral_audit(request: Request, referral_id):
    return json_response({"items": await request.app.ctx.store.audit_trail(str(referral_id))})
