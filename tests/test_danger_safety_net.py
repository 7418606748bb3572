"""The rule-based safety net: a message that describes immediate danger is never lost."""

from __future__ import annotations

import pytest
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.training_data.message import Message

from nlp.danger import assess
from nlp.languages import in_a_script_not_ours
from nlp.safety_net import (
    DANGER_INTENT,
    PARENTAL_CONSENT,
    SAFETY_NET_KEY,
    WHAT_TO_DO,
    DangerSafetyNet,
    asks_a_question,
    asks_for_the_number,
    is_button_payload,
    reread,
)

DANGER_MESSAGES = [
    "he's hitting her right now",
    "hes hitting her rn",
    "HE IS BEATING THE KIDS",
    "she is being hurt",
    "the baby isn't breathing",
    "my friend's little girl won't wake up",
    "he has a knife and the children are in the house",
    "i can hear the kids screaming next door right now",
    "he said he's going to kill them tonight",
    "there's a toddler alone in the flat, the mum went out hours ago",
    "the boy next door is locked outside in the snow",
    "he punched his son just now",
    "my 15 year old has taken pills",
    "she says she wants to kill herself",
    "someone help he's strangling her",
    "they're dragging a girl into a van",
    "a little boy maybe 3 is walking along the dual carriageway on his own",
    "he's hitting her what do i do?",
    "is he allowed to be hitting her right now?",
    "kid not moving after his dad shoved him down the stairs",
]

NOT_DANGER_MESSAGES = [
    "i saw bruises on her arm last week",
    "my neighbour hits his kids, i've heard it a few times",
    "she told me her dad is hitting her",
    "i think he is hurting them but i'm not sure",
    "the kids are often left alone in the evenings",
    "what happens after i make a referral",
    "hello",
    "i want to report a concern about a child at my school",
    "is smacking your child abuse?",
    "what are the warning signs that a child is being harmed?",
    "a girl at youth club told me tonight he's threatening to share her photos",
    "she is often on the balcony on her own crying, and I hardly see an adult",
]


@pytest.mark.parametrize("text", DANGER_MESSAGES)
def test_messages_that_describe_immediate_danger_are_caught(nlp, text):
    assessment = assess(nlp(text))
    assert assessment.immediate, text
    assert assessment.reasons


@pytest.mark.parametrize("text", NOT_DANGER_MESSAGES)
def test_worries_about_the_past_reported_speech_and_questions_are_not_flagged(nlp, text):
    assert not assess(nlp(text)).immediate, text


def classified(text: str, intent: str, confidence: float) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": confidence}, {"name": DANGER_INTENT, "confidence": 0.01}],
        add_to_output=True,
    )
    return message


@pytest.fixture()
def safety_net(nlp):
    return DangerSafetyNet(DangerSafetyNet.get_default_config()), SpacyModel(model=nlp, model_name="test")


def test_a_danger_message_classified_as_something_else_becomes_danger(safety_net):
    component, model = safety_net
    message = classified("omg he's strangling her right now", "express_worry_about_child", 0.93)
    [result] = component.process([message], model)
    assert result.get("intent") == {"name": DANGER_INTENT, "confidence": 1.0}
    assert result.get("intent_ranking")[0]["name"] == DANGER_INTENT
    assert [r["name"] for r in result.get("intent_ranking")].count(DANGER_INTENT) == 1
    assert result.get(SAFETY_NET_KEY)["overrode"] == "express_worry_about_child"


def test_a_danger_message_lost_to_the_fallback_becomes_danger(safety_net):
    component, model = safety_net
    message = classified("dad's kicking my brother now", "nlu_fallback", 0.45)
    [result] = component.process([message], model)
    assert result.get("intent")["name"] == DANGER_INTENT


def test_a_message_without_danger_keeps_its_intent(safety_net):
    component, model = safety_net
    message = classified("what is emotional abuse", "faq", 0.97)
    [result] = component.process([message], model)
    assert result.get("intent") == {"name": "faq", "confidence": 0.97}
    assert result.get(SAFETY_NET_KEY) is None


def test_button_payloads_are_left_alone(safety_net):
    component, model = safety_net
    message = classified("/affirm", "affirm", 1.0)
    [result] = component.process([message], model)
    assert result.get("intent")["name"] == "affirm"


@pytest.mark.parametrize(
    "text",
    ["/ he has a knife to her throat", "/help he's strangling her right now", "//he's hitting her right now"],
)
def test_a_danger_message_that_only_starts_with_a_slash_is_still_danger(safety_net, text):
    component, model = safety_net
    [result] = component.process([classified(text, "nlu_fallback", 0.3)], model)
    assert result.get("intent")["name"] == DANGER_INTENT


