"""The widget and AI settings: whole objects, 422 for any bad field, effective without a
restart; the public config carries the widget's; the Gemini key is write-only and never
logged; the Test button asks Gemini (a stand-in speaking its REST API) one question."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from admin_client import API, admin
from conftest import ALICE, assert_error, login, start
from starlette.testclient import TestClient

from tests.gemini_stub import gemini_stub
from tests.test_ai_gemini import FakeGemini

KEY = "AIza-admin-test-key-never-log-me-123"
WIDGET = {
    "title": "Northwind <b>help</b>",
    "greeting": "Hello! Ask us anything.",
    "accent": "#CC3300",
    "position": "left",
    "ask_details": "optional",
    "locale": "de",
    "greetings": {"de": "Hallo! Fragen Sie uns alles."},
}
AI = {"enabled": True, "reply_delay": 0.5, "gemini_model": "gemini-2.5-flash"}


@pytest.fixture
def fake_gemini() -> Iterator[FakeGemini]:
    with gemini_stub() as fake:
        yield fake


def test_the_widget_settings_start_as_the_widgets_defaults(client: TestClient) -> None:
    answer = client.get(f"{API}/settings/widget", headers=admin(client))
    assert answer.json() == {
        "title": "Chat with us",
        "greeting": "Hi there! How can we help you today?",
        "accent": "#2563eb",
        "position": "right",
        "ask_details": "never",
        "locale": "auto",
        "greetings": {},
    }


def test_stored_widget_settings_reach_the_public_config_without_a_restart(
    client: TestClient,
) -> None:
    headers = admin(client)
    answer = client.put(f"{API}/settings/widget", json=WIDGET, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == WIDGET
    assert client.get(f"{API}/settings/widget", headers=headers).json() == WIDGET
    public = client.get(f"{API}/chat/public/config").json()
    assert {name: public[name] for name in WIDGET} == WIDGET  # the title as it was typed
    assert public["open_now"] is True and public["next_open"] is None


def test_the_widget_settings_survive_a_restart(make_client) -> None:  # type: ignore[no-untyped-def]
    first = make_client()
    first.put(f"{API}/settings/widget", json=WIDGET, headers=admin(first))
    second = make_client()
    assert second.get(f"{API}/chat/public/config").json()["accent"] == "#CC3300"


@pytest.mark.parametrize(
    "change",
    [
        {"accent": "red"},
        {"accent": "#12345"},
        {"accent": "#1234567"},
        {"accent": "#GGGGGG"},
        {"position": "top"},
        {"ask_details": "sometimes"},
        {"locale": "it"},
        {"title": ""},
        {"title": "x" * 201},
        {"greeting": "line one\nline two"},
        {"title": None},
    ],
)
def test_a_bad_widget_field_is_422_and_changes_nothing(client: TestClient, change: dict) -> None:
    headers = admin(client)
    answer = client.put(f"{API}/settings/widget", json=WIDGET | change, headers=headers)
    assert_error(answer, 422, "invalid_request")
    assert client.get(f"{API}/chat/public/config").json()["accent"] == "#2563eb"


def test_a_widget_object_with_a_field_missing_is_422(client: TestClient) -> None:
    partial = {k: v for k, v in WIDGET.items() if k != "locale"}
    answer = client.put(f"{API}/settings/widget", json=partial, headers=admin(client))
    assert_error(answer, 422, "invalid_request")


def test_the_gemini_key_is_write_only_and_never_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = admin(client)
    before = client.get(f"{API}/settings/ai", headers=headers).json()
    assert before == {
        "enabled": False,  # the test settings start with the AI off
        "reply_delay": 0.25,
        "gemini_model": "gemini-2.5-flash",
        "gemini_configured": False,
    }
    stored = client.put(f"{API}/settings/ai", json=AI | {"gemini_api_key": KEY}, headers=headers)
    assert stored.status_code == 200, stored.text
    assert stored.json() == AI | {"gemini_configured": True}
    assert KEY not in stored.text
    assert KEY not in client.get(f"{API}/settings/ai", headers=headers).text
    # null keeps the stored key; "" removes it.
    kept = client.put(f"{API}/settings/ai", json=AI | {"gemini_api_key": None}, headers=headers)
    assert kept.json()["gemini_configured"] is True
    removed = client.put(f"{API}/settings/ai", json=AI | {"gemini_api_key": ""}, headers=headers)
    assert removed.json()["gemini_configured"] is False
    audit = client.get(f"{API}/audit", headers=headers).text
    assert KEY not in audit and "key changed" in audit and "key removed" in audit
    assert KEY not in caplog.text


@pytest.mark.parametrize(
    "change",
    [
        {"reply_delay": -1},
        {"reply_delay": 31},
        {"reply_delay": "fast"},
        {"enabled": "yes"},
        {"gemini_model": "no spaces please"},
        {"gemini_model": ""},
    ],
)
def test_a_bad_ai_field_is_422(client: TestClient, change: dict) -> None:
    answer = client.put(f"{API}/settings/ai", json=AI | change, headers=admin(client))
    assert_error(answer, 422, "invalid_request")


def test_switching_the_ai_on_and_off_decides_how_new_conversations_start(
    client: TestClient,
) -> None:
    headers = admin(client)
    assert start(client)["session"]["status"] == "queued"  # off in the test settings
    client.put(f"{API}/settings/ai", json=AI | {"enabled": True}, headers=headers)
    assert start(client)["session"]["status"] == "bot"
    client.put(f"{API}/settings/ai", json=AI | {"enabled": False}, headers=headers)
    assert start(client)["session"]["status"] == "queued"


def test_the_test_button_shows_geminis_answer(
    make_client,  # type: ignore[no-untyped-def]
    fake_gemini: FakeGemini,
) -> None:
    client = make_client(gemini_base_url=fake_gemini.url)
    headers = admin(client)
    none = client.post(f"{API}/settings/ai/test", headers=headers).json()
    assert none == {"ok": False, "answer": None, "error": "No Gemini API key is configured."}
    client.put(f"{API}/settings/ai", json=AI | {"gemini_api_key": KEY}, headers=headers)
    fake_gemini.text = "Yes, I can hear you."
    answer = client.post(f"{API}/settings/ai/test", headers=headers)
    assert answer.json() == {"ok": True, "answer": "Yes, I can hear you.", "error": None}
    sent = fake_gemini.requests[-1]
    assert sent["headers"].get("x-goog-api-key") == KEY
    assert sent["path"].endswith("gemini-2.5-flash:generateContent")


def test_the_test_button_shows_geminis_error_without_the_key(
    make_client,  # type: ignore[no-untyped-def]
    fake_gemini: FakeGemini,
) -> None:
    client = make_client(gemini_base_url=fake_gemini.url)
    headers = admin(client)
    client.put(f"{API}/settings/ai", json=AI | {"gemini_api_key": KEY}, headers=headers)
    fake_gemini.status = 500
    answer = client.post(f"{API}/settings/ai/test", headers=headers).json()
    assert answer["ok"] is False and answer["answer"] is None
    assert "500" in answer["error"] and KEY not in answer["error"]


def test_the_ai_answers_with_gemini_once_an_admin_stores_a_key(
    make_client,  # type: ignore[no-untyped-def]
    fake_gemini: FakeGemini,
) -> None:
    client = make_client(gemini_base_url=fake_gemini.url, ai_reply_delay=0)
    headers = admin(client)
    body = AI | {"reply_delay": 0, "gemini_api_key": KEY}
    assert client.put(f"{API}/settings/ai", json=body, headers=headers).status_code == 200
    fake_gemini.text = "Gemini says: the Office plan is $99."
    started = start(client)
    key = started["session_key"]
    client.post(
        f"{API}/chat/public/message", json={"session_key": key, "content": "Office plan price?"}
    )
    for _ in range(100):
        history = client.get(f"{API}/chat/public/session/{key}").json()["messages"]
        if any(m["sender_type"] == "ai" for m in history):
            break
        time.sleep(0.05)
    ai = [m["content"] for m in history if m["sender_type"] == "ai"]
    assert ai == ["Gemini says: the Office plan is $99."]


def test_an_agent_cannot_read_or_write_settings(client: TestClient) -> None:
    alice = login(client, ALICE)
    for path in ("/settings/widget", "/settings/ai"):
        assert_error(client.get(API + path, headers=alice), 403, "forbidden")
    assert_error(client.put(f"{API}/settings/widget", json=WIDGET, headers=alice), 403, "forbidden")
    assert_error(client.put(f"{API}/settings/ai", json=AI, headers=alice), 403, "forbidden")
