"""A child or young person writing about themselves is told apart from an adult (nlp/person.py)."""

from __future__ import annotations

import pytest

from nlp.person import (
    asks_as_a_child,
    names_own_parent,
    names_someone_else_in_a_role,
    says_who_they_are,
    writes_as_adult,
    writes_as_child,
)

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
    "my cousin keeps doing things to me that i dont like",
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
    "who do i speak to now about what he did? im her mum",
    "Childminder here, one of the toddlers told me her daddy hurts her at home",
    "one of our lads at the club says his mum's boyfriend hits him, it worries me",
    "i work at a primary school and a boy in my class says he's scared to go home",
]


@pytest.mark.parametrize("text", CHILDREN)
def test_a_child_writing_about_themselves_is_recognised_without_an_age(nlp, text):
    assert writes_as_child(nlp(text))


@pytest.mark.parametrize("text", ADULTS)
def test_an_adult_writing_about_a_child_or_their_own_past_is_not_taken_for_a_child(nlp, text):
    assert not writes_as_child(nlp(text))


@pytest.mark.parametrize(
    "text",
    [
        "i wish i was dead",
        "sometimes i wish i didnt exist",
        "i dont want to be here anymore",
        "i keep thinking about killing myself",
        "everyone would be better off without me",
        "i just want to disappear",
    ],
)
def test_a_writer_wishing_themselves_dead_or_gone_is_taken_for_a_child(nlp, text):
    assert writes_as_child(nlp(text))


@pytest.mark.parametrize(
    "text",
    [
        "my son says he wishes he was dead",
        "my daughter told me i want to die mum",
        "the boy said he wants to kill himself",
        "im a teacher and a pupil wrote that she wants to disappear",
        "i wish i had called sooner",
    ],
)
def test_a_child_wishing_themselves_dead_reported_by_an_adult_stays_an_adults_message(nlp, text):
    assert not writes_as_child(nlp(text))


@pytest.mark.parametrize(
    "text",
    [
        "how do i get help without my dad finding out",
        "my mum reads my messages so i cant text anyone",
        "please dont tell my parents i said anything",
        "is it normal for your mum to lock you out when she's angry",
        "could i go and live with my nan instead",
        "im too scared to go home tonight",
    ],
)
def test_a_child_keeping_things_from_their_parents_is_recognised(nlp, text):
    assert writes_as_child(nlp(text))


@pytest.mark.parametrize(
    "text",
    [
        "he's 9, he's at home with me now and i'm scared for him",
        "she's 14 and keeps coming to my house because she's scared to go home",
        "they're here with me, i don't want them going back to that house",
    ],
)
def test_an_adult_giving_a_childs_age_or_keeping_them_safe_is_not_taken_for_a_child(nlp, text):
    assert not writes_as_child(nlp(text))


def test_a_parent_naming_their_child_by_age_is_not_taken_for_a_child(nlp):
    text = "my 6 year old came home upset, she says her dad shouts at her and i dont know what to do"
    assert not writes_as_child(nlp(text))
    assert writes_as_adult(text)


def test_a_child_giving_their_own_age_is_not_taken_for_an_adult():
    assert not writes_as_adult("im 12 and my mum's boyfriend is 30, he hits me")


def test_only_a_child_asks_to_live_somewhere_else():
    assert asks_as_a_child("can i live somewhere else")
    assert not asks_as_a_child("my son asked me if he can live with his dad")


@pytest.mark.parametrize(
    "text",
    [
        "is it normal for your dad to call you stupid every day?",
        "how do i get help without my mum finding out?",
        "is it weird that i wish i wasnt here",
    ],
)
def test_a_childs_question_about_their_own_home_or_wishing_themselves_gone_asks_as_a_child(text):
    assert asks_as_a_child(text)


def test_an_adult_asking_about_a_childs_words_does_not_ask_as_a_child():
    assert not asks_as_a_child("my daughter says she wishes she wasnt here, what should i do?")
    assert not asks_as_a_child("is it normal for my son to say he wants to disappear? im his mum")


# --- who the writer says they are, and someone else in a role (issue 11) ---------------------


@pytest.mark.parametrize(
    "text",
    [
        "i'm a learning mentor at a secondary school",
        "Health visitor here, quick question",
        "Practice nurse. A mum brought her baby in today",
        "i work with the youth offending team",
        "im the little girl's auntie",
        "we're his foster carers",
        "speaking as a teaching assistant",
    ],
)
def test_a_writer_saying_who_they_are_is_recognised(text):
    assert says_who_they_are(text)


@pytest.mark.parametrize(
    "text",
    [
        "the police have turned up and im sitting with an officer in the hall. im ok",
        "a social worker came to our house yesterday",
        "my teacher is with me now",
        "there's a nurse with the baby now",
    ],
)
def test_someone_else_in_a_role_is_not_the_writer_saying_who_they_are(text):
    assert names_someone_else_in_a_role(text)
    assert not says_who_they_are(text)


def test_a_writer_who_is_a_professional_and_mentions_another_is_still_recognised():
    text = "i'm a pc with the local team and the social worker is on her way"
    assert says_who_they_are(text) and names_someone_else_in_a_role(text)


@pytest.mark.parametrize(
    "text, own_parent",
    [
        ("because of my step dad", True),
        ("my mums new boyfriend", True),
        ("its my parents", True),
        ("my son's dad keeps turning up drunk", False),
        ("my daughter says my mum smacked her", False),
        ("her dad hits her", False),
    ],
)
def test_the_writers_own_parent_is_told_from_the_writers_own_child(text, own_parent):
    assert names_own_parent(text) is own_parent
