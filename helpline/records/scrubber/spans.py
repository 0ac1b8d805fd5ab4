"""A found identifier as a character range, and how overlapping finds become one."""

from __future__ import annotations

from typing import NamedTuple

# When finds overlap, the merged range takes the most specific kind: an e-mail address
# found inside what a name rule took is reported as an e-mail address.
PRECEDENCE = ("email", "url", "account", "national_number", "phone", "plate", "handle",
              "date", "postcode", "address", "institution", "place", "name")
KINDS = frozenset(PRECEDENCE)


class Span(NamedTuple):
    start: int
    end: int
    kind: str


def merge(spans: list[Span], text: str) -> list[Span]:
    """Overlapping spans become one; so do neighbours of one kind with only blanks,
    hyphens or commas between them ('Jan Peeters', '9000 Gent' stays two kinds)."""
    merged: list[Span] = []
    for span in sorted(spans):
        if merged:
            last = merged[-1]
            gap = text[last.end:span.start]
            if span.start < last.end or (span.kind == last.kind and gap.strip(" -") == ""):
                kind = min(last.kind, span.kind, key=PRECEDENCE.index)
                merged[-1] = Span(last.start, max(last.end, span.end), kind)
                continue
        merged.append(span)
    return merged
