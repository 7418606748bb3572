"""Messages in Southampton's most spoken languages after English, and the danger they describe.

Two pure functions, standard library only, no network:

* ``language_of(text)``: the ISO 639-1 code of a message clearly written in Polish, Romanian,
  Chinese, Portuguese, Spanish, Persian (Farsi), Arabic, Greek or Bulgarian; None for English and
  whenever unsure (a short answer, a name, a postcode, a number, an emoji, English with a foreign
  word in it, another language).
* ``danger_in(text, language)``: the words of such a message that describe immediate danger, an
  empty tuple when it does not. One lexicon per language (stems and regular expressions, matched
  on a folded text: lowercase, no accents, one spelling per Arabic letter, a letter typed three
  times as one) in the spirit of ``nlp.danger``: recall matters more than precision, because a
  false alarm costs a sentence and a missed 999 may cost a child.

The language comes from the script first: Greek is ``el``; Cyrillic is ``bg`` (Russian and
Ukrainian too, and the Bulgarian lexicon has their commonest danger words); Han is ``zh`` (not
with Japanese kana); the Arabic script is ``fa`` when its Persian letters (پ چ ژ گ), spellings and
words outweigh Arabic's, ``ar`` otherwise, and None with letters of Urdu, Pashto or Kurdish. A
message of one or two words in these scripts needs a frequent word or a lexicon word, so that a
name ("Μαρία", "李伟") is None. In the Latin script each language scores its frequent words
(split between the languages that share them, English among them), its letters (ą, ș, ã, ñ) and
spellings (sz, -ção, -ului); it needs two different words of its own, half as much evidence
again as English, and to beat French, Italian and German. When frequent words are not enough,
the words of its lexicon count too ("secuestraron a mi hija"). A message of one to three words
with nothing English in it is a language's when it has one of its cries or danger words
("Pomocy!", "socorro", "nie oddycha"), so that names and "ok" are None. Lowercase, unaccented
and hurriedly typed text ("moj maz bije dziecko teraz", "ajuda o meu filho") is read too.

A message describes immediate danger (see ``_describes_danger``) when it has

* a danger sign on its own: a weapon, a threat to kill, not breathing or unconscious,
  strangling, blood, fire, drowning, kidnapping, a cry for help ("ratunku!"), or the English
  "999", "police", "help me" written inside the foreign message;
* harm together with an urgency word or an emergency service ("he is beating him now");
* a call to summon the police or an ambulance ("call the police"), unless it is a question;
* help, the police, an ambulance or an emergency with "now"; help or danger with a child; help or
  the police in an exclamation or in a message of a few words ("Pomocy!", "policja!"), unless
  the message thanks or says "I need"; none of these three in a question ("what number do I
  call?", "how do I get help for my son?");
* harm in progress ("he is hitting her") that is not habit, the past, hearsay, suspicion or a
  question ("she told me her dad hits her", "how do I report a concern?").

Everything is precompiled at import; a message takes a few hundred microseconds at most.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Pattern, Sequence, Tuple

__all__ = ["LANGUAGES", "danger_in", "fold", "in_a_script_not_ours", "language_of"]

# Southampton's most spoken main languages after English, in that order (ties are broken by it).
LANGUAGES: Tuple[str, ...] = ("pl", "ro", "zh", "pt", "es", "fa", "ar", "el", "bg")

_LATIN = ("pl", "ro", "pt", "es")


# --- folding ------------------------------------------------------------------------------
# One spelling per letter, so that "nóż", "noz" and "NOŻ" match the same lexicon entry.
_SPECIAL: Dict[str, str] = {
    "ł": "l",
    "Ł": "l",
    "đ": "d",
    "Đ": "d",
    "ø": "o",
    "Ø": "o",
    "ß": "ss",
    "ı": "i",
    "ς": "σ",  # Greek final sigma
    "ي": "ی",  # Arabic yeh, alef maksura -> Persian yeh
    "ى": "ی",
    "ك": "ک",  # Arabic kaf -> Persian keheh
    "ڪ": "ک",
    "ة": "ه",  # teh marbuta, heh goal, heh doachashmee -> heh
    "ۀ": "ه",
    "ہ": "ه",
    "ھ": "ه",
    "ٱ": "ا",
    "ـ": "",  # tatweel
    "\u200c": "",  # zero-width non-joiner (Persian "می‌زند" -> "میزند")
    "\u200d": "",
    "\u200e": "",
    "\u200f": "",
    "\u00ad": "",  # soft hyphen
    "\u2019": "'",
    "\u2018": "'",
}


class _Folder(dict):
    """``str.translate`` table computed one character at a time and kept: lowercase, accents
    and other combining marks dropped (Arabic short vowels included), compatibility forms
    (full-width letters, Arabic presentation forms) unfolded, every digit as an ASCII digit."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char in _SPECIAL:
            out = _SPECIAL[char]
        else:
            digit = unicodedata.decimal(char, None)
            if digit is not None:
                out = str(digit)
            else:
                lowered = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).lower())
                out = "".join(_SPECIAL.get(c, c) for c in lowered if not unicodedata.combining(c))
        self[code] = out
        return out


_FOLD = _Folder()


def fold(text: str) -> str:
    """``text`` as the lexicons read it: "Mój MĄŻ" -> "moj maz", "أطفال" -> "اطفال"."""
    return text.translate(_FOLD)


_REPEATS = re.compile(r"([^\W\d_i])\1{2,}")  # not "i": Romanian "copiii" (the children)


def _squeeze(folded: str) -> str:
    """A letter typed three times or more as one ("pomocyyy" -> "pomocy", "socorrooo" ->
    "socorro"): a cry typed in a hurry still matches. Alphabets only (Chinese "救救" stays)."""
    return _REPEATS.sub(r"\1", folded)


def _fold_pattern(pattern: str) -> str:
    """A lexicon entry folded like the text it is matched against, its escapes (``\\w``, ``\\s``,
    ``\\b``) left as they are."""
    out: List[str] = []
    escaped = False
    for char in pattern:
        if escaped or char == "\\":
            out.append(char)
            escaped = not escaped and char == "\\"
            continue
        out.append(fold(char))
    return "".join(out)


def _spans_to_original(text: str, spans: Sequence[Tuple[int, int]], squeezed: bool) -> List[str]:
    """The pieces of ``text`` that spans of its folded (and squeezed) form came from."""
    starts: List[int] = []  # starts[i]: where original character i begins in the folded text
    position = 0
    for char in text:
        starts.append(position)
        position += len(fold(char))
    starts.append(position)
    if squeezed:
        folded = fold(text)
        kept = [True] * len(folded)
        for run in _REPEATS.finditer(folded):
            kept[run.start() + 1 : run.end()] = [False] * (run.end() - run.start() - 1)
        index = [0] * (len(folded) + 1)  # index[j]: where folded character j is once squeezed
        for j, keep in enumerate(kept):
            index[j + 1] = index[j] + keep
        starts = [index[at] for at in starts]
    pieces = []
    for start, end in spans:
        last = bisect_left(starts, end)
        while last < len(text) and starts[last + 1] == starts[last] == end:
            last += 1  # a letter squeezed away, or a mark folded away, at the end
        pieces.append(text[bisect_left(starts, start) : last].strip())
    return pieces


def _near(first: str, second: str, gap: int = 40) -> str:
    """``first`` and ``second`` in either order, at most ``gap`` characters apart in one sentence."""
    between = rf"[^.!?;\n。！？؟]{{0,{gap}}}?"
    return rf"(?:{first}){between}(?:{second})|(?:{second}){between}(?:{first})"


# --- lexicons -----------------------------------------------------------------------------
# Each language has the same categories (regular expressions, written in lowercase; accents may be
# written, they are folded away):
#
#   weapon, kill, unconscious, strangling, blood, fire, drowning, kidnapping, cry
#                 danger signs: any one of them is enough
#   summon        "call the police / an ambulance" (an imperative): danger unless a question
#   harm_now      harm in progress, present tense ("he is hitting", "bije"): danger unless
#                 hedged (habit, the past, hearsay, suspicion) or a general question
#   harm          harm in any form: danger with an urgency word or an emergency service
#   help          help, emergency, urgent, danger
#   alarm         the police, an ambulance, the fire brigade, emergency numbers
#   now           urgency: now, right now, at this moment, quickly, tonight, just now, still
#   child         child, baby, son, daughter, boy, girl
#   hedge         habit, the past, hearsay, suspicion ("often", "yesterday", "she told me")
#   calm          thanks, "I need": "thanks for the help", "I need help" are not cries for help
#   question      how a general question opens ("how", "what number", "can I")
#   greeting      what may come before the question ("hello")
#
# For Latin, Greek and Cyrillic scripts every entry must match whole words (``\w*`` makes a stem);
# Arabic, Persian and Chinese entries match anywhere (clitics attach to Arabic-script words and
# Chinese has no spaces), so their entries are chosen not to occur inside everyday words.

_Entries = Tuple[str, ...]

# fmt: off
# --- Polish (pl) ------------------------------------------------------------------------------
_PL: Dict[str, _Entries] = {
    "weapon": (
        r"nó(?:ż|ża|żem|że|ży|żami|żu|żyk\w*|życzk\w*)", r"pistolet\w*", r"rewolwer\w*",
        r"karabin\w*", r"strzelb\w*", r"spluw\w*", r"giwer\w*", r"broń", r"broni[aąe]?",
        r"maczet\w*", r"siekier\w*", r"tasak\w*", r"kij(?:em|a|e|u|ami|ek|kiem)?", r"pałk\w*",
        r"bejsbol\w*", r"młot(?:ek|kiem|ka|em)", r"strzel\w*", r"zastrzel\w*", r"postrzel\w*",
        r"wystrzel\w*", r"dźg\w*", r"zadźga\w*", r"ugodzi\w*\s+nożem",
    ),
    "kill": (
        r"zabi(?:ć|c|j\w*|ł\w*|l\w*|t\w*|cie)", r"pozabija\w*", r"zabójst\w*", r"zabójc\w*",
        r"zamord\w*", r"morduj\w*", r"mordowa\w*", r"morderst\w*", r"morderc\w*", r"zatłu\w*",
        r"ubi(?:ć|ł\w*|j\w*)", r"śmier(?:ć|ci|cią)", r"samobój\w*", r"odebrać\s+sobie\s+życie",
    ),
    "unconscious": (
        r"nie\s+oddych\w*", r"nie\s+(?:może\s+)?oddychać", r"przestał\w*\s+oddychać",
        r"bez\s+oddechu", r"nieprzytomn\w*", r"straci\w*\s+przytomność", r"zemdla\w*",
        r"zemdle\w*", r"omdla\w*", r"nie\s+(?:rusza|porusza)\s+się", r"nie\s+(?:rusza|porusza)\w*",
        r"nie\s+(?:można|mogę|możemy)\s+(?:\w+\s+)?(?:obudzić|dobudzić)", r"nie\s+budzi\s+się",
        r"nie\s+reaguje", r"nie\s+żyje", r"martw(?:y|a|e)", r"sinieje", r"sine\s+usta",
        r"przedawkow\w*",
        r"(?:połkn|połyk|nałyka|nażar)\w*\s+(?:\w+\s+){0,2}(?:tabletek|tabletki|pigułek|pigułki|leków)",
    ),
    "strangling": (
        r"dusi\w*", r"udusi\w*", r"zadusi\w*", r"przydusi\w*", r"podusi\w*", r"dławi\w*",
        r"(?:za|po)\s+gardł\w*", r"za\s+szyj\w*",
    ),
    "blood": (r"krew", r"krwi\w*", r"krwaw\w*", r"krwotok\w*", r"zakrwawi\w*"),
    "fire": (
        r"pożar\w*", r"pali\s+się", r"płon(?:ie|ą|ący|ąca|ące)", r"ogień", r"ognia", r"ogniu",
        r"podpal\w*", r"dym", r"dymu", r"dymi\w*", r"w\s+płomieniach",
    ),
    "drowning": (
        r"topi\s+się", r"się\s+topi", r"topią\s+się", r"się\s+topią", r"topił\w*\s+się",
        r"się\s+topił\w*", r"utopi\w*", r"ton(?:ie|ący|ąca|ące)", r"podtapia\w*",
        r"pod\s+wodą",
    ),
    "kidnapping": (
        r"porwa\w*", r"porywa\w*", r"uprowadz\w*", r"uprowadzi\w*", r"porywacz\w*",
        _near(r"(?:wciąg|wpych|wepchn|wrzuc|wsadz|ciągn|zaciągn|wlecz|wciska)\w*",
              r"(?:samoch|auta|auto|aucie|vana|vanie|busa|busie|furgonetk)\w*"),
        r"na\s+siłę",
    ),
    "cry": (r"ratunku", r"ratuj(?:cie|\s+mnie|\s+nas)?", r"na\s+ratunek"),
    "summon": (
        r"(?:wezwij|wezwijcie|wezwać|zadzwoń|zadzwońcie|dzwoń|dzwońcie|wołaj|wołajcie|zawołaj|zawołajcie)"
        r"\s+(?:\w+\s+)?(?:na\s+|po\s+)?(?:policj\w*|karetk\w*|pogotowi\w*|straż\w*|112|997|999)",
    ),
    "harm_now": (
        r"bij(?:e|ą|esz)", r"tłucze", r"tłuką", r"katuje", r"katują", r"szarpie",
        r"kopie\s+(?:go|ją|je|ich|dziec\w*|syn\w*|cór\w*|mnie|nas)",
        r"uderza", r"uderzają", r"wali\s+(?:go|ją|je|ich|dziec\w*|syn\w*|cór\w*|mnie|nas)", r"okłada",
        r"leje\s+(?:go|ją|je|ich|dziec\w*|syn\w*|cór\w*|mnie|nas|pasem)", r"krzywdzi", r"gwałci", r"atakuje",
        r"atakują", r"napada", r"znęca\s+się", r"znęcają\s+się", r"maltretuje", r"rani",
        r"gryzie", r"ciągnie\s+za\s+włosy", r"rzuca\s+(?:nim|nią|dzieckiem|dziećmi|nimi)",
        r"molestuje", r"grozi", r"pobije", r"zbije",
    ),
    "harm": (
        r"bi(?:ć|c|ł|ła|ło|li|ją|je|jąc\w*|cie|ty|ta)", r"pobi\w*", r"zbi(?:ł|ła|li|ć|je|ją)",
        r"uderz\w*", r"kopn\w*", r"kopa\w*", r"skopa\w*", r"tłuk\w*", r"tłuc", r"atak\w*",
        r"zaatak\w*", r"napad\w*", r"napaś\w*", r"krzywd\w*", r"skrzywdz\w*", r"zrani\w*",
        r"ranił\w*", r"rann\w*", r"zgwałc\w*", r"gwałc\w*", r"gwałt\w*", r"molestow\w*", r"molestuj\w*",
        r"maltret\w*", r"katowa\w*", r"skatowa\w*", r"znęca\w*", r"szarpa\w*", r"szarpn\w*",
        r"popchn\w*", r"pchn\w*", r"spoliczkow\w*", r"policzkow\w*", r"klaps\w*", r"lanie",
        r"lania", r"przemoc\w*", r"groz(?:i|ił|iła|ili|ić)\w*", r"zagrozi\w*", r"groźb\w*",
        r"przypal\w*", r"oparzy\w*", r"ugryz\w*", r"walnął\w*", r"walnie\w*", r"bicie",
    ),
    "help": (
        r"pomocy", r"o\s+pomoc", r"na\s+pomoc", r"pomóż(?:cie)?", r"pomagaj(?:cie)?", r"niebezpieczeństw\w*",
        r"niebezpieczn\w*", r"zagrożeni\w*", r"zagrożon\w*", r"pilne", r"pilnie", r"pilny",
        r"pilna", r"nagł\w*\s+wypad\w*",
    ),
    "alarm": (
        r"policj\w*", r"policjant\w*", r"karetk\w*", r"pogotowi\w*", r"straż\w*\s+pożarn\w*",
        r"112", r"997", r"999", r"ratownik\w*",
    ),
    "now": (
        r"teraz", r"w\s+tej\s+chwili", r"w\s+tym\s+momencie", r"właśnie", r"natychmiast",
        r"szybko", r"szybciej", r"zaraz", r"pilnie", r"dziś\s+wieczorem", r"dziś\s+w\s+nocy",
        r"dzisiaj\s+wieczorem", r"tej\s+nocy", r"wciąż", r"nadal", r"przed\s+chwilą",
        r"chwilę\s+temu", r"przed\s+momentem", r"dopiero\s+co", r"ciągle\s+teraz",
    ),
    "child": (
        r"dziec\w*", r"dzieck\w*", r"dzieciak\w*", r"syn(?:a|em|owi|u|ek|ka|kiem|kowi|owie|ów|ami)?",
        r"cór(?:k|ecz|us)\w*", r"niemowl\w*", r"noworod\w*", r"bobas\w*",
        r"maluch\w*", r"maleń\w*", r"dziewczyn\w*", r"chłop(?:iec|ca|cu|cem|cy|czyk\w*|ak\w*)",
        r"wnu(?:k|cz)\w*", r"bachor\w*", r"mała", r"mały",
    ),
    "hedge": (
        r"często", r"zawsze", r"czasem", r"czasami", r"codziennie", r"każdego\s+dnia",
        r"wczoraj", r"przedwczoraj", r"kiedyś", r"zeszł\w*", r"ostatnio", r"temu", r"wcześniej",
        r"chyba", r"myślę", r"wydaje\s+mi\s+się", r"podejrzew\w*", r"może", r"możliwe",
        r"powiedział\w*", r"mówi", r"mówił\w*", r"opowiada\w*", r"słyszał\w*", r"bywa",
        r"regularnie", r"od\s+lat", r"co\s+jakiś\s+czas", r"martwię\s+się", r"nie\s+wiem\s+czy",
    ),
    "calm": (r"dziękuj\w*", r"dzięki", r"potrzebuj\w*"),
    "question": (
        r"jak", r"co", r"gdzie", r"kiedy", r"dlaczego", r"czemu", r"czy", r"ile", r"jaki\w*",
        r"jaka", r"jakie", r"kto", r"kogo", r"komu", r"któr\w*", r"pod\s+jaki", r"na\s+jaki",
        r"do\s+kogo",
    ),
    "greeting": (r"cześć", r"dzień\s+dobry", r"witam", r"hej", r"halo", r"dobry\s+wieczór"),
}

