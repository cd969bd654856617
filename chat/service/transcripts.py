"""A conversation written out as plain text, JSON or CSV, one page of messages at a time."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from chat.codec import encode_text
from chat.models import Message, SenderType, Session
from chat.wire import MessageView, PublicSessionView, SessionView, View

MEDIA_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
CSV_COLUMNS = ("seq", "time", "sender_type", "sender_name", "content")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DEFAULT_NAMES = {
    SenderType.CUSTOMER: "Customer",
    SenderType.AGENT: "Agent",
    SenderType.AI: "AI assistant",
    SenderType.SYSTEM: "System",
}


def filename(session: Session, fmt: str) -> str:
    return f"conversation-{session.id}.{fmt}"


def readable_time(iso: str) -> str:
    """2026-11-24T10:00:01.123Z → 2026-11-24 10:00:01 UTC."""
    return f"{iso[:10]} {iso[11:19]} UTC"


def sender(message: Message, session: Session) -> str:
    if message.sender_name:
        return message.sender_name
    if message.sender_type is SenderType.CUSTOMER and session.customer_name:
        return session.customer_name
    return DEFAULT_NAMES[message.sender_type]


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a `'` before it."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class Text:
    """A header, then `[time] Name (sender_type): content`, continuation lines indented."""

    def __init__(self, session: Session, public: bool) -> None:
        self.session, self.public = session, public

    def head(self) -> str:
        s = self.session
        customer = s.customer_name or "Visitor"
        if s.customer_email and not self.public:
            customer += f" <{s.customer_email}>"
        lines = [
            f"Conversation #{s.id}",
            f"Customer: {customer}",
            f"Agent: {s.assigned_agent['name'] if s.assigned_agent else 'none'}",
            f"Status: {s.status.value}",
            f"Started: {readable_time(s.created_at)}",
            f"Last activity: {readable_time(s.updated_at)}",
            f"Messages: {s.message_count}",
        ]
        if s.labels and not self.public:  # labels are the team's, never the customer's
            lines.append("Labels: " + ", ".join(label.name for label in s.labels))
        return "\n".join(lines) + "\n\n"

    def rows(self, messages: list[Message], first: bool) -> str:
        out = []
        for m in messages:
            content = m.content.replace("\n", "\n  ")
            when, who = readable_time(m.created_at), sender(m, self.session)
            out.append(f"[{when}] {who} ({m.sender_type.value}): {content}\n")
        return "".join(out)

    def tail(self) -> str:
        return ""


class Json:
    """`{"session": ..., "messages": [...]}` with the API's own views, one message a line."""

    def __init__(self, session: Session, public: bool) -> None:
        view = PublicSessionView.of(session) if public else SessionView.of(session)
        self.session_json = _dump(view)

    def head(self) -> str:
        return f'{{"session":{self.session_json},"messages":['

    def rows(self, messages: list[Message], first: bool) -> str:
        lines = [_dump(MessageView.of(m)) for m in messages]
        return ("\n" if first else ",\n") + ",\n".join(lines) if lines else ""

    def tail(self) -> str:
        return "\n]}\n"


class Csv:
    """A header row, then one row per message; RFC 4180 quoting (CRLF rows), a UTF-8 BOM so
    that spreadsheets read it as UTF-8, and no cell that a spreadsheet would run as a formula."""

    def __init__(self, session: Session, public: bool) -> None:
        self.session = session

    def head(self) -> str:
        return "\ufeff" + self._write([CSV_COLUMNS])

    def rows(self, messages: list[Message], first: bool) -> str:
        return self._write(
            [
                (
                    str(m.seq),
                    m.created_at,
                    m.sender_type.value,
                    safe_cell(sender(m, self.session)),
                    safe_cell(m.content),
                )
                for m in messages
            ]
        )

    def tail(self) -> str:
        return ""

    @staticmethod
    def _write(rows: list[tuple[str, ...]] | list[Any]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue()


WRITERS: dict[str, type[Text] | type[Json] | type[Csv]] = {"txt": Text, "json": Json, "csv": Csv}


async def render(
    session: Session, fmt: str, public: bool, pages: AsyncIterator[list[Message]]
) -> AsyncIterator[str]:
    """The transcript in pieces: the head, then each page of messages, then the tail."""
    writer = WRITERS[fmt](session, public)
    yield writer.head()
    first = True
    async for page in pages:
        yield writer.rows(page, first)
        first = first and not page
    yield writer.tail()


def _dump(view: View) -> str:
    return encode_text(view)
