"""The referral form's pure core: answer checks, the contract payload, provisional triage, the summary.

Plain functions with no Rasa import and no I/O except reading the contract,
``contracts/referral.v1.schema.json``, once at import: the length limits and the lists of
categories below come from it, so the form and the contract cannot drift apart. The form's Rasa
actions only translate between slots and these functions.

Every validator takes what the person typed (or a button payload) and returns a ``Checked``: the
value to store, "unknown" or "skipped", or a kind reason to ask again. Free text is cleaned
(``clean_text``) but never HTML-escaped: every screen renders it as text.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Text, Tuple

import email_validator
import phonenumbers
from jsonschema import Draft202012Validator, RefResolver
from jsonschema.exceptions import ValidationError

# --- the contract --------------------------------------------------------------------------------

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "contracts" / "referral.v1.schema.json"
SCHEMA: Dict[Text, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
Draft202012Validator.check_schema(SCHEMA)
# The contract's $id is a URN, which jsonschema 4.17 cannot join "#/$defs/..." onto: its nested refs
# then resolve against "" and it tries to fetch that. Registering the schema under "" keeps every ref
# local (and the check offline).
_VALIDATOR = Draft202012Validator(
    SCHEMA,
    resolver=RefResolver.from_schema(SCHEMA, store={"": SCHEMA}),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)


def _resolve(node: Dict[Text, Any]) -> Dict[Text, Any]:
    """A schema node with its local ``$ref`` ("#/$defs/name") followed."""
    while "$ref" in node:
        target: Any = SCHEMA
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _sections() -> Dict[Text, Dict[Text, Any]]:
    """The contract's objects whose fields the form fills, by name."""
    top = SCHEMA["properties"]
    return {
        "safety": top["safety"],
        "referrer": _resolve(top["referrer"]),
        "child": _resolve(SCHEMA["$defs"]["child"]),
        "concern": _resolve(top["concern"]),
        "consent": _resolve(top["consent"]),
    }


def _field_limits() -> Dict[Text, int]:
    limits: Dict[Text, int] = {"conversation_id": SCHEMA["properties"]["conversation_id"]["maxLength"]}
    for section in _sections().values():
        for field, node in section["properties"].items():
            limit = _resolve(node).get("maxLength")
            if limit is not None and limits.setdefault(field, limit) != limit:
                raise ValueError(f"the contract gives two lengths for {field!r}")
    return limits


# The longest answer each field may hold, in characters (Unicode code points, as JSON Schema counts).
FIELD_LIMITS: Dict[Text, int] = _field_limits()
NAME_MAX = SCHEMA["$defs"]["name"]["maxLength"]
SHORT_TEXT_MAX = SCHEMA["$defs"]["short_text"]["maxLength"]
LONG_TEXT_MAX = SCHEMA["$defs"]["long_text"]["maxLength"]
EMAIL_MAX = FIELD_LIMITS["email"]
MAX_CHILDREN = SCHEMA["properties"]["children"]["maxItems"]
# Fields held to one line: the ones the contract types as a name (names, job title, school...).
SINGLE_LINE_FIELDS: FrozenSet[Text] = frozenset(
    field
    for section in _sections().values()
    for field, node in section["properties"].items()
    if node.get("$ref") == "#/$defs/name"
) | {"phone", "email"}

REFERRER_TYPES: Tuple[Text, ...] = tuple(_sections()["referrer"]["properties"]["type"]["enum"])
KNOWLEDGE_SOURCES: Tuple[Text, ...] = tuple(
    v for v in _sections()["referrer"]["properties"]["knowledge_source"]["enum"] if v is not None
)
CATEGORIES: Tuple[Text, ...] = tuple(_sections()["concern"]["properties"]["categories"]["items"]["enum"])
HARMED_ANSWERS: Tuple[Text, ...] = tuple(_sections()["concern"]["properties"]["harmed_or_at_risk"]["enum"])
PARENTS_AWARE_ANSWERS: Tuple[Text, ...] = tuple(_sections()["consent"]["properties"]["parents_aware"]["enum"])
CONSENT_ANSWERS: Tuple[Text, ...] = tuple(_sections()["consent"]["properties"]["consent_given"]["enum"])
CHANNELS: Tuple[Text, ...] = tuple(SCHEMA["properties"]["channel"]["enum"])
ABUSE_CATEGORIES: Tuple[Text, ...] = ("physical", "emotional", "sexual", "neglect")
CHILD_FIELDS: Tuple[Text, ...] = tuple(_sections()["child"]["properties"])

_PHONE_PATTERN = re.compile(_sections()["referrer"]["properties"]["phone"]["pattern"])
_EMAIL_PATTERN = re.compile(_sections()["referrer"]["properties"]["email"]["pattern"])

# What a slot holds when the person did not know, or chose not to say. A slot set to None is asked
# again by Rasa, so these two words stand in for "no answer" until the payload turns them into null.
UNKNOWN = "unknown"
SKIPPED = "skipped"

# --- text hygiene --------------------------------------------------------------------------------

_LINE_BREAKS = str.maketrans(
    {"\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"}
)
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: Any, *, single_line: bool = False) -> Text:
    """Text as it is stored: NFC, no control characters, no runs of spaces, trimmed.

    Removes NUL and every other control character except the newline (tabs become spaces) and lone
    surrogates (which cannot be stored as UTF-8). Keeps everything else as typed: emoji with their
    joiners, right-to-left text and its direction marks, accents, angle brackets. Never escapes
    HTML: the web pages insert text as text. ``single_line`` turns newlines into spaces (names).
    """
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").translate(_LINE_BREAKS)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    if single_line:
        text = text.replace("\n", " ")
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


# --- "I don't know" and "skip" -------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
_NOT_APPLICABLE = re.compile(r"^\s*n\s*[/.\\]\s*a\s*\.?\s*$", re.IGNORECASE)
# An answer of more words than this is a sentence with content, not "I don't know".
_SHORT_ANSWER_WORDS = 12


def _words(text: Any) -> List[Text]:
    """Lower-case words without apostrophes ("Don't" -> "dont"), for matching short answers."""
    text = clean_text(text, single_line=True).casefold().translate(_APOSTROPHES).replace("'", "")
    return re.findall(r"\w+", text)


