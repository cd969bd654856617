"""The browser side of logging in: the form, its cookie, CSRF, and the limits on abuse."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import pytest
from argon2 import PasswordHasher, extract_parameters
from conftest import ALICE, PASSWORD, assert_error, start
from starlette.testclient import TestClient

from chat.application import create_app
from chat.config import Settings
from tests.database_sql import run_sql

ME = "/api/v1/auth/me"


class Form(HTMLParser):
    """The inputs and button labels of a page's forms."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.buttons: list[str] = []
        self._in_button = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        if tag == "input" and fields.get("name"):
            self.inputs[str(fields["name"])] = fields
        self._in_button = tag == "button"

    def handle_data(self, data: str) -> None:
        if self._in_button and data.strip():
            self.buttons.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        self._in_button = False


def csrf_of(html: str) -> str:
    token = Form(html).inputs["csrf_token"]["value"]
    assert token
    return token


def log_in(client: TestClient, email: str = ALICE, password: str = PASSWORD, **headers: str):
    token = csrf_of(client.get("/login").text)
    form = {"csrf_token": token, "email": email, "password": password}
    return client.post("/login", data=form, headers=headers, follow_redirects=False)


def sql(settings: Settings, statement: str, *args: object) -> list[tuple]:
    """Run one statement on the app's database, as an operator with sqlite3 or psql would."""
    return run_sql(settings, statement, *args)


def stored_hash(settings: Settings, email: str = ALICE) -> str:
    return sql(settings, "SELECT password_hash FROM agents WHERE email = ?", email)[0][0]


def test_home_sends_a_stranger_to_the_login_form(client: TestClient) -> None:
    home = client.get("/", follow_redirects=False)
    assert home.status_code in (302, 303) and home.headers["location"] == "/login"
    page = client.get("/login")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    form = Form(page.text)
    assert form.inputs["email"]["type"] == "email"
    assert form.inputs["password"]["type"] == "password"
    assert "Log in" in form.buttons
    assert client.get("/chat", follow_redirects=False).headers["location"] == "/login"


