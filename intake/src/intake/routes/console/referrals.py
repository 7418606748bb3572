"""The queue and a referral's page. The queue shows live referrals (staff previews only when
asked for, instead of the live ones), most urgent first, with queue fields only; the referral page reads the personal fields and the
transcript through the store's audited reads, and lets a triager change the status (with a
reason), assign, add a note and record the feedback owed to a professional.

Filters are in the query string, so a reload keeps them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sanic import Blueprint, Request

from intake import console as words
from intake.routes.console.guard import PREFIX, console, form_value, not_found, render, see_other
from intake.store import STATUSES, InvalidTransition, NotFound
from intake.store.casework import MAX_NOTE
from intake.store.referrals import OPEN_STATUSES, TRANSITIONS

bp = Blueprint("console_referrals", url_prefix=PREFIX)

RAGS = ("red", "amber", "green", "none")
REFERRER_TYPES = tuple(words.REFERRER_LABELS)
MAX_REASON = 2000
PAGE = 50
DONE = {
    "status": "The status is changed.",
    "assigned": "The assignment is changed.",
    "note": "The note is added.",
    "feedback": "The feedback to the referrer is recorded.",
}


def queue_filters(args) -> dict[str, str]:
    """The queue's filters as given (anything not one of the choices is dropped)."""
    choices = {
        "rag": RAGS,
        "status": ("open", "all", *STATUSES),
        "overdue": ("yes", "no"),
        "referrer": REFERRER_TYPES,
        "assigned": ("me",),
        "feedback": ("due",),
        "preview": ("yes",),
    }
    chosen = {}
    for key, allowed in choices.items():
        value = args.get(key)
        if value in allowed:
            chosen[key] = value
    return chosen


@bp.get("/queue")
@console()
async def queue(request: Request):
    store = request.app.ctx.store
    filters = queue_filters(request.args)
    offset_text = request.args.get("offset", "0")
    offset = int(offset_text) if offset_text.isascii() and offset_text.isdigit() else 0
    offset = min(offset, 1_000_000)
    status = filters.get("status", "open")
    items, total = await store.list_referrals(
        preview=filters.get("preview") == "yes",
        rag=filters.get("rag"),
        status=status if status in STATUSES else None,
        statuses=OPEN_STATUSES if status == "open" else None,
        overdue={"yes": True, "no": False}.get(filters.get("overdue", "")),
        feedback_due=True if filters.get("feedback") == "due" else None,
        referrer_type=filters.get("referrer"),
        assigned_to=request.ctx.user.username if filters.get("assigned") == "me" else None,
        limit=PAGE,
        offset=offset,
    )
    assignees = await store.assignees([item["referral_id"] for item in items])
    now = store.clock()
    rows = [
        {
            **item,
            "assigned_to": assignees.get(item["referral_id"]),
            "time_left": words.time_left(item["due_at"], item["status"], now),
        }
        for item in items
    ]
    return render(
        request,
        "queue.html",
        section="queue",
        rows=rows,
        total=total,
        offset=offset,
        page=PAGE,
        filters=filters,
        status_filter=status,
        rags=RAGS,
        statuses=STATUSES,
        referrer_types=REFERRER_TYPES,
        query=urlencode(filters),
        now=words.uk_time(now),
    )


