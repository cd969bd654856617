"""Attachments on disk: a file is staged (fsynced, renamed) before the message that carries it
commits, and swept when a crash left it behind."""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import BinaryIO

from chat.attachments import Staged, stage
from chat.errors import NotFound
from chat.models import Attachment
from chat.service.transaction import Posted, Transaction
from chat.storage import attachments, settings
from chat.storage.database import Database

# A file nobody refers to is swept only once it is this old: an upload staged by another process
# (or still committing) is never mistaken for debris.
SWEEP_AGE = 3600
MARKER = ".switchboard-folder"  # in the data folder: the token the database keeps too
FOLDER_SETTING = "files_folder_token"


class FolderNotShared(RuntimeError):
    """This node's files folder is not the one the database's files are in."""


class Uploads:
    """The bytes of attachments, kept in `folder` (beside the database): staged before the
    message that carries them commits, found again by id, swept when nothing refers to them."""

    def __init__(self, db: Database, folder: Path, max_bytes: int) -> None:
        self.db = db
        self.folder = folder
        self.max_bytes = max_bytes

    async def post_file(
        self, source: BinaryIO, name: str, post: Callable[[Staged], Awaitable[Posted]]
    ) -> Posted:
        """Write the file to disk (fsynced, renamed), then commit the message that carries it.

        A write that fails was rolled back, and a retry stored nothing new: the file goes. A
        cancelled caller keeps it, since its transaction may still commit: at worst an orphan
        file, never a message without its file."""
        staged = await asyncio.to_thread(stage, source, name, self.folder, self.max_bytes)
        try:
            posted = await post(staged)
        except Exception:
            staged.discard()
            raise
        if not posted.created:
            staged.discard()
        return posted

    async def find(
        self, attachment_id: int, session_id: int | None = None
    ) -> tuple[Attachment, Path]:
        """The file and where its bytes are; with `session_id`, only a file of that conversation
        (any other is not found)."""
        found = await self.db.read(lambda c: attachments.get_attachment(c, attachment_id))
        if found is not None and session_id not in (None, found.session_id):
            found = None
        return self._on_disk(found)

    def _on_disk(self, found: Attachment | None) -> tuple[Attachment, Path]:
        if found is None:
            raise NotFound("No such file.")
        return found, self.folder / found.stored_name

    async def check_folder(self) -> None:
        """Make sure this node sees the files folder the other nodes use (a cluster needs one
        shared folder): a marker file in it must hold the token the database keeps. The first
        node to start writes both, inside its write transaction, so nodes starting together
        agree. A folder without the marker is accepted (and marked) only while no file has been
        stored yet; otherwise the node refuses to start."""
        await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)
        marker = self.folder.parent / MARKER  # beside files/, so no sweep ever meets it

        def claim(conn: sqlite3.Connection) -> tuple[str, int]:
            token = settings.get_setting(conn, FOLDER_SETTING)
            if token is None:
                token = secrets.token_hex(16)
                _write_marker(marker, token)
                settings.put_setting(conn, FOLDER_SETTING, token)
            return token, settings.count_attachments(conn)

        token, stored = await self.db.write(claim)
        found = await asyncio.to_thread(_read_marker, marker)
        if found == token:
            return
        if found is None and stored == 0:
            await asyncio.to_thread(_write_marker, marker, token)
            return
        state = "missing" if found is None else "different"
        raise FolderNotShared(
            f"The files folder {self.folder} is not the one the database's files are in (the "
            f"marker {marker} is {state}). Every node of a cluster needs the same shared "
            "folder: give each the same --data-dir."
        )

    async def sweep(self, older_than: float = SWEEP_AGE) -> int:
        """Remove what a crash or a cancelled upload left behind: half-written `.upload-*` files
        and files no message carries, once they are `older_than` seconds old. Run at start."""
        if not self.folder.is_dir():
            return 0
        kept = await self.db.read(attachments.list_stored_names)
        return await asyncio.to_thread(_sweep, self.folder, kept, time.time() - older_than)


def attach(tx: Transaction, session_id: int, staged: Staged | None) -> Attachment | None:
    """Record a staged file in this transaction; its message is appended next."""
    if staged is None:
        return None
    return attachments.insert_attachment(
        tx.conn,
        session_id,
        staged.name,
        staged.kind.content_type,
        staged.size,
        staged.sha256,
        staged.stored_name,
        tx.now,
    )


def _sweep(folder: Path, kept: set[str], before: float) -> int:
    removed = 0
    for path in folder.iterdir():
        if path.name in kept or not path.is_file() or path.stat().st_mtime > before:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def _write_marker(path: Path, token: str) -> None:
    temp = path.with_name(f"{path.name}.{secrets.token_hex(4)}")
    with temp.open("w") as handle:
        handle.write(token)
        handle.flush()
        os.fsync(handle.fileno())
    temp.replace(path)


def _read_marker(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None
