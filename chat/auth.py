"""Agents' credentials: argon2id passwords, login cookies, API tokens and admins' API keys,
require_agent()."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import secrets
import sqlite3
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection

from chat.codec import Codec
from chat.config import Settings
from chat.errors import Conflict, Forbidden, Invalid, Unauthorized
from chat.hub import Hub
from chat.models import Agent, KeyHolder, Role, iso_time, now_iso
from chat.ratelimit import Limiter, MemoryLimiter
from chat.storage import agents, api_keys, tokens
from chat.storage.database import Database
from chat.wire import Text

# OWASP's recommended minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane.
PASSWORDS = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
COOKIE_NAME = "sb_session"
COOKIE = "cookie"
API = "api"
DEMO_PASSWORD = "Password123!"
DEMO_AGENTS = (
    ("agent1@callcenter.com", "Alice Agent", Role.AGENT),
    ("agent2@callcenter.com", "Bob Agent", Role.AGENT),
    ("admin@callcenter.com", "Admin", Role.ADMIN),
)
WRONG_LOGIN = "Invalid email or password."
REVOKED = 4401  # the close code of a socket whose credential was revoked
API_KEY_PREFIX = "sbk_"  # an admin's API key (chat/service/api_keys.py), not a login token
SAFE_METHODS = ("GET", "HEAD")  # all that a read key may use
KEY_TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per key


def hash_token(raw: str) -> bytes:
    # surrogatepass: any string hashes (to match nothing) instead of failing on a lone surrogate.
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).digest()


def new_secret() -> str:
    """An opaque credential of 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def later(delta: timedelta) -> str:
    return iso_time(datetime.now(UTC) + delta)


class Accounts:
    """Logging in and out, checking credentials, adding agents."""

    def __init__(self, db: Database, settings: Settings, hub: Hub | None = None) -> None:
        self.db = db
        self.settings = settings
        self.hub = hub
        limits = settings.limits
        window = (limits.failed_logins, limits.failed_login_window)
        self._failures = (
            hub.backplane.limiter("logins", *window) if hub is not None else MemoryLimiter(*window)
        )
        self._cookies = URLSafeTimedSerializer(settings.secret_key, salt="switchboard.login")
        per_key = (limits.api_key_requests_per_minute, 60)
        self._key_requests = (
            hub.backplane.limiter("api-keys", *per_key)
            if hub is not None
            else MemoryLimiter(*per_key)
        )
        self._touched: dict[int, str] = {}  # key id → when this node last wrote last_used_at
        # Verified against when the email is unknown, so both failures take the same time.
        self._decoy_hash = PASSWORDS.hash(new_secret())

    async def login(self, email: object, password: object, address: str) -> Agent:
        """The agent these credentials belong to; the same Unauthorized for any mistake."""
        if not _is_text(email) or not _is_text(password):
            raise Invalid("`email` and `password` must be strings of valid text.")
        email = email.strip().lower()
        keys = (f"email:{email}", f"addr:{address}")
        message = "Too many failed logins; please wait before trying again."
        for key in keys:
            await self._failures.check(key, message)
        agent = await self.db.read(lambda c: agents.get_agent_by_email(c, email))
        # An agent with no password yet (a setup link not used) takes as long as anyone else.
        usable = agent is not None and agent.is_active and agent.password_hash.startswith("$")
        stored = agent.password_hash if agent is not None and usable else self._decoy_hash
        ok, rehashed = await asyncio.to_thread(_verify, stored, password)
        if not ok or agent is None or not usable:
            for key in keys:
                await self._failures.record(key)
            raise Unauthorized(WRONG_LOGIN)
        if rehashed is not None:
            await self.db.write(lambda c: agents.update_agent_password(c, agent.id, rehashed))
        return agent

    async def issue(self, agent: Agent, kind: str) -> str:
        """A new credential for `agent`; only its hash is stored."""
        raw = new_secret()
        ttl = (
            timedelta(hours=self.settings.login_ttl_hours)
            if kind == COOKIE
            else timedelta(days=self.settings.token_ttl_days)
        )
        expires = later(ttl)
        await self.db.write(
            lambda c: tokens.insert_token(c, agent.id, kind, hash_token(raw), now_iso(), expires)
        )
        return self._cookies.dumps(raw) if kind == COOKIE else raw

    async def agent_for(self, kind: str, credential: str) -> Agent | None:
        raw = self._unsign(credential) if kind == COOKIE else credential
        if raw is None:
            return None
        digest = hash_token(raw)
        return await self.db.read(lambda c: tokens.get_token_agent(c, kind, digest, now_iso()))

    async def key_holder(self, token: str, method: str) -> Agent | None:
        """Who an API key acts for: its creator, as an agent (an admin-only call is 403), or
        None for an unknown or revoked key or a deactivated creator. Over the key's rate limit
        it is 429; a read key on anything but GET or HEAD is 403."""
        digest = hash_token(token)
        holder = await self.db.read(lambda c: api_keys.get_key_holder(c, digest))
        if holder is None:
            return None
        await self._key_requests.take(
            f"key:{holder.key_id}", "Too many requests with this API key; please wait."
        )
        if holder.scope != "write" and method not in SAFE_METHODS:
            raise Forbidden("This API key is read-only: it may only GET (and HEAD).")
        await self._touch(holder)
        return dataclasses.replace(holder.agent, role=Role.AGENT)

    async def _touch(self, holder: KeyHolder) -> None:
        """Note the key's use, at most once a minute (as stored, and as this node wrote it)."""
        stale = iso_time(datetime.now(UTC) - KEY_TOUCH_EVERY)
        seen = max(holder.last_used_at or "", self._touched.get(holder.key_id, ""))
        if seen > stale:
            return
        now = now_iso()
        self._touched[holder.key_id] = now
        await self.db.write(lambda c: api_keys.touch_api_key(c, holder.key_id, now))

    def digest(self, kind: str, credential: str) -> bytes | None:
        """The stored hash a credential is known by (None for a forged cookie)."""
        raw = self._unsign(credential) if kind == COOKIE else credential
        return None if raw is None else hash_token(raw)

    async def revoke(self, kind: str, credential: str) -> None:
        """Revoke a credential and close the sockets that were opened with it."""
        digest = self.digest(kind, credential)
        if digest is not None:
            await self.db.write(lambda c: tokens.revoke_token(c, digest, now_iso()))
            if self.hub is not None:
                self.hub.kick_agents(REVOKED, credential=digest)

    async def create_agent(self, email: str, name: str, password: str, role: Role) -> Agent:
        codec = Codec(self.settings.limits)
        address = codec.text(email, "email", Text("email_max", required=False, email=True))
        if address is None:
            raise Invalid("An agent needs an email address.")
        email = address.lower()
        name = codec.text(name, "name", Text("name_max")) or ""
        if len(password) < 8:
            raise Invalid("The password must have at least 8 characters.")
        hashed = await asyncio.to_thread(PASSWORDS.hash, password)

        def insert(conn: sqlite3.Connection) -> Agent:
            if agents.get_agent_by_email(conn, email):
                raise Conflict(f"An agent with the email {email} already exists.")
            return agents.insert_agent(conn, email, name, role, hashed, now_iso())

        return await self.db.write(insert)

    async def ensure_demo_agents(self) -> None:
        """Create the contract's demo agents on a database that has no agents yet. Several
        nodes of a cluster may start at once on a new database: an agent another node created
        meanwhile is a Conflict here, and is left as it is."""
        if await self.db.read(agents.count_agents):
            return
        for email, name, role in DEMO_AGENTS:
            try:
                await self.create_agent(email, name, DEMO_PASSWORD, role)
            except Conflict:
                continue

    def _unsign(self, cookie: str) -> str | None:
        try:
            raw = self._cookies.loads(cookie, max_age=self.settings.login_ttl_hours * 3600)
        except BadSignature:
            return None
        return raw if isinstance(raw, str) else None