# --- Romanian (ro) ----------------------------------------------------------------------------
_RO: Dict[str, _Entries] = {
    "weapon": (
        r"cuțit\w*", r"cutit\w*", r"briceag\w*", r"pistol\w*", r"revolver\w*",
        r"arm(?:a|ă|e|ele|ei)", r"pușcă", r"pușca", r"puști", r"puștile", r"macet\w*", r"topor\w*",
        r"bât(?:ă|a)\s+de\s+baseball", r"cu\s+(?:o\s+)?bât(?:ă|a)", r"ciocan\w*", r"baston\w*",
        r"rangă", r"împușc\w*",
        r"înjunghi\w*", r"a\s+tras\s+cu", r"trage\s+cu\s+pistolul",
    ),
    "kill": (
        r"omo(?:r|ar)\w*", r"ucid\w*", r"ucis\w*", r"ucig\w*", r"moart(?:e|ea)", r"sinucid\w*",
        r"să\s+moară",
    ),
    "unconscious": (
        r"nu\s+(?:mai\s+)?respir\w*", r"a\s+încetat\s+să\s+respire", r"inconștient\w*",
        r"fără\s+cunoștință", r"și-a\s+pierdut\s+cunoștința", r"leșin\w*",
        r"nu\s+(?:se\s+)?(?:mai\s+)?mișc\w*", r"nu\s+(?:se\s+)?(?:mai\s+)?trezește",
        r"nu\s+(?:mai\s+)?reacționează", r"nu\s+(?:mai\s+)?răspunde", r"a\s+murit",
        r"mort(?:ă|a|ul|i)?", r"supradoz\w*",
        r"înghițit\s+(?:\w+\s+){0,2}(?:pastil|medicament|tablet|hapuri)\w*",
        r"a\s+luat\s+(?:\w+\s+){0,2}(?:pastile|tablete|hapuri)",
    ),
    "strangling": (
        r"sugrum\w*", r"strangul\w*", r"sufoc\w*",
        r"(?:strâng|ține|ţine|prins|apucat|apucă|ținut)\w*\s+de\s+gât",
        r"asfixi\w*",
    ),
    "blood": (r"sânge\w*", r"sânger\w*", r"hemorag\w*"),
    "fire": (
        r"incendi\w*", r"foc(?:ul|uri)?", r"arde", r"ard", r"ardea", r"flăcări\w*", r"fum(?:ul)?",
    ),
    "drowning": (r"înec\w*", r"îneac\w*", r"sub\s+apă"),
    "kidnapping": (
        r"răpi(?:t|tă|ți|te|re|rea|nd|se|seră)\w*", r"răpe(?:ște|sc)\w*", r"răpitor\w*",
        r"sechestr\w*",
        _near(r"(?:trag|trage|trăgea|tras|bag|băga|băgat|împing|împins|forțe|forțat)\w*",
              r"(?:mașin|duba|dubă|dubiț|furgon|autoturism)\w*"),
        r"cu\s+forța",
    ),
    "cry": (r"săriți", r"salvați(?:-ne|-l|-o|-mă)?", r"ajuto{2,}r\w*"),
    "summon": (
        r"(?:sunați|sună|chemați|cheamă|anunțați)\s+(?:\w+\s+){0,2}"
        r"(?:poliți\w*|ambulanț\w*|salvare\w*|pompier\w*|112|999)",
    ),
    "harm_now": (
        r"(?:îl|o|îi|mă|ne|te|vă|-l|-o)\s+bate", r"bat(?:e)?(?!\s+(?:la\s+)?(?:uș|us|poart|geam|vânt|inim))",
        r"lovește", r"lovesc",
        r"agresează", r"atacă", r"rănește", r"chinuie", r"torturează", r"violează", r"abuzează",
        r"trage\s+de\s+păr", r"pocnește", r"plesnește", r"pălmuiește", r"snopește", r"zgâlțâie",
        r"calcă\s+în\s+picioare", r"amenință",
    ),
    "harm": (
        r"bătu(?:t|tă|ți|te)\w*", r"bătea\w*", r"bătaie\w*", r"bătăi\w*", r"bată", r"lovi\w*",
        r"agres\w*", r"atac\w*", r"răni\w*", r"violat(?:ă|e|ul|i)?", r"violeaz\w*", r"viol(?:ul)?",
        r"abuz\w*", r"palm(?:ă|e|a)\w*", r"pălmu\w*", r"pumn\w*", r"amenin\w*", r"violenț(?:a|ă|ei|e)",
        r"violent(?:ă|a|e|i)?", r"chinu\w*", r"tortur\w*",
        r"împins\w*", r"pocnit\w*", r"plesnit\w*", r"zgâlțâi\w*",
    ),
    "help": (
        r"ajutor\w*", r"ajutați", r"ajută-(?:mă|ne|l|o)", r"ajutați-(?:mă|ne|l|o)", r"urgenț\w*",
        r"urgent\w*", r"pericol\w*", r"periculos\w*",
    ),
    "alarm": (
        r"poliți(?:a|e|ei|st\w*)", r"politi(?:a|e|ei|st\w*)", r"ambulanț\w*", r"salvar\w*",
        r"pompier\w*", r"112", r"999",
    ),
    "now": (
        r"acum(?!\s+(?:\w+\s+){0,2}(?:zile|zi|ani|an|luni|lună|săptămâni|săptămână))", r"acuma",
        r"chiar\s+acum", r"în\s+acest\s+moment", r"în\s+momentul\s+(?:ăsta|acesta)", r"imediat",
        r"repede", r"urgent", r"deseară", r"diseară", r"la\s+noapte", r"în\s+noaptea\s+asta",
        r"adineauri", r"tocmai", r"încă", r"în\s+continuare",
    ),
    "child": (
        r"copil\w*", r"copii\w*", r"fiul\w*", r"fiu", r"fiica\w*", r"fiicei", r"fetiț\w*",
        r"fetei", r"fata", r"fată", r"băiat\w*", r"băieț\w*", r"bebe\w*", r"bebeluș\w*",
        r"nou-născut\w*", r"prunc\w*", r"nepot\w*", r"minor\w*",
    ),
    "hedge": (
        r"deseori", r"adesea", r"des", r"mereu", r"întotdeauna", r"uneori", r"câteodată",
        r"zilnic", r"în\s+fiecare\s+zi", r"ieri", r"alaltăieri", r"săptămâna\s+trecută",
        r"luna\s+trecută", r"anul\s+trecut", r"trecut\w*",
        r"acum\s+(?:\w+\s+){0,2}(?:zile|zi|ani|an|luni|lună|săptămâni|săptămână)", r"cred",
        r"poate", r"bănui\w*", r"suspect\w*", r"mi-a\s+spus", r"a\s+spus", r"mi-a\s+zis",
        r"a\s+zis", r"spune\s+că", r"zice\s+că", r"am\s+auzit", r"auzit", r"obișnui\w*",
        r"de\s+obicei", r"înainte", r"îngrijorat\w*", r"nu\s+știu\s+dacă",
    ),
    "calm": (r"mulțumesc", r"mersi", r"mulțumim", r"am\s+nevoie", r"avem\s+nevoie"),
    "question": (
        r"cum", r"ce", r"unde", r"când", r"cine", r"care", r"cât\w*", r"oare", r"pot",
        r"de\s+ce", r"la\s+ce", r"e\s+normal", r"este\s+normal", r"trebuie\s+să",
    ),
    "greeting": (r"bună(?:\s+ziua|\s+seara|\s+dimineața)?", r"salut\w*", r"alo"),
}

