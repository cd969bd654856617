"""Database: one writer connection with group commit, and a small pool of readers."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from chat.errors import ChatError, StorageFailed
from chat.storage.migrate import migrate
from chat.storage.search import INDEX_NEW

T = TypeVar("T")
# Storage work is a plain function of a sqlite3 connection, run whole in that connection's
# thread: one hop between the event loop and the thread per batch, not one per statement.
Work = Callable[[sqlite3.Connection], T]
log = logging.getLogger("chat.storage")

MAX_BATCH = 256  # writes per transaction; bounds the time any one caller waits on others


@dataclass(slots=True)
class _Job:
    work: Work[Any]
    after_commit: Callable[[Any], None] | None
    future: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def _settle(job: _Job, value: Any, *, ok: bool) -> None:
    if job.future.done():
        return
    if ok:
        job.future.set_result(value)
    else:
        job.future.set_exception(value)


async def connect(path: Path, synchronous: str, *, readonly: bool = False) -> aiosqlite.Connection:
    """A connection with the pragmas every connection needs."""
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute(f"PRAGMA synchronous={synchronous}")
    await conn.execute("PRAGMA foreign_keys=ON")
    await conn.execute("PRAGMA busy_timeout=5000")
    if readonly:
        await conn.execute("PRAGMA query_only=ON")
    return conn


class Database:
    """Every write goes through write(); whatever is queued commits in one transaction.

    A caller of write() hears back only after COMMIT returned. A write that fails is rolled
    back alone: the rest of its batch runs again without it and commits.
    """

    errors: tuple[type[Exception], ...] = (sqlite3.Error,)  # what a failed statement raises

    def __init__(self, path: Path, synchronous: str = "FULL", readers: int = 2) -> None:
        self.path = path
        self.synchronous = synchronous
        self._reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._jobs: asyncio.Queue[_Job | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # how many transactions committed; the benchmark reads it
        self.writes = 0
        # Transactions rolled back because one write in them failed; each costs the others of
        # its batch a second run. Refusals should be decided before a write is queued.
        self.rollbacks = 0
        # Wraps the after_commit calls of each committed batch; the service sets it to the
        # hub's batch(), so that a socket gets the frames of a whole batch in one write.
        self.publishing: Callable[[], AbstractContextManager[Any]] = nullcontext

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await connect(self.path, self.synchronous)
        await migrate(self._writer)
        for _ in range(self._reader_count):
            reader = await connect(self.path, self.synchronous, readonly=True)
            self._all_readers.append(reader)
            self._readers.put_nowait(reader)
        self._task = asyncio.create_task(self._run_writer(), name="db-writer")

    async def close(self) -> None:
        if self._task is not None:
            self._jobs.put_nowait(None)
            await self._task
            self._task = None
        for conn in [*self._all_readers, self._writer]:
            if conn is not None:
                await conn.close()
        self._all_readers.clear()
        self._writer = None

    async def write(self, work: Work[T], after_commit: Callable[[T], None] | None = None) -> T:
        """Run `work` in the writer's next transaction; return its result once committed.

        `after_commit` runs right after the COMMIT, in commit order, before any later write's
        caller resumes: the service publishes events there, so they go out in event_id order.
        """
        if self._task is None:
            raise StorageFailed("The database is not open.")
        job = _Job(work, after_commit)
        self._jobs.put_nowait(job)
        return await asyncio.shield(job.future)

    async def read(self, work: Work[T], *, snapshot: bool = False) -> T:
        """Run `work` on a reader; with snapshot=True all its statements see one point in time."""
        conn = await self._readers.get()
        try:
            return await _in_thread(conn, _read, work, snapshot)
        finally:
            self._readers.put_nowait(conn)

    async def ping(self) -> bool:
        """Whether the database answers a read and the writer is running."""
        if self._task is None or self._task.done():
            return False
        try:
            return await self.read(lambda c: c.execute("SELECT 1").fetchone() is not None)
        except self.errors:
            return False

    async def _run_writer(self) -> None:
        while True:
            job = await self._jobs.get()
            if job is None:
                return
            batch = [job]
            while len(batch) < MAX_BATCH and not self._jobs.empty():
                nxt = self._jobs.get_nowait()
                if nxt is None:
                    self._jobs.put_nowait(None)  # finish this batch, then stop
                    break
                batch.append(nxt)
            await self._commit(batch)

    async def _commit(self, batch: list[_Job]) -> None:
        """Commit the batch in one transaction. A write that fails is dropped, the transaction
        rolled back and the rest run again without it: no savepoint costs on the usual path."""
        pending = batch
        while pending:
            try:
                outcome = await self._attempt(pending)
            except self.errors as exc:
                log.error("write transaction failed and was rolled back: %s", exc)
                self.rollbacks += 1
                await self._rollback(self._writer)  # type: ignore[arg-type]
                for job in pending:
                    _settle(job, StorageFailed(), ok=False)
                return
            if isinstance(outcome, list):
                self.batches += 1
                self.writes += len(pending)
                with self.publishing():
                    for job, value in zip(pending, outcome, strict=True):
                        if job.after_commit is not None:
                            job.after_commit(value)
                        _settle(job, value, ok=True)
                return
            failed, error = outcome
            self.rollbacks += 1
            _settle(failed, error, ok=False)
            pending = [job for job in pending if job is not failed]

    async def _attempt(self, jobs: list[_Job]) -> list[Any] | tuple[_Job, Exception]:
        """Run the jobs in one transaction, in the writer's thread: their results once
        committed, or the first failing job and its error after a rollback."""
        conn = self._writer
        assert conn is not None
        outcome = await _in_thread(conn, _transaction, [job.work for job in jobs])
        return self._outcome(jobs, outcome)

    @staticmethod
    def _outcome(
        jobs: list[_Job], outcome: list[Any] | tuple[int, Exception]
    ) -> list[Any] | tuple[_Job, Exception]:
        if isinstance(outcome, list):
            return outcome
        index, exc = outcome
        if not isinstance(exc, ChatError):
            log.error("a write failed and was rolled back", exc_info=exc)
            exc = StorageFailed()
        return jobs[index], exc

    @staticmethod
    async def _rollback(conn: aiosqlite.Connection) -> None:
        if conn.in_transaction:
            try:
                await conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                log.error("rollback failed: %s", exc)


async def _in_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(sqlite3_connection, *args)` in `conn`'s own thread.

    aiosqlite has no public call for this; its `_execute` and `_conn` are what its own
    methods use. It is the one place we reach inside it, and the reason is measured: a
    message costs four statements, and a thread hop each cost more CPU than the statements."""
    raw = conn._conn
    return await conn._execute(fn, raw, *args)


def _read(conn: sqlite3.Connection, work: Work[T], snapshot: bool) -> T:
    if not snapshot:
        return work(conn)
    conn.execute("BEGIN")
    try:
        return work(conn)
    finally:
        conn.execute("COMMIT")


def _transaction(
    conn: sqlite3.Connection, works: list[Work[Any]]
) -> list[Any] | tuple[int, Exception]:
    """BEGIN IMMEDIATE, every work in order, the search index of the messages they wrote,
    COMMIT; on a work's error, ROLLBACK and say which."""
    conn.execute("BEGIN IMMEDIATE")
    results = []
    for index, work in enumerate(works):
        try:
            results.append(work(conn))
        except Exception as exc:  # noqa: BLE001 - one bad write must not take the writer down
            conn.execute("ROLLBACK")
            return index, exc
    conn.execute(INDEX_NEW)
    conn.execute("COMMIT")
    return results
