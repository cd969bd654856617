"""Business hours as a calculation (chat/hours.py, no I/O): open or closed at a moment and the
next opening, across the daylight-saving changes of 2026 in Berlin and New York, past midnight,
on closed dates; what an admin may not send; and how the next opening is said."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chat.hours import Schedule, describe_opening, schedule_of

NINE_TO_FIVE = [["09:00", "17:00"]]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def hours(zone: str, closed: list[str] | None = None, **weekly: list[list[str]]) -> Schedule:
    return schedule_of(zone, weekly, closed or [])


def test_weekdays_nine_to_five_in_berlin_open_and_close_on_the_local_clock() -> None:
    berlin = hours("Europe/Berlin", mon=NINE_TO_FIVE, tue=NINE_TO_FIVE)
    # Monday 30 November 2026, CET (UTC+1): open 08:00 to 16:00 UTC.
    assert not berlin.is_open(utc(2026, 11, 30, 7, 59))
    assert berlin.is_open(utc(2026, 11, 30, 8, 0))
    assert berlin.is_open(utc(2026, 11, 30, 15, 59))
    assert not berlin.is_open(utc(2026, 11, 30, 16, 0))
    assert berlin.next_opening(utc(2026, 11, 30, 12)) is None  # open now
    assert berlin.next_opening(utc(2026, 11, 30, 16)) == utc(2026, 12, 1, 8)
    # Tuesday evening: next Monday.
    assert berlin.next_opening(utc(2026, 12, 1, 20)) == utc(2026, 12, 7, 8)


def test_the_same_nine_oclock_moves_in_utc_across_the_berlin_spring_change() -> None:
    berlin = hours("Europe/Berlin", sat=NINE_TO_FIVE, sun=NINE_TO_FIVE, mon=NINE_TO_FIVE)
    # Clocks go forward on Sunday 29 March 2026 at 02:00 CET.
    assert berlin.next_opening(utc(2026, 3, 27, 20)) == utc(2026, 3, 28, 8)  # CET
    assert berlin.next_opening(utc(2026, 3, 28, 20)) == utc(2026, 3, 29, 7)  # CEST
    assert berlin.is_open(utc(2026, 3, 29, 14, 59)) and not berlin.is_open(utc(2026, 3, 29, 15))


def test_an_opening_the_spring_clock_skips_is_when_the_clock_jumps() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00 UTC).
    berlin = hours("Europe/Berlin", sun=[["02:30", "05:00"]])
    assert berlin.next_opening(utc(2026, 3, 28, 23)) == utc(2026, 3, 29, 1)
    assert not berlin.is_open(utc(2026, 3, 29, 0, 59))
    assert berlin.is_open(utc(2026, 3, 29, 1, 0))
    assert not berlin.is_open(utc(2026, 3, 29, 3, 0))  # 05:00 CEST
    # A week later, no change: 02:30 CEST is 00:30 UTC.
    assert berlin.next_opening(utc(2026, 3, 30)) == utc(2026, 4, 5, 0, 30)


def test_a_closing_time_the_autumn_clock_shows_twice_is_its_first_occurrence() -> None:
    # 25 October 2026 in Berlin: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
    berlin = hours("Europe/Berlin", sun=[["01:00", "02:30"]])
    assert berlin.next_opening(utc(2026, 10, 24, 12)) == utc(2026, 10, 24, 23)  # 01:00 CEST
    assert berlin.is_open(utc(2026, 10, 25, 0, 29))  # 02:29 CEST
    assert not berlin.is_open(utc(2026, 10, 25, 0, 30))  # 02:30 CEST, the first
    assert not berlin.is_open(utc(2026, 10, 25, 1, 15))  # 02:15 CET, the second pass


def test_new_york_2026_changes_and_an_interval_over_the_repeated_hour() -> None:
    ny = hours("America/New_York", sun=[["01:30", "03:00"]], sat=NINE_TO_FIVE)
    # Spring: Sunday 8 March 2026, 02:00 EST becomes 03:00 EDT.
    assert ny.next_opening(utc(2026, 3, 7, 23)) == utc(2026, 3, 8, 6, 30)  # 01:30 EST
    assert ny.is_open(utc(2026, 3, 8, 6, 59)) and not ny.is_open(utc(2026, 3, 8, 7))  # 03:00 EDT
    # Autumn: Sunday 1 November 2026, 02:00 EDT becomes 01:00 EST: 01:30 EDT to 03:00 EST
    # is two and a half hours, the repeated hour included.
    assert ny.next_opening(utc(2026, 10, 31, 22)) == utc(2026, 11, 1, 5, 30)
    assert ny.is_open(utc(2026, 11, 1, 6, 45))  # 01:45 EST, the second pass
    assert ny.is_open(utc(2026, 11, 1, 7, 59)) and not ny.is_open(utc(2026, 11, 1, 8))
    # Saturday 9:00 is 14:00 UTC in March before the change, 13:00 UTC after it in EDT.
    assert ny.next_opening(utc(2026, 3, 2)) == utc(2026, 3, 7, 14)
    assert ny.next_opening(utc(2026, 3, 9)) == utc(2026, 3, 14, 13)


def test_a_past_midnight_interval_belongs_to_the_day_it_starts() -> None:
    late = hours("Europe/Berlin", ["2026-12-04"], fri=[["22:00", "02:00"]])
    # Friday 27 November 22:00 CET to Saturday 02:00 CET.
    assert late.is_open(utc(2026, 11, 27, 21)) and late.is_open(utc(2026, 11, 28, 0, 30))
    assert not late.is_open(utc(2026, 11, 28, 1))
    # Friday 4 December is closed: its evening does not open; the next Friday does.
    assert not late.is_open(utc(2026, 12, 4, 23))
    assert late.next_opening(utc(2026, 12, 1)) == utc(2026, 12, 11, 21)


def test_a_closed_date_keeps_the_tail_of_the_evening_before() -> None:
    late = hours("Europe/Berlin", ["2026-12-25"], thu=[["22:00", "02:00"]], fri=NINE_TO_FIVE)
    # Thursday 24 December's evening runs into the closed Christmas Day; Friday's day does not.
    assert late.is_open(utc(2026, 12, 25, 0, 30))
    assert not late.is_open(utc(2026, 12, 25, 9))
    assert late.next_opening(utc(2026, 12, 25, 2)) == utc(2026, 12, 31, 21)


def test_a_past_midnight_interval_ending_in_the_spring_gap_ends_when_the_clock_jumps() -> None:
    late = hours("Europe/Berlin", sat=[["22:00", "02:30"]])
    assert late.is_open(utc(2026, 3, 29, 0, 59))
    assert not late.is_open(utc(2026, 3, 29, 1, 0))  # 03:00 CEST


def test_closed_dates_are_skipped_however_many_in_a_row() -> None:
    closed = [f"2026-12-{day:02d}" for day in range(1, 32)]
    december = hours("UTC", closed, mon=NINE_TO_FIVE)
    assert december.next_opening(utc(2026, 11, 30, 18)) == utc(2027, 1, 4, 9)


def test_a_team_with_no_hours_is_never_open_and_never_opens() -> None:
    never = hours("UTC")
    assert not never.is_open(utc(2026, 11, 30, 12))
    assert never.next_opening(utc(2026, 11, 30, 12)) is None


def test_a_whole_day_and_back_to_back_intervals_leave_no_gap() -> None:
    around = hours("UTC", mon=[["00:00", "24:00"]], tue=[["00:00", "12:00"], ["12:00", "13:00"]])
    assert around.is_open(utc(2026, 11, 30, 23, 59)) and around.is_open(utc(2026, 12, 1, 12))
    assert not around.is_open(utc(2026, 12, 1, 13))


@pytest.mark.parametrize(
    ("weekly", "says"),
    [
        ({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, "overlaps mon 11:00–13:00"),
        ({"mon": [["22:00", "02:00"]], "tue": [["01:00", "05:00"]]}, "overlaps tue 01:00"),
        ({"sun": [["23:00", "01:00"]], "mon": [["00:30", "05:00"]]}, "overlaps mon 00:30"),
        ({"mon": [["25:00", "26:00"]]}, "`weekly.mon[0][0]`: '25:00' is not a time"),
        ({"mon": [["9:00", "17:00"]]}, "'9:00' is not a time"),
        ({"mon": [["24:00", "02:00"]]}, "starts at 23:59 at the latest"),
        ({"mon": [["09:00", "09:00"]]}, "cannot start and end at 09:00"),
        ({"mon": [["09:00"]]}, "an interval is two times"),
    ],
)
def test_overlapping_or_malformed_intervals_are_refused_saying_which(
    weekly: dict[str, list[list[str]]], says: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        schedule_of("Europe/Berlin", weekly, [])


@pytest.mark.parametrize(
    ("zone", "closed", "says"),
    [
        ("Mars/Olympus_Mons", [], "not an IANA timezone"),
        ("../../etc/passwd", [], "not an IANA timezone"),
        ("", [], "not an IANA timezone"),
        ("UTC", ["2026-02-30"], "`closed_dates\\[0\\]`: '2026-02-30' is not a date"),
        ("UTC", ["2026-12-25", "25.12.2026"], "`closed_dates\\[1\\]`"),
    ],
)
def test_bad_timezones_and_dates_are_refused(zone: str, closed: list[str], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        schedule_of(zone, {"mon": NINE_TO_FIVE}, closed)


def test_the_next_opening_is_said_on_the_teams_clock() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = utc(2026, 11, 30, 20)  # Monday 21:00 CET
    assert describe_opening(utc(2026, 11, 30, 21, 30), now, berlin) == "Back today at 22:30 CET"
    assert describe_opening(utc(2026, 12, 1, 8), now, berlin) == "Back tomorrow at 9:00 CET"
    assert describe_opening(utc(2026, 12, 4, 13), now, berlin) == "Back on Friday at 14:00 CET"
    assert describe_opening(utc(2027, 1, 4, 8), now, berlin) == "Back on 4 January at 9:00 CET"
    summer = describe_opening(utc(2026, 3, 30, 7), utc(2026, 3, 29, 20), berlin)
    assert summer == "Back tomorrow at 9:00 CEST"
    # A zone whose abbreviation is a number says none.
    dubai = describe_opening(utc(2026, 12, 1, 5), utc(2026, 11, 30, 12), ZoneInfo("Asia/Dubai"))
    assert dubai == "Back tomorrow at 9:00"
