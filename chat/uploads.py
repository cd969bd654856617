"""File attachments as use cases: a file is staged on disk, then posted as a message through the
service's own customer and agent sends (same transaction, rules, rate limits and idempotency)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from chat.attachments import Staged, stage
from chat.errors import NotFound
from chat.models import Agent, Attachment
from chat.storage import attachments
from chat.transaction import Posted

if TYPE_CHECKING:
    from chat.service import ChatService


# A file nobody refers to is swept only once it is this old: an upload staged by another process
# (or still committing) is never mistaken for debris.
SWEEP_AGE = 3600


class Uploads:
    """Sending and fetching files; the bytes live in `folder` (beside the database)."""

    def __init__(self, service: ChatService) -> None:
        self.service = service
        self.folder = service.settings.data_dir / "files"

    async def post_customer_file(
        self,
        session_key: str,
        source: BinaryIO,
        name: str,
        caption: str | None,
        client_id: str | None,
        address: str,
    ) -> Posted:
        """The customer sends a file: stored and posted as one message (its caption, or the
        file's name), idempotent on client_id like any message."""
        session_id = (await self.service.session_for_key(session_key)).id
        self.service.check_send_rate(session_id, address)  # before any disk work
        return await self._post_file(
            source,
            name,
            lambda staged: self.service.post_as_customer(
                session_id,
                caption or staged.name,
                client_id,
                address,
                staged,
                wake_ai=caption is not None,
            ),
        )

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
        await self.service.get_session(session_id)
        return await self._post_file(
            source,
            name,
            lambda staged: self.service.post_agent_message(
                agent, session_id, caption or staged.name, client_id, staged
            ),
        )

    async def _post_file(
        self, source: BinaryIO, name: str, post: Callable[[Staged], Awaitable[Posted]]
    ) -> Posted:
        """Write the file to disk (fsynced, renamed), then commit the message that carries it.

        A write that fails was rolled back, and a retry stored nothing new: the file goes. A
        cancelled caller keeps it, since its transaction may still commit: at worst an orphan
        file, never a message without its file."""
        limit = self.service.settings.limits.attachment_max_bytes
        staged = await asyncio.to_thread(stage, source, name, self.folder, limit)
        try:
            posted = await post(staged)
        except Exception:
            staged.discard()
            raise
        if not posted.created:
            staged.discard()
        return posted

    async def file_for_agent(self, attachment_id: int) -> tuple[Attachment, Path]:
        found = await self.service.db.read(lambda c: attachments.get_attachment(c, attachment_id))
        return self._on_disk(found)

    async def file_for_customer(
        self, session_key: str, attachment_id: int
    ) -> tuple[Attachment, Path]:
        """A file of the key's own conversation; any other is not found."""
        session_id = (await self.service.session_for_key(session_key)).id
        found = await self.service.db.read(lambda c: attachments.get_attachment(c, attachment_id))
        return self._on_disk(found if found and found.session_id == session_id else None)

    def _on_disk(self, found: Attachment | None) -> tuple[Attachment, Path]:
        if found is None:
            raise NotFound("No such file.")
        return found, self.folder / found.stored_name

    async def sweep(self, older_than: float = SWEEP_AGE) -> int:
        """Remove what a crash or a cancelled upload left behind: half-written `.upload-*` files
        and files no message carries, once they are `older_than` seconds old. Run at start."""
        if not self.folder.is_dir():
            return 0
        kept = await self.service.db.read(attachments.list_stored_names)
        return await asyncio.to_thread(_sweep, self.folder, kept, time.time() - older_than)


def _sweep(folder: Path, kept: set[str], before: float) -> int:
    removed = 0
    for path in folder.iterdir():
        if path.name in kept or not path.is_file() or path.stat().st_mtime > before:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed
