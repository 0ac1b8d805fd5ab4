"""What staff read beside each removal on the confirm step, in their own language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    "name": _l("Name of a person"),
    "place": _l("Place name"),
    "postcode": _l("Postcode"),
    "address": _l("Address"),
    "institution": _l("School, club, employer or institution"),
    "date": _l("Date"),
    "plate": _l("Licence plate"),
    "handle": _l("Account name"),
    "email": _l("E-mail address"),
    "url": _l("Web address"),
    "phone": _l("Phone number"),
    "account": _l("Bank account"),
    "national_number": _l("National number"),
}


def label(kind: str) -> str:
    return str(LABELS.get(kind, kind))
