"""Helpers for the admin tests: an admin's bearer header, a logged-in browser's cookie and CSRF
token, and reading a setup page."""

from __future__ import annotations

import re

from conftest import ADMIN, PASSWORD, login
from starlette.testclient import TestClient

API = "/api/v1"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def admin(client: TestClient) -> dict[str, str]:
    return login(client, ADMIN)


def cookie_login(client: TestClient, email: str = ADMIN, password: str = PASSWORD) -> str:
    """Log in with the form as a browser does; the CSRF token its pages carry."""
    token = CSRF_INPUT.search(client.get("/login").text)
    assert token is not None
    form = {"csrf_token": token[1], "email": email, "password": password}
    answer = client.post("/login", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return token[1]


def page_csrf(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found is not None, html[:500]
    return found[1]


def add_agent(client: TestClient, headers: dict[str, str], name: str, email: str, **more) -> dict:
    body = {"name": name, "email": email, **more}
    answer = client.post(f"{API}/agents", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def setup_path(setup_url: str) -> str:
    path = "/setup/" + setup_url.rsplit("/setup/", 1)[1]
    return path


def choose_password(client: TestClient, setup_url: str, password: str, again: str | None = None):
    """Open the setup link and send the form, as the new agent's browser does."""
    path = setup_path(setup_url)
    page = client.get(path)
    assert page.status_code == 200, page.text
    form = {"csrf_token": page_csrf(page.text), "password": password}
    form["password_again"] = password if again is None else again
    return client.post(path, data=form, follow_redirects=False)