def _phrases(spec: Text) -> FrozenSet[Tuple[Text, ...]]:
    """Phrases written "a | b c" as word tuples, normalised as ``_words`` normalises answers."""
    return frozenset(tuple(_words(p)) for p in re.split(r"[|\n]", spec) if _words(p))


_UNKNOWN_PHRASES = _phrases("""
    dont know | i dont know | do not know | i do not know | dont knw | dunno | i dunno | idk | dk
    no idea | i have no idea | ive no idea | ive got no idea | i got no idea | no clue | i have no clue
    not a clue | havent a clue | i havent a clue | havent got a clue | i havent got a clue
    not sure | im not sure | i am not sure | im unsure | i am unsure | unsure | unknown | not known
    not certain | im not certain | cant remember | i cant remember | cannot remember | i cannot remember
    dont remember | i dont remember | cant recall | i cant recall | no one knows | nobody knows
    i wouldnt know | wouldnt know | no way of knowing
""")
_SKIP_PHRASES = _phrases("""
    skip | skip it | skip this | skip that | skip this one | skip this question | skip question
    pass | ill pass | i pass | i will pass | skipped | move on | next question | no comment
    rather not | id rather not | i would rather not | rather not say | id rather not say
    i would rather not say | i rather not say | rather not answer | id rather not answer
    prefer not | id prefer not | i prefer not | prefer not to say | i prefer not to say
    id prefer not to say | i would prefer not to say | prefer not to answer | id prefer not to answer
    not saying | im not saying | not telling | im not telling | i dont want to say | dont want to say
    i do not want to say | i dont want to answer | dont want to answer | i dont want to give
    dont want to give | leave it blank | leave blank | none of your business
""")
# Short single words that may start a longer "I don't know ..." answer ("dunno his name").
_PREFIX_WORDS = frozenset({("dunno",), ("idk",), ("skip",)})
_LEADING_FILLERS = frozenset(
    "sorry um umm erm er uh uhm oh ah well honestly ok okay hmm hm please tbh".split()
)
_TRAILING_FILLERS = _phrases("""
    sorry | tbh | mate | please | thanks | thank you | x | xx | lol | either | yet | unfortunately
    at all | im afraid | to be honest | for now | love | hun
""")
_EVERYWHERE_FILLERS = frozenset("really honestly just actually genuinely truly totally".split())
# The words that may follow "I don't know" in an answer that only says what is missing ("I don't
# know what school he goes to"). A word outside these ("...if he hits her", "...maybe Tom", a digit)
# means the answer says something, and is kept.
_WHAT_IS_MISSING = frozenset(
    """
    his her their the a an my me mine our your you him them what where which who whose when how
    exact exactly full first last second middle name names surname surnames address addresses
    postcode street road house flat number phone mobile email contact details school nursery college
    age old date of birth dob birthday is was are were he she they it its hes shes theyre lives live
    living goes go going to at for about any anything that this one all or called happened started
    sure yet now currently right place time day there here mum dad parents parent boy girl child childs
    kid kids person man woman family say give share tell
""".split()
)
_MISSING_WORDS_AT_MOST = 6


def _without_fillers(words: List[Text]) -> List[Text]:
    words = [w for w in words if w not in _EVERYWHERE_FILLERS]
    while words and words[0] in _LEADING_FILLERS:
        words = words[1:]
    trimmed = True
    while trimmed and words:
        trimmed = False
        for filler in _TRAILING_FILLERS:
            if len(words) > len(filler) and tuple(words[-len(filler) :]) == filler:
                words = words[: -len(filler)]
                trimmed = True
                break
    return words


def _is_short_answer(text: Any, phrases: FrozenSet[Tuple[Text, ...]]) -> bool:
    """The whole answer is one of ``phrases``, give or take a "sorry", or a phrase followed by a few
    words that only say what is missing ("I don't know his surname", "skip the address")."""
    words = _words(text)
    if not words or len(words) > _SHORT_ANSWER_WORDS:
        return False
    words = _without_fillers(words)
    if tuple(words) in phrases:
        return True
    for phrase in phrases:
        if len(phrase) < 2 and phrase not in _PREFIX_WORDS:
            continue
        if tuple(words[: len(phrase)]) == phrase:
            rest = words[len(phrase) :]
            if len(rest) <= _MISSING_WORDS_AT_MOST and _WHAT_IS_MISSING.issuperset(rest):
                return True
    return False


def is_unknown(text: Any) -> bool:
    """The person does not know: "I don't know", "dunno", "no idea", "not sure", "unknown", "idk", "n/a".

    Also "I don't know her surname" (the answer only says what is missing), but not "not sure, maybe
    Tom", "don't know, 7 or 8" or "I don't know if he hits her": those say something.
    Unknown answers are stored as unknown, never as the name or text itself.
    """
    if text is None:
        return False
    if isinstance(text, str) and _NOT_APPLICABLE.match(text):
        return True
    return _is_short_answer(text, _UNKNOWN_PHRASES)


def is_skip(text: Any) -> bool:
    """The person chose not to answer: "skip", "pass", "rather not say", "prefer not to say"..."""
    return text is not None and _is_short_answer(text, _SKIP_PHRASES)


# --- what a validator returns --------------------------------------------------------------------

ACCEPTED = "ok"
INVALID = "invalid"


@dataclass(frozen=True)
class Checked:
    """What one answer became.

    ``status`` is "ok" (``value`` holds the contract's value), "unknown" or "skipped" (accepted:
    the field will be null, or the contract's own "not sure" value where it has one), or "invalid"
    (``reason`` is what to say to the person before asking again).
    """

    status: Text
    value: Any = None
    reason: Optional[Text] = None

    @property
    def accepted(self) -> bool:
        return self.status != INVALID

    @property
    def slot_value(self) -> Any:
        """What the form's slot should hold: the value, "unknown" or "skipped"; None to ask again."""
        if self.status == INVALID:
            return None
        return self.value if self.value is not None else self.status


def _ok(value: Any) -> Checked:
    return Checked(ACCEPTED, value)


def _invalid(reason: Text) -> Checked:
    return Checked(INVALID, None, reason)


