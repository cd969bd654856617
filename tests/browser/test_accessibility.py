"""WCAG 2.1 AA (issue #23): axe-core (pinned in tests/a11y/package-lock.json) audits every page
of ours in the state a person sees it, and fails on any violation; the agent page works by
keyboard alone with a visible focus; the live regions announce a new message once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from chat.service.satisfaction import RatingLinks
from tests.browser.conftest import Person
from tests.browser.test_agent_page import (
    conversation,
    log_in,
    messages,
    say,
    thread,
    widget_send,
)
from tests.conftest import ADMIN, ALICE, LiveServer, login, serving, start

AXE = Path(__file__).parents[1] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The secret `serving` gives every live server: it signs the /rate links.
SECRET = "live-test-secret"

# Every rule tagged WCAG 2.0/2.1 A or AA, the ones axe still calls experimental included (run by
# name, as axe runs no experimental rule by tag): label-content-name-mismatch is one of them.
RUN_AXE = """tags => axe.run(document, {
    runOnly: {type: "rule", values: axe.getRules(tags).map(rule => rule.ruleId)},
    resultTypes: ["violations"],
  }).then(result => result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
  })))"""


def audit(page: Page, where: str) -> list[str]:
    """Every WCAG 2.1 A/AA violation axe-core finds on the page as it is now (open shadow roots,
    the widget's, included), one line per element."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` in tests/a11y (scripts/test-services runs it)")
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated over the DevTools protocol, not added as a <script>: our pages' CSP
        # (script-src 'self') rightly refuses inline scripts, and stays on for the audit.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(RUN_AXE, WCAG_21_AA)
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} at {node['target']}: "
        + " ".join(node["summary"].split())
        for v in found
        for node in v["nodes"]
    ]


def assert_none(violations: list[str]) -> None:
    assert not violations, f"{len(violations)} accessibility violations:\n" + "\n".join(violations)


def api(server: LiveServer, email: str, method: str, path: str, body: dict | None = None) -> dict:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        answer = client.request(method, path, json=body, headers=login(client, email))
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def closed_conversation(server: LiveServer, name: str) -> tuple[str, int]:
    """A conversation an agent answered and closed (asking for a rating): its key and id."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        started = start(client, name=name)
    say(server, started["session_key"], "Is the order on its way?")
    sid = started["session"]["id"]
    api(server, ALICE, "POST", f"/api/v1/chat/sessions/{sid}/assign")
    api(server, ALICE, "POST", "/api/v1/chat/messages", {"session_id": sid, "content": "Yes."})
    api(server, ALICE, "POST", f"/api/v1/chat/sessions/{sid}/close")
    return started["session_key"], sid


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module, holding what each page shows: an open conversation with both
    sides, a note and a label; a rated one (for the reports); a closed one awaiting its rating."""
    with serving(tmp_path_factory.mktemp("a11y"), "a11y") as live:
        with httpx.Client(base_url=live.url, timeout=10) as client:
            pat = start(client, name="Pat Customer")
        say(live, pat["session_key"], "Where is my order?")
        sid = pat["session"]["id"]
        api(live, ALICE, "POST", f"/api/v1/chat/sessions/{sid}/assign")
        reply = {"session_id": sid, "content": "Let me check that for you."}
        api(live, ALICE, "POST", "/api/v1/chat/messages", reply)
        api(live, ALICE, "POST", f"/api/v1/chat/sessions/{sid}/notes", {"content": "VIP buyer"})
        label = api(live, ADMIN, "POST", "/api/v1/labels", {"name": "Billing", "color": "#d92d20"})
        label_ids = {"label_ids": [label["label"]["id"]]}
        api(live, ALICE, "PUT", f"/api/v1/chat/sessions/{sid}/labels", label_ids)
        rated_key, _ = closed_conversation(live, "Sam Shopper")
        rating = {"session_key": rated_key, "rating": 4, "comment": "Quick"}
        with httpx.Client(base_url=live.url, timeout=10) as client:
            answer = client.post("/api/v1/chat/public/csat", json=rating)
        assert answer.status_code == 201, answer.text
        yield live


def test_every_page_an_agent_or_admin_sees_passes_axe(
    server: LiveServer, person: Callable[..., Person]
) -> None:
    violations: list[str] = []
    admin = person()
    page = admin.page
    page.goto(server.url + "/login")
    violations += audit(page, "/login")
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    violations += audit(page, "/login (refused)")

    page = log_in(admin, server, ADMIN)
    conversation(page, "Pat Customer").click()
    expect(messages(page).get_by_text("Let me check that for you.")).to_be_visible()
    expect(thread(page).get_by_text("VIP buyer")).to_be_visible()
    expect(page.get_by_role("complementary", name="Customer details")).to_be_visible()
    violations += audit(page, "/chat with a conversation open")
    page.get_by_role("button", name="Team").click()
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    violations += audit(page, "/chat, team panel and shortcuts open")
    page.keyboard.press("Escape")

    page.goto(server.url + "/canned")
    expect(page.get_by_role("heading", name="Canned responses")).to_be_visible()
    violations += audit(page, "/canned")

    page.goto(server.url + "/reports")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    violations += audit(page, "/reports")

    page.goto(server.url + "/admin")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    form = page.get_by_role("form", name="Add an agent")
    form.get_by_label("Name").fill("Carol Agent")
    form.get_by_label("Email").fill("carol@example.com")
    form.get_by_role("button", name="Add agent").click()
    link = page.get_by_role("textbox", name="Setup link")
    expect(link).to_have_value(re.compile(r"/setup/"))
    setup_url = link.input_value()
    violations += audit(page, "/admin with a setup link")
    page.get_by_role("button", name="Edit Alice Agent").click()
    expect(page.get_by_role("dialog", name="Edit agent")).to_be_visible()
    violations += audit(page, "/admin editing an agent")
    page.keyboard.press("Escape")
    knowledge = page.get_by_role("region", name="Knowledge base")
    knowledge.get_by_role("button", name=re.compile("^Edit ")).first.click()
    expect(page.get_by_role("form", name="Edit article")).to_be_visible()
    violations += audit(page, "/admin editing an article")

    carol = person().page
    carol.goto(setup_url)
    expect(carol.get_by_role("heading", name="Welcome, Carol Agent")).to_be_visible()
    violations += audit(carol, "/setup/{token}")
    carol.goto(server.url + "/no-such-page")
    violations += audit(carol, "the 404 page")
    assert_none(violations)
    # The refused login's 401 is the one error the browser logs, and it was meant.
    assert [e for e in admin.errors if "status of 401" not in e] == []


def test_the_widget_demo_the_socket_test_and_the_rating_page_pass_axe(
    server: LiveServer, person: Callable[..., Person]
) -> None:
    violations: list[str] = []
    visitor = person()
    page = visitor.page
    page.goto(server.url + "/widget-demo.html")
    violations += audit(page, "/widget-demo.html")
    page.get_by_role("button", name="Open chat").click()
    widget_send(page, "Hello, anyone there?")
    expect(page.locator(".row", has=page.get_by_text("Hello, anyone there?"))).to_be_visible()
    violations += audit(page, "/widget-demo.html with the widget open")

    page.goto(server.url + "/websocket-test.html")
    violations += audit(page, "/websocket-test.html")

    _, sid = closed_conversation(server, "Robin Rater")
    page.goto(f"{server.url}/rate/{RatingLinks(SECRET).token(sid)}")
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    violations += audit(page, "/rate/{token}")
    assert_none(violations)
    assert visitor.errors == []
