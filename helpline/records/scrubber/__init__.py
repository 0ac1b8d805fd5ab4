"""The identity scrubber: takes what identifies a person out of every note that is kept.

Summaries must hold no identity, yet a note is free text. Before a note is stored, every
name, place, postcode, street, institution, identifying date, licence plate, handle and
contact detail is replaced by a marker in the writer's language (``[naam]``, ``[lieu]``,
``[phone]``), so that staff see what was removed and confirm it. Every note goes through
the rules of all three languages (a Flemish note quotes a French street); the trained
tools run for the languages the note is written in (languages.py).

What it finds, and how well, is measured on labelled notes by bench/scrubber.py
(docs/architecture.md, "Anonymity by construction"). Loading takes about a second and
happens once per process (`load`, called at server start); scrubbing one note takes a few
milliseconds and runs in a thread pool when gevent drives the process (`scrub`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from ...server import offloop
from . import contact, entities, lookup, patterns, words
from .keep import protected_ranges
from .languages import languages_of
from .markers import MARKER, marker
from .spans import KINDS, Span, merge

log = logging.getLogger(__name__)

__all__ = ["KINDS", "Removal", "ScrubResult", "ScrubberUnavailable", "find", "load", "scrub"]

MAX_NOTE = 20_000  # longer text is scrubbed in pieces of this size (forms allow 2,000)


class ScrubberUnavailable(RuntimeError):
    """A model or a word list did not load: nothing may be filed unscrubbed."""


@dataclass(frozen=True)
class Removal:
    """One identifying detail taken out of the note, shown to the therapist to confirm."""

    kind: str
    text: str


@dataclass(frozen=True)
class ScrubResult:
    """The note with markers in place of identities, and what was removed."""

    text: str
    removed: tuple[Removal, ...]

    @property
    def changed(self) -> bool:
        """True when something was removed, so the therapist must confirm the new text."""
        return bool(self.removed)


@dataclass(frozen=True)
class _Models:
    lookup: lookup.Lookup
    deduce: object
    french: object


_models: _Models | None = None
_loading = threading.Lock()


def load() -> None:
    """Load the word lists and models once per process; ScrubberUnavailable if they fail."""
    global _models
    with _loading:
        if _models is not None:
            return
        try:
            lists = lookup.load()
            # Here, not at the top: only a process that scrubs pays for the models.
            import spacy
            from deduce import Deduce

            deduce = Deduce(lookup_data_path=lists.deduce_path, cache_path=lists.deduce_path)
            french = spacy.load("fr_core_news_sm", exclude=[
                "parser", "lemmatizer", "morphologizer", "attribute_ruler", "senter"])
        except Exception as exc:  # any failure means: do not run without it
            raise ScrubberUnavailable(
                f"the identity scrubber could not load ({type(exc).__name__}: {exc})") from exc
        _models = _Models(lists, deduce, french)


@dataclass(frozen=True)
class Options:
    """Which parts run; only bench/scrubber.py --ablation turns any off."""

    tools: bool = True  # deduce and spaCy
    trim: bool = True  # the tools' names pass the word rules


def find(text: str, options: Options = Options()) -> list[Span]:
    """The identifiers in text as merged (start, end, kind) spans; loads on first use."""
    load()
    assert _models is not None
    text = _clean(text)
    if not text.strip():
        return []
    spans = []
    for offset in range(0, len(text), MAX_NOTE):
        piece = text[offset:offset + MAX_NOTE]
        spans.extend(Span(s.start + offset, s.end + offset, s.kind)
                     for s in _find(piece, options))
    return merge(spans, text)


def _find(text: str, options: Options) -> list[Span]:
    models = _models
    markers = [(m.start(), m.end()) for m in MARKER.finditer(text)]
    # A marker's word is no cue ("[naam], die ..." is not "naam: Die"): every rule sees
    # it as a blank of the same length.
    text = MARKER.sub(lambda m: "[" + "_" * (len(m.group()) - 2) + "]", text)
    langs = languages_of(text)
    found = contact.find(text)
    found.extend(patterns.find(text))
    found.extend(words.find(text, models.lookup, langs))
    tools = []
    if options.tools and "nl" in langs:
        tools.extend(entities.dutch(models.deduce, text))
    if options.tools and "fr" in langs:
        tools.extend(entities.french(models.french, text))
    # The tools' shaped finds (dates, numbers) count where our stricter rules found
    # nothing; their names pass our word rules.
    ours = list(found)
    found.extend(s for s in tools if s.kind not in _NAMED and not _inside(s, ours))
    named = [s for s in tools if s.kind in _NAMED]
    found.extend(words.trim(text, named, models.lookup, langs) if options.trim else named)
    keep = protected_ranges(text) + markers
    found = [s for s in found if s.end > s.start and not _inside(s, keep)]
    return found + list(_postcodes_beside_places(text, found, models.lookup))


_NAMED = ("name", "place", "institution")
_NUMBER = re.compile(r"(?<![\w-])\d{4,5}(?![\w-])")


def _postcodes_beside_places(text: str, found: list[Span],
                             places_known: lookup.Lookup) -> Iterator[Span]:
    """A 4- or 5-digit number right before or after a place ('Westerlo, 2260',
    'Saint-Quentin (02100)') is its postcode; so is one beside a name (the place may
    have been taken with the name), where it could only be a postcode or a birth year."""
    places = [s for s in found if s.kind in _NAMED or s.kind == "address"]
    for match in _NUMBER.finditer(text):
        year = 1900 <= int(match.group()) <= 2099
        for place in places:
            if year and text[place.start:place.end].lower() not in places_known.places:
                continue  # "Kerstmarkt 2019": a year beside anything but a known place stays
            gap = (text[place.end:match.start()] if place.end <= match.start()
                   else text[match.end():place.start])
            if len(gap) <= 3 and not gap.strip(" ,(-"):
                yield Span(match.start(), match.end(), "postcode")
                break


def _inside(span: Span, ranges: list) -> bool:
    """Does span overlap any of ranges ((start, end) pairs or spans)?"""
    return any(r[0] < span.end and span.start < r[1] for r in ranges)


def _clean(text: str) -> str:
    """Control characters (but line breaks) become spaces, so that the offsets stay."""
    return "".join(" " if unicodedata.category(c) == "Cc" and c not in "\n\t" else c
                   for c in text)


ROUNDS = 3  # a marker changes a word's neighbours: scrub again until nothing is found


def scrub(text: str, language: str = "nl") -> ScrubResult:
    """Replace every identity in text by a marker in `language` and list what was removed.

    The result is scrubbed again until nothing more is found, so that filing the note
    the therapist confirmed finds it unchanged. Under gevent the work runs in the
    scrubber's thread pool, so that live chats go on.
    """
    return _run(_scrub, text, language)


def _scrub(text: str, language: str) -> ScrubResult:
    removed: list[Removal] = []
    for _ in range(ROUNDS):
        spans = find(text)
        if not spans:
            break
        pieces, pos = [], 0
        for span in spans:
            pieces.append(text[pos:span.start])
            pieces.append(marker(span.kind, language))
            removed.append(Removal(span.kind, text[span.start:span.end]))
            pos = span.end
        pieces.append(text[pos:])
        text = "".join(pieces)
    return ScrubResult(text, tuple(removed))


def _run(fn, *args):
    """fn(*args) in a one-thread pool under gevent, so that live chats go on;
    SCRUBBER_THREADS=0 scrubs on the event loop (bench/scrub_load.py compares the two)."""
    return offloop.run("scrubber", 0 if os.environ.get("SCRUBBER_THREADS") == "0" else 1,
                       fn, *args)
