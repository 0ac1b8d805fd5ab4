"""The markers a scrubbed note carries, in the language of the staff member who files it.

Markers are part of the stored text, so they are fixed words per language here rather
than catalogue entries: a catalogue change must never change what the scrubber writes
(filing compares the confirmed note with a fresh scrub). The labels staff read beside
each removal go through the catalogues (labels.py).
"""

from __future__ import annotations

import re

MARKERS = {
    "nl": {"name": "naam", "place": "plaats", "postcode": "postcode", "address": "adres",
           "institution": "instelling", "date": "datum", "plate": "nummerplaat",
           "handle": "gebruikersnaam", "email": "e-mail", "url": "website",
           "phone": "telefoon", "account": "rekeningnummer",
           "national_number": "rijksregisternummer"},
    "fr": {"name": "nom", "place": "lieu", "postcode": "code postal", "address": "adresse",
           "institution": "établissement", "date": "date", "plate": "plaque",
           "handle": "pseudo", "email": "e-mail", "url": "site web",
           "phone": "téléphone", "account": "compte bancaire",
           "national_number": "numéro national"},
    "en": {"name": "name", "place": "place", "postcode": "postcode", "address": "address",
           "institution": "institution", "date": "date", "plate": "plate",
           "handle": "handle", "email": "email", "url": "website", "phone": "phone",
           "account": "account number", "national_number": "national number"},
}
# Markers of earlier versions, still in stored notes: never scrubbed again.
_OLD = ("iban",)

_ALL = sorted({m for markers in MARKERS.values() for m in markers.values()} | set(_OLD)
              | {k for markers in MARKERS.values() for k in markers}, key=len, reverse=True)
MARKER = re.compile(r"\[(?:" + "|".join(re.escape(m) for m in _ALL) + r")\]")


def marker(kind: str, language: str) -> str:
    return f"[{MARKERS.get(language, MARKERS['nl'])[kind]}]"