# --- Portuguese (pt), European and Brazilian ---------------------------------------------------
_PT: Dict[str, _Entries] = {
    "weapon": (
        r"faca\w*", r"navalha\w*", r"canivete\w*", r"arma(?:s)?", r"pistola\w*", r"revólver\w*",
        r"espingarda\w*", r"carabina\w*", r"tiro(?:s)?", r"tiroteio\w*", r"baleou", r"baleado\w*",
        r"disparo(?:s)?", r"disparou", r"disparar", r"atirou", r"atirando", r"atirar",
        r"taco\s+de\s+bas\w*", r"taco\s+de\s+beis\w*", r"taco", r"bastão", r"martelo\w*",
        r"machado\w*", r"facão", r"esfaque\w*", r"catana\w*",
    ),
    "kill": (
        r"mat(?:a|ar|ou|ando|ado|ada|ados|em|am|aram|ará|arei|aria|asse)", r"assassin\w*",
        r"morte", r"suicid\w*", r"se\s+matar",
    ),
    "unconscious": (
        r"não\s+(?:está\s+|tá\s+|consegue\s+)?(?:a\s+)?respir\w*", r"parou\s+de\s+respirar",
        r"sem\s+respirar", r"inconscient\w*", r"desmai\w*", r"desacordad\w*",
        r"não\s+(?:se\s+)?(?:mexe|move|mexeu)", r"não\s+(?:está\s+|tá\s+)?(?:se\s+)?(?:mexendo|a\s+mexer)",
        r"não\s+acorda\w*", r"não\s+reage", r"não\s+responde", r"mort(?:o|a|os|as)", r"morreu",
        r"overdose",
        r"(?:engoliu|tomou|comeu)\s+(?:\w+\s+){0,2}(?:comprimidos|pílulas|remédios|medicamentos)",
    ),
    "strangling": (
        r"estrangul\w*", r"sufoc\w*", r"asfixi\w*", r"enforc\w*", r"esgan\w*",
        r"(?:apert|agarr)\w*\s+(?:\w+\s+){0,2}pescoço", r"pelo\s+pescoço",
    ),
    "blood": (r"sangue\w*", r"sangr(?!ia)\w*", r"hemorrag\w*", r"ensanguentad\w*"),
    "fire": (
        r"fogo", r"incêndi\w*", r"incendi\w*", r"em\s+chamas", r"chamas", r"fumaça", r"a\s+arder",
        r"ardendo",
    ),
    "drowning": (r"afog\w*", r"debaixo\s+d[ae]\s+água"),
    "kidnapping": (
        r"rapt\w*", r"sequestr\w*", r"à\s+força",
        _near(r"(?:pux|arrast|empurr|enfi|forç|jog)\w*",
              r"(?:carro|carrinha|van|furgão|furgoneta|viatura|automóvel|caminhonete|kombi)\w*"),
    ),
    "cry": (r"socorro+", r"acudam", r"acuda", r"salvem", r"me\s+salv\w*", r"salve-me"),
    "summon": (
        r"(?:liga|liguem|ligue|chama|chamem|chame|telefonem|telefone|chamar|ligar)\s+(?:\w+\s+){0,2}"
        r"(?:polícia|ambulância|bombeiros|inem|samu|112|190|192|193|999|emergência)",
    ),
    "harm_now": (
        r"(?:está|estão|tá|tão)\s+(?:a\s+)?(?:bat|espanc|agred|machuc|soc|chut|estrangul|abus|atac"
        r"|ameaç|arrast|queim|mord|sacud|esbofete|estape|violent|maltrat|mat)(?:endo|indo|ando|ar|er|ir)",
        r"batendo\w*", r"(?:dando|dá|dão)\s+(?:uma\s+)?(?:surra|sova|tareia)\w*", r"espancando\w*",
        r"agredindo\w*", r"machucando\w*", r"socando\w*",
        r"chutando\w*", r"estrangulando\w*", r"abusando\w*", r"atacando\w*", r"arrastando\w*",
        r"queimando\w*", r"mordendo\w*", r"sacudindo\w*", r"esbofeteando\w*", r"estapeando\w*",
        r"violentando\w*", r"maltratando\w*", r"bate(?:m)?(?!\s+(?:à|a|na)\s+porta)", r"espanca(?:m)?",
        r"agride(?:m)?",
        r"machuca(?:m)?", r"soca(?:m)?", r"chuta(?:m)?(?!\s+(?:a\s+)?bola)", r"esbofeteia", r"estapeia",
        r"maltrata(?:m)?", r"arrasta(?:m)?", r"ameaça(?:m)?",
    ),
    "harm": (
        r"bat(?:er|eu|ia|iam|ido|eram|esse)", r"espanc\w*", r"agred\w*", r"agress\w*", r"atac\w*",
        r"machuc\w*", r"soc(?:o|os|ou|ar)", r"murr(?:o|os|ou)", r"chut\w*", r"pontap\w*",
        r"tap(?:a|as)", r"bofetad\w*", r"esbofete\w*", r"estape\w*",
        r"viol(?:ou|ar|ada|ado|ência|ento|enta|ação|entou)\w*", r"abus\w*", r"estupr\w*",
        r"ameaç\w*", r"ferid[oa]s?", r"feriu", r"ferir", r"maltrat\w*", r"empurr\w*", r"sacud\w*",
        r"queim\w*", r"mord\w*", r"arrast\w*", r"pux\w*\s+(?:o\s+)?cabelo", r"surr(?:a|as|ou|ar|ado|ada)",
        r"acabar\s+com\s+(?:ela|ele|eles|elas|a\s+vida)",
    ),
    "help": (
        r"ajud(?:a|em|e)(?:-me|-nos)?", r"socorro", r"emergênci\w*", r"urgent\w*", r"urgênci\w*",
        r"perigo\w*",
    ),
    "alarm": (
        r"políci(?:a|as|al|ais)", r"ambulânci\w*", r"bombeiro\w*", r"112", r"190", r"192", r"999",
        r"inem", r"samu",
    ),
    "now": (
        r"agora", r"agorinha", r"neste\s+momento", r"nesse\s+momento", r"neste\s+instante",
        r"já\s+já", r"rápido", r"depressa", r"imediatamente", r"urgente", r"esta\s+noite",
        r"hoje\s+à\s+noite", r"ainda", r"continua", r"há\s+pouco", r"acabou\s+de", r"acaba\s+de",
        r"daqui\s+a\s+(?:meia\s+hora|pouco|\d+\s+minutos|uma\s+hora)", r"em\s+\d+\s+minutos",
    ),
    "child": (
        r"crianç\w*", r"filh\w*", r"menin\w*", r"bebê\w*", r"bebé\w*", r"nenê\w*", r"neném",
        r"garot\w*", r"miúd\w*", r"net[oa]s?", r"entead[oa]s?", r"rapaz\w*", r"rapariga\w*",
        r"moleque\w*", r"pequen[oa]s?",
    ),
    "hedge": (
        r"sempre", r"muitas\s+vezes", r"às\s+vezes", r"frequentemente", r"todos\s+os\s+dias",
        r"todo\s+dia", r"ontem", r"anteontem", r"semana\s+passada", r"mês\s+passado",
        r"ano\s+passado", r"passad[oa]", r"antes",
        r"há\s+(?:\w+\s+){0,2}(?:dias|dia|semanas|semana|meses|mês|anos|ano|tempo)", r"acho",
        r"talvez", r"suspeit\w*", r"parece", r"disse", r"disseram", r"contou", r"ouvi\s+dizer",
        r"costuma\w*", r"dizem", r"preocupad[oa]s?", r"não\s+sei\s+se",
    ),
    "calm": (r"obrigad[oa]s?", r"valeu", r"preciso", r"precisamos"),
    "question": (
        r"como", r"o\s+que", r"que", r"qual", r"quais", r"onde", r"quando", r"quem", r"porque",
        r"por\s+que", r"posso", r"devo", r"será", r"quanto\w*", r"é\s+normal", r"para\s+que",
        r"pra\s+que", r"a\s+quem", r"com\s+quem", r"em\s+que", r"para\s+onde",
    ),
    "greeting": (r"olá", r"oi", r"bom\s+dia", r"boa\s+tarde", r"boa\s+noite"),
}

# --- Spanish (es) -----------------------------------------------------------------------------
_ES: Dict[str, _Entries] = {
    "weapon": (
        r"cuchill\w*", r"navaj\w*", r"pistol(?:a|as)", r"arma(?:s)?", r"revólver\w*",
        r"escopet\w*", r"rifle\w*", r"machete\w*", r"bate(?:\s+de\s+béisbol)?", r"martillo\w*",
        r"hacha\w*", r"palo(?:s)?", r"tiros", r"un\s+tiro", r"tiroteo\w*", r"balazo\w*",
        r"balacera", r"baleado\w*", r"disparo\w*", r"disparó", r"dispara\w*", r"apuñal\w*",
        r"acuchill\w*", r"cuchillada\w*", r"puñal\w*",
    ),
    "kill": (
        r"mat(?:a|o|ó|an|en|ando|ado|ada|aron|ara|aran|arán|aré|ará|aría|ar\w*)",
        r"asesin\w*", r"muerte", r"suicid\w*", r"quitarse\s+la\s+vida",
    ),
    "unconscious": (
        r"no\s+(?:está\s+|puede\s+)?respir\w*", r"dejó\s+de\s+respirar", r"sin\s+respirar",
        r"inconscient\w*", r"desmay\w*", r"sin\s+sentido", r"perdió\s+el\s+conocimiento",
        r"no\s+se\s+mueve", r"no\s+(?:se\s+)?despierta", r"no\s+reacciona", r"no\s+responde",
        r"muert[oa]s?", r"murió", r"sobredosis",
        r"(?:tragó|tomó|se\s+tomó|se\s+tragó)\s+(?:\w+\s+){0,2}(?:pastillas|píldoras|medicinas|medicamentos)",
    ),
    "strangling": (
        r"estrangul\w*", r"ahorc\w*", r"asfixi\w*", r"sofoc\w*", r"(?:del|por\s+el)\s+cuello",
    ),
    "blood": (r"sangr(?!ia)\w*", r"hemorrag\w*", r"ensangrentad\w*"),
    "fire": (r"fuego", r"incendi\w*", r"se\s+quema\w*", r"llamas", r"humo", r"ardiendo"),
    "drowning": (r"ahog\w*", r"bajo\s+el\s+agua", r"debajo\s+del\s+agua"),
    "kidnapping": (
        r"secuestr\w*", r"rapt\w*", r"a\s+la\s+fuerza",
        _near(r"(?:empuj|arrastr|jal|forz|agarr)\w*",
              r"(?:coche|carro|auto|furgoneta|camioneta|furgón|van|vehículo)\w*"),
    ),
    "cry": (r"socorro+", r"auxilio"),
    "summon": (
        r"(?:llamen|llama|llame|llamad|avisen|avisad|llamar)\s+(?:\w+\s+){0,2}"
        r"(?:policía|ambulancia|bomberos|emergencias|999|112|911|091|061)",
    ),
    "harm_now": (
        r"pegand\w*", r"golpeand\w*", r"maltratand\w*", r"atacand\w*", r"agrediend\w*",
        r"abusand\w*", r"violand\w*", r"arrastrand\w*", r"quemand\w*", r"mordiend\w*",
        r"pateand\w*", r"zarandeand\w*", r"sacudiend\w*", r"lastimand\w*", r"hiriend\w*",
        r"ahorcand\w*", r"apuñaland\w*", r"azotand\w*", r"amenazand\w*", r"cacheteand\w*",
        r"abofeteand\w*", r"(?:dando|da|dan|dándole|dandole)\s+(?:una\s+)?paliza\w*",
        r"(?:le|la|lo|les|los|las|me|nos|te)\s+pega(?:n)?", r"pega(?:n)?\s+a",
        r"golpea(?:n)?", r"maltrata(?:n)?", r"agrede(?:n)?", r"patea(?:n)?", r"lastima(?:n)?",
        r"abofetea", r"cachetea", r"zarandea", r"viola", r"ataca(?:n)?", r"arrastra(?:n)?",
        r"amenaza(?:n)?",
    ),
    "harm": (
        r"peg(?:ó|o|ar|aba|aban|ado|aron|ue|an|a)", r"golpe\w*", r"maltrat\w*", r"atac\w*",
        r"agred\w*", r"agresi\w*", r"abus\w*", r"viol(?:ó|ar|ada|ado|ación|encia|ento|enta)\w*",
        r"amenaz\w*", r"lastim\w*", r"her(?:ido|ida|idos|idas|ir|ió)", r"patad\w*",
        r"pate(?:a|an|ó|ar|ando)", r"bofet\w*", r"cachetad\w*", r"puñetaz\w*", r"empuj\w*",
        r"zarande\w*", r"arrastr\w*", r"quem\w*", r"mord\w*", r"azot\w*", r"paliza\w*",
        r"tortur\w*", r"violenci\w*", r"violent[oa]s?",
    ),
    "help": (
        r"ayud(?:a|en|e|enme|ame|adme|anos)", r"ayúd(?:enme|ame|anos)", r"socorro", r"auxilio",
        r"emergencia\w*", r"urgent\w*", r"urgencia\w*",
        r"peligro\w*",
    ),
    "alarm": (r"policía\w*", r"ambulancia\w*", r"bomberos", r"999", r"112", r"911", r"091"),
    "now": (
        r"ahora", r"ahorita", r"ya\s+mismo", r"en\s+este\s+momento", r"en\s+este\s+instante",
        r"rápido", r"inmediatamente", r"de\s+inmediato", r"urgente", r"esta\s+noche",
        r"enseguida", r"todavía", r"sigue", r"hace\s+un\s+momento", r"hace\s+un\s+rato",
        r"acaba\s+de", r"aún", r"dentro\s+de\s+(?:media\s+hora|un\s+rato|\d+\s+minutos|una\s+hora)",
        r"en\s+media\s+hora", r"en\s+\d+\s+minutos",
    ),
    "child": (
        r"niñ[oa]s?", r"niñit\w*", r"hij[oa]s?", r"hijit\w*", r"beb[eé]s?", r"bebit\w*",
        r"criatur\w*", r"chic[oa]s?", r"chiquit\w*", r"menor(?:es)?", r"chaval\w*", r"nene\w*",
        r"nena\w*", r"críos?", r"niet[oa]s?", r"pequeñ[oa]s?", r"hijastr\w*", r"muchach\w*",
    ),
    "hedge": (
        r"siempre", r"a\s+menudo", r"muchas\s+veces", r"a\s+veces", r"frecuentemente",
        r"todos\s+los\s+días", r"cada\s+día", r"ayer", r"anteayer", r"la\s+semana\s+pasada",
        r"el\s+mes\s+pasado", r"el\s+año\s+pasado", r"pasad[oa]", r"antes",
        r"hace\s+(?:\w+\s+){0,2}(?:días|semanas|meses|años|tiempo|día|semana|mes|año)", r"creo",
        r"quizá\w*", r"tal\s+vez", r"sospech\w*", r"parece", r"me\s+dijo", r"dijo",
        r"me\s+contó", r"contó", r"dice\s+que", r"suele\w*", r"dicen", r"preocupad[oa]s?",
        r"no\s+sé\s+si",
    ),
    "calm": (r"gracias", r"necesit\w*"),
    "question": (
        r"cómo", r"qué", r"cuál\w*", r"dónde", r"cuándo", r"quién\w*", r"por\s+qué", r"porqué",
        r"puedo", r"debo", r"cuánto\w*", r"es\s+normal", r"a\s+quién", r"con\s+quién",
        r"a\s+dónde", r"adónde", r"tengo\s+que", r"se\s+puede",
    ),
    "greeting": (
        r"hola", r"buenos\s+días", r"buenas\s+tardes", r"buenas\s+noches", r"buenas", r"oiga",
        r"disculpe", r"perdone",
    ),
}

