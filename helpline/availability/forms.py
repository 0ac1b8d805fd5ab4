"""The opening-hours page's forms: fields, their names in the reader's language, and the
times they carry (HH:MM, 24:00 for midnight) checked onto the right field."""

from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..i18n import WEEKDAY_NAMES
from ..realtime.protocol import SQL_INT_MAX
from ..records.models import CHANNEL_NAMES, CHANNELS
from ..reports import periods
from . import schedule
from .models import NOTE_MAX, OpeningSlot

KIND_NAMES = {"closed": _l("Closed"), "extra": _l("Extra session")}


def _day_in_range(form, field) -> None:
    """The bounds of the periods' days (reports/periods.py) hold for exceptions too."""
    if field.data and not periods.FIRST_DAY <= field.data <= periods.LAST_DAY:
        raise ValidationError(_l("Choose a date from 2000 to 2999."))


def _time_field(label, *, end: bool = False):
    return StringField(label, validators=[Optional(), Length(max=5)],
                       render_kw={"placeholder": "24:00" if end else _l("HH:MM"),
                                  "inputmode": "numeric", "autocomplete": "off",
                                  "spellcheck": "false", "size": 6})


class SlotForm(FlaskForm):
    """A new weekly session of one channel."""

    channel = SelectField(_l("Channel"), choices=[(c, CHANNEL_NAMES[c]) for c in CHANNELS],
                          validators=[InputRequired()])
    weekday = SelectField(_l("Day"), coerce=int, validators=[InputRequired()],
                          choices=[(i, name) for i, name in enumerate(WEEKDAY_NAMES)])
    starts = _time_field(_l("From (HH:MM)"))
    ends = _time_field(_l("Until (HH:MM, 24:00 = midnight)"), end=True)


class ExceptionForm(FlaskForm):
    """A closed day or span, or an extra session, on one date."""

    channel = SelectField(_l("Channel"), choices=[(c, CHANNEL_NAMES[c]) for c in CHANNELS],
                          validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[DataRequired(_l("Give the date as YYYY-MM-DD.")),
                                            _day_in_range])
    kind = SelectField(_l("Change"), choices=[(k, v) for k, v in KIND_NAMES.items()],
                       validators=[InputRequired()])
    starts = _time_field(_l("From (HH:MM; empty: the whole day)"))
    ends = _time_field(_l("Until (HH:MM)"), end=True)
    note = StringField(_l("Note for colleagues (optional)"),
                       validators=[Optional(), Length(max=NOTE_MAX)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})


class DeleteForm(FlaskForm):
    """Remove one weekly session or exception (a POST with a CSRF token)."""

    item = IntegerField(validators=[InputRequired(), NumberRange(1, SQL_INT_MAX)])
    action = HiddenField()


def parse_span(form, *, required: bool) -> tuple[time | None, time | None] | None:
    """The form's times, or None after putting the problem on the right field."""
    raw_start, raw_end = (form.starts.data or "").strip(), (form.ends.data or "").strip()
    if not raw_start and not raw_end and not required:
        return None, None
    values = {}
    for field, raw, allow_24 in ((form.starts, raw_start, False), (form.ends, raw_end, True)):
        if not raw:
            field.errors = [*field.errors, str(_l("Give a time as HH:MM."))]
            continue
        try:
            values[field.name] = schedule.parse_time(raw, allow_24=allow_24)
        except schedule.ScheduleError as exc:
            field.errors = [*field.errors, str(exc)]
    if len(values) < 2:
        return None
    starts, ends = values[form.starts.name], values[form.ends.name]
    try:
        schedule.check_span(starts, ends)
    except schedule.ScheduleError as exc:
        form.ends.errors = [*form.ends.errors, str(exc)]
        return None
    return starts, ends


def overlap(slot: OpeningSlot, starts: time, ends: time) -> bool:
    """Whether a stored weekly session overlaps the new one's times (same day assumed)."""
    a0, a1 = schedule.span_minutes(slot.starts, slot.ends)
    b0, b1 = schedule.span_minutes(starts, ends)
    return a0 < b1 and b0 < a1


def span_text(starts: time | None, ends: time | None) -> str:
    if starts is None or ends is None:
        return str(_l("the whole day"))
    return schedule.format_span(starts, ends)
