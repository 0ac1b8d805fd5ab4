"""The Dutch and French wordings issue 19 found wrong stay fixed, and each idea keeps one
word: a copy editor's rules, checked on every string of the catalogues."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from helpline.records.taxonomy import load_taxonomy

pytestmark = pytest.mark.once  # no database, no Redis: tests/conftest.py

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
NNBSP = "\u202f"  # French: a narrow no-break space before ; : ? ! and inside « »


def catalogue(lang: str) -> dict[str, str]:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle)
                if m.id and isinstance(m.id, str) and m.string}


@pytest.fixture(scope="module")
def nl() -> dict[str, str]:
    return catalogue("nl")


@pytest.fixture(scope="module")
def fr() -> dict[str, str]:
    return catalogue("fr")


def having(strings: dict[str, str], pattern: str) -> list[str]:
    return [s for s in strings.values() if re.search(pattern, s)]


@pytest.mark.parametrize("wrong", [
    r"Een hulpverlener is er\b", r"Op elk moment weg", r"werkt \(nu\) niet", r"hij opent",
    r"(?i)\bgenders?\b", r"(?i)audit ?trail", r"(?i)auditlogboek", r"Gestart", r"hands-on",
    r"\bin dienst\b", r"(?i)(?<!/)\bchallenge\b",
])
def test_no_dutch_string_says_it_the_old_way(nl, wrong):
    assert not having(nl, wrong)


def test_the_dutch_wordings_the_issue_asked_for(nl):
    assert nl["A therapist has joined"] == "Er is een hulpverlener bij gekomen"
    assert nl["Leave at any moment"] == "Je kunt altijd weg"
    assert nl["The chat is closed; it opens %(when)s."] == (
        "De chat is gesloten; hij gaat %(when)s open.")
    assert nl["%(day)s at %(time)s"] == "%(day)s om %(time)s"
    assert nl["%(hour)s:00"] == "%(hour)s uur"


@pytest.mark.parametrize("lang, source, word", [
    ("nl", r"(?i)gender", "geslacht"),          # never "gender"
    ("nl", r"(?i)audit trail", "logboek"),      # one word for the audit trail
    ("nl", r"^(Arrived(?! while)|Started \(|People arrived)", "angekomen"),  # one word for arrivals
    ("nl", r"(?i)(?<!time )\bon duty\b", "van dienst"),
    ("fr", r"(?i)audit trail", "journal d'audit"),
    ("fr", r"^(Arrived(?! while)|Started \()", "Arrivées"),
    ("fr", r"(?i)\bon duty\b", "permanence"),  # "hors service" is a broken machine
    ("fr", r"(?i)self-help", "auto-aide"),
])
def test_one_idea_one_word(lang, source, word):
    strings = catalogue(lang)
    sources = [msgid for msgid in strings if re.search(source, msgid)]
    assert sources, f"no msgid matches {source}"
    assert not [s for s in sources if word.lower() not in strings[s].lower()]


@pytest.mark.parametrize("wrong", [
    r"(?i)auto-assistance", r"Jouer un son", r"(?i)\ben service\b", r"(?i)hors service",
    "\u2019", r"(?i)\bsuivre ce chat\b",
])
def test_no_french_string_says_it_the_old_way(fr, wrong):
    assert not having(fr, wrong)


def test_the_french_wordings_the_issue_asked_for(fr):
    assert fr["Play a soft sound when the therapist joins or writes (off unless you turn it "
              "on)"].startswith("Émettre un son")
    assert fr["Self-help, at any time"] == "Auto-aide, à tout moment"
    assert fr["%(hour)s:00"] == f"%(hour)s{NNBSP}h"


def test_french_punctuation_takes_a_narrow_no_break_space(fr):
    """Before ; ? ! and a colon that ends a clause (not 24:00), and inside « »: one rule."""
    wrong = [s for s in fr.values()
             if re.search(rf"[^{NNBSP}][;?!]|[^{NNBSP}]:(\s|$)|«[^{NNBSP}]|[^{NNBSP}]»", s)]
    assert not wrong, wrong[:5]
    assert having(fr, f"{NNBSP}:") and having(fr, f"{NNBSP};")  # the rule is in use


def test_the_taxonomy_labels_say_it_plainly():
    labels = [option[field] for section in load_taxonomy().as_dict().values()
              for item in section for option in [item, *item.get("subcategories", [])]
              for field in ("label_nl", "label_fr")]
    assert not [label for label in labels if "hands-on" in label or "Potentiële risico" in label]


@pytest.mark.parametrize("lang, on_the_hour, half_past", [
    ("nl", "donderdag om 19 uur", "donderdag om 19.30 uur"),
    ("fr", f"jeudi à 19{NNBSP}h", f"jeudi à 19{NNBSP}h{NNBSP}30"),
    ("en", "Thursday at 19:00", "Thursday at 19:30"),
])
def test_an_opening_time_is_worded_as_the_language_says_it(app, lang, on_the_hour, half_past):
    """The chat page's "it opens ..." (helpline/chat/views.py) in each language."""
    from flask_babel import format_datetime
    from flask_babel import gettext as _

    from helpline.chat.views import _clock

    with app.test_request_context(f"/?lang={lang}"):
        for minute, expected in ((0, on_the_hour), (30, half_past)):
            moment = datetime(2026, 11, 19, 19, minute)
            day = format_datetime(moment, "EEEE", rebase=False)
            assert _("%(day)s at %(time)s", day=day, time=_clock(moment)) == expected
