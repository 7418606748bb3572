"""The project's spaCy pipeline finds the details a referral needs."""

from __future__ import annotations

import pytest
import spacy

from nlp.pipeline import build


def entities(nlp, text: str, label: str) -> list[str]:
    return [ent.text for ent in nlp(text).ents if ent.label_ == label]


@pytest.mark.parametrize(
    "text, number",
    [
        ("you can ring me on 07700 900123 after 6", "07700 900123"),
        ("my number is 07700900123", "07700900123"),
        ("call the office on 023 8083 3336", "023 8083 3336"),
        ("landline 023 80833336", "023 80833336"),
        ("work: +44 7700 900123", "+44 7700 900123"),
        ("try (023) 8083 2300 please", "(023) 8083 2300"),
    ],
)
def test_uk_phone_numbers_are_found_as_people_type_them(nlp, text, number):
    assert entities(nlp, text, "phone") == [number]


@pytest.mark.parametrize("text", ["there were 3 kids and 2 adults", "it was 2023 when it started", "year 6"])
def test_small_numbers_and_years_are_not_phone_numbers(nlp, text):
    assert entities(nlp, text, "phone") == []


def test_email_addresses_are_found(nlp):
    assert entities(nlp, "email me at jo.bloggs+mash@example.co.uk thanks", "email") == [
        "jo.bloggs+mash@example.co.uk"
    ]


@pytest.mark.parametrize(
    "text, postcode",
    [
        ("they live at SO14 7LY", "SO14 7LY"),
        ("postcode so15 2ab i think", "so15 2ab"),
        ("SO171BJ", "SO171BJ"),
        ("near M1 1AE", "M1 1AE"),
    ],
)
def test_uk_postcodes_are_found_in_any_case_and_spacing(nlp, text, postcode):
    assert entities(nlp, text, "postcode") == [postcode]


@pytest.mark.parametrize(
    "text, age",
    [
        ("my neighbour's 7 year old", "7 year old"),
        ("a 7-year-old boy", "7-year-old"),
        ("she is aged 12", "aged 12"),
        ("age: 9", "age: 9"),
        ("he's 15 years old", "15 years old"),
        ("their 18 month old", "18 month old"),
        ("a 3yr old", "3yr old"),
        ("the 12yo next door", "12yo"),
        ("a seven year old girl", "seven year old"),
    ],
)
def test_ages_are_found_as_people_write_them(nlp, text, age):
    assert entities(nlp, text, "age") == [age]


@pytest.mark.parametrize(
    "text, relationship",
    [
        ("I'm her mum", "mum"),
        ("her step-dad", "step-dad"),
        ("my stepdad", "stepdad"),
        ("I'm the class teacher", "class teacher"),
        ("I work as a health visitor", "health visitor"),
        ("we are foster carers, I'm the foster carer", "foster carer"),
        ("just a neighbour", "neighbour"),
        ("I'm the childminder", "childminder"),
        ("her mum's boyfriend", "mum's boyfriend"),
    ],
)
def test_the_relationship_to_the_child_is_found(nlp, text, relationship):
    assert relationship in entities(nlp, text, "relationship")


@pytest.mark.parametrize(
    "text, urgency",
    [
        ("it's happening right now", "right now"),
        ("he is there as we speak", "as we speak"),
        ("they're going out tonight", "tonight"),
    ],
)
def test_time_words_that_signal_urgency_are_found(nlp, text, urgency):
    assert urgency in entities(nlp, text, "urgency")


def test_the_saved_pipeline_loads_without_project_code(tmp_path):
    """Rasa's SpacyNLP loads the pipeline with spacy.load: it must need nothing of ours."""
    build().to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["entity_ruler"]
    assert [(e.text, e.label_) for e in loaded("call 07700 900123").ents] == [("07700 900123", "phone")]
