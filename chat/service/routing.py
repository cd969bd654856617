"""Routing: which agent gets a conversation that waits for a person, the queue's order, what
its customers are told of their place, transfers, and the housekeeping that frees capacity
(agents gone offline, inactive conversations).

TEAMS.md "Routing and the queue" is the contract. Every decision is made inside the write
transaction that changes the queue or an agent's load, so concurrent handoffs are serialized
by the database (SQLite's one writer; on PostgreSQL the event counter row every write locks
first) and can never push an agent over their capacity, on one node or several. Who is online
and Available comes from the presence board, as seen when the write was queued.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec

from chat import events as catalogue
from chat.errors import Conflict, NotFound
from chat.events import ephemeral_frame
from chat.hub import Hub
from chat.hub.backplane import Delivery
from chat.hub.presence import PresenceBoard
from chat.models import Agent, SenderType, Session, SessionStatus, iso_time, parse_time
from chat.service.audit import record
from chat.service.hours import open_at
from chat.service.notes import write_note
from chat.service.transaction import Changed, Transaction, Write
from chat.storage import agents, queue
from chat.storage import settings as stored
from chat.storage.database import Database
from chat.wire import (
    DEFAULT_ROUTING,
    AgentRef,
    Load,
    NoteView,
    QueueAnswer,
    QueuedEntry,
    RoutingSettings,
    SessionView,
)

log = logging.getLogger("chat.routing")
ROUTING = "routing"  # the settings row
TICK = 1.0  # seconds between two looks at the queue, offline holders and inactive conversations
ANNOUNCE_EVERY = 15.0  # seconds: expected waits drift with time, positions are told at once
# The expected wait is estimated from the latest real waits, once there are enough of them.
ESTIMATE_FROM = 20
ESTIMATE_AT_LEAST = 5
ESTIMATE_WITHIN = timedelta(hours=24)
REQUEUED_NOTE = (
    "Your agent is no longer available. We're connecting you with someone else; you keep your "
    "place at the front of the queue."
)


def closed_note(seconds: int) -> str:
    count, unit = (seconds, "second") if seconds < 60 else (round(seconds / 60), "minute")
    return (
        f"This conversation was closed after {count} {unit}{'' if count == 1 else 's'} without"
        " a message. Write again any time to reopen it."
    )


_decode = msgspec.json.Decoder(RoutingSettings)


def load_config(conn: object) -> RoutingSettings:
    raw = stored.get_setting(conn, ROUTING)  # type: ignore[arg-type]
    return _decode.decode(raw) if raw is not None else DEFAULT_ROUTING


def capacity_of(agent: Agent, config: RoutingSettings) -> int:
    return config.default_capacity if agent.capacity is None else agent.capacity


def _choose(
    config: RoutingSettings,
    candidates: list[queue.Candidate],
    counts: dict[int, int],
    available: frozenset[int],
) -> queue.Candidate | None:
    """The eligible agent to give the next conversation to: active, online and Available,
    under capacity; round robin takes the one routed to longest ago, least busy the one with
    the fewest open conversations (then the one routed to longest ago)."""
    eligible = [
        c
        for c in candidates
        if c.agent.id in available and counts.get(c.agent.id, 0) < capacity_of(c.agent, config)
    ]
    if not eligible:
        return None
    if config.mode == "least_busy":
        return min(
            eligible,
            key=lambda c: (counts.get(c.agent.id, 0), c.last_routed, c.agent.id),
        )
    return min(eligible, key=lambda c: (c.last_routed, c.agent.id))


def route(tx: Transaction, config: RoutingSettings | None = None) -> int:
    """Give the oldest queued conversations to eligible agents while there are both (no-op in
    manual mode). Returns how many were assigned."""
    if not tx.available:
        return 0
    config = config or load_config(tx.conn)
    if config.mode == "manual" or not open_at(tx.conn, tx.moment):
        return 0  # outside business hours the queue waits for opening (or a person's choice)
    candidates = [c for c in queue.candidates(tx.conn) if c.agent.id in tx.available]
    if not candidates:
        return 0
    counts = queue.open_counts(tx.conn)
    room = sum(max(0, capacity_of(c.agent, config) - counts.get(c.agent.id, 0)) for c in candidates)
    if room == 0:
        return 0
    waiting = queue.queued_ids(tx.conn, room)  # no more than can be given out now
    assigned = 0
    for session_id in waiting:
        chosen = _choose(config, candidates, counts, tx.available)
        if chosen is None:
            break
        tx.assign(tx.session(session_id), chosen.agent)
        mark = queue.mark_routed(tx.conn, chosen.agent.id)
        counts[chosen.agent.id] = counts.get(chosen.agent.id, 0) + 1
        candidates = [queue.Candidate(c.agent, mark) if c is chosen else c for c in candidates]
        assigned += 1
    return assigned


def reopen(tx: Transaction, session: Session) -> Session:
    """A customer wrote to a closed conversation. With automatic routing it goes back to the
    agent who had it when they are eligible now; otherwise (or in manual mode) to the queue,
    never to an agent who is away."""
    config = load_config(tx.conn)
    previous = session.assigned_agent_id
    if (
        config.mode != "manual"
        and previous is not None
        and previous in tx.available
        and open_at(tx.conn, tx.moment)
    ):
        agent = agents.get_agent(tx.conn, previous)
        if (
            agent is not None
            and agent.is_active
            and queue.open_count(tx.conn, previous) < capacity_of(agent, config)
        ):
            return tx.assign(session, agent)
    session = tx.set_status(session, SessionStatus.QUEUED, None)
    tx.emit_session(catalogue.SESSION_UPDATED, session)
    return session


def estimate(waits: list[queue.Wait]) -> float | None:
    """Seconds of waiting per place in the queue, from recent real waits (None: too few).

    Each wait that ended with an agent counts as its length divided by the place it started
    at; the median of these, times a customer's place, is what they are told."""
    if len(waits) < ESTIMATE_AT_LEAST:
        return None
    per_place = [
        (parse_time(w.ended_at) - parse_time(w.started_at)).total_seconds() / max(1, w.position)
        for w in waits
    ]
    return statistics.median(per_place)


