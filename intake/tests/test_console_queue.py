"""The console's queue and referral page (issue 13): live referrals by due time with RAG as a tag
with its word and the time left in words, the filters, and a referral's every field, both
triages, its transcript, status changes with a reason, assignment, notes and their history; every
read audited, every value rendered as text, notes and reasons sealed."""

from __future__ import annotations

import html
import re

from conftest import new_referral
from console_kit import signed_in
from test_console_sign_in import raw_database_text
from test_conversation_review import conversation, send

from intake.console import value_text

REFERENCE = re.compile(r'href="/staff/referrals/[0-9a-f-]{36}">(SCS-\d{4}-\d{6})</a>')


async def post(client, name, **changes):
    body = new_referral(name, **changes)
    response = await client.post_referral(body)
    assert response.status_code == 201, response.text
    return {**response.json(), "body": body}


async def wait(browser, clock, *, hours: int) -> None:
    """Let time pass while the browser is in use (a session unused for 30 minutes ends)."""
    for _ in range(hours * 3):
        clock.advance(minutes=20)
        assert (await browser.get("/staff/queue")).status_code == 200


def queue_references(page: str) -> list[str]:
    table = page.split('id="queue"', 1)[1]
    return REFERENCE.findall(table)


async def test_the_queue_puts_the_red_referral_first_with_its_word_and_time_left(
    client, store, clock
):
    green = await post(client, "valid_professional_with_consent")
    clock.advance(minutes=1)
    amber = await post(client, "valid_parent_carer")
    clock.advance(minutes=1)
    red = await post(client, "valid_immediate_danger")
    preview = await post(client, "valid_staff_preview")  # never in the live queue
    viewer = await signed_in(client, store, clock, "q.viewer", "viewer")
    page = (await viewer.get("/staff/queue")).text
    assert queue_references(page) == [red["reference"], amber["reference"], green["reference"]]
    previews = (await viewer.get("/staff/queue?preview=yes")).text
    assert queue_references(previews) == [preview["reference"]]
    assert "Staff preview referrals" in previews
    assert "3 referrals" in page
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in page  # not colour alone
    assert '<strong class="govuk-tag govuk-tag--orange">Amber</strong>' in page
    assert "2 hours left" in page and "5 hours 59 minutes left" in page
    assert "Due by" in page, "the professional is owed feedback"

    await wait(viewer, clock, hours=3)
    page = (await viewer.get("/staff/queue")).text
    assert "Overdue by 1 hour" in page
    assert "<strong>Overdue by 1 hour</strong>" in page


async def test_the_queue_filters_keep_in_the_address_so_a_reload_keeps_them(client, store, clock):
    green = await post(client, "valid_professional_with_consent")
    amber = await post(client, "valid_parent_carer")
    red = await post(client, "valid_immediate_danger")
    triager = await signed_in(client, store, clock, "q.triager", "triager")

    async def refs(query: str) -> list[str]:
        response = await triager.get("/staff/queue?" + query)
        assert response.status_code == 200
        return queue_references(response.text)

    assert await refs("rag=red") == [red["reference"]]
    assert await refs("referrer=professional") == [green["reference"]]
    assert await refs("referrer=parent_carer") == [amber["reference"]]
    assert await refs("feedback=due") == [green["reference"]]
    assert await refs("assigned=me") == []
    assert await refs("rag=nonsense") == [red["reference"], amber["reference"], green["reference"]]
    # The filter form shows what is chosen; the refresh link keeps it.
    page = (await triager.get("/staff/queue?rag=red&referrer=public")).text
    assert '<option value="red" selected>' in page
    assert 'href="/staff/queue?rag=red&amp;referrer=public">Refresh' in page

    await wait(triager, clock, hours=3)  # red (2 hours) is overdue, amber (6) and green (24) not
    assert await refs("overdue=yes") == [red["reference"]]
    assert await refs("overdue=no") == [amber["reference"], green["reference"]]

    await triager.post(f"/staff/referrals/{amber['referral_id']}/assign", {"assignee": "q.triager"})
    assert await refs("assigned=me") == [amber["reference"]]
    page = (await triager.get("/staff/queue")).text
    assert "q.triager" in page

    # Open (new or in triage) by default; a decided referral is under its status, or "any".
    await store.change_status(red["referral_id"], "in_triage", "looking", "staff:x")
    await store.change_status(red["referral_id"], "s47_enquiry", "strategy", "staff:x")
    assert await refs("") == [amber["reference"], green["reference"]]
    assert await refs("status=s47_enquiry") == [red["reference"]]
    assert len(await refs("status=all")) == 3


async def test_a_referral_page_shows_every_field_both_triages_and_the_transcript_audited(
    client, store, clock
):
    referral = await post(client, "valid_professional_without_consent_because_of_risk")
    body = referral["body"]
    await send(client, conversation(body["conversation_id"]))
    viewer = await signed_in(client, store, clock, "r.viewer", "viewer")
    page = await viewer.get(f"/staff/referrals/{referral['referral_id']}")
    assert page.status_code == 200
    text = html.unescape(page.text)

    def leaves(value, key=""):
        if isinstance(value, dict):
            for name, item in value.items():
                yield from leaves(item, name)
        elif isinstance(value, list):
            for item in value:
                yield from leaves(item, key)
        elif isinstance(value, str):
            yield key, value

    for key, value in leaves({k: v for k, v in body.items() if k != "submitted_at"}):
        # As it was sent, or in the words staff use (child_told_me: "The child told them").
        assert value in text or value_text(key, value) in text, f"{key}: {value!r} not shown"
    assert "The service's triage" in text and "The assistant's provisional triage" in text
    for reason in referral["reasons"] + body["provisional_triage"]["reasons"]:
        assert reason in text
    # The transcript of its conversation, with intents and confidences.
    transcript = text.split('id="transcript"', 1)[1]
    assert "i'm worried about the boy next door" in transcript
    assert "express_worry_about_child" in transcript and "confidence 0.93" in transcript
    assert "Form started:" in transcript and "referral_form" in transcript
    assert "Slot <code>child_name</code> set to Quillon Ashbury" in transcript

    audit = [(a["actor"], a["action"]) for a in await store.audit_trail()]
    assert ("staff:r.viewer", "referral.read_personal") in audit
    assert ("staff:r.viewer", "conversation.read") in audit


