"""The console's words (intake/console.py, pure): time left in words, UK times, statuses as staff
say them, a referral's every field in labelled sections, a conversation's events as a transcript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import example

from intake.console import referral_sections, status_label, time_left, transcript, uk_time

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_time_left_is_said_in_words_and_overdue_says_by_how_much():
    assert time_left(NOW + timedelta(hours=2), "new", NOW) == "2 hours left"
    assert (
        time_left(NOW + timedelta(hours=1, minutes=20), "in_triage", NOW)
        == "1 hour 20 minutes left"
    )
    assert time_left(NOW + timedelta(seconds=30), "new", NOW) == "less than a minute left"
    assert time_left(NOW - timedelta(minutes=35), "new", NOW) == "Overdue by 35 minutes"
    assert time_left(NOW - timedelta(days=2, hours=3), "new", NOW) == "Overdue by 2 days 3 hours"
    assert time_left(None, "new", NOW) == "No due time"
    assert time_left(NOW - timedelta(hours=5), "s47_enquiry", NOW) == "Decided"
    assert time_left("2026-03-02T11:00:00Z", "new", NOW) == "2 hours left"


def test_times_are_shown_in_uk_time_through_the_clock_change():
    assert uk_time("2026-03-02T09:05:00Z") == "2 March 2026, 09:05"  # GMT
    assert uk_time("2026-07-01T09:05:00Z") == "1 July 2026, 10:05"  # BST
    assert uk_time(None) == ""


def test_the_mash_outcomes_have_the_names_staff_use():
    assert status_label("s47_enquiry") == "Strategy discussion / S47 enquiry"
    assert status_label("s17_assessment") == "S17 child in need assessment"
    assert status_label("early_help") == "Early Help"


def test_every_field_of_a_referral_is_in_a_section_and_unknown_ones_keep_their_name():
    payload = example("valid_two_children")
    payload["concern"]["new_field_from_v2"] = "kept"
    sections = {s.title: dict(s.rows) for s in referral_sections(payload)}
    assert {"Referral", "Safety", "Referrer", "Child 1", "Child 2", "Concern"} <= set(sections)
    assert sections["Concern"]["new_field_from_v2"] == "kept"
    assert sections["Safety"]["Child in immediate danger"] in {"Yes", "No"}
    for section in sections.values():
        assert all(isinstance(value, str) and value for value in section.values())
    assert sections["Referral"]["Staff preview"] == "No"


def test_a_transcript_names_each_kind_of_event():
    events = [
        {"id": 1, "at": "2026-03-02T09:00:00Z", "intent": "greet", "confidence": 0.91,
         "event": {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"},
                   "entities": [{"entity": "language", "value": "pl"}],
                   "danger_safety_net": {"fired": False}}}},
        {"id": 2, "at": "2026-03-02T09:00:01Z",
         "event": {"event": "bot", "text": "Hello", "data": {"buttons": [{"title": "Yes"}]}}},
        {"id": 3, "at": None, "event": {"event": "active_loop", "name": "referral_form"}},
        {"id": 4, "at": None, "event": {"event": "slot", "name": "child_age", "value": 7}},
        {"id": 5, "at": None, "event": {"event": "active_loop", "name": None}},
        {"id": 6, "at": None, "event": {"event": "session_started"}},
    ]  # fmt: skip
    lines = transcript(events)
    assert [line.kind for line in lines] == [
        "person", "assistant", "form_start", "slot", "form_end", "other",
    ]  # fmt: skip
    assert lines[0].confidence == "0.91" and lines[0].entities == ["language: pl"]
    assert lines[0].safety_net == "fired: No"
    assert lines[1].detail == "Buttons: Yes" and lines[3].detail == "7"