@pytest.mark.parametrize("text", ["/affirm", "/identify_as_public", '/inform{"categories": ["physical"]}'])
def test_exact_button_payloads_are_recognised(text):
    assert is_button_payload(text)


# --- rereading: time, who is writing, the language -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "he threatened to stab her last year but he's moved away now",
        "he hit her last night but he's gone now and she's asleep",
        "her dad beat her three times this month",
        "she was suicidal in 2022",
        "years ago her uncle held a knife to her",
    ],
)
def test_harm_put_in_the_past_or_over_is_not_immediate_and_says_so(nlp, text):
    assessment = assess(nlp(text))
    assert not assessment.immediate
    assert assessment.over


@pytest.mark.parametrize(
    "text",
    [
        "he hit her last night and he's hitting her again right now",
        "she took pills last night and now she won't wake up",
        "she's not safe now, he has a knife",
        "he says he'll sort her out the minute she's back",
        "a man just bundled a girl into a van outside the school",
    ],
)
def test_danger_now_is_immediate_even_beside_the_past(nlp, text):
    assert assess(nlp(text)).immediate, text


@pytest.mark.parametrize(
    "text",
    [
        "the little lad over the road is out in the street on his own most nights until gone eleven",
        "two small girls are left by themselves most evenings while their mum works",
        "every night you can hear him bellowing at the boy and doors being slammed",
        "he clips the kids round the ear all the time, tonight it's been quiet though",
        "she's always drunk and screaming at her children",
        "a bloke hangs about by the swings most afternoons handing the kids sweets and offering lifts",
        "her stepdad slaps her most days for no reason",
    ],
)
def test_harm_as_a_habit_with_no_word_of_this_moment_is_a_worry_not_999(nlp, text):
    assessment = assess(nlp(text))
    assert not assessment.immediate, text
    assert assessment.over, text


@pytest.mark.parametrize(
    "text",
    [
        "her dad yells at her and calls her stupid all the time, she's stopping at ours tonight",
        "the lad is out wandering at all hours most nights, he's tucked up in bed tonight though",
        "the toddler cries for ages and nobody goes to him, it's been like that for weeks, quiet right now",
        "a boy in my class said earlier his mum hit him with a spoon, he's gone home now",
        "she's missed half of this term and her mum keeps saying she's ill",
        "she wandered off into the road but a lady brought her back, shes in my arms, not a scratch on her",
        "he got out of the garden onto the street, a neighbour caught him, hes back with me safe and sound",
    ],
)
def test_a_habit_or_an_earlier_event_while_the_child_is_safe_tonight_is_a_worry(nlp, text):
    assessment = assess(nlp(text))
    assert not assessment.immediate, text
    assert assessment.over, text


@pytest.mark.parametrize(
    "text",
    [
        "a man at the park is trying to get a little boy to go with him and the boy says he doesnt know him",
        "some bloke keeps trying to take her off the train, she's 7 and says she's never seen him before",
        "my ex turned up at the school gates with a baseball bat shouting for our son",
        "hes outside my door with a broken bottle and the kids are in the bedroom",
        "the neighbours boyfriend is threatening them all, i can hear the kids crying",
        "theres smoke coming out of the house across the road and the children are still in there",
        "a boy has fallen through the ice on the pond in the park",
        "my daughters friend fell in the canal and shes not a strong swimmer",
    ],
)
def test_a_stranger_taking_a_child_a_makeshift_weapon_or_threats_now_are_danger(nlp, text):
    assert assess(nlp(text)).immediate, text


@pytest.mark.parametrize(
    "text",
    [
        "my ex keeps trying to take the kids away from me through the family court",
        "she's threatening to move out and take the baby to her mums",
        "we always tell her not to talk to strangers",
        "two summers ago my son fell in the river and we were lucky, now he panics near water",
        "her dad smokes weed in front of her all the time",
    ],
)
def test_a_custody_row_or_a_threat_to_move_out_is_not_danger(nlp, text):
    assert not assess(nlp(text)).immediate, text


def test_a_child_in_the_writers_arms_who_is_not_breathing_or_threatened_is_still_danger(nlp):
    assert assess(nlp("shes in my arms and shes not breathing")).immediate
    assert assess(nlp("i've got her in my arms but he's outside with a knife")).immediate


def test_beside_a_habit_screaming_as_the_person_writes_is_still_danger(nlp):
    assert assess(
        nlp("she screams at them all the time and tonight he is screaming at the baby right now")
    ).immediate
    assert assess(nlp("he hits them all the time, he's hitting her tonight")).immediate


@pytest.mark.parametrize(
    "text",
    [
        "he's kicking her right now, he does it most nights",
        "the toddler is alone in the flat at this moment, it happens every weekend",
        "he's smashing the place up and the kids are screaming tonight, it happens all the time",
        "he always has a knife on him and he's got the kids in the car",
    ],
)
def test_a_habit_does_not_hide_danger_happening_now(nlp, text):
    assessment = assess(nlp(text))
    assert assessment.immediate, text
    assert not assessment.over, text