async def _referral_page(request: Request, referral_id: str, *, status=200, errors=None, form=None):
    store = request.app.ctx.store
    user = request.ctx.user
    try:
        detail = await store.read_referral(referral_id, user.actor)  # audited
    except NotFound:
        return not_found(request, "No referral has this id.")
    casework = await store.casework(referral_id)
    payload = detail["referral"]
    transcript = None
    conversation_id = payload.get("conversation_id")
    if isinstance(conversation_id, str) and conversation_id:
        try:
            conversation = await store.read_conversation(conversation_id, user.actor)  # audited
        except NotFound:
            conversation = None
        if conversation is not None:
            transcript = words.transcript(conversation["events"])
    history = sorted(
        [
            {
                "at": c["at"],
                "actor": c["actor"],
                "what": f"Status: {words.status_label(c['from_status'])} to "
                f"{words.status_label(c['to_status'])}",
                "text": c["reason"],
            }
            for c in detail["status_history"]
        ]
        + [
            {
                "at": a["at"],
                "actor": a["actor"],
                "what": f"Assigned to {a['assigned_to']}" if a["assigned_to"] else "Unassigned",
                "text": "",
            }
            for a in casework["assignments"]
        ]
        + [
            {"at": n["at"], "actor": n["actor"], "what": "Note", "text": n["text"]}
            for n in casework["notes"]
        ],
        key=lambda entry: entry["at"],
    )
    audit = await store.audit_trail(referral_id) if user.can("admin") else None
    now = store.clock()
    return render(
        request,
        "referral.html",
        status=status,
        section="queue",
        errors=errors or {},
        form=form or {},
        r=detail,
        sections=words.referral_sections(payload),
        provisional=detail.get("provisional_triage") or {},
        time_left=words.time_left(detail["due_at"], detail["status"], now),
        next_statuses=TRANSITIONS.get(detail["status"], ()),
        assigned_to=casework["assigned_to"],
        assignable=await store.console_usernames(),
        history=history,
        transcript=transcript,
        conversation_id=conversation_id,
        audit=audit,
        max_reason=MAX_REASON,
        max_note=MAX_NOTE,
        done=DONE.get(request.args.get("done", ""), ""),
    )


@bp.get("/referrals/<referral_id:uuid>")
@console()
async def referral(request: Request, referral_id):
    return await _referral_page(request, str(referral_id))


def _back(referral_id, done: str):
    return see_other(f"{PREFIX}/referrals/{referral_id}", done=done)


@bp.post("/referrals/<referral_id:uuid>/status")
@console("triager")
async def change_status(request: Request, referral_id):
    to_status = form_value(request, "status")
    reason = form_value(request, "reason").strip()
    errors = {}
    if to_status not in STATUSES:
        errors["status"] = "Choose the new status"
    if not reason:
        errors["reason"] = "Enter the reason for the change"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"The reason must be {MAX_REASON} characters or fewer"
    if not errors:
        try:
            await request.app.ctx.store.change_status(
                str(referral_id), to_status, reason, request.ctx.actor
            )
        except NotFound:
            return not_found(request, "No referral has this id.")
        except InvalidTransition:
            errors["status"] = "The referral cannot move to that status from where it is now"
        else:
            return _back(referral_id, "status")
    return await _referral_page(
        request,
        str(referral_id),
        status=400,
        errors=errors,
        form={"status": to_status, "reason": reason[:MAX_REASON]},
    )


@bp.post("/referrals/<referral_id:uuid>/assign")
@console("triager")
async def assign(request: Request, referral_id):
    assignee = form_value(request, "assignee") or None
    try:
        await request.app.ctx.store.assign(str(referral_id), assignee, request.ctx.actor)
    except NotFound:
        return not_found(request, "No referral has this id.")
    except ValueError:
        return await _referral_page(
            request,
            str(referral_id),
            status=400,
            errors={"assignee": "Choose a triager or admin whose account is active"},
        )
    return _back(referral_id, "assigned")


@bp.post("/referrals/<referral_id:uuid>/notes")
@console("triager")
async def add_note(request: Request, referral_id):
    note = form_value(request, "note").strip()
    if not note or len(note) > MAX_NOTE:
        return await _referral_page(
            request,
            str(referral_id),
            status=400,
            errors={"note": f"Enter a note of {MAX_NOTE} characters or fewer"},
            form={"note": note[:MAX_NOTE]},
        )
    try:
        await request.app.ctx.store.add_note(str(referral_id), note, request.ctx.actor)
    except NotFound:
        return not_found(request, "No referral has this id.")
    return _back(referral_id, "note")


@bp.post("/referrals/<referral_id:uuid>/feedback")
@console("triager")
async def record_feedback(request: Request, referral_id):
    try:
        await request.app.ctx.store.record_feedback(str(referral_id), request.ctx.actor)
    except NotFound:
        return not_found(request, "No referral has this id.")
    except InvalidTransition:
        return await _referral_page(
            request,
            str(referral_id),
            status=400,
            errors={"feedback": "Only a professional referrer is owed feedback"},
        )
    return _back(referral_id, "feedback")
