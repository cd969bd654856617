"""The use cases: conversations, files, receipts, search and transcripts, the AI's turn."""

from chat.service.conversations import (
    AWAY_NOTE,
    HANDOFF_NOTE,
    ChatService,
    History,
    Posted,
)
from chat.service.sockets import Connection, TooManySockets, Viewer

__all__ = [
    "AWAY_NOTE",
    "HANDOFF_NOTE",
    "ChatService",
    "Connection",
    "History",
    "Posted",
    "TooManySockets",
    "Viewer",
]