# --- Greek (el) -------------------------------------------------------------------------------
_EL: Dict[str, _Entries] = {
    "weapon": (
        r"μαχαίρ\w*", r"σουγιά\w*", r"όπλ\w*", r"πιστόλ\w*", r"περίστροφ(?:ο|α)", r"καραμπίν\w*",
        r"τουφέκ\w*", r"καλάσνικοφ", r"τσεκούρ\w*", r"ρόπαλ\w*", r"σφυρ(?:ί|ιά)\w*",
        r"πυροβολ\w*", r"πυροβόλ\w*", r"λοστ(?:ός|ό|ού)", r"μπαστούν\w*",
    ),
    "kill": (
        r"σκοτ(?:ών|ώσ|ωθ|ώθ|ωμ|ωσ|ων)\w*", r"δολοφον\w*", r"θάνατ\w*", r"αυτοκτον\w*",
        r"να\s+πεθάνει",
    ),
    "unconscious": (
        r"δεν\s+αναπνέ\w*", r"σταμάτησε\s+να\s+αναπνέει", r"δεν\s+ανασαίν\w*", r"αναίσθητ\w*",
        r"λιπόθυμ\w*", r"λιποθύμ\w*", r"έχασε\s+τις\s+αισθήσεις",
        r"δεν\s+(?:κουνιέται|κινείται|σαλεύει)", r"δεν\s+ξυπνά\w*", r"δεν\s+αντιδρά\w*",
        r"νεκρ\w*", r"πέθαν\w*", r"υπερβολική\s+δόση",
        r"(?:ήπιε|κατάπιε|πήρε)\s+(?:\w+\s+){0,2}χάπια", r"μελάνιασ\w*",
    ),
    "strangling": (
        r"στραγγαλ\w*", r"πνίγ\w*", r"πνίξ\w*", r"πνιγ\w*", r"από\s+το\s+λαιμό",
        r"σφίγγει\s+το\s+λαιμό", r"ασφυξ\w*",
    ),
    "blood": (r"αίμα\w*", r"αιμορραγ\w*", r"ματών\w*", r"ματωμέν\w*", r"αιμόφυρτ\w*"),
    "fire": (
        r"φωτιά\w*", r"φωτιές", r"πυρκαγι\w*", r"καίγεται", r"καίγονται", r"φλόγ\w*",
        r"καπν(?:ός|ό|ού|οί)", r"έβαλε\s+φωτιά",
    ),
    "drowning": (r"πνίγεται", r"πνίγονται", r"κάτω\s+από\s+το\s+νερό"),
    "kidnapping": (
        r"απαγωγ\w*", r"απήγαγ\w*", r"απαγάγ\w*", r"άρπαξ\w*", r"αρπάζ\w*",
        _near(r"(?:τραβ|σέρν|σερν|σπρώχν|έσπρωξ|έσυρ|έχωσ)\w*",
              r"(?:αυτοκίνητ|αμάξ|βαν|φορτηγ|βανάκ|όχημ)\w*"),
        r"με\s+το\s+ζόρι", r"με\s+τη\s+βία",
    ),
    "cry": (r"σώστε", r"σώσε\s+με"),
    "summon": (
        r"(?:καλέστε|καλέσε|πάρτε|πάρε|ειδοποιήστε)\s+(?:\w+\s+){0,2}"
        r"(?:αστυνομ\w*|ασθενοφόρ\w*|εκαβ|πυροσβεστ\w*|100|166|112|199|999)",
    ),
    "harm_now": (
        r"χτυπ(?:άει|ά|άνε|ούν)(?!\s+(?:το\s+)?(?:τηλέφωνο|κουδούνι|ξυπνητήρι)|\s+την\s+πόρτα)",
        r"δέρνει", r"δέρνουν", r"κλωτσάει",
        r"κλωτσά", r"βιάζει", r"επιτίθεται", r"κακοποιεί", r"πλακώνει", r"ξυλοκοπεί",
        r"τραβάει\s+από\s+τα\s+μαλλιά", r"χαστουκίζει", r"απειλεί", r"βασανίζει",
        r"τραντάζει",
    ),
    "harm": (
        r"χτυπ\w*", r"χτύπ\w*", r"έδειρε", r"δείρ\w*", r"δαρμ\w*", r"ξυλοκόπ\w*", r"ξυλοκοπ\w*",
        r"ξύλο", r"κλωτσ\w*", r"βίασ(?:ε|αν)", r"βιασμ\w*", r"βιαστ(?:ής|ή)", r"βία", r"βίας",
        r"βίαι\w*", r"επίθεσ\w*", r"επιτέθ\w*", r"κακοποί\w*", r"κακοποι\w*", r"απειλ\w*",
        r"τραυματ\w*", r"χαστούκ\w*", r"χαστουκ\w*", r"μπουνι\w*", r"γροθι\w*", r"έσπρωξ\w*",
        r"βασαν\w*",
    ),
    "help": (
        r"βοήθει\w*", r"βοηθήστε", r"βοήθα", r"έκτακτ\w*\s+ανάγκ\w*", r"επείγ\w*", r"κίνδυν\w*",
        r"κινδυνεύ\w*",
    ),
    "alarm": (
        r"αστυνομ\w*", r"ασθενοφόρ\w*", r"εκαβ", r"πυροσβεστ\w*", r"100", r"166", r"112", r"999",
    ),
    "now": (
        r"τώρα", r"αυτή\s+τη\s+στιγμή", r"αυτήν\s+τη\s+στιγμή", r"άμεσα", r"αμέσως", r"γρήγορα",
        r"επειγόντως", r"απόψε", r"ακόμα", r"ακόμη", r"πριν\s+λίγο", r"μόλις", r"συνεχίζει",
    ),
    "child": (
        r"παιδ\w*", r"μωρ(?:ό|ά|ού|ών|άκι\w*)", r"γιο(?:ς|υ)?", r"γιε", r"κόρ(?:η|ης|ες|ούλα\w*)",
        r"κορίτσ\w*", r"αγόρ(?:ι|ια|ιού|άκι\w*)", r"ανήλικ\w*", r"εγγον\w*", r"βρέφ\w*",
        r"μικρ(?:ό|ός|ή|ά)",
    ),
    "hedge": (
        r"συχνά", r"πάντα", r"πάντοτε", r"καμιά\s+φορά", r"καμμιά\s+φορά", r"μερικές\s+φορές",
        r"κάθε\s+μέρα", r"χθες", r"χτες", r"προχθές", r"πέρσι", r"περασμέν\w*",
        r"πριν\s+(?:\w+\s+){0,2}(?:μέρες|μέρα|εβδομάδ\w*|μήν\w*|χρόνια|χρόνο|καιρό)",
        r"νομίζω", r"ίσως", r"μάλλον", r"υποψιάζ\w*", r"μου\s+είπε", r"είπε", r"λέει",
        r"άκουσα", r"συνήθως", r"ανησυχώ", r"δεν\s+ξέρω\s+αν",
    ),
    "calm": (r"ευχαριστ\w*", r"χρειάζομαι", r"χρειαζόμαστε"),
    "question": (
        r"πώς", r"πως", r"τι", r"πού", r"που", r"πότε", r"ποι(?:ος|α|ο|ον|οι|ες|ους|ων)",
        r"γιατί", r"πόσ\w*", r"μπορώ", r"πρέπει", r"σε\s+ποι\w*", r"είναι\s+φυσιολογικό",
    ),
    "greeting": (r"γεια(?:\s+σας|\s+σου)?", r"καλημέρα", r"καλησπέρα", r"χαίρετε"),
}

# --- Bulgarian (bg), with a few Russian and Ukrainian forms: all Cyrillic is read as Bulgarian --
_BG: Dict[str, _Entries] = {
    "weapon": (
        r"нож\w*", r"пистолет\w*", r"оръж\w*", r"оруж\w*", r"пушк(?:а|ата|и|ите)", r"револвер\w*",
        r"мачет\w*", r"брадв\w*", r"бухалк\w*", r"бита", r"битата", r"бейзболн\w*", r"чук",
        r"стреля\w*", r"простреля\w*", r"застреля\w*", r"застрел\w*", r"наръга\w*", r"намушк\w*",
        r"тояга\w*", r"ружь\w*", r"ніж", r"ножем",
    ),
    "kill": (
        r"уби(?:е|ят|я|й|йте|еш|ем|ете|ва\w*|л\w*|ха|х|т\w*|ец\w*|йств\w*|йц\w*)", r"убь\w*",
        r"заколя\w*", r"утреп\w*", r"смърт\w*", r"смерт\w*", r"самоубий\w*", r"самоуби\w*",
        r"вбити", r"вб'є", r"уб'є", r"вбив\w*",
    ),
    "unconscious": (
        r"не\s+диш\w*", r"не\s+дыш\w*", r"не\s+дихає", r"спря\s+да\s+диша", r"без\s+съзнание",
        r"безсъзнани\w*",
        r"без\s+сознани\w*", r"припадн\w*", r"припада", r"не\s+(?:се\s+)?(?:мърда|помръдва|движи|шава)",
        r"не\s+двига\w*", r"не\s+се\s+събужда", r"не\s+(?:мога\s+да\s+)?(?:го|я)\s+събуд\w*",
        r"не\s+реагир\w*", r"мъртв\w*", r"мертв\w*", r"почина", r"умря", r"умер\w*",
        r"свръхдоз\w*", r"предозир\w*", r"передоз\w*",
        _near(r"(?:изпи|изпила|глътна|погълна)", r"(?:хапч|таблет|лекарств)\w*", 25),
    ),
    "strangling": (
        r"удуш\w*", r"задуш\w*", r"(?:го|я|ги|ме|ни)\s+души",
        r"души\s+(?:го|я|ги|ме|ни|дете\w*|бебе\w*|дъщер\w*|син\w*|момче\w*|момиче\w*|жена\w*)",
        r"душит\w*", r"за\s+гърлото", r"за\s+гърло", r"за\s+горло",
    ),
    "blood": (r"кръв\w*", r"кърв\w*", r"кров(?:ь|и|ью|оточ\w*|отеч\w*)", r"окървав\w*"),
    "fire": (
        r"пожар\w*", r"огън", r"огъня", r"огонь", r"гори", r"горят", r"горит", r"пламъ\w*",
        r"дим", r"дым", r"подпал\w*",
    ),
    "drowning": (
        r"дави\s+се", r"се\s+дави", r"давят\s+се", r"се\s+давят", r"удави\w*", r"потъва",
        r"тон(?:е|ат|ет|ут)", r"под\s+водата",
    ),
    "kidnapping": (
        r"отвлич\w*", r"отвлече\w*", r"отвлек\w*", r"отвляк\w*", r"похит\w*", r"похищ\w*",
        _near(r"(?:вкар|натик|напъх|дърп|набут|завлич|влач|затлач|запих|затащ|тащ)\w*",
              r"(?:кола|колата|микробус\w*|бус|буса|автомобил\w*|машин\w*)"),
        r"насила",
    ),
    "cry": (r"спасете", r"спасите", r"спасявайте"),
    "summon": (
        r"(?:обадете\s+се|обади\s+се|звъннете|звънни|звънете|извикайте|извикай|повикайте|повикай"
        r"|викнете|вызовите|вызови|позвоните|позвони)\s+(?:\w+\s+){0,2}"
        r"(?:полици\w*|линейк\w*|пожарн\w*|112|999|166|150|спешн\w*|скор\w*)",
    ),
    "harm_now": (
        r"бие", r"бият", r"удря", r"удрят", r"рита(?:т)?(?!\s+(?:\w+\s+)?топка)",
        r"пребива\w*", r"насилва", r"изнасилва", r"малтретира\w*", r"напада", r"нападат",
        r"наранява", r"тормози", r"дърпа\s+(?:\w+\s+)?за\s+косата", r"хвърля\s+(?:го|я|ги)",
        r"заплашва", r"бьет", r"бьют", r"б'є", r"б'ють", r"избивает", r"избивают", r"ударяет", r"насилует",
        r"пинает", r"колотит", r"лупит",
    ),
    "harm": (
        r"пребил\w*", r"пребит\w*", r"наби(?:л|ла|ли|х|ха|т|та|ти)?", r"удари\w*",
        r"удар(?:ил|ила|ят|ен|ена|ът|а)?", r"ритна\w*", r"ритни\w*", r"нападна\w*", r"нападе\w*",
        r"нападени\w*", r"нарани\w*", r"изнасил\w*", r"малтрет\w*", r"насили\w*", r"заплаш\w*",
        r"заплах\w*", r"шамар\w*", r"юмру\w*", r"блъсна\w*", r"влачи\w*", r"тормоз\w*", r"бой",
        r"боя", r"избил\w*", r"избит\w*", r"ударил\w*", r"угрожа\w*", r"биеше",
        r"(?:го|я|ги|ме|ни)\s+би",
    ),
    "help": (
        r"помощ\w*", r"помогнете", r"помогни", r"помогите", r"помагайте", r"спешн\w*", r"опасн\w*",
        r"срочно", r"допоможіть", r"допомога", r"допомогу",
    ),
    "alarm": (
        r"полиц\w*", r"линейк\w*", r"бърза\s+помощ", r"пожарн\w*", r"112", r"999", r"166", r"150",
        r"скор(?:ая|ую|ой)", r"милици\w*", r"поліці\w*",
    ),
    "now": (
        r"сега", r"веднага", r"в\s+момента", r"точно\s+сега", r"в\s+този\s+момент", r"бързо",
        r"спешно", r"довечера", r"тази\s+нощ", r"преди\s+малко", r"току-що", r"току\s+що",
        r"още", r"продължава", r"сейчас", r"немедленно", r"быстро", r"срочно",
        r"только\s+что", r"зараз", r"негайно",
    ),
    "child": (
        r"дете\w*", r"деца\w*", r"детенц\w*", r"бебе\w*", r"син", r"сина", r"синът", r"синко",
        r"синчето", r"дъщер\w*", r"момче\w*", r"момиче\w*", r"внук\w*", r"внуч\w*",
        r"малк(?:ия|ият|ата|ото|ите)", r"ребен\w*", r"ребён\w*", r"дет(?:и|ей|ям|ьми)",
        r"сын\w*", r"доч\w*", r"малыш\w*", r"мальчик\w*", r"девочк\w*", r"дитин\w*",
    ),
    "hedge": (
        r"често", r"винаги", r"понякога", r"всеки\s+ден", r"вчера", r"минал\w*",
        r"преди\s+(?:\w+\s+){0,2}(?:ден|дни|седмиц\w*|месец\w*|годин\w*)", r"мисля",
        r"струва\s+ми\s+се", r"може\s+би", r"подозира\w*", r"каза", r"казва", r"чух",
        r"обикновено", r"часто", r"всегда", r"иногда", r"думаю", r"может\s+быть", r"сказал\w*",
        r"раньше", r"притеснява\w*", r"тревож\w*", r"не\s+знам\s+дали", r"не\s+знаю",
    ),
    "calm": (r"благодар\w*", r"мерси", r"спасибо", r"имам\s+нужда", r"имаме\s+нужда"),
    "question": (
        r"как", r"какво", r"къде", r"кога", r"кой", r"коя", r"кое", r"кои", r"защо", r"колко",
        r"мога\s+ли", r"може\s+ли", r"трябва\s+ли", r"дали", r"на\s+кой", r"на\s+какъв",
        r"какъв", r"каква", r"какви", r"что", r"где", r"когда", r"кто", r"почему", r"какой",
        r"какая", r"сколько", r"можно", r"куда", r"чи",
    ),
    "greeting": (
        r"здравейте", r"здравей", r"здрасти", r"добър\s+ден", r"добър\s+вечер",
        r"здравствуйте", r"привет",
    ),
}

