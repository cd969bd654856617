"""The knowledge base over the API: seeded from the shipped folder, edited with versions (409
when someone else saved meanwhile), and the AI answering from the new text within 2 seconds."""

from __future__ import annotations

import time

import pytest
from admin_client import API, admin
from conftest import ALICE, assert_error, login, start
from starlette.testclient import TestClient

from chat.config import Settings
from tests.database_sql import run_sql

ARTICLE = "# Loyalty stamps\n\n## How do loyalty stamps work?\n\nEvery tenth zebracake is free.\n"


def ai_answer(client: TestClient, question: str, within: float = 2.0) -> str:
    """Ask in a new conversation; the AI's first answer, waited for at most `within` s."""
    key = start(client)["session_key"]
    sent = client.post(f"{API}/chat/public/message", json={"session_key": key, "content": question})
    assert sent.status_code == 201, sent.text
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        messages = client.get(f"{API}/chat/public/session/{key}").json()["messages"]
        answers = [m["content"] for m in messages if m["sender_type"] == "ai"]
        if answers:
            return answers[0]
        time.sleep(0.05)
    raise AssertionError(f"no AI answer within {within} s")


def test_the_shipped_articles_are_listed_with_versions(client: TestClient) -> None:
    articles = client.get(f"{API}/knowledge", headers=login(client, ALICE)).json()["articles"]
    slugs = [a["slug"] for a in articles]
    assert "shipping" in slugs and "pricing" in slugs and slugs == sorted(slugs)
    shipping = next(a for a in articles if a["slug"] == "shipping")
    assert set(shipping) == {"slug", "title", "version", "updated_at"}
    assert shipping["version"] == 1 and shipping["title"]
    one = client.get(f"{API}/knowledge/shipping", headers=login(client, ALICE)).json()["article"]
    assert one["body"].startswith("# ") and one["version"] == 1


def test_create_edit_and_delete_an_article(client: TestClient) -> None:
    headers = admin(client)
    url = f"{API}/knowledge/loyalty"
    created = client.put(url, json={"body": ARTICLE}, headers=headers)
    assert created.status_code == 201, created.text
    article = created.json()["article"]
    assert (article["title"], article["version"], article["body"]) == (
        "Loyalty stamps",
        1,
        ARTICLE.strip(),
    )
    edited = client.put(url, json={"body": ARTICLE + "\nMore.", "version": 1}, headers=headers)
    assert edited.status_code == 200 and edited.json()["article"]["version"] == 2
    assert client.delete(url, headers=headers).status_code == 204
    assert_error(client.get(url, headers=headers), 404, "not_found")
    assert_error(client.delete(url, headers=headers), 404, "not_found")
    actions = [e["action"] for e in client.get(f"{API}/audit", headers=headers).json()["entries"]]
    assert actions == ["knowledge.delete", "knowledge.put", "knowledge.put"]


def test_saving_over_someone_elses_edit_is_409_and_keeps_their_text(client: TestClient) -> None:
    headers = admin(client)
    url = f"{API}/knowledge/shipping"
    mine = client.put(
        url, json={"body": "# Shipping\n\nFirst edit.", "version": 1}, headers=headers
    )
    assert mine.status_code == 200
    stale = client.put(url, json={"body": "# Shipping\n\nStale.", "version": 1}, headers=headers)
    assert_error(stale, 409, "conflict")
    body = client.get(url, headers=headers).json()["article"]["body"]
    assert body == "# Shipping\n\nFirst edit."
    new_with_version = client.put(
        f"{API}/knowledge/brand-new", json={"body": "# New", "version": 3}, headers=headers
    )
    assert_error(new_with_version, 409, "conflict")


@pytest.mark.parametrize("slug", ["Capitals", "under_score", "x" * 65, "dots.md", "sp%20ace"])
def test_a_slug_outside_the_pattern_is_422(client: TestClient, slug: str) -> None:
    answer = client.put(f"{API}/knowledge/{slug}", json={"body": "# x"}, headers=admin(client))
    assert_error(answer, 422, "invalid_request")


@pytest.mark.parametrize(
    "body", [{"body": ""}, {"body": 3}, {}, {"body": "# x", "version": 0}, {"body": "x" * 50_001}]
)
def test_a_bad_article_body_is_422(client: TestClient, body: dict) -> None:
    answer = client.put(f"{API}/knowledge/ok-slug", json=body, headers=admin(client))
    assert_error(answer, 422, "invalid_request")


def test_the_ai_answers_from_a_new_article_within_two_seconds(
    make_client,  # type: ignore[no-untyped-def]
) -> None:
    client = make_client(ai_enabled=True, ai_reply_delay=0)
    question = "How do loyalty stamps and zebracakes work?"
    assert "zebracake" not in ai_answer(client, question)
    headers = admin(client)
    assert client.put(
        f"{API}/knowledge/loyalty", json={"body": ARTICLE}, headers=headers
    ).is_success
    assert "Every tenth zebracake is free." in ai_answer(client, question)
    client.delete(f"{API}/knowledge/loyalty", headers=headers)
    assert "zebracake" not in ai_answer(client, question)


def test_an_article_another_node_wrote_is_answered_from_within_two_seconds(
    settings: Settings,
    make_client,  # type: ignore[no-untyped-def]
) -> None:
    client = make_client(ai_enabled=True, ai_reply_delay=0)
    # Another node shares the database: its write reaches this node without any call here.
    run_sql(
        settings,
        "INSERT INTO knowledge_articles (slug, title, body, version, updated_at)"
        " VALUES ('loyalty', 'Loyalty stamps', ?, 1, '2099-01-01T00:00:00.000Z')",
        ARTICLE,
    )
    time.sleep(1.2)  # this node looks at the database once a second
    answer = ai_answer(client, "How do loyalty stamps and zebracakes work?", within=0.8)
    assert "Every tenth zebracake is free." in answer


def test_a_deleted_shipped_article_stays_deleted_after_a_restart(
    make_client,  # type: ignore[no-untyped-def]
) -> None:
    first = make_client()
    assert first.delete(f"{API}/knowledge/shipping", headers=admin(first)).status_code == 204
    second = make_client()  # the same database: the shipped folder is not read again
    listed = second.get(f"{API}/knowledge", headers=admin(second)).json()["articles"]
    slugs = [a["slug"] for a in listed]
    assert "shipping" not in slugs and "pricing" in slugs
