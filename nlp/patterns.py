"""Token patterns for the project's spaCy pipeline.

The patterns are plain data for spaCy's built-in ``entity_ruler``, so the saved pipeline
loads with ``spacy.load`` and needs none of this project's code. Two groups:

* details a referral needs (``phone``, ``email``, ``postcode``, ``age``, ``relationship``),
  passed to Rasa by ``SpacyEntityExtractor``;
* signals of immediate danger (``danger_sign``, ``harm_in_progress``, ``harm``, ``distress``,
  ``urgency``) and of time that puts harm in the past (``over``: "last year", "he's gone now"),
  read by the danger safety net (``nlp.danger``), never shown to the dialogue.

Blank English has no lemmatiser or tagger, so verb forms are spelled out.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List

Pattern = Dict[str, Any]

# Labels the dialogue uses as entities (domain.yml lists the same names).
DETAIL_LABELS = ("phone", "email", "postcode", "age", "relationship")
# Labels only the safety net reads.
DANGER_LABELS = (
    "danger_sign",
    "present_danger",
    "harm_in_progress",
    "harm",
    "distress",
    "hazard",
    "alone",
    "urgency",
    "over",
    "safe_now",
    "habit",
    "not_now",
    "stranger",
)

# fmt: off
# --- harm verbs ---------------------------------------------------------------------------
# base form -> (third person, past / participle forms, -ing forms including dropped-g spellings)
_HARM_VERBS: Dict[str, tuple] = {
    "hit": ("hits", ("hit",), ("hitting", "hiting", "hittin")),
    "beat": ("beats", ("beat", "beaten", "beatin"), ("beating", "beatin", "beeting")),
    "punch": ("punches", ("punched",), ("punching", "punchin")),
    "kick": ("kicks", ("kicked",), ("kicking", "kickin")),
    "slap": ("slaps", ("slapped",), ("slapping", "slappin")),
    "smack": ("smacks", ("smacked",), ("smacking", "smackin")),
    "thump": ("thumps", ("thumped",), ("thumping",)),
    "batter": ("batters", ("battered",), ("battering",)),
    "strangle": ("strangles", ("strangled",), ("strangling",)),
    "choke": ("chokes", ("choked",), ("choking",)),
    "throttle": ("throttles", ("throttled",), ("throttling",)),
    "suffocate": ("suffocates", ("suffocated",), ("suffocating",)),
    "smother": ("smothers", ("smothered",), ("smothering",)),
    "drown": ("drowns", ("drowned",), ("drowning",)),
    "stab": ("stabs", ("stabbed",), ("stabbing",)),
    "burn": ("burns", ("burned", "burnt"), ("burning",)),
    "shake": ("shakes", ("shook", "shaken"), ("shaking",)),
    "hurt": ("hurts", ("hurt",), ("hurting", "hurtin")),
    "harm": ("harms", ("harmed",), ("harming",)),
    "attack": ("attacks", ("attacked",), ("attacking",)),
    "assault": ("assaults", ("assaulted",), ("assaulting",)),
    "abuse": ("abuses", ("abused",), ("abusing",)),
    "rape": ("rapes", ("raped",), ("raping",)),
    "molest": ("molests", ("molested",), ("molesting",)),
    "touch": ("touches", ("touched",), ("touching",)),
    "drag": ("drags", ("dragged",), ("dragging",)),
    "throw": ("throws", ("threw", "thrown"), ("throwing",)),
    "bite": ("bites", ("bit", "bitten"), ("biting",)),
    "whip": ("whips", ("whipped",), ("whipping",)),
    "belt": ("belts", ("belted",), ("belting",)),
    "grab": ("grabs", ("grabbed",), ("grabbing",)),
    "shove": ("shoves", ("shoved",), ("shoving",)),
    "push": ("pushes", ("pushed",), ("pushing",)),
    "snatch": ("snatches", ("snatched",), ("snatching",)),
    "abduct": ("abducts", ("abducted",), ("abducting",)),
    "kill": ("kills", ("killed",), ("killing",)),
    "murder": ("murders", ("murdered",), ("murdering",)),
}
# Verbs too common to signal harm on their own; they count only when in progress.
_ONLY_IN_PROGRESS = {"touch", "push", "grab", "throw", "drag", "shake", "burn"}

HARM_BASE = sorted(_HARM_VERBS)
HARM_ING = sorted({f for _, _, ing in _HARM_VERBS.values() for f in ing})
HARM_PAST = sorted({f for _, past, _ in _HARM_VERBS.values() for f in past})
HARM_ANY = sorted(
    {
        form
        for base, (third, past, ing) in _HARM_VERBS.items()
        if base not in _ONLY_IN_PROGRESS and base not in ("kill", "murder")
        for form in (base, third, *past, *ing)
    }
)


# "is", "he's", "hes" (the apostrophe dropped), "they're", "im"
_PRESENT_AUX = ["is", "'s", "’s", "s", "are", "'re", "’re", "re", "am", "'m", "’m", "m", "r"]
_NOW_ADVERBS = ["currently", "still", "now", "literally", "actually", "just", "really"]

# --- words --------------------------------------------------------------------------------
_CHILD_WORDS = """child children kid kids kiddie baby babies toddler toddlers son daughter boy girl
    boys girls infant newborn little one ones brother sister nephew niece grandson granddaughter""".split()

_TAKEN_VERBS = """bundled bundling bundle bundles pulled pulling pull pulls dragged dragging drag drags
    forced forcing force forces shoved shoving shove pushed pushing push bungled grabbed grabbing
    snatched snatching""".split()

_WEAPONS = """knife knifes knives gun guns machete blade weapon weapons firearm shotgun axe
    hammer""".split()

# Words that put harm at a distance from this minute: reported speech, suspicion, habit.
# Harm "in progress" next to one of these needs an urgency word to count as danger.
HEDGE_WORDS = frozenset(
    """told tell tells telling said says saying disclosed disclosing mentioned confided admitted
    think thinks thought worried worry worrying suspect suspects suspicion suspicious believe
    reckon wonder might may
    could often always sometimes every regularly constantly keeps usually used most nights
    times whenever lately recently feeling history""".split()
)

# A message that opens with one of these and ends with "?" is a question about harm in general.
QUESTION_WORDS = frozenset(
    """what how is are does do can could should would when why who where which""".split()
)

_DISTRESS = """screaming screams screamin scream crying cries sobbing yelling shrieking smashing
    banging howling wailing""".split()

# Someone out of control now; longer than "he's gone", so "he's gone crazy" is not read as "he left".
_DISTRESS_PHRASES = """
    he's gone crazy | hes gone crazy | she's gone crazy | shes gone crazy | he's gone mad | hes gone mad
    she's gone mad | shes gone mad | he's gone mental | hes gone mental | she's gone mental
    shes gone mental | he's gone nuts | hes gone nuts | he's gone psycho | hes gone psycho
    he's gone berserk | hes gone berserk | he's lost it | hes lost it | she's lost it | shes lost it
