"""A PostgreSQL server for the tests: a template database migrated once per run, and a fresh
database copied from it for each test (CREATE DATABASE … TEMPLATE takes milliseconds)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import closing, contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from chat.storage.migrate import migrate_postgresql
from chat.storage.postgres import PgConnection

SERVER_VARIABLE = "SWITCHBOARD_TEST_POSTGRES"
DEFAULT_SERVER = "postgresql://switchboard:switchboard@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get(SERVER_VARIABLE, DEFAULT_SERVER)


def credentials() -> str:
    """`user:password@` of the server's URL: what no log may show."""
    netloc = urlsplit(server_url()).netloc
    return netloc.rpartition("@")[0] + "@" if "@" in netloc else "\0no credentials"


def database_url(name: str) -> str:
    """The server's URL with `name` as its database."""
    return urlunsplit(urlsplit(server_url())._replace(path=f"/{name}"))


def admin(statement: str) -> None:
    """CREATE/DROP DATABASE on the server's maintenance database (outside a transaction)."""
    try:
        conn = psycopg.connect(server_url(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"The PostgreSQL tests need a server at {SERVER_VARIABLE} (default {DEFAULT_SERVER},"
            f" a role that may CREATE DATABASE): {exc}".replace(":switchboard@", ":***@"),
            pytrace=False,
        )
    with closing(conn):
        conn.execute(statement)  # type: ignore[arg-type]


@contextmanager
def template_database() -> Iterator[str]:
    """A database with every migration applied, for the run; its name."""
    name = f"switchboard_template_{secrets.token_hex(4)}"
    admin(f"CREATE DATABASE {name}")
    try:
        # In this thread, without an event loop: Playwright's sync API may be running one.
        conn = PgConnection(database_url(name))
        conn.connect()
        with closing(conn.raw):  # type: ignore[type-var]
            migrate_postgresql(conn)
        yield name
    finally:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def fresh_database(template: str) -> Iterator[str]:
    """An empty, migrated database of its own for one test; its URL. Dropped afterwards, even
    with the app's connections still open."""
    name = f"test_{secrets.token_hex(6)}"
    admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield database_url(name)
    finally:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def empty_database() -> Iterator[str]:
    """A database with nothing in it, not even the migrations; its URL."""
    name = f"test_empty_{secrets.token_hex(6)}"
    admin(f"CREATE DATABASE {name}")
    try:
        yield database_url(name)
    finally:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
