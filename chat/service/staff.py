"""The team as an admin runs it: adding agents with a one-time setup link, renaming, roles and
capacity, deactivating (their conversations go back to the queue) and reactivating, password
resets; and the setup link's own page, where an agent chooses a password."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import timedelta

import msgspec

from chat import events as catalogue
from chat.auth import PASSWORDS, REVOKED, hash_token, later, new_secret
from chat.errors import Conflict, Gone, Invalid, NotFound
from chat.hub import Hub
from chat.hub.presence import PresenceBoard
from chat.models import Agent, Event, Role, SenderType, now_iso
from chat.service.audit import record
from chat.service.handoff import handoff_note
from chat.service.routing import route
from chat.service.transaction import Transaction, Write
from chat.storage import agents, queue, setup_tokens, tokens
from chat.storage.database import Database
from chat.wire import AgentPatch

SETUP_TTL = timedelta(hours=72)
PASSWORD_MIN = 10
UNUSABLE_PASSWORD = "!"  # matches no password: argon2 refuses it as a hash


@dataclass(frozen=True, slots=True)
class NewAgent:
    agent: Agent
    setup_token: str


class Staff:
    """What an admin does to agents; every change is written with its audit entry."""

    def __init__(self, db: Database, write: Write, hub: Hub, presence: PresenceBoard) -> None:
        self.db = db
        self._write = write
        self.hub = hub
        self.presence = presence

    async def list_agents(self) -> list[Agent]:
        return await self.db.read(agents.list_agents)

    async def add(self, admin: Agent, name: str, email: str, role: Role) -> NewAgent:
        """A new agent with no password yet, and the link with which they choose one."""
        raw = new_secret()

        def work(tx: Transaction) -> Agent:
            if agents.get_agent_by_email_any_case(tx.conn, email):
                raise Conflict(f"An agent with the email {email} already exists.")
            agent = agents.insert_agent(
                tx.conn, email.lower(), name, role, UNUSABLE_PASSWORD, tx.now
            )
            _new_setup_token(tx.conn, agent.id, raw, tx.now)
            record(tx.conn, admin, "agent.add", f"{name} <{email.lower()}> as {role.value}")
            return agent

        return NewAgent(await self._write(work), raw)

    async def update(self, admin: Agent, agent_id: int, patch: AgentPatch) -> Agent:
        """Rename, change the role or the capacity; 409 if no active admin would be left."""

        def work(tx: Transaction) -> Agent:
            agent = _agent(tx.conn, agent_id)
            name = agent.name if patch.name is msgspec.UNSET else patch.name
            role = agent.role if patch.role is msgspec.UNSET else patch.role
            capacity = agent.capacity if patch.capacity is msgspec.UNSET else patch.capacity
            if agent.is_admin and agent.is_active and role is not Role.ADMIN:
                _keep_an_admin(tx.conn, agent_id, "demote")
            changed = agents.update_agent_profile(tx.conn, agent_id, name, role, capacity)
            record(tx.conn, admin, "agent.update", _changes(agent, changed))
            route(tx)  # a raised capacity takes the oldest queued conversations at once
            return _Deactivated(changed, tx.events)

        return (await self._write(work)).agent

    async def deactivate(self, admin: Agent, agent_id: int) -> Agent:
        """The agent can no longer log in, their credentials are revoked, their sockets closed,
        and the conversations they held wait in the queue again (their messages keep their
        name)."""
        if agent_id == admin.id:
            raise Conflict("You cannot deactivate yourself.")
        note = handoff_note(self.presence.agents_available)

        def work(tx: Transaction) -> _Deactivated | Agent:
            agent = _agent(tx.conn, agent_id)
            if not agent.is_active:
                return agent
            if agent.is_admin:
                _keep_an_admin(tx.conn, agent_id, "deactivate")
            for session_id in queue.held_in_queue_order(tx.conn, agent_id):
                session = tx.requeue(tx.session(session_id), front=True)
                tx.emit_session(catalogue.SESSION_UPDATED, session)
                tx.append(session, SenderType.SYSTEM, note)
            tokens.revoke_agent_tokens(tx.conn, agent_id, tx.now)
            record(tx.conn, admin, "agent.deactivate", f"{agent.name} <{agent.email}>")
            deactivated = agents.set_agent_active(tx.conn, agent_id, False)
            route(tx)  # on to whoever is eligible (not them: they are inactive now)
            return _Deactivated(deactivated, tx.events)

        done = await self._write(work)
        if isinstance(done, Agent):
            return done
        self.hub.kick_agents(REVOKED, agent_id=agent_id)
        self.presence.remove(done.agent)
        return done.agent

    async def reactivate(self, admin: Agent, agent_id: int) -> Agent:
        def work(tx: Transaction) -> Agent:
            agent = _agent(tx.conn, agent_id)
            if agent.is_active:
                return agent
            record(tx.conn, admin, "agent.reactivate", f"{agent.name} <{agent.email}>")
            return agents.set_agent_active(tx.conn, agent_id, True)

        return await self._write(work)

    async def reset_password(self, admin: Agent, agent_id: int) -> str:
        """A new setup link; the old password, every token and cookie stop working at once,
        and the agent's sockets close (4401)."""
        raw = new_secret()

        def work(tx: Transaction) -> None:
            agent = _agent(tx.conn, agent_id)
            agents.update_agent_password(tx.conn, agent_id, UNUSABLE_PASSWORD)
            tokens.revoke_agent_tokens(tx.conn, agent_id, tx.now)
            _new_setup_token(tx.conn, agent_id, raw, tx.now)
            record(tx.conn, admin, "agent.password_reset", f"{agent.name} <{agent.email}>")

        await self._write(work)
        self.hub.kick_agents(REVOKED, agent_id=agent_id)
        return raw

    async def setup_agent(self, raw: str) -> Agent:
        """The agent a live setup link is for; Gone (used, expired) or NotFound (unknown)."""
        digest = hash_token(raw)
        row = await self.db.read(lambda conn: setup_tokens.get_setup_token(conn, digest))
        if row is None:
            raise NotFound("This setup link is not valid. Ask an admin for a new one.")
        if row["used_at"] is not None:
            raise Gone("This setup link was used already. Ask an admin for a new one.")
        if row["expires_at"] <= now_iso():
            raise Gone("This setup link has expired. Ask an admin for a new one.")
        agent = await self.db.read(lambda conn: agents.get_agent(conn, row["agent_id"]))
        if agent is None or not agent.is_active:
            raise Gone("This account is not active. Ask an admin.")
        return agent

    async def complete_setup(self, raw: str, password: str, repeated: str) -> Agent:
        """The agent chose a password with their link: it is used up, and they may log in."""
        agent = await self.setup_agent(raw)
        check_new_password(password, repeated, agent.email)
        hashed = await asyncio.to_thread(PASSWORDS.hash, password)
        digest = hash_token(raw)

        def work(tx: Transaction) -> Agent:
            if setup_tokens.use_setup_token(tx.conn, digest, tx.now) != agent.id:
                raise Gone("This setup link was used already. Ask an admin for a new one.")
            agents.update_agent_password(tx.conn, agent.id, hashed)
            return _agent(tx.conn, agent.id)

        return await self._write(work)


