"""Opening hours as pure functions: weekly sessions, exceptions, DST edges, next opening."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from helpline.availability import schedule
from helpline.availability.schedule import DayException, Slot

TZ = schedule.zone("Europe/Brussels")
CHAT = [Slot("chat", 3, time(19), time(21, 30))]  # Thursday 19:00-21:30


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def is_open(slots, exceptions, at, channel="chat"):
    return schedule.is_open(slots, exceptions, channel, at, TZ)


# Thursday 19 November 2026 is winter time (UTC+1).
@pytest.mark.parametrize(("at", "expected"), [
    (local(2026, 11, 19, 18, 59), False),
    (local(2026, 11, 19, 19, 0), True),
    (local(2026, 11, 19, 21, 29), True),
    (local(2026, 11, 19, 21, 30), False),
    (local(2026, 11, 18, 19, 30), False),  # a Wednesday
    (utc(2026, 11, 19, 18, 0), True),  # 19:00 local given in UTC
    (datetime(2026, 11, 19, 18, 0), True),  # naive means UTC
])
def test_weekly_session(at, expected):
    assert is_open(CHAT, [], at) is expected


def test_channels_are_separate():
    slots = [*CHAT, Slot("phone", 1, time(15), time(19))]
    assert is_open(slots, [], local(2026, 11, 17, 16), "phone")
    assert not is_open(slots, [], local(2026, 11, 17, 16), "chat")
    assert not is_open(slots, [], local(2026, 11, 19, 20), "phone")


def test_closed_day_and_closed_span():
    day = date(2026, 11, 19)
    whole = [DayException("chat", day, "closed")]
    assert not is_open(CHAT, whole, local(2026, 11, 19, 20))
    assert is_open(CHAT, whole, local(2026, 11, 26, 20))  # only that date
    span = [DayException("chat", day, "closed", time(19), time(20))]
    assert not is_open(CHAT, span, local(2026, 11, 19, 19, 30))
    assert is_open(CHAT, span, local(2026, 11, 19, 20, 0))
    assert schedule.next_opening(CHAT, span, "chat", local(2026, 11, 19, 12), TZ) == \
        local(2026, 11, 19, 20)
    other_channel = [DayException("phone", day, "closed")]
    assert is_open(CHAT, other_channel, local(2026, 11, 19, 20))


def test_extra_session_and_closure_wins():
    day = date(2026, 11, 21)  # a Saturday
    extra = [DayException("chat", day, "extra", time(10), time(12))]
    assert is_open(CHAT, extra, local(2026, 11, 21, 11))
    assert not is_open(CHAT, extra, local(2026, 11, 21, 12))
    both = [*extra, DayException("chat", day, "closed")]
    assert not is_open(CHAT, both, local(2026, 11, 21, 11))
    # an extra session next to the weekly one makes one longer session
    longer = [DayException("chat", date(2026, 11, 19), "extra", time(21, 30), time(23))]
    end = schedule.current_session_end(CHAT, longer, "chat", local(2026, 11, 19, 20), TZ)
    assert end == local(2026, 11, 19, 23)


def test_session_to_midnight_joins_the_next_day():
    email = [Slot("email", d, time(0), time(0)) for d in range(7)]
    assert is_open(email, [], local(2026, 11, 19, 23, 59), "email")
    assert is_open(email, [], local(2026, 11, 20, 0, 0), "email")
    end = schedule.current_session_end(email, [], "email", local(2026, 11, 19, 12), TZ)
    assert end is not None and end > local(2027, 1, 1)
    late = [Slot("chat", 3, time(22), time(0)), Slot("chat", 4, time(0), time(1))]
    end = schedule.current_session_end(late, [], "chat", local(2026, 11, 19, 23), TZ)
    assert end == local(2026, 11, 20, 1)


# Last Sunday of March 2026: 29 March, 02:00 CET -> 03:00 CEST.
# Last Sunday of October 2026: 25 October, 03:00 CEST -> 02:00 CET.
SUNDAY_MORNING = [Slot("chat", 6, time(10), time(12))]
ACROSS_CHANGE = [Slot("chat", 6, time(1), time(4))]


def test_wall_clock_stays_put_across_dst():
    before = schedule.next_opening(SUNDAY_MORNING, [], "chat", utc(2026, 3, 20), TZ)
    assert before == utc(2026, 3, 22, 9)  # CET: UTC+1
    on_change = schedule.next_opening(SUNDAY_MORNING, [], "chat", utc(2026, 3, 23), TZ)
    assert on_change == utc(2026, 3, 29, 8)  # CEST: UTC+2, same 10:00 on the wall
    autumn = schedule.next_opening(SUNDAY_MORNING, [], "chat", utc(2026, 10, 20), TZ)
    assert autumn == utc(2026, 10, 25, 9)  # back to CET
    assert autumn.astimezone(TZ).hour == 10


def test_session_spanning_the_spring_change_is_an_hour_shorter():
    at = utc(2026, 3, 29, 0, 30)  # 01:30 CET
    assert is_open(ACROSS_CHANGE, [], at)
    end = schedule.current_session_end(ACROSS_CHANGE, [], "chat", at, TZ)
    assert end == utc(2026, 3, 29, 2)  # 04:00 CEST
    start = schedule.next_opening(ACROSS_CHANGE, [], "chat", utc(2026, 3, 28, 12), TZ)
    assert end - start == timedelta(hours=2)
    assert not is_open(ACROSS_CHANGE, [], utc(2026, 3, 29, 2))


def test_session_spanning_the_autumn_change_is_an_hour_longer():
    start = schedule.next_opening(ACROSS_CHANGE, [], "chat", utc(2026, 10, 24, 12), TZ)
    assert start == utc(2026, 10, 24, 23)  # 01:00 CEST
    end = schedule.current_session_end(ACROSS_CHANGE, [], "chat", start, TZ)
    assert end == utc(2026, 10, 25, 3)  # 04:00 CET
    assert end - start == timedelta(hours=4)
    # both passes of the doubled hour 02:00-03:00 are inside the session
    assert is_open(ACROSS_CHANGE, [], utc(2026, 10, 25, 0, 30))
    assert is_open(ACROSS_CHANGE, [], utc(2026, 10, 25, 1, 30))


def test_a_session_in_the_skipped_hour_does_not_crash():
    gap = [Slot("chat", 6, time(2, 0), time(3, 0))]  # does not exist on 29 March
    assert not is_open(gap, [], utc(2026, 3, 29, 1, 0))
    nxt = schedule.next_opening(gap, [], "chat", utc(2026, 3, 28), TZ)
    assert nxt == utc(2026, 4, 5, 0)  # skipped on the change day, back the week after


def test_next_opening_across_weeks_and_exceptions():
    friday = local(2026, 11, 20, 12)
    assert schedule.next_opening(CHAT, [], "chat", friday, TZ) == local(2026, 11, 26, 19)
    closed = [DayException("chat", date(2026, 11, 26), "closed"),
              DayException("chat", date(2026, 12, 3), "closed")]
    assert schedule.next_opening(CHAT, closed, "chat", friday, TZ) == local(2026, 12, 10, 19)
    extra = [*closed, DayException("chat", date(2026, 11, 23), "extra", time(9), time(11))]
    assert schedule.next_opening(CHAT, extra, "chat", friday, TZ) == local(2026, 11, 23, 9)


def test_next_opening_while_open_is_the_following_session():
    during = local(2026, 11, 19, 20)
    assert schedule.next_opening(CHAT, [], "chat", during, TZ) == local(2026, 11, 26, 19)
    assert schedule.current_session_end(CHAT, [], "chat", during, TZ) == local(2026, 11, 19, 21, 30)
    assert schedule.current_session_end(CHAT, [], "chat", local(2026, 11, 19, 22), TZ) is None


def test_next_opening_gives_up_after_eight_weeks():
    assert schedule.next_opening([], [], "chat", local(2026, 11, 19), TZ) is None
    far = [DayException("chat", date(2026, 11, 19) + timedelta(days=d), "closed")
           for d in range(0, 70)]
    assert schedule.next_opening(CHAT, far, "chat", local(2026, 11, 19), TZ) is None


@pytest.mark.parametrize(("starts", "ends"), [
    (time(19), time(19)), (time(21), time(19)), (None, time(19)), (time(19), None),
])
def test_a_session_must_end_after_it_starts(starts, ends):
    with pytest.raises(schedule.ScheduleError):
        schedule.check_span(starts, ends)


def test_midnight_end_and_time_parsing():
    schedule.check_span(time(22), time(0))  # 22:00-24:00
    schedule.check_span(time(0), time(0))  # the whole day
    assert schedule.parse_time("09:30") == time(9, 30)
    assert schedule.parse_time("24:00", allow_24=True) == time(0)
    for bad in ("24:00", "9:30", "25:00", "12:60", "noon", ""):
        with pytest.raises(schedule.ScheduleError):
            schedule.parse_time(bad)
    assert schedule.format_time(time(0), end=True) == "24:00"
    assert schedule.format_time(time(0)) == "00:00"


def test_weekly_text():
    phone = [Slot("phone", 1, time(15), time(19)), Slot("phone", 2, time(9, 30), time(12, 30)),
             Slot("phone", 4, time(12), time(15))]
    assert schedule.weekly_text(phone, "phone") == \
        "Tue 15:00–19:00; Wed 09:30–12:30; Fri 12:00–15:00"
    email = [Slot("email", d, time(0), time(0)) for d in range(7)]
    assert schedule.weekly_text(email, "email") == "Every day, 24 hours"
    office = [Slot("chat", d, time(9), time(17)) for d in range(5)]
    assert schedule.weekly_text(office, "chat") == "Mon–Fri 09:00–17:00"
    daily = [Slot("chat", d, time(9), time(17)) for d in range(7)]
    assert schedule.weekly_text(daily, "chat") == "Every day 09:00–17:00"
    assert schedule.weekly_text([], "chat") == "No regular hours"
    assert schedule.weekly_text(CHAT, "chat") == "Thu 19:00–21:30"


def test_a_span_reads_and_counts_midnight_as_its_end():
    assert schedule.format_span(time(9, 30), time(12, 30)) == "09:30–12:30"
    assert schedule.format_span(time(19), schedule.MIDNIGHT) == "19:00–24:00"
    assert schedule.span_minutes(time(9, 30), time(12, 30)) == (570, 750)
    assert schedule.span_minutes(time(19), schedule.MIDNIGHT) == (1140, 1440)
    assert schedule.span_minutes(schedule.MIDNIGHT, time(1)) == (0, 60)


def test_covers_hour():
    days = schedule.weekly_spans(CHAT, "chat")
    assert [h for h in range(24) if schedule.covers_hour(days, 3, h)] == [19, 20, 21]
    assert not any(schedule.covers_hour(days, 2, h) for h in range(24))