@pytest.mark.parametrize(
    "text",
    [
        # harm in progress in one clause, a habit in another: the classifier decides, never "over"
        "he's punching her, he always does this",
        # alone by a hazard, as a habit: not over either
        "the boy is often by the railway line on his own",
    ],
)
def test_a_habit_beside_harm_in_progress_or_a_hazard_is_never_called_over(nlp, text):
    assert not assess(nlp(text)).over, text


@pytest.mark.parametrize(
    "text",
    [
        "the police are here now and an officer is sitting with the boy",
        "he tried to get her to meet him at the shops but she's here with me and I've taken her phone",
        "he went for them earlier but the kids are with me at my sister's",
        "her stepdad smacked her about, she's at school at the moment",
        "he belted the boy, he's staying at his nan's tonight",
    ],
)
def test_a_child_already_with_the_police_or_the_writer_is_not_immediate(nlp, text):
    assessment = assess(nlp(text))
    assert not assessment.immediate, text
    assert assessment.over, text


@pytest.mark.parametrize(
    "text",
    [
        "he has a knife and is outside, the kids are with me",
        "the kids are at school now but he says he'll kill them when they get home",
    ],
)
def test_a_child_somewhere_safe_does_not_put_a_weapon_or_a_threat_aside(nlp, text):
    assert assess(nlp(text)).immediate, text


@pytest.mark.parametrize(
    "text",
    [
        "my little brother is home by himself and he's only four",
        "she's been left at home on her own, she's 3",
    ],
)
def test_a_young_child_home_on_their_own_now_is_danger(nlp, text):
    assert assess(nlp(text)).immediate, text


@pytest.mark.parametrize(
    "text",
    [
        "my 13 yr old has swallowed a full strip of her dads painkillers, about half hour ago",
        "i think he's taken a whole load of his mum's sleeping pills",
        "she ate a handful of tablets from the cupboard",
        "a little one is splashing in the swimming pool on her own, no grown ups about",
        "a boy of about four is on the ledge outside the third floor window, nobody around",
    ],
)
def test_an_overdose_however_put_and_a_young_child_by_water_or_a_height_with_no_adult_are_danger(nlp, text):
    assert assess(nlp(text)).immediate, text


@pytest.mark.parametrize(
    "text",
    [
        "he takes his tablets every morning with his breakfast",
        "she overdosed on paracetamol when she was 14, years ago now",
        "my son took his meds at school like always",
    ],
)
def test_medicine_taken_as_usual_or_an_overdose_long_past_is_not_immediate(nlp, text):
    assert not assess(nlp(text)).immediate, text


@pytest.mark.parametrize(
    "text",
    [
        "my 16 year old overdosed on her pills two years ago and has been well since",
        "she collapsed at a party last night, she's home and fine today",
        "is it abuse if a dad shouts a lot, does that count as harm",
        "what types of abuse are there, does it have to be them being hit",
    ],
)
def test_a_state_of_danger_long_past_or_a_question_about_what_counts_is_not_immediate(nlp, text):
    assert not assess(nlp(text)).immediate, text


@pytest.mark.parametrize(
    "text",
    [
        "she took an overdose this morning and says she feels fine",
        "the baby keeps having fits one after the other",
        "my little one swallowed a button battery",
        "the nanny is so drunk she can't even stand and she's got the twins",
    ],
)
def test_an_overdose_today_fits_a_battery_and_a_carer_too_drunk_to_stand_are_danger(nlp, text):
    assert assess(nlp(text)).immediate, text


def test_a_teenager_on_their_own_is_not_danger_by_itself_but_a_younger_child_beside_them_is(nlp):
    assert not assess(nlp("my 15 year old daughter is home on her own tonight, is that ok?")).immediate
    assert assess(nlp("my 4 year old and my 15 year old are home on their own")).immediate


def test_the_classifiers_danger_call_on_something_over_becomes_a_worry(safety_net):
    component, model = safety_net
    message = classified("he stabbed her boyfriend years ago, it still worries me", DANGER_INTENT, 0.96)
    [result] = component.process([message], model)
    assert result.get("intent")["name"] == "express_worry_about_child"
    assert result.get(SAFETY_NET_KEY) is None
    assert result.get("cues")["over"] is True


def test_a_child_writing_about_themselves_is_pointed_to_childline(safety_net):
    component, model = safety_net
    [result] = component.process(
        [classified("my stepdad hits me when mums at work", "express_worry_about_child", 0.8)], model
    )
    assert result.get("intent")["name"] == "child_seeking_help"
    assert result.get("cues")["writer"] == "child"