"""

_RELATIONSHIPS_ONE_WORD = """
    mum mom mummy mam mother dad daddy father stepdad stepfather stepmum stepmom stepmother parent
    parents carer guardian grandparent grandmother grandma gran granny nan nana nanna grandfather
    grandad granddad grandpa aunt auntie aunty uncle brother sister stepbrother stepsister cousin
    boyfriend girlfriend partner lodger relative
    neighbour neighbor neighbours friend babysitter nanny childminder
    teacher headteacher head ta senco dsl nurse midwife gp doctor paramedic dentist pharmacist
    police officer pcso coach instructor leader volunteer pastor vicar imam priest counsellor
    therapist psychologist physio
""".split()

# One phrase a line.
_RELATIONSHIPS_PHRASES = """
    step dad | step-dad | step father | step mum | step-mum | step mother
    foster carer | foster parent | foster mum | foster dad | kinship carer | special guardian
    family friend | mum's boyfriend | mums boyfriend | dad's girlfriend | dads girlfriend
    head teacher | teaching assistant | class teacher | form tutor | designated safeguarding lead
    school nurse | health visitor | social worker | family support worker | youth worker
    police officer | nursery worker | nursery practitioner | early years practitioner
    support worker | sports coach | football coach | swimming teacher | scout leader
    brownie leader | mental health nurse | community nurse | practice nurse
"""

_URGENCY_PHRASES = """
    right now | now | rn | as we speak | at the moment | atm | this minute | this second
    right this minute | right this second | this very moment | at this moment | at this very moment
    currently | tonight | immediately | just now | happening now | still going on | going on now
    at the minute | as i type | as i write | while i type | while i'm typing | in progress
    any minute | any second | on his way | on her way | on their way
    still isn't back | still isnt back | still not back | still hasn't come back | still hasnt come back
    hasn't come back | hasnt come back | still out there | still in there | still there | still here
    minutes ago | mins ago | min ago | a minute ago | seconds ago | an hour ago | half an hour ago
    half hour ago | hour ago
"""

# Places and situations that put a young child in danger when they are there alone or right now.
_HAZARD_PHRASES = """
    dual carriageway | motorway | main road | busy road | in the road | on the road | railway
    railway line | train tracks | train line | level crossing | balcony | window ledge | windowsill
    on the roof | in the river | in the canal | in the sea | in the lake | in the pond | in the water
    edge of the cliff | in a hot car | in the car on their own | in the car alone
    paddling pool | swimming pool | in the pool | in the bath | near the water | by the water
    edge of the roof | on the ledge | on a ledge | on the edge
