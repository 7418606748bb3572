"""The review store over HTTP: the assistant's event broker sends conversations in (service token;
over RabbitMQ instead, review_queue.py stores them the same way, `store.receive_batch`);
MASH staff list, read, tag, mark, flag and correct them, and export corrections as NLU training
data and a conversation as a test story (staff token; every read is audited).
"""

from __future__ import annotations

import re

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, text
from sanic.response import json as json_response

from intake.review import CONVERSATION_ID, NAME, Refused
from intake.review_export import nlu_yaml, story_yaml
from intake.routes.deps import json_body, json_object, problem, service_only, staff_only
from intake.routes.query import flag, fraction, number, pattern, time
from intake.store import NotFound
from intake.store.conversations import ConversationFilters

REVIEW_EVENTS_PATH = "/api/v1/conversation-events"
TAG = r"[a-z0-9][a-z0-9 _-]{0,39}"
MAX_TAGS = 20

service = Blueprint("conversation_events")
bp = Blueprint("conversations", url_prefix="/api/v1/staff")


@service.post(REVIEW_EVENTS_PATH)
@service_only
async def receive_events(request: Request):
    body = json_body(request, "Send the batch as application/json.")
    if isinstance(body, HTTPResponse):
        return body
    try:
        report = await request.app.ctx.store.receive_batch(body)
    except Refused as exc:
        return problem(
            422,
            "invalid_batch",
            "The body is not a batch of review messages.",
            errors=[{"field": "(body)", "message": str(exc)}],
        )
    return json_response(report)


@bp.get("/conversations")
@staff_only
async def list_conversations(request: Request):
    # Blank values kept: `to=` is a filter given wrong, not a filter left out.
    args = request.get_args(keep_blank_values=True)
    errors: list[dict[str, str]] = []
    allowed = {
        "from", "to", "preview", "referral", "fallback", "below", "safety_net",
        "intent", "reviewed", "tag", "limit", "offset",
    }  # fmt: skip
    for key in args:
        if key not in allowed:
            errors.append({"field": key[:50], "message": "is not a filter"})
        elif len(args.getlist(key)) > 1:
            errors.append({"field": key, "message": "must be given once"})
    filters = ConversationFilters(
        since=time(args.get("from"), "from", errors),
        until=time(args.get("to"), "to", errors),
        preview=bool(flag(args.get("preview"), "preview", errors)),
        referral=flag(args.get("referral"), "referral", errors),
        fallback=flag(args.get("fallback"), "fallback", errors),
        below=fraction(args.get("below"), "below", errors),
        safety_net=flag(args.get("safety_net"), "safety_net", errors),
        intent=pattern(args.get("intent"), NAME.pattern, "intent", errors),
        reviewed=flag(args.get("reviewed"), "reviewed", errors),
        tag=pattern(args.get("tag"), TAG, "tag", errors),
    )
    limit = number(args.get("limit"), 50, 1, 200, "limit", errors)
    offset = number(args.get("offset"), 0, 0, 1_000_000, "offset", errors)
    if errors:
        return problem(422, "invalid_filter", "Some filters are not valid.", errors=errors)
    items, total = await request.app.ctx.store.list_conversations(
        filters, request.ctx.actor, limit=limit, offset=offset
    )
    return json_response({"items": items, "total": total, "limit": limit, "offset": offset})


CONVERSATION = "/conversations/<conversation_id:str>"


@bp.get(CONVERSATION)
@staff_only
async def read_conversation(request: Request, conversation_id: str):
    if not _conversation_id_ok(conversation_id):
        return _not_found()
    try:
        detail = await request.app.ctx.store.read_conversation(conversation_id, request.ctx.actor)
    except NotFound:
        return _not_found()
    return json_response(detail)


