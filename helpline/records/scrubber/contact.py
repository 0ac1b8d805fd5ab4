"""Contact details: e-mail and web addresses, phone, account and national numbers, and
street addresses with a street-type word.

The patterns aim to remove too much rather than too little, while leaving the ordinary
numbers of a note (ages, durations, years, times, counts) alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .spans import Span

# E-mail first: its domain part would otherwise be taken for a web address.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# A trailing full stop, comma or bracket closes the sentence, not the address.
_URL_TAIL = r"""[^\s<>"'[]*[^\s<>"'.,;:!?()[\]]"""
# With a scheme or "www." any address counts; a bare domain only with a common top-level
# domain, so that "e.g." stays (not .de: "o.a.de huisarts" is a typo, not a site).
_URL = re.compile(
    rf"""
    https?://{_URL_TAIL}
    | (?: \bwww\.[\w-]+(?:\.[\w-]+)+
        | (?<![\w.-])[\w-]+(?:\.[\w-]+)*
          \.(?:be|nl|fr|com|org|net|eu|uk|lu|info|me|io|gg|ly|tv|app|ru)\b
      ) (?:/{_URL_TAIL})?
    """,
    re.X | re.I,
)

# Country code, check digits, then up to 30 letters/digits, compact or in blocks of four;
# or the old Belgian account number 539-0075470-34. Both carry a mod-97 checksum, which
# _iban_length verifies so that random codes stay.
_IBAN = re.compile(
    r"(?<![A-Za-z])[A-Za-z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"
    r"|(?<![\d-])\d{3}-\d{7}-\d{2}(?![\d-])"
)

# Belgian rijksregisternummer: birth date YY.MM.DD, serial, check digits (11 digits in
# 2-2-2-3-2 groups). Nothing else in a note looks like this, so no checksum is demanded:
# a mistyped number must go too.
_NATIONAL_NUMBER = re.compile(
    r"(?<![\d+])(?<!\d[.-])\d{2}([ .]?)\d{2}\1\d{2}[ .-]?\d{3}[ .]?\d{2}(?![\d-])"
)

# A phone number starts with +, 00 or a trunk 0 (ages, years and counts do not), then
# digit groups joined by space, dot, slash, dash or brackets; _phone_length wants at least 9
# digits, which leaves times (09.30), dates (01/03/2021) and amounts alone.
_PHONE = re.compile(
    r"""
    (?<![\w+])(?<!\d[./-])
    (?:(?:\+|\b00)[1-9]\d{0,2}|\(?\b0)
    (?:[ .-]?\(0\))?
    (?:(?:[ ./-]|\)\ ?)?\d{1,4}){2,7}
    (?![\w/-]|[.,]\d)
    """,
    re.X,
)

_CAPITALISED = r"[A-ZÀ-ÖØ-Þ][\w'’-]*"
# A year after a capitalised word ("Kerstmarkt 2019") is not a house number.
_HOUSE_NUMBER = (
    r"(?!(?:19|20)\d\d\b)\d{1,4}(?:bis|ter|[A-Za-z])?(?:[-/]\d{1,4}[A-Za-z]?)?"
    r"(?:,?\s(?:bus|bte|boîte)\s?\w{1,4})?\b"
)
_NL_SUFFIX = (
    "straat|laan|steenweg|weg|plein|plaats|markt|dreef|kaai|lei|baan|singel|gracht|dijk|hof"
    "|park|pad|paad|kade|dries|wegel|vest|steeg|gang|hoek|heide|akker|meers|kouter|gaarde"
    "|ring|berg|veld|velde|beek|donk|hoeve|molen"
)
_FR_TYPE = (
    r"(?i:rue|avenue|av\.|boulevard|bd|chauss[ée]e|place|quai|all[ée]e|impasse|chemin|square"
    r"|route|dr[èe]ve|clos)"
)
_FR_WORD = rf"(?:(?i:de|du|des|la|le|les|aux?)\s|[ld]['’])*{_CAPITALISED}"
_FR_NAME = rf"{_FR_WORD}(?:\s{_FR_WORD}){{0,3}}"
_EN_TYPE = (
    "(?:Street|St|Road|Rd|Avenue|Ave|Lane|Drive|Way|Close|Place|Square|Crescent|Terrace"
    "|Gardens)"
)
# Street plus house number in the three languages of the helpline. Dutch street names end
# in a suffix (Kerkstraat, Groenplaats) and are capitalised, which keeps "onderweg 20
# minuten" and "op plaats 3" out; French puts a street type in front (rue, avenue) and
# the number before or after; English puts the number first and the type last.
_ADDRESS = re.compile(
    rf"""
    \b(?:{_CAPITALISED}\s){{0,2}}(?=[A-ZÀ-Þ])[\w'’-]*(?i:{_NL_SUFFIX})\s{_HOUSE_NUMBER}
    | \b{_FR_TYPE}\s{_FR_NAME},?\s{_HOUSE_NUMBER}
    | \b\d{{1,4}}(?:bis|ter|[A-Za-z])?,?\s{_FR_TYPE}\s{_FR_NAME}
    | \b\d{{1,4}}[A-Za-z]?\s(?:{_CAPITALISED}\s){{1,3}}{_EN_TYPE}\b
    """,
    re.X,
)


def _mod97(text: str) -> int:
    """The ISO 7064 remainder that IBANs and Belgian account numbers are checked with."""
    return int("".join(str(int(char, 36)) for char in text)) % 97


def _iban_length(found: str) -> int:
    """Length of the longest valid account number at the start of the match, 0 if none.

    The pattern may swallow what follows the number ("... 7034 12 keer"), so the end is
    moved back until the checksum holds.
    """
    if "-" in found:
        digits = found.replace("-", "")
        return len(found) if (int(digits[:10]) % 97 or 97) == int(digits[10:]) else 0
    for end in range(len(found), 14, -1):
        compact = found[:end].replace(" ", "").upper()
        if found[end - 1] != " " and len(compact) >= 15 and _mod97(compact[4:] + compact[:4]) == 1:
            return end
    return 0


def _phone_length(found: str) -> int:
    """Whole match when it holds at least the 9 digits of the shortest phone number, else 0."""
    return len(found) if sum(char.isdigit() for char in found) >= 9 else 0


# Order matters: e-mail before web address; account and national numbers before phone.
_RULES: tuple[tuple[str, re.Pattern[str], Callable[[str], int]], ...] = (
    ("email", _EMAIL, len),
    ("url", _URL, len),
    ("account", _IBAN, _iban_length),
    ("national_number", _NATIONAL_NUMBER, len),
    ("phone", _PHONE, _phone_length),
    ("address", _ADDRESS, len),
)


def find(text: str) -> list[Span]:
    """Every contact detail in text; a later rule never matches inside an earlier find."""
    found: list[Span] = []
    for kind, pattern, identity_length in _RULES:
        pos = 0
        while match := pattern.search(text, pos):
            start, length = match.start(), identity_length(match.group())
            if not length or any(s.start < start + length and start < s.end for s in found):
                pos = start + 1
                continue
            found.append(Span(start, start + length, kind))
            pos = start + length
    return found