@dataclass(slots=True)
class _Deactivated:
    agent: Agent
    events: list[Event]  # published once the write has committed


def check_new_password(password: str, repeated: str, email: str) -> None:
    if password != repeated:
        raise Invalid("The two passwords are not the same.")
    if len(password) < PASSWORD_MIN:
        raise Invalid(f"The password must have at least {PASSWORD_MIN} characters.")
    if password.strip().lower() == email.strip().lower():
        raise Invalid("The password must not be your email address.")


def _agent(conn: sqlite3.Connection, agent_id: int) -> Agent:
    agent = agents.get_agent(conn, agent_id)
    if agent is None:
        raise NotFound("No such agent.")
    return agent


def _keep_an_admin(conn: sqlite3.Connection, agent_id: int, verb: str) -> None:
    if agents.count_other_active_admins(conn, agent_id) == 0:
        raise Conflict(f"You cannot {verb} the last active admin: make someone else admin first.")


def _new_setup_token(conn: sqlite3.Connection, agent_id: int, raw: str, now: str) -> None:
    setup_tokens.retire_agent_setup_tokens(conn, agent_id, now)
    setup_tokens.insert_setup_token(conn, agent_id, hash_token(raw), now, later(SETUP_TTL))


def _changes(before: Agent, after: Agent) -> str:
    said = []
    if before.name != after.name:
        said.append(f"name {before.name} → {after.name}")
    if before.role is not after.role:
        said.append(f"role {before.role.value} → {after.role.value}")
    if before.capacity != after.capacity:
        said.append(f"capacity {_capacity(before.capacity)} → {_capacity(after.capacity)}")
    return f"{after.name} <{after.email}>: " + (", ".join(said) or "no change")


def _capacity(value: int | None) -> str:
    return "default" if value is None else str(value)
