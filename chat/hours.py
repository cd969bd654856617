"""Business hours as a pure calculation (no I/O): whether the team is open at a moment, when it
opens next, and how to say so ("Back tomorrow at 9:00").

Hours are wall-clock intervals per weekday in an IANA timezone. An interval belongs to the day
it starts: `["22:00", "02:00"]` on Friday runs into Saturday morning, and a closed date removes
the intervals that start on it (the tail of the evening before still runs). Wall times become
instants by the zone's rules of that very date, so daylight-saving changes are honoured: a time
the clock skips (02:30 on a spring-forward day) is the moment the clock jumps forward (03:00),
and a time the clock shows twice (02:30 on an autumn day) is its first occurrence. Both rules
keep an interval's instants in the order of its wall times, so intervals never swap or overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MINUTES_A_DAY = 24 * 60
WEEK = 7 * MINUTES_A_DAY
CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")
DATE = re.compile(r"\d{4}-\d\d-\d\d")
INTERVALS_A_DAY = 12
CLOSED_DATES_MAX = 1000
ZONE_NAME_MAX = 64


@dataclass(frozen=True, slots=True)
class Interval:
    """Minutes after the start of its day: `end` past 1440 runs into the next day."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Schedule:
    zone: ZoneInfo
    weekly: tuple[tuple[Interval, ...], ...]  # Monday first
    closed: frozenset[date]

    def is_open(self, at: datetime) -> bool:
        """Whether the team is open at the aware moment `at`."""
        day = at.astimezone(self.zone).date()
        for start, end in self._instants(day - timedelta(days=2), day):
            if start <= at < end:
                return True
        return False

    def next_opening(self, at: datetime) -> datetime | None:
        """When the team opens after `at` (UTC): None while it is open at `at`, and None when
        it never opens (no hours at all)."""
        if self.is_open(at) or not any(self.weekly):
            return None
        day = at.astimezone(self.zone).date()
        # Each closed date can hide at most a week's only opening day.
        last = day + timedelta(days=7 * (len(self.closed) + 1) + 1)
        for start, _ in self._instants(day - timedelta(days=1), last):
            if start > at:
                return start
        return None

    def _instants(self, first: date, last: date) -> list[tuple[datetime, datetime]]:
        """(start, end) in UTC of every interval starting on the days first..last, in order."""
        found = []
        day = first
        while day <= last:
            if day not in self.closed:
                for interval in self.weekly[day.weekday()]:
                    start = instant(self.zone, day, interval.start)
                    end = instant(self.zone, day, interval.end)
                    if end > start:
                        found.append((start, end))
            day += timedelta(days=1)
        return found


def instant(zone: ZoneInfo, day: date, minute: int) -> datetime:
    """The UTC moment the clock in `zone` shows `minute` after the start of `day` (which may be
    past 1440: a later day). A skipped time is the moment the clock jumps; a repeated one is
    its first occurrence."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    first = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the earlier reading
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # `wall` does not exist: it is in a gap. With fold=0 it reads with the offset before the
    # gap (later than the jump), with fold=1 with the one after (earlier than the jump); the
    # jump is the first moment after the earlier whose offset is the one after the gap.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    after = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


# -- reading what an admin sent ---------------------------------------------------------------


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone called `name`; ValueError for anything else."""
    if not name or len(name) > ZONE_NAME_MAX or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"`timezone`: {name[:ZONE_NAME_MAX]!r} is not an IANA timezone.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"`timezone`: {name!r} is not an IANA timezone.") from None


def minute_of(text: str, where: str) -> int:
    found = CLOCK.fullmatch(text)
    if found is None:
        raise ValueError(f"`{where}`: {text[:20]!r} is not a time from 00:00 to 24:00 (HH:MM).")
    if text == "24:00":
        return MINUTES_A_DAY
    return int(found[1]) * 60 + int(found[2])


def interval_of(pair: list[str] | tuple[str, str], where: str) -> Interval:
    if len(pair) != 2:
        raise ValueError(f'`{where}`: an interval is two times, ["09:00", "17:00"].')
    start = minute_of(pair[0], f"{where}[0]")
    end = minute_of(pair[1], f"{where}[1]")
    if start == MINUTES_A_DAY:
        raise ValueError(f"`{where}[0]`: an interval starts at 23:59 at the latest.")
    if end == start:
        raise ValueError(f"`{where}`: an interval cannot start and end at {pair[0]}.")
    if end < start:
        end += MINUTES_A_DAY  # past midnight: it ends the next day
    return Interval(start, end)


def dates_of(texts: list[str]) -> frozenset[date]:
    if len(texts) > CLOSED_DATES_MAX:
        raise ValueError(f"`closed_dates`: at most {CLOSED_DATES_MAX} dates.")
    found = set()
    for n, text in enumerate(texts):
        try:
            if not DATE.fullmatch(text):
                raise ValueError
            found.add(date.fromisoformat(text))
        except ValueError:
            raise ValueError(
                f"`closed_dates[{n}]`: {text[:20]!r} is not a date (YYYY-MM-DD)."
            ) from None
    return frozenset(found)