def _not_known_or_skipped(text: Any) -> Optional[Checked]:
    if is_skip(text):
        return Checked(SKIPPED)
    if is_unknown(text):
        return Checked(UNKNOWN)
    return None


_SAY_IF_UNSURE = "If you're not sure, you can say \u201cI don't know\u201d, or \u201cskip\u201d."


# --- free text and names -------------------------------------------------------------------------


def validate_text(text: Any, limit: int, *, single_line: bool = False) -> Checked:
    """Free text for a field that holds up to ``limit`` characters (use ``FIELD_LIMITS[field]``).

    The text is cleaned (``clean_text``) and kept as typed otherwise, HTML included. Too long is
    refused with the count rather than cut, so nothing the person wrote is silently lost.
    """
    special = _not_known_or_skipped(text)
    if special:
        return special
    cleaned = clean_text(text, single_line=single_line)
    if not cleaned:
        return _invalid(
            f"Sorry, I didn't get any words there. Could you type your answer again? {_SAY_IF_UNSURE}"
        )
    if len(cleaned) > limit:
        return _invalid(
            f"That is {len(cleaned):,} characters, and the most I can take here is {limit:,}. "
            "Could you shorten it, keeping the most important part?"
        )
    return _ok(cleaned)


def validate_name(text: Any, limit: int = NAME_MAX) -> Checked:
    """A person's name, on one line, up to ``limit`` characters (the contract's name length).

    Any name is accepted as written: letters from any script, hyphens, apostrophes, one word or
    several. The only refusals are an empty answer and one too long to be a name.
    """
    special = _not_known_or_skipped(text)
    if special:
        return special
    cleaned = clean_text(text, single_line=True)
    if not cleaned:
        return _invalid(f"Sorry, I didn't catch a name there. Could you type it again? {_SAY_IF_UNSURE}")
    if len(cleaned) > limit:
        return _invalid(
            f"That is longer than I can take for a name ({limit:,} characters at most). "
            "Could you give just the name?"
        )
    return _ok(cleaned)


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
    special = _not_known_or_skipped(text)
    if special:
        return special
    found = _EMAIL_CANDIDATE.search(clean_text(text, single_line=True))
    again = "Could you check it? You can also say \u201cskip\u201d."
    if not found:
        return _invalid(
            f"That doesn't look like an email address: it should look like name@example.org. {again}"
        )
    try:
        address = email_validator.validate_email(found.group(0).rstrip("."), check_deliverability=False)
    except email_validator.EmailNotValidError:
        return _invalid(f"That email address doesn't look quite right. {again}")
    normalized = address.normalized
    if len(normalized) > EMAIL_MAX or not _EMAIL_PATTERN.match(normalized):
        return _invalid(f"That email address doesn't look quite right. {again}")
    return _ok(normalized)


