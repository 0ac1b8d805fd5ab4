"""How the waiting line moved between two versions: breakpoints each page applies itself.

A protocol-2 page knows its place in the version of the line it last applied. Rather than
compute and send each of thousands of pages its own place, one `line_moved` packet says
how every place moved, as breakpoints `[from_place, shift]`: a page whose old place is p
takes the last breakpoint with from_place <= p and adds its shift (no such breakpoint:
it did not move). They are computed from the two orders, not from what happened, so they
are right for any change or mix of changes at once (leaves, several assignments, a chat
moved or handed back to the front, joins). static/js/chat/places.js applies them.
"""

from __future__ import annotations

from collections.abc import Sequence


def breakpoints(old: Sequence[str], new: Sequence[str]) -> list[list[int]]:
    """`[old_place, shift]` wherever the shift changes along the chats in both orders.

    Walking the chats that are in both ("survivors") by their old place, shift is new
    place - old place; a breakpoint is emitted where it differs from the survivor before
    (from 0 before the first). So nothing moved gives [], a leave at place k gives
    [[k + 1, -1]], a move to the front from place k gives [[1, 1], [k, 1 - k], [k + 1, 0]].
    """
    new_place = {chat_id: place for place, chat_id in enumerate(new, 1)}
    moves: list[list[int]] = []
    shift = 0
    for old_place, chat_id in enumerate(old, 1):
        place = new_place.get(chat_id)
        if place is not None and place - old_place != shift:
            shift = place - old_place
            moves.append([old_place, shift])
    return moves


def moved(moves: Sequence[Sequence[int]], place: int) -> int:
    """The new place of the page that was at `place`, by the last breakpoint at or before it."""
    shift = 0
    for from_place, step in moves:
        if from_place > place:
            break
        shift = step
    return place + shift
