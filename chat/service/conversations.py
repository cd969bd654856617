"""The use cases as one object, `ChatService`: start a session, post messages, assign, close,
hand off.

Every write runs in the database's writer transaction together with the events it appends to
the log; the events are published to the hub only once that transaction has committed.

Routes call ChatService alone. It builds one part per concept and hands each call to the part
whose concept it is: the customer's side (customers.py), the agents' side (agents.py), the AI's
turn and the handoff (handoff.py), the team's presence (team.py), a socket's life (sockets.py)
and what a socket tells and asks beside its messages (live.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from chat.attachments import Staged
from chat.config import Settings
from chat.hub import Hub, presence_board
from chat.hub.typing import TypingRelay
from chat.hub.viewing import ViewingRelay
from chat.models import (
    Agent,
    Attachment,
    CannedResponse,
    Event,
    Found,
    Label,
    Message,
    Note,
    Presence,
    Session,
    SessionStatus,
)
from chat.service.agents import AgentSide, Chosen
from chat.service.archive import Archive
from chat.service.canned import Canned, Filled
from chat.service.customers import CustomerSide, Started
from chat.service.handoff import AiTurn
from chat.service.history import History, read_history, session_by_id, session_by_key
from chat.service.hours import BusinessHours
from chat.service.labels import Labels
from chat.service.live import Live, Resume
from chat.service.notes import Noted, Notes
from chat.service.receipts import ReadReceipts
from chat.service.reports import Reports
from chat.service.routing import Routing, route
from chat.service.satisfaction import RatingLinks, RatingPage, Satisfaction
from chat.service.sockets import Connection, Sockets, Viewer
from chat.service.team import Team
from chat.service.transaction import Posted, Transaction
from chat.service.uploads import Uploads
from chat.storage.database import Database
from chat.wire import CsatStateAnswer, CsatView, PresenceEntry, QueueAnswer, ReportSummary


class ChatService:
    """What customers and agents can do; the only code that both writes and publishes."""

    def __init__(self, db: Database, hub: Hub, settings: Settings) -> None:
        self.db = db
        self.hub = hub
        self.settings = settings
        db.publishing = hub.batch  # a socket gets the frames of a whole write batch at once
        limits = settings.limits
        self.typists = TypingRelay(hub)
        self.viewers = ViewingRelay(hub)
        self.presence = presence_board(hub, settings.presence_grace)
        self.receipts = ReadReceipts(db, self._write)
        self.uploads = Uploads(db, settings.data_dir / "files", limits.attachment_max_bytes)
        self.archive = Archive(db)
        self.team = Team(db, self.presence)
        self.sockets = Sockets(
            hub, limits, self.presence, self.typists, self.viewers, self.team.roster
        )
        self.server_limits = self.sockets.server_limits  # what clients are told they may send
        self.live = Live(db, self.typists, self.viewers, self._customer_typing)
        self.hours = BusinessHours(db, self._write, settings.clock, route)
        self.customers = CustomerSide(
            db,
            self._write,
            settings,
            self.presence,
            self.hours,
            self.uploads,
            self.receipts,
            self._wake_ai,
            hub.backplane.limiter,
        )
        self.agents = AgentSide(db, self._write, self.uploads)
        self.ai = AiTurn(db, self._write)
        self.routing = Routing(db, self._write, self.presence, hub, settings.clock)
        self.notes = Notes(db, self._write)
        self.labels = Labels(db, self._write)
        self.canned = Canned(db, self._write)
        self.satisfaction = Satisfaction(db, self._write, RatingLinks(settings.secret_key))
        self.reports = Reports(db, lambda: self.hours.config.timezone, settings.clock)
        self.sockets.on_agent_connected = self.routing.kick
        # Set by the app when the AI answers first; the service never imports the assistant.
        self.on_customer_message: Callable[[int], None] | None = None
        self.on_customer_typing: Callable[[int, bool], None] | None = None
        # Set by the app: webhook deliveries were committed (the sender wakes up).
        self.on_deliveries_queued: Callable[[], None] | None = None

    async def _write(
        self, work: Callable[[Transaction], Any], then: Callable[[Any], None] | None = None
    ) -> Any:
        """Run `work` in one transaction; publish its events once it has committed.

        `work` returns a Posted or Changed, or a plain answer when it changed nothing. Routing
        decides with the agents online and Available as the write is queued; when the queue
        moved, its customers are told their places once the write has committed. `then` gets
        the result right after its events, in the same write batch: a socket's ack joins the
        batch's one write to that socket instead of waiting for the caller to resume."""
        available = self.presence.available_ids()
        ran: list[Transaction] = []  # the last one is the run that committed

        def run(conn: Any) -> Any:
            tx = Transaction(conn, available, self.settings.clock())
            ran.append(tx)
            return work(tx)

        def after(out: Any) -> None:
            self.hub.publish(getattr(out, "events", ()))
            if ran and ran[-1].queue_changed:
                self.routing.queue_changed()
            if ran and ran[-1].deliveries_queued and self.on_deliveries_queued is not None:
                self.on_deliveries_queued()
            if then is not None:
                then(out)

        return await self.db.write(run, after_commit=after)

    def _wake_ai(self, session_id: int) -> None:
        """A customer message the AI may answer was committed: the assistant, if any, hears."""
        if self.on_customer_message is not None:
            self.on_customer_message(session_id)

    def _customer_typing(self, session_id: int, is_typing: bool) -> None:
        """The customer started or stopped typing: the assistant, if any, waits for them."""
        if self.on_customer_typing is not None:
            self.on_customer_typing(session_id, is_typing)

    # -- customers ----------------------------------------------------------------------

    async def start_session(
        self, name: str | None, email: str | None, page_url: str | None, address: str
    ) -> Started:
        return await self.customers.start_session(name, email, page_url, address)

    async def session_for_key(self, session_key: str) -> Session:
        return await session_by_key(self.db, session_key)

    async def post_customer_message(
        self, session_key: str, content: str, client_id: str | None, address: str
    ) -> Posted:
        return await self.customers.post_message(session_key, content, client_id, address)

    async def post_customer_file(
        self,
        session_key: str,
        source: BinaryIO,
        name: str,
        caption: str | None,
        client_id: str | None,
        address: str,
    ) -> Posted:
        """The customer sends a file (see CustomerSide.post_file)."""
        return await self.customers.post_file(
            session_key, source, name, caption, client_id, address
        )

    async def customer_file(self, session_key: str, attachment_id: int) -> tuple[Attachment, Path]:
        """A file of the key's own conversation; any other is not found."""
        return await self.customers.file(session_key, attachment_id)

    async def post_as_customer(
        self,
        session_id: int,
        content: str,
        client_id: str | None,
        address: str,
        staged: Staged | None = None,
        wake_ai: bool = True,
        on_stored: Callable[[Posted], None] | None = None,
    ) -> Posted:
        """The customer of `session_id` (already authenticated by its key) sends a message
        (see CustomerSide.post_as_customer for where each refusal is decided). `on_stored`
        is called once the new message has committed, right after its events are handed out;
        not for a retry, which stores nothing."""
        return await self.customers.post_as_customer(
            session_id, content, client_id, address, staged, wake_ai, on_stored
        )

    async def check_send_rate(self, session_id: int, address: str) -> None:
        """Refuse a send over the rate limits before any costly work (staging a file)."""
        await self.customers.check_send_rate(session_id, address)

    async def mark_customer_read(self, session_key: str, seq: int) -> Session:
        """The customer behind `session_key` has read their conversation up to message `seq`."""
        return await self.customers.mark_read(session_key, seq)

    async def public_history(self, session_key: str, after_seq: int, limit: int) -> History:
        return await self.customers.history(session_key, after_seq, limit)

    async def hand_off(self, session_key: str, language: str | None = None) -> Session:
        """The customer asks for a person: the session waits in the queue for an agent."""
        return await self.customers.hand_off(session_key, language)

    def handoff_note(self) -> str:
        """What the customer is told when the conversation is queued for a person: a promise
        only while someone is Available."""
        return self.customers.handoff_note()

    async def leave_contact(
        self, session_key: str, email: str, name: str | None, address: str
    ) -> Session:
        """The visitor leaves an address for replies (TEAMS.md: POST /chat/public/contact)."""
        return await self.customers.leave_contact(session_key, email, name, address)

    # -- business hours -----------------------------------------------------------------

    def away_note(self) -> str | None:
        """Outside business hours: the away message and when the team is back; else None."""
        return self.hours.away_note()

    def hours_now(self) -> tuple[bool, datetime | None]:
        """(open now, the next opening while closed)."""
        return self.hours.now()

    # -- the AI -------------------------------------------------------------------------

    async def recent_messages(self, session_id: int, count: int) -> list[Message] | None:
        """The last `count` messages, or None once the conversation is no longer the AI's."""
        return await self.ai.recent_messages(session_id, count)

    async def post_ai_message(
        self, session_id: int, content: str, name: str, seen_seq: int
    ) -> Posted | None | bool:
        """Post the AI's reply: None when the AI may no longer answer, False when the customer
        wrote again after message `seen_seq` (the reply must be composed anew)."""
        return await self.ai.post_ai_message(session_id, content, name, seen_seq)

    async def ai_hand_off(self, session_id: int, note: str) -> None:
        """The AI gives up: the conversation waits for a person, with a note saying so."""
        await self.ai.ai_hand_off(session_id, note)

    # -- agents -------------------------------------------------------------------------

    async def list_sessions(
        self, status: SessionStatus | None, limit: int, chosen: Chosen | None = None
    ) -> list[Session]:
        """Latest activity first; `chosen` narrows by assignee and labels."""
        return await self.agents.list_sessions(status, limit, chosen)

    async def get_session(self, session_id: int) -> Session:
        return await session_by_id(self.db, session_id)

    async def history(self, session_id: int, after_seq: int, limit: int) -> History:
        return await read_history(self.db, await self.get_session(session_id), after_seq, limit)

    async def post_agent_file(
        self,
        agent: Agent,
        session_id: int,
        source: BinaryIO,
        name: str,
        caption: str | None,
        client_id: str | None,
    ) -> Posted:
        """An agent sends a file, under the same rules as a reply."""
        return await self.agents.post_file(agent, session_id, source, name, caption, client_id)

    async def check_files_folder(self) -> None:
        """Refuse to start (FolderNotShared) on a files folder the other nodes do not share."""
        await self.uploads.check_folder()

    async def sweep_files(self) -> int:
        """Remove upload debris a crash left behind; run at start."""
        return await self.uploads.sweep()

    async def agent_file(self, attachment_id: int) -> tuple[Attachment, Path]:
        return await self.uploads.find(attachment_id)

    async def post_agent_message(
        self,
        agent: Agent,
        session_id: int,
        content: str,
        client_id: str | None,
        staged: Staged | None = None,
        on_stored: Callable[[Posted], None] | None = None,
    ) -> Posted:
        """An agent replies; replying to an unassigned conversation takes it (`on_stored` as
        for post_as_customer)."""
        return await self.agents.post_message(
            agent, session_id, content, client_id, staged, on_stored
        )

    async def mark_read(self, session_id: int, seq: int, agent: Agent | None) -> Session:
        """`agent` (the customer when None) has read the conversation up to message `seq`."""
        return await self.receipts.mark(session_id, seq, agent)

    async def search(
        self,
        words: list[str] | None,
        customer: str | None,
        status: SessionStatus | None,
        limit: int,
    ) -> list[Found]:
        """Conversations by the words of their messages and/or their customer."""
        return await self.archive.search(words, customer, status, limit)

    def transcript_pages(self, session: Session, size: int) -> AsyncIterator[list[Message]]:
        """The conversation's messages as `session` counted them, `size` at a time."""
        return self.archive.transcript_pages(session, size)

    async def assign(self, agent: Agent, session_id: int, target_id: int | None) -> Session:
        """Give the session to the caller, or, for an admin, to the agent it names."""
        return await self.agents.assign(agent, session_id, target_id)

    async def close(self, agent: Agent, session_id: int, survey: bool = True) -> Session:
        return await self.agents.close(agent, session_id, survey)

    # -- satisfaction and reports ---------------------------------------------------------

    async def rate(self, session_key: str, rating: int, comment: str | None) -> CsatView:
        return await self.satisfaction.rate(session_key, rating, comment)

    async def rate_by_link(self, token: str, rating: int, comment: str | None) -> CsatView:
        """The rating given on the /rate page of a rating email's link (404 for a bad link)."""
        session_id = self.satisfaction.links.session_id(token)
        return await self.satisfaction.rate_session(session_id, rating, comment)

    async def rating_page(self, token: str) -> RatingPage:
        return await self.satisfaction.by_link(token)

    async def csat_for_key(self, session_key: str) -> CsatStateAnswer:
        return await self.satisfaction.state_for_key(session_key)

    async def csat(self, session_id: int) -> CsatStateAnswer:
        return await self.satisfaction.state(session_id)

    async def report(self, since: str | None, until: str | None) -> ReportSummary:
        return await self.reports.summary(since, until)

    async def report_csv(self, since: str | None, until: str | None, link: str) -> tuple[str, str]:
        return await self.reports.export(since, until, link)

    # -- routing and the queue ------------------------------------------------------------

    async def queue_place(self, session_id: int) -> tuple[int, int | None] | None:
        """(position, expected wait in seconds or None) while the conversation is queued."""
        return await self.routing.place(session_id)

    async def queue_summary(self, agent: Agent) -> QueueAnswer:
        """The queue as agents see it, and the caller's own load."""
        return await self.routing.summary(agent)

    async def accept_next(self, agent: Agent) -> Session:
        """The caller takes the oldest queued conversation (409 when nobody waits)."""
        return await self.routing.accept_next(agent)

    async def transfer(
        self, agent: Agent, session_id: int, target_id: int, note: str | None
    ) -> Session:
        """Hand the conversation to another active agent, with an optional private note."""
        await session_by_id(self.db, session_id)  # 404 before the write
        return await self.routing.transfer(agent, session_id, target_id, note)

    async def list_notes(self, session_id: int) -> list[Note]:
        """The conversation's private notes, oldest first (agents only)."""
        await session_by_id(self.db, session_id)
        return await self.notes.list(session_id)

    async def post_note(
        self, agent: Agent, session_id: int, content: str, client_id: str | None
    ) -> Noted:
        """A private note (agents only, no seq); its `@Name`s mention those agents."""
        return await self.notes.post(agent, session_id, content, client_id)

    # -- canned responses and labels (canned.py, labels.py) ----------------------------------

    async def list_canned(self) -> list[CannedResponse]:
        return await self.canned.list()

    async def add_canned(self, shortcode: str, content: str) -> CannedResponse:
        return await self.canned.create(shortcode, content)

    async def change_canned(self, canned_id: int, shortcode: str, content: str) -> CannedResponse:
        return await self.canned.update(canned_id, shortcode, content)

    async def delete_canned(self, canned_id: int) -> None:
        await self.canned.delete(canned_id)

    async def fill_canned(self, agent: Agent, canned_id: int, session_id: int) -> Filled:
        return await self.canned.fill_for(agent, canned_id, session_id)

    async def list_labels(self) -> list[Label]:
        return await self.labels.list()

    async def add_label(self, admin: Agent, name: str, color: str) -> Label:
        return await self.labels.create(admin, name, color)

    async def change_label(self, admin: Agent, label_id: int, name: str, color: str) -> Label:
        return await self.labels.update(admin, label_id, name, color)

    async def delete_label(self, admin: Agent, label_id: int) -> None:
        await self.labels.delete(admin, label_id)

    async def put_labels(self, agent: Agent, session_id: int, label_ids: list[int]) -> Session:
        return await self.labels.put_on(agent, session_id, label_ids)

    # -- presence -------------------------------------------------------------------------

    async def set_presence(self, agent: Agent, status: Presence) -> PresenceEntry:
        """The agent chose Available or Busy: kept across restarts, shown to the others.
        Returns how the team sees the agent now."""
        entry = await self.team.set_presence(agent, status)
        self.routing.kick()
        return entry

    @property
    def agents_available(self) -> bool:
        """Whether any agent is online and Available now."""
        return self.presence.agents_available

    async def choose_presence(self, agent: Agent, status: str) -> PresenceEntry:
        """The agent chose `status`: Available or Busy (offline follows from their sockets).
        The answer is what the others see now."""
        entry = await self.team.choose_presence(agent, status)
        self.routing.kick()
        return entry

    async def team_presence(self) -> list[PresenceEntry]:
        """Every active agent's presence, offline ones included."""
        return await self.team.roster()

    # -- sockets ------------------------------------------------------------------------

    def connect(
        self, viewer: Viewer, credential: bytes | None = None
    ) -> AbstractAsyncContextManager[Connection]:
        """`async with service.connect(viewer) as connection:` holds a socket subscribed and
        present for the block, and undoes all of it when the block ends (see Sockets.connect).
        Raises TooManySockets past the cap of sockets per agent or per session."""
        return self.sockets.connect(viewer, credential)

    async def resume(self, raw_last_event_id: str | None) -> Resume:
        """Check a socket's `last_event_id`: what to replay, or that the client must resync."""
        return await self.live.resume(raw_last_event_id)

    async def replay(self, viewer: Viewer, after: int, until: int, limit: int) -> list[Event]:
        """The stored events in (after, until] this viewer may see, oldest first."""
        return await self.live.replay(viewer, after, until, limit)

    def view(self, agent: Agent, socket_id: str, session_id: int | None) -> None:
        """The agent on socket `socket_id` now has `session_id` open (None: none)."""
        self.live.view(agent, socket_id, session_id)

    def typing(self, viewer: Viewer, typist: str, session_id: int, is_typing: bool) -> None:
        self.live.typing(viewer, typist, session_id, is_typing)