def test_a_child_in_danger_now_stays_danger_and_is_marked_as_a_child(safety_net):
    component, model = safety_net
    [result] = component.process(
        [classified("my dad is hitting me right now", "child_seeking_help", 0.6)], model
    )
    assert result.get("intent")["name"] == DANGER_INTENT
    assert result.get("cues")["writer"] == "child"


def test_danger_in_another_language_is_danger_and_names_the_language(safety_net):
    component, model = safety_net
    [result] = component.process(
        [classified("pomocy! mój mąż bije dziecko teraz", "nlu_fallback", 0.2)], model
    )
    assert result.get("intent")["name"] == DANGER_INTENT
    assert result.get("cues")["language"] == "pl"
    assert {"entity": "language", "value": "pl"}.items() <= result.get("entities")[-1].items()


def test_a_question_in_another_language_gets_the_numbers_not_a_guess(safety_net):
    component, model = safety_net
    [result] = component.process([classified("jaki jest numer telefonu do was?", "faq", 0.5)], model)
    assert result.get("intent")["name"] == "other_language"


@pytest.mark.parametrize(
    "text",
    [
        "میں ساؤتھمپٹن میں رہتا ہوں، مجھے ایک بچے کی فکر ہے",  # Urdu
        "मुझे पड़ोस के एक बच्चे की चिंता है",  # Hindi
        "옆집 아이가 걱정돼요",  # Korean
    ],
)
def test_a_sentence_in_a_script_nothing_here_reads_gets_999_and_the_numbers_not_a_guess(safety_net, text):
    component, model = safety_net
    [result] = component.process([classified(text, "thank", 0.7)], model)
    assert result.get("intent")["name"] == "other_language"
    assert result.get("cues")["language"] is None


@pytest.mark.parametrize("text", ["Μαρία Παπαδοπούλου", "محمد علی", "たなか", "李伟"])
def test_a_name_in_another_script_is_not_taken_for_a_message_in_another_language(text):
    assert not in_a_script_not_ours(text)


@pytest.mark.parametrize(
    "predicted, kwargs, intent",
    [
        ("faq", {"other_script": True}, "other_language"),
        ("faq", {"other_script": True, "danger_reasons": ("danger sign: 999",)}, DANGER_INTENT),
        ("faq", {"danger_reasons": ("danger sign: knife",)}, DANGER_INTENT),
        (DANGER_INTENT, {"over": True}, "express_worry_about_child"),
        (DANGER_INTENT, {"over": False}, None),
        ("express_worry_about_child", {"child": True}, "child_seeking_help"),
        (DANGER_INTENT, {"child": True}, None),
        (DANGER_INTENT, {"child": True, "over": True}, "child_seeking_help"),
        ("faq", {"child": True, "question": True}, None),
        ("faq", {"language": "es"}, "other_language"),
        ("nlu_fallback", {"language": "es", "foreign_danger": ("cuchillo",)}, DANGER_INTENT),
        ("other_language", {}, "faq"),
        ("faq", {"asking": False}, "express_worry_about_child"),
        ("faq", {"asking": True}, None),
    ],
)
def test_reread_decides_the_intent(predicted, kwargs, intent):
    assert reread(predicted, [predicted, "faq", "express_worry_about_child"], **kwargs).intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "which number should i phone?",
        "who do i ring about this",
        "GP here, direct number for referrals please",
    ],
)
def test_asking_which_number_to_ring_is_recognised(text):
    assert asks_for_the_number(text)


def test_asking_for_the_number_inside_a_worry_gets_the_numbers_first(safety_net):
    component, model = safety_net
    text = "i'm worried about the family across the road, it's not an emergency. who should i ring?"
    [result] = component.process([classified(text, "express_worry_about_child", 0.95)], model)
    assert result.get("intent")["name"] == "faq"
    assert result.get("response_selector")["faq"]["response"]["utter_action"] == "utter_faq/contact_numbers"


@pytest.mark.parametrize("predicted", ["deny", "not_sure", "greet", "leave_for_now", "thank", "goodbye"])
def test_asking_for_the_number_read_as_an_answer_or_small_talk_gets_the_numbers(safety_net, predicted):
    component, model = safety_net
    [result] = component.process([classified("no just tell me the number please", predicted, 0.9)], model)
    assert result.get("intent")["name"] == "faq"
    assert result.get("response_selector")["faq"]["response"]["utter_action"] == "utter_faq/contact_numbers"


@pytest.mark.parametrize("predicted", ["affirm", "identify_as_professional", "identify_as_public"])
def test_asking_for_the_number_with_a_yes_or_a_role_keeps_the_yes_or_the_role(safety_net, predicted):
    component, model = safety_net
    [result] = component.process([classified("yes, what number do i ring", predicted, 0.9)], model)
    assert result.get("intent")["name"] == predicted


