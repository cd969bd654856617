"""Private notes: what agents tell each other about a conversation (TEAMS.md, "Notes, canned
responses, labels"). A note is no message: it takes no seq, never wakes the AI, never changes
the status or the assignee, and its events have no customer copy, so no customer path (socket,
replay, history, transcript, the AI's prompt) can carry it."""

from __future__ import annotations

from dataclasses import dataclass, field

from chat import events as catalogue
from chat.models import Agent, Event, Note, Session
from chat.service.transaction import Transaction, Write
from chat.storage import agents, notes
from chat.storage.database import Database
from chat.wire import AgentRef, NoteView, SessionView


@dataclass(slots=True)
class Noted:
    note: Note
    created: bool
    events: list[Event] = field(default_factory=list)


def find_mentions(content: str, team: list[Agent]) -> tuple[tuple[int, str], ...]:
    """The active agents named as `@Name` in `content` (any case; the longest name wins where
    one name starts another, "@Bob Agent" over "@Bob"), each once, in order of appearance."""
    lowered = content.casefold()
    by_length = sorted(team, key=lambda a: len(a.name), reverse=True)
    found: dict[int, str] = {}
    start = lowered.find("@")
    while start != -1:
        for agent in by_length:
            name = agent.name.casefold()
            end = start + 1 + len(name)
            if name and lowered.startswith(name, start + 1) and not _continues(lowered, end):
                found.setdefault(agent.id, agent.name)
                break
        start = lowered.find("@", start + 1)
    return tuple(found.items())


def _continues(text: str, at: int) -> bool:
    """Whether a word goes on at `at` ("@Bobby" does not name Bob)."""
    return at < len(text) and (text[at].isalnum() or text[at] == "_")


def write_note(
    tx: Transaction,
    session: Session,
    agent: Agent,
    content: str,
    client_id: str | None = None,
) -> Note:
    """Store a note and emit chat.note.new, then chat.mention for each agent it names; none of
    them has a customer copy."""
    team = agents.list_active_agents(tx.conn)
    mentions = find_mentions(content, team)
    note = notes.insert_note(
        tx.conn, session.id, agent.id, agent.name, content, tx.now, client_id, mentions
    )
    view, session_view = NoteView.of(note), SessionView.of(session)
    tx.emit(catalogue.NOTE_NEW, session.id, catalogue.NoteNew(view, session_view), None)
    for agent_id, name in mentions:
        mention = catalogue.Mention(view, session_view, AgentRef(agent_id, name))
        tx.emit(catalogue.MENTION, session.id, mention, None)
    return note


class Notes:
    """Writing and reading a conversation's private notes."""

    def __init__(self, db: Database, write: Write) -> None:
        self.db = db
        self._write = write

    async def post(
        self, agent: Agent, session_id: int, content: str, client_id: str | None
    ) -> Noted:
        """Write a note (a repeated client_id of this agent answers the stored note)."""

        def work(tx: Transaction) -> Noted:
            session = tx.session(session_id)
            if client_id is not None:
                stored = notes.get_note_by_client_id(tx.conn, session_id, agent.id, client_id)
                if stored is not None:
                    return Noted(stored, False)
            note = write_note(tx, session, agent, content, client_id)
            return Noted(note, True, tx.events)

        return await self._write(work)

    async def list(self, session_id: int) -> list[Note]:
        return await self.db.read(lambda c: notes.list_notes(c, session_id))
