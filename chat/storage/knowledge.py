"""Queries on knowledge_articles: the AI's Markdown articles, each with a version."""

from __future__ import annotations

import sqlite3

from chat.models import Article


def list_articles(db: sqlite3.Connection) -> list[Article]:
    rows = db.execute("SELECT * FROM knowledge_articles ORDER BY slug").fetchall()
    return [Article.from_row(row) for row in rows]


def get_article(db: sqlite3.Connection, slug: str) -> Article | None:
    rows = db.execute("SELECT * FROM knowledge_articles WHERE slug = ?", (slug,)).fetchall()
    return Article.from_row(rows[0]) if rows else None


def seed_article(db: sqlite3.Connection, slug: str, title: str, body: str, now: str) -> None:
    db.execute(
        "INSERT INTO knowledge_articles (slug, title, body, version, updated_at)"
        " VALUES (?, ?, ?, 1, ?) ON CONFLICT (slug) DO NOTHING",
        (slug, title, body, now),
    )


def put_article(db: sqlite3.Connection, slug: str, title: str, body: str, now: str) -> Article:
    """Create the article at version 1, or replace it with the next version."""
    rows = db.execute(
        "INSERT INTO knowledge_articles (slug, title, body, version, updated_at)"
        " VALUES (?, ?, ?, 1, ?) ON CONFLICT (slug) DO UPDATE SET title = excluded.title,"
        " body = excluded.body, version = knowledge_articles.version + 1,"
        " updated_at = excluded.updated_at RETURNING *",
        (slug, title, body, now),
    ).fetchall()
    return Article.from_row(rows[0])


def delete_article(db: sqlite3.Connection, slug: str) -> bool:
    rows = db.execute(
        "DELETE FROM knowledge_articles WHERE slug = ? RETURNING slug", (slug,)
    ).fetchall()
    return bool(rows)


def articles_signature(db: sqlite3.Connection) -> tuple[int, str]:
    """Changes whenever an article is written or deleted: how many, and the latest write."""
    rows = db.execute(
        "SELECT count(*), COALESCE(max(updated_at), '') FROM knowledge_articles"
    ).fetchall()
    return int(rows[0][0]), str(rows[0][1])
