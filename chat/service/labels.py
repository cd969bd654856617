"""Labels: an admin defines them (name, colour), any agent puts them on conversations, and
every agent's page hears of it (chat.session.updated, agents only: labels are internal)."""

from __future__ import annotations

from dataclasses import dataclass

from chat import events as catalogue
from chat.errors import Conflict, Invalid, NotFound
from chat.models import Agent, Event, Label, Session
from chat.service.audit import record
from chat.service.transaction import Changed, Transaction, Write
from chat.storage import labels
from chat.storage.database import Database


class Labels:
    def __init__(self, db: Database, write: Write) -> None:
        self.db = db
        self._write = write

    async def list(self) -> list[Label]:
        return await self.db.read(labels.list_labels)

    async def create(self, admin: Agent, name: str, color: str) -> Label:
        def work(tx: Transaction) -> Label:
            _free(tx, name, None)
            label = labels.insert_label(tx.conn, name, color.upper(), tx.now)
            record(tx.conn, admin, "label.create", f"{label.name} {label.color}")
            return label

        return await self._write(work)

    async def update(self, admin: Agent, label_id: int, name: str, color: str) -> Label:
        """Rename or recolour; each conversation with the label is announced again."""

        def work(tx: Transaction) -> _Out:
            _free(tx, name, label_id)
            label = labels.update_label(tx.conn, label_id, name, color.upper())
            if label is None:
                raise NotFound("No such label.")
            record(tx.conn, admin, "label.update", f"{label.name} {label.color}")
            _announce(tx, labels.list_labelled_sessions(tx.conn, label_id))
            return _Out(label, tx.events)

        out: _Out = await self._write(work)
        assert out.label is not None
        return out.label

    async def delete(self, admin: Agent, label_id: int) -> None:
        """Delete the label: it leaves every conversation that had it (each is announced)."""

        def work(tx: Transaction) -> _Out:
            had = labels.list_labelled_sessions(tx.conn, label_id)
            if not labels.delete_label(tx.conn, label_id):
                raise NotFound("No such label.")
            record(tx.conn, admin, "label.delete", str(label_id))
            _announce(tx, had)
            return _Out(None, tx.events)

        await self._write(work)

    async def put_on(self, agent: Agent, session_id: int, label_ids: list[int]) -> Session:
        """The conversation's labels become exactly `label_ids` (any agent may)."""
        wanted = sorted(set(label_ids))

        def work(tx: Transaction) -> Changed:
            tx.session(session_id)  # 404 first
            if wanted and labels.count_labels(tx.conn, wanted) != len(wanted):
                raise Invalid("`label_ids` names a label that does not exist.")
            labels.clear_session_labels(tx.conn, session_id)
            labels.add_session_labels(tx.conn, session_id, wanted)
            session = tx.session(session_id)
            tx.emit_session(catalogue.SESSION_UPDATED, session, public=False)
            return Changed(session, tx.events)

        return (await self._write(work)).session


@dataclass(slots=True)
class _Out:
    """An admin write's answer and the events it made (published once it committed)."""

    label: Label | None
    events: list[Event]


def _free(tx: Transaction, name: str, label_id: int | None) -> None:
    """409 when another label has this name, whatever its case."""
    same = labels.find_label_by_name(tx.conn, name)
    if same is not None and same.id != label_id:
        raise Conflict(f"A label named {same.name!r} exists already.")


def _announce(tx: Transaction, session_ids: list[int]) -> None:
    for session_id in session_ids:
        tx.emit_session(catalogue.SESSION_UPDATED, tx.session(session_id), public=False)
