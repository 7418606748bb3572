"""Whether a message reads as a child or young person writing about themselves.

Children rarely say their age: they write "my stepdad hits me when mum's at work", "i'm scared to
go home", "can i live somewhere else". A message reads as a child's own when it is about the
writer ("me", "myself", "i'm scared", "i cut myself") and their family, home or body, or when the
writer wishes they were dead or gone ("i wish i wouldn't wake up"), and nothing in it says the
writer is an adult speaking of a child ("my son", "my pupil", "the child", "when i was little",
"i'm a teacher"). Used by the safety net to point a child to Childline; an
adult worried about a child is left as they are. Pure functions over the spaCy tokens.

It also tells the writer saying who they are ("i'm a teacher", "health visitor here") from a
message that names someone else in a role ("the police are here now, i'm sat with an officer"):
only the first answers "which of these describes you?".
"""

from __future__ import annotations

import re
from typing import List, Sequence

from spacy.tokens import Doc

from nlp.patterns import phrases

# The writer as the one harmed, afraid or in need.
_ABOUT_ME = [
    tuple(phrase.split())
    for phrase in phrases("""
    me | myself | i'm scared | im scared | i am scared | i'm frightened | im frightened | i am frightened
    i'm afraid | im afraid | i am afraid | i'm terrified | im terrified | i don't feel safe
    i dont feel safe | i do not feel safe | i'm not safe | im not safe | i feel unsafe | i'm hungry
    im hungry | i'm starving | im starving | i cut | i self harm | i selfharm | i self-harm
    i hurt myself | i want to die | i wanna die | i ran away | i run away | i want to run away
    i wanna run away | i want to leave | i wanna leave | can i live | could i live | i can't go home
    i cant go home | i don't want to go home | i dont want to go home | i dont wanna go home
    i have nowhere | ive got nowhere | i've got nowhere | i got nowhere | i'm being | im being
    i get hit | i get beaten | i get hurt | i'm not allowed | im not allowed | i'm always | im always
    i have to look after | i hate my | i'm stuck | im stuck | i'm locked | im locked
    live with my | go and live | live somewhere else | stay somewhere else | move out of home
""")
]
# The writer wishing they were dead or gone, or hurting themselves: said in this service by a young
# person far more than by an adult worried about a child, so it needs no family or home beside it
# ("sometimes i just wish i wouldnt wake up"). An adult speaking of a child still says so ("my son").
_IN_DESPAIR = re.compile(
    r"\bi (?:just |sometimes |really |honestly )?(?:wish|wished) i (?:(?:would ?n'?t|wouldnt|didn'?t|didnt|"
    r"did not|could ?n'?t) (?:wake up|exist)|was(?:n'?t| not)? ?(?:dead|here|around|born|never born)|"
    r"were(?:n'?t| not)? ?(?:dead|here|around)|could (?:disappear|die|just disappear)|"
    r"had never been born|was never born|(?:would|could) die|could just die)\b"
    r"|\bi (?:just |really )?(?:want|wanna|wanted) to (?:die|kill myself|end it|end my life|disappear|"
    r"not (?:be here|exist|wake up))\b"
    r"|\bi (?:don'?t|dont|do not) (?:want|wanna) to (?:be here|be alive|live|wake up|exist)(?: any ?more)?\b"
    r"|\b(?:kill|killing|hurt|hurting|harm|harming) myself\b|\bend my life\b"
    r"|\b(?:everyone|everybody|they|people) (?:would|'d) be better off without me\b"
    r"|\bno(?:body| one|one) would (?:miss|notice|care if) (?:me|i)\b"
    r"|\bi(?:'m| am|m) (?:thinking|thinkin) (?:of|about) (?:ending it|killing myself|suicide)\b"
    r"|\bsuicidal\b",
    re.IGNORECASE,
)
# The writer's family, home, body or school life.
_MY_WORLD = frozenset(
    """
    mum mom mam mummy mother dad daddy father stepdad stepmum stepmom stepfather stepmother parents
    parent nan nana gran grandma grandad grandpa brother sister stepbrother stepsister uncle aunt cousin
    cousins auntie boyfriend girlfriend carer carers foster home house room bedroom flat family school
    teacher body arm arms legs leg skin face bruises bruise cuts wrist wrists
    """.split()
)
# An adult speaking of a child, or of their own past.
_ADULT_MARKERS = re.compile(
    r"\b(my|our) (son|daughter|child|children|kid|kids|baby|babies|boy|girl|toddler|grandson|granddaughter|"
    r"grandchild|grandchildren|niece|nephew|pupil|pupils|student|students|stepson|stepdaughter|"
    r"foster (child|son|daughter)|class|patient|client)s?\b"
    r"|\b(the|a|this|that|these|those) (child|children|kids?|boys?|girls?|bab(y|ies)|toddlers?|young person|"
    r"young people|pupils?|students?)\b"
    r"|\b(when|since) i was (a )?(little|young|small|kid|child|teenager|teen|\d+)\b"
    r"|\bi(?:'m| am|m) (a|an|the) (teacher|parent|mum|mom|dad|nurse|doctor|social worker|youth worker|"
    r"neighbour|neighbor|childminder|carer|foster carer|professional|police officer|gp|health visitor)\b"
    r"|\bas a (parent|teacher|professional|mum|dad|nurse)\b"
    r"|\bi(?:'m| am|m) (his|her|their|the (?:child|boy|girl|kids?)'?s?) "
    r"(mum|mom|mam|mother|dad|father|parent|nan|nana|gran|grandma|grandad|grandmother|grandfather|aunt|"
    r"auntie|uncle|carer|foster carer|stepdad|"
    r"stepmum|step dad|step mum|teacher|childminder|neighbour|neighbor|social worker|youth worker|coach)\b"
    r"|\b(teacher|nurse|gp|doctor|social worker|youth worker|childminder|health visitor|police officer|"
    r"pc|dsl|"
    r"manager|receptionist|driver|coach|midwife|paramedic|foster carer|support worker|ta|senco|head) here\b"
    r"|\bi work (at|in|for|with|as) (a|an|the)\b"
    r"|\b(my|our) (lads?|young people|young person|learners?|service users?)\b|\bone of our\b"
    r"|\b(my|our) (neighbour|neighbor|neighbours)'?s? (son|daughter|child|kid|kids|boy|girl|baby)"
    r"|\b(my|our) (\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen)[ -]?(year|yr|month)s?[ -]?old\b"
    r"|\b(my|our) (\d{1,2})(yo|yr|y/o)\b",
    re.IGNORECASE,
)


