"""Business hours (TEAMS.md, "Business hours and email"): the admin's setting, whether the team
is open now and when it opens next, and what a visitor who asks for a person outside hours is
told. The calculation itself is chat/hours.py (no I/O); routing asks `open_at` inside its
transaction, so nobody is assigned automatically while the team is closed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

import msgspec

from chat.errors import Invalid
from chat.hours import Schedule, describe_opening, schedule_of
from chat.models import Agent
from chat.service.audit import record
from chat.service.transaction import Changed, Transaction, Write
from chat.storage import settings as stored
from chat.storage.database import Database
from chat.wire import DEFAULT_HOURS, HoursSettings

HOURS = "hours"  # the settings row; absent: always open
_decode = msgspec.json.Decoder(HoursSettings)


def schedule(config: HoursSettings) -> Schedule:
    """The schedule `config` describes; Invalid (422) saying what is wrong for a person."""
    weekly = msgspec.structs.asdict(config.weekly)
    try:
        return schedule_of(config.timezone, weekly, config.closed_dates)
    except ValueError as error:
        raise Invalid(str(error)) from None


@lru_cache(maxsize=8)
def _stored_schedule(raw: str) -> Schedule:
    return schedule(_decode.decode(raw))


def open_at(conn: sqlite3.Connection, moment: datetime) -> bool:
    """Whether the team is open at `moment` by the stored hours (never set: always open)."""
    raw = stored.get_setting(conn, HOURS)
    return raw is None or _stored_schedule(raw).is_open(moment)


def normalised(config: HoursSettings) -> HoursSettings:
    """As stored: closed dates once each, in order; each day's intervals by their start."""
    weekly = msgspec.structs.replace(
        config.weekly,
        **{
            day: sorted(intervals, key=lambda pair: pair[0])
            for day, intervals in msgspec.structs.asdict(config.weekly).items()
        },
    )
    return msgspec.structs.replace(
        config, weekly=weekly, closed_dates=sorted(set(config.closed_dates))
    )


class BusinessHours:
    """The hours as this node holds them (re-read each second by the admin watch, at once on
    the node that saved them) and the answers the widget and the handoff need from them."""

    def __init__(
        self,
        db: Database,
        write: Write,
        clock: Callable[[], datetime],
        route: Callable[[Transaction], int],
    ) -> None:
        self.db = db
        self._write = write
        self.clock = clock
        self._route = route
        self.config = DEFAULT_HOURS
        self.schedule: Schedule | None = None  # None: never set, always open
        self._raw: str | None = None

    async def reload(self) -> None:
        raw = await self.db.read(lambda conn: stored.get_setting(conn, HOURS))
        if raw != self._raw:
            self._take(raw)

    def _take(self, raw: str | None) -> None:
        self._raw = raw
        self.config = DEFAULT_HOURS if raw is None else _decode.decode(raw)
        self.schedule = None if raw is None else _stored_schedule(raw)

    def now(self) -> tuple[bool, datetime | None]:
        """(open now, the next opening while closed: None when open or it never opens)."""
        if self.schedule is None:
            return True, None
        moment = self.clock()
        return self.schedule.is_open(moment), self.schedule.next_opening(moment)

    def away_note(self, language: str | None = None) -> str | None:
        """While closed: the away message and when the team is back (in `language` when the
        admin gave one for it, else the default); None while open."""
        if self.schedule is None:
            return None
        moment = self.clock()
        if self.schedule.is_open(moment):
            return None
        opening = self.schedule.next_opening(moment)
        own = self.config.away_messages.get(language) if language else None
        message = own or self.config.away_message
        if opening is None:
            return message
        back = describe_opening(opening, moment, self.schedule.zone, language if own else "en")
        return f"{message} {back}."

    async def put(self, admin: Agent, config: HoursSettings) -> HoursSettings:
        """Store the hours (422 for bad times, dates, timezone or overlapping intervals); what
        waits in the queue is routed at once when they make the team open."""
        schedule(config)
        config = normalised(config)
        value = msgspec.json.encode(config).decode()
        opening = sum(len(i) for i in msgspec.structs.asdict(config.weekly).values())
        detail = (
            f"{config.timezone}, {opening} interval(s) a week,"
            f" {len(config.closed_dates)} closed date(s)"
        )

        def work(tx: Transaction) -> Changed | None:
            stored.put_setting(tx.conn, HOURS, value)
            record(tx.conn, admin, "settings.hours", detail)
            self._route(tx)
            return Changed(tx.session(tx.events[0].session_id), tx.events) if tx.events else None

        await self._write(work)
        self._take(value)
        return config