def _recent_waits(conn: object) -> list[queue.Wait]:
    since = iso_time(datetime.now(UTC) - ESTIMATE_WITHIN)
    return queue.recent_waits(conn, since, ESTIMATE_FROM)  # type: ignore[arg-type]


def expected_wait(per_place: float | None, position: int) -> int | None:
    return None if per_place is None else round(per_place * position)


@dataclass(frozen=True, slots=True)
class _Look:
    """What one tick reads: the settings, whether routing could assign now, who holds
    conversations, which conversations are inactive."""

    config: RoutingSettings
    could_assign: bool
    holders: list[int]
    inactive: list[int]


class Routing:
    """The queue's use cases and its housekeeping loop (run() on every node: each decision is
    made again inside the transaction, so nodes doing the same work at once is harmless)."""

    def __init__(
        self,
        db: Database,
        write: Write,
        presence: PresenceBoard,
        hub: Hub,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.clock = clock  # business hours: nobody is assigned automatically while closed
        self._write = write
        self.presence = presence
        self.hub = hub
        self._kicked = asyncio.Event()
        self._announce_due = False
        self._told: dict[int, tuple[int, int | None]] = {}  # session → (position, wait) said
        self._last_told = 0.0
        self._offline_since: dict[int, float] = {}  # agent → when this node saw them offline
        # Set by the app: called with (session_id, agent) when a transfer reaches an agent.
        self.on_transfer: Callable[[int, Agent], None] | None = None

    # -- settings ---------------------------------------------------------------------------

    async def settings(self) -> RoutingSettings:
        return await self.db.read(load_config)

    async def put_settings(self, admin: Agent, config: RoutingSettings) -> RoutingSettings:
        value = msgspec.json.encode(config).decode()
        detail = (
            f"{config.mode}, capacity {config.default_capacity}, requeue offline after "
            f"{config.requeue_offline_after or 'never'}, close inactive after "
            f"{config.close_inactive_after or 'never'}"
        )

        def work(tx: Transaction) -> Changed | None:
            stored.put_setting(tx.conn, ROUTING, value)
            record(tx.conn, admin, "settings.routing", detail)
            route(tx, config)
            return _changed(tx)

        await self._write(work)
        return config

    # -- what agents do -----------------------------------------------------------------------

    async def summary(self, agent: Agent) -> QueueAnswer:
        """The queue (count, oldest wait, each place) and the caller's load."""

        def look(conn: object) -> QueueAnswer:
            config = load_config(conn)
            waiting = queue.queued_with_times(conn)  # type: ignore[arg-type]
            per_place = estimate(_recent_waits(conn)) if waiting else None
            me = agents.get_agent(conn, agent.id) or agent  # type: ignore[arg-type]
            return QueueAnswer(
                config.mode,
                len(waiting),
                waiting[0][1] if waiting else None,
                expected_wait(per_place, len(waiting) + 1),
                [QueuedEntry(sid, n, since) for n, (sid, since) in enumerate(waiting, 1)],
                Load(queue.open_count(conn, agent.id), capacity_of(me, config)),  # type: ignore[arg-type]
            )

        return await self.db.read(look)

    async def accept_next(self, agent: Agent) -> Session:
        """The caller takes the oldest queued conversation (409 when nobody waits)."""

        def work(tx: Transaction) -> Changed | None:
            waiting = queue.queued_ids(tx.conn, 1)
            if not waiting:
                return None
            session = tx.assign(tx.session(waiting[0]), agent)
            return Changed(session, tx.events)

        out = await self._write(work)
        if out is None:
            raise Conflict("Nobody is waiting in the queue.")
        return out.session

    async def transfer(
        self, agent: Agent, session_id: int, target_id: int, note: str | None
    ) -> Session:
        """The holder (or an admin) hands the conversation to another active agent; the note
        becomes a private note, and the receiving agent is told (chat.session.transferred)."""
        target = await self.db.read(lambda c: agents.get_agent(c, target_id))
        if target is None or not target.is_active:
            raise NotFound("No such agent.")

        def work(tx: Transaction) -> Changed:
            session = tx.session(session_id)
            if session.status is SessionStatus.CLOSED:
                raise Conflict("This conversation is closed.")
            holder = session.assigned_agent
            if holder is None and not agent.is_admin:
                raise Conflict("Take the conversation before transferring it.")
            if holder is not None and holder["id"] != agent.id and not agent.is_admin:
                raise Conflict(f"{holder['name']} is handling this conversation.")
            if holder is not None and holder["id"] == target.id:
                raise Conflict(f"{target.name} is already handling this conversation.")
            session = tx.assign(session, target)
            written = write_note(tx, session, agent, note) if note else None
            source = AgentRef(holder["id"], holder["name"]) if holder else AgentRef.of(agent)
            tx.emit(
                catalogue.SESSION_TRANSFERRED,
                session_id,
                catalogue.Transferred(
                    SessionView.of(session),
                    source,
                    AgentRef.of(target),
                    NoteView.of(written) if written else None,
                ),
                None,
            )
            route(tx)  # the slot the transfer freed
            return Changed(session, tx.events)

        return (await self._write(work)).session

    # -- the housekeeping loop ------------------------------------------------------------------

    def kick(self) -> None:
        """Something that may let routing assign happened here (an agent came online or chose
        Available, a capacity was raised): look now rather than at the next tick."""
        self._kicked.set()

    def queue_changed(self) -> None:
        """A committed write moved the queue: its customers hear of their new places."""
        self._announce_due = True
        self._kicked.set()

    async def run(self) -> None:
        """Every TICK (or at once when kicked): assign what can be, give back the
        conversations of agents offline too long, close inactive ones, tell the queue."""
        while True:
            try:
                await asyncio.wait_for(self._kicked.wait(), TICK)
            except TimeoutError:
                pass
            self._kicked.clear()
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the next tick tries again
                log.exception("routing housekeeping failed")

    async def tick(self) -> None:
        available = self.presence.available_ids()
        look = await self.db.read(lambda c: self._look(c, available))
        if look.could_assign:
            await self._write(lambda tx: _changed(tx) if route(tx, look.config) else None)
        await self._requeue_offline(look)
        if look.inactive and look.config.close_inactive_after:
            await self._close_inactive(look.inactive, look.config.close_inactive_after)
        now = time.monotonic()
        if self._announce_due or now - self._last_told >= ANNOUNCE_EVERY:
            self._announce_due = False
            self._last_told = now
            await self.announce()

    def _look(self, conn: object, available: frozenset[int]) -> _Look:
        config = load_config(conn)
        could = False
        if (
            config.mode != "manual"
            and available
            and queue.queued_ids(conn, 1)  # type: ignore[arg-type]
            and open_at(conn, self.clock())  # type: ignore[arg-type]
        ):
            counts = queue.open_counts(conn)  # type: ignore[arg-type]
            could = (
                _choose(config, queue.candidates(conn), counts, available) is not None  # type: ignore[arg-type]
            )
        inactive: list[int] = []
        if config.close_inactive_after:
            before = iso_time(datetime.now(UTC) - timedelta(seconds=config.close_inactive_after))
            inactive = queue.inactive(conn, before, 100)  # type: ignore[arg-type]
        holders = queue.holders(conn) if config.requeue_offline_after else []  # type: ignore[arg-type]
        return _Look(config, could, holders, inactive)

    async def _requeue_offline(self, look: _Look) -> None:
        delay = look.config.requeue_offline_after
        online = self.presence.online_ids()
        now = time.monotonic()
        for agent_id in list(self._offline_since):
            if agent_id in online or agent_id not in look.holders:
                del self._offline_since[agent_id]
        if delay is None:
            return
        for agent_id in look.holders:
            if agent_id in online:
                continue
            since = self._offline_since.setdefault(agent_id, now)
            if now - since >= delay:
                await self.give_back(agent_id)
                self._offline_since.pop(agent_id, None)

    async def give_back(self, agent_id: int) -> int:
        """The agent has been offline too long: their open conversations go back to the front
        of the queue in their original order (and on to whoever is eligible). Returns how
        many went back."""
        if agent_id in self.presence.online_ids():
            return 0

        def work(tx: Transaction) -> Changed | None:
            held = queue.held_in_queue_order(tx.conn, agent_id)
            for session_id in held:
                session = tx.requeue(tx.session(session_id), front=True)
                tx.emit_session(catalogue.SESSION_UPDATED, session)
                tx.append(session, SenderType.SYSTEM, REQUEUED_NOTE)
            if not held:
                return None
            route(tx)
            return _changed(tx)

        out = await self._write(work)
        count = 0 if out is None else sum(e.type == "chat.session.updated" for e in out.events)
        if count:
            log.info("agent %d offline: %d conversation(s) back to the queue", agent_id, count)
        return count

    async def _close_inactive(self, ids: list[int], after: int) -> None:
        before = iso_time(datetime.now(UTC) - timedelta(seconds=after))
        note = closed_note(after)

        def work(tx: Transaction) -> Changed | None:
            closed = 0
            for session_id in ids:
                session = tx.session(session_id)
                if session.status not in (SessionStatus.ACTIVE, SessionStatus.QUEUED):
                    continue
                last = session.last_message.created_at if session.last_message else None
                if (last or session.created_at) >= before:
                    continue  # a message came meanwhile
                posted = tx.append(session, SenderType.SYSTEM, note)
                session = tx.set_status(
                    posted.session, SessionStatus.CLOSED, session.assigned_agent_id
                )
                tx.emit_session(catalogue.SESSION_CLOSED, session)
                closed += 1
            if not closed:
                return None
            route(tx)
            return _changed(tx)

        await self._write(work)

    async def announce(self) -> None:
        """Tell each queued conversation's customer their place and expected wait when it
        changed (chat.queue, ephemeral). The place a conversation entered the queue at is in
        the session view its customer got then, so that one is not told again."""

        def look(conn: object) -> tuple[list[tuple[int, int | None]], float | None]:
            waiting = queue.queued_with_entry(conn)  # type: ignore[arg-type]
            return waiting, (estimate(_recent_waits(conn)) if waiting else None)

        waiting, per_place = await self.db.read(look)
        told: dict[int, tuple[int, int | None]] = {}
        for position, (session_id, entered_at) in enumerate(waiting, 1):
            place = (position, expected_wait(per_place, position))
            told[session_id] = place
            if self._told.get(session_id, (entered_at, None)) != place:
                self.hub.publish_ephemeral(queue_delivery(session_id, *place))
        self._told = told

    async def place(self, session_id: int) -> tuple[int, int | None] | None:
        """(position, expected wait) of a queued conversation, None when it is not queued or
        there is no estimate yet (its place alone is in the session view)."""

        def look(conn: object) -> tuple[int, int | None] | None:
            position = queue.place(conn, session_id)  # type: ignore[arg-type]
            if position is None:
                return None
            wait = expected_wait(estimate(_recent_waits(conn)), position)
            return None if wait is None else (position, wait)

        found = await self.db.read(look)
        if found is not None:
            self._told[session_id] = found  # what this socket is told now
        return found


def queue_delivery(session_id: int, position: int, wait: int | None) -> Delivery:
    frame = ephemeral_frame(catalogue.QUEUE, catalogue.QueuePlace(position, wait))
    return Delivery(None, session_id, None, frame)


def _changed(tx: Transaction) -> Changed | None:
    """What a housekeeping write answers: its events to publish, or None when it made none."""
    return Changed(tx.session(tx.events[0].session_id), tx.events) if tx.events else None
