"""Named entities from trained tools: deduce for Dutch, spaCy's French pipeline for French.

deduce (de-identification of Dutch text) knows Dutch name patterns ("dhr. J. de Vries",
initials, interfixes) and its own name and place lists; it runs on our slimmed copy of
its lists (lookup.py). spaCy's fr_core_news_sm finds persons, places and organisations
in French from context. Both are loaded once per process (`load` in __init__.py).
"""

from __future__ import annotations

from .spans import Span

# deduce's tags (Dutch) and spaCy's labels, to our kinds; what is absent is not kept.
_DEDUCE_KINDS = (("persoon", "name"), ("patient", "name"), ("naam", "name"),
                 ("straat", "address"), ("adres", "address"), ("postcode", "postcode"),
                 ("locatie", "place"), ("instelling", "institution"),
                 ("ziekenhuis", "institution"), ("datum", "date"),
                 ("telefoon", "phone"), ("email", "email"), ("url", "url"),
                 ("bsn", "national_number"))
_SPACY_KINDS = {"PER": "name", "LOC": "place", "ORG": "institution"}


def _deduce_kind(tag: str) -> str | None:
    return next((kind for key, kind in _DEDUCE_KINDS if key in tag), None)


def dutch(deduce, text: str) -> list[Span]:
    found = []
    for annotation in deduce.deidentify(text).annotations:
        kind = _deduce_kind(annotation.tag)
        if kind:
            found.append(Span(annotation.start_char, annotation.end_char, kind))
    return found


def french(nlp, text: str) -> list[Span]:
    return [Span(e.start_char, e.end_char, _SPACY_KINDS[e.label_])
            for e in nlp(text).ents if e.label_ in _SPACY_KINDS]