@pytest.mark.parametrize(
    "text, predicted, answer",
    [
        ("sorry, what's RAG when its at home", "nlu_fallback", "faq/how_referrals_are_prioritised"),
        ("does red amber green mean how bad it is?", "faq", "faq/how_referrals_are_prioritised"),
        (
            "they said it might go to a section 47, what is that",
            "express_worry_about_child",
            "faq/what_happens_after_referral",
        ),
        ("what does an s17 involve", "faq", "faq/child_in_need_assessment"),
        ("who goes to a strategy meeting?", "request_referral", "faq/strategy_discussion"),
        ("is early help something i can ask for?", "faq", "faq/early_help"),
    ],
)
def test_a_question_naming_a_term_of_the_guidance_gets_the_answer_that_explains_it(
    safety_net, text, predicted, answer
):
    component, model = safety_net
    [result] = component.process([classified(text, predicted, 0.7)], model)
    assert result.get("intent")["name"] == "faq"
    assert result.get("response_selector")["faq"]["response"]["utter_action"] == f"utter_{answer}"


def test_a_term_of_the_guidance_in_a_statement_or_beside_danger_is_not_taken_for_a_question(safety_net):
    component, model = safety_net
    [statement] = component.process(
        [classified("we had a strategy meeting about him", "express_worry_about_child", 0.9)], model
    )
    assert statement.get("intent")["name"] == "express_worry_about_child"
    [danger] = component.process(
        [classified("he has a knife, what does rag mean", DANGER_INTENT, 0.9)], model
    )
    assert danger.get("intent")["name"] == DANGER_INTENT


def test_a_statement_the_classifier_took_for_a_question_is_the_concern_it_ranked_next(safety_net):
    component, model = safety_net
    message = classified("my nephew came round with a black eye and wont say how he got it", "faq", 0.8)
    message.set(
        "intent_ranking",
        [{"name": "faq", "confidence": 0.8}, {"name": "express_worry_about_child", "confidence": 0.2}],
        add_to_output=True,
    )
    [result] = component.process([message], model)
    assert result.get("intent")["name"] == "express_worry_about_child"


def test_a_child_dragged_into_a_car_is_danger(nlp):
    assert assess(nlp("a man has just dragged a little girl into a silver car")).immediate


# --- what is over, what is not now, and what is still going on --------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no, not immediate. he has had bruises on his legs again and again this term",
        "its not an emergency but her dad slapped her at the school gate",
        "on saturday night there was yelling and crying through the wall, its sunday now and they went out",
        "he was shouting and banging on the door at 2am, it's quiet now and the kids are at school",
        "she's fine, she's here with me, it was just texts from him",
        "he's threatened to hurt them repeatedly over the years",
        "nothing has happened yet, i just dont like how he looks at her",
        "nobody is hurt right now but her dad hit her at the weekend",
        "she has been abused by her uncle but she isnt in danger now",
        # A time that belongs to the "no" is not urgency (issue 11).
        "nope, she isn't in danger at this very moment, her dad got home a while ago",
        "not at this minute, the lad's gran is round there now",
        "no not tonight, he's gone to his brother's",
        "its not an emergency right this second, i just want advice",
        # Signs of exploitation noticed over a while, with the child safe now (issue 11).
        "my 14 year old has been messaging some man off an app and sent him pictures. "
        "ive taken her phone and she's downstairs with me",
        "one of the boys in my squad has turned up with a new phone and designer trainers, "
        "practice is finished for tonight and he went home with his dad",
        "my nephew has been coming home with cash he can't explain lately and older lads "
        "keep messaging him",
    ],
)
def test_what_is_over_or_said_not_to_be_now_is_not_immediate(nlp, text):
    assessment = assess(nlp(text))
    assert not assessment.immediate, assessment.reasons
    assert assessment.over


@pytest.mark.parametrize(
    "text",
    [
        "they're driving away now with the boy they shoved into the van",
        "he's gone crazy and he says he'll kill her",
        "the mum went out this morning and still isnt back, the baby's been crying for hours",
        "he punched her about ten mins ago and she is crying on the floor",
        "its not an emergency i dont think but he has a knife and he's stabbing the sofa",
    ],
)
def test_danger_still_going_on_is_immediate_beside_words_of_time(nlp, text):
    assert assess(nlp(text)).immediate, text


@pytest.mark.parametrize(
    "text",
    [
        "will i hear back once i've referred",
        "As a youth worker, do I need the family's permission?",
        "hi, i'm a foster carer and wanted to ask how long a decision takes",
        "my neighbour's boy said something odd today. should i ask him about it",
    ],
)
def test_a_question_is_recognised_as_a_question(text):
    assert asks_a_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "my neighbour leaves her kids alone, what do i do?",
        "i want to make a referral",
        "his mum drinks a lot",
    ],
)
def test_a_worry_or_a_request_is_not_taken_for_a_question(text):
    assert not asks_a_question(text)


