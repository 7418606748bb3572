"""The answer to each referral question, checked: free text, names, contact details, the child's
age and date of birth, and the choices (harm, how the person knows, consent, anonymity, categories).

Each validator takes what the person typed (or a button payload) and returns a ``Checked``
(``answers.py``). The limits and the lists of values come from the contract (``contract.py``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, List, Optional, Sequence, Text

import email_validator
import phonenumbers

from actions.referral.answers import (
    SAY_IF_UNSURE,
    SKIPPED,
    UNKNOWN,
    Checked,
    as_key,
    choose,
    clean_text,
    invalid,
    is_skip,
    is_unknown,
    not_known_or_skipped,
    occurrences,
    ok,
    payload_values,
    phrases_of,
    words_of,
)
from actions.referral.contract import (
    CATEGORIES,
    CONSENT_ANSWERS,
    EMAIL_MAX,
    EMAIL_PATTERN,
    FIELD_LIMITS,
    HARMED_ANSWERS,
    KNOWLEDGE_SOURCES,
    NAME_MAX,
    PARENTS_AWARE_ANSWERS,
    PHONE_PATTERN,
    same_as_contract,
)

# --- free text and names -------------------------------------------------------------------------


def validate_text(text: Any, limit: int, *, single_line: bool = False) -> Checked:
    """Free text for a field that holds up to ``limit`` characters (use ``FIELD_LIMITS[field]``).

    The text is cleaned (``clean_text``) and kept as typed otherwise, HTML included. Too long is
    refused with the count rather than cut, so nothing the person wrote is silently lost.
    """
    special = not_known_or_skipped(text)
    if special:
        return special
    cleaned = clean_text(text, single_line=single_line)
    if not cleaned:
        return invalid(
            f"Sorry, I didn't get any words there. Could you type your answer again? {SAY_IF_UNSURE}"
        )
    if len(cleaned) > limit:
        return invalid(
            f"That is {len(cleaned):,} characters, and the most I can take here is {limit:,}. "
            "Could you shorten it, keeping the most important part?"
        )
    return ok(cleaned)


def validate_name(text: Any, limit: int = NAME_MAX) -> Checked:
    """A person's name, on one line, up to ``limit`` characters (the contract's name length).

    Any name is accepted as written: letters from any script, hyphens, apostrophes, one word or
    several. The only refusals are an empty answer and one too long to be a name.
    """
    special = not_known_or_skipped(text)
    if special:
        return special
    cleaned = clean_text(text, single_line=True)
    if not cleaned:
        return invalid(f"Sorry, I didn't catch a name there. Could you type it again? {SAY_IF_UNSURE}")
    if len(cleaned) > limit:
        return invalid(
            f"That is longer than I can take for a name ({limit:,} characters at most). "
            "Could you give just the name?"
        )
    return ok(cleaned)


def validate_reason_not_sought(text: Any) -> Checked:
    """Why a professional did not ask for parental consent, in their words."""
    return validate_text(text, FIELD_LIMITS["reason_not_sought"])


# --- contact details -----------------------------------------------------------------------------

_EMAIL_CANDIDATE = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")


def validate_email(text: Any) -> Checked:
    """An email address, found in the answer ("it's priya@example.org") and normalised.

    Checked for form only (email-validator, no DNS look-up, so it works offline); the domain is
    lower-cased, the local part kept as typed.
    """
    special = not_known_or_skipped(text)
    if special:
        return special
    found = _EMAIL_CANDIDATE.search(clean_text(text, single_line=True))
    again = "Could you check it? You can also say \u201cskip\u201d."
    if not found:
        return invalid(
            f"That doesn't look like an email address: it should look like name@example.org. {again}"
        )
    try:
        address = email_validator.validate_email(found.group(0).rstrip("."), check_deliverability=False)
    except email_validator.EmailNotValidError:
        return invalid(f"That email address doesn't look quite right. {again}")
    normalized = address.normalized
    if len(normalized) > EMAIL_MAX or not EMAIL_PATTERN.match(normalized):
        return invalid(f"That email address doesn't look quite right. {again}")
    return ok(normalized)


def validate_uk_phone(text: Any) -> Checked:
    """A UK phone number, stored in the national format people read and dial: "07400 123456",
    "023 8083 3336".

    National format rather than E.164 because the number is only ever a UK number (+44 is implied),
    MASH staff phone back from UK phones, and the person checks it in the summary in the form they
    typed it. Numbers typed as +44 or 0044 are accepted and shown the same way. "Valid" is
    libphonenumber's: a number in the +44 plan (which includes the Channel Islands and the Isle of
    Man) that could be allocated. Ofcom's drama numbers (07700 900xxx) are not valid numbers.
    """
    special = not_known_or_skipped(text)
    if special:
        return special
    cleaned = clean_text(text, single_line=True)
    candidates: List[phonenumbers.PhoneNumber] = []
    try:
        candidates.append(phonenumbers.parse(cleaned, "GB"))
    except phonenumbers.NumberParseException:
        pass
    candidates.extend(match.number for match in phonenumbers.PhoneNumberMatcher(cleaned, "GB"))
    for number in candidates:
        if number.country_code == 44 and phonenumbers.is_valid_number(number):
            number.extension = None
            formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            if PHONE_PATTERN.match(formatted):
                return ok(formatted)
    if any(phonenumbers.is_valid_number(number) for number in candidates):
        return invalid(
            "That looks like a number outside the UK, and I can only take a UK number here. "
            "Could you give a UK number? You can also say \u201cskip\u201d."
        )
    return invalid(
        "That doesn't look like a UK phone number. A mobile starts 07 and a landline 01, 02 or 03, "
        "with 10 or 11 digits in all. Could you check it? You can also say \u201cskip\u201d."
    )


# --- the child's age and date of birth -----------------------------------------------------------

_NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"nought": 0}
_YEAR_UNITS = frozenset("year years yr yrs yo y".split())
_MONTH_UNITS = frozenset("month months mth mths mnth mnths mo mos m".split())
_WEEK_UNITS = frozenset("week weeks wk wks w".split())
_DAY_UNITS = frozenset("day days d".split())
_SCHOOL_YEAR_WORDS = frozenset({"year", "yr"})
# ASCII digits only: "²" or "٣" are digits to Python's \d but not numbers float() reads.
_AGE_TOKENS = re.compile(r"-?[0-9]+(?:\.[0-9]+)?|[^\W\d_]+")
# More digits than this is no age at all (and would not fit a float).
_AGE_DIGITS_AT_MOST = 6


def validate_age(text: Any) -> Checked:
    """A child's age in whole years, 0 to 17.

    Takes digits or words and the usual ways of saying it: "7", "seven", "7 year old", "aged 12",
    "7yo", "about 10". Months, weeks and days count as the whole years they make: "18 months" is 1,
    "6 months", "3 weeks" and "newborn" are 0. "7 or 8" takes the first number, 7. "Year 7" is a
    school year, so the person is asked for the age instead. 18 or over, or below 0, is asked again:
    this service is about children under 18.
    """
    if isinstance(text, bool):
        return invalid(f"Could you give the child's age as a number, like 7? {SAY_IF_UNSURE}")
    if isinstance(text, int):
        return _age_in_range(text)
    special = not_known_or_skipped(text)
    if special:
        return special
    lowered = clean_text(text, single_line=True).casefold()
    if re.search(r"\bnew\s*-?\s*born\b", lowered):
        return ok(0)
    tokens = _AGE_TOKENS.findall(lowered)
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        before = tokens[index - 1] if index else ""
        if token in ("a", "an") and following in _YEAR_UNITS | _MONTH_UNITS | _WEEK_UNITS | _DAY_UNITS:
            amount = 1.0
        elif token in _NUMBER_WORDS:
            amount = float(_NUMBER_WORDS[token])
        elif token[0] in "0123456789-":
            if len(token.lstrip("-").split(".")[0]) > _AGE_DIGITS_AT_MOST:
                return _age_in_range(-1 if token.startswith("-") else 99)
            amount = float(token)
        else:
            continue
        if before in _SCHOOL_YEAR_WORDS and following not in _YEAR_UNITS | {"old"}:
            return invalid(
                "That sounds like a school year. Could you give the child's age in years instead, "
                f"like 11? {SAY_IF_UNSURE}"
            )
        if amount < 0:
            return _age_in_range(-1)
        if following in _MONTH_UNITS:
            amount /= 12
        elif following in _WEEK_UNITS:
            amount /= 52
        elif following in _DAY_UNITS:
            amount /= 365
        return _age_in_range(int(amount))
    return invalid(
        f"Sorry, I couldn't find an age in that. Could you give it as a number, like 7? {SAY_IF_UNSURE}"
    )


def _age_in_range(age: int) -> Checked:
    if 0 <= age <= 17:
        return ok(age)
    return invalid(
        "I can take an age from 0 to 17 here, because this is about a child under 18. "
        f"Could you check the age? {SAY_IF_UNSURE}"
    )


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO_DATE = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
_NUMERIC_DATE = re.compile(
    r"\b(?P<d>\d{1,2})(?:\s*[/.\-]\s*|\s+)(?P<m>\d{1,2})(?:\s*[/.\-]\s*|\s+)(?P<y>\d{4}|\d{2})\b"
)
_DAY_MONTH_DATE = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH_NAMES})\b\.?,?\s*(?P<y>\d{{4}}|\d{{2}})\b"
)
_MONTH_DAY_DATE = re.compile(
    rf"\b(?P<m>{_MONTH_NAMES})\b\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b"
)


def validate_date_of_birth(text: Any, *, today: Optional[date] = None) -> Checked:
    """A child's date of birth, stored as ISO 8601 ("2015-09-14").

    UK day-first: "14/09/2015", "14-9-15", "14.09.2015", "14 09 2015", "14th September 2015",
    "14 Sept 15"; also "September 14, 2015" and "2015-09-14", which cannot be misread. Two-digit
    years are this century unless that would be in the future. A date in the future, or one that
    makes the child 18 or over on ``today`` (default: the clock's date), is asked again, as is a
    date that does not exist ("31/02/2015", or a US-style "09/14/2015").
    """
    today = today or date.today()
    if isinstance(text, datetime):
        text = text.date()
    if isinstance(text, date):
        return _birth_date_in_range(text, today)
    special = not_known_or_skipped(text)
    if special:
        return special
    lowered = clean_text(text, single_line=True).casefold()
    for pattern in (_ISO_DATE, _NUMERIC_DATE, _DAY_MONTH_DATE, _MONTH_DAY_DATE):
        found = pattern.search(lowered)
        if not found:
            continue
        day, month, year = found.group("d"), found.group("m"), found.group("y")
        month_number = _MONTHS[month] if month in _MONTHS else int(month)
        year_number = int(year)
        if len(year) == 2:
            year_number += 2000 if 2000 + year_number <= today.year else 1900
        try:
            born = date(year_number, month_number, int(day))
        except ValueError:
            return invalid(
                "There's no such date. Could you check it? Please give the day first, then the month "
                f"and year, like 14/09/2015. {SAY_IF_UNSURE}"
            )
        return _birth_date_in_range(born, today)
    return invalid(
        "Sorry, I couldn't read that as a date. Could you give the day, month and year, like "
        f"14/09/2015? {SAY_IF_UNSURE}"
    )


def _birth_date_in_range(born: date, today: date) -> Checked:
    if born > today:
        return invalid(f"That date is in the future. Could you check the date of birth? {SAY_IF_UNSURE}")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age >= 18:
        return invalid(
            "That would make them 18 or over, and this is about a child under 18. "
            f"Could you check the date? {SAY_IF_UNSURE}"
        )
    return ok(born.isoformat())


_HARMED_CHOICES = {
    "yes": phrases_of("""
        yes | harmed | hurt | injured | at risk | has been harmed | been hurt | is at risk | in danger
        i think so | probably | definitely | bruises | bruised | they have | he has | she has
    """),
    "no": phrases_of("no | not harmed | not hurt | not at risk | no risk | neither | has not | hasnt"),
    "not_sure": phrases_of("""
        not sure | maybe | possibly | perhaps | might be | might have | could be | could have
        dont think so | i dont think so | hard to say | cant tell | unsure | dont know | not really
    """),
}


def validate_harmed_or_at_risk(text: Any) -> Checked:
    """Has the child been harmed, or are they at risk of harm: "yes", "no" or "not_sure".

    "I don't know" is "not_sure", and so is a hedged answer ("maybe", "I don't think so").
    """
    return choose(
        text,
        _HARMED_CHOICES,
        reask="Sorry, I didn't follow. Do you think the child has been harmed, or is at risk of harm? "
        "You can answer yes, no or not sure.",
        if_unknown="not_sure",
        yes="yes",
        no="no",
    )


_KNOWLEDGE_CHOICES = {
    "witnessed": phrases_of("""
        witnessed | i witnessed | witness | saw | seen | i saw | i saw it | ive seen | i have seen
        saw it myself | seen it myself | with my own eyes | i heard it | heard it myself | i heard
        heard | myself | i was there | noticed | i noticed
    """),
    "child_told_me": phrases_of("""
        child told me | the child told me | told me | she told me | he told me | they told me | disclosed
        disclosure | said to me | the child said | child said | she said | he said | kid told me
        my son told me | my daughter told me | the boy told me | the girl told me | a pupil told me
        pupil told me | child told | the child | the child told
    """),
    "heard_from_someone_else": phrases_of("""
        someone told me | somebody told me | someone else | somebody else | someone else told me
        heard from | i heard from | heard it from | i heard it from | i was told | was told | told by
        rumour | rumours | rumor | people are saying | people say | a friend told me | my friend told me
        friend told me | a neighbour told me | another parent | second hand | secondhand | word of mouth
        their mum told me | his mum told me | her mum told me | their dad told me | his dad told me
        her dad told me | someone
    """),
}


def validate_knowledge_source(text: Any) -> Checked:
    """How the person knows: "witnessed", "child_told_me" or "heard_from_someone_else".

    "I don't know" or "skip" leaves it unknown (null in the contract).
    """
    return choose(
        text,
        _KNOWLEDGE_CHOICES,
        reask="Sorry, I didn't follow. How do you know about this: did you see or hear it yourself, "
        "did the child tell you, or did someone else tell you?",
    )


_PARENTS_AWARE_CHOICES = {
    "yes": phrases_of("""
        yes | they know | they do | aware | they are aware | informed | told them | i told them
        weve told them | spoken to them | spoke to them | discussed | they have been told | mum knows
        dad knows | parents know | the parents know
    """),
    "no": phrases_of("""
        no | they dont know | they do not know | not aware | unaware | not told | not been told
        havent told | have not told | not informed | not yet | dont know about it
    """),
    "unknown": phrases_of("not sure | dont know | unknown | no idea"),
}


def validate_parents_aware(text: Any) -> Checked:
    """Do the adults with parental responsibility know about the concern: "yes", "no" or "unknown"."""
    return choose(
        text,
        _PARENTS_AWARE_CHOICES,
        reask="Sorry, I didn't follow. Do the adults with parental responsibility know about your "
        "concern? You can answer yes, no or not sure.",
        if_unknown="unknown",
        yes="yes",
        no="no",
    )


_CONSENT_CHOICES = {
    "yes": phrases_of("""
        yes | given | consent given | they consented | consented | they agreed | agreed | gave consent
        they gave consent | happy for | they are happy | have consent | got consent | with consent
    """),
    "no": phrases_of("""
        no | refused | they refused | declined | they declined | said no | they said no | did not agree
        didnt agree | not given | withheld | consent refused | no consent | dont consent | do not consent
        not happy
    """),
    "not_sought": phrases_of("""
        not sought | not asked | didnt ask | did not ask | havent asked | have not asked | not yet asked
        not yet | havent | have not | wont ask | will not ask | cant ask | could not ask | couldnt ask
        greater risk | put the child at risk | at risk | unsafe | not safe | risk
    """),
}


def validate_consent_given(text: Any) -> Checked:
    """Have the adults with parental responsibility consented: "yes", "no" or "not_sought".

    "I don't know" is "not_sought": consent the referrer cannot confirm was not sought by them.
    An answer that gives risk as the reason ("asking would put her at risk") is "not_sought" too.
    """
    return choose(
        text,
        _CONSENT_CHOICES,
        reask="Sorry, I didn't follow. Have the adults with parental responsibility agreed to this "
        "being shared? You can answer yes, no, or that you have not asked them.",
        if_unknown="not_sought",
        yes="yes",
        no="no",
    )


_ANONYMOUS_CHOICES = {
    True: phrases_of("""
        yes | anonymous | stay anonymous | i want to stay anonymous | keep me anonymous | anon
        anonymously | no name | no names | dont want to give my name | not give my name
        without my name | dont name me
    """),
    False: phrases_of("""
        no | not anonymous | dont want to be anonymous | dont need to be anonymous | give my name
        ill give my name | i will give my name | happy to give my name | im happy to give my name
        you can have my name | named | dont mind | i dont mind | happy to be contacted | contact me
        happy to give
    """),
}


def validate_anonymous(text: Any) -> Checked:
    """Does a member of the public want to stay anonymous: True or False.

    "Rather not say" is True: when someone would rather not say, the private choice is the safe one.
    "Not sure" is asked again, with what staying anonymous means.
    """
    if isinstance(text, bool):
        return ok(text)
    checked = choose(
        text,
        _ANONYMOUS_CHOICES,
        reask="Staying anonymous means your name and contact details are not taken or sent. "
        "Would you like to stay anonymous? Please answer yes or no.",
        yes=True,
        no=False,
    )
    if checked.status == SKIPPED:
        return ok(True)
    if checked.status == UNKNOWN:
        return invalid(
            "That's fine. Staying anonymous means your name and contact details are not taken or "
            "sent. Would you like to stay anonymous? Please answer yes or no."
        )
    return checked


_CATEGORY_WORDS = {
    "physical": phrases_of("""
        physical | physically | hit | hits | hitting | beat | beats | beating | beaten | punch | punched
        punches | punching | kick | kicked | kicks | kicking | slap | slapped | slaps | slapping | smack
        smacked | smacks | smacking | bruise | bruises | bruised | bruising | burn | burns | burned | burnt
        injury | injuries | injured | hurt | hurts | hurting | violence | violent | shake | shaken
        shaking | shook | strangle | strangled | choke | choked | grab | grabbed | push | pushed
        shoved | thrown | threw | bite | bitten | black eye | marks | broken arm | broken bone
    """),
    "emotional": phrases_of("""
        emotional | emotionally | shout | shouts | shouting | shouted | scream | screams | screaming
        screamed | yell | yells | yelling | yelled | swear | swears | swearing | belittle | belittles
        belittling | humiliate | humiliated | humiliating | threaten | threatens | threatened
        threatening | threats | bully | bullied | bullying | scared | frightened | terrified
        called names | calls her names | calls him names | isolated | controlling | domestic abuse
        domestic violence | rejected | hates | worthless | mental abuse | verbal abuse | verbally
        verbal | psychological | psychologically
    """),
    "sexual": phrases_of("""
        sexual | sexually | sex | touch | touches | touched | touching | rape | raped | groom | groomed
        grooming | porn | pornography | nude | nudes | naked | indecent | molest | molested | cse
        sexual exploitation | exposed himself | exposing | flashing
    """),
    "neglect": phrases_of("""
        neglect | neglected | neglecting | neglectful | hungry | starving | starved | no food | not fed
        never fed | unfed | dirty | filthy | unwashed | smelly | smells | left alone | home alone
        on their own | on his own | on her own | alone | unsupervised | no heating | cold | thin clothes
        no coat | not clean | head lice | lice | malnourished | no one looking after | nobody looking after
        not looked after
    """),
    "other": phrases_of("""
        other | something else | exploitation | exploited | county lines | drugs | gang | gangs
        radicalisation | radicalised | radicalization | radicalized | extremism | extremist | fgm
        forced marriage | self harm | selfharm | self harming | trafficking | trafficked | missing
        runaway | running away | online | alcohol | mental health
    """),
    "not_sure": phrases_of("not sure | unsure | dont know | no idea"),
}
_NEGATIONS = frozenset(
    "not no never dont doesnt didnt isnt wasnt arent werent without hasnt havent hadnt wont".split()
)


def _categories_in(words: Sequence[Text]) -> List[Text]:
    found = set()
    for category, phrases in _CATEGORY_WORDS.items():
        for phrase in phrases:
            for position in occurrences(words, phrase):
                negated = phrase[0] not in _NEGATIONS and _NEGATIONS.intersection(
                    words[max(0, position - 2) : position]
                )
                if not negated:
                    found.add(category)
    if len(found) > 1:
        found.discard("not_sure")
    return [c for c in CATEGORIES if c in found]


def validate_categories(answer: Any) -> Checked:
    """The kinds of concern, as the contract's categories in its order.

    Takes button payloads (``/inform{"categories": ["physical", "neglect"]}``), the values
    themselves ("not_sure", or a list of them), and free text, matched on everyday words: "he hits
    her and she's always hungry" is physical and neglect. A word just after "not" or "no" does not
    count ("not sexual, he shouts" is emotional); when unsure, a word counts rather than not.
    "I don't know" is ["not_sure"]; "skip" is skipped (an empty list in the contract).
    """
    items = list(answer) if isinstance(answer, (list, tuple, set, frozenset)) else [answer]
    found: set = set()
    skipped = False
    for item in items:
        if item is None:
            continue
        values = payload_values(item) or [item]
        for value in values:
            key = as_key(value)
            if key in CATEGORIES:
                found.add(key)
            elif key == "something_else":
                found.add("other")
            elif is_skip(value):
                skipped = True
            elif is_unknown(value):
                found.add("not_sure")
            else:
                found.update(_categories_in(words_of(value)))
    if len(found) > 1:
        found.discard("not_sure")
    if found:
        return ok([c for c in CATEGORIES if c in found])
    if skipped:
        return Checked(SKIPPED)
    return invalid(
        "Sorry, I couldn't tell which kind of worry that is. You can choose one or more: physical, "
        "emotional, sexual, neglect, something else, or not sure."
    )


same_as_contract("harm answers", _HARMED_CHOICES, HARMED_ANSWERS)
same_as_contract("knowledge sources", _KNOWLEDGE_CHOICES, KNOWLEDGE_SOURCES)
same_as_contract("parents aware answers", _PARENTS_AWARE_CHOICES, PARENTS_AWARE_ANSWERS)
same_as_contract("consent answers", _CONSENT_CHOICES, CONSENT_ANSWERS)
same_as_contract("categories", _CATEGORY_WORDS, CATEGORIES)