# --- Arabic (ar), Standard and the common dialects ---------------------------------------------
# Entries match anywhere in a word (prefixes and, with the article, pronoun suffixes attach).
_AR_NEG = r"(?:\bلا|\bما|\bمش|\bمو|\bليس|\bلم|\bمابي|\bماعم|\bمب)"
_AR: Dict[str, _Entries] = {
    "weapon": (
        r"سكين", r"سكاكين", r"خنجر", r"مسدس", r"سلاح", r"بندقي", r"رشاش", r"ساطور", r"مضرب",
        r"\bعصا\b", r"بالعصا", r"طعن", r"اطلق\s*النار", r"اطلاق\s*النار", r"يطلق\s*النار",
        r"رصاص", r"\bموس\b", r"شفرة",
    ),
    "kill": (r"قتل", r"يذبح", r"ذبح", r"انتحار", r"ينتحر", r"تنتحر"),
    "unconscious": (
        _AR_NEG + r"[^.!?؟\n]{0,12}تنفس", r"توقف\S{0,8}\s+عن\s+التنفس", r"فاقد\s*(?:ال)?وعي",
        r"فقد\s*(?:ال)?وعي", r"مغمى", r"اغمي", r"اغماء", r"غائب\s+عن\s+الوعي", r"مغشي",
        _AR_NEG + r"[^.!?؟\n]{0,12}(?:يتحرك|تتحرك|يصحى|يصحو|يستيقظ|تستيقظ|تصحى|يستجيب|تستجيب)",
        r"\bمات\b", r"\bماتت\b", r"\bميت\b", r"\bميتة\b", r"متوفي", r"جرعة\s+زائدة",
        _near(r"(?:بلع|ابتلع)", r"(?:حبوب|اقراص|دواء|ادوية)", 20),
    ),
    "strangling": (r"خنق", r"يشنق", r"شنق", r"يكتم\s+نفس"),
    "blood": (r"(?:\b|ال|بال)دم(?:ه|ها|اء|ي|و)?\b", r"نزف", r"نزيف"),
    "fire": (r"حريق", r"حرائق", r"(?:\b|ال|بال)نار\b", r"حترق", r"دخان", r"شتعل"),
    "drowning": (r"غرق",),
    "kidnapping": (
        r"خطف", r"مخطوف", r"اختطف", r"اختطاف", r"بالقوة", r"بالغصب",
        _near(r"(?:يسحب|سحب|يجر|\bجر|يشد|\bشد|دفع|ادخل|رمى)",
              r"(?:سيارة|عربية|\bفان|باص|السيارة)", 25),
    ),
    "cry": (r"النجدة", r"\bنجدة", r"الحقوني", r"الحقونا", r"الحقني", r"انقذو", r"انقذني", r"اغيثو"),
    "summon": (
        _near(r"(?:اتصلوا|اتصل|كلموا|\bكلم|اطلبوا|اطلب|نادوا|بلغوا|ابلغوا|دقوا)",
              r"(?:شرطة|بوليس|اسعاف|طوارئ|999|112|911|122|123|الدفاع\s+المدني)", 20),
    ),
    "harm_now": (
        r"[يت]ضرب", r"بيضرب", r"بتضرب", r"عم\s*[يت]?ضرب", r"قاعد\s*[يت]ضرب", r"[يت]عتدي",
        r"[يت]عنف", r"[يت]ركل", r"[يت]صفع", r"[يت]غتصب", r"[يت]هاجم", r"[يت]ؤذي", r"[يت]عذب",
        r"[يت]دفش", r"[يت]رفس",
    ),
    "harm": (
        r"ضرب", r"اعتدا", r"اعتدى", r"معتدي", r"عنف", r"تعنيف", r"ركل", r"رفس", r"صفع", r"غتصب",
        r"هاجم", r"هجوم", r"اذى", r"ايذاء", r"اذية", r"عذب", r"تعذيب", r"لكمه", r"لكمها",
        r"هدد", r"تهديد", r"جرح", r"مجروح", r"جروح", r"دفش",
    ),
    "help": (
        r"مساعدة", r"ساعدوني", r"ساعدني", r"ساعدونا", r"ساعدوا", r"النجدة", r"طوارئ", r"عاجل", r"خطر",
    ),
    "alarm": (
        r"شرطة", r"بوليس", r"اسعاف", r"(?<!\d)(?:999|112|911|122|123|997|998)(?!\d)",
        r"الدفاع\s+المدني",
    ),
    "now": (
        r"الان", r"هلق", r"هلئ", r"حالا\b", r"دلوقتي", r"دلوقت", r"الحين", r"ذحين", r"\bتوه\b",
        r"فورا", r"بسرعة", r"حاليا", r"اللحظة", r"الليلة", r"قبل\s+شوي", r"قبل\s+قليل", r"للتو",
        r"مازال", r"ما\s*زال", r"لسه", r"لسا\b", r"لا\s*يزال",
    ),
    "child": (
        r"طفل", r"اطفال", r"ابن", r"بنت", r"ولد", r"اولاد", r"رضيع", r"بيبي", r"صغير", r"الصغار",
        r"عيال", r"بنوت", r"حفيد", r"صبي", r"قاصر",
    ),
    "hedge": (
        r"دائما", r"دوما", r"غالبا", r"احيانا", r"كل\s+يوم", r"\bامس\b", r"البارحة", r"مبارح",
        r"الماضي", r"الماضية", r"قبل\s+(?:\S{1,20}\s+)?(?:ايام|يومين|اسبوع|اسابيع|شهر|اشهر|سنة|سنين|سنوات)",
        r"منذ", r"اعتقد", r"اظن", r"بعتقد", r"بظن", r"ربما", r"يمكن", r"ممكن", r"اشك", r"اشتبه",
        r"\bقال", r"اخبرتني", r"اخبرني", r"حكت\s+لي", r"حكالي", r"سمعت", r"عادة", r"قلق",
        r"لا\s+اعرف", r"ما\s+بعرف", r"مش\s+عارف",
    ),
    "calm": (r"شكرا", r"مشكور", r"احتاج", r"بحاجة"),
    "question": (
        r"كيف", r"ماذا", r"ما", r"اين", r"متى", r"من", r"هل", r"لماذا", r"كم", r"اي", r"شو",
        r"ايش", r"وين", r"ليش", r"ازاي", r"فين", r"كيفاش", r"امتى", r"مين", r"ممكن", r"شلون",
    ),
    "greeting": (r"مرحبا", r"السلام\s+عليكم", r"سلام", r"اهلا", r"مساء\s+الخير", r"صباح\s+الخير"),
}

# --- Persian / Farsi (fa) ---------------------------------------------------------------------
# Written without the zero-width non-joiner ("میزنه"): the folded text drops it.
_FA: Dict[str, _Entries] = {
    "weapon": (
        r"چاقو", r"کارد\b", r"تفنگ", r"اسلحه", r"سلاح", r"کلت\b", r"هفت\s*تیر", r"قمه", r"\bتبر\b",
        r"چماق", r"شلیک", r"باتوم", r"چوب\s*بیسبال",
    ),
    "kill": (
        r"میکشمت", r"میکشمش", r"میکشتت", r"میکشتش", r"میکشدش", r"میکشنش", r"میکشیمش", r"بکشمت",
        r"بکشمش", r"بکشدش", r"بکشتش", r"بکشنش", r"بکشش\b", r"کشتن", r"کشتم", r"کشتش", r"کشتند",
        r"کشته\b", r"قتل", r"خودکشی", r"(?:رو|را|و)\s+بکش(?:ه|د|ن|ند|م|ی)?\b",
        r"(?:رو|را)\s+می\s*کش(?:ه|د|ن|ند|م)\b",
    ),
    "unconscious": (
        r"نفس\s*نمی\s*کش", r"نفس\s*نکش", r"نفس\s*ندار", r"نفس\S{0,8}\s*بند", r"بیهوش",
        r"از\s*هوش\s*رفت", r"غش\s*کرد", r"(?:تکون|تکان|حرکت)\s*نمی\s*(?:خور|کن)",
        r"بیدار\s*نمی\s*(?:شه|شود)", r"جواب\s*نمید", r"واکنش\s*(?:نشون\s*)?نمی", r"\bمرده\b",
        r"فوت\s*کرد", r"اوردوز", r"مصرف\s*بیش\s*از\s*حد", r"(?:کلی|یه\s*مشت|همه)\s*(?:\S{1,20}\s+)?قرص",
        r"قرص\s*زیاد",
    ),
    "strangling": (r"خفه(?!\s*شو)", r"گلو\S{0,8}\s*(?:\S{1,20}\s+)?(?:فشار|گرفت)"),
    "blood": (r"\bخون\b", r"خونریزی", r"خون\s*(?:میاد|اومد|می\s*آید)", r"غرق\s*خون", r"خونین", r"خونآلود"),
    "fire": (r"آتش", r"آتیش", r"میسوز", r"می\s*سوز", r"\bدود\b", r"شعله"),
    "drowning": (r"غرق(?!\s*خون)", r"زیر\s*آب"),
    "kidnapping": (
        r"ربود", r"ربای", r"آدم\s*ربا", r"بچه\s*دزد", r"به\s*زور",
        _near(r"(?:بچه|پسر|دختر|کودک|نوزاد)", r"(?:دزدید|میدزد|بدزد|ربود)", 25),
        _near(r"(?:کشید|کشون|هلش|هل\s*داد|انداخت|پرت)", r"(?:ماشین|\bون\b|خودرو)", 25),
    ),
    "cry": (
        r"به\s*دادم?\s*(?:برس|برسید|برسین)", r"به\s*دادمون\s*برس", r"نجات\S{0,8}\s*(?:بدید|بدین|بده)",
    ),
    "summon": (
        r"(?:پلیس|اورژانس|آمبولانس|امبولانس|آتش\s*نشانی|110|115|125|999|112)\S{0,8}\s+(?:\S{1,20}\s+){0,2}"
        r"(?:خبر|زنگ|صدا)\s*(?:کن|کنید|کنین|بزن|بزنید|بزنین)\b",
        r"(?:زنگ|تماس)\s*(?:بزن|بزنید|بزنین|بگیر|بگیرید|بگیرین)\s+(?:\S{1,20}\s+){0,2}"
        r"(?:پلیس|اورژانس|آمبولانس|110|115|999|112)",
    ),
    "harm_now": (
        r"کتک\S{0,8}\s*(?:می\s*زن|میزن)",
        r"(?:بچه|بچم|پسر|دختر|زن(?!گ)|مادر|منو|مارو|اونو|همسر|کودک|نوزاد|داداش|خواهر|برادر)\S{0,8}\s*"
        r"(?:رو|را)?\s*(?:داره\s+)?(?:می\s*زن|میزن)",
        r"میزنتش", r"میزنش", r"میزندش", r"میزننش",
        r"(?:لگد|سیلی|مشت|چک)\S{0,4}\s*(?:\S{1,20}\s+)?(?:می\s*زن|میزن)",
        r"(?:خفه|آزار|تجاوز|حمله)\S{0,8}\s*(?:می\s*کن|میکن)", r"داره\s+(?:\S{1,20}\s+){0,3}(?:کتک|خفه)",
    ),
    "harm": (
        r"کتک", r"لگد", r"سیلی", r"مشت\s*(?:زد|میزن|می\s*زن)", r"حمله", r"تجاوز", r"آزار", r"اذیت",
        r"تهدید", r"زخمی", r"شکنجه", r"خشونت", r"هل\s*(?:ش)?\s*داد", r"\bزدش\b", r"\bزدتش\b",
        r"\bزدنش\b", r"\bمیزن(?:ه|د|ن|ند)\b",
    ),
    "help": (r"کمک(?!\s*(?:کنم|کنیم|بکنم|میکنم|کرد))", r"فوری", r"فورا", r"خطر", r"اضطراری"),
    "alarm": (
        r"پلیس", r"اورژانس", r"آمبولانس", r"امبولانس", r"آتش\s*نشانی",
        r"(?<!\d)(?:110|115|125|999|112)(?!\d)",
    ),
    "now": (
        r"الان", r"همین\s*الان", r"همین\s*حالا", r"\bحالا\b", r"فورا", r"فوری", r"سریع",
        r"زود\s*باش", r"امشب", r"همین\s*لحظه", r"این\s*لحظه", r"چند\s*دقیقه\s*پیش", r"هنوز",
    ),
    "child": (r"بچه", r"بچم", r"کودک", r"پسر", r"دختر", r"نوزاد", r"فرزند", r"نوه", r"طفل"),
    "hedge": (
        r"همیشه", r"اغلب", r"گاهی", r"بعضی\s*وقت", r"هر\s*روز", r"دیروز", r"پریروز",
        r"(?:روز|هفته|ماه|سال)\s*(?:پیش|گذشته|قبل)", r"پارسال", r"قبلا", r"فکر\s*(?:می\s*)?کن(?:م|یم)",
        r"شاید", r"احتمالا", r"مشکوک", r"\bگفت", r"بهم\s*گفت", r"شنیدم", r"معمولا", r"نگران",
        r"نمی\s*دونم", r"نمی\s*دانم",
    ),
    "calm": (r"ممنون", r"مرسی", r"سپاس", r"متشکر", r"لازم\s*دارم", r"نیاز\s*دارم", r"احتیاج"),
    "question": (
        r"چطور\S{0,8}", r"چگونه", r"چه", r"چی", r"کجا", r"کی", r"کدام", r"کدوم", r"چرا", r"چند",
        r"آیا", r"ایا", r"باید", r"می\s*تونم", r"می\s*توانم", r"میشه", r"می\s*شه", r"به\s*کی",
        r"با\s*کی", r"شماره",
    ),
    "greeting": (r"سلام", r"درود", r"وقت\s*بخیر", r"خسته\s*نباشید", r"ببخشید"),
}

