"""What an admin sets for the whole installation, kept in the settings table as JSON: the
widget's look and manners, and the AI's (on or off, its pause, Gemini's model and key)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace

import msgspec

from chat.ai.gemini import GeminiResponder, describe_failure
from chat.ai.knowledge import KnowledgeBase
from chat.config import Settings
from chat.models import Agent
from chat.service.audit import record
from chat.storage import settings as stored
from chat.storage.database import Database
from chat.wire import AiSettingsRequest, AiSettingsView, AiTestAnswer, WidgetSettings

log = logging.getLogger("chat.admin")
WIDGET = "widget"
AI = "ai"
DEFAULT_WIDGET = WidgetSettings(
    title="Chat with us",
    greeting="Hi there! How can we help you today?",
    accent="#2563eb",
    position="right",
    ask_details="never",
    locale="auto",
)
TEST_QUESTION = "In one short sentence: hello, can you hear me?"


@dataclass(frozen=True, slots=True)
class AiConfig:
    """The AI as it runs now. The key is held here and in the database, nowhere else."""

    enabled: bool
    reply_delay: float
    gemini_model: str
    gemini_api_key: str

    def view(self) -> AiSettingsView:
        return AiSettingsView(
            self.enabled, self.reply_delay, self.gemini_model, bool(self.gemini_api_key)
        )

    def settings(self, base: Settings) -> Settings:
        """The app's settings with this AI's in place (for building a responder)."""
        return replace(
            base,
            ai_enabled=self.enabled,
            ai_reply_delay=self.reply_delay,
            gemini_model=self.gemini_model,
            gemini_api_key=self.gemini_api_key,
        )


class Preferences:
    """The widget and AI settings: read once, then kept in memory and re-read by watch()."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.base = settings
        self.widget = DEFAULT_WIDGET
        self.ai = AiConfig(
            settings.ai_enabled,
            settings.ai_reply_delay,
            settings.gemini_model,
            settings.gemini_api_key,
        )
        self._raw: tuple[str | None, str | None] = (None, None)
        # Called with the new AiConfig whenever it changes (the app rebuilds the responder).
        self.on_ai_change: Callable[[AiConfig], None] | None = None

    async def reload(self) -> None:
        """Take what is stored (another node may have changed it)."""
        raw = await self.db.read(_read_both)
        if raw == self._raw:
            return
        self._raw = raw
        widget, ai = raw
        if widget is not None:
            self.widget = msgspec.json.decode(widget, type=WidgetSettings)
        if ai is not None:
            self._take_ai(AiConfig(**json.loads(ai)))

    async def put_widget(self, admin: Agent, widget: WidgetSettings) -> WidgetSettings:
        value = msgspec.json.encode(widget).decode()

        def work(conn: sqlite3.Connection) -> None:
            stored.put_setting(conn, WIDGET, value)
            record(conn, admin, "settings.widget", _widget_detail(widget))

        await self.db.write(work)
        self.widget = widget
        self._raw = (value, self._raw[1])
        return widget

    async def put_ai(self, admin: Agent, asked: AiSettingsRequest) -> AiSettingsView:
        """Store the AI settings; a null key keeps the stored one, "" removes it."""
        key = self.ai.gemini_api_key if asked.gemini_api_key is None else asked.gemini_api_key
        config = AiConfig(asked.enabled, asked.reply_delay, asked.gemini_model, key.strip())
        value = json.dumps(
            {
                "enabled": config.enabled,
                "reply_delay": config.reply_delay,
                "gemini_model": config.gemini_model,
                "gemini_api_key": config.gemini_api_key,
            }
        )
        detail = _ai_detail(config, key_changed=asked.gemini_api_key is not None)

        def work(conn: sqlite3.Connection) -> None:
            stored.put_setting(conn, AI, value)
            record(conn, admin, "settings.ai", detail)

        await self.db.write(work)
        self._raw = (self._raw[0], value)
        self._take_ai(config)
        return config.view()

    async def test_ai(self, kb: KnowledgeBase) -> AiTestAnswer:
        """Ask Gemini one question with the stored model and key: its answer or its error."""
        config = self.ai
        if not config.gemini_api_key:
            return AiTestAnswer(False, None, "No Gemini API key is configured.")
        try:
            responder = GeminiResponder(
                config.gemini_api_key,
                config.gemini_model,
                kb,
                timeout=self.base.ai_timeout,
                base_url=self.base.gemini_base_url or None,
            )
        except ImportError:
            return AiTestAnswer(False, None, "google-genai is not installed on the server.")
        try:
            answer = await responder.ask_once(TEST_QUESTION)
        except Exception as exc:  # noqa: BLE001 - any failure is the answer the admin wants
            return AiTestAnswer(False, None, describe_failure(exc, config.gemini_api_key))
        finally:
            await responder.aclose()
        return AiTestAnswer(True, answer, None)

    def _take_ai(self, config: AiConfig) -> None:
        changed = config != self.ai
        self.ai = config
        if changed and self.on_ai_change is not None:
            self.on_ai_change(config)


def _read_both(conn: sqlite3.Connection) -> tuple[str | None, str | None]:
    return stored.get_setting(conn, WIDGET), stored.get_setting(conn, AI)


def _widget_detail(widget: WidgetSettings) -> str:
    return (
        f"title {widget.title!r}, accent {widget.accent}, {widget.position}, "
        f"ask details {widget.ask_details}, locale {widget.locale}"
        + (f", greetings in {', '.join(sorted(widget.greetings))}" if widget.greetings else "")
    )


def _ai_detail(config: AiConfig, key_changed: bool) -> str:
    state = "on" if config.enabled else "off"
    key = "key changed" if key_changed else "key kept"
    if key_changed and not config.gemini_api_key:
        key = "key removed"
    return f"{state}, pause {config.reply_delay:g} s, model {config.gemini_model}, {key}"
