"""Why an operation on a message was refused: one exception type per refusal, each with a
stable `code` the pages translate (the exception's text is for developers and logs only,
and never holds the writer's words)."""

from __future__ import annotations


class Refused(Exception):
    """Base of every refusal; `code` is what a page turns into words in the writer's language."""

    code = "refused"

    def __init__(self) -> None:
        super().__init__(self.code)


class Empty(Refused):
    code = "empty"


class TooLong(Refused):
    code = "too_long"


class ControlCharacters(Refused):
    code = "control_characters"


class BidiControls(Refused):
    """Characters that reorder how text is shown (right-to-left overrides, isolates)."""

    code = "bidi_controls"


class BadProfile(Refused):
    """An age band, gender or language that is not one of the offered choices."""

    code = "bad_profile"


class HelplineFull(Refused):
    """The helpline holds MESSAGE_MAX_OPEN open conversations: the writer is pointed to the
    other channels."""

    code = "helpline_full"


class ConversationFull(Refused):
    """The conversation holds MESSAGE_MAX_PER_CONVERSATION messages."""

    code = "conversation_full"


class NotLive(Refused):
    """The conversation ended or expired: nothing can be added to it."""

    code = "not_live"


class TakenByOther(Refused):
    """Another therapist took this conversation."""

    code = "taken_by_other"


class NotRead(Refused):
    """A therapist may close a conversation only once the writer has read its last answer."""

    code = "not_read"


class NotYours(Refused):
    """Only the therapist who took the conversation (or a supervisor) may do this."""

    code = "not_yours"


class NotEnded(Refused):
    """A registration is filed once the conversation has ended."""

    code = "not_ended"