# --- Chinese (zh), Simplified and Traditional -------------------------------------------------
# whom a hit lands on ("打孩子"); what "打" also does (a phone call, a game, typing, a taxi)
_ZH_PRONOUN = (
    r"(?:他|她|我|孩子|小孩|儿子|兒子|女儿|女兒|宝宝|寶寶|婴儿|嬰兒|人|老婆|妻子|妈妈|媽媽"
    r"|我们|我們|他们|他們|她们|她們)"
)
_ZH_NOT_HARM = (
    r"(?!电话|電話|的电话|的電話|手机|手機|游戏|遊戲|球|工|字|扫|掃|牌|麻将|麻將|针|針|算|听|聽|折|包|卡"
    r"|车|車|开|開|110|120|999|112)"
)
_ZH: Dict[str, _Entries] = {
    "weapon": (
        r"刀", r"枪", r"槍", r"武器", r"匕首", r"斧", r"棍", r"棒球棒", r"锤子", r"錘子", r"榔头",
        r"榔頭", r"捅", r"砍",
    ),
    "kill": (r"杀", r"殺", r"弄死", r"打死", r"害死"),
    "unconscious": (
        r"(?:没有?|沒有?|不|停止)呼吸", r"呼吸(?:不了|困难|困難|停止)", r"昏迷", r"昏(?:过|過)去",
        r"(?:晕|暈)(?:倒|过去|過去)", r"不省人事", r"失去(?:知觉|知覺|意识|意識)",
        r"没有?(?:知觉|意识)", r"沒有?(?:知覺|意識)", r"不动了", r"不動了", r"一动不动", r"一動不動",
        r"叫不醒", r"醒不(?:过来|過來)", r"没有?反应", r"沒有?反應", r"死了", r"死亡", r"(?:过|過)量",
        r"吞了.{0,4}[药藥]", r"吃了(?:很多|一堆|一整?瓶|大量|好多).{0,2}[药藥]",
    ),
    "strangling": (r"掐", r"勒(?:死|住|脖)", r"窒息", r"(?:闷|悶|捂)死"),
    "blood": (r"血",),
    "fire": (
        r"着火", r"著火", r"失火", r"起火", r"火灾", r"火災", r"大火", r"烧起来", r"燒起來", r"放火",
        r"纵火", r"縱火", r"浓烟", r"濃煙", r"冒烟", r"冒煙", r"火警",
    ),
    "drowning": (r"溺水", r"淹", r"掉(?:进|進)水", r"落水", r"沉下去"),
    "kidnapping": (
        r"绑架", r"綁架", r"拐(?:走|卖|賣|骗|騙)", r"被拐", r"人(?:贩|販)子", r"劫持",
        r"(?:抢|搶|抱)走", r"[拉拖拽塞扯].{0,6}(?:上车|上車|进车|進車|车里|車裡|车内|車內)",
    ),
    "cry": (r"救命", r"快来人", r"快來人", r"救救", r"来人啊", r"來人啊"),
    "summon": (
        r"(?:快|赶紧|趕緊|马上|馬上|立刻|立即).{0,2}(?:报警|報警|叫救护车|叫救護車|叫警察|打110|打120|打999|打112)",
    ),
    "harm_now": (
        r"正在.{0,6}(?:打|揍|踢|掐|虐|殴|毆|强奸|強姦|伤害|傷害|砍|捅)",
        r"(?:在|还在|還在|一直在)(?:打|揍|踢|掐|虐待|殴打|毆打)" + _ZH_NOT_HARM,
        r"打" + _ZH_PRONOUN + r"(?!电话|電話|的电话|的電話|手机|手機|的手机|的手機)",
        r"揍", r"暴打", r"拳打脚踢", r"拳打腳踢",
        r"踢" + _ZH_PRONOUN,
    ),
    "harm": (
        r"打了(?!电话|電話|个电话|個電話|一个电话|一個電話|110|120|999|112)", r"打(?:得|伤|傷)",
        r"被打", r"挨打", r"踢(?!球|毽)", r"耳光", r"巴掌", r"猥亵", r"猥褻", r"伤害", r"傷害",
        r"威胁", r"威脅", r"推倒", r"摔(?:他|她|孩子)", r"烫伤", r"燙傷", r"暴力", r"打骂", r"打罵",
        r"殴打", r"毆打", r"虐待", r"家暴", r"施暴", r"性侵", r"强奸", r"強姦", r"强暴", r"強暴",
    ),
    "help": (
        r"救命", r"帮帮", r"幫幫", r"(?<![想要能会會去以])(?:帮忙|幫忙|帮助|幫助)", r"紧急", r"緊急", r"危险",
        r"危險", r"快来", r"快來", r"求救", r"很急",
    ),
    "alarm": (
        r"报警", r"報警", r"警察", r"(?<!\d)(?:110|120|119|999|112)(?!\d)", r"救护车", r"救護車",
        r"急救",
    ),
    "now": (
        r"现在", r"現在", r"马上", r"馬上", r"立刻", r"立即", r"正在", r"此刻", r"这会儿", r"這會兒",
        r"赶快", r"趕快", r"赶紧", r"趕緊", r"快(?!乐|樂|递|遞|餐|手|捷)", r"今晚", r"刚刚", r"剛剛",
        r"刚才", r"剛才", r"还在", r"還在", r"一直在",
    ),
    "child": (
        r"孩子", r"小孩", r"儿子", r"兒子", r"女儿", r"女兒", r"宝宝", r"寶寶", r"婴儿", r"嬰兒",
        r"儿童", r"兒童", r"男孩", r"女孩", r"小朋友", r"娃", r"孙子", r"孫子", r"孙女", r"孫女",
        r"闺女", r"閨女", r"宝贝", r"寶貝",
    ),
    "hedge": (
        r"经常", r"經常", r"总是", r"總是", r"有时", r"有時", r"常常", r"每天", r"昨天", r"前天",
        r"上周", r"上週", r"上星期", r"上个月", r"上個月", r"去年", r"以前", r"之前",
        r"(?:天|周|週|月|年)前", r"我觉得", r"我覺得", r"我认为", r"我認為", r"好像", r"可能",
        r"也许", r"也許", r"怀疑", r"懷疑", r"告诉我", r"告訴我", r"听说", r"聽說", r"[她他]说",
        r"[她他]說", r"担心", r"擔心", r"不知道", r"算不算", r"是否",
    ),
    "calm": (r"谢谢", r"謝謝", r"感谢", r"感謝", r"需要"),
    "question": (
        r"怎么", r"怎麼", r"如何", r"请问", r"請問", r"什么", r"什麼", r"哪", r"为什么", r"為什麼",
        r"我应该", r"我應該", r"应该", r"應該", r"可以", r"能不能", r"是不是", r"有没有", r"有沒有",
        r"我该", r"我該", r"要不要", r"几", r"幾", r"多少",
    ),
    "greeting": (r"你好", r"您好", r"嗨"),
}
# fmt: on


# Words that say it is over or the child is safe now ("teraz jest spokój", "se mudó", "وهم بخير"):
# beside them "now" and harm do not make an emergency (the message says the harm is past), though a
# danger sign (a weapon, not breathing, a cry for help) still does. Negated ("no está bien") they
# do not count.
# fmt: off
_OVER: Dict[str, _Entries] = {
    "pl": (
        r"spokój", r"spokojn\w*", r"(?<!nie\s)(?<!nie\sjest\s)bezpieczn\w*", r"wyprowadził\w*",
        r"wyprowadzi\w*", r"wyjechał\w*", r"odszedł", r"odeszła", r"poszedł\s+sobie",
        r"już\s+go\s+nie\s+ma", r"aresztowa\w*", r"(?<!nie\s)jest\s+(?:już\s+)?dobrze",
        r"(?<!nie\s)(?:jest|są)\s+w\s+porządku", r"po\s+wszystkim", r"skończył\w*\s+się", r"śpi", r"śpią",
        r"już\s+nie", r"nic\s+się\s+nie\s+dzieje",
    ),
    "ro": (
        r"liniște", r"liniștit\w*", r"calm\w*",
        r"(?<!nu\s)(?:e|este|sunt)\s+(?:în\s+)?(?:siguranță|bine)", r"în\s+siguranță", r"s-a\s+mutat",
        r"a\s+plecat", r"au\s+plecat", r"s-a\s+terminat", r"arestat\w*", r"doarme", r"dorm", r"nu\s+mai",
    ),
    "pt": (
        r"calm\w*", r"tranquil\w*", r"(?<!não\s)(?:está|estão|esta|estao)\s+(?:bem|segur\w*|a\s+salvo)",
        r"em\s+segurança", r"mudou-se", r"mudou\s+de\s+casa", r"se\s+mudou", r"foi\s+embora",
        r"saiu\s+de\s+casa", r"foi\s+pres[oa]", r"acabou(?!\s+de)", r"já\s+passou", r"dorme", r"dormindo",
        r"a\s+dormir", r"já\s+não", r"não\s+mais",
    ),
    "es": (
        r"calm\w*", r"tranquil\w*", r"(?<!no\s)(?:está|están|esta|estan)\s+(?:bien|a\s+salvo|segur\w*)",
        r"se\s+mudó", r"se\s+ha\s+mudado", r"se\s+fue", r"se\s+ha\s+ido", r"se\s+marchó",
        r"lo\s+detuvieron", r"detenid[oa]", r"arrestad[oa]", r"ya\s+pasó", r"se\s+acabó", r"terminó",
        r"duerme", r"durmiendo", r"ya\s+no",
    ),
    "el": (
        r"ηρέμησ\w*", r"ήρεμ\w*", r"ησυχ\w*", r"(?<!δεν\s)(?<!δεν\sειναι\s)(?:καλά|ασφαλ\w*)",
        r"μετακόμισ\w*", r"έφυγε", r"έφυγαν", r"συνελήφθη", r"συνέλαβαν", r"τελείωσε", r"πέρασε",
        r"κοιμάται", r"κοιμούνται",
    ),
    "bg": (
        r"спокойн\w*", r"тихо", r"(?<!не\s)(?:е|са)\s+(?:добре|в\s+безопасност)", r"в\s+безопасност\w*",
        r"изнесе", r"се\s+изнесе", r"замина", r"напусна", r"си\s+тръгна", r"арестуван\w*", r"задържан\w*",
        r"арестовали", r"свърши", r"приключи", r"спи", r"спят", r"вече\s+не", r"уехал", r"съехал",
    ),
    "ar": (
        r"انتقل", r"رحل", r"غادر", r"ترك\s+البيت", r"بخير", r"بامان", r"في\s+امان", r"هادئ", r"هدا",
        r"هدوء", r"انتهى", r"خلص", r"اعتقل", r"القبض", r"نايم", r"نائم", r"لم\s+يعد",
    ),
    "fa": (
        r"اسباب\s*کشی", r"از\s+(?:خانه|خونه)\s+رفت", r"خوب(?:ه|ن|ند|\s+است|\s+هستند)\b", r"در\s+امان",
        r"آرام\s+(?:است|شد|ه)", r"آروم\s+(?:شد|ه)", r"تموم\s+شد", r"تمام\s+شد", r"دستگیر", r"خوابید",
        r"خوابه",
    ),
    "zh": (
        r"没事了", r"沒事了", r"安全了", r"很安全", r"平静", r"平靜", r"安静了", r"安靜了",
        r"搬走", r"搬出去", r"离开了", r"離開了", r"已经走了", r"他走了", r"被捕", r"被抓",
        r"结束了", r"結束了", r"过去了", r"過去了", r"睡着", r"睡著", r"不再",
    ),
}
# fmt: on


# A negation just before a word of calm turns it around ("nie jest spokojnie": it is not calm).
_OVER_NEGATION: Dict[str, str] = {
    "pl": r"\bnie\b",
    "ro": r"\bnu\b",
    "pt": r"\bnão\b|\bnem\b",
    "es": r"\bno\b|\bni\b",
    "el": r"\bδεν\b|\bμην\b|\bόχι\b",
    "bg": r"\bне\b|\bнито\b",
    "ar": r"ليس|مش|مو\s|غير|\bلا\s",
    "fa": r"نیست|\bنه\s|نمی",
}
_NEGATION_BEFORE = 12  # characters before a word of calm in which a negation counts


@dataclass(frozen=True)
class _Lexicon:
    """One language's compiled lexicon (see the comment above the lexicons)."""

    whole_words: bool  # an alphabet: entries match whole words of the folded and squeezed text
    signs: Tuple[Tuple[str, Pattern[str]], ...]  # (category, pattern): danger on their own
    summon: Optional[Pattern[str]]
    harm_now: Optional[Pattern[str]]
    harm: Optional[Pattern[str]]
    help: Optional[Pattern[str]]
    alarm: Optional[Pattern[str]]
    now: Optional[Pattern[str]]
    child: Optional[Pattern[str]]
    hedge: Optional[Pattern[str]]
    calm: Optional[Pattern[str]]
    question: Optional[Pattern[str]]
    over: Optional[Pattern[str]] = None
    negation: Optional[Pattern[str]] = None

    def prepare(self, folded: str) -> str:
        """The folded text as this lexicon matches it."""
        return _squeeze(folded) if self.whole_words else folded


_SIGN_CATEGORIES = (
    "weapon",
    "kill",
    "unconscious",
    "strangling",
    "blood",
    "fire",
    "drowning",
    "kidnapping",
    "cry",
)


def _alternation(entries: Iterable[str]) -> str:
    """One regular expression matching any of the (folded) entries."""
    return "|".join(_fold_pattern(entry) for entry in entries)


def _compile(entries: Sequence[str], whole_words: bool) -> Optional[Pattern[str]]:
    """A category's entries as one pattern (of whole words, for an alphabet); None without entries."""
    if not entries:
        return None
    body = _alternation(entries)
    return re.compile(rf"\b(?:{body})\b" if whole_words else f"(?:{body})")


def _build(lexicon: Mapping[str, _Entries], whole_words: bool) -> _Lexicon:
    """A language's lexicon, compiled."""

    def get(category: str) -> Optional[Pattern[str]]:
        return _compile(lexicon.get(category, ()), whole_words)

    greeting = _alternation(lexicon.get("greeting", ()))
    opener = _alternation(lexicon["question"])
    end = r"\b" if whole_words else ""
    hello = rf"(?:(?:{greeting})[\W_]*)?" if greeting else ""
    question = re.compile(rf"^[\W_]*{hello}(?:{opener}){end}")
    signs = tuple(
        (category, pattern) for category in _SIGN_CATEGORIES if (pattern := get(category)) is not None
    )
    return _Lexicon(
        whole_words=whole_words,
        signs=signs,
        summon=get("summon"),
        harm_now=get("harm_now"),
        harm=get("harm"),
        help=get("help"),
        alarm=get("alarm"),
        now=get("now"),
        child=get("child"),
        hedge=get("hedge"),
        calm=get("calm"),
        question=question,
        over=get("over"),
        negation=re.compile(_fold_pattern(lexicon["negation"])) if lexicon.get("negation") else None,
    )


_LEXICONS: Dict[str, _Lexicon] = {
    "pl": _build({**_PL, "over": _OVER["pl"], "negation": (_OVER_NEGATION["pl"],)}, whole_words=True),
    "ro": _build({**_RO, "over": _OVER["ro"], "negation": (_OVER_NEGATION["ro"],)}, whole_words=True),
    "pt": _build({**_PT, "over": _OVER["pt"], "negation": (_OVER_NEGATION["pt"],)}, whole_words=True),
    "es": _build({**_ES, "over": _OVER["es"], "negation": (_OVER_NEGATION["es"],)}, whole_words=True),
    "el": _build({**_EL, "over": _OVER["el"], "negation": (_OVER_NEGATION["el"],)}, whole_words=True),
    "bg": _build({**_BG, "over": _OVER["bg"], "negation": (_OVER_NEGATION["bg"],)}, whole_words=True),
    "ar": _build({**_AR, "over": _OVER["ar"], "negation": (_OVER_NEGATION["ar"],)}, whole_words=False),
    "fa": _build({**_FA, "over": _OVER["fa"], "negation": (_OVER_NEGATION["fa"],)}, whole_words=False),
    "zh": _build({**_ZH, "over": _OVER["zh"]}, whole_words=False),
}

# English emergency words inside a foreign message ("moje dziecko nie oddycha, police!").
_ENGLISH_SIGNS = re.compile(r"(?<!\d)999(?!\d)|(?<![a-z])(?:police|ambulance|help\s*me|help\s*!)(?![a-z])")