def test_logging_in_with_the_form(client: TestClient) -> None:
    answer = log_in(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/chat"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("sb_session=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert client.get("/", follow_redirects=False).headers["location"] == "/chat"
    assert client.get("/login", follow_redirects=False).headers["location"] == "/chat"
    chat = client.get("/chat")
    assert chat.status_code == 200 and "Alice Agent" in chat.text
    # The same cookie authenticates the API.
    assert client.get(ME).json()["agent"]["email"] == ALICE


def test_behind_https_the_cookie_is_secure(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver") as client:
        answer = log_in(client)
        assert answer.status_code == 303
        assert "secure" in answer.headers["set-cookie"].lower()


def test_a_wrong_password_shows_the_form_again(client: TestClient) -> None:
    answer = log_in(client, password="not-the-password")
    assert answer.status_code == 401 and "Invalid email or password" in answer.text
    assert Form(answer.text).inputs["email"]["value"] == ALICE
    assert "sb_session" not in client.cookies
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


@pytest.mark.parametrize("token", [None, "", "x" * 43])
def test_a_form_without_the_right_csrf_token_is_refused(client: TestClient, token) -> None:
    client.get("/login")  # the visitor has a CSRF cookie, but the form does not match it
    form = {"email": ALICE, "password": PASSWORD}
    if token is not None:
        form["csrf_token"] = token
    answer = client.post("/login", data=form, follow_redirects=False)
    assert answer.status_code == 403 and answer.headers["content-type"].startswith("text/html")
    assert "sb_session" not in client.cookies


def test_a_form_posted_from_another_site_is_refused(client: TestClient) -> None:
    answer = log_in(client, origin="https://evil.example")
    assert answer.status_code == 403
    assert "sb_session" not in client.cookies
    assert log_in(client, origin="http://testserver").status_code == 303


def test_a_logged_in_cookie_is_not_usable_from_another_site(client: TestClient) -> None:
    log_in(client)
    session_id = start(client)["session"]["id"]
    url = f"/api/v1/chat/sessions/{session_id}/assign"
    answer = client.post(url, headers={"origin": "https://evil.example"})
    assert_error(answer, 403, "forbidden")
    assert client.post(url, headers={"origin": "http://testserver"}).status_code == 200


def test_logging_out_revokes_the_cookie(client: TestClient) -> None:
    log_in(client)
    old = client.cookies["sb_session"]
    token = csrf_of(client.get("/chat").text)
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    client.cookies.clear()
    assert_error(client.get(ME, headers={"cookie": f"sb_session={old}"}), 401, "unauthorized")


def test_logging_out_needs_the_csrf_token(client: TestClient) -> None:
    log_in(client)
    answer = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert answer.status_code == 403
    assert client.get(ME).status_code == 200


def test_a_tampered_cookie_is_refused(client: TestClient) -> None:
    log_in(client)
    value = client.cookies["sb_session"]
    client.cookies.clear()
    forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    assert_error(client.get(ME, headers={"cookie": f"sb_session={forged}"}), 401, "unauthorized")


def test_repeated_failed_logins_are_slowed_down(make_client, settings: Settings) -> None:
    client = make_client(limits=replace(settings.limits, failed_logins=3))
    wrong = {"email": ALICE, "password": "guess-guess"}
    for _ in range(3):
        assert_error(client.post("/api/v1/auth/login", json=wrong), 401, "unauthorized")
    right = {"email": ALICE, "password": PASSWORD}
    locked = client.post("/api/v1/auth/login", json=right)
    assert_error(locked, 429, "rate_limited")
    assert int(locked.headers["retry-after"]) >= 1
    page = log_in(client)
    assert page.status_code == 429 and int(page.headers["retry-after"]) >= 1
    assert "sb_session" not in client.cookies


def test_passwords_are_stored_with_strong_argon2id(client: TestClient, settings: Settings) -> None:
    stored = stored_hash(settings)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    params = extract_parameters(stored)
    assert params.memory_cost >= 19456 and params.time_cost >= 2


def test_a_weak_hash_is_replaced_at_login(client: TestClient, settings: Settings) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    sql(settings, "UPDATE agents SET password_hash = ? WHERE email = ?", weak, ALICE)
    assert client.post("/api/v1/auth/login", json={"email": ALICE, "password": PASSWORD}).is_success
    stored = stored_hash(settings)
    assert stored != weak
    params = extract_parameters(stored)
    assert params.memory_cost >= 19456 and params.time_cost >= 2
    assert log_in(client).status_code == 303  # and the new hash still takes the password


def test_unknown_paths(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    assert_error(client.get("/api/v1/no/such/thing"), 404, "not_found")


def test_health(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/login", "/no/such/page"])
def test_pages_forbid_inline_scripts(client: TestClient, path: str) -> None:
    policy = client.get(path).headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy


def test_new_conversations_per_address_are_limited(make_client, settings: Settings) -> None:
    client = make_client(limits=replace(settings.limits, starts_per_minute=2))
    start(client)
    start(client)
    answer = client.post("/api/v1/chat/public/start", json={})
    assert_error(answer, 429, "rate_limited")
    assert 1 <= int(answer.headers["retry-after"]) <= 60


def test_messages_per_conversation_are_limited(make_client, settings: Settings) -> None:
    client = make_client(limits=replace(settings.limits, messages_per_minute=2), ai_enabled=False)
    busy, calm = start(client)["session_key"], start(client)["session_key"]
    url = "/api/v1/chat/public/message"
    for n in range(2):
        assert client.post(url, json={"session_key": busy, "content": f"{n}"}).status_code == 201
    answer = client.post(url, json={"session_key": busy, "content": "one too many"})
    assert_error(answer, 429, "rate_limited")
    assert int(answer.headers["retry-after"]) >= 1
    assert client.post(url, json={"session_key": calm, "content": "hi"}).status_code == 201
    history = client.get(f"/api/v1/chat/public/session/{busy}").json()["messages"]
    assert [m["content"] for m in history] == ["0", "1"]


def test_a_retry_of_a_stored_message_is_answered_even_at_the_limit(
    make_client, settings: Settings
) -> None:
    client = make_client(limits=replace(settings.limits, messages_per_minute=2), ai_enabled=False)
    key = start(client)["session_key"]
    url = "/api/v1/chat/public/message"
    for n in range(2):
        body = {"session_key": key, "content": f"{n}", "client_id": f"c-{n}"}
        assert client.post(url, json=body).status_code == 201
    again = client.post(url, json={"session_key": key, "content": "1", "client_id": "c-1"})
    assert again.status_code == 200 and again.json()["message"]["seq"] == 2
