"""Scoring the scrubber on labelled notes (bench/scrubber.py, tests/records/).

A labelled note marks each identifier as ``[[kind:text]]`` and each ordinary word that
must stay as ``{{text}}`` (tests/records/scrub_notes/README.md). An identifier counts as
removed when every letter and digit of it lies inside something the scrubber removed; a
word counts as kept when none of its letters or digits does.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

_MARKUP = re.compile(r"\[\[(\w+):(.+?)\]\]|\{\{(.+?)\}\}")


@dataclass(frozen=True)
class Labelled:
    """One note: its plain text, its identifiers (kind, start, end) and its keep-words."""

    language: str
    text: str
    identifiers: tuple[tuple[str, int, int], ...]
    keep: tuple[tuple[int, int], ...]


def parse(line: str, language: str) -> Labelled:
    text, identifiers, keep, pos = [], [], [], 0
    length = 0
    for match in _MARKUP.finditer(line):
        before = line[pos:match.start()]
        text.append(before)
        length += len(before)
        inner = match.group(2) if match.group(1) else match.group(3)
        span = (length, length + len(inner))
        if match.group(1):
            identifiers.append((match.group(1), *span))
        else:
            keep.append(span)
        text.append(inner)
        length += len(inner)
        pos = match.end()
    text.append(line[pos:])
    return Labelled(language, "".join(text), tuple(identifiers), tuple(keep))


def read(folder: Path, languages: Iterable[str] = ("nl", "fr", "en")) -> list[Labelled]:
    notes = []
    for lang in languages:
        for line in (folder / f"{lang}.txt").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                notes.append(parse(line.strip(), lang))
    return notes


@dataclass
class Score:
    """Counts per (language, kind): identifiers found and removed; keep-words kept."""

    found: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    keep_total: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    misses: list = field(default_factory=list)
    lost: list = field(default_factory=list)

    def recall(self, language: str, kind: str) -> float | None:
        total = self.found[language, kind]
        return self.removed[language, kind] / total if total else None

    def keep_rate(self, language: str) -> float | None:
        total = self.keep_total[language]
        return self.kept[language] / total if total else None


def _covered(spans: list[tuple[int, int]], text: str, start: int, end: int) -> list[bool]:
    """For each letter or digit of text[start:end]: inside a removed span?"""
    return [any(a <= i < b for a, b in spans) for i in range(start, end) if text[i].isalnum()]


def score(notes: Iterable[Labelled],
          find: Callable[[str], list[tuple[int, int]]]) -> Score:
    """`find(text)` gives the (start, end) spans the scrubber removes from text."""
    result = Score()
    for note in notes:
        spans = find(note.text)
        for kind, start, end in note.identifiers:
            result.found[note.language, kind] += 1
            if all(_covered(spans, note.text, start, end)):
                result.removed[note.language, kind] += 1
            else:
                result.misses.append((note.language, kind, note.text[start:end]))
        for start, end in note.keep:
            result.keep_total[note.language] += 1
            if not any(_covered(spans, note.text, start, end)):
                result.kept[note.language] += 1
            else:
                result.lost.append((note.language, note.text[start:end]))
    return result
