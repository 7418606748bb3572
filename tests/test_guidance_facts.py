"""Every number and fact the assistant states comes from the council's guidance pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.missing import missing

ROOT = Path(__file__).resolve().parent.parent
# The repository's copy of the council's pages (docs/guidance/README.md says where they come from).
GUIDANCE_DIR = ROOT / "docs" / "guidance"
# The team's shared folder beside the repository, where the council's wording is kept, when present.
SHARED_GUIDANCE_DIR = ROOT.parent / "shared" / "guidance"
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
RESPONSES = {name: [v.get("text", "") for v in variants] for name, variants in DOMAIN["responses"].items()}
ALL_TEXT = [(name, text) for name, texts in RESPONSES.items() for text in texts]

# 999 and Childline are the two numbers the service adds to the council's pages (domain.yml says why).
NUMBERS_NOT_ON_THE_PAGES = {"999", "08001111"}
PHONE = re.compile(r"\b0\d{2,4}[ \d]{6,10}\d\b|\b999\b")


@pytest.fixture(scope="module")
def guidance() -> str:
    assert sorted(GUIDANCE_DIR.glob("*.txt")), "the council's guidance pages (docs/guidance) are missing"
    return " ".join(p.read_text() for p in sorted(GUIDANCE_DIR.glob("*.txt")))


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_every_phone_number_the_assistant_gives_is_on_the_councils_pages(guidance):
    numbers_in_guidance = {digits(n) for n in PHONE.findall(guidance)}
    for name, text in ALL_TEXT:
        for number in PHONE.findall(text):
            assert digits(number) in numbers_in_guidance | NUMBERS_NOT_ON_THE_PAGES, (name, number)


def test_the_public_and_professional_numbers_are_written_exactly_as_on_the_pages(guidance):
    for number in ("023 8083 3336", "023 8083 2300"):
        assert number in guidance
    assert any("023 8083 3336" in text for _, text in ALL_TEXT)
    assert any("023 8083 2300" in text for _, text in ALL_TEXT)
    assert "08088005000" in digits(guidance)
    assert any("0808 800 5000" in text for _, text in ALL_TEXT)


@pytest.mark.parametrize("hours", ["two hours", "six hours", "24 hours"])
def test_the_timescales_are_the_ones_on_the_pages(guidance, hours):
    assert hours in guidance
    assert any(hours in text for _, text in ALL_TEXT)


def test_no_timescale_is_given_that_the_pages_do_not_give(guidance):
    for name, text in ALL_TEXT:
        for amount in re.findall(r"\b(\w+) hours?\b", text):
            assert f"{amount} hours" in guidance or f"{amount} hour" in guidance, (name, amount)


def test_call_999_now_comes_first_in_the_danger_response():
    [text] = RESPONSES["utter_call_999_now"]
    assert text.startswith("Call 999 now.")


def test_the_greeting_says_it_is_automated_and_gives_999_and_a_privacy_note():
    for text in RESPONSES["utter_greet"]:
        assert "automated assistant" in text
        assert "call 999 now" in text
    assert "Privacy" in RESPONSES["utter_privacy_note"][0]


def test_a_child_is_given_childline_and_999_kindly():
    [text] = RESPONSES["utter_child_support"]
    assert "0800 1111" in text and "999" in text
    assert text.startswith("Thank you for telling me")


def test_a_message_in_another_language_gets_999_the_numbers_and_childline_in_every_language():
    # A child may write in their own language: the reply they cannot fully read still gives them
    # Childline's number, as it gives everyone 999 and the council's numbers.
    texts = RESPONSES["utter_other_language"]
    assert len(texts) >= 10
    for text in texts:
        assert "999" in text and "023 8083 3336" in text and "023 8083 2300" in text
        assert "Childline on 0800 1111" in text
    # Without a language of ours (Urdu, Hindi...), nothing in the message could be read: 999 first.
    assert texts[-1].startswith("If a child is in danger right now, call 999.")


def test_the_fallback_always_offers_the_phone_numbers():
    for text in RESPONSES["utter_default"]:
        assert "023 8083 3336" in text and "023 8083 2300" in text and "999" in text


@pytest.mark.parametrize(
    "advice",
    [
        "remain calm and reassuring",
        "Take any disclosure seriously and report it, no matter how unlikely it might seem",
        "when and where the discussion happened, who was present and what the child said",
        "do not ask further questions. Let professionals take over from here",
    ],
)
def test_the_advice_on_responding_to_a_child_is_the_councils(advice):
    for name in ("utter_how_to_respond", "utter_faq/how_to_respond_to_disclosure"):
        assert advice in " ".join(RESPONSES[name])


@pytest.mark.parametrize(
    "outcome", ["S47 of the Children Act", "S17 of the Children Act", "Early Help", "universal"]
)
def test_what_happens_after_a_referral_names_every_possible_response(outcome):
    assert outcome in RESPONSES["utter_faq/what_happens_after_referral"][0]


def test_the_assistant_never_asks_the_person_to_question_the_child():
    for name, text in ALL_TEXT:
        lowered = text.lower().replace("\u2019", "'")
        for found in re.finditer(r"ask (the child|them what|her what|him what)", lowered):
            before = lowered[max(0, found.start() - 30) : found.start()]
            assert re.search(r"\b(don't|do not|never)\b", before), (
                name,
                lowered[found.start() - 30 : found.end()],
            )


def test_the_question_about_the_childs_words_says_not_to_question_the_child():
    [text] = RESPONSES["utter_ask_child_words"]
    assert "don't go back and ask the child more questions" in text


def test_the_assistant_never_says_something_is_or_is_not_abuse():
    for name, text in ALL_TEXT:
        assert not re.search(r"\b(this|that|it) (is|isn't|is not) (child )?abuse\b", text, re.I), name


@pytest.mark.parametrize("kind", ["physical_abuse", "emotional_abuse", "sexual_abuse", "neglect"])
def test_each_kind_of_abuse_is_explained_with_signs_and_that_one_sign_proves_nothing(kind):
    [text] = RESPONSES[f"utter_faq/{kind}"]
    assert "Signs can include" in text
    assert "One sign on its own does not prove" in text
    assert "NSPCC" in text


@pytest.mark.parametrize(
    "response",
    [
        "utter_greet",
        "utter_acknowledge_worry",
        "utter_acknowledge_disclosure",
        "utter_acknowledge_referral_request",
        "utter_child_support",
        "utter_faq/what_can_you_do",
    ],
)
def test_every_reply_that_can_open_a_conversation_says_it_is_automated(response):
    for text in RESPONSES[response]:
        assert "automated assistant" in text


@pytest.mark.parametrize(
    "response",
    ["utter_acknowledge_worry", "utter_acknowledge_disclosure", "utter_acknowledge_referral_request"],
)
def test_every_acknowledgement_of_a_concern_names_999_calmly(response):
    """A concern the dialogue did not take for danger now still names 999 (issue 11), calmly: "Call
    999 now." first is for danger now only."""
    for text in RESPONSES[response]:
        assert "If the child is in danger right now, call 999." in text
        assert not text.startswith("Call 999")