# --- recognising the language ---------------------------------------------------------------
# fmt: off
_SCRIPTS: Dict[str, Pattern[str]] = {  # on a tie, the first wins: Latin is last
    "greek": re.compile(r"[\u0386\u0388-\u03ce\u03d0-\u03ff\u1f00-\u1ffc]"),
    "cyrillic": re.compile(r"[\u0400-\u0481\u048a-\u052f]"),
    "arabic": re.compile(
        r"[\u0620-\u064a\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff\u0750-\u077f\u08a0-\u08ff"
        r"\ufb50-\ufdff\ufe70-\ufefc]"
    ),
    "han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "kana": re.compile(r"[\u3040-\u309f\u30a0-\u30ff]"),
    "hangul": re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]"),
    # Hebrew, Armenian, Georgian, the Indic scripts, Thai, Ethiopic: none of ours
    "other": re.compile(r"[\u0530-\u058f\u05d0-\u05ea\u0900-\u0dff\u0e00-\u0e7f\u10a0-\u10ff\u1200-\u137f]"),
    "latin": re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]"),
}
# fmt: on
# One Han, kana or Hangul character carries about as much as three letters of an alphabet; the
# Arabic script leaves short vowels out.
_SCRIPT_WEIGHT = {"han": 3.0, "kana": 3.0, "hangul": 3.0, "arabic": 1.5}

# Letters of Urdu, Pashto and Sorani Kurdish that Persian and Arabic do not use: not ours.
_NOT_PERSIAN_OR_ARABIC = re.compile(r"[ٹڈڑںےۓټډړښږځڅېۍڕڵۆێە]")
_PERSIAN_LETTERS = re.compile(r"[پچژگ]")
_PERSIAN_SPELLING = re.compile(r"[یک]")  # Persian yeh and keheh (Arabic keyboards type ي and ك)
_ARABIC_SPELLING = re.compile(r"[ةيكى]")

# fmt: off
# Frequent words, folded (no accents), one string per language. A word several languages share
# counts for each with a weight of 1/n; English's list includes the foreign-looking English words
# ("pan", "sin", "care") and leaves out the emergency words people write in any language
# ("police", "help", "call").
_WORDS: Dict[str, str] = {
    "en": """a about above after again against all am an and any are aren as at be because been
        before being below between both but by can cant could couldn did didn do does doesn doing
        don done down during each few for from further had has have having he her here hers him
        himself his how i if in into is isn it its itself just me more most my myself no nor not
        now of off on once only or other our ours out over own same she should so some such than
        that the their theirs them then there these they this those through to too under until up
        very was wasn we were what when where which while who whom why will with won would you
        your yours im ive id ill youre hes shes theyre thats whats theres u ur pls
        please thanks thank hi hello hey yes yeah yep nope ok okay sure know think want need said
        says told tell say get got go going gone come came see saw seen make made child children
        kid kids son daughter baby boy girl mum mom dad father mother parent parents neighbour
        neighbor neighbours school teacher home house report referral worried worry concern
        concerned happened happening hurt hit hitting right today tonight yesterday week last time
        also still really maybe something someone anyone nothing like well back little old year
        years one two three lot much many idk dunno lol bruise bruises care ten pan sin con dice
        name named lives live living family speak speaks english polish doesnt didnt isnt wasnt
        dont wont cannot social worker number phone address street road flat needs left alone
        scared afraid bad good thing things sorry bit next door keeps keep shouting shouted
        screaming crying friend from road ran off mrs mr miss ms dear sir madam writing raise
        pupil place takeaway arm arms last night morning evening boyfriend girlfriend partner
        abuse abused abuses abusing abusive physical emotional sexual neglect meaning definition
        show torture tortured suicide suicidal overdose overdosed violence violent pistol revolver
        rifle machete bat bats urgent alarm taco tapas sangria mortal fumes gun knife fire blood
        breathing dead kill killed molest molested molesting molests bite bites biting violate
        violated violation violations alarms policies people person man men woman women way day
        days first new great long give gave given take took taken find found work works worked
        look looked looking feel felt seem seems seemed leave ask asked asking try tried show
        showed put keep kept let begin began run ran move moved hold held bring brought write wrote
        sit sat stand stood lose lost pay paid meet met include continue set learn change lead
        understand watch follow stop create read spend grow open walk win offer remember love
        consider appear buy wait serve die send expect build stay fall cut reach kill remain
        suggest raise pass sell require decide pull break happen happens hear heard talk talked
        talking told telling asked every never always sometimes often usually already soon later
        again ever even though although however whether yet since ago quick quickly slow weather
        sends sent exit link website online message messages text chat email phone
        world life hand part case point government company group problem fact eye eyes face
        week weeks month months room money story lot night water thing question answer kind head
        side door car cars bus train shop town city area officer officers service services
        job course body book word words end line line order state business issue kind war power
        black white red blue green big small large young older next early late important public
        able free sure real best better worse worst hard easy clear whole sorry happy sad angry
        upset drunk high safe unsafe hungry dirty tired ill sick pain injury injured bleeding
        cuts cut broken bones bruised marks mark crying cried shouts shouted yelling screams
        screamed behind inside outside near nearby around across along down past front top
        bottom middle between without within towards against toward yes no maybe please thanks""",
    "pl": """i w z na do nie jest to sie ze ale jak co tak od po za o moj moja moje mojego mojej
        moim mnie mi ja ty on ona ono oni one my wy jego jej ich tego ten ta te tu tam tutaj teraz
        juz bardzo jestem jestes jestesmy sa byl byla bylo byli byly bede bedzie beda maz meza
        mezem zona dziecko dziecka dzieckiem dzieci dzieciom dziecmi syn syna synem synek synka
        corka corke corki coreczka sasiad sasiada sasiadka sasiedzi sasiadow bije pomocy pomoc
        prosze czy gdzie kiedy dlaczego ktory ktora ktore ktorzy przez dla bez mam ma masz mamy
        maja mial miala moze mozna moge mozesz trzeba chce chcialam chcialem chcesz wiem wie nic
        cos ktos nikt zawsze nigdy bo gdy jesli jezeli wiec tez takze jeszcze tylko sobie siebie
        go jemu nim nia nas was im wam szybko policja policje policji zrobic zglosic zgloszenie
        dziekuje czesc dobrze zle ojciec ojca matka matki mama tata taty chlopak chlopiec
        dziewczyna dziewczynka dziewczynke niego niej nich domu dom mieszkanie mieszkaniu jaki
        jaka jakie jakiego jakis jakas jakies numer numeru zadzwonic dzwonic robic wlasnie przed
        miedzy tym tej tych temu wszystko wszyscy kazdy zeby aby albo lub czyli oraz nad pod przy
        razem dzis dzisiaj wczoraj jutro rano wieczorem noc nocy krzyczy placze boi boje
        dziewczynki chlopca rodzice rodzina szkola szkole nauczyciel pani prosze ratunku
        karetka karetke zabije zabil nozem noz dzieje stalo widzialam widzialem siniaki rece
        zrobil powiedzial mowi wraca dzien dobry potrzebuje potrzebujemy pytanie pytania
        skierowanie skierowania zgloszenia anonimowo anonimowa anonimowy mowie mowisz angielsku
        angielski polsku polski rozumiem martwie martwi opieki opieka spolecznej telefonu telefon
        dzieki witam chcialabym chcialbym sprawie dotyczacy dotyczy slyszalam slyszalem krzyki
        placz glosno musze musi swoje swoj swoja dane podac ojczym macocha brat siostra""",
    "ro": """si sau in la cu pe de din prin pentru despre este e sunt era au fost nu da ma mi imi
        meu mea mei mele tau ta lui ei lor copil copilul copii copiii copilului copiilor sotul
        sotia sot baiat baiatul baietel fata fetita fetitei bate acum un o unui unei care ce cum
        unde cand cine cat dar foarte acest aceasta acesta asta asa aici acolo el ea ele eu tu noi
        voi dumneavoastra are am ai avem aveti al ale cel cea cei sa se va te il ii mai tot toti
        toate doar daca ca vecin vecinul vecina vecinii vecinilor mama tata fiul fiica ajutor
        ajutati politia politie deja acasa casa noapte zi ziua azi ieri maine trebuie vreau vrea
        pot poate poti stiu stie ceva cineva nimic niciodata mereu multumesc rog sesizare numar
        suna sunati intampla dupa inainte spune spus zis facut face fac bine rau altul alta
        omoare omoara cutit respira masina forta loveste chiar vazut vanatai mana saptamana
        trecuta bebelusul misca barbat buna ziua nevoie vorbesc engleza romana limba inteleg
        ingrijorat ingrijorata vecinilor numarul telefon telefonul intrebare intrebari anonim
        anonima raman fac frumos mersi salut stiu vazut auzit tipete plange pistol tatal mamei
        sora fratele""",
    "pt": """o a os as um uma uns umas de do da dos das em no na nos nas num numa com por pelo
        pela pelos pelas para pra pro que e nao sim eu ele ela eles elas voce voces vc meu minha
        meus minhas seu sua seus suas esta estao estou estava sou foi era tem tenho tinha temos
        ter ser vai vou vamos muito muita mais mas quando onde como qual quem porque tambem ja
        ainda aqui ali agora isso isto este esse essa aquele aquela ao aos filho filha filhos
        filhas mae pai pais marido mulher esposa crianca criancas vizinho vizinha vizinhos ajuda
        ajudar obrigado obrigada ola oi pode posso podem quero preciso precisa sei sabe acho dele
        dela deles nele nela lhe me te se menino menina meninos bebe socorro policia batendo favor
        casa numero ligar liguei denuncia denunciar preocupacao depois antes hoje ontem amanha
        noite dia semana outro outra bem mal assim entao sempre nunca tempo vez coisa gente senhor
        senhora familia escola professor acontece fazer fez disse faca matar bater respirar
        dentro carro braco nodoas negras passada chamem precisamos falo fala ingles portugues
        entendo preocupado preocupada telefone pergunta duvida anonimo anonima ficar bom boa tarde
        vi ouvi gritos chorando chora bate batem bateu padrasto madrasta irma irmao""",
    "es": """el la los las un una unos unas de del al y a e o u en con por para que es son era fue
        esta estan estoy estas estamos soy eres somos hay muy pero porque cuando donde como cual
        quien yo tu ella ellos ellas nosotros vosotros usted ustedes mi mis su sus le les lo me te
        se nos sin ya si no tiene tienen tengo tienes tenemos hace hacer hizo puedo puede pueden
        quiero quiere necesito necesita hijo hija hijos hijas nino nina ninos ninas bebe madre
        padre mama papa esposo esposa marido mujer vecino vecina vecinos ayuda ayudar ahora aqui
        alli ahi eso esto este ese esa estos esas gracias hola tambien todo todos nada algo
        alguien mucho muchos poco sabe dice dijo pegando policia socorro favor casa pasa pasar
        numero llamar llamo denuncia denunciar reportar preocupacion despues antes hoy ayer
        manana noche dia semana otro otra mas menos bien mal asi entonces siempre nunca tiempo vez
        cosa gente senor senora familia colegio escuela profesor cuchillo matar dentro fuego
        brazo moretones pasada mismo necesitamos hablo habla ingles espanol entiendo preocupado
        preocupada telefono pregunta duda anonimo anonima quedarme muchas buenos buenas dias
        tardes vi oi gritos llorando llora pega pego padrastro madrastra hermana hermano""",
    # French, Italian and German: Latin-script messages that are none of ours
    "xx": """le les est et une des du je il elle nous vous pas avec pour dans mon mes qui au aux
        mais sont ont enfant mari cette tres suis fait di che non per della sono ho gli anche
        molto adesso aiuto figlio figlia bambino bambina marito questo questa der die das und ist
        ich nicht mein meine ein eine mit sie er kind mann jetzt hilfe bitte auf zu den dem wir
        ihr maintenant frappe schlagt""",
}
# Spellings of one language that English words hardly have: a hint, never enough on its own.
_SPELLINGS: Dict[str, Pattern[str]] = {
    "pl": re.compile(r"sz|cz|rz|dz|prz|(?:ych|iej|ego|owi|ami)$"),
    "ro": re.compile(r"(?:ului|ilor|elor|easca|este|esti|(?<![fo])ul|ii)$"),
    "pt": re.compile(r"nh|lh|(?:cao|coes|inho|inha|ndo|mente)$"),
    "es": re.compile(r"(?:cion|ciones|iendo|ando|mente|illo|illa)$|^ll"),
}
# Words that alone make a message of one to three words clearly that language ("pomocy").
_SIGNATURES: Dict[str, str] = {
    "pl": "pomocy ratunku dziecko dzieci teraz policje policji karetke szybko",
    "ro": "ajutor ajutati sariti copilul copiii acum politia politie repede",
    "pt": "socorro ajuda ajudem agora crianca policia depressa",
    "es": "socorro ayuda ayudenme ahora policia",
}
_DIACRITICS: Dict[str, str] = {  # letters one of the Latin-script languages has and the others lack
    "pl": "ąęłńśźżć",
    "ro": "ășşțţî",
    "pt": "ãõçêôà",
    "es": "ñ¿¡",
}
# fmt: on

_OWNERS: Dict[str, FrozenSet[str]] = {}
for _language, _list in _WORDS.items():
    for _word in _list.split():
        _OWNERS[_word] = _OWNERS.get(_word, frozenset()) | {_language}
_SIGNATURE_OWNERS: Dict[str, FrozenSet[str]] = {}
for _language, _list in _SIGNATURES.items():
    for _word in _list.split():
        _SIGNATURE_OWNERS[_word] = _SIGNATURE_OWNERS.get(_word, frozenset()) | {_language}

_ARABIC_WORDS = frozenset(
    fold(word)
    for word in """في على الى إلى هذا هذه ذلك تلك التي الذي الذين لا هو هي انا أنا نحن انت أنت كان
    كانت يا لقد قد عن مع لم لن ماذا كيف ليس عندي زوجي ابني طفل طفلي الشرطة مساعدة ارجوك ارجوكم
    شكرا هل شو مش عم هيك ايش وين بدي جاري اخي اختي الله ولد بنت بنتي الطفل الاطفال يضرب ضرب يقتل
    الآن لازم اريد أريد ابنتي امي ابي بيت البيت مرحبا اهلا""".split()
)
_PERSIAN_WORDS = frozenset(
    fold(word)
    for word in """است هست نیست می نمی را رو که از با برای یک یه تو شما آنها اونها خیلی نه بله
    آره چی چه کجا چرا چطور داره دارد دارم دارن بچه بچم بچه‌ام پسرم دخترم شوهرم شوهر همسرم همسایه
    کمک پلیس اینجا نمیدونم لطفا ممنون مرسی باید شد بود کرد کن شده کسی چیزی خانه خونه مادر پدر
    مامان بابا دیگه میزنه میکنه میکند زن مرد اون این الان چیه سلام میخوام میتونم نمیدونم سوال دارم""".split()
)
_GREEK_WORDS = frozenset(
    fold(word)
    for word in """και το τα η ο οι του της των να θα δεν μη με σε για από είναι έχει εγώ εσύ
    αυτός αυτή μου σου μας σας τι πώς πού ναι όχι ευχαριστώ γεια παιδί παιδιά βοήθεια αστυνομία
    τώρα εδώ εκεί πολύ καλά καλημέρα ξέρω θέλω μπορώ""".split()
)
_BULGARIAN_WORDS = frozenset(
    fold(word)
    for word in """и на да не е се в за с от ли ще си са съм ми ме ти те той тя то ние вие какво как
    къде кога защо дете детето деца помощ полиция сега тук там много благодаря здравейте моля знам
    искам мога нет въпрос нужда анонимен анонимно сигнал подам говоря английски разбирам
    притеснявам добър ден номер телефон съседите""".split()
)
# Chinese: single characters that names hardly use
_CHINESE_CHARACTERS = frozenset(
    "的了是我你他她在有不这這那吗嗎呢好很什么麼怎谢謝请請没沒要会會能和就都也说說们們个個吧啊"
)
_FREQUENT: Dict[str, FrozenSet[str]] = {
    "el": _GREEK_WORDS,
    "bg": _BULGARIAN_WORDS,
    "ar": _ARABIC_WORDS,
    "fa": _PERSIAN_WORDS,
    "zh": _CHINESE_CHARACTERS,
}
_LATIN_WORD = re.compile(r"[a-z]+")
# Web and email addresses: their words are no language's. (Each starts at a word's start: no
# backtracking through a long run of letters.)
_ADDRESSES = re.compile(r"\b[A-Za-z][\w+.-]*://\S*|\bwww\.\S*|\b[\w.+-]+@\S+")
_ARABIC_SCRIPT_WORD = re.compile(r"[\u0620-\u06ff]+")


