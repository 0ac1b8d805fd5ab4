"""Identifiers with a shape: licence plates, handles, dates, postcodes, e-mail addresses
and phone numbers spelled out in words, streets without a street-type word.

Each rule is written for what a note in Dutch, French or English looks like; none needs
a model. The word lists here are the few words that announce an identifier (a cue such
as 'nummerplaat', 'snapchat', 'geboren'); no library lists those.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .keep import is_kept
from .spans import Span

_NAME_PREFIX = re.compile(r"^(?:Mc|Mac|De|Van|Le|La|Di|Da|O)[A-Z]")  # surnames, not handles

_LETTER = r"A-Za-zÀ-ÖØ-öø-ÿ"

# Licence plates: Belgium (1-ABC-234, ABC-123), the Netherlands' side codes (12-ABC-3,
# AB-12-CD ...), France (AB-123-CD), the UK (AB12 CDE), Ireland (191-D-12345),
# Luxembourg (AB 1234). Letters and digits must alternate in groups, so words and numbers
# alone never match.
_PLATE = re.compile(
    r"""(?<![\w-])(?:
      [1-9O][-.\s]?[A-Z]{3}[-.\s]?\d{3}                       # BE 1-ABC-234
    | [A-Z]{3}[-.]\d{3} | \d{3}[-.][A-Z]{3}                   # BE older
    | [A-Z]{2}-\d{3}-[A-Z]{2} | [A-Z]{2}\s\d{3}\s[A-Z]{2}      # FR, NL
    | \d{2}-[A-Z]{3}-\d | \d-[A-Z]{3}-\d{2} | [A-Z]-\d{3}-[A-Z]{2}
    | [A-Z]{2}-\d{2}-[A-Z]{2} | \d{2}-[A-Z]{2}-\d{2} | [A-Z]{2}-\d{2}-\d{2} | \d{2}-\d{2}-[A-Z]{2}
    | [A-Z]{3}-\d{2}-[A-Z] | [A-Z]-\d{2}-[A-Z]{3} | \d-[A-Z]{2}-\d{3} | [A-Z]{2}-\d{3}-[A-Z]
    | [A-Z]{2}\d{2}\s?[A-Z]{3}                                # UK
    | \d{2,3}-[A-Z]{1,2}-\d{1,6}                              # IE
    )(?![\w-])""",
    re.X,
)
_PLATE_CUE = re.compile(
    r"\b(?:nummerplaat|nummer\s?plaat|kenteken(?:plaat)?|plaque(?:\s+d'immatriculation)?"
    r"|immatriculation|immatriculée?|number\s?plate|licen[cs]e\s?plate|reg(?:istration)?"
    r"(?:\s?(?:number|no\.?))?|plate)\s*(?:[:=]|is|est)?\s*[\"'«“]?\s*"
    r"(?P<id>[A-Za-z0-9]{1,4}(?:[-.\s][A-Za-z0-9]{1,6}){0,3})",
    re.I,
)

# Handles: @name, Discord's name#1234, and any odd token named by a platform or "pseudo".
_AT_HANDLE = re.compile(r"(?<![\w.@])@[\w][\w.]{1,40}\w|(?<![\w#])[\w.]{2,32}#\d{4}\b")
_PLATFORMS = (
    r"snapchat|snap|insta(?:gram)?|tiktok|tik\s?tok|discord|twitter|x|facebook|fb|telegram"
    r"|whatsapp|roblox|fortnite|minecraft|twitch|youtube|reddit|kik|skype|steam|psn|xbox"
    r"|messenger|threads|bluesky|omegle|wickr|signal|session|grindr|tinder"
)
_HANDLE_CUE = re.compile(
    rf"\b(?:(?:{_PLATFORMS})(?:[-\s]?(?:account|profiel|profil|profile|naam|name|nom|id))?"
    r"|gamertag|gamer\s?tag|pseudo|pseudonyme|gebruikersnaam|username|user\s?name|nickname"
    r"|nick|handle|alias|schuilnaam)"
    r"\s*(?:[:=(]|is|est|was|als|as|called|genaamd|heet|sous|onder|under)?\s*"
    r"(?:le\s+nom|de\s+naam|the\s+name|(?:van|van\s+hem|van\s+haar))?\s*[\"'«“]?\s*"
    r"(?P<id>@?[\w][\w.\-]{1,40}[\w])",
    re.I,
)
# A word with an underscore, or letters then two or more digits, names an account
# ("bigbear_1979", "jeremy.amiens80"); e-mail and web addresses are taken first.
_TOKEN_HANDLE = re.compile(
    r"(?<![\w@./-])(?=[\w.]*(?:_|[A-Za-z]{3}\d{2}))[A-Za-z0-9][\w.]*[A-Za-z0-9](?![\w@/-]|\.\w)"
)
# National numbers of the other countries: UK National Insurance (QQ 12 34 56 C), the
# French NIR (1 84 03 59 350 123 45), Ireland's PPS (1234567TA).
_NATIONAL_IDS = re.compile(
    r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"
    r"|(?<!\d)(?<!\d )[12]\s?\d{2}\s?(?:0[1-9]|1[0-2])\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}"
    r"(?:\s?\d{2})?(?![\d])"
    r"|\b\d{7}[A-W][A-IW]?\b"
)
_UK_ACCOUNT = re.compile(
    r"\b(?P<id>(?:sort\s?code)\s*:?\s*\d{2}-\d{2}-\d{2}(?:,?\s*(?:account|acc\.?)"
    r"(?:\s?(?:number|no\.?))?\s*:?\s*\d{6,10})?)",
    re.I,
)
# A word with a capital inside after a small letter ("xXzwartekatXx", "DarkLord"): a
# chosen account name, unless it is one of the brands we keep (keep.py).
_INNER_CAPITAL = re.compile(r"(?<![\w@.-])(?=\w*[a-z][A-Z])[A-Za-z][\w]{3,40}(?![\w@-])")
_HANDLE_SHAPE = re.compile(r"[\d_.@]|[a-z][A-Z]")  # a digit, _, dot or camelCase: not a word

# E-mail addresses spelled out: "an.janssens apenstaartje gmail punt com".
_SAY_DOT = (r"(?:\s*\.\s*|\s*\((?:dot|punt|point)\)\s*|\s*\[(?:dot|punt|point)\]\s*"
            r"|\s+(?:dot|punt|point)\s+)")
_SAY_AT = (r"(?:\s*@\s*|\s*\((?:at|a|@)\)\s*|\s*\[(?:at|a|@)\]\s*"
           r"|\s+(?:at|apenstaartje|aapje|arobase|arrobase|arobas|a\s+commercial)\s+)")
_TLD = r"(?:com|be|nl|fr|net|org|eu|lu|uk|ie|info|me|io|de)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.])[\w-]+(?:{_SAY_DOT}[\w-]+)*{_SAY_AT}[\w-]+(?:{_SAY_DOT}[\w-]+)*{_SAY_DOT}{_TLD}\b",
    re.I,
)

# Phone numbers with digits in words ("nul vier zeven vijf ...", "zéro quatre septante").
_DIGIT_WORDS = {
    # Dutch
    "nul": 1, "een": 1, "één": 1, "twee": 1, "drie": 1, "vier": 1, "vijf": 1, "zes": 1,
    "zeven": 1, "acht": 1, "negen": 1, "tien": 2, "elf": 2, "twaalf": 2, "dertien": 2,
    "veertien": 2, "twintig": 2, "dertig": 2, "veertig": 2, "vijftig": 2, "zestig": 2,
    "zeventig": 2, "tachtig": 2, "negentig": 2,
    # French (Belgian too)
    "zéro": 1, "zero": 1, "un": 1, "deux": 1, "trois": 1, "quatre": 1, "cinq": 1, "six": 1,
    "sept": 1, "huit": 1, "neuf": 1, "dix": 2, "onze": 2, "douze": 2, "treize": 2,
    "quatorze": 2, "quinze": 2, "seize": 2, "vingt": 2, "trente": 2, "quarante": 2,
    "cinquante": 2, "soixante": 2, "septante": 2, "huitante": 2, "octante": 2,
    "nonante": 2, "quatre-vingt": 2, "quatre-vingts": 2, "quatre-vingt-dix": 2,
    # English
    "oh": 1, "one": 1, "two": 1, "three": 1, "four": 1, "five": 1, "seven": 1,
    "eight": 1, "nine": 1, "ten": 2, "eleven": 2, "twelve": 2, "double": 1, "triple": 2,
}
_UNITS_NL = "een|twee|drie|vier|vijf|zes|zeven|acht|negen"
_TENS_NL = "twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig"
_TENS_FR = ("vingt|trente|quarante|cinquante|soixante|septante|huitante|octante|nonante"
            "|quatre-vingts?")
_TWO_DIGITS = re.compile(
    rf"(?:{_UNITS_NL})[eë]n(?:{_TENS_NL})|(?:{_TENS_FR})(?:-et)?-(?:un|deux|trois|quatre|cinq"
    r"|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize)"
    r"|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-?(?:one|two|three|four"
    r"|five|six|seven|eight|nine)?|hundred|honderd|cent|cents",
    re.I,
)
_NUMBER_TOKEN = re.compile(r"[\w-]+|\+\d+|\d+", re.U)
_GLUE = {"en", "et", "and", "-", ",", "/"}

# Dates that identify: a full date in figures or words, or a day and month after a word
# of birth ("geboren op 3 mei"). A year alone ("sinds 2019") or a month ("in maart") stays.
_MONTHS = (
    r"jan(?:uari|vier|uary)?|feb(?:ruari|ruary)?|févr(?:ier)?|fevrier|maart|mars|march|mar"
    r"|apr(?:il)?|avril|mei|mai|may|juni|juin|june?|juli|juillet|july?|aug(?:ustus|ust)?"
    r"|août|aout|sept?(?:ember|embre)?|okt(?:ober)?|oct(?:ober|obre)?|nov(?:ember|embre)?"
    r"|dec(?:ember)?|déc(?:embre)?|decembre"
)
_DAY_WORDS = (
    r"(?:(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen)(?:[eë]n(?:twintig|dertig))?"
    r"|tien|elf|twaalf|(?:der|veer|vijf|zes|zeven|acht|negen)tien|twintig|dertig)(?:ste|de)?"
    r"|premier|1er|(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize"
    r"|quatorze|quinze|seize|dix-sept|dix-huit|dix-neuf|vingt|trente)(?:-et-un|-deux|-trois"
    r"|-quatre|-cinq|-six|-sept|-huit|-neuf)?"
    r"|first|second|third|(?:four|fif|six|seven|eigh|nin|ten|eleven|twelf|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen)th|twentieth|thirtieth"
    r"|(?:twenty|thirty)-(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
)
_DAY = rf"(?:(?:[012]?\d|3[01])(?:st|nd|rd|th|er|e|ste|de)?|{_DAY_WORDS})"
_YEAR = r"(?:19|20)\d\d|'\d\d"
_WEEKDAY = (r"(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|lundi|mardi"
            r"|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday"
            r"|friday|saturday|sunday)")
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.-])(?:[012]?\d|3[01])([/.-])(?:0?[1-9]|1[0-2])\1(?:(?:19|20)?\d\d)(?![\d/-]|\.\d)"
    r"|(?<![\d/.-])(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:[012]\d|3[01])(?![\d-])"
)
_WORD_DATE = re.compile(
    rf"\b(?:{_WEEKDAY},?\s+)?(?:(?:le\s+|the\s+)?{_DAY}\.?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+(?:{_YEAR})"
    rf"|(?:{_MONTHS})\.?\s+{_DAY},?\s+(?:{_YEAR}))\b",
    re.I,
)
_DAY_MONTH = re.compile(
    rf"\b(?:{_WEEKDAY},?\s+)?(?:(?:le\s+)?{_DAY}\.?\s+(?:{_MONTHS})\b\.?"
    rf"|(?:the\s+)?(?:{_MONTHS})\.?\s+{_DAY}\b(?!\s*(?:jaar|ans|years|uur|h\b|u\b|min))"
    rf"|{_DAY}\s+of\s+(?:{_MONTHS})\b)",
    re.I,
)
# A day and month without a year ("4 december", "Monday 4th November") is a date of a
# person or an event too: a month alone ("in maart") or a weekday alone stays.

# Postcodes: Belgium and Luxembourg 4 digits, the Netherlands 4 digits and 2 letters,
# France 5 digits; with a place after them, a cue before them, or a country prefix.
_POSTCODE = re.compile(
    r"(?<![\w-])(?:(?:B|NL|F|L)-\s?\d{4,5}"
    r"|[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}(?![\w])"
    r"|[1-9]\d{3}(?=\s+[A-ZÀ-Þ][\w'-]+)|\d{5}(?=\s+[A-ZÀ-Þ][\w'-]+))(?![\w-])"
)
# UK postcodes (WF2 8QT) and Irish Eircodes (D05 R2T7): shapes no word has.
_POSTCODE_SHAPED = re.compile(
    r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[AC-FHKNPRTV-Y]\d{2}\s?[0-9AC-FHKNPRTV-Y]{4}"
    r"|D6W\s?[0-9AC-FHKNPRTV-Y]{4}|L-\d{4})\b"
)
_POSTCODE_CUE = re.compile(
    r"\b(?:postcode|postnummer|code\s+postal|cp|zip|post\s?code)\s*:?\s*(?P<id>\d{4,5}(?:\s?[A-Z]{2})?)",
    re.I,
)
_NOT_YEAR_BEFORE = re.compile(
    r"(?:sinds|in|van|tot|vanaf|jaar|depuis|en|année|since|from|until|to|year|tot\s+en\s+met"
    r"|begin|eind|midden|fin|début|end|of)\s+$",
    re.I,
)

# Streets without a street-type word: a capitalised name then a house number, after a
# word that announces an address ("woont Bruul 5", "habite Grand-Place 3").
_HOUSE = r"\d{1,4}(?:\s?(?:bis|ter|[a-zA-Z]))?(?:\s*(?:bus|bte|boîte|box)\s*\w{1,4})?"
_STREET_CUE = re.compile(
    rf"\b(?:woont|wonen|woonde|verblijft|adres|op\s+het\s+adres|habite|habitent|réside"
    rf"|domicilié[e]?|adresse|lives|living|address|resides)\s*(?::|op|aan|in|à|au|at|on)?"
    rf"\s*(?:de\s+|het\s+|la\s+|le\s+|the\s+)?"
    rf"(?P<id>[A-ZÀ-Þ][\w'’-]+(?:\s+(?:[A-ZÀ-Þ][\w'’-]+|de|du|des|la|le|van|der|den|ter|aux))*"
    rf"(?:\s*,?\s*{_HOUSE})?)",
)
_NAME_NUMBER = re.compile(
    rf"(?<![\w-])(?P<id>[A-ZÀ-Þ][{_LETTER}'’-]{{2,}}(?:\s+[A-ZÀ-Þ][{_LETTER}'’-]+)?\s+(?!(?:19|20)\d\d\b)"
    rf"\d{{1,4}}(?:\s?(?:bis|ter|[a-c]))?(?:\s*(?:bus|bte|boîte)\s*\w{{1,4}})?)(?=\s*(?:,|$|\)|\.|\sin\s|\sà\s|\ste\s|\s+[1-9]\d{{3}}))",
)


# A label before a name or a place: "woonplaats: Putten", "nom : Dupont", "Name: Sam".
_LABELLED = re.compile(
    r"\b(?:(?P<place>woonplaats|gemeente|stad|dorp|ville|commune|village|town|city|lieu"
    r"|domicile)|(?P<name>naam|voornaam|achternaam|nom|prénom|name|first\s+name|surname))"
    r"\s*:\s*[\"'«“]?\s*"
    r"(?P<id>[^\W\d_][\w'’-]*(?:[ -](?:[A-ZÀ-Þ][\w'’-]*|van|de|der|den|le|la|du)){0,3})",
    re.I,
)


def find(text: str) -> Iterator[Span]:
    """Every shaped identifier in text."""
    for match in _LABELLED.finditer(text):
        yield Span(match.start("id"), match.end("id"), "place" if match.group("place") else "name")
    yield from _matches(_PLATE, text, "plate")
    yield from _cued(_PLATE_CUE, text, "plate", lambda s: any(c.isdigit() for c in s))
    yield from _matches(_AT_HANDLE, text, "handle")
    yield from _cued(_HANDLE_CUE, text, "handle", _looks_like_handle)
    yield from _matches(_SPELLED_EMAIL, text, "email")
    yield from _spelled_phones(text)
    yield from _matches(_NUMERIC_DATE, text, "date")
    yield from _matches(_WORD_DATE, text, "date")
    yield from _matches(_DAY_MONTH, text, "date")
    yield from _postcodes(text)
    yield from _matches(_POSTCODE_SHAPED, text, "postcode")
    yield from _matches(_TOKEN_HANDLE, text, "handle")
    for match in _INNER_CAPITAL.finditer(text):
        if not is_kept(match.group().lower()) and not _NAME_PREFIX.match(match.group()):
            yield Span(match.start(), match.end(), "handle")
    yield from _matches(_NATIONAL_IDS, text, "national_number")
    yield from _cued(_UK_ACCOUNT, text, "account", bool)
    yield from _cued(_POSTCODE_CUE, text, "postcode", bool)
    yield from _cued(_STREET_CUE, text, "address", _has_number)
    for match in _NAME_NUMBER.finditer(text):
        if _not_a_count(match.group("id")) and not _SENTENCE_START.search(text[:match.start()]):
            yield Span(match.start("id"), match.end("id"), "address")


def _matches(pattern: re.Pattern[str], text: str, kind: str) -> Iterator[Span]:
    for match in pattern.finditer(text):
        yield Span(match.start(), match.end(), kind)


def _cued(pattern: re.Pattern[str], text: str, kind: str, accept) -> Iterator[Span]:
    """The group `id` of each match, when `accept` finds it shaped like the kind."""
    for match in pattern.finditer(text):
        if accept(match.group("id")):
            yield Span(match.start("id"), match.end("id"), kind)


def _looks_like_handle(token: str) -> bool:
    """An account name is rarely an ordinary word: it holds a digit, '_', a dot or
    camelCase, or it follows its platform directly ('snapchat lotje')."""
    return bool(_HANDLE_SHAPE.search(token)) or token[:1].isupper() or len(token) >= 3


def _has_number(found: str) -> bool:
    return any(c.isdigit() for c in found)


_NOT_STREETS = re.compile(
    r"^(?:Chat|Stap|Step|Module|Modules|Fase|Phase|Les|Week|Jaar|Hoofdstuk|Chapitre"
    r"|Chapter|Level|Niveau|Deel|Partie|Part|Groep|Groupe|Group|Klas|Classe|Class|Art"
    r"|Artikel|Article|Kamer|Room|Bus|Tram|Lijn|Ligne|Line|Route|Versie|Version|Item"
    r"|Sessie|Session|Gesprek|Contact|Dag|Jour|Day|Nummer|Numéro|Number|Score|Top|Covid)\b"
)


_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n])\s*$")


def _not_a_count(found: str) -> bool:
    return not _NOT_STREETS.match(found)


def _postcodes(text: str) -> Iterator[Span]:
    for match in _POSTCODE.finditer(text):
        found = match.group()
        if (found[:4].isdigit() and 1900 <= int(found[:4]) <= 2099 and len(found) == 4
                and _NOT_YEAR_BEFORE.search(text[max(0, match.start() - 20):match.start()])):
            continue  # "sinds 2019 Jan ..." is a year
        yield Span(match.start(), match.end(), "postcode")


def _spelled_phones(text: str) -> Iterator[Span]:
    """A run of digit words and digit groups worth 8 digits or more, with at least one
    digit word (all-figure numbers are the contact rules' work)."""
    run: list[re.Match[str]] = []
    digits = words = 0

    def flush():
        if run and digits >= 8 and words:
            yield Span(run[0].start(), run[-1].end(), "phone")

    for token in _NUMBER_TOKEN.finditer(text):
        word = token.group().lower()
        value = _DIGIT_WORDS.get(word)
        if value is None and _TWO_DIGITS.fullmatch(word):
            value = 2
        if word.isdigit() or word.startswith("+"):
            value, is_word = sum(c.isdigit() for c in word), False
        else:
            is_word = value is not None
        if value is None:
            if word in _GLUE and run:
                continue
            yield from flush()
            run, digits, words = [], 0, 0
            continue
        run.append(token)
        digits += value
        words += is_word
    yield from flush()