"""

# Being on one's own: with a hazard it means danger.
# The child does not know the adult with them: beside an attempt to take the child off (nlp.danger),
# danger.
_STRANGER_PHRASES = """
    doesn't know him | doesnt know him | does not know him | doesn't know her | doesnt know her
    does not know her | don't know him | dont know him | didn't know him | didnt know him
    a stranger | stranger | strangers | never seen him before | never seen before
    isn't her dad | isnt her dad | is not her dad | isn't his dad | isnt his dad | is not his dad
    not her dad | not his dad | not her mum | not his mum
"""

_ALONE_PHRASES = """
    alone | on his own | on her own | on their own | by himself | by herself | by themselves
    unsupervised | unattended | no adult | no adults | nobody with him | nobody with her
    no one with him | no one with her | no one with them
    no adults around | no adult around | no parents around | no parent around | no grown ups
    no grown-ups | no grownups | can't see any adults | cant see any adults | can't see an adult
    cant see an adult | can't see any parents | cant see any parents | can't see his parents
    cant see his parents | can't see her parents | cant see her parents | no one around
    nobody around | no one watching | nobody watching | no one looking after | nobody looking after
"""

# Phrases that mean immediate danger on their own, whatever else the message says: a state of the
# child at this moment (no "last year" or "he's gone now" can put them in the past).
_PRESENT_DANGER_PHRASES = """
    not breathing | isn't breathing | isnt breathing | is not breathing | stopped breathing
    can't breathe | cant breathe | cannot breathe | struggling to breathe | not breathing properly
    unconscious | unresponsive | won't wake up | wont wake up | will not wake up | can't wake
    cant wake | not waking up | not moving | isn't moving | isnt moving | stopped moving
    turning blue | gone blue | going blue | won't come round | wont come round | not coming round
    having fits | keeps fitting | is fitting | having seizures | seizure after seizure
    button battery | button batteries | swallowed a battery | swallowed a magnet | swallowed magnets
    lips are blue | floppy | having a seizure | having a fit
    overdose | overdosed | taken an overdose | taken pills | took pills | swallowed pills
    swallowed a packet | swallowed a bottle | swallowed a load | swallowed loads | swallowed tablets
    taken a packet | taken a bottle | taken loads of | taken tablets | took tablets | took a packet
    took a bottle | necked a bottle | swallowed some pills | swallowed all
    bleeding badly | bleeding a lot | losing blood | lot of blood | covered in blood
    on fire | house is on fire | flat is on fire
    smoke pouring | smoke coming out | smoke coming from | full of smoke | filling with smoke
    through the ice | thru the ice | trapped inside | trapped in the fire | trapped upstairs
    send help | send the police | police now
    someone help | somebody help | please help now | help us now | help her now | help him now
    going to jump | gonna jump
    screaming for help | crying for help | shouting for help
    left alone right now | home alone right now | on their own right now | on her own right now
    on his own right now
"""

# Phrases that mean danger unless the message puts them in the past ("she was suicidal last year").
_DANGER_PHRASES = """
    call the police | ambulance | passed out | collapsed | paralytic | too drunk to stand
    broken bottle | smashed bottle | baseball bat | cricket bat | crowbar | iron bar | metal bar
    fell in the river | fallen in the river | fell in the lake | fallen in the lake | fell in the canal
    fallen in the canal | fell in the sea | fallen in the sea | fell in the water | fallen in the water
    gone under the water | went under the water
    can't even stand | cant even stand | can't stand up | cant stand up
    kill himself | kill herself | kill themselves | kill myself | end my life | end his life
    end her life | suicidal | suicide
    sort her out | sort him out | sort them out | sort you out | teach her a lesson
    teach him a lesson | do her in | do him in | finish her off | finish him off
    by force | against her will | against his will | against their will
    taking her away | taking him away | leading her away | leading him away
    won't let her go | wont let her go | won't let him go | wont let him go
    this is goodbye | saying goodbye forever | said goodbye forever | going to end it | end it all
    ending it all | wants to die | want to die | wanna die
    won't let him leave | wont let him leave | won't let her leave | wont let her leave
    won't let them leave | wont let them leave | can't leave the house | cant leave the house
    can't leave the flat | cant leave the flat | can't leave the room | cant leave the room
    not allowed to leave | being held hostage | being held captive | being held prisoner | being kept in
    locked him in | locked her in | locked them in | tied up | tied to a | tied to the | chained up
    chained to
    finish what he started | finish what she started | finish the job | you're dead | youre dead
    you are dead | nothing left of her | nothing left of him | break your legs | break her legs
    break his legs | break your neck | break her neck | break his neck
    driving drunk | drunk driving | drink driving | drunk behind the wheel | drunk at the wheel
    driving while drunk | drunk and driving | drive off drunk | driving off drunk | drunk and about to drive
    trying to get her in | trying to get him in | trying to get her into | trying to get him into
    trying to get them into | telling her to get in | telling him to get in | to get in his car
    to get in his van | to get into his car | to get into his van | lure | luring | lured