def validate_uk_phone(text: Any) -> Checked:
    """A UK phone number, stored in the national format people read and dial: "07400 123456",
    "023 8083 3336".

    National format rather than E.164 because the number is only ever a UK number (+44 is implied),
    MASH staff phone back from UK phones, and the person checks it in the summary in the form they
    typed it. Numbers typed as +44 or 0044 are accepted and shown the same way. "Valid" is
    libphonenumber's: a number in the +44 plan (which includes the Channel Islands and the Isle of
    Man) that could be allocated. Ofcom's drama numbers (07700 900xxx) are not valid numbers.
    """
    special = _not_known_or_skipped(text)
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
            if _PHONE_PATTERN.match(formatted):
                return _ok(formatted)
    if any(phonenumbers.is_valid_number(number) for number in candidates):
        return _invalid(
            "That looks like a number outside the UK, and I can only take a UK number here. "
            "Could you give a UK number? You can also say \u201cskip\u201d."
        )
    return _invalid(
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
_AGE_TOKENS = re.compile(r"-?\d+(?:\.\d+)?|[^\W\d_]+")


def validate_age(text: Any) -> Checked:
    """A child's age in whole years, 0 to 17.

    Takes digits or words and the usual ways of saying it: "7", "seven", "7 year old", "aged 12",
    "7yo", "about 10". Months, weeks and days count as the whole years they make: "18 months" is 1,
    "6 months", "3 weeks" and "newborn" are 0. "7 or 8" takes the first number, 7. "Year 7" is a
    school year, so the person is asked for the age instead. 18 or over, or below 0, is asked again:
    this service is about children under 18.
    """
    if isinstance(text, bool):
        return _invalid(f"Could you give the child's age as a number, like 7? {_SAY_IF_UNSURE}")
    if isinstance(text, int):
        return _age_in_range(text)
    special = _not_known_or_skipped(text)
    if special:
        return special
    lowered = clean_text(text, single_line=True).casefold()
    if re.search(r"\bnew\s*-?\s*born\b", lowered):
        return _ok(0)
    tokens = _AGE_TOKENS.findall(lowered)
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        before = tokens[index - 1] if index else ""
        if token in ("a", "an") and following in _YEAR_UNITS | _MONTH_UNITS | _WEEK_UNITS | _DAY_UNITS:
            amount = 1.0
        elif token in _NUMBER_WORDS:
            amount = float(_NUMBER_WORDS[token])
        elif token[0].isdigit() or token[0] == "-":
            amount = float(token)
        else:
            continue
        if before in _SCHOOL_YEAR_WORDS and following not in _YEAR_UNITS | {"old"}:
            return _invalid(
                "That sounds like a school year. Could you give the child's age in years instead, "
                f"like 11? {_SAY_IF_UNSURE}"
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
    return _invalid(
        f"Sorry, I couldn't find an age in that. Could you give it as a number, like 7? {_SAY_IF_UNSURE}"
    )


def _age_in_range(age: int) -> Checked:
    if 0 <= age <= 17:
        return _ok(age)
    return _invalid(
        "I can take an age from 0 to 17 here, because this is about a child under 18. "
        f"Could you check the age? {_SAY_IF_UNSURE}"
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
    special = _not_known_or_skipped(text)
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
            return _invalid(
                "There's no such date. Could you check it? Please give the day first, then the month "
                f"and year, like 14/09/2015. {_SAY_IF_UNSURE}"
            )
        return _birth_date_in_range(born, today)
    return _invalid(
        "Sorry, I couldn't read that as a date. Could you give the day, month and year, like "
        f"14/09/2015? {_SAY_IF_UNSURE}"
    )


def _birth_date_in_range(born: date, today: date) -> Checked:
    if born > today:
        return _invalid(f"That date is in the future. Could you check the date of birth? {_SAY_IF_UNSURE}")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age >= 18:
        return _invalid(
            "That would make them 18 or over, and this is about a child under 18. "
            f"Could you check the date? {_SAY_IF_UNSURE}"
        )
    return _ok(born.isoformat())


# --- choices: categories, harm, how the person knows, consent ------------------------------------


def _as_key(value: Any) -> Text:
    return re.sub(r"[\s\-]+", "_", str(value).strip().casefold())


def _payload_values(value: Any) -> List[Text]:
    """The strings inside a button payload such as ``/inform{"categories": ["physical"]}``."""
    if not isinstance(value, str):
        return []
    text = value.strip()
    if not text.startswith("/") or "{" not in text:
        return []
    try:
        data = json.loads(text[text.index("{") :])
    except ValueError:
        return []
    found: List[Text] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)

    walk(data)
    return found


def _occurrences(words: Sequence[Text], phrase: Tuple[Text, ...]) -> List[int]:
    size = len(phrase)
    return [i for i in range(len(words) - size + 1) if tuple(words[i : i + size]) == phrase]


_YES_WORDS = frozenset("yes yeah yep yup yea ya aye y affirm definitely absolutely correct".split())
_NO_WORDS = frozenset("no nope nah n deny".split())


def _choose(
    text: Any,
    choices: Mapping[Any, FrozenSet[Tuple[Text, ...]]],
    *,
    reask: Text,
    if_unknown: Any = None,
    yes: Any = None,
    no: Any = None,
) -> Checked:
    """One of ``choices`` from a button payload, the value itself, or the words typed.

    In order: a payload or the contract's value ("not_sure", "not sure"); "skip"; "I don't know"
    (``if_unknown`` when the contract has a value for it, else "unknown"); the longest phrase
    found when it has two words or more ("not at risk" beats "at risk"); a first word of yes or
    no; a one-word phrase. Two phrases of the same length: the earlier one wins.
    """
    by_key = {_as_key(value): value for value in choices}
    for candidate in [*_payload_values(text), text]:
        if isinstance(candidate, (str, bool)) and _as_key(candidate) in by_key:
            return _ok(by_key[_as_key(candidate)])
    if is_skip(text):
        return Checked(SKIPPED)
    if is_unknown(text):
        return _ok(if_unknown) if if_unknown is not None else Checked(UNKNOWN)
    words = _without_fillers(_words(text))
    best: Optional[Tuple[int, int, Any]] = None  # (length, -position, value)
    for value, phrases in choices.items():
        for phrase in phrases:
            for position in _occurrences(words, phrase):
                found = (len(phrase), -position, value)
                if best is None or found[:2] > best[:2]:
                    best = found
    if best is not None and best[0] >= 2:
        return _ok(best[2])
    if words and words[0] in _YES_WORDS and yes is not None:
        return _ok(yes)
    if words and words[0] in _NO_WORDS and no is not None:
        return _ok(no)
    if best is not None:
        return _ok(best[2])
    return _invalid(reask)


_HARMED_CHOICES = {
    "yes": _phrases("""
        yes | harmed | hurt | injured | at risk | has been harmed | been hurt | is at risk | in danger
        i think so | probably | definitely | bruises | bruised | they have | he has | she has
    """),
    "no": _phrases("no | not harmed | not hurt | not at risk | no risk | neither | has not | hasnt"),
    "not_sure": _phrases("""
        not sure | maybe | possibly | perhaps | might be | might have | could be | could have
        dont think so | i dont think so | hard to say | cant tell | unsure | dont know | not really
    """),
}


def validate_harmed_or_at_risk(text: Any) -> Checked:
    """Has the child been harmed, or are they at risk of harm: "yes", "no" or "not_sure".

    "I don't know" is "not_sure", and so is a hedged answer ("maybe", "I don't think so").
    """
    return _choose(
        text,
        _HARMED_CHOICES,
        reask="Sorry, I didn't follow. Do you think the child has been harmed, or is at risk of harm? "
        "You can answer yes, no or not sure.",
        if_unknown="not_sure",
        yes="yes",
        no="no",
    )


_KNOWLEDGE_CHOICES = {
    "witnessed": _phrases("""
        witnessed | i witnessed | witness | saw | seen | i saw | i saw it | ive seen | i have seen
        saw it myself | seen it myself | with my own eyes | i heard it | heard it myself | i heard
        heard | myself | i was there | noticed | i noticed
    """),
    "child_told_me": _phrases("""
        child told me | the child told me | told me | she told me | he told me | they told me | disclosed
        disclosure | said to me | the child said | child said | she said | he said | kid told me
        my son told me | my daughter told me | the boy told me | the girl told me | a pupil told me
        pupil told me | child told | the child | the child told
    """),
    "heard_from_someone_else": _phrases("""
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
    return _choose(
        text,
        _KNOWLEDGE_CHOICES,
        reask="Sorry, I didn't follow. How do you know about this: did you see or hear it yourself, "
        "did the child tell you, or did someone else tell you?",
    )


_PARENTS_AWARE_CHOICES = {
    "yes": _phrases("""
        yes | they know | they do | aware | they are aware | informed | told them | i told them
        weve told them | spoken to them | spoke to them | discussed | they have been told | mum knows
        dad knows | parents know | the parents know
    """),
    "no": _phrases("""
        no | they dont know | they do not know | not aware | unaware | not told | not been told
        havent told | have not told | not informed | not yet | dont know about it
    """),
    "unknown": _phrases("not sure | dont know | unknown | no idea"),
}


def validate_parents_aware(text: Any) -> Checked:
    """Do the adults with parental responsibility know about the concern: "yes", "no" or "unknown"."""
    return _choose(
        text,
        _PARENTS_AWARE_CHOICES,
        reask="Sorry, I didn't follow. Do the adults with parental responsibility know about your "
        "concern? You can answer yes, no or not sure.",
        if_unknown="unknown",
        yes="yes",
        no="no",
    )


_CONSENT_CHOICES = {
    "yes": _phrases("""
        yes | given | consent given | they consented | consented | they agreed | agreed | gave consent
        they gave consent | happy for | they are happy | have consent | got consent | with consent
    """),
    "no": _phrases("""
        no | refused | they refused | declined | they declined | said no | they said no | did not agree
        didnt agree | not given | withheld | consent refused | no consent | dont consent | do not consent
        not happy
    """),
    "not_sought": _phrases("""
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
    return _choose(
        text,
        _CONSENT_CHOICES,
        reask="Sorry, I didn't follow. Have the adults with parental responsibility agreed to this "
        "being shared? You can answer yes, no, or that you have not asked them.",
        if_unknown="not_sought",
        yes="yes",
        no="no",
    )


_ANONYMOUS_CHOICES = {
    True: _phrases("""
        yes | anonymous | stay anonymous | i want to stay anonymous | keep me anonymous | anon
        anonymously | no name | no names | dont want to give my name | not give my name
        without my name | dont name me
    """),
    False: _phrases("""
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
        return _ok(text)
    checked = _choose(
        text,
        _ANONYMOUS_CHOICES,
        reask="Staying anonymous means your name and contact details are not taken or sent. "
        "Would you like to stay anonymous? Please answer yes or no.",
        yes=True,
        no=False,
    )
    if checked.status == SKIPPED:
        return _ok(True)
    if checked.status == UNKNOWN:
        return _invalid(
            "That's fine. Staying anonymous means your name and contact details are not taken or "
            "sent. Would you like to stay anonymous? Please answer yes or no."
        )
    return checked


_CATEGORY_WORDS = {
    "physical": _phrases("""
        physical | physically | hit | hits | hitting | beat | beats | beating | beaten | punch | punched
        punches | punching | kick | kicked | kicks | kicking | slap | slapped | slaps | slapping | smack
        smacked | smacks | smacking | bruise | bruises | bruised | bruising | burn | burns | burned | burnt
        injury | injuries | injured | hurt | hurts | hurting | violence | violent | shake | shaken
        shaking | shook | strangle | strangled | choke | choked | grab | grabbed | push | pushed
        shoved | thrown | threw | bite | bitten | black eye | marks | broken arm | broken bone
    """),
    "emotional": _phrases("""
        emotional | emotionally | shout | shouts | shouting | shouted | scream | screams | screaming
        screamed | yell | yells | yelling | yelled | swear | swears | swearing | belittle | belittles
        belittling | humiliate | humiliated | humiliating | threaten | threatens | threatened
        threatening | threats | bully | bullied | bullying | scared | frightened | terrified
        called names | calls her names | calls him names | isolated | controlling | domestic abuse
        domestic violence | rejected | hates | worthless | mental abuse | verbal abuse | verbally
        verbal | psychological | psychologically
    """),
    "sexual": _phrases("""
        sexual | sexually | sex | touch | touches | touched | touching | rape | raped | groom | groomed
        grooming | porn | pornography | nude | nudes | naked | indecent | molest | molested | cse
        sexual exploitation | exposed himself | exposing | flashing
    """),
    "neglect": _phrases("""
        neglect | neglected | neglecting | neglectful | hungry | starving | starved | no food | not fed
        never fed | unfed | dirty | filthy | unwashed | smelly | smells | left alone | home alone
        on their own | on his own | on her own | alone | unsupervised | no heating | cold | thin clothes
        no coat | not clean | head lice | lice | malnourished | no one looking after | nobody looking after
        not looked after
    """),
    "other": _phrases("""
        other | something else | exploitation | exploited | county lines | drugs | gang | gangs
        radicalisation | radicalised | radicalization | radicalized | extremism | extremist | fgm
        forced marriage | self harm | selfharm | self harming | trafficking | trafficked | missing
        runaway | running away | online | alcohol | mental health
    """),
    "not_sure": _phrases("not sure | unsure | dont know | no idea"),
}
_NEGATIONS = frozenset(
    "not no never dont doesnt didnt isnt wasnt arent werent without hasnt havent hadnt wont".split()
)


def _categories_in(words: Sequence[Text]) -> List[Text]:
    found = set()
    for category, phrases in _CATEGORY_WORDS.items():
        for phrase in phrases:
            for position in _occurrences(words, phrase):
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
        values = _payload_values(item) or [item]
        for value in values:
            key = _as_key(value)
            if key in CATEGORIES:
                found.add(key)
            elif key == "something_else":
                found.add("other")
            elif is_skip(value):
                skipped = True
            elif is_unknown(value):
                found.add("not_sure")
            else:
                found.update(_categories_in(_words(value)))
    if len(found) > 1:
        found.discard("not_sure")
    if found:
        return _ok([c for c in CATEGORIES if c in found])
    if skipped:
        return Checked(SKIPPED)
    return _invalid(
        "Sorry, I couldn't tell which kind of worry that is. You can choose one or more: physical, "
        "emotional, sexual, neglect, something else, or not sure."
    )


def _same_as_contract(name: Text, ours: Any, contract: Sequence[Any]) -> None:
    """Fail at import, not at a person's submit, when these tables and the contract drift apart."""
    if set(ours) != set(contract):
        raise ValueError(f"{name}: {sorted(map(str, ours))} do not match the contract's {list(contract)}")


_same_as_contract("harm answers", _HARMED_CHOICES, HARMED_ANSWERS)
_same_as_contract("knowledge sources", _KNOWLEDGE_CHOICES, KNOWLEDGE_SOURCES)
_same_as_contract("parents aware answers", _PARENTS_AWARE_CHOICES, PARENTS_AWARE_ANSWERS)
_same_as_contract("consent answers", _CONSENT_CHOICES, CONSENT_ANSWERS)
_same_as_contract("categories", _CATEGORY_WORDS, CATEGORIES)


# --- the payload ---------------------------------------------------------------------------------

_CHANNEL_NAMES = {
    "webchat": "webchat",
    "socketio": "webchat",
    "rest": "rest",
    "shell": "shell",
    "cmdline": "shell",
}
_same_as_contract("channels", set(_CHANNEL_NAMES.values()), CHANNELS)


def build_payload(
    answers: Mapping[Text, Any],
    *,
    referral_id: Any,
    conversation_id: Optional[Text],
    channel: Text,
    preview: bool,
    submitted_at: Any,
) -> Dict[Text, Any]:
    """A contract v1 referral from the form's answers (slots named after the contract's fields).

    The answers are expected to have passed the validators above; each is checked again, and one
    that still does not fit is sent as unknown (null) rather than wrong. "unknown", "skipped" and
    "I don't know" become null (or the contract's own "not sure" value where it has one). Rules:

    - an anonymous referrer carries no name, phone or email, whatever the answers held;
    - a professional is never anonymous; job title, agency and consent are for professionals only;
    - a referrer type the contract does not have is sent as "public" (a child talking about
      themselves is pointed to Childline and never reaches the form);
    - a member of the public or a parent or carer who never answered the anonymity question is
      anonymous exactly when they gave no name, phone or email;
    - immediate danger "yes" or "not_sure" (or anything but a clear "no") counts as immediate
      danger: missing a danger is far worse than a false alarm;
    - consent not answered is "unknown" / "not_sought"; harm not answered is "not_sure";
    - at least one child is sent (with every field unknown if need be), at most the contract's 20.

    ``channel`` is the contract's channel or Rasa's input channel name ("socketio", "cmdline");
    ``submitted_at`` a datetime (naive is taken as UTC) or an RFC 3339 string. The payload's
    ``provisional_triage`` is ``provisional_triage`` of the rest.
    """
    referrer_type = answers.get("referrer_type")
    if referrer_type not in REFERRER_TYPES:
        referrer_type = "public"
    professional = referrer_type == "professional"
    name = _text_field(answers.get("name"), "name")
    phone = _checked_value(validate_uk_phone, answers.get("phone"))
    email = _checked_value(validate_email, answers.get("email"))
    if professional:
        anonymous = False
    else:
        chosen = _checked_value(validate_anonymous, answers.get("anonymous"))
        anonymous = chosen if isinstance(chosen, bool) else not (name or phone or email)
    if anonymous:
        name = phone = email = None
    submitted = _timestamp(submitted_at)
    payload: Dict[Text, Any] = {
        "schema_version": "1",
        "referral_id": str(uuid.UUID(str(referral_id))),
        "submitted_at": submitted,
        "channel": _channel(channel),
        "preview": bool(preview),
        "conversation_id": _clip(conversation_id, FIELD_LIMITS["conversation_id"]),
        "safety": {
            "immediate_danger": _is_danger(answers.get("immediate_danger")),
            "advised_999": answers.get("advised_999") is True
            or _as_key(answers.get("advised_999")) in ("yes", "true"),
            "child_location_now": _text_field(answers.get("child_location_now"), "child_location_now"),
        },
        "referrer": {
            "type": referrer_type,
            "anonymous": anonymous,
            "name": name,
            "phone": phone,
            "email": email,
            "job_title": _text_field(answers.get("job_title"), "job_title") if professional else None,
            "agency": _text_field(answers.get("agency"), "agency") if professional else None,
            "relationship_to_child": _text_field(
                answers.get("relationship_to_child"), "relationship_to_child"
            ),
            "knowledge_source": _checked_value(validate_knowledge_source, answers.get("knowledge_source")),
        },
        "children": _children(answers.get("children"), today=date.fromisoformat(submitted[:10])),
        "concern": {
            "categories": _checked_value(validate_categories, answers.get("categories")) or [],
            "description": _text_field(answers.get("description"), "description"),
            "child_words": _text_field(answers.get("child_words"), "child_words"),
            "when": _text_field(answers.get("when"), "when"),
            "where": _text_field(answers.get("where"), "where"),
            "person_of_concern": _text_field(answers.get("person_of_concern"), "person_of_concern"),
            "harmed_or_at_risk": _checked_value(validate_harmed_or_at_risk, answers.get("harmed_or_at_risk"))
            or "not_sure",
        },
        "consent": _consent(answers) if professional else None,
    }
    payload["provisional_triage"] = provisional_triage(payload)
    return payload


def _checked_value(validator: Any, answer: Any) -> Any:
    if answer is None:
        return None
    checked = validator(answer)
    return checked.value if checked.status == ACCEPTED else None


def _clip(text: Any, limit: int) -> Optional[Text]:
    if text is None:
        return None
    return str(text)[:limit] or None


def _text_field(answer: Any, field: Text) -> Optional[Text]:
    """A text answer as the contract holds it; unknown, skipped and empty are None.

    Anything still longer than the contract allows (the validators ask again first) is cut to fit:
    a referral that fails the contract would not be sent at all.
    """
    if answer is None or isinstance(answer, bool) or is_unknown(answer) or is_skip(answer):
        return None
    cleaned = clean_text(answer, single_line=field in SINGLE_LINE_FIELDS)
    return cleaned[: FIELD_LIMITS[field]].rstrip() or None


def _is_danger(answer: Any) -> bool:
    if answer is None:
        return False
    if isinstance(answer, bool):
        return answer
    return _as_key(answer) not in ("no", "false", "n", "nope", "nah")


def _timestamp(submitted_at: Any) -> Text:
    if isinstance(submitted_at, datetime):
        if submitted_at.tzinfo is None:
            submitted_at = submitted_at.replace(tzinfo=timezone.utc)
        text = submitted_at.astimezone(timezone.utc).isoformat(timespec="seconds")
        return text.replace("+00:00", "Z")
    return str(submitted_at)


def _channel(channel: Text) -> Text:
    if channel not in _CHANNEL_NAMES:
        raise ValueError(f"the contract has no channel {channel!r}: add it to the contract first")
    return _CHANNEL_NAMES[channel]


def _children(answer: Any, *, today: date) -> List[Dict[Text, Any]]:
    children = (
        [child for child in (answer or []) if isinstance(child, Mapping)] if isinstance(answer, list) else []
    )
    return [_child(child, today=today) for child in children[:MAX_CHILDREN]] or [_child({}, today=today)]


def _child(answers: Mapping[Text, Any], *, today: date) -> Dict[Text, Any]:
    age = answers.get("age")
    born = answers.get("date_of_birth")
    child = {
        "name": _text_field(answers.get("name"), "name"),
        "age": _checked_value(validate_age, age),
        "date_of_birth": None
        if born is None
        else _checked_value(lambda b: validate_date_of_birth(b, today=today), born),
        "address": _text_field(answers.get("address"), "address"),
        "school": _text_field(answers.get("school"), "school"),
        "other_details": _text_field(answers.get("other_details"), "other_details"),
    }
    _same_as_contract("child fields", child, CHILD_FIELDS)
    return child


def _consent(answers: Mapping[Text, Any]) -> Dict[Text, Any]:
    given = _checked_value(validate_consent_given, answers.get("consent_given")) or "not_sought"
    return {
        "parents_aware": _checked_value(validate_parents_aware, answers.get("parents_aware")) or "unknown",
        "consent_given": given,
        "reason_not_sought": None
        if given == "yes"
        else _text_field(answers.get("reason_not_sought"), "reason_not_sought"),
    }


# --- provisional triage --------------------------------------------------------------------------

_CONCERN_NAMES = {
    "physical": "possible physical abuse",
    "emotional": "possible emotional abuse",
    "sexual": "possible sexual abuse",
    "neglect": "possible neglect",
}
_CONSENT_REASONS = {
    "yes": "parental consent given",
    "no": "parental consent refused",
    "not_sought": "parental consent not sought",
}
CHILD_IN_NEED = "complex needs: a child in need (S17) assessment may be needed"


def provisional_triage(payload: Mapping[Text, Any]) -> Dict[Text, Any]:
    """The assistant's provisional RAG rating and its reasons (ARCHITECTURE.md, Triage).

    The first rule that holds decides; reasons say which facts made it so, most telling first.

    - red (immediate risk of harm): ``safety.immediate_danger`` or ``safety.advised_999``.
      Reasons "immediate danger", "999 advised".
    - amber (the child may be suffering or has suffered abuse, not immediate): harmed or at risk
      "yes" (any category); or a disclosure: the child told the referrer (``knowledge_source``
      "child_told_me") or the child's own words are recorded (``child_words``); or an abuse
      category (physical, emotional, sexual, neglect) with harm "yes" or "not_sure". Reasons "child
      harmed or at risk", "referrer not sure whether the child is harmed or at risk", "child told
      the referrer", "child's own words recorded", "possible <category>" for each abuse category.
    - green (complex needs, a child in need (S17) assessment may be needed; consent required): an
      abuse category with harm "no"; or harm "not_sure" with no abuse category. Reasons: the
      categories, the harm answer, the child in need line and, for a professional, the consent
      answer.
    - none (below the threshold for multi-agency information gathering): harm "no", no abuse
      category and no disclosure ("other" or "not_sure" alone do not lift it).

    When in doubt, the more urgent rating: a missing harm answer counts as "not_sure". The intake
    service recomputes the rating (intake/src/intake/triage.py, the same rules except that it does
    not yet count the child's recorded words as a disclosure) and MASH decides.
    """
    safety = payload.get("safety") or {}
    referrer = payload.get("referrer") or {}
    concern = payload.get("concern") or {}
    harmed = concern.get("harmed_or_at_risk") or "not_sure"
    chosen = set(concern.get("categories") or [])
    abuse = [c for c in ABUSE_CATEGORIES if c in chosen]
    not_sure_of_harm = "referrer not sure whether the child is harmed or at risk"

    red = []
    if safety.get("immediate_danger"):
        red.append("immediate danger")
    if safety.get("advised_999"):
        red.append("999 advised")
    if red:
        return {"rag": "red", "reasons": red}

    disclosure = []
    if referrer.get("knowledge_source") == "child_told_me":
        disclosure.append("child told the referrer")
    if concern.get("child_words"):
        disclosure.append("child's own words recorded")
    if harmed == "yes" or disclosure or (abuse and harmed != "no"):
        reasons = []
        if harmed == "yes":
            reasons.append("child harmed or at risk")
        elif harmed == "not_sure":
            reasons.append(not_sure_of_harm)
        reasons += disclosure + [_CONCERN_NAMES[c] for c in abuse]
        return {"rag": "amber", "reasons": reasons}

    if abuse or harmed != "no":
        reasons = [_CONCERN_NAMES[c] for c in abuse]
        reasons.append(
            "referrer does not think the child is harmed or at risk" if harmed == "no" else not_sure_of_harm
        )
        reasons.append(CHILD_IN_NEED)
        consent = payload.get("consent") or {}
        if referrer.get("type") == "professional" and consent.get("consent_given") in _CONSENT_REASONS:
            reasons.append(_CONSENT_REASONS[consent["consent_given"]])
        return {"rag": "green", "reasons": reasons}

    return {"rag": "none", "reasons": ["no harm, risk, disclosure or abuse category reported"]}


# --- the contract check --------------------------------------------------------------------------


def validate_payload(payload: Any) -> List[Text]:
    """Every way ``payload`` breaks the contract, as "field: problem" lines, sorted; [] when valid.

    The lines name the field and the rule but never repeat the value sent, which may be personal,
    so they can be logged. Dates are also checked against the calendar ("2026-02-30").
    """
    errors = {_explain(error) for error in _VALIDATOR.iter_errors(payload)}
    if not errors and isinstance(payload, dict):
        errors.update(_impossible_dates(payload))
    return sorted(errors)


def _impossible_dates(payload: Dict[Text, Any]) -> List[Text]:
    found = []
    stamp = re.sub(r"\.\d+", "", str(payload.get("submitted_at", ""))).upper().replace("Z", "+00:00")
    try:
        datetime.fromisoformat(stamp)
    except ValueError:
        found.append("submitted_at: must be a valid date-time")
    for index, child in enumerate(payload.get("children") or []):
        if child.get("date_of_birth") is not None:
            try:
                date.fromisoformat(child["date_of_birth"])
            except ValueError:
                found.append(f"children.{index}.date_of_birth: must be a valid date")
    return found


def _explain(error: ValidationError) -> Text:
    where = ".".join(str(part) for part in error.absolute_path) or "referral"
    kind, expected = error.validator, error.validator_value
    if kind in ("required", "additionalProperties"):
        # jsonschema names the fields concerned, never their values.
        return f"{where}: {error.message}"
    if kind == "type" and expected == "null" and where.startswith("referrer."):
        return f"{where}: must be null: an anonymous referrer gives no name, phone or email"
    if kind == "const" and where == "referrer.anonymous":
        return f"{where}: a professional cannot be anonymous"
    messages = {
        "type": lambda: "must be of type "
        + (" or ".join(expected) if isinstance(expected, list) else str(expected)),
        "const": lambda: f"must be {json.dumps(expected)}",
        "enum": lambda: "must be one of " + ", ".join(json.dumps(v) for v in expected),
        "maxLength": lambda: f"must be at most {expected} characters",
        "minLength": lambda: f"must be at least {expected} character(s)",
        "maxItems": lambda: f"must have at most {expected} item(s)",
        "minItems": lambda: f"must have at least {expected} item(s)",
        "uniqueItems": lambda: "must not repeat an item",
        "minimum": lambda: f"must be at least {expected}",
        "maximum": lambda: f"must be at most {expected}",
        "pattern": lambda: "is not in the expected format",
        "format": lambda: f"must be a valid {expected}",
    }
    return f"{where}: {messages.get(kind, lambda: f'breaks the contract rule {kind!r}')()}"


# --- the summary before sending ------------------------------------------------------------------

ANONYMOUS_LINE = "You are staying anonymous: your name and contact details are not sent."
NOT_GIVEN = "not given"
_REFERRER_NAMES = {
    "public": "a member of the public",
    "professional": "a professional",
    "parent_carer": "a parent or carer",
}
_KNOWLEDGE_NAMES = {
    "witnessed": "you saw or heard it yourself",
    "child_told_me": "the child told you",
    "heard_from_someone_else": "someone else told you",
}
_CATEGORY_NAMES = {
    "physical": "physical",
    "emotional": "emotional",
    "sexual": "sexual",
    "neglect": "neglect",
    "other": "something else",
    "not_sure": "not sure",
}
_ANSWER_NAMES = {"yes": "yes", "no": "no", "not_sure": "not sure", "unknown": "not sure"}
_CONSENT_NAMES = {"yes": "given", "no": "refused", "not_sought": "not asked for"}


def summary_lines(payload: Mapping[Text, Any]) -> List[Text]:
    """The summary shown before sending: exactly what will be sent, one line per field a person
    would recognise, in the order the questions were asked, "not given" where the answer is unknown.

    Left out: the ids, channel and preview flag (nothing the person would recognise) and the
    provisional triage (an internal, provisional rating: the assistant never tells a person whether
    something is or is not abuse).
    """
    safety = payload.get("safety") or {}
    referrer = payload.get("referrer") or {}
    concern = payload.get("concern") or {}
    lines = [f"You are: {_REFERRER_NAMES.get(referrer.get('type'), NOT_GIVEN)}"]
    if referrer.get("anonymous"):
        lines.append(ANONYMOUS_LINE)
    else:
        lines.append(f"Your name: {_shown(referrer.get('name'))}")
    if referrer.get("type") == "professional":
        lines += [
            f"Your job title: {_shown(referrer.get('job_title'))}",
            f"Your organisation: {_shown(referrer.get('agency'))}",
        ]
    if not referrer.get("anonymous"):
        lines += [
            f"Your phone: {_shown(referrer.get('phone'))}",
            f"Your email: {_shown(referrer.get('email'))}",
        ]
    lines += [
        f"Your relationship to the child: {_shown(referrer.get('relationship_to_child'))}",
        f"How you know: {_KNOWLEDGE_NAMES.get(referrer.get('knowledge_source'), NOT_GIVEN)}",
    ]
    children = payload.get("children") or []
    for number, child in enumerate(children, start=1):
        who = "The child's" if len(children) == 1 else f"Child {number}'s"
        lines += [
            f"{who} name: {_shown(child.get('name'))}",
            f"{who} age: {_shown(child.get('age'))}",
            f"{who} date of birth: {_shown_date(child.get('date_of_birth'))}",
            f"{who} address: {_shown(child.get('address'))}",
            f"{who} school: {_shown(child.get('school'))}",
            f"Anything else about {'the child' if len(children) == 1 else f'child {number}'}: "
            f"{_shown(child.get('other_details'))}",
        ]
    lines += [
        f"Where the child is now: {_shown(safety.get('child_location_now'))}",
        f"A child is, or may be, in immediate danger: {'yes' if safety.get('immediate_danger') else 'no'}",
    ]
    if safety.get("advised_999"):
        lines.append("You were told to call 999: yes")
    categories = [_CATEGORY_NAMES.get(c, c) for c in concern.get("categories") or []]
    lines += [
        f"The kind of worry: {', '.join(categories) or NOT_GIVEN}",
        f"What happened: {_shown(concern.get('description'))}",
        f"What the child said: {_shown(concern.get('child_words'))}",
        f"When: {_shown(concern.get('when'))}",
        f"Where: {_shown(concern.get('where'))}",
        f"The person you are worried about: {_shown(concern.get('person_of_concern'))}",
        "Has the child been harmed, or are they at risk: "
        f"{_ANSWER_NAMES.get(concern.get('harmed_or_at_risk'), NOT_GIVEN)}",
    ]
    consent = payload.get("consent")
    if referrer.get("type") == "professional" and consent:
        lines += [
            "The adults with parental responsibility know about your concern: "
            f"{_ANSWER_NAMES.get(consent.get('parents_aware'), NOT_GIVEN)}",
            f"Their consent: {_CONSENT_NAMES.get(consent.get('consent_given'), NOT_GIVEN)}",
        ]
        if consent.get("consent_given") != "yes":
            lines.append(
                f"Why consent was not asked for or given: {_shown(consent.get('reason_not_sought'))}"
            )
    return lines


def _shown(value: Any) -> Text:
    if value is None or value == "":
        return NOT_GIVEN
    return str(value)


def _shown_date(value: Optional[Text]) -> Text:
    if not value:
        return NOT_GIVEN
    try:
        born = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{born.day} {born.strftime('%B')} {born.year}"