# Keeping things from one's parents, as children do: "without my mum finding out", "my dad checks my
# phone", "don't tell my parents". An adult hiding a referral from a partner says "my partner".
_HIDING_FROM_PARENTS = re.compile(
    r"\b(?:without|before) my (?:mum|mom|mam|dad|parents?|stepdad|stepmum|carers?|foster carers?|nan|gran)"
    r"(?:'s)? (?:finding out|knowing|seeing|noticing|hearing|find out|know)\b"
    r"|\bmy (?:mum|mom|mam|dad|parents|stepdad|stepmum|carers?) (?:check|checks|read|reads|look at|looks at|"
    r"go through|goes through|take|takes) my (?:phone|messages|texts)\b"
    r"|\b(?:don'?t|do not|dont|won'?t|will you|would you) tell my (?:mum|mom|mam|dad|parents|stepdad|stepmum|"
    r"carers?)\b"
    # "is it normal for your dad to call you names": a child asking about their own home
    r"|\bis it (?:normal|ok|okay|allowed|legal|right|fair) (?:for|that|when|if) (?:my|your|ur) "
    r"(?:mum|mom|mam|dad|parents?|stepdad|stepmum|step dad|step mum|carers?|foster carers?)\b",
    re.IGNORECASE,
)
# Someone else's age, or the writer keeping a child with them ("she's 13", "he's here with me"):
# the writer is an adult speaking of a child, unless they give their own age as a child too.
_ANOTHER_CHILD = re.compile(
    r"\b(?:she|he)(?:'s| is|s) (?:only |just |nearly |about )?\d{1,2}\b"
    r"|\b(?:she|he|they)(?:'s| is|s|'re| are|re) "
    r"(?:at home |home |here |safe |upstairs |downstairs )?with me\b",
    re.IGNORECASE,
)


def _words(text: str) -> List[str]:
    """Lower-case words as typed ("im", "dont" and "i'm" stay whole, unlike spaCy's tokens)."""
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())


def _has(words: Sequence[str], phrase: Sequence[str]) -> bool:
    size = len(phrase)
    return any(tuple(words[i : i + size]) == tuple(phrase) for i in range(len(words) - size + 1))