@bp.post(CONVERSATION + "/tags")
@staff_only
async def tag_conversation(request: Request, conversation_id: str):
    body = json_object(request)
    if isinstance(body, HTTPResponse):
        return body
    tags = body.get("tags")
    errors = [{"field": k[:50], "message": "is not a field"} for k in sorted(set(body) - {"tags"})]
    if (
        not isinstance(tags, list)
        or len(tags) > MAX_TAGS
        or not all(isinstance(t, str) and re.fullmatch(TAG, t) for t in tags)
    ):
        errors.append(
            {
                "field": "tags",
                "message": f"must be a list of at most {MAX_TAGS} tags, each 1 to 40 lower-case"
                " letters, digits, spaces, _ or -",
            }
        )
    if errors:
        return problem(422, "invalid_tags", "The tags are not valid.", errors=errors)
    if not _conversation_id_ok(conversation_id):
        return _not_found()
    try:
        result = await request.app.ctx.store.tag_conversation(
            conversation_id, sorted(set(tags)), request.ctx.actor
        )
    except NotFound:
        return _not_found()
    return json_response(result)


@bp.post(CONVERSATION + "/reviewed")
@staff_only
async def mark_reviewed(request: Request, conversation_id: str):
    if not _conversation_id_ok(conversation_id):
        return _not_found()
    try:
        result = await request.app.ctx.store.mark_reviewed(conversation_id, request.ctx.actor)
    except NotFound:
        return _not_found()
    return json_response(result)


@bp.post(CONVERSATION + "/events/<event_id:int>/flag")
@staff_only
async def flag_event(request: Request, conversation_id: str, event_id: int):
    body = json_object(request)
    if isinstance(body, HTTPResponse):
        return body
    if set(body) != {"flagged"} or not isinstance(body["flagged"], bool):
        return problem(
            422,
            "invalid_flag",
            "The flag is not valid.",
            errors=[{"field": "flagged", "message": "must be true or false, alone"}],
        )
    return await _mark(request, conversation_id, event_id, flagged=body["flagged"])


@bp.post(CONVERSATION + "/events/<event_id:int>/correction")
@staff_only
async def correct_event(request: Request, conversation_id: str, event_id: int):
    body = json_object(request)
    if isinstance(body, HTTPResponse):
        return body
    intent = body.get("intent")
    if set(body) != {"intent"} or not isinstance(intent, str) or not NAME.fullmatch(intent):
        return problem(
            422,
            "invalid_correction",
            "The correction is not valid.",
            errors=[{"field": "intent", "message": "must be an intent name, alone"}],
        )
    try:
        return await _mark(request, conversation_id, event_id, corrected_intent=intent)
    except ValueError:
        return problem(
            422,
            "not_a_message",
            "Only a person's message has an intent to correct.",
            errors=[{"field": "event_id", "message": "is not a person's message"}],
        )


@bp.get("/exports/nlu")
@staff_only
async def export_nlu(request: Request):
    store = request.app.ctx.store
    corrected = await store.corrections()
    body, counts = nlu_yaml(corrected)
    await store.record_export(request.ctx.actor, "nlu", counts)
    return text(body, content_type="application/yaml; charset=utf-8")


@bp.get(CONVERSATION + "/story")
@staff_only
async def export_story(request: Request, conversation_id: str):
    if not _conversation_id_ok(conversation_id):
        return _not_found()
    store = request.app.ctx.store
    try:
        events = await store.opened_events(conversation_id)
    except NotFound:
        return _not_found()
    await store.record_export(request.ctx.actor, "story", {"conversation_id": conversation_id})
    return text(story_yaml(conversation_id, events), content_type="application/yaml; charset=utf-8")


# --- shared ------------------------------------------------------------------------------------


async def _mark(request: Request, conversation_id: str, event_id: int, **change):
    if not _conversation_id_ok(conversation_id) or not 0 < event_id < 2**31:
        return _not_found()
    try:
        result = await request.app.ctx.store.mark_event(
            conversation_id, event_id, request.ctx.actor, **change
        )
    except NotFound:
        return _not_found()
    return json_response(result)


def _conversation_id_ok(conversation_id: str) -> bool:
    return bool(CONVERSATION_ID.fullmatch(conversation_id))


def _not_found() -> HTTPResponse:
    return problem(404, "not_found", "No conversation has this id.")