"""

# Time that puts harm in the past, or says it is over: with none of the present signals, a weapon,
# a threat or harm words in such a message are a worry to report, not an emergency.
_OVER_PHRASES = """
    ago | years ago | months ago | weeks ago | days ago | a while ago | a while back | ages ago
    last year | last month | last week | last weekend | last night | last summer | last christmas
    last time | last term | last spring | last autumn | last winter | the other day | the other week
    the other night | yesterday | over the summer | over christmas | at christmas | in the summer
    back in | back then | in the past | previously | years back | months back | when i was
    when she was | when he was | when they were | used to | as a child | as a kid | growing up
    in 2015 | in 2016 | in 2017 | in 2018 | in 2019 | in 2020 | in 2021 | in 2022 | in 2023 | in 2024
    in 2025 | since then | a few times | three times | two times | several times | many times
    times this month | times this week | times this year | every weekend | every week | most weekends
    for weeks | for months | for years | over the past | over the last
    he's gone now | hes gone now | she's gone now | shes gone now | they've gone now | theyve gone now
    he has gone | he's gone | hes gone | she's gone | he left | she left | he has left | she has left
    they left | has moved out | moved out | was arrested | been arrested | got arrested
    police took him | police took her | police came | police have been | police were called
    it's over | its over | it is over | it stopped | it's stopped | its stopped | has stopped
    calmed down | calm now | quiet now | all quiet | safe now | fine now | ok now | okay now
    asleep now | in bed now | with me now | at my house now | at mine now | in hospital now
    is safe | are safe | she's safe | shes safe | he's safe | hes safe | they're safe | theyre safe
    moved away | moved away now | is away now | 's away now | are away now | left now | gone away
    in prison | in jail | locked up
    on bail | no longer | not anymore | not any more | nothing since | not since | hasn't since
    hasnt since | stopped now | over now | finished now | sorted now | better now
    earlier today | this morning | earlier this week | earlier on | earlier | this term
    this school year | this half term | on monday | on tuesday
    on wednesday | on thursday | on friday | on saturday | on sunday | at the weekend
    repeated | repeatedly | again and again | time after time | on and off | every so often
    she's fine | shes fine | he's fine | hes fine | they're fine | theyre fine | is fine | are fine
    she's ok | shes ok | he's ok | hes ok | they're ok | theyre ok | is ok now | are ok now
    she's okay | he's okay | they're okay | she's alright | he's alright | they're alright
    at home with me | here with me now | nothing has happened | nothing's happened | nothing happened
    nothing has happened yet | it was just messages | only messages | just messages | just texts
    finished for tonight | finished for the night | finished for the day | over for tonight
    over for the night | done for tonight | done for the night
"""

# The child is somewhere safe at this moment, or it is calm: harm words beside these are a worry
# to report. Unlike ``over`` they do not put a weapon or a threat aside (a man with a knife is a
# matter for 999 wherever the child is). Also: the child gone home with a parent ("went home with his
# mum"), and the writer having taken away what the harm came through ("i've taken her phone").
# Not "she's asleep": it may be the adult who is asleep, which is no safety for a child alone.
_SAFE_NOW_PHRASES = """
    here with me | she's with me | shes with me | they're with me | theyre with me | kids are with me
    children are with me | baby is with me | safe with me | staying with me | staying with us
    here with us | with us tonight | at ours tonight | sleeping over at ours | staying at ours
    stopping at ours | stopping with us
    been quiet | quiet tonight | quiet at the moment | quiet so far | quiet right now
    in bed tonight | asleep tonight | tucked up in bed
    police are here | police have arrived | police arrived | police got here | police are with
    police have her | police have him | police have them | with the police now | police dealt with
    police officers are with | police officers are here | officers are with | officer is with
    i'm ok | im ok | i'm okay | im okay | i'm alright | im alright | i'm fine now | im fine now
    i'm safe | im safe | we're ok | we're fine | we're safe | everyone is ok | everyone's ok
    everyone is fine | everyone's fine | everyone is safe | everyone's safe
    at school now | at school at the moment | at school today | in school now | in school today
    in class now | in class at the moment | at nursery now | at nursery today | at college now
    at work now | at work at the moment | at work right now
    she's at her nan's | shes at her nans | he's at his nan's | hes at his nans | they're at their nan's
    theyre at their nans | she's at her gran's | he's at his gran's | they're at my mum's
    theyre at my mums | she's at my mum's | shes at my mums | he's at my mum's | hes at my mums
    staying at her nan's | staying at her nans | staying at his nan's | staying at his nans
    staying at their nan's | staying at her gran's | staying at his gran's
    with her nan | with his nan | with their nan | with her gran | with his gran
    with her grandparents | with his grandparents | with their grandparents
    in my arms | back with me | back with us | safe and sound | not a scratch on
    home with his mum | home with her mum | home with their mum | home with his dad | home with her dad
    home with their dad | home with his parents | home with her parents | home with their parents
    home with his nan | home with her nan | home with his gran | home with her gran
    went home with his mum | went home with her mum | went home with his dad | went home with her dad
    i've taken her phone | ive taken her phone | i have taken her phone | i took her phone
    i've taken his phone | ive taken his phone | i have taken his phone | i took his phone
    we've taken her phone | weve taken her phone | we took her phone | we've taken his phone
    weve taken his phone | we took his phone