# The writer giving their own age or school year, in English and in Southampton's most spoken other
# languages: "im 13", "i'm in year 8", "mam 13 lat", "am 14 ani", "tengo 12 años", "tenho 12 anos",
# "είμαι 13 χρονών", "на 13 години съм", "عمري 13", "13 سالمه", "我13岁".
_OWN_AGE = re.compile(
    r"\b(?:i'?m|i am|im)\s+(?:only\s+|just\s+)?(?P<en>\d{1,2})\b(?!\s*(?:min|minutes|hours|mins|%|pm|am)\b)"
    r"|\b(?:i'?m|i am|im)\s+in\s+year\s+(?P<year>\d{1,2})\b"
    r"|\bmam\s+(?P<pl>\d{1,2})\s+lat"
    r"|\bam\s+(?P<ro>\d{1,2})\s+(?:de\s+)?ani"
    r"|\btengo\s+(?P<es>\d{1,2})\s+a[ñn]os"
    r"|\btenho\s+(?P<pt>\d{1,2})\s+anos"
    r"|είμαι\s+(?P<el>\d{1,2})\s+(?:χρονών|χρονων|ετών|ετων)"
    r"|\bна\s+(?P<bg>\d{1,2})\s+(?:години|г)"
    r"|عمري\s*(?P<ar>\d{1,2})"
    r"|(?P<fa>\d{1,2})\s*سالمه"
    r"|我(?:今年)?(?P<zh>\d{1,2})岁",
    re.IGNORECASE,
)
CHILD_AGE_BELOW = 18
# School years 1 to 13 are children's.
SCHOOL_YEARS = range(1, 14)


def states_own_age_as_a_child(text: str) -> bool:
    """The writer says they are under 18 ("im 13", "mam 13 lat") or in a school year."""
    for found in _OWN_AGE.finditer(text.replace("\u2019", "'")):
        groups = {name: value for name, value in found.groupdict().items() if value}
        if "year" in groups:
            return int(groups["year"]) in SCHOOL_YEARS
        if groups and int(next(iter(groups.values()))) < CHILD_AGE_BELOW:
            return True
    return False


# What only a child or young person asks about their own home ("can i live somewhere else?").
_CHILD_ASKS = re.compile(
    r"\b(?:can|could|am i allowed to|how do) i (?:go and )?(?:live|stay) (?:somewhere else|with someone else|"
    r"with my (?:nan|gran|grandma|grandad|aunt|auntie|uncle|dad|mum))\b"
    r"|\b(?:can|could|how do) i (?:leave|move out of|get out of|run away from) (?:home|my house|my family)\b"
    r"|\bi (?:want|wanna|need) to (?:live somewhere else|run away|leave home)\b"
    r"|\b(?:i'?m|im|i am) (?:too )?(?:scared|frightened|afraid) to go home\b",
    re.IGNORECASE,
)


def asks_as_a_child(text: str) -> bool:
    """A question or wish only a child or young person has about their own home ("can i live
    somewhere else", "i'm scared to go home", "is it normal for your dad to call you worthless",
    "how do i get help without my mum finding out") or about wishing themselves gone, with nothing
    saying an adult is writing: Childline answers it better than any page of the guidance."""
    text = text.replace("\u2019", "'")
    asks = _CHILD_ASKS.search(text) or _HIDING_FROM_PARENTS.search(text) or _IN_DESPAIR.search(text)
    return bool(asks) and not writes_as_adult(text)


def writes_as_adult(text: str) -> bool:
    """Something in the message says an adult is writing about a child ("my son", "my 7 year old",
    "she's home with me", "i'm a teacher"), and the writer gives no child's age of their own."""
    text = text.replace("\u2019", "'")
    if states_own_age_as_a_child(text):
        return False
    return bool(_ADULT_MARKERS.search(text) or _ANOTHER_CHILD.search(text))


def writes_as_child(doc: Doc) -> bool:
    """A child or young person writing about themselves (see the module's docstring)."""
    text = doc.text.replace("\u2019", "'")
    if _ADULT_MARKERS.search(text):
        return False
    if states_own_age_as_a_child(text):
        return True
    if _ANOTHER_CHILD.search(text):
        return False
    if _HIDING_FROM_PARENTS.search(text) or _CHILD_ASKS.search(text) or _IN_DESPAIR.search(text):
        return True
    words = _words(text)
    about_me = any(_has(words, phrase) for phrase in _ABOUT_ME)
    my_world = ("my" in words and any(word in _MY_WORLD for word in words)) or any(
        word in ("home", "house") for word in words
    )
    return about_me and my_world


