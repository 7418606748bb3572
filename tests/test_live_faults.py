"""Real faults against the real servers: danger while the action server is down (tests/live.py)."""

from __future__ import annotations

import time

from tests.live import CALL_999_NOW, start_live_stack
from tests.test_live_referrals import ANONYMOUS_NEIGHBOUR, answer_all, eventually, start_referral

# Anonymous neighbour: anonymity, relationship, how they know, then the child's name.
BEFORE_THE_CHILDS_NAME = ANONYMOUS_NEIGHBOUR[:3]
AFTER_THE_CHILDS_NAME = ANONYMOUS_NEIGHBOUR[3:]


def test_danger_while_the_action_server_is_down_gets_999_first_and_the_form_resumes_after_a_restart(
    tmp_path,
):
    with start_live_stack(tmp_path) as stack:
        chat = stack.conversation()
        start_referral(chat, "/identify_as_public")
        asked = answer_all(chat, BEFORE_THE_CHILDS_NAME)
        assert any("name" in text.lower() for text in asked), asked

        stack.actions.kill()
        started = time.monotonic()
        replies = chat.texts("he's got a knife to her throat in the kitchen")
        answered_in = time.monotonic() - started
        assert replies and replies[0].startswith(CALL_999_NOW), replies
        assert answered_in < 3, f"'Call 999 now' took {answered_in:.1f} s"

        stack.actions.start()
        stack.actions.wait_until_up()
        # The form goes on from the question it was at: the next answer is the child's name.
        summary = answer_all(chat, AFTER_THE_CHILDS_NAME)
        assert summary[0].startswith("Here is exactly what will be sent:"), summary
        assert "The child's name: not given" in summary[0]
        assert "Your reference is SCS-2026-" in " ".join(chat.texts("send it"))
        assert eventually(lambda: len(stack.intake.payloads()) == 1)
        time.sleep(1)
        [payload] = stack.intake.payloads()
        # The danger said while the action server was down is in the referral: 999 was advised.
        assert payload["safety"]["advised_999"] is True
        assert payload["provisional_triage"]["rag"] == "red"
