"""The admin page and who reaches it, the Admin link in the top bar, and setup links kept out
of the logs."""

from __future__ import annotations

from admin_client import cookie_login
from conftest import ADMIN, ALICE
from starlette.testclient import TestClient

from chat.redact import redact


def test_logged_out_visitors_are_sent_to_the_login_page(client: TestClient) -> None:
    answer = client.get("/admin", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


def test_an_agent_gets_the_403_page(client: TestClient) -> None:
    cookie_login(client, ALICE)
    answer = client.get("/admin")
    assert answer.status_code == 403
    assert "The admin area is for admins" in answer.text
    assert 'id="agents-body"' not in answer.text


def test_an_admin_gets_every_section(client: TestClient) -> None:
    cookie_login(client, ADMIN)
    answer = client.get("/admin")
    assert answer.status_code == 200
    for heading in ("Agents", "Widget", "AI", "Knowledge base", "Audit log"):
        assert f">{heading}</h" in answer.text
    assert "Alice Agent" in answer.text  # in the page's initial data
    assert "default-src 'self'" in answer.headers["content-security-policy"]


def test_only_admins_see_the_admin_link_in_the_top_bar(client: TestClient) -> None:
    cookie_login(client, ALICE)
    assert 'href="/admin"' not in client.get("/chat").text
    client.cookies.clear()
    cookie_login(client, ADMIN)
    assert 'href="/admin"' in client.get("/chat").text


def test_an_agent_name_is_text_on_the_admin_page(client: TestClient) -> None:
    csrf = cookie_login(client, ADMIN)
    body = {"name": "<script>alert(1)</script>", "email": "x@example.com"}
    headers = {"Origin": "http://testserver", "X-CSRF-Token": csrf}
    assert client.post("/api/v1/agents", json=body, headers=headers).status_code == 201
    page = client.get("/admin").text
    assert "<script>alert(1)</script>" not in page
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page


def test_setup_links_are_redacted_from_logs() -> None:
    line = '127.0.0.1 - "GET /setup/abcDEF123_-xyz HTTP/1.1" 200'
    assert redact(line) == '127.0.0.1 - "GET /setup/[redacted] HTTP/1.1" 200'
