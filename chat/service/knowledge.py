"""The knowledge base as admins edit it: articles in the database (seeded once from the
shipped folder), a version per article against lost updates, and the AI's index kept in step."""

from __future__ import annotations

import sqlite3

from chat.ai.knowledge import KnowledgeBase, article_title
from chat.errors import Conflict, NotFound
from chat.models import Agent, Article, now_iso
from chat.service.audit import record
from chat.storage import knowledge, settings
from chat.storage.database import Database

SEEDED = "knowledge_seeded"


class Knowledge:
    """Articles by slug. Every write re-indexes this node's AI at once; watch() catches the
    writes of other nodes."""

    def __init__(self, db: Database, kb: KnowledgeBase) -> None:
        self.db = db
        self.kb = kb
        self._signature: tuple[int, str] | None = None

    async def seed(self) -> None:
        """A new database takes the shipped folder's articles, once (a deleted one stays
        deleted); then the AI answers from the database."""
        shipped = self.kb.read_folder()

        def work(conn: sqlite3.Connection) -> None:
            if settings.get_setting(conn, SEEDED) is not None:
                return
            now = now_iso()
            for slug, body in shipped:
                knowledge.seed_article(conn, slug, article_title(slug, body), body, now)
            settings.put_setting(conn, SEEDED, now)

        await self.db.write(work)
        await self.reload()

    async def reload(self) -> None:
        """Re-index when the articles changed since the last look."""
        signature = await self.db.read(knowledge.articles_signature)
        if signature == self._signature:
            return
        articles = await self.db.read(knowledge.list_articles)
        self.kb.load([(a.slug, a.body) for a in articles])
        self._signature = signature

    async def list(self) -> list[Article]:
        return await self.db.read(knowledge.list_articles)

    async def get(self, slug: str) -> Article:
        found = await self.db.read(lambda conn: knowledge.get_article(conn, slug))
        if found is None:
            raise NotFound("No such article.")
        return found

    async def put(
        self, admin: Agent, slug: str, body: str, version: int | None
    ) -> tuple[Article, bool]:
        """Create or replace; 409 when `version` is not the stored one (someone else saved
        meanwhile). Returns the article and whether it is new."""

        def work(conn: sqlite3.Connection) -> tuple[Article, bool]:
            current = knowledge.get_article(conn, slug)
            if version is not None and (current is None or current.version != version):
                raise Conflict(
                    "Someone else saved this article meanwhile. Reload it to see their changes."
                )
            saved = knowledge.put_article(conn, slug, article_title(slug, body), body, now_iso())
            record(conn, admin, "knowledge.put", f"{slug} (version {saved.version})")
            return saved, current is None

        saved = await self.db.write(work)
        await self.reload()
        return saved

    async def delete(self, admin: Agent, slug: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            if not knowledge.delete_article(conn, slug):
                raise NotFound("No such article.")
            record(conn, admin, "knowledge.delete", slug)

        await self.db.write(work)
        await self.reload()