def _main_script(text: str) -> Tuple[Optional[str], Dict[str, int]]:
    """The script most of ``text``'s letters are in (None without letters), and each script's count."""
    counts = {name: len(pattern.findall(text)) for name, pattern in _SCRIPTS.items()}
    weighted = {name: count * _SCRIPT_WEIGHT.get(name, 1.0) for name, count in counts.items()}
    best = max(weighted, key=weighted.__getitem__)
    return (best if weighted[best] else None), counts


def _lexicon_matches(language: str, folded: str, danger_only: bool = False) -> List[str]:
    """The language's danger and help words (and, unless ``danger_only``, its urgency and child
    words) in ``folded``, numbers ("999") left out."""
    lexicon = _LEXICONS[language]
    folded = lexicon.prepare(folded)
    patterns = [pattern for _, pattern in lexicon.signs]
    patterns += [lexicon.summon, lexicon.harm_now, lexicon.harm, lexicon.help, lexicon.alarm]
    if not danger_only:
        patterns += [lexicon.now, lexicon.child]
    found = (
        match.group() for pattern in patterns if pattern is not None for match in pattern.finditer(folded)
    )
    return [word for word in found if not word.isdigit()]


def _latin_evidence(folded: str, lowered: str) -> Tuple[List[str], Dict[str, float], Dict[str, float]]:
    """The words of a Latin-script message, each language's evidence from its frequent words
    ("en" and "xx" included), and from its letters and spellings."""
    tokens = _LATIN_WORD.findall(folded)
    words: Dict[str, float] = dict.fromkeys((*_LATIN, "en", "xx"), 0.0)
    spelling: Dict[str, float] = dict.fromkeys(_LATIN, 0.0)
    for token in tokens:
        owners = _OWNERS.get(token)
        if owners:
            for owner in owners:
                words[owner] += 1.0 / len(owners)
            continue
        for language, pattern in _SPELLINGS.items():
            if pattern.search(token):
                spelling[language] += 0.3
    hints = {
        language: 0.75 * min(2, sum(1 for char in chars if char in lowered)) + min(1.0, spelling[language])
        for language, chars in _DIACRITICS.items()
    }
    return tokens, words, hints


def _clear_winner(
    words: Mapping[str, float], hints: Mapping[str, float], tokens: Sequence[str]
) -> Optional[str]:
    """The Latin-script language with clearly more evidence than English and the others, from two
    different words at least ("la la la" is not Spanish)."""
    scores = {language: words[language] + hints.get(language, 0.0) for language in words}
    best = sorted(_LATIN, key=lambda language: (-scores[language], _LATIN.index(language)))[0]
    if (
        len({token for token in tokens if best in _OWNERS.get(token, ())}) >= 2
        and words[best] >= 1.0
        and scores[best] >= (2.0 if words["en"] else 1.5)
        and scores[best] >= 1.5 * words["en"]
        and words[best] > words["en"]
        and scores[best] > scores["xx"]
    ):
        return best
    return None


def _short_message_language(tokens: Sequence[str], folded: str) -> Optional[str]:
    """The language of a message of one to three words, when more of them are clearly that
    language's (a cry, a danger word: "Pomocy!", "socorro", "are cutit!", "nie oddycha") than are
    English's alone ("he said pomocy"); names have none."""
    english = len({token for token in tokens if _OWNERS.get(token) == {"en"}})
    hits: Dict[str, int] = {}
    for language in _LATIN:
        found = {token for token in tokens if language in _SIGNATURE_OWNERS.get(token, ())}
        found |= set(_lexicon_matches(language, folded, danger_only=True))
        hits[language] = len({word for word in found if "en" not in _OWNERS.get(word, ())})
    best = sorted(_LATIN, key=lambda language: (-hits[language], LANGUAGES.index(language)))[0]
    return best if hits[best] > english else None


def _read_latin(text: str, folded: str) -> Optional[str]:
    """The language of a message in the Latin script, None for English and when unsure."""
    tokens, words, hints = _latin_evidence(folded, text.lower())
    guess: Optional[str] = None
    if len(tokens) >= 3:
        guess = _clear_winner(words, hints, tokens)
        foreign = max(words[language] + hints[language] for language in _LATIN)
        if guess is None and foreign > 0.0 and foreign > words["en"]:
            # Not enough frequent words: a lexicon's words count too ("secuestraron a mi hija").
            words = dict(words)
            for language in _LATIN:
                words[language] += 0.75 * min(3, len(_lexicon_matches(language, folded)))
            guess = _clear_winner(words, hints, tokens)
    elif len(tokens) == 2:
        # Two words of one language and no other ("muchas gracias", "nie wiem").
        first, second = (_OWNERS.get(token, frozenset()) for token in tokens)
        if len(first) == 1 and first == second and not first & {"en", "xx"}:
            guess = next(iter(first))
    if guess is None and len(tokens) <= 3:
        guess = _short_message_language(tokens, folded)
    return guess


def _read_arabic_script(text: str) -> Optional[str]:
    """``fa`` or ``ar`` for a message in the Arabic script, None for Urdu, Pashto or Kurdish."""
    if _NOT_PERSIAN_OR_ARABIC.search(text):
        return None
    words = _ARABIC_SCRIPT_WORD.findall(fold(text.replace("\u200c", " ")))
    persian = 3.0 * bool(_PERSIAN_LETTERS.search(text)) + len(_PERSIAN_LETTERS.findall(text))
    persian += 0.5 * len(_PERSIAN_SPELLING.findall(text))
    arabic = len(_ARABIC_SPELLING.findall(text)) * 0.5
    for word in words:
        if word in _PERSIAN_WORDS:
            persian += 1.0
        if word in _ARABIC_WORDS:
            arabic += 1.0
        if word.startswith("ال") and word not in _PERSIAN_WORDS and len(word) > 3:
            arabic += 0.5  # the Arabic article (Persian borrows few words with it, "الان" one)
    return "fa" if persian > arabic else "ar"


def _read(text: str) -> Optional[str]:
    """``language_of`` for a message that is not blank."""
    script, counts = _main_script(text)
    if script is None:
        return None
    if script == "latin":
        return _read_latin(text, _squeeze(fold(_ADDRESSES.sub(" ", text))))
    guess: Optional[str] = None
    if script == "greek" and counts["greek"] >= 2:
        guess = "el"
    elif script == "cyrillic" and counts["cyrillic"] >= 2:
        guess = "bg"
    elif script == "han" and not counts["kana"]:
        guess = "zh"
    elif script == "arabic" and counts["arabic"] >= 2:
        guess = _read_arabic_script(text)
    if guess is not None and not _says_something(text, guess, counts[script]):
        guess = None
    return guess


def _says_something(text: str, language: str, letters: int) -> bool:
    """Whether a message in a non-Latin script is more than a name ("Μαρία", "李伟"): a message of
    one or two words (three Chinese characters) must have one of the language's frequent words,
    or a word of its lexicon."""
    folded = fold(text.replace("\u200c", " "))
    if language == "zh":
        if letters > 3:
            return True
        if any(char in _FREQUENT["zh"] for char in folded):
            return True
    else:
        words = re.findall(r"[^\W\d_]+", folded)
        if len(words) > 2:
            return True
        if any(word in _FREQUENT[language] for word in words):
            return True
    lexicon = _LEXICONS[language]
    question = lexicon.question is not None and lexicon.question.search(lexicon.prepare(folded)) is not None
    return question or bool(_lexicon_matches(language, folded))


def language_of(text: str) -> Optional[str]:
    """The ISO 639-1 code of ``text``'s language when it is clearly one of ``LANGUAGES`` and not
    English ("moj maz bije dziecko teraz" -> "pl"), else None: English, a name, a postcode, a
    phone number, an emoji, "ok", English with a foreign word in it, another language.
    """
    if not text or not text.strip():
        return None
    return _read(text)


# A message of at least this many words, or letters (Japanese and Thai leave no spaces), in a
# script none of ours is written in (Urdu, Punjabi, Hindi, Bengali, Korean, Japanese, Hebrew,
# Thai...): fewer may be a name.
_WORDS_OF_ANOTHER_SCRIPT = 3
_LETTERS_OF_ANOTHER_SCRIPT = 8


def in_a_script_not_ours(text: str) -> bool:
    """Whether ``text`` is a sentence in a language the assistant cannot read at all, told by its
    script: most letters in a script of none of ``LANGUAGES`` (kana, Hangul, Hebrew, the Indic
    scripts...) or in the Arabic script with letters of Urdu, Pashto or Kurdish, in three words or
    eight letters or more. Greek, Cyrillic, Han and Arabic or Persian are ``language_of``'s to read."""
    if not text:
        return False
    script, counts = _main_script(text)
    if script is None or script == "latin":
        return False
    if len(text.split()) < _WORDS_OF_ANOTHER_SCRIPT and counts[script] < _LETTERS_OF_ANOTHER_SCRIPT:
        return False
    if script in ("kana", "hangul", "other"):
        return True
    return script == "arabic" and bool(_NOT_PERSIAN_OR_ARABIC.search(text))


# --- danger ---------------------------------------------------------------------------------
def _found(pattern: Optional[Pattern[str]], folded: str) -> List[Tuple[int, int]]:
    """Where ``pattern`` matches ``folded``."""
    return [match.span() for match in pattern.finditer(folded)] if pattern is not None else []


def _says_over(lexicon: _Lexicon, folded: str) -> bool:
    """Whether ``folded`` has a word that the harm is over or the child calm or safe, not negated."""
    if lexicon.over is None:
        return False
    for found in lexicon.over.finditer(folded):
        before = folded[max(0, found.start() - _NEGATION_BEFORE) : found.start()]
        if lexicon.negation is None or not lexicon.negation.search(before):
            return True
    return False


def _describes_danger(lexicon: _Lexicon, folded: str, short: bool) -> List[Tuple[int, int]]:
    """The spans of ``folded`` that make it describe immediate danger (see the module's
    docstring), or an empty list."""
    signs = [span for _, pattern in lexicon.signs for span in _found(pattern, folded)]
    signs += [match.span() for match in _ENGLISH_SIGNS.finditer(folded)]
    summon = _found(lexicon.summon, folded)
    harm_now = _found(lexicon.harm_now, folded)
    harm = _found(lexicon.harm, folded)
    help_ = _found(lexicon.help, folded)
    alarm = _found(lexicon.alarm, folded)
    now = _found(lexicon.now, folded)
    exclaims = "!" in folded or "¡" in folded
    question = not exclaims and lexicon.question is not None and lexicon.question.search(folded) is not None
    child = lexicon.child is not None and lexicon.child.search(folded) is not None
    hedged = lexicon.hedge is not None and lexicon.hedge.search(folded) is not None
    calm = lexicon.calm is not None and lexicon.calm.search(folded) is not None
    # "a few weeks ago he hit her; now it is calm": harm and "now" beside a word that it is over.
    over = bool((harm_now or harm or help_ or alarm) and _says_over(lexicon, folded))

    spans: List[Tuple[int, int]] = list(signs)
    if (harm_now or harm) and (now or help_ or alarm or summon) and not over:
        spans += harm_now + harm + now + help_ + alarm + summon
    if (help_ or alarm) and now and not over:
        spans += help_ + alarm + now
    if summon and not question:
        spans += summon
    if help_ and child and not question:
        spans += help_
    if (help_ or alarm) and (exclaims or short) and not question and not calm:
        spans += help_ + alarm
    if harm_now and not hedged and not question and not over:
        spans += harm_now
    return spans


def _short(text: str, folded: str, language: str) -> bool:
    """A message of one to three words (four Chinese characters)."""
    if language == "zh":
        return len(_SCRIPTS["han"].findall(text)) <= 4
    return len(re.findall(r"\w+", folded)) <= 3


_REST_OF_WORD = re.compile(r"[^\W\d_]*")


def _merged(spans: Iterable[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """The spans, overlapping ones joined, in order."""
    merged: List[Tuple[int, int]] = []
    for start, end in sorted(set(spans)):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def danger_in(text: str, language: Optional[str] = None) -> Tuple[str, ...]:
    """The words of ``text``, a message in ``language`` (found with ``language_of`` when not
    given), that describe immediate danger, in the order they appear; an empty tuple when it does
    not describe immediate danger, or is English, or in none of ``LANGUAGES``.

    ``danger_in("moj maz bije dziecko teraz")`` -> ``("bije", "teraz")``.
    """
    if not text or not text.strip():
        return ()
    if language not in _LEXICONS:
        language = language_of(text) if language is None else None
        if language is None:
            return ()
    lexicon = _LEXICONS[language]
    folded = lexicon.prepare(fold(text))
    spans = _describes_danger(lexicon, folded, _short(text, folded, language))
    if not spans:
        return ()
    merged = _merged(spans)
    if language in ("ar", "fa"):
        # Arabic-script entries are stems: report the whole word ("میزن" -> "میزنه").
        whole: List[Tuple[int, int]] = []
        for start, end in merged:
            if whole and start < whole[-1][1]:
                continue  # in the word already reported
            whole.append((start, _REST_OF_WORD.match(folded, end).end()))
        merged = whole
    words = _spans_to_original(text, merged, squeezed=lexicon.whole_words)
    return tuple(dict.fromkeys(word for word in words if word))