@pytest.mark.parametrize(
    "predicted, ranking, kwargs, intent",
    [
        ("request_referral", ["request_referral", "faq"], {"question": True, "words": 9}, "faq"),
        (
            "express_worry_about_child",
            ["express_worry_about_child", "greet", "faq"],
            {"question": True},
            "faq",
        ),
        ("nlu_fallback", ["nlu_fallback", "faq"], {"question": True, "words": 12}, "faq"),
        ("leave_for_now", ["leave_for_now", "faq"], {"question": True, "words": 9}, "faq"),
        ("request_referral", ["request_referral", "faq"], {"question": False}, None),
        ("request_referral", ["request_referral", "deny", "affirm", "faq"], {"question": True}, None),
        ("greet", ["greet", "faq"], {"question": True, "words": 2}, None),
        ("greet", ["greet", "faq"], {"question": True, "words": 11}, "faq"),
        (
            "express_worry_about_child",
            ["express_worry_about_child", "faq"],
            {"question": True, "child": True},
            "child_seeking_help",
        ),
        ("child_seeking_help", ["child_seeking_help", "faq"], {"question": True}, None),
        ("faq", ["faq", "child_seeking_help"], {"child": True}, "child_seeking_help"),
        ("faq", ["faq", "greet"], {"child": True, "child_asks": True}, "child_seeking_help"),
        (
            "faq",
            ["faq", "express_worry_about_child", "greet"],
            {"child": True, "question": True, "asks_number": True},
            "child_seeking_help",
        ),
        ("faq", ["faq", "express_worry_about_child"], {"question": True, "asks_number": True}, "faq"),
        ("faq", [DANGER_INTENT, "faq"], {"over": True, "asking": False}, None),
        ("faq", ["faq", DANGER_INTENT], {"over": True, "asking": False}, "express_worry_about_child"),
        (
            "express_worry_about_child",
            ["express_worry_about_child", "leave_for_now"],
            {"question": True, "confidence": 0.45},
            "faq",
        ),
        (
            "express_worry_about_child",
            ["express_worry_about_child", "leave_for_now"],
            {"question": True, "confidence": 0.9},
            None,
        ),
        (
            "nlu_fallback",
            ["nlu_fallback", "identify_as_professional"],
            {"question": True, "words": 12},
            "faq",
        ),
        (
            "identify_as_parent_carer",
            ["identify_as_parent_carer", "deny"],
            {"question": True, "words": 20},
            "faq",
        ),
        (
            "identify_as_parent_carer",
            ["identify_as_parent_carer", "deny"],
            {"question": True, "words": 5},
            None,
        ),
        (
            "child_seeking_help",
            ["child_seeking_help", "express_worry_about_child"],
            {"adult": True},
            "express_worry_about_child",
        ),
        ("child_seeking_help", ["child_seeking_help", "faq"], {"adult": True, "asks_number": True}, "faq"),
        (
            "faq",
            ["faq", "express_worry_about_child", "greet", "child_seeking_help"],
            {"child": True, "question": True},
            None,
        ),
        ("child_seeking_help", ["child_seeking_help", "faq"], {"question": True, "adult": True}, "faq"),
    ],
)
def test_a_question_read_as_something_else_is_answered_when_faq_is_close(predicted, ranking, kwargs, intent):
    assert reread(predicted, ranking, **kwargs).intent == intent


def test_a_question_inside_a_referral_request_is_answered(safety_net):
    component, model = safety_net
    message = classified(
        "school nurse here, will I be told what happens after I refer?", "request_referral", 0.7
    )
    message.set(
        "intent_ranking",
        [{"name": "request_referral", "confidence": 0.7}, {"name": "faq", "confidence": 0.25}],
        add_to_output=True,
    )
    [result] = component.process([message], model)
    assert result.get("intent")["name"] == "faq"


@pytest.mark.parametrize(
    "text",
    [
        "what number can i ring to talk to someone? im 14 and its bad at home",
        "is it normal for your dad to lock you in your room every night?",
    ],
)
def test_a_child_asking_a_question_of_their_own_is_given_childline_not_a_page_of_the_guidance(
    safety_net, text
):
    component, model = safety_net
    message = classified(text, "faq", 0.8)
    [result] = component.process([message], model)
    assert result.get("intent")["name"] == "child_seeking_help"
    assert result.get("cues")["writer"] == "child"