"""

# Habit: harm as a pattern over time ("most nights", "all the time"), or signs noticed over a while
# ("lately", "has turned up with two new phones": how signs of exploitation are told). With no word
# at all of this moment ("now", "tonight", "right now") and nothing happening now, a message about a
# habit is a worry to report: the dialogue asks whether the child is in danger right now.
_HABIT_PHRASES = """
    most nights | most evenings | most days | most mornings | most afternoons | most of the time
    nearly every night | nearly every day | almost every night | almost every day | every night
    every evening | every day | every morning | every afternoon | every other night | every other day
    night after night | day after day | week after week | all the time | quite a lot | a lot of the time
    loads of times | lots of times | so many times | on a regular basis | regularly | often | always
    usually | constantly | in the evenings | at weekends | at night time | most nights of the week
    every time | whenever
    lately | recently | of late | these days
    turned up with | turns up with | turning up with | keeps turning up | keeps coming in with
"""

# The person says the child is not in danger at this moment ("no, not immediate", "it's not an
# emergency"): like ``over``, this puts the classifier's danger call aside when nothing in the
# message is happening now. Kept apart from ``over`` because its negation is part of the phrase.
_NOT_NOW_PHRASES = """
    not immediate | not immediately | not in immediate danger | no immediate danger | not in danger
    not in any danger | no danger | not an emergency | not a emergency | no emergency | not urgent
    not an urgent | isn't urgent | isnt urgent | isn't an emergency | isnt an emergency
    not in danger right now | not in danger now | not at immediate risk | no immediate risk
    not at risk right now | not right now | not at the moment | nothing is happening now
    nothing happening now | not happening now | isn't happening now | isnt happening now
    isn't in danger | isnt in danger | isn't in immediate danger | isnt in immediate danger
    aren't in danger | arent in danger | isn't at risk right now | isnt at risk right now
    nobody is hurt | no one is hurt | nobody's hurt | no one's hurt | nobody has been hurt
    no one has been hurt | nobody got hurt | no one got hurt | nobody is hurt right now
    no one is hurt right now | nobody's hurt right now | isn't in danger right now | isnt in danger right now
    not in immediate danger right now | isnt in immediate danger right now | not an emergency right now
    not happening right now | isn't happening right now | isnt happening right now
    nothing happening right now | nothing is happening right now | nothing's happening right now
    nothing is going on | nothing going on | nothing's going on | not going on right now
    not going on now | nothing happening at the moment | nothing is happening at the moment
    not right this minute | not at this moment
"""
# fmt: on


def phrases(block: str) -> List[str]:
    """The phrases of a block written one or more a line, separated by "|"."""
    return [phrase.strip() for line in block.splitlines() for phrase in line.split("|") if phrase.strip()]


# Time long gone: only these put in the past a state that is danger whatever the hour ("she took an
# overdose back in march"); "this morning" or "last night" does not.
LONG_AGO = frozenset(
    phrases("""
    years ago | months ago | weeks ago | a while ago | a while back | ages ago | last year
    last month | last summer | last christmas | last spring | last autumn | last winter | back in
    back then | in the past | years back | months back | when i was | when she was | when he was
    when they were | used to | as a child | as a kid | growing up | in 2015 | in 2016 | in 2017
    in 2018 | in 2019 | in 2020 | in 2021 | in 2022 | in 2023 | in 2024 | in 2025 | since then
    over the summer | over christmas | for years | for months
    """)
)

_TOKENIZER = None


def _tokens(phrase: str) -> List[str]:
    """The phrase split by spaCy's own English tokenizer, so that a pattern matches what the pipeline
    sees: "isnt" is "is" + "nt", "hes" is "he" + "s", "gonna" is "gon" + "na", "step-dad" three
    tokens. spaCy is imported only when patterns are built (not by the action server)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        import spacy

        _TOKENIZER = spacy.blank("en").tokenizer
    return [token.text for token in _TOKENIZER(phrase.lower())]


def _words(phrase: str) -> List[Pattern]:
    """A case-insensitive token pattern for a phrase, split the way spaCy's English tokenizer does."""
    return [{"LOWER": piece} for piece in _tokens(phrase)]


