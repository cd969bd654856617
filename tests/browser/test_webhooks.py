"""Webhooks in the admin page: an endpoint on a receiver on 127.0.0.1, its secret copied from
the page, a test event sent with a click and seen delivered in the endpoint's list."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect
from standardwebhooks import Webhook as Verifier

from tests.browser.conftest import Person
from tests.browser.test_admin import open_admin
from tests.browser.test_agent_page import log_in
from tests.conftest import ADMIN, LiveServer, serving


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["content-length"]))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook_server(tmp_path: Path, database: Path | str) -> Iterator[LiveServer]:
    with serving(tmp_path, "hooks", database, SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE="1") as server:
        yield server


def test_an_admin_adds_a_webhook_and_sees_its_test_event_delivered(
    hook_server: LiveServer, receiver: ThreadingHTTPServer, person: Callable[..., Person]
) -> None:
    boss = person()
    page = log_in(boss, hook_server, ADMIN)
    open_admin(page)
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    form = page.get_by_role("form", name="Add a webhook")
    form.get_by_label("Endpoint URL").fill(url)
    form.get_by_role("checkbox", name="chat.message.new").check()
    form.get_by_role("button", name="Add webhook").click()
    secret_box = page.get_by_role("textbox", name="Signing secret")
    expect(secret_box).to_have_value(re.compile(r"^whsec_[A-Za-z0-9+/]{32}$"))
    secret = secret_box.input_value()

    hooks = page.get_by_role("list", name="Webhooks")
    item = hooks.get_by_role("listitem").filter(has_text=url)
    expect(item).to_contain_text("chat.message.new")
    item.get_by_role("button", name="Send test event").click()
    deliveries = item.get_by_role("table", name=f"Deliveries to {url}")
    row = deliveries.get_by_role("row").filter(has_text="webhook.test")
    expect(row).to_contain_text("Delivered", timeout=15_000)
    expect(row).to_contain_text("204")
    expect(page.get_by_role("table", name="Audit log")).to_contain_text("webhook.test")
    page.screenshot(path="/tmp/admin-webhooks.png", full_page=True)

    [(headers, body)] = Receiver.received
    event = Verifier(secret).verify(body, headers)
    assert event["type"] == "webhook.test" and json.loads(body)["data"]["webhook_id"] > 0
    assert boss.errors == []
