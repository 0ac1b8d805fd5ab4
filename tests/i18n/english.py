"""The English texts a page in another language must not show (for the language tests)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from helpline.i18n import NATIVE_NAMES
from helpline.records.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def english_strings(lang: str) -> set[str]:
    """English texts a page in `lang` must not show: msgids and taxonomy labels that differ."""
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    found = set()
    for message in catalogue:
        if message.id and message.string and message.string != message.id:
            # Placeholders split a msgid: its fixed parts must not show either.
            found.update(p.strip() for p in PLACEHOLDER.split(message.id) if len(p.strip()) > 3)
    taxonomy = load_taxonomy().as_dict()
    for items in taxonomy.values():
        for item in items:
            for option in [item, *item.get("subcategories", [])]:
                if option[f"label_{lang}"] != option["label"]:
                    found.add(option["label"])
    # The language switches name each language in itself ("English"), on purpose.
    return found - set(NATIVE_NAMES.values())
