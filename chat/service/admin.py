"""The admin area's use cases as one object, `AdminService`, beside ChatService: the team
(staff.py), the widget and AI settings (preferences.py), the knowledge base (knowledge.py), API
keys (api_keys.py) and the audit log (audit.py). Routes check that the caller is an admin, then
call it once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from chat.ai.knowledge import KnowledgeBase
from chat.config import Settings
from chat.models import Agent, ApiKey, Article, AuditEntry, Presence, Role, iso_time
from chat.service import audit
from chat.service.api_keys import ApiKeys, NewKey
from chat.service.conversations import ChatService
from chat.service.knowledge import Knowledge
from chat.service.preferences import AiConfig, Preferences
from chat.service.staff import NewAgent, Staff
from chat.wire import (
    AgentPatch,
    AiSettingsRequest,
    AiSettingsView,
    AiTestAnswer,
    HoursSettings,
    PublicConfig,
    RoutingSettings,
    WidgetSettings,
)

log = logging.getLogger("chat.admin")
WATCH_INTERVAL = 1.0  # seconds between looks at what other nodes changed


class AdminService:
    """What admins change for everyone; each write is recorded in the audit log."""

    def __init__(self, chat: ChatService, kb: KnowledgeBase, settings: Settings) -> None:
        self.chat = chat
        self.db = chat.db
        self.kb = kb
        # The chat's own write path: a deactivation's requeue events are published after it.
        self.staff = Staff(chat.db, chat._write, chat.hub, chat.presence)
        self.preferences = Preferences(chat.db, settings)
        self.knowledge = Knowledge(chat.db, kb)
        self.api_keys = ApiKeys(chat.db)

    async def start(self) -> None:
        """Seed the knowledge base on a new database and take the stored settings."""
        await self.knowledge.seed()
        await self.preferences.reload()
        await self.chat.hours.reload()
        self._apply_ai(self.preferences.ai)

    async def watch(self) -> None:
        """Take what other nodes changed, within WATCH_INTERVAL (runs until cancelled)."""
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            try:
                await self.preferences.reload()
                await self.chat.hours.reload()
                await self.knowledge.reload()
            except Exception:  # noqa: BLE001 - a failed look is retried at the next one
                log.exception("could not re-read the admin settings")

    def on_ai_change(self, apply: Callable[[AiConfig], None]) -> None:
        """`apply(config)` runs whenever the AI settings change (the app swaps the responder)."""

        def changed(config: AiConfig) -> None:
            self._apply_ai(config)
            apply(config)

        self.preferences.on_ai_change = changed

    def _apply_ai(self, config: AiConfig) -> None:
        self.chat.customers.ai_enabled = config.enabled

    # -- agents ---------------------------------------------------------------------------

    def presence_of(self, agent: Agent) -> Presence:
        return self.chat.presence.status(agent)

    async def list_agents(self) -> list[Agent]:
        return await self.staff.list_agents()

    async def add_agent(self, admin: Agent, name: str, email: str, role: Role) -> NewAgent:
        return await self.staff.add(admin, name, email, role)

    async def update_agent(self, admin: Agent, agent_id: int, patch: AgentPatch) -> Agent:
        return await self.staff.update(admin, agent_id, patch)

    async def deactivate_agent(self, admin: Agent, agent_id: int) -> Agent:
        return await self.staff.deactivate(admin, agent_id)

    async def reactivate_agent(self, admin: Agent, agent_id: int) -> Agent:
        return await self.staff.reactivate(admin, agent_id)

    async def reset_password(self, admin: Agent, agent_id: int) -> str:
        return await self.staff.reset_password(admin, agent_id)

    async def setup_agent(self, token: str) -> Agent:
        return await self.staff.setup_agent(token)

    async def complete_setup(self, token: str, password: str, repeated: str) -> Agent:
        return await self.staff.complete_setup(token, password, repeated)

    # -- settings -------------------------------------------------------------------------

    @property
    def widget(self) -> WidgetSettings:
        return self.preferences.widget

    def public_config(self) -> PublicConfig:
        w = self.preferences.widget
        open_now, next_open = self.chat.hours_now()
        return PublicConfig(
            self.chat.server_limits,
            self.chat.agents_available,
            open_now,
            None if next_open is None else iso_time(next_open),
            w.title,
            w.greeting,
            w.accent,
            w.position,
            w.ask_details,
            w.locale,
            dict(w.greetings),
        )

    async def put_widget(self, admin: Agent, widget: WidgetSettings) -> WidgetSettings:
        return await self.preferences.put_widget(admin, widget)

    def ai_settings(self) -> AiSettingsView:
        return self.preferences.ai.view()

    async def put_ai(self, admin: Agent, asked: AiSettingsRequest) -> AiSettingsView:
        return await self.preferences.put_ai(admin, asked)

    async def routing_settings(self) -> RoutingSettings:
        return await self.chat.routing.settings()

    async def put_routing(self, admin: Agent, config: RoutingSettings) -> RoutingSettings:
        return await self.chat.routing.put_settings(admin, config)

    def hours(self) -> HoursSettings:
        return self.chat.hours.config

    async def put_hours(self, admin: Agent, config: HoursSettings) -> HoursSettings:
        return await self.chat.hours.put(admin, config)

    async def test_ai(self) -> AiTestAnswer:
        return await self.preferences.test_ai(self.kb)

    # -- knowledge base and audit ---------------------------------------------------------

    async def articles(self) -> list[Article]:
        return await self.knowledge.list()

    async def article(self, slug: str) -> Article:
        return await self.knowledge.get(slug)

    async def put_article(
        self, admin: Agent, slug: str, body: str, version: int | None
    ) -> tuple[Article, bool]:
        return await self.knowledge.put(admin, slug, body, version)

    async def delete_article(self, admin: Agent, slug: str) -> None:
        await self.knowledge.delete(admin, slug)

    # -- API keys -------------------------------------------------------------------------

    async def create_api_key(self, admin: Agent, name: str, scope: str) -> NewKey:
        return await self.api_keys.create(admin, name, scope)

    async def list_api_keys(self) -> list[ApiKey]:
        return await self.api_keys.list()

    async def revoke_api_key(self, admin: Agent, key_id: int) -> ApiKey:
        return await self.api_keys.revoke(admin, key_id)

    async def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        return await audit.recent(self.db, limit)
