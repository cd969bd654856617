"""API keys in the browser: an admin makes a key in /admin and sees its token once, a script
uses it, the admin revokes it on the page (after a confirmation), and the script is refused."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Person
from tests.browser.test_admin import open_admin
from tests.browser.test_agent_page import log_in
from tests.conftest import ADMIN, LiveServer


def test_an_admin_makes_a_key_a_script_uses_it_and_the_admin_revokes_it(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = quiet_server
    boss = person()
    page = log_in(boss, server, ADMIN)
    open_admin(page)

    form = page.get_by_role("form", name="Make an API key")
    form.get_by_label("Name").fill("Nightly <b>export</b>")
    form.get_by_label("Scope").select_option("write")
    form.get_by_role("button", name="Make key").click()
    shown = page.get_by_role("textbox", name="The new API key")
    expect(shown).to_have_value(re.compile(r"^sbk_[A-Za-z0-9_-]{43}$"))
    expect(shown).to_be_focused()
    expect(page.get_by_text("it will not be shown again")).to_be_visible()
    token = shown.input_value()
    keys = page.get_by_role("table", name="API keys")
    row = keys.get_by_role("row").filter(has_text="Nightly <b>export</b>")  # text, not markup
    expect(row).to_contain_text("Write")
    expect(row).to_contain_text(token[:12])
    expect(row).to_contain_text("Never")
    expect(page.get_by_role("table", name="Audit log")).to_contain_text("api_key.create")
    page.locator("#api-keys").screenshot(path="/tmp/admin-api-keys.png")
    # Done: the token leaves the page, and the list never had it.
    page.get_by_role("button", name="Done").click()
    expect(shown).to_be_hidden()
    assert token not in page.content()

    headers = {"Authorization": f"Bearer {token}"}
    used = httpx.get(f"{server.url}/api/v1/chat/sessions", headers=headers)
    assert used.status_code == 200, used.text
    page.reload()
    expect(row).not_to_contain_text("Never")  # its last use shows

    row.get_by_role("button", name="Revoke Nightly <b>export</b>").click()
    confirm = page.get_by_role("dialog")
    expect(confirm).to_contain_text("Revoke the key Nightly <b>export</b>?")
    confirm.get_by_role("button", name="Revoke").click()
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button", name=re.compile("Revoke"))).to_have_count(0)
    refused = httpx.get(f"{server.url}/api/v1/chat/sessions", headers=headers)
    assert refused.status_code == 401
    assert boss.errors == []
