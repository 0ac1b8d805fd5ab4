"""Checks on a message's text before it is encrypted: what a page shows as a clear refusal.

Refused: empty (only white space), longer than MESSAGE_MAX_CHARS, control characters
(anything of Unicode category Cc but a line break or tab, and lone surrogates, which
cannot even be stored as UTF-8), and the bidirectional embedding, override and isolate
characters, which reorder how text is shown and can make it read as something else
("Trojan Source"). Text written in a right-to-left script is accepted: its letters carry
their own direction and need none of these.
"""

from __future__ import annotations

import unicodedata

from .errors import BidiControls, ControlCharacters, Empty, TooLong

ALLOWED_CONTROLS = {"\n", "\t"}
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(text: object, max_chars: int) -> str:
    """The text to store (line ends as \\n, outer white space trimmed), or a Refused."""
    if not isinstance(text, str):
        raise Empty()
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise Empty()
    if len(text) > max_chars:
        raise TooLong()
    for ch in text:
        if ch in BIDI_CONTROLS:
            raise BidiControls()
        if ch not in ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs"):
            raise ControlCharacters()
    return text