def _limiter(hub: Hub | None, name: str, limit: int, window: float) -> Limiter:
    """The backplane's limiter (shared by every node with Redis), or this process's own."""
    return (
        hub.backplane.limiter(name, limit, window)
        if hub is not None
        else MemoryLimiter(limit, window)
    )


def _is_text(value: object) -> bool:
    """Whether `value` is a string that UTF-8 can hold: no lone surrogate from a JSON escape."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _verify(stored: str, password: str) -> tuple[bool, str | None]:
    """Check a password; also return a new hash when the stored one uses old parameters."""
    try:
        PASSWORDS.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, PASSWORDS.hash(password) if PASSWORDS.check_needs_rehash(stored) else None


def bearer_token(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def own_origin(conn: HTTPConnection) -> str:
    scheme = {"ws": "http", "wss": "https"}.get(conn.url.scheme, conn.url.scheme)
    return f"{scheme}://{conn.url.netloc}"


def origin_allowed(conn: HTTPConnection, settings: Settings) -> bool:
    """Whether the request's Origin is the app's own or an allowed one."""
    origin = conn.headers.get("origin")
    if origin is None:
        return False
    origin = origin.rstrip("/")
    return hmac.compare_digest(origin, own_origin(conn)) or origin in settings.allowed_origins


async def require_agent(conn: HTTPConnection, *, unsafe: bool = False) -> Agent:
    """The agent behind this request's bearer token or login cookie, or Unauthorized.

    A cookie on an unsafe request must come with an allowed Origin (CSRF defence in depth:
    SameSite=Lax already keeps it off cross-site posts). An admin's API key (`sbk_…`) acts as
    that admin with the role of an agent, within its scope (see Accounts.key_holder).
    """
    accounts: Accounts = conn.app.state.accounts
    token = bearer_token(conn)
    if token is not None and token.startswith(API_KEY_PREFIX):
        agent = await accounts.key_holder(token, conn.scope.get("method", "GET"))
    elif token is not None:
        agent = await accounts.agent_for(API, token)
    else:
        cookie = conn.cookies.get(COOKIE_NAME)
        agent = await accounts.agent_for(COOKIE, cookie) if cookie else None
        if agent is not None and unsafe and "origin" in conn.headers:
            if not origin_allowed(conn, accounts.settings):
                raise Forbidden("This origin may not act for a logged-in agent.")
    if agent is None:
        raise Unauthorized()
    return agent