async def test_a_triager_moves_a_referral_to_strategy_discussion_with_a_reason(
    client, store, clock, engine, sqlite_file
):
    red = await post(client, "valid_immediate_danger")
    triager = await signed_in(client, store, clock, "t.riage", "triager")
    path = f"/staff/referrals/{red['referral_id']}"
    page = await triager.get(path)
    assert 'value="in_triage"' in page.text and 'value="s47_enquiry"' not in page.text
    # No reason, or a step the MASH outcomes do not allow: the error summary, nothing changed.
    missing = await triager.post(path + "/status", {"status": "in_triage", "reason": " "})
    assert missing.status_code == 400 and 'href="#reason"' in missing.text
    assert "govuk-error-summary" in missing.text and "Error:" in missing.text
    skipped = await triager.post(path + "/status", {"status": "closed", "reason": "done"})
    assert skipped.status_code == 400 and 'href="#status"' in skipped.text
    assert (await store.read_referral(red["referral_id"], "test"))["status"] == "new"

    moved = await triager.post(
        path + "/status", {"status": "in_triage", "reason": "Looked at by the duty team"}
    )
    assert moved.status_code == 303 and moved.headers["location"] == path + "?done=status"
    page = await triager.get(path)
    assert "Strategy discussion / S47 enquiry" in page.text
    reason = "Police and health agree a strategy discussion is needed today"
    moved = await triager.post(path + "/status", {"status": "s47_enquiry", "reason": reason})
    assert moved.status_code == 303
    page = (await triager.get(path + "?done=status")).text
    assert "The status is changed." in page
    history = page.split('id="history"', 1)[1].split('id="transcript"', 1)[0]
    assert "Status: In triage to Strategy discussion / S47 enquiry" in history
    assert reason in history and "staff:t.riage" in history
    assert reason not in await raw_database_text(engine, sqlite_file)


async def test_assignment_and_notes_are_kept_with_their_history_and_notes_are_sealed(
    client, store, clock, engine, sqlite_file
):
    amber = await post(client, "valid_parent_carer")
    viewer = await signed_in(client, store, clock, "v.iew", "viewer")
    triager = await signed_in(client, store, clock, "t.eam", "triager")
    path = f"/staff/referrals/{amber['referral_id']}"
    page = (await triager.get(path)).text
    assert ">v.iew<" not in page, "a viewer is not someone a referral is assigned to"
    assert (await triager.post(path + "/assign", {"assignee": "t.eam"})).status_code == 303
    refused = await triager.post(path + "/assign", {"assignee": "v.iew"})
    assert refused.status_code == 400 and 'href="#assignee"' in refused.text
    note = "Spoke to the school: the DSL will call back by noon"
    assert (await triager.post(path + "/notes", {"note": note})).status_code == 303
    empty = await triager.post(path + "/notes", {"note": "   "})
    assert empty.status_code == 400 and 'href="#note"' in empty.text
    page = (await viewer.get(path)).text
    history = page.split('id="history"', 1)[1]
    assert "Assigned to t.eam" in history and note in history
    assert "Add a note" not in page, "a viewer sees the notes but cannot add one"
    assert note not in await raw_database_text(engine, sqlite_file)
    actions = [a["action"] for a in await store.audit_trail(amber["referral_id"])]
    assert "referral.assigned" in actions and "referral.note_added" in actions


async def test_feedback_owed_to_a_professional_is_recorded_from_the_page(client, store, clock):
    green = await post(client, "valid_professional_with_consent")
    triager = await signed_in(client, store, clock, "f.eed", "triager")
    path = f"/staff/referrals/{green['referral_id']}"
    assert "Record that the referrer has been told" in (await triager.get(path)).text
    assert (await triager.post(path + "/feedback")).status_code == 303
    page = (await triager.get(path)).text
    assert "Record that the referrer has been told" not in page and "Given" in page
    queue = await triager.get("/staff/queue?feedback=due")
    assert queue_references(queue.text) == []


async def test_every_value_is_rendered_as_text_never_as_markup(client, store, clock):
    body = new_referral("valid_named_public")
    body["concern"]["description"] = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    body["children"][0]["name"] = "<b>Bold</b> & co"
    assert (await client.post_referral(body)).status_code == 201
    triager = await signed_in(client, store, clock, "e.scape", "triager")
    path = f"/staff/referrals/{body['referral_id']}"
    await triager.post(path + "/notes", {"note": "<i>note</i>"})
    page = (await triager.get(path)).text
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>Bold" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in page and "&lt;i&gt;note&lt;/i&gt;" in page


async def test_an_unknown_referral_is_a_page_not_found(client, store, clock):
    viewer = await signed_in(client, store, clock, "n.f", "viewer")
    response = await viewer.get("/staff/referrals/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404 and "Page not found" in response.text