def schedule_of(timezone: str, weekly: dict[str, list[list[str]]], closed: list[str]) -> Schedule:
    """The schedule an admin described, or ValueError saying what is wrong (for a person):
    a bad timezone, time or date, or two intervals that overlap (a past-midnight tail
    included, into the next day's first interval and from Sunday into Monday)."""
    zone = zone_of(timezone)
    days = []
    for name in DAYS:
        pairs = weekly.get(name, [])
        if len(pairs) > INTERVALS_A_DAY:
            raise ValueError(f"`weekly.{name}`: at most {INTERVALS_A_DAY} intervals a day.")
        days.append(
            tuple(
                sorted(
                    (interval_of(p, f"weekly.{name}[{n}]") for n, p in enumerate(pairs)),
                    key=lambda i: i.start,
                )
            )
        )
    _refuse_overlaps(days)
    return Schedule(zone, tuple(days), dates_of(closed))


def _refuse_overlaps(days: list[tuple[Interval, ...]]) -> None:
    """Intervals laid on the week as a circle (Sunday's tail runs into Monday): none may
    overlap another. Touching (one ends at 12:00, the next starts at 12:00) is allowed."""
    laid = sorted(
        (n * MINUTES_A_DAY + i.start, n * MINUTES_A_DAY + i.end, n)
        for n, intervals in enumerate(days)
        for i in intervals
    )
    if len(laid) < 2:
        return
    first_start, first_end, first_day = laid[0]
    following = [*laid[1:], (first_start + WEEK, first_end + WEEK, first_day)]
    for (start, end, day), (next_start, next_end, next_day) in zip(laid, following, strict=True):
        if end > next_start:
            raise ValueError(
                f"`weekly.{DAYS[day]}`: {_clock(start)}–{_clock(end)} overlaps"
                f" {DAYS[next_day]} {_clock(next_start)}–{_clock(next_end)}."
            )


def _clock(minute: int) -> str:
    minute %= MINUTES_A_DAY
    return f"{minute // 60:02d}:{minute % 60:02d}"


# -- saying it ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Wording:
    """How a language says when the team is back: a template for each distance, and its names
    of the weekdays (Monday first) and the months."""

    today: str
    tomorrow: str
    weekday: str
    date: str
    day_month: str
    days: tuple[str, ...]
    months: tuple[str, ...]


WORDINGS = {
    "en": Wording(
        "Back today at {time}",
        "Back tomorrow at {time}",
        "Back on {day} at {time}",
        "Back on {date} at {time}",
        "{d} {month}",
        DAY_NAMES,
        MONTHS,
    ),
    "de": Wording(
        "Wir sind heute um {time} wieder da",
        "Wir sind morgen um {time} wieder da",
        "Wir sind am {day} um {time} wieder da",
        "Wir sind am {date} um {time} wieder da",
        "{d}. {month}",
        ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
        (
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ),
    ),
    "fr": Wording(
        "De retour aujourd’hui à {time}",
        "De retour demain à {time}",
        "De retour {day} à {time}",
        "De retour le {date} à {time}",
        "{d} {month}",
        ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
        (
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ),
    ),
    "es": Wording(
        "Volvemos hoy a las {time}",
        "Volvemos mañana a las {time}",
        "Volvemos el {day} a las {time}",
        "Volvemos el {date} a las {time}",
        "{d} de {month}",
        ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
        (
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ),
    ),
    "ar": Wording(
        "نعود اليوم الساعة {time}",
        "نعود غدًا الساعة {time}",
        "نعود يوم {day} الساعة {time}",
        "نعود في {date} الساعة {time}",
        "{d} {month}",
        ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
        (
            "يناير",
            "فبراير",
            "مارس",
            "أبريل",
            "مايو",
            "يونيو",
            "يوليو",
            "أغسطس",
            "سبتمبر",
            "أكتوبر",
            "نوفمبر",
            "ديسمبر",
        ),
    ),
}


def describe_opening(opening: datetime, now: datetime, zone: ZoneInfo, language: str = "en") -> str:
    """ "Back today at 14:00", "Back tomorrow at 9:00", "Back on Monday at 9:00" (within a
    week), else "Back on 4 January at 9:00": the team's wall clock, 24-hour, with the zone's
    abbreviation when it has one of letters ("Back tomorrow at 9:00 CET"); in `language` (one
    of WORDINGS, else English)."""
    wording = WORDINGS.get(language, WORDINGS["en"])
    local = opening.astimezone(zone)
    ahead = (local.date() - now.astimezone(zone).date()).days
    abbreviation = local.tzname() or ""
    suffix = f" {abbreviation}" if abbreviation.isalpha() else ""
    clock = f"{local.hour}:{local.minute:02d}{suffix}"
    if ahead <= 0:
        return wording.today.format(time=clock)
    if ahead == 1:
        return wording.tomorrow.format(time=clock)
    if ahead < 7:
        return wording.weekday.format(day=wording.days[local.weekday()], time=clock)
    date = wording.day_month.format(d=local.day, month=wording.months[local.month - 1])
    return wording.date.format(date=date, time=clock)
