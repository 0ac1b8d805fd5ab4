"""What the writer reads: every refusal in words of the page's language, and the days and
times of a conversation the way the language writes them ("donderdag 10 december")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from ..messages.conversations import Entry


def refusal(code: str) -> str:
    """The sentence a refusal code (messages/errors.py, or the pages' own) shows."""
    cfg = current_app.config
    if code == "empty":
        return _("Your message is empty. Write something before you send it.")
    if code == "too_long":
        return _("Your message is too long: at most %(max)s characters fit. It is still in "
                 "the box below: shorten it and send it again.", max=cfg["MESSAGE_MAX_CHARS"])
    if code == "control_characters":
        return _("Your message contains invisible control characters that we cannot keep "
                 "(they sometimes come along with copied text). Remove them and send it again.")
    if code == "bidi_controls":
        return _("Your message contains invisible characters that change the direction of "
                 "the text (they sometimes come along with copied text). Remove them and "
                 "send it again.")
    if code == "bad_profile":
        return _("One of the answers about your age or gender is not one we offer. Choose "
                 "again, or choose “Prefer not to say”.")
    if code == "helpline_full":
        return _("We cannot take a new message right now: too many conversations are "
                 "waiting for an answer. This is on our side, not yours. Please try again "
                 "in a few days, or reach us another way (below).")
    if code == "conversation_full":
        return _("You have written as many messages in this conversation as it can hold "
                 "(%(max)s). You can end it and write a new message.",
                 max=cfg["MESSAGE_MAX_PER_CONVERSATION"])
    if code == "wrong_code":
        return _("This code does not open a conversation. Check that you typed it "
                 "correctly. A conversation that was ended or deleted cannot be opened again.")
    if code == "pow_stale":
        return _("Many people are writing right now, so the safety check has to be done "
                 "again. Nothing was sent and nothing is lost: press the button again.")
    return _("The safety check of this page did not work. Nothing was sent and nothing "
             "is lost: press the button again.")


def _local(at: datetime) -> datetime:
    """A naive UTC time from the database in the helpline's zone."""
    zone = ZoneInfo(current_app.config["HELPLINE_TIMEZONE"])
    return at.replace(tzinfo=UTC).astimezone(zone)


def day(value: date) -> str:
    """A promised day: weekday, day and month ("donderdag 10 december")."""
    return format_date(value, "EEEE d MMMM")


def when(at: datetime) -> str:
    """When a message was written, as the chat page words a time: "donderdag 10 december
    om 14.05 uur", "jeudi 10 décembre à 14 h 05", "Thursday 10 December at 14:05"."""
    local = _local(at)
    if local.minute:
        clock = _("%(hour)s:%(minute)s", hour=local.hour, minute=f"{local.minute:02d}")
    else:
        clock = _("%(hour)s:00", hour=local.hour)
    return _("%(day)s at %(time)s", day=format_date(local.date(), "EEEE d MMMM"), time=clock)


def deleted_on(last_activity: datetime) -> str:
    """The day a conversation is deleted if nothing more happens in it."""
    days = int(current_app.config["MESSAGE_RETENTION_DAYS"])
    return day(_local(last_activity + timedelta(days=days)).date())


def retention(last_activity: datetime) -> str:
    """How long the conversation stays: the day, and the setting it follows."""
    return _("If nothing more is written in it, the conversation is deleted on %(day)s: "
             "%(days)s days after its last message. If you end it yourself, it is deleted "
             "at once.", day=deleted_on(last_activity),
             days=int(current_app.config["MESSAGE_RETENTION_DAYS"]))


def entries(items: list[Entry]) -> list[dict]:
    """The conversation as the page lists it: who wrote, when, what."""
    return [{"mine": e.author == "writer", "when": when(e.at), "text": e.text} for e in items]