def _phrase_patterns(label: str, phrases: Iterable[str]) -> List[Dict[str, Any]]:
    return [{"label": label, "pattern": _words(phrase), "id": phrase} for phrase in phrases]


def detail_patterns() -> List[Dict[str, Any]]:
    """Patterns for the details of a referral: phone, email, postcode, age, relationship."""
    digits = lambda regex: {"TEXT": {"REGEX": regex}}  # noqa: E731 - reads better inline
    patterns: List[Dict[str, Any]] = []

    # UK telephone numbers as people type them; the referral validator checks them strictly.
    for shape in (
        [digits(r"^(?:\+44|0044|0)\d{9,10}$")],
        [digits(r"^(?:\+44|0044|0)\d{2,4}$"), digits(r"^\d{5,8}$")],
        [digits(r"^(?:\+44|0044|0)\d{1,4}$"), digits(r"^\d{3,4}$"), digits(r"^\d{3,4}$")],
        [digits(r"^(?:\+44|0044)$"), digits(r"^\d{2,4}$"), digits(r"^\d{3,8}$")],
        [digits(r"^(?:\+44|0044)$"), digits(r"^\d{2,4}$"), digits(r"^\d{3,4}$"), digits(r"^\d{3,4}$")],
        [digits(r"^\(0\d{2,4}\)$"), digits(r"^\d{3,8}$")],
        [digits(r"^\(0\d{2,4}\)$"), digits(r"^\d{3,4}$"), digits(r"^\d{3,4}$")],
        [{"ORTH": "("}, digits(r"^0\d{2,4}\)$"), digits(r"^\d{3,8}$")],
        [{"ORTH": "("}, digits(r"^0\d{2,4}\)$"), digits(r"^\d{3,4}$"), digits(r"^\d{3,4}$")],
        [{"ORTH": "("}, digits(r"^0\d{2,4}$"), {"ORTH": ")"}, digits(r"^\d{3,8}$")],
        [{"ORTH": "("}, digits(r"^0\d{2,4}$"), {"ORTH": ")"}, digits(r"^\d{3,4}$"), digits(r"^\d{3,4}$")],
    ):
        patterns.append({"label": "phone", "pattern": shape})

    patterns.append({"label": "email", "pattern": [{"LIKE_EMAIL": True}]})

    # UK postcodes: "SO14 7LY", "so147ly", "SO14  7LY".
    outward = r"^[a-z]{1,2}\d[a-z\d]?$"
    inward = r"^\d[a-z]{2}$"
    patterns.append(
        {"label": "postcode", "pattern": [{"LOWER": {"REGEX": outward}}, {"LOWER": {"REGEX": inward}}]}
    )
    patterns.append(
        {"label": "postcode", "pattern": [{"LOWER": {"REGEX": r"^[a-z]{1,2}\d[a-z\d]?\d[a-z]{2}$"}}]}
    )

    # Ages: "7 year old", "7-year-old", "seven years old", "aged 12", "age: 12", "12yo", "12 y/o",
    # "18 month old".
    number = {"LIKE_NUM": True}
    hyphen = {"ORTH": "-", "OP": "?"}
    unit = {"LOWER": {"IN": ["year", "years", "yr", "yrs", "yo", "month", "months", "week", "weeks"]}}
    patterns.append({"label": "age", "pattern": [number, hyphen, unit, hyphen, {"LOWER": "old"}]})
    patterns.append({"label": "age", "pattern": [number, {"LOWER": {"IN": ["yo", "yrs", "yr"]}}]})
    patterns.append({"label": "age", "pattern": [number, {"LOWER": "y"}, {"ORTH": "/"}, {"LOWER": "o"}]})
    patterns.append({"label": "age", "pattern": [{"LOWER": {"REGEX": r"^\d{1,2}(?:yo|yrs?|y/o)$"}}]})
    patterns.append(
        {"label": "age", "pattern": [{"LOWER": {"REGEX": r"^\d{1,2}(?:yrs?|months?)$"}}, {"LOWER": "old"}]}
    )
    patterns.append(
        {"label": "age", "pattern": [{"LOWER": {"IN": ["aged", "age"]}}, {"ORTH": ":", "OP": "?"}, number]}
    )

    # Relationship of the person writing, or of another adult, to the child.
    patterns.extend(_phrase_patterns("relationship", phrases(_RELATIONSHIPS_PHRASES)))
    patterns.extend(
        {"label": "relationship", "pattern": [{"LOWER": word}], "id": word}
        for word in _RELATIONSHIPS_ONE_WORD
    )
    return patterns


