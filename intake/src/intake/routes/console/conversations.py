"""Conversation review (what Rasa X's conversation screen did): the list with the review API's
filters, one conversation with every message's intent, confidence, entities and safety net, the
bot's responses, actions, slots and the form's start and end; tag, mark reviewed, flag a message,
correct its intent; download the corrections as NLU YAML and a conversation as a test story.

Reads go through the review store's audited methods (store/conversations.py); changes need a
triager.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from sanic import Blueprint, Request
from sanic.response import text

from intake import console as words
from intake.review import CONVERSATION_ID, NAME
from intake.review_export import nlu_yaml, story_yaml
from intake.routes.console.guard import PREFIX, console, form_value, not_found, render, see_other
from intake.routes.conversations import MAX_TAGS, TAG
from intake.routes.query import flag, fraction, number, pattern, time
from intake.store import NotFound
from intake.store.conversations import ConversationFilters

bp = Blueprint("console_conversations", url_prefix=PREFIX)

PAGE = 50
FILTERS = ("from", "to", "preview", "referral", "fallback", "below", "safety_net", "intent",
           "reviewed", "tag")  # fmt: skip
DONE = {
    "tags": "The tags are saved.",
    "reviewed": "The conversation is marked as reviewed.",
    "flag": "The message's flag is changed.",
    "correction": "The correct intent is recorded.",
}
CONVERSATION = "/conversations/<conversation_id:str>"


def read_filters(args) -> tuple[ConversationFilters, dict[str, str], dict[str, str]]:
    """The filters, what was given (to refill the form) and what is wrong, by field."""
    errors: list[dict[str, str]] = []
    given = {k: args.get(k) for k in FILTERS if args.get(k)}
    filters = ConversationFilters(
        since=time(given.get("from"), "from", errors),
        until=time(given.get("to"), "to", errors),
        preview=bool(flag(given.get("preview"), "preview", errors)),
        referral=flag(given.get("referral"), "referral", errors),
        fallback=flag(given.get("fallback"), "fallback", errors),
        below=fraction(given.get("below"), "below", errors),
        safety_net=flag(given.get("safety_net"), "safety_net", errors),
        intent=pattern(given.get("intent"), NAME.pattern, "intent", errors),
        reviewed=flag(given.get("reviewed"), "reviewed", errors),
        tag=pattern(given.get("tag"), TAG, "tag", errors),
    )
    return filters, given, {e["field"]: f"{e['field']} {e['message']}" for e in errors}


@bp.get("/conversations")
@console()
async def conversations(request: Request):
    filters, given, errors = read_filters(request.args)
    problems: list[dict[str, str]] = []
    offset = number(request.args.get("offset"), 0, 0, 1_000_000, "offset", problems)
    items, total = await request.app.ctx.store.list_conversations(
        filters, request.ctx.actor, limit=PAGE, offset=offset
    )  # audited, with the filters
    return render(
        request,
        "conversations.html",
        status=400 if errors else 200,
        section="conversations",
        errors=errors,
        items=items,
        total=total,
        offset=offset,
        page=PAGE,
        given=given,
        query=urlencode({k: v for k, v in given.items() if k not in errors}),
    )


def _id_ok(conversation_id: str) -> bool:
    return bool(CONVERSATION_ID.fullmatch(conversation_id))


async def _conversation_page(request: Request, conversation_id: str, *, status=200, errors=None):
    if not _id_ok(conversation_id):
        return not_found(request, "No conversation has this id.")
    try:
        detail = await request.app.ctx.store.read_conversation(
            conversation_id, request.ctx.actor
        )  # audited
    except NotFound:
        return not_found(request, "No conversation has this id.")
    return render(
        request,
        "conversation.html",
        status=status,
        section="conversations",
        errors=errors or {},
        c=detail,
        transcript=words.transcript(detail["events"]),
        tags_text=", ".join(detail["tags"]),
        done=DONE.get(request.args.get("done", ""), ""),
    )


@bp.get(CONVERSATION)
@console()
async def conversation(request: Request, conversation_id: str):
    return await _conversation_page(request, conversation_id)


def _back(conversation_id: str, done: str, anchor: str = ""):
    response = see_other(f"{PREFIX}/conversations/{conversation_id}", done=done)
    if anchor:
        response.headers["Location"] += f"#{anchor}"
    return response


@bp.post(CONVERSATION + "/tags")
@console("triager")
async def tag(request: Request, conversation_id: str):
    if not _id_ok(conversation_id):
        return not_found(request, "No conversation has this id.")
    raw = form_value(request, "tags")
    tags = sorted({t.strip().lower() for t in raw.split(",") if t.strip()})
    if len(tags) > MAX_TAGS or not all(re.fullmatch(TAG, t) for t in tags):
        return await _conversation_page(
            request,
            conversation_id,
            status=400,
            errors={
                "tags": f"Enter at most {MAX_TAGS} tags separated by commas, each 1 to 40 "
                "letters, digits, spaces, underscores or hyphens"
            },
        )
    try:
        await request.app.ctx.store.tag_conversation(conversation_id, tags, request.ctx.actor)
    except NotFound:
        return not_found(request, "No conversation has this id.")
    return _back(conversation_id, "tags")


@bp.post(CONVERSATION + "/reviewed")
@console("triager")
async def reviewed(request: Request, conversation_id: str):
    if not _id_ok(conversation_id):
        return not_found(request, "No conversation has this id.")
    try:
        await request.app.ctx.store.mark_reviewed(conversation_id, request.ctx.actor)
    except NotFound:
        return not_found(request, "No conversation has this id.")
    return _back(conversation_id, "reviewed")


@bp.post(CONVERSATION + "/events/<event_id:int>/flag")
@console("triager")
async def flag_event(request: Request, conversation_id: str, event_id: int):
    if not _id_ok(conversation_id) or not 0 < event_id < 2**31:
        return not_found(request, "No conversation has this id.")
    flagged = form_value(request, "flagged") == "true"
    try:
        await request.app.ctx.store.mark_event(
            conversation_id, event_id, request.ctx.actor, flagged=flagged
        )
    except NotFound:
        return not_found(request, "No message has this id.")
    return _back(conversation_id, "flag", f"event-{event_id}")


@bp.post(CONVERSATION + "/events/<event_id:int>/correction")
@console("triager")
async def correct_event(request: Request, conversation_id: str, event_id: int):
    if not _id_ok(conversation_id) or not 0 < event_id < 2**31:
        return not_found(request, "No conversation has this id.")
    intent = form_value(request, "intent").strip()
    if not NAME.fullmatch(intent):
        return await _conversation_page(
            request,
            conversation_id,
            status=400,
            errors={
                f"intent-{event_id}": "Enter an intent name, for example ask_what_happens_next"
            },
        )
    try:
        await request.app.ctx.store.mark_event(
            conversation_id, event_id, request.ctx.actor, corrected_intent=intent
        )
    except NotFound:
        return not_found(request, "No message has this id.")
    except ValueError:
        return await _conversation_page(
            request,
            conversation_id,
            status=400,
            errors={f"intent-{event_id}": "Only a person's message has an intent to correct"},
        )
    return _back(conversation_id, "correction", f"event-{event_id}")


def _download(body: str, filename: str):
    return text(
        body,
        content_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/exports/nlu.yml")
@console()
async def export_nlu(request: Request):
    store = request.app.ctx.store
    body, counts = nlu_yaml(await store.corrections())
    await store.record_export(request.ctx.actor, "nlu", counts)
    return _download(body, "corrections.nlu.yml")


@bp.get(CONVERSATION + "/story.yml")
@console()
async def export_story(request: Request, conversation_id: str):
    if not _id_ok(conversation_id):
        return not_found(request, "No conversation has this id.")
    store = request.app.ctx.store
    try:
        events = await store.opened_events(conversation_id)
    except NotFound:
        return not_found(request, "No conversation has this id.")
    await store.record_export(request.ctx.actor, "story", {"conversation_id": conversation_id})
    safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", conversation_id)
    return _download(story_yaml(conversation_id, events), f"story-{safe_name}.yml")
