"""Which of the helpline's languages a note is written in, from its function words.

A note's short function words ('de', 'het', 'le', 'the') tell its language far better
than its content words; spaCy ships those lists for Dutch, French and English. A note
that mixes languages gets every language that carries a fair share of them, so that each
language's trained tool sees it. With too few words to tell, all three are used.
"""

from __future__ import annotations

import re
from functools import cache

LANGUAGES = ("nl", "fr", "en")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
MIN_EVIDENCE = 3  # fewer function words than this: cannot tell, use all
SHARE = 0.3  # a language with at least this share of the leader's count is present


@cache
def _stop_words() -> dict[str, frozenset[str]]:
    # Here, not at the top: importing spaCy costs a second, paid by scrubbing processes only.
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fr.stop_words import STOP_WORDS as FR
    from spacy.lang.nl.stop_words import STOP_WORDS as NL

    return {"nl": frozenset(NL), "fr": frozenset(FR), "en": frozenset(EN)}


def languages_of(text: str) -> tuple[str, ...]:
    stop = _stop_words()
    counts = dict.fromkeys(LANGUAGES, 0)
    for word in _WORD.findall(text.lower()):
        for lang in LANGUAGES:
            counts[lang] += word in stop[lang]
    best = max(counts.values())
    if best < MIN_EVIDENCE:
        return LANGUAGES
    return tuple(lang for lang in LANGUAGES if counts[lang] >= SHARE * best)
