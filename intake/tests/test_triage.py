"""Server-side triage follows the MASH guidance: red 2h, amber 6h, green 24h, none for Early Help."""

from datetime import UTC, datetime, timedelta

from conftest import example

from intake.triage import feedback_due_at, triage

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_immediate_danger_is_red_and_due_within_two_hours():
    rating = triage(example("valid_immediate_danger"))
    assert rating.rag == "red"
    assert rating.due_at(RECEIVED) == RECEIVED + timedelta(hours=2)
    assert "police and health" in rating.response
    assert "immediate danger" in " ".join(rating.reasons)


def test_being_advised_to_call_999_alone_makes_it_red():
    body = example("valid_named_public")
    body["safety"]["advised_999"] = True
    assert triage(body).rag == "red"
    assert "999" in " ".join(triage(body).reasons)


def test_child_who_may_have_suffered_abuse_is_amber_with_a_strategy_discussion_in_six_hours():
    rating = triage(example("valid_parent_carer"))
    assert rating.rag == "amber"
    assert rating.due_at(RECEIVED) == RECEIVED + timedelta(hours=6)
    assert "strategy discussion" in rating.response


def test_a_disclosure_by_the_child_is_amber_even_when_unsure_about_harm():
    body = example("valid_unknowns")
    body["referrer"]["knowledge_source"] = "child_told_me"
    rating = triage(body)
    assert rating.rag == "amber"
    assert any("child told" in r for r in rating.reasons)


def test_a_possible_abuse_category_without_ruling_out_harm_is_amber():
    body = example("valid_unknowns")
    body["concern"]["categories"] = ["sexual"]
    assert triage(body).rag == "amber"


def test_complex_needs_without_harm_is_green_child_in_need_within_24_hours():
    rating = triage(example("valid_professional_with_consent"))
    assert rating.rag == "green"
    assert rating.due_at(RECEIVED) == RECEIVED + timedelta(hours=24)
    assert "S17" in rating.response and "consent" in rating.response


def test_not_sure_about_harm_with_no_category_is_green_not_none():
    rating = triage(example("valid_unknowns"))
    assert rating.rag == "green"


def test_no_harm_and_no_abuse_category_is_below_threshold_for_early_help():
    body = example("valid_unknowns")
    body["concern"] = {"categories": ["other"], "harmed_or_at_risk": "no"}
    rating = triage(body)
    assert rating.rag == "none"
    assert rating.due_at(RECEIVED) is None
    assert "Early Help" in rating.response and "universal services" in rating.response


def test_the_assistants_provisional_triage_is_not_an_input():
    body = example("valid_unknowns")
    body["provisional_triage"] = {"rag": "red", "reasons": ["trust me"]}
    assert triage(body).rag == "green"
    body["provisional_triage"] = {"rag": "none", "reasons": []}
    assert (
        triage(
            example("valid_immediate_danger") | {"provisional_triage": body["provisional_triage"]}
        ).rag
        == "red"
    )


def test_every_rating_gives_reasons():
    for name in ("valid_immediate_danger", "valid_parent_carer", "valid_unknowns"):
        assert triage(example(name)).reasons


def test_only_professionals_are_owed_feedback_within_24_hours():
    assert feedback_due_at(
        example("valid_professional_with_consent"), RECEIVED
    ) == RECEIVED + timedelta(hours=24)
    assert feedback_due_at(example("valid_anonymous_public"), RECEIVED) is None
    assert feedback_due_at(example("valid_parent_carer"), RECEIVED) is None
