"""The console's conversation review (issue 13, over the review store of issue 12): the list with
the review API's filters, a conversation with every message's intent, confidence, entities and
safety net, the bot's responses, actions, slots and the form; tag, mark reviewed, flag, correct an
intent; the NLU export and a test story downloaded without what the referral form collected."""

from __future__ import annotations

import re

import yaml
from console_kit import signed_in
from test_conversation_review import CHILD, POSTCODE, T0, conversation, send, user

ROW = re.compile(r'href="/staff/conversations/([A-Za-z0-9_.:-]+)"')


def listed(page: str) -> list[str]:
    return ROW.findall(page.split('id="conversations"', 1)[1])


async def test_the_list_filters_as_the_review_api_does_and_is_audited(client, store, clock):
    await send(client, conversation("c-plain", T0))
    await send(client, conversation("c-fallback", T0 + 60, fallback=True, low=0.41))
    await send(client, conversation("c-danger", T0 + 120, safety_net=True))
    await send(client, conversation("c-preview", T0 + 180, preview=True))
    viewer = await signed_in(client, store, clock, "r.eader", "viewer")

    async def ids(query: str = "") -> list[str]:
        response = await viewer.get("/staff/conversations?" + query)
        assert response.status_code == 200, response.text
        return listed(response.text)

    assert await ids() == ["c-danger", "c-fallback", "c-plain"]  # most recent first, no preview
    assert await ids("fallback=true") == ["c-fallback"]
    assert await ids("safety_net=true") == ["c-danger"]
    assert await ids("below=0.5") == ["c-fallback"]
    assert await ids("preview=true") == ["c-preview"]
    assert await ids("intent=express_worry_about_child") == ["c-danger", "c-fallback", "c-plain"]
    assert await ids("reviewed=true") == []
    bad = await viewer.get("/staff/conversations?below=2&from=yesterday")
    assert bad.status_code == 400 and 'href="#below"' in bad.text and 'href="#from"' in bad.text
    listings = [a for a in await store.audit_trail() if a["action"] == "conversations.listed"]
    assert listings and all(a["actor"] == "staff:r.eader" for a in listings)


async def test_a_conversation_shows_each_message_with_what_the_assistant_made_of_it(
    client, store, clock
):
    messages = conversation("c-view", T0, fallback=True)
    danger = user("c-view", "he has a knife", T0 + 20, "report_immediate_danger", 0.99)
    danger["event"]["parse_data"]["danger_safety_net"] = {"fired": True, "cue": "weapon"}
    danger["event"]["parse_data"]["entities"] = [{"entity": "weapon", "value": "knife"}]
    await send(client, [*messages, danger])
    viewer = await signed_in(client, store, clock, "v.iewer", "viewer")
    page = await viewer.get("/staff/conversations/c-view")
    assert page.status_code == 200
    text = page.text
    assert "i&#39;m worried about the boy next door" in text
    assert "<code>express_worry_about_child</code>, confidence 0.93" in text
    assert "Ranking: <code>express_worry_about_child</code> 0.93, <code>greet</code> 0.07" in text
    assert "Thank you for telling me." in text  # the bot's response
    assert "Action <code>utter_worry</code>" in text
    assert "Form started:</strong> <code>referral_form</code>" in text and "Form ended" in text
    assert f"Slot <code>child_name</code> set to {CHILD}" in text
    assert "entities: weapon: knife" in text and "safety net:</strong> fired: Yes" in text
    assert "Action <code>action_default_fallback</code>" in text
    assert "Save intent" not in text and "Mark as reviewed" not in text, "a viewer only reads"
    reads = [a for a in await store.audit_trail() if a["action"] == "conversation.read"]
    assert reads[-1]["actor"] == "staff:v.iewer"
    assert (await viewer.get("/staff/conversations/nope")).status_code == 404
    assert (await viewer.get("/staff/conversations/bad%20id")).status_code == 404


async def test_a_triager_tags_marks_flags_and_corrects_and_downloads_the_exports(
    client, store, clock
):
    await send(client, conversation("c-work", T0))
    triager = await signed_in(client, store, clock, "w.orker", "triager")
    path = "/staff/conversations/c-work"
    detail = await store.read_conversation("c-work", "test")
    worry = next(e for e in detail["events"] if e["type"] == "user")

    assert (
        await triager.post(path + "/tags", {"tags": "wrong answer, New Intent"})
    ).status_code == 303
    bad = await triager.post(path + "/tags", {"tags": "<script>"})
    assert bad.status_code == 400 and 'href="#tags"' in bad.text
    assert (await triager.post(path + "/reviewed")).status_code == 303
    flagged = await triager.post(path + f"/events/{worry['id']}/flag", {"flagged": "true"})
    assert flagged.status_code == 303 and flagged.headers["location"].endswith(
        f"#event-{worry['id']}"
    )
    corrected = await triager.post(
        path + f"/events/{worry['id']}/correction", {"intent": "ask_how_to_refer"}
    )
    assert corrected.status_code == 303
    not_a_message = next(e for e in detail["events"] if e["type"] == "bot")
    refused = await triager.post(
        path + f"/events/{not_a_message['id']}/correction", {"intent": "greet"}
    )
    assert refused.status_code == 400 and "Only a person" in refused.text
    bad_intent = await triager.post(path + f"/events/{worry['id']}/correction", {"intent": "a b"})
    assert bad_intent.status_code == 400

    after = await store.read_conversation("c-work", "test")
    assert after["tags"] == ["new intent", "wrong answer"]
    assert after["reviewed_by"] == "staff:w.orker"
    event = next(e for e in after["events"] if e["id"] == worry["id"])
    assert (
        event["flagged_by"] == "staff:w.orker" and event["corrected_intent"] == "ask_how_to_refer"
    )
    page = (await triager.get(path)).text
    assert "Flagged" in page and "corrected to <code>ask_how_to_refer</code>" in page
    assert "Remove flag" in page

    nlu = await triager.get("/staff/exports/nlu.yml")
    assert nlu.status_code == 200 and "attachment" in nlu.headers["content-disposition"]
    data = yaml.safe_load(nlu.text)
    assert data["nlu"][0]["intent"] == "ask_how_to_refer"
    assert "worried about the boy next door" in data["nlu"][0]["examples"]
    story = await triager.get(path + "/story.yml")
    assert (
        story.status_code == 200
        and 'filename="story-c-work.yml"' in story.headers["content-disposition"]
    )
    assert CHILD not in story.text and POSTCODE not in story.text
    assert yaml.safe_load(story.text)["stories"]
    exports = {a["action"] for a in await store.audit_trail()}
    assert {"conversations.exported_nlu", "conversations.exported_story"} <= exports
