"""A child or young person writing about themselves is told apart from an adult (nlp/person.py)."""

from __future__ import annotations

import pytest

from nlp.person import writes_as_child

CHILDREN = [
    "my stepdad hits me when mums at work",
    "im scared to go home",
    "i dont feel safe at home",
    "can i live somewhere else my mum hurts me",
    "i cut myself because of whats going on at home",
    "my mum doesnt feed me",
    "he comes in my room at night and touches me",
    "my dad is hitting me right now",
    "no one at home feeds me",
]
ADULTS = [
    "my son's dad hits him",
    "i'm worried about my granddaughter, her mum hits her",
    "the child told me her dad hits her",
    "when i was little my dad hit me, now i worry about my niece",
    "im a teacher and a pupil told me her dad hits her",
    "my neighbour hits his kids",
    "he hit me and my daughter last night",
    "i'm scared for my daughter",
    "what number do i call",
    "help me please, my neighbour's baby is screaming",
    "my partner hits me in front of the kids",
]


@pytest.mark.parametrize("text", CHILDREN)
def test_a_child_writing_about_themselves_is_recognised_without_an_age(nlp, text):
    assert writes_as_child(nlp(text))


@pytest.mark.parametrize("text", ADULTS)
def test_an_adult_writing_about_a_child_or_their_own_past_is_not_taken_for_a_child(nlp, text):
    assert not writes_as_child(nlp(text))