def danger_patterns() -> List[Dict[str, Any]]:
    """Patterns for the signals of immediate danger read by ``nlp.danger``."""
    patterns: List[Dict[str, Any]] = []
    patterns.extend(_phrase_patterns("present_danger", phrases(_PRESENT_DANGER_PHRASES)))
    patterns.extend(_phrase_patterns("danger_sign", phrases(_DANGER_PHRASES)))
    patterns.extend(_phrase_patterns("over", phrases(_OVER_PHRASES)))
    patterns.extend(_phrase_patterns("safe_now", phrases(_SAFE_NOW_PHRASES)))
    patterns.extend(_phrase_patterns("habit", phrases(_HABIT_PHRASES)))
    patterns.extend(_phrase_patterns("not_now", phrases(_NOT_NOW_PHRASES)))
    patterns.extend(_phrase_patterns("urgency", phrases(_URGENCY_PHRASES)))
    patterns.extend(_phrase_patterns("hazard", phrases(_HAZARD_PHRASES)))
    patterns.extend(_phrase_patterns("alone", phrases(_ALONE_PHRASES)))
    patterns.extend(_phrase_patterns("stranger", phrases(_STRANGER_PHRASES)))

    # An overdose however it is put: "swallowed a whole pack of paracetamol", "took a load of her
    # mum's tablets", "overdosed on insulin". A danger sign, so time can put it in the past ("she
    # overdosed two years ago"), and "took his tablets this morning" (no amount) is not one.
    drugs = [
        "pills",
        "tablets",
        "paracetamol",
        "ibuprofen",
        "painkillers",
        "co-codamol",
        "codeine",
        "sleeping",
        "antidepressants",
        "sertraline",
        "insulin",
        "bleach",
        "medication",
        "meds",
    ]
    containers = ["pack", "packet", "packets", "box", "boxes", "bottle", "bottles", "strip", "strips"]
    amounts = [
        "load",
        "loads",
        "lot",
        "lots",
        "all",
        "whole",
        "handful",
        "handfuls",
        "bunch",
        "heap",
        "fistful",
        *containers,
    ]
    any_word = {"OP": "?"}
    patterns.append(
        {
            "label": "danger_sign",
            "pattern": [
                {"LOWER": {"IN": ["swallowed", "swallowing", "necked", "downed", "drank"]}},
                any_word,
                any_word,
                any_word,
                {"LOWER": {"IN": drugs + containers}},
            ],
        }
    )
    patterns.append(
        {
            "label": "danger_sign",
            "pattern": [
                {"LOWER": {"IN": ["taken", "took", "taking", "had", "eaten", "ate"]}},
                any_word,
                any_word,
                {"LOWER": {"IN": amounts}},
                *[any_word] * 5,
                {"LOWER": {"IN": drugs}},
            ],
        }
    )
    patterns.append(
        {
            "label": "danger_sign",
            "pattern": [{"LOWER": {"IN": ["overdosed", "od'd", "odd"]}}, {"LOWER": "on"}],
        }
    )

    # A weapon anywhere near a child is treated as immediate danger.
    patterns.append({"label": "danger_sign", "pattern": [{"LOWER": {"IN": _WEAPONS}}]})

    # Threats of imminent harm: "going to kill them", "gonna hurt her", "says he'll stab".
    patterns.append(
        {
            "label": "danger_sign",
            "pattern": [
                {
                    "LOWER": {
                        # "gonna" is two tokens, "gon" + "na"
                        "IN": [
                            "going",
                            "gonna",
                            "na",
                            "threatening",
                            "threatened",
                            "wants",
                            "trying",
                        ]
                    }
                },
                {"LOWER": "to", "OP": "?"},
                {"LOWER": {"IN": HARM_BASE}},
            ],
        }
    )
    patterns.append(
        {
            "label": "danger_sign",
            "pattern": [
                {"LOWER": {"IN": ["'ll", "’ll", "ll", "will", "wil"]}},
                {
                    "LOWER": {
                        "IN": [
                            "kill",
                            "murder",
                            "stab",
                            "strangle",
                            "shoot",
                            "drown",
                            "suffocate",
                            "batter",
                            "hurt",
                            "beat",
                            "smash",
                            "burn",
                        ]
                    }
                },
            ],
        }
    )
    # "about to hit her", not "about abuse"
    patterns.append(
        {
            "label": "danger_sign",
            "pattern": [{"LOWER": "about"}, {"LOWER": "to"}, {"LOWER": {"IN": HARM_BASE}}],
        }
    )
    # A child taken into a vehicle: "bundled a girl into a van", "pulling him into the car".
    patterns.append(
        {
            "label": "danger_sign",
            "pattern": [
                {"LOWER": {"IN": _TAKEN_VERBS}},
                {"OP": "?"},
                {"OP": "?"},
                {"OP": "?"},
                {"LOWER": {"IN": ["into", "in"]}},
                {"LOWER": {"IN": ["a", "the", "his", "her", "their", "some"]}, "OP": "?"},
                # "a silver car", "his big white van"
                {"OP": "?"},
                {"OP": "?"},
                {"LOWER": {"IN": ["car", "van", "vehicle", "taxi", "boot", "truck", "lorry", "motor"]}},
            ],
        }
    )
    # Killing or murder in any form is always treated as danger.
    patterns.append(
        {
            "label": "danger_sign",
            "pattern": [{"LOWER": {"IN": ["kill", "kills", "killing", "murder", "murdering"]}}],
        }
    )

    # Harm in progress: "he's hitting her", "they are beating him", "she is being hurt",
    # "hes still kicking", "is getting battered".
    aux = {"LOWER": {"IN": _PRESENT_AUX}}
    adverb = {"LOWER": {"IN": _NOW_ADVERBS}, "OP": "?"}
    patterns.append({"label": "harm_in_progress", "pattern": [aux, adverb, {"LOWER": {"IN": HARM_ING}}]})
    # "he's threatening me and the children" (not "she's threatening to move out").
    patterns.append(
        {
            "label": "harm_in_progress",
            "pattern": [
                aux,
                adverb,
                {"LOWER": "threatening"},
                {
                    "LOWER": {
                        "IN": ["me", "her", "him", "them", "us", "the", "my", "his", "their", "everyone"]
                    }
                },
            ],
        }
    )
    patterns.append(
        {
            "label": "harm_in_progress",
            "pattern": [
                aux,
                adverb,
                {"LOWER": {"IN": ["being", "getting", "gettin"]}},
                {"LOWER": {"IN": HARM_PAST}},
            ],
        }
    )
    # A young child alone or locked in/out at this moment: "the baby is alone", "kids are locked out".
    patterns.append(
        {
            "label": "harm_in_progress",
            "pattern": [
                {"LOWER": {"IN": _CHILD_WORDS}},
                {"LOWER": {"IN": [*_PRESENT_AUX, "has", "have", "been"]}, "OP": "*"},
                adverb,
                {"LOWER": {"IN": ["left", "home"]}, "OP": "?"},
                {"LOWER": {"IN": ["alone", "locked", "stuck", "trapped", "missing"]}},
            ],
        }
    )

    # Shut out or in at this moment: "she is locked outside", "they've been left alone".
    patterns.append(
        {
            "label": "harm_in_progress",
            "pattern": [
                {"LOWER": {"IN": [*_PRESENT_AUX, "has", "have", "'ve", "’ve", "been"]}, "OP": "+"},
                adverb,
                {"LOWER": {"IN": ["locked", "shut", "trapped", "stuck"]}},
                {"LOWER": {"IN": ["out", "outside", "in", "inside"]}},
            ],
        }
    )
    patterns.append(
        {
            "label": "harm_in_progress",
            "pattern": [
                {"LOWER": {"IN": [*_PRESENT_AUX, "has", "have", "'ve", "’ve", "been"]}, "OP": "+"},
                adverb,
                {"LOWER": "left"},
                {"LOWER": {"IN": ["home", "all"]}, "OP": "?"},
                {"LOWER": {"IN": ["alone", "unattended", "unsupervised"]}},
            ],
        }
    )
    # "he's home by himself", "they've been left on their own", "she is at home on her own", "the
    # toddler is on his own".
    for alone in ("by himself", "by herself", "by themselves", "on his own", "on her own", "on their own"):
        patterns.append(
            {
                "label": "harm_in_progress",
                "pattern": [
                    {"LOWER": {"IN": _CHILD_WORDS}},
                    {"LOWER": {"IN": [*_PRESENT_AUX, "has", "have", "been"]}, "OP": "+"},
                    adverb,
                    {"LOWER": {"IN": ["left", "home"]}, "OP": "?"},
                    {"LOWER": "all", "OP": "?"},
                    *_words(alone),
                ],
            }
        )
        patterns.append(
            {
                "label": "harm_in_progress",
                "pattern": [
                    {"LOWER": {"IN": [*_PRESENT_AUX, "has", "have", "'ve", "’ve", "been"]}, "OP": "+"},
                    adverb,
                    {"LOWER": "left", "OP": "?"},
                    {"LOWER": "at", "OP": "?"},
                    {"LOWER": {"IN": ["home", "left"]}},
                    {"LOWER": "all", "OP": "?"},
                    *_words(alone),
                ],
            }
        )

    # Harm of any tense; with an urgency word it means danger.
    patterns.append({"label": "harm", "pattern": [{"LOWER": {"IN": HARM_ANY}}]})
    patterns.append({"label": "distress", "pattern": [{"LOWER": {"IN": _DISTRESS}}]})
    patterns.extend(_phrase_patterns("distress", phrases(_DISTRESS_PHRASES)))
    return patterns


def all_patterns() -> List[Dict[str, Any]]:
    return detail_patterns() + danger_patterns()
