"""What one answer is: text cleaned as it is stored, "I don't know" and "skip", yes or no, a choice.

Plain functions with no Rasa import and no I/O. Every validator (``validators.py``) returns a
``Checked``: the value to store, "unknown" or "skipped", or a kind reason to ask again. Free text
is cleaned (``clean_text``) but never HTML-escaped: every screen renders it as text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Text, Tuple

from nlp.patterns import phrases as phrase_list

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


def words_of(text: Any) -> List[Text]:
    """Lower-case words without apostrophes ("Don't" -> "dont"), for matching short answers."""
    text = clean_text(text, single_line=True).casefold().translate(_APOSTROPHES).replace("'", "")
    return re.findall(r"\w+", text)


def phrases_of(spec: Text) -> FrozenSet[Tuple[Text, ...]]:
    """Phrases written "a | b c" (``nlp.patterns.phrases``) as word tuples, normalised as
    ``words_of`` normalises answers."""
    return frozenset(tuple(words_of(p)) for p in phrase_list(spec) if words_of(p))


_UNKNOWN_PHRASES = phrases_of("""
    dont know | i dont know | do not know | i do not know | dont knw | dunno | i dunno | idk | dk
    no idea | i have no idea | ive no idea | ive got no idea | i got no idea | no clue | i have no clue
    not a clue | havent a clue | i havent a clue | havent got a clue | i havent got a clue
    not sure | im not sure | i am not sure | im unsure | i am unsure | unsure | unknown | not known
    not certain | im not certain | cant remember | i cant remember | cannot remember | i cannot remember
    dont remember | i dont remember | cant recall | i cant recall | no one knows | nobody knows
    i wouldnt know | wouldnt know | no way of knowing
""")
_SKIP_PHRASES = phrases_of("""
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
_TRAILING_FILLERS = phrases_of("""
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


def without_fillers(words: List[Text]) -> List[Text]:
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
    words = words_of(text)
    if not words or len(words) > _SHORT_ANSWER_WORDS:
        return False
    words = without_fillers(words)
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


def ok(value: Any) -> Checked:
    return Checked(ACCEPTED, value)


def invalid(reason: Text) -> Checked:
    return Checked(INVALID, None, reason)


def not_known_or_skipped(text: Any) -> Optional[Checked]:
    if is_skip(text):
        return Checked(SKIPPED)
    if is_unknown(text):
        return Checked(UNKNOWN)
    return None


SAY_IF_UNSURE = "If you're not sure, you can say \u201cI don't know\u201d, or \u201cskip\u201d."


# --- yes or no ------------------------------------------------------------------------------------

_YES_WORDS = frozenset("yes yeah yep yup yea ya aye y affirm definitely absolutely correct".split())
_NO_WORDS = frozenset("no nope nah n deny".split())
_NO_PHRASES: FrozenSet[Tuple[Text, ...]] = frozenset()


def yes_or_no(
    text: Any,
    *,
    yes: FrozenSet[Tuple[Text, ...]] = _NO_PHRASES,
    no: FrozenSet[Tuple[Text, ...]] = _NO_PHRASES,
) -> Optional[bool]:
    """True for yes, False for no, None for neither, from how the answer begins ("yes, stop").

    ``yes`` and ``no`` add the phrases (``phrases_of``) that mean yes or no to one question:
    "send it" to "shall I send this?", "carry on" to "do you want to stop?".
    """
    if isinstance(text, bool):
        return text
    if not isinstance(text, str):
        return None
    return _yes_or_no_words(words_of(text), yes, no)


def _yes_or_no_words(
    words: Sequence[Text], yes: Iterable[Tuple[Text, ...]], no: Iterable[Tuple[Text, ...]]
) -> Optional[bool]:
    for phrases, meaning in ((yes, True), (no, False)):
        if any(phrase and tuple(words[: len(phrase)]) == phrase for phrase in phrases):
            return meaning
    if words and words[0] in _YES_WORDS:
        return True
    if words and words[0] in _NO_WORDS:
        return False
    return None


# --- reading a choice -----------------------------------------------------------------------------


def as_key(value: Any) -> Text:
    return re.sub(r"[\s\-]+", "_", str(value).strip().casefold())


def payload_values(value: Any) -> List[Text]:
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


def occurrences(words: Sequence[Text], phrase: Tuple[Text, ...]) -> List[int]:
    size = len(phrase)
    return [i for i in range(len(words) - size + 1) if tuple(words[i : i + size]) == phrase]


def choose(
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
    by_key = {as_key(value): value for value in choices}
    for candidate in [*payload_values(text), text]:
        if isinstance(candidate, (str, bool)) and as_key(candidate) in by_key:
            return ok(by_key[as_key(candidate)])
    if is_skip(text):
        return Checked(SKIPPED)
    if is_unknown(text):
        return ok(if_unknown) if if_unknown is not None else Checked(UNKNOWN)
    words = without_fillers(words_of(text))
    best: Optional[Tuple[int, int, Any]] = None  # (length, -position, value)
    for value, phrases in choices.items():
        for phrase in phrases:
            for position in occurrences(words, phrase):
                found = (len(phrase), -position, value)
                if best is None or found[:2] > best[:2]:
                    best = found
    if best is not None and best[0] >= 2:
        return ok(best[2])
    meaning = _yes_or_no_words(words, (), ())
    if meaning is True and yes is not None:
        return ok(yes)
    if meaning is False and no is not None:
        return ok(no)
    if best is not None:
        return ok(best[2])
    return invalid(reask)