@pytest.mark.parametrize(
    "text, intent, cues, answer",
    [
        ("no, not immediate. she has bruises again", "express_worry_about_child", {}, "no"),
        ("nope hes at his nans now", "express_worry_about_child", {}, "no"),
        ("yes he's got her in the car", "express_worry_about_child", {}, "yes"),
        ("she's at home with me and she's fine now", "express_worry_about_child", {"over": True}, "no"),
        ("she has bruises on her arms", "express_worry_about_child", {}, None),
        ("no, will they tell me the outcome?", "faq", {}, None),
        ("/deny", "deny", {}, None),
    ],
)
def test_a_typed_answer_to_the_danger_question_is_read(text, intent, cues, answer):
    from actions.screening import typed_danger_answer

    message = {"text": text, "intent": {"name": intent}, "cues": cues}
    assert typed_danger_answer(message) == answer


def test_about_to_harm_is_a_threat_and_talk_about_abuse_is_not(nlp):
    assert assess(nlp("he's about to hit the baby")).immediate
    assert not assess(nlp("how do you talk to a teenager about abuse")).immediate


@pytest.mark.parametrize(
    "text",
    [
        "the mum is steaming drunk and driving off with the baby in the back",
        "my ex is drink driving with our two in the car, i'm following him",
        "some bloke in a car is trying to get her into the back seat, she's about 8",
        "a man is luring the lad over to his van with sweets",
    ],
)
def test_drunk_driving_with_children_and_luring_a_child_are_danger(nlp, text):
    assert assess(nlp(text)).immediate, text


@pytest.mark.parametrize(
    "text",
    [
        "how can you tell if a toddler is being neglected",
        "what are the signs a teenager is being groomed online",
        "the little boy downstairs has been left alone in the evenings a few times",
        "ive had a feeling lately that his stepdad is hurting him",
    ],
)
def test_general_questions_and_habits_without_urgency_are_not_immediate(nlp, text):
    assert not assess(nlp(text)).immediate, assess(nlp(text)).reasons


@pytest.mark.parametrize(
    "text",
    [
        "my cousin is 13 and has taken loads of her nan's painkillers, she's at home on her own",
        "he texted his sister saying this is goodbye, he's 16 and won't pick up",
        "they won't let her leave the house and they've taken her phone, she's 14",
        "i can see a little boy tied up in the garden next door",
        "he told the kids he'll finish the job when their mum goes to work",
    ],
)
def test_an_overdose_a_goodbye_a_child_held_and_a_threat_are_danger(nlp, text):
    assert assess(nlp(text)).immediate, text


def test_a_childs_statement_read_as_a_question_gets_childline(safety_net):
    component, model = safety_net
    text = "my mum screams at me every day and i feel like nobody would care if i was gone"
    [result] = component.process([classified(text, "faq", 0.6)], model)
    assert result.get("intent")["name"] == "child_seeking_help"


# --- issue 11: a loose "no", safe-now states, signs noticed over a while ---------------------


@pytest.mark.parametrize(
    "text",
    [
        "no, right this minute he is kicking her",
        "she's not safe right now, he is screaming at her",
        "not in danger? he has a knife and is outside her door",
        "not at this minute but he said he will kill her tonight",
    ],
)
def test_a_no_beside_danger_now_is_still_danger(nlp, text):
    assert assess(nlp(text)).immediate, text


@pytest.mark.parametrize(
    "text",
    [
        "a man she met online is outside in his car right now telling her to get in",
        "a bloke took her phone off her and is dragging her into his van",
        "lately he's been hitting her and right now he's at it again",
        "the toddler is on the balcony on her own and her dad is asleep on the sofa",
    ],
)
def test_exploitation_or_harm_happening_now_stays_danger(nlp, text):
    assert assess(nlp(text)).immediate, text


def test_a_loose_no_the_classifier_took_for_danger_is_read_as_no_to_the_danger_question(safety_net):
    from actions.screening import typed_danger_answer

    component, model = safety_net
    text = "nah shes not in danger at this minute, her aunt came round after lunch"
    [result] = component.process([classified(text, DANGER_INTENT, 0.96)], model)
    assert result.get("intent")["name"] != DANGER_INTENT
    assert result.get(SAFETY_NET_KEY) is None
    assert result.get("cues")["over"] is True
    answer = {"text": text, "intent": result.get("intent"), "cues": result.get("cues")}
    assert typed_danger_answer(answer) == "no"


def ranked(text: str, names: list, answer: str = "") -> Message:
    """A message as the classifiers leave it: an intent ranking and, for faq, the answer chosen."""
    message = Message(data={"text": text})
    message.set("intent", {"name": names[0], "confidence": 0.9}, add_to_output=True)
    message.set(
        "intent_ranking",
        [{"name": name, "confidence": 0.9 / (i + 1)} for i, name in enumerate(names)],
        add_to_output=True,
    )
    if answer:
        message.set(
            "response_selector",
            {"faq": {"response": {"intent_response_key": answer, "confidence": 0.5}, "ranking": []}},
            add_to_output=True,
        )
    return message


