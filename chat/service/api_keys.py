"""API keys (TEAMS.md, "Webhooks and API keys"): an admin makes a named key for a script, read
or write; its token is shown once and only its hash is kept; revoking it ends it at once on
every node (each request looks the key up in the database, as login tokens are). What a key
may do when it is used is decided in chat/auth.py (Accounts.key_holder)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from chat.auth import API_KEY_PREFIX, hash_token, new_secret
from chat.errors import NotFound
from chat.models import Agent, ApiKey, now_iso
from chat.service.audit import record
from chat.storage import api_keys
from chat.storage.database import Database

SHOWN = 12  # characters of a token kept as its prefix: "sbk_" and 8 of its random ones


@dataclass(frozen=True, slots=True)
class NewKey:
    api_key: ApiKey
    token: str


class ApiKeys:
    """Making, listing and revoking keys; each change is written with its audit entry."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, admin: Agent, name: str, scope: str) -> NewKey:
        token = API_KEY_PREFIX + new_secret()
        prefix = token[:SHOWN]

        def work(conn: sqlite3.Connection) -> ApiKey:
            key_id = api_keys.insert_api_key(
                conn, name, scope, hash_token(token), prefix, admin.id, now_iso()
            )
            record(conn, admin, "api_key.create", f"{prefix}… {scope} {name}")
            key = api_keys.get_api_key(conn, key_id)
            assert key is not None
            return key

        return NewKey(await self.db.write(work), token)

    async def list(self) -> list[ApiKey]:
        return await self.db.read(api_keys.list_api_keys)

    async def revoke(self, admin: Agent, key_id: int) -> ApiKey:
        """Revoke the key (a key revoked already stays as it was); 404 for no such key."""

        def work(conn: sqlite3.Connection) -> ApiKey:
            revoked = api_keys.revoke_api_key(conn, key_id, now_iso())
            key = api_keys.get_api_key(conn, key_id)
            if key is None:
                raise NotFound("No such API key.")
            if revoked:
                record(conn, admin, "api_key.revoke", f"{key.prefix}… {key.scope} {key.name}")
            return key

        return await self.db.write(work)
