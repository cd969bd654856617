"""Canned responses: the team's saved replies, and how one is filled in for a conversation.

Filling in is one pass over the saved text: each {{variable}} (or {{variable || 'fallback'}})
is replaced by its value as plain text, and values are never read again, so a customer named
`{{agent.email}}` or `<b>x</b>` stays exactly that. A variable that is unknown, or empty with no
fallback, is left as it was and reported, so that the composer can mark it and hold the send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chat.errors import Conflict, Invalid, NotFound
from chat.models import Agent, CannedResponse, Session
from chat.service.transaction import Transaction, Write
from chat.storage import canned, sessions
from chat.storage.database import Database

SHORTCODE = re.compile(r"[a-z0-9_-]{2,32}")
VARIABLE = re.compile(
    r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(?:\|\|\s*(?:'([^'{}]*)'|\"([^\"{}]*)\")\s*)?\}\}"
)
VARIABLES = (
    "customer.name",
    "customer.first_name",
    "customer.email",
    "agent.name",
    "agent.first_name",
    "conversation.id",
)


@dataclass(frozen=True, slots=True)
class Gap:
    """A variable left unfilled: where it sits in the filled text (UTF-16 units), and why."""

    variable: str
    start: int
    end: int
    reason: str  # "unknown" or "empty"


@dataclass(frozen=True, slots=True)
class Filled:
    text: str
    gaps: tuple[Gap, ...]


def values_for(session: Session, agent: Agent) -> dict[str, str]:
    return {
        "customer.name": session.customer_name or "",
        "customer.first_name": _first(session.customer_name),
        "customer.email": session.customer_email or "",
        "agent.name": agent.name,
        "agent.first_name": _first(agent.name),
        "conversation.id": str(session.id),
    }


def _first(name: str | None) -> str:
    words = (name or "").split()
    return words[0] if words else ""


def fill(content: str, values: dict[str, str]) -> Filled:
    """`content` with its variables replaced in one pass (see the module's docstring)."""
    out: list[str] = []
    gaps: list[Gap] = []
    length, done = 0, 0
    for found in VARIABLE.finditer(content):
        out.append(content[done : found.start()])
        length += _units(content[done : found.start()])
        name = found.group(1)
        fallback = found.group(2) if found.group(2) is not None else found.group(3)
        value = values.get(name, "").strip()
        if name in values and (value or fallback is not None):
            piece = value or (fallback or "")
        else:
            piece = found.group(0)
            reason = "empty" if name in values else "unknown"
            gaps.append(Gap(name, length, length + _units(piece), reason))
        out.append(piece)
        length += _units(piece)
        done = found.end()
    out.append(content[done:])
    return Filled("".join(out), tuple(gaps))


def _units(text: str) -> int:
    """The length of `text` in UTF-16 code units: how a browser's text field counts."""
    return len(text.encode("utf-16-le")) // 2


def shortcode_of(raw: str) -> str:
    """The shortcode as stored: lower case, 2 to 32 of a-z 0-9 _ - (422 otherwise)."""
    code = raw.strip().lower()
    if not SHORTCODE.fullmatch(code):
        raise Invalid("`shortcode` must be 2 to 32 of a-z, 0-9, _ and -.")
    return code


class Canned:
    """The team's canned responses: any agent lists, adds, changes and deletes them."""

    def __init__(self, db: Database, write: Write) -> None:
        self.db = db
        self._write = write

    async def list(self) -> list[CannedResponse]:
        return await self.db.read(canned.list_canned)

    async def create(self, shortcode: str, content: str) -> CannedResponse:
        code = shortcode_of(shortcode)

        def work(tx: Transaction) -> CannedResponse:
            _free(tx, code, None)
            return canned.insert_canned(tx.conn, code, content, tx.now)

        return await self._write(work)

    async def update(self, canned_id: int, shortcode: str, content: str) -> CannedResponse:
        code = shortcode_of(shortcode)

        def work(tx: Transaction) -> CannedResponse:
            _free(tx, code, canned_id)
            saved = canned.update_canned(tx.conn, canned_id, code, content, tx.now)
            if saved is None:
                raise NotFound("No such canned response.")
            return saved

        return await self._write(work)

    async def fill_for(self, agent: Agent, canned_id: int, session_id: int) -> Filled:
        """The response filled in for this conversation and this agent."""

        def look(conn: object) -> tuple[CannedResponse | None, Session | None]:
            return canned.get_canned(conn, canned_id), sessions.get_session(conn, session_id)  # type: ignore[arg-type]

        saved, session = await self.db.read(look)
        if saved is None:
            raise NotFound("No such canned response.")
        if session is None:
            raise NotFound("No such conversation.")
        return fill(saved.content, values_for(session, agent))

    async def delete(self, canned_id: int) -> None:
        def work(tx: Transaction) -> None:
            if not canned.delete_canned(tx.conn, canned_id):
                raise NotFound("No such canned response.")

        await self._write(work)


def _free(tx: Transaction, shortcode: str, canned_id: int | None) -> None:
    same = canned.find_canned_by_shortcode(tx.conn, shortcode)
    if same is not None and same.id != canned_id:
        raise Conflict(f"The shortcode /{same.shortcode} is taken.")