@pytest.mark.parametrize(
    "text, names",
    [
        (
            "there's an officer sitting with me in the lounge now and i'm alright",
            ["faq", "identify_as_professional", "leave_for_now"],
        ),
        (
            "two police officers are with us at the house now, everyone is ok",
            ["identify_as_professional", "faq", "greet"],
        ),
    ],
)
def test_someone_else_named_in_a_role_is_not_the_writer_saying_who_they_are(safety_net, text, names):
    component, model = safety_net
    [result] = component.process([ranked(text, names)], model)
    assert not result.get("intent")["name"].startswith("identify_as_")
    assert result.get("intent")["name"] == "express_worry_about_child"


def test_a_child_with_the_police_now_is_given_childline_not_a_role(safety_net):
    component, model = safety_net
    text = "the police came and a policewoman is looking after me now, im 12"
    [result] = component.process([ranked(text, ["identify_as_professional", "faq"])], model)
    assert result.get("intent")["name"] == "child_seeking_help"


@pytest.mark.parametrize(
    "text",
    ["its cos of my stepdad", "mainly my mum tbh", "my parents", "it's my foster carer, she scares me"],
)
def test_the_writers_own_parent_is_not_the_writer_being_a_parent_or_carer(safety_net, text):
    # The classifier may take a child's "it's because of my dad" for a parent saying who they are,
    # which would keep a parent's role (and number) for the rest of the conversation.
    component, model = safety_net
    names = ["identify_as_parent_carer", "child_seeking_help", "identify_as_professional"]
    [result] = component.process([ranked(text, names)], model)
    assert result.get("intent")["name"] == "child_seeking_help"


@pytest.mark.parametrize(
    "text, names, intent",
    [
        (
            "Health visitor. Saw a baby today with marks on his legs, mum says he fell",
            ["faq", "identify_as_professional"],
            "identify_as_professional",
        ),
        (
            "i'm her childminder and she's been quiet and withdrawn for weeks now",
            ["faq", "identify_as_professional"],
            "identify_as_professional",
        ),
        ("school nurse", ["faq", "identify_as_professional"], "identify_as_professional"),
        # A parent naming their own child keeps the role, whoever else they name.
        (
            "my daughter told me my dad has been hitting her when he babysits",
            ["identify_as_parent_carer", "report_child_disclosure"],
            "identify_as_parent_carer",
        ),
        (
            "i'm her mum, my mum looks after her after school",
            ["identify_as_parent_carer"],
            "identify_as_parent_carer",
        ),
    ],
)
def test_a_writer_who_says_who_they_are_keeps_the_role(safety_net, text, names, intent):
    component, model = safety_net
    [result] = component.process([ranked(text, names)], model)
    assert result.get("intent")["name"] == intent


def test_a_question_after_a_comma_is_answered_not_taken_for_a_role(safety_net):
    component, model = safety_net
    text = "i might be making a fuss over nothing, do they need evidence first"
    [result] = component.process([ranked(text, ["faq", "identify_as_professional"])], model)
    assert result.get("intent")["name"] == "faq"


@pytest.mark.parametrize(
    "text", ["ok so and what if i only heard it through the wall", "right well who would i even ring"]
)
def test_a_question_after_a_run_of_openers_is_a_question(text):
    assert asks_a_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "what am i supposed to do if i see a mum slapping her toddler in the supermarket?",
        "do i still report it even though it stopped",
        "is it worth telling anyone or am i making a fuss",
    ],
)
def test_a_question_of_what_to_do_gets_the_route_for_everyone_not_the_professionals_consent_answer(
    safety_net, text
):
    component, model = safety_net
    [result] = component.process(
        [ranked(text, ["faq", "express_worry_about_child"], PARENTAL_CONSENT)], model
    )
    assert result.get("intent")["name"] == "faq"
    assert result.get("response_selector")["faq"]["response"]["intent_response_key"] == WHAT_TO_DO


@pytest.mark.parametrize(
    "text",
    [
        "does the boy's dad have to be told before i send it in",
        "can i report it without her parents finding out",
        "what if mum refuses to let you speak to him",
        "would ringing the family first put her at greater risk",
    ],
)
def test_a_question_about_the_parents_being_told_keeps_the_consent_answer(safety_net, text):
    component, model = safety_net
    [result] = component.process(
        [ranked(text, ["faq", "express_worry_about_child"], PARENTAL_CONSENT)], model
    )
    assert result.get("response_selector")["faq"]["response"]["intent_response_key"] == PARENTAL_CONSENT


def test_what_the_classifier_cannot_place_that_says_the_child_is_safe_now_is_a_worry():
    reading = reread("nlu_fallback", ["nlu_fallback", "greet"], over=True, words=9)
    assert reading.intent == "express_worry_about_child"
    assert reread("nlu_fallback", ["nlu_fallback", "faq"], over=True, question=True).intent != reading.intent
