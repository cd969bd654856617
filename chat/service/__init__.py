"""The use cases: conversations, files, receipts, search and transcripts, the AI's turn."""

from chat.service.conversations import ChatService
from chat.service.handoff import AWAY_NOTE, HANDOFF_NOTE
from chat.service.history import History
from chat.service.sockets import Connection, TooManySockets, Viewer
from chat.service.transaction import Posted

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