def test_the_repositorys_copy_of_the_guidance_is_the_councils_current_wording():
    if not SHARED_GUIDANCE_DIR.is_dir():
        missing(f"no shared guidance folder at {SHARED_GUIDANCE_DIR} to compare the copy with")
    shared = {p.name: p.read_text(encoding="utf-8") for p in SHARED_GUIDANCE_DIR.glob("*.txt")}
    ours = {p.name: p.read_text(encoding="utf-8") for p in GUIDANCE_DIR.glob("*.txt")}
    assert ours == shared, "docs/guidance differs from the shared folder: copy the council's pages again"


def test_the_answer_a_question_of_what_to_do_is_given_is_the_route_for_everyone(guidance):
    """When the safety net turns a question of what to do away from the consent answer (written to
    professionals), it gives the guidance's route for everyone: 999 in an emergency, else a
    referral or a call, with the public's number (nlp/safety_net.py, WHAT_TO_DO)."""
    from nlp.safety_net import PARENTAL_CONSENT, WHAT_TO_DO

    [route] = RESPONSES[f"utter_{WHAT_TO_DO}"]
    assert "Call 999 if it is an emergency and the child is in immediate danger" in guidance
    assert route.startswith("Call 999 if it is an emergency")
    assert "023 8083 3336" in route and "members of the public" in route.lower()
    assert not route.lower().startswith("if you are a professional")
    # The consent answer is the one that assumes a professional (a member of the public who asks is
    # told the advice is for professionals): it is kept for consent questions.
    assert variant_for(f"utter_{PARENTAL_CONSENT}").startswith("If you are a professional")


def variant_for(name: str, **slots: str) -> str:
    """The text Rasa's conditional variations give for ``name`` with these slot values: the first
    variant whose every condition holds, else the one without a condition."""
    variants = DOMAIN["responses"][name]
    for variant in variants:
        conditions = variant.get("condition") or []
        if conditions and all(slots.get(c["name"]) == c["value"] for c in conditions):
            return variant["text"]
    return next(v["text"] for v in variants if not v.get("condition"))


@pytest.mark.parametrize(
    "name", ["utter_default", "utter_goodbye", "utter_leave_for_now", "utter_number_for_you"]
)
def test_a_child_is_given_childline_and_999_when_they_leave_or_are_not_understood(name):
    text = variant_for(name, referrer_type="child")
    assert "Childline on 0800 1111" in text and "999" in text
    # An adult keeps the council's numbers.
    assert "0800 1111" not in variant_for(name, referrer_type="public")
    assert "023 8083 3336" in variant_for(name, referrer_type="public")


def test_the_consent_answer_for_a_member_of_the_public_says_the_advice_is_for_professionals(guidance):
    public = variant_for("utter_faq/parental_consent", referrer_type="public")
    assert "for professionals" in public and "remain anonymous" in public and "999" in public
    assert "not contacted with the outcome" in public
    assert "greater risk of harm" in guidance and "greater risk of harm" in public
