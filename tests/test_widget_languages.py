"""The widget's languages on the server (issue #23), on both backends: the greeting and the away
message by language, checked as the default texts are (known languages, the length limit, no
control characters; 422 in the contract's shape), for admins only; the public config carries
the greetings, and a handoff's note comes in the language the widget sends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from starlette.testclient import TestClient

from chat.hours import DAYS
from tests.conftest import ADMIN, ALICE, assert_error, login, start

API = "/api/v1"
WIDGET = {
    "title": "Northwind",
    "greeting": "Hello! Ask us anything.",
    "accent": "#2563eb",
    "position": "right",
    "ask_details": "never",
    "locale": "auto",
}
MONDAY_EVENING = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 21:00 in Berlin
BAD_PATHS = ("widget", "hours")
HOURS = {
    "timezone": "Europe/Berlin",
    "weekly": {day: [["09:00", "17:00"]] if day in DAYS[:5] else [] for day in DAYS},
    "closed_dates": [],
    "away_message": "We're out of the office.",
}


def test_greetings_by_language_are_stored_trimmed_and_reach_the_public_config(
    client: TestClient,
) -> None:
    admin = login(client, ADMIN)
    greetings = {"de": "  Hallo! Wie können wir helfen?  ", "ar": "مرحبًا! كيف نساعدك؟", "fr": " "}
    answer = client.put(
        f"{API}/settings/widget", json={**WIDGET, "greetings": greetings}, headers=admin
    )
    assert answer.status_code == 200, answer.text
    stored = {"de": "Hallo! Wie können wir helfen?", "ar": "مرحبًا! كيف نساعدك؟"}
    assert answer.json()["greetings"] == stored  # a blank one is left out: the default applies
    assert client.get(f"{API}/settings/widget", headers=admin).json()["greetings"] == stored
    public = client.get(f"{API}/chat/public/config").json()
    assert public["greetings"] == stored and public["greeting"] == WIDGET["greeting"]
    # A whole object without the map (an older admin page) keeps the default text alone.
    client.put(f"{API}/settings/widget", json=WIDGET, headers=admin)
    assert client.get(f"{API}/chat/public/config").json()["greetings"] == {}


BAD = [
    ("widget", {**WIDGET, "greetings": {"it": "Ciao!"}}, "Invalid enum value 'it'"),
    ("widget", {**WIDGET, "greetings": {"de": "x" * 201}}, "`greetings.de` is longer"),
    ("widget", {**WIDGET, "greetings": {"de": "Hallo\u0007"}}, "control character (U+0007)"),
    ("widget", {**WIDGET, "greetings": {"de": "eins\nzwei"}}, "must be on one line"),
    ("widget", {**WIDGET, "greetings": ["Hallo"]}, "`greetings`: expected `object`"),
    ("widget", {**WIDGET, "locale": "it"}, "`locale`: invalid enum value 'it'"),
    ("hours", {**HOURS, "away_messages": {"xx": "?"}}, "`$.away_messages`"),
    ("hours", {**HOURS, "away_messages": {"es": "\u009b"}}, "control character (U+009B)"),
]


def test_bad_texts_by_language_are_422_for_admins_and_refused_to_anyone_else(
    client: TestClient,
) -> None:
    admin, alice = login(client, ADMIN), login(client, ALICE)
    before = {
        path: client.get(f"{API}/settings/{path}", headers=admin).json() for path in BAD_PATHS
    }
    for path, body, says in BAD:
        answer = client.put(f"{API}/settings/{path}", json=body, headers=admin)
        assert says in assert_error(answer, 422, "invalid_request")["message"], body
    good = {"widget": {**WIDGET, "greetings": {"de": "Hallo!"}}, "hours": HOURS}
    for path, body in good.items():
        assert_error(client.put(f"{API}/settings/{path}", json=body), 401, "unauthorized")
        refused = client.put(f"{API}/settings/{path}", json=body, headers=alice)
        assert_error(refused, 403, "forbidden")
    for path in BAD_PATHS:  # nothing above changed anything
        assert client.get(f"{API}/settings/{path}", headers=admin).json() == before[path]
    assert client.get(f"{API}/chat/public/config").json()["greetings"] == {}


def test_a_handoff_outside_hours_says_the_away_message_in_the_widgets_language(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(clock=lambda: MONDAY_EVENING, ai_enabled=True)
    admin = login(client, ADMIN)
    away = {"de": "Wir sind gerade nicht im Büro.", "ar": "نحن خارج المكتب الآن."}
    saved = client.put(
        f"{API}/settings/hours", json={**HOURS, "away_messages": away}, headers=admin
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["away_messages"] == away

    def note(locale: str | None) -> str:
        key = start(client, name="Pat")["session_key"]
        body = {"session_key": key} | ({"locale": locale} if locale else {})
        assert client.post(f"{API}/chat/public/handoff", json=body).status_code == 200
        history = client.get(f"{API}/chat/public/session/{key}").json()["messages"]
        return next(m["content"] for m in history if m["sender_type"] == "system")

    assert note("de") == "Wir sind gerade nicht im Büro. Wir sind morgen um 9:00 CET wieder da."
    assert note("ar") == "نحن خارج المكتب الآن. نعود غدًا الساعة 9:00 CET."
    # No away message in French: the default one, and when the team is back, in its words.
    assert note("fr") == "We're out of the office. Back tomorrow at 9:00 CET."
    assert note(None) == "We're out of the office. Back tomorrow at 9:00 CET."
    key = start(client, name="Pat")["session_key"]
    refused = client.post(f"{API}/chat/public/handoff", json={"session_key": key, "locale": "it"})
    assert "`locale`" in assert_error(refused, 422, "invalid_request")["message"]
