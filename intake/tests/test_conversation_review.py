"""The review store (issue 12): what the assistant's event broker sends is stored sealed, once, and
staff can list, read, tag, mark, flag, correct and export it; every read is audited; preview
conversations are kept apart; retention follows the conversation's own period, or its referral's.

The batches here are built the way conversations/review_broker.py builds them (the Rasa side's
tests check that half against this service for real: tests/test_review_broker.py).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import yaml
from conftest import new_referral
from sqlalchemy import select, text

from intake.models import conversation_events
from intake.store.conversations import ConversationFilters

CHILD, POSTCODE, PHONE = "Quillon Ashbury", "SO16 4ZZ", "07700 900123"
T0 = 1772442000.0  # 2026-03-02 09:00 UTC, the test clock's start


def review(kind, at, **fields):
    return {"type": kind, "at": at, **fields}


def event(conversation_id, data, at, **fields):
    return {
        "kind": "event",
        "message_id": str(uuid.uuid4()),
        "conversation_id": conversation_id,
        "event": {"timestamp": at, **data},
        "review": review(data["event"], at, **fields),
    }


def user(conversation_id, text_, at, intent, confidence, **fields):
    parse = {
        "text": text_,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [
            {"name": intent, "confidence": confidence},
            {"name": "greet", "confidence": round(1 - confidence, 3)},
        ],
        "entities": [],
    }
    data = {"event": "user", "text": text_, "parse_data": parse, "input_channel": "socketio"}
    return event(
        conversation_id,
        data,
        at,
        intent=intent,
        confidence=confidence,
        channel="socketio",
        **fields,
    )


def conversation(cid, t=T0, *, preview=False, fallback=False, low=0.93, safety_net=False):
    """A worried neighbour: a worry, then the referral form, whose answers are personal."""
    return [
        user(cid, "i'm worried about the boy next door", t, "express_worry_about_child", low,
             preview=preview, safety_net=safety_net),
        event(cid, {"event": "action", "name": "utter_worry"}, t + 1, action="utter_worry"),
        event(cid, {"event": "bot", "text": "Thank you for telling me."}, t + 2),
        event(cid, {"event": "active_loop", "name": "referral_form"}, t + 3),
        user(cid, CHILD, t + 4, "inform", 0.88),
        event(cid, {"event": "slot", "name": "child_name", "value": CHILD}, t + 5),
        user(cid, f"{POSTCODE}, call me on {PHONE}", t + 6, "inform", 0.71),
        event(cid, {"event": "slot", "name": "child_address", "value": POSTCODE}, t + 7),
        event(cid, {"event": "active_loop", "name": None}, t + 8),
        *(
            [event(cid, {"event": "action", "name": "action_default_fallback"}, t + 9,
                   action="action_default_fallback", fallback=True)]
            if fallback
            else []
        ),
    ]  # fmt: skip


async def send(client, messages, token="default"):
    token = client.service_token if token == "default" else token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post(
        "/api/v1/conversation-events", json={"messages": messages}, headers=headers
    )


async def test_a_conversation_arrives_once_sealed_and_staff_read_it_as_rasa_recorded_it(
    client, store, staff_headers, sqlite_file, engine
):
    batch = conversation("c-1")
    first = await send(client, batch)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "stored": 9,
        "duplicates": 0,
        "superseded": 0,
        "erased": 0,
        "replaced": 0,
        "refused": [],
    }
    again = await send(client, batch)  # the broker did not hear the answer and sends it again
    assert again.json()["duplicates"] == 9 and again.json()["stored"] == 0

    listed = await client.get("/api/v1/staff/conversations", headers=staff_headers)
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["conversation_id"] == "c-1" and item["user_messages"] == 3
    assert item["min_confidence"] == 0.71 and item["channel"] == "socketio"
    assert item["intents"] == ["express_worry_about_child", "inform"]
    assert item["referrals"] == [] and item["preview"] is False

    read = (await client.get("/api/v1/staff/conversations/c-1", headers=staff_headers)).json()
    first_message = read["events"][0]
    assert first_message["intent"] == "express_worry_about_child"
    assert first_message["confidence"] == 0.93
    ranking = first_message["event"]["parse_data"]["intent_ranking"]
    assert [r["name"] for r in ranking] == ["express_worry_about_child", "greet"]
    assert [e["type"] for e in read["events"]][:4] == ["user", "action", "bot", "active_loop"]
    assert read["events"][4]["event"]["text"] == CHILD  # staff see what was said

    # At rest, none of it is readable.
    async with engine.connect() as conn:
        sealed = (await conn.execute(select(conversation_events.c.data_sealed))).scalars().all()
        plain = (await conn.execute(text("SELECT * FROM conversations"))).all()
    everything = b"".join(sealed) + repr(plain).encode()
    for canary in (CHILD, POSTCODE, PHONE, "worried about the boy"):
        assert canary.encode() not in everything
    if sqlite_file is not None:
        on_disk = b"".join(p.read_bytes() for p in sqlite_file.parent.glob(sqlite_file.name + "*"))
        for canary in (CHILD, POSTCODE, PHONE):
            assert canary.encode() not in on_disk

    trail = [row["action"] for row in await store.audit_trail()]
    assert trail.count("conversations.listed") == 1 and trail.count("conversation.read") == 1


async def test_only_the_service_token_sends_and_only_staff_read(client, staff_headers):
    assert (await send(client, conversation("c-2"), token=None)).status_code == 401
    staff_token = staff_headers["Authorization"].split()[1]
    assert (await send(client, conversation("c-2"), token=staff_token)).status_code == 401
    service = {"Authorization": f"Bearer {client.service_token}"}
    assert (await client.get("/api/v1/staff/conversations", headers=service)).status_code == 401
    assert (await client.get("/api/v1/staff/conversations")).status_code == 401


async def test_a_bad_message_is_refused_alone_and_says_why_without_quoting_it(
    client, staff_headers
):
    good = conversation("c-3")[:2]
    bad_id = {**good[0], "message_id": "not-a-uuid", "conversation_id": "c-3"}
    bad_conversation = {**good[1], "message_id": str(uuid.uuid4()), "conversation_id": "<b>x</b>"}
    bad_type = json.loads(json.dumps(good[0]))
    bad_type["message_id"] = str(uuid.uuid4())
    bad_type["review"]["type"] = "bot"
    bad_name = json.loads(json.dumps(good[0]))
    bad_name["message_id"] = str(uuid.uuid4())
    bad_name["review"]["intent"] = f"my name is {CHILD}"
    answer = await send(client, [good[0], bad_id, bad_conversation, bad_type, bad_name, good[1]])
    assert answer.status_code == 200
    body = answer.json()
    assert body["stored"] == 2
    assert [r["index"] for r in body["refused"]] == [1, 2, 3, 4]
    assert CHILD not in answer.text and "<b>" not in answer.text
    for broken in ({"messages": []}, {"messages": "x"}, [], {"messages": [{}], "more": 1}):
        response = await client.post(
            "/api/v1/conversation-events",
            json=broken,
            headers={"Authorization": f"Bearer {client.service_token}"},
        )
        assert response.status_code == 422, broken


async def test_filters_find_what_staff_look_for_and_previews_are_kept_apart(
    client, store, staff_headers, clock
):
    await send(client, conversation("plain"))
    await send(client, conversation("unsure", T0 + 3600, low=0.31))
    await send(client, conversation("fell-back", T0 + 7200, fallback=True))
    await send(client, conversation("netted", T0 + 9000, safety_net=True))
    await send(client, conversation("staff-try", T0 + 9500, preview=True))
    referral = new_referral(conversation_id="plain")
    assert (await client.post_referral(referral)).status_code == 201

    async def ids(query=""):
        answer = await client.get(f"/api/v1/staff/conversations?{query}", headers=staff_headers)
        assert answer.status_code == 200, answer.text
        return [i["conversation_id"] for i in answer.json()["items"]]

    assert await ids() == ["netted", "fell-back", "unsure", "plain"]
    assert await ids("preview=true") == ["staff-try"]
    assert await ids("referral=true") == ["plain"]
    assert "plain" not in await ids("referral=false")
    assert await ids("fallback=true") == ["fell-back"]
    assert await ids("below=0.5") == ["unsure"]
    assert await ids("safety_net=true") == ["netted"]
    assert await ids("intent=inform") == ["netted", "fell-back", "unsure", "plain"]
    assert await ids("intent=greet") == []
    assert await ids("from=2026-03-02T10:30:00Z") == ["netted", "fell-back"]
    assert await ids("to=2026-03-02T09:30:00Z") == ["plain"]
    [plain] = (
        await client.get("/api/v1/staff/conversations?referral=true", headers=staff_headers)
    ).json()["items"]
    assert plain["referrals"][0]["referral_id"] == referral["referral_id"]
    assert plain["referrals"][0]["reference"].startswith("SCS-")

    tagged = await client.post(
        "/api/v1/staff/conversations/unsure/tags", json={"tags": ["low confidence", "nlu"]},
        headers=staff_headers,
    )  # fmt: skip
    assert tagged.status_code == 200
    assert await ids("tag=nlu") == ["unsure"]
    assert (
        await client.post("/api/v1/staff/conversations/unsure/reviewed", headers=staff_headers)
    ).status_code == 200
    assert await ids("reviewed=true") == ["unsure"]
    assert "unsure" not in await ids("reviewed=false")

    for bad in ("below=2", "from=yesterday", "to=", "intent=<script>", "tag=UPPER", "colour=red",
                "referral=yes", "limit=0"):  # fmt: skip
        answer = await client.get(f"/api/v1/staff/conversations?{bad}", headers=staff_headers)
        assert answer.status_code == 422, bad
        assert "<script>" not in answer.text


async def test_flags_and_corrections_are_recorded_audited_and_checked(client, store, staff_headers):
    await send(client, conversation("c-5"))
    read = (await client.get("/api/v1/staff/conversations/c-5", headers=staff_headers)).json()
    first_user, bot = read["events"][0], read["events"][2]
    base = "/api/v1/staff/conversations/c-5/events"
    flagged = await client.post(
        f"{base}/{bot['id']}/flag", json={"flagged": True}, headers=staff_headers
    )
    assert flagged.status_code == 200
    corrected = await client.post(
        f"{base}/{first_user['id']}/correction", json={"intent": "report_child_disclosure"},
        headers=staff_headers,
    )  # fmt: skip
    assert corrected.status_code == 200
    wrong_kind = await client.post(
        f"{base}/{bot['id']}/correction", json={"intent": "greet"}, headers=staff_headers
    )
    assert wrong_kind.status_code == 422
    for body in ({"flagged": "yes"}, {"flagged": True, "x": 1}, {}):
        answer = await client.post(f"{base}/{bot['id']}/flag", json=body, headers=staff_headers)
        assert answer.status_code == 422
    assert (
        await client.post(f"{base}/999999/flag", json={"flagged": True}, headers=staff_headers)
    ).status_code == 404
    assert (
        await client.get("/api/v1/staff/conversations/nobody", headers=staff_headers)
    ).status_code == 404

    again = (await client.get("/api/v1/staff/conversations/c-5", headers=staff_headers)).json()
    assert again["events"][0]["corrected_intent"] == "report_child_disclosure"
    assert again["events"][2]["flagged_by"] == "staff:a.jones"
    actions = [row["action"] for row in await store.audit_trail()]
    assert "conversation.event_flagged" in actions and "conversation.event_corrected" in actions


async def test_the_exports_strip_what_the_referral_form_collected(client, staff_headers):
    cid = "c-6"
    messages = conversation(cid)
    messages.append(
        user(cid, f"sorry, {CHILD} is 7 and lives at {POSTCODE}; ring {PHONE}", T0 + 20,
             "inform", 0.4)
    )  # fmt: skip
    await send(client, messages)
    read = (await client.get(f"/api/v1/staff/conversations/{cid}", headers=staff_headers)).json()
    users = [e for e in read["events"] if e["type"] == "user"]
    for e in (users[0], users[1], users[3]):  # the worry, a form answer, the later message
        answer = await client.post(
            f"/api/v1/staff/conversations/{cid}/events/{e['id']}/correction",
            json={"intent": "report_child_disclosure"}, headers=staff_headers,
        )  # fmt: skip
        assert answer.status_code == 200

    nlu = await client.get("/api/v1/staff/exports/nlu", headers=staff_headers)
    assert nlu.status_code == 200 and nlu.headers["content-type"].startswith("application/yaml")
    data = yaml.safe_load(nlu.text)
    [group] = data["nlu"]
    assert group["intent"] == "report_child_disclosure"
    examples = [line[2:] for line in group["examples"].splitlines()]
    assert examples == [
        "i'm worried about the boy next door",
        "sorry, (removed) is 7 and lives at (removed); ring (removed)",
    ]
    assert "referral form collected has been" in nlu.text.splitlines()[0] + nlu.text.splitlines()[1]

    story = await client.get(f"/api/v1/staff/conversations/{cid}/story", headers=staff_headers)
    assert story.status_code == 200
    for canary in (CHILD, POSTCODE, PHONE):
        assert canary not in nlu.text and canary not in story.text
    steps = yaml.safe_load(story.text)["stories"][0]["steps"]
    assert steps[0] == {
        "user": "i'm worried about the boy next door",
        "intent": "report_child_disclosure",  # the staff member's correction
    }
    assert {"active_loop": "referral_form"} in steps and {"active_loop": None} in steps
    assert {"user": "(removed: an answer to the referral form)", "intent": "inform"} in steps


async def test_erased_goes_and_replaced_reads_as_the_assistant_now_holds_it(
    client, staff_headers, engine
):
    await send(client, conversation("c-7"))
    await send(client, conversation("c-8"))
    erased = {
        "kind": "erased",
        "message_id": str(uuid.uuid4()),
        "conversation_id": "c-7",
        "reason": "quick_exit",
    }
    redacted = [{"event": m["event"], "review": m["review"]} for m in conversation("c-8")[:4]]
    replaced = {
        "kind": "replaced",
        "message_id": str(uuid.uuid4()),
        "conversation_id": "c-8",
        "events": redacted,
    }
    answer = await send(client, [erased, replaced])
    assert answer.json()["erased"] == 1 and answer.json()["replaced"] == 1
    assert (
        await client.get("/api/v1/staff/conversations/c-7", headers=staff_headers)
    ).status_code == 404
    c8 = (await client.get("/api/v1/staff/conversations/c-8", headers=staff_headers)).json()
    assert len(c8["events"]) == 4 and c8["user_messages"] == 1
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM conversation_events"))).scalar_one()
    assert count == 4


def numbered(messages, first=1):
    """The messages with their places in the tracker store (``review.seq``), as Rasa numbers them."""
    for seq, message in enumerate(messages, start=first):
        message["review"]["seq"] = seq
    return messages


async def test_what_another_replica_still_holds_of_an_erased_conversation_is_never_stored(
    client, staff_headers, engine
):
    # Replica A sent the start of the conversation, then the person pressed quick exit on it; the
    # rest was still in replica B's spool (cut off from RabbitMQ) and arrives after the erasure.
    events = numbered(conversation("c-9"))
    await send(client, events[:3])
    erased = {
        "kind": "erased",
        "message_id": str(uuid.uuid4()),
        "conversation_id": "c-9",
        "reason": "quick_exit",
        "through": len(events),
    }
    assert (await send(client, [erased])).json()["erased"] == 1
    late = await send(client, events[3:])
    assert late.json()["superseded"] == len(events) - 3 and late.json()["stored"] == 0
    assert (
        await client.get("/api/v1/staff/conversations/c-9", headers=staff_headers)
    ).status_code == 404
    async with engine.connect() as conn:
        count = (await conn.execute(text("SELECT count(*) FROM conversation_events"))).scalar_one()
        cutoffs = (await conn.execute(text("SELECT * FROM conversation_cutoffs"))).all()
    assert count == 0
    assert [tuple(r)[:2] for r in cutoffs] == [("c-9", len(events))]  # ids and a number only

    # The same id used again later (a new session, new rows in the tracker store) is stored.
    again = numbered(conversation("c-9", T0 + 600), first=len(events) + 1)
    assert (await send(client, again)).json()["stored"] == len(again)
    c9 = (await client.get("/api/v1/staff/conversations/c-9", headers=staff_headers)).json()
    assert len(c9["events"]) == len(again)


async def test_a_stopped_referrals_words_held_by_another_replica_do_not_come_back(
    client, staff_headers
):
    events = numbered(conversation("c-10"))
    await send(client, events[:4])  # replica A: up to the referral form's start
    said = ("text", "value", "parse_data")  # what the tracker store overwrites (tests there)
    redacted = [
        {"event": {k: "[removed]" if k in said else v for k, v in m["event"].items()},
         "review": m["review"]}
        for m in events
    ]  # fmt: skip
    replaced = {
        "kind": "replaced",
        "message_id": str(uuid.uuid4()),
        "conversation_id": "c-10",
        "events": redacted,
        "through": len(events),
    }
    assert (await send(client, [replaced])).json()["replaced"] == 1
    # replica B's unredacted answers, late; and the person carrying on after stopping
    after = numbered([user("c-10", "what happens next", T0 + 60, "ask_what_happens", 0.9)],
                     first=len(events) + 1)  # fmt: skip
    late = await send(client, [*events[4:], *after])
    assert late.json()["superseded"] == len(events) - 4 and late.json()["stored"] == 1
    read = await client.get("/api/v1/staff/conversations/c-10", headers=staff_headers)
    assert CHILD not in read.text and POSTCODE not in read.text and PHONE not in read.text
    assert len(read.json()["events"]) == len(events) + 1
    # a replacement that covers less (sent earlier, delivered later) does not move the cut-off back
    older = {**replaced, "message_id": str(uuid.uuid4()), "events": redacted[:2], "through": 2}
    await send(client, [older])
    assert (await send(client, [events[5]])).json()["superseded"] == 1


async def test_a_place_in_the_tracker_store_must_be_a_whole_number(client):
    for bad in (0, -1, 1.5, True, "7", 2**63):
        message = numbered(conversation("c-11")[:1])[0]
        message["review"]["seq"] = bad
        erased = {
            "kind": "erased",
            "message_id": str(uuid.uuid4()),
            "conversation_id": "c-11",
            "reason": "abandoned",
            "through": bad,
        }
        body = (await send(client, [message, erased])).json()
        assert [r["index"] for r in body["refused"]] == [0, 1], bad
        assert "place in the tracker store" in body["refused"][0]["message"]


async def test_an_erasures_cut_off_is_kept_for_the_conversations_period_then_purged(
    client, store, clock
):
    erased = {
        "kind": "erased",
        "message_id": str(uuid.uuid4()),
        "conversation_id": "c-12",
        "reason": "abandoned",
        "through": 40,
    }
    await send(client, [erased])
    clock.advance(days=29)
    report = await store.purge(referrals_days=3650, preview_days=30, audit_days=3650)
    assert report["conversation_cutoffs_deleted"] == 0
    clock.advance(days=2)
    report = await store.purge(referrals_days=3650, preview_days=30, audit_days=3650)
    assert report["conversation_cutoffs_deleted"] == 1


@pytest.mark.parametrize("preview", [False, True])
async def test_retention_deletes_old_conversations_and_keeps_an_open_referrals_transcript(
    client, store, clock, preview
):
    await send(client, conversation("old-alone", preview=preview))
    await send(client, conversation("old-referred"))
    assert (
        await client.post_referral(new_referral(conversation_id="old-referred"))
    ).status_code == 201
    clock.advance(days=8)
    await send(
        client, conversation("recent", T0 + timedelta(days=8).total_seconds(), preview=preview)
    )

    report = await store.purge(referrals_days=3650, preview_days=30, audit_days=3650)
    if preview:  # a staff preview goes after its own 7 days
        assert report["preview_conversations_deleted"] == 1 and report["conversations_deleted"] == 0
    else:
        assert report["conversations_deleted"] == 0
    clock.advance(days=31)
    report = await store.purge(referrals_days=3650, preview_days=30, audit_days=3650)
    assert report["referral_transcripts_kept"] == 1
    assert report["conversations_deleted"] + report["preview_conversations_deleted"] == (
        1 if preview else 2
    )
    listed, _ = await store.list_conversations(ConversationFilters(), "staff:test")
    assert [i["conversation_id"] for i in listed] == ["old-referred"]
