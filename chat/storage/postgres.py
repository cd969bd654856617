"""PostgresDatabase: the Database interface on PostgreSQL (psycopg 3), same group commit.

Work functions are written against sqlite3's surface; `PgConnection` gives them that surface on
a psycopg connection (`?` placeholders, rows readable by name and by index). Each connection is
driven by its own single thread, as aiosqlite drives a sqlite3 connection, so a whole batch is
one hop between the event loop and the thread.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg.pq import TransactionStatus

from chat.config import Settings, hide_password, is_database_url
from chat.storage.database import Database, Work, _Job
from chat.storage.migrate import migrate_postgresql

T = TypeVar("T")
log = logging.getLogger("chat.storage")

# Statements of a batch are few and repeated: let the server keep their plans.
PREPARE_THRESHOLD = 2
CONNECT_TIMEOUT = 10  # seconds: an unreachable server fails /healthz instead of hanging it
# The first statement of every write transaction, on every node: it serialises writers on one
# row, so event ids commit in id order, a session's next seq and a client_id's earlier message
# are read after every earlier commit, and two writers never wait on each other's rows in
# opposite orders (no deadlock).
LOCK_COUNTER = "SELECT head FROM event_counter WHERE id = 1 FOR UPDATE"


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """sqlite3's `?` placeholders as psycopg's `%s`; a literal % doubled. Quoted text and
    identifiers are copied as they are (a `?` inside them is not a placeholder)."""
    out = []
    for piece in re.split(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")", sql):
        if piece[:1] in ("'", '"'):
            out.append(piece.replace("%", "%%"))
        else:
            out.append(piece.replace("%", "%%").replace("?", "%s"))
    return "".join(out)


class Row(Sequence[Any]):
    """A row readable as row["name"] and as row[0], as sqlite3.Row is."""

    __slots__ = ("_values", "_index")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


def _rows(cursor: psycopg.Cursor[Any]) -> Callable[[Sequence[Any]], Row]:
    names = [column.name for column in cursor.description or ()]
    # The first of two columns of one name wins, as with sqlite3.Row.
    index = {name: i for i, name in reversed(list(enumerate(names)))}
    return lambda values: Row(values, index)


class PgConnection:
    """A psycopg connection with the sqlite3 surface the query modules use, and its thread."""

    dialect = "postgresql"

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        self.url = url
        self.readonly = readonly
        self.raw: psycopg.Connection[Row] | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="postgres")

    def connect(self) -> None:
        """(Re)connect: autocommit, so BEGIN and COMMIT are ours, as with sqlite3's None level."""
        raw = psycopg.connect(
            self.url, autocommit=True, row_factory=_rows, connect_timeout=CONNECT_TIMEOUT
        )
        raw.prepare_threshold = PREPARE_THRESHOLD
        if self.readonly:
            raw.execute("SET default_transaction_read_only = on")
        self.raw = raw

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(self, *args)` in this connection's own thread; reconnect first if the
        server closed the connection (a restart), so one outage does not last for ever."""

        def call() -> T:
            if self.raw is None or self.raw.closed:
                self.connect()
            return fn(self, *args)

        return await asyncio.get_running_loop().run_in_executor(self._thread, call)

    async def close(self) -> None:
        if self.raw is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self.raw.close)
        self._thread.shutdown(wait=True)

    @property
    def in_transaction(self) -> bool:
        return self.raw is not None and (self.raw.info.transaction_status != TransactionStatus.IDLE)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Row]:
        assert self.raw is not None
        return self.raw.execute(translate(sql), tuple(params))

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> psycopg.Cursor[Row]:
        assert self.raw is not None
        cursor = self.raw.cursor()
        cursor.executemany(translate(sql), params)
        return cursor


class PostgresDatabase(Database):
    """Database on PostgreSQL: one writer connection per process with the same group commit
    (a batch per transaction, callers answered after COMMIT, a failing write dropped and the
    rest run again), and a small pool of readers."""

    errors = (psycopg.Error,)

    def __init__(self, url: str, readers: int = 2) -> None:
        super().__init__(path=None, readers=readers)  # type: ignore[arg-type]
        self.url = url

    def __repr__(self) -> str:
        return f"PostgresDatabase({hide_password(self.url)!r})"

    async def open(self) -> None:
        writer = PgConnection(self.url)
        await writer.run(migrate_postgresql)
        self._writer = writer  # type: ignore[assignment]
        for _ in range(self._reader_count):
            reader = PgConnection(self.url, readonly=True)
            await reader.run(lambda conn: None)
            self._all_readers.append(reader)  # type: ignore[arg-type]
            self._readers.put_nowait(reader)  # type: ignore[arg-type]
        self._task = asyncio.create_task(self._run_writer(), name="db-writer")

    async def read(self, work: Work[T], *, snapshot: bool = False) -> T:
        conn: PgConnection = await self._readers.get()  # type: ignore[assignment]
        try:
            return await conn.run(_read, work, snapshot)
        finally:
            self._readers.put_nowait(conn)  # type: ignore[arg-type]

    async def _attempt(self, jobs: list[_Job]) -> list[Any] | tuple[_Job, Exception]:
        conn: PgConnection = self._writer  # type: ignore[assignment]
        outcome = await conn.run(_transaction, [job.work for job in jobs])
        return self._outcome(jobs, outcome)

    @staticmethod
    async def _rollback(conn: Any) -> None:
        pg: PgConnection = conn
        try:
            await pg.run(_rollback)
        except psycopg.Error as exc:
            log.error("rollback failed: %s", exc)


def _rollback(conn: PgConnection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _read(conn: PgConnection, work: Work[T], snapshot: bool) -> T:
    if not snapshot:
        return work(conn)  # type: ignore[arg-type]
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        return work(conn)  # type: ignore[arg-type]
    finally:
        conn.execute("COMMIT")  # ends a failed transaction too (PostgreSQL rolls it back)


def _transaction(conn: PgConnection, works: list[Work[Any]]) -> list[Any] | tuple[int, Exception]:
    """BEGIN, the counter row locked first, every work in order, COMMIT; on a work's error,
    ROLLBACK and say which."""
    conn.execute("BEGIN")
    conn.execute(LOCK_COUNTER)
    results = []
    for index, work in enumerate(works):
        try:
            results.append(work(conn))  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - one bad write must not take the writer down
            conn.execute("ROLLBACK")
            return index, exc
    conn.execute("COMMIT")
    return results


def open_database(settings: Settings) -> Database:
    """The Database the settings name: PostgreSQL for a postgresql:// URL, else a SQLite file."""
    if is_database_url(settings.database):
        return PostgresDatabase(str(settings.database), settings.reader_connections)
    return Database(Path(settings.database), settings.synchronous, settings.reader_connections)