# Who the writer is, in their own words: what answers "which of these describes you?". The roles
# are the ones the screening maps (actions/screening.py) and the classifier's examples use.
_ROLE_WORDS = (
    r"(?:professional|teacher|head ?teacher|head of year|head|ta|teaching assistant|senco|dsl|"
    r"designated safeguarding lead|nurse|school nurse|midwife|gp|doctor|paramedic|dentist|pharmacist|"
    r"police officer|officer|pc|pcso|police|social worker|health visitor|youth worker|support worker|"
    r"family support worker|nursery (?:worker|practitioner|manager|nurse)|childminder|practitioner|"
    r"counsellor|therapist|psychologist|coach|instructor|leader|volunteer|manager|receptionist|driver|"
    r"mentor|tutor|worker|assistant|adviser|advisor|caseworker|officer|"
    r"foster carer|kinship carer|special guardian|guardian|carer|parent|mum|mom|mam|mother|dad|father|"
    r"step ?dad|step ?mum|stepfather|stepmother|nan|nana|gran|grandma|grandad|grandmother|grandfather|"
    r"aunt|auntie|aunty|uncle|cousin|sister|brother|godmother|godfather|neighbour|neighbor|friend|"
    r"relative|member of the public)"
)
_SAYS_WHO_THEY_ARE = re.compile(
    "|".join(
        (
            # "i'm a teacher", "im the dsl at a primary", "i'm his mum", "we're her parents"
            r"\b(?:i'?m|im|i am|we'?re|we are)\s+(?:just\s+|only\s+|also\s+)?"
            r"(?:a|an|the|his|her|their|one of (?:the|her|his)|the child'?s|the kids?'?s?|the boy'?s|"
            r"the girl'?s)\s+(?:[\w'-]+\s+){0,3}?" + _ROLE_WORDS + r"s?\b",
            # "i work as a school nurse", "i work for camhs", "i'm calling from the school"
            r"\bi\s+work\s+(?:as|at|in|for|with)\b",
            r"\b(?:i'?m|im|i am)\s+(?:calling|writing|ringing)\s+from\b",
            # "school nurse here", "Police officer. Attended a domestic...", "as a teacher"
            r"\b" + _ROLE_WORDS + r"\s+here\b",
            r"^\W*(?!(?:my|our|your|his|her|their|the|a|an|this|that|me|mine)\b)(?:[\w&'-]+\s+){0,2}?"
            + _ROLE_WORDS
            + r"s?\s*[.,:;!-]",
            r"\b(?:as|speaking as)\s+(?:a|an|the|his|her|their)\s+(?:[\w-]+\s+)?" + _ROLE_WORDS + r"\b",
            # "i have parental responsibility", "she's my daughter", "not a professional"
            r"\bparental responsibility\b",
            r"\bguardianship order\b",
            r"\b(?:she|he)(?:'s| is|s) my (?:daughter|son|granddaughter|grandson|niece|nephew|child|"
            r"foster child|stepson|stepdaughter)\b",
            r"\bnot a professional\b",
            r"\bmember of the public\b",
            r"\bi live (?:next door|nearby|on the same|opposite|across|near)\b",
        )
    ),
    re.IGNORECASE,
)
# Someone else named in a role: "the police are here", "i'm sat with the lady officer", "a social
# worker came round", "my teacher said". What a child or an adult may write about who is with them.
_SOMEONE_ELSE_IN_A_ROLE = re.compile(
    r"\b(?:the|a|an|this|that|two|some|my|our|his|her|their|with|to|by)\s+(?:(?:lady|woman|female|male|man|"
    r"nice|kind|other|new|school|duty|community|local)\s+)?"
    r"(?:police|policeman|policewoman|police officers?|officers?|pcs?|pcsos?|teachers?|social workers?|"
    r"nurses?|doctors?|paramedics?|ambulance (?:crew|people)|coach|youth workers?|support workers?|"
    r"health visitors?|childminder)\b",
    re.IGNORECASE,
)


# The writer's own parent or carer ("because of my dad", "my mum's boyfriend"), with none of the
# writer's own children named: the writer is their child, not a parent or carer of the child.
_OWN_PARENT = re.compile(
    r"\bmy (?:mum|mom|mam|mummy|mother|dad|daddy|father|step ?dad|step ?mum|step ?mom|stepfather|stepmother|"
    r"parents?|carers?|foster carers?|foster (?:mum|dad|parents?))(?:'?s)?\b",
    re.IGNORECASE,
)
_OWN_CHILD = re.compile(
    r"\b(?:my|our) (?:son|daughter|child|children|kids?|baby|babies|boy|girl|toddler|grandson|granddaughter|"
    r"grandchild(?:ren)?|niece|nephew|stepson|stepdaughter|foster (?:child|son|daughter)|little ones?)s?\b",
    re.IGNORECASE,
)


def names_own_parent(text: str) -> bool:
    """The writer names their own parent or carer ("because of my dad", "its my stepmum") and none
    of their own children: a message the classifier may take for a parent saying who they are."""
    text = text.replace("\u2019", "'")
    return bool(_OWN_PARENT.search(text)) and not _OWN_CHILD.search(text)


def says_who_they_are(text: str) -> bool:
    """The writer says what they are ("i'm a teacher", "health visitor here", "i work for camhs",
    "i'm her nan", "we're his foster parents"), as opposed to naming someone else ("the police are
    here now, i'm sat with an officer")."""
    return bool(_SAYS_WHO_THEY_ARE.search(text.replace("\u2019", "'")))


def names_someone_else_in_a_role(text: str) -> bool:
    """The message names someone else as a professional: "the police are here", "i'm with the lady
    officer", "a social worker came round"."""
    return bool(_SOMEONE_ELSE_IN_A_ROLE.search(text.replace("\u2019", "'")))
