"""The widget in the visitor's language (issue #23): German chosen by the tag's data-locale and
by the browser's language, with the admin's German greeting, German times, dates and plurals;
Arabic laid out right to left (the customer's bubbles and the launcher on the left), with its
own plural forms and digits. The host page's own direction does not matter."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Person
from tests.browser.test_admin import open_admin
from tests.browser.test_agent_page import log_in
from tests.browser.test_widget import agent_says, alice, history, session_key
from tests.conftest import ADMIN, LiveServer, free_port
from tests.test_widget_locales import CATEGORIES

HOST_PAGE = """<!doctype html>
<html lang="{page_lang}" dir="{page_dir}"><head><meta charset="utf-8"><title>Shop</title>
<link rel="icon" href="data:,"></head><body><h1>Shop</h1>
<script src="{server}/chat-widget.js" async {attributes}></script></body></html>"""
GERMAN_GREETING = "Guten Tag! Was dürfen wir für Sie tun?"
GERMAN_DATE = re.compile(
    r"^(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), \d{1,2}\. "
    r"(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)"
    r" \d{4} um \d{2}:\d{2}$"
)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """A shop's site on another port (another origin, as a customer's is): shop(name, server,
    attributes, lang, dir) writes a page embedding the widget with these attributes, in the
    page's own language and direction, and gives its address."""
    (tmp_path / "site").mkdir()
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "site")
    )
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    site = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()

    def page(name: str, server: str, attributes: str, lang: str, direction: str) -> str:
        html = HOST_PAGE.format(
            server=server, page_lang=lang, page_dir=direction, attributes=attributes
        )
        (tmp_path / "site" / name).write_text(html, encoding="utf-8")
        return f"http://127.0.0.1:{site.server_address[1]}/{name}"

    yield page
    site.shutdown()
    site.server_close()


def send(page: Page, box_name: str, text: str) -> Locator:
    """Type and send a message; its row once the server has it (it says it was sent)."""
    box = page.get_by_role("textbox", name=box_name)
    box.fill(text)
    box.press("Enter")
    return page.locator(".row.mine").filter(has=page.get_by_text(text, exact=True))


def test_the_widget_speaks_german_by_its_tag_and_by_the_browsers_language(
    quiet_server: LiveServer, person: Callable[..., Person], shop: Callable[..., str]
) -> None:
    url = quiet_server.url
    # The admin gives the German greeting on the admin page's Widget section.
    admin = log_in(person(), quiet_server, ADMIN)
    open_admin(admin)
    form = admin.get_by_role("form", name="Widget settings")
    form.get_by_role("group", name="Greeting by language").get_by_label("Deutsch").fill(
        GERMAN_GREETING
    )
    form.get_by_role("button", name="Save widget settings").click()
    expect(form.get_by_role("status")).to_contain_text("Saved")
    pat = person()  # an English browser; the tag asks for German on a right-to-left page
    page = pat.page
    page.goto(shop("de.html", url, 'data-title="Kaffeehaus" data-locale="de"', "ar", "rtl"))
    page.get_by_role("button", name="Chat öffnen").click()
    panel = page.get_by_role("dialog", name="Kaffeehaus")
    expect(panel).to_be_visible()
    root = page.locator(".sb")
    expect(root).to_have_attribute("lang", "de")
    expect(root).to_have_attribute("dir", "ltr")
    expect(panel.locator(".greeting .bubble")).to_have_text(GERMAN_GREETING)
    expect(panel.get_by_role("button", name="Mit einem Menschen sprechen")).to_be_visible()
    expect(panel.get_by_role("textbox", name="Nachricht")).to_have_attribute(
        "placeholder", "Nachricht schreiben…"
    )

    mine = send(page, "Nachricht", "Wann liefern Sie?")
    expect(mine.locator(".state")).to_have_text("Gesendet")
    expect(panel.locator(".queue-line")).to_have_text("Sie sind Nummer 1 in der Warteschlange")
    time = mine.locator("time")
    expect(time).to_have_text(re.compile(r"^\d{1,2}:\d{2}$"))  # 24-hour, no AM/PM
    expect(time).to_have_attribute("title", GERMAN_DATE)
    # The host page is right to left; the widget's own root decides: ours on the right.
    bubble, log = mine.locator(".bubble").bounding_box(), panel.locator(".log").bounding_box()
    assert bubble and log and log["x"] + log["width"] - (bubble["x"] + bubble["width"]) < 30
    page.screenshot(path="/tmp/widget-de.png")

    session_id = history(url, session_key(page, url))["session"]["id"]
    page.get_by_role("button", name="Chat schließen").last.click()
    launcher = page.get_by_role("button", name="Chat öffnen")
    headers = alice(url)
    agent_says(url, headers, session_id, "Morgen früh.")
    expect(launcher).to_have_accessible_description("1 ungelesene Nachricht")
    agent_says(url, headers, session_id, "Noch etwas?")
    expect(launcher).to_have_accessible_description("2 ungelesene Nachrichten")
    assert pat.errors == []

    # No data-locale, the admin's "auto": a German browser gets German and the German greeting.
    kim = person(locale="de-DE")
    kim.page.goto(shop("auto.html", url, 'data-title="Kaffeehaus"', "en", "ltr"))
    kim.page.get_by_role("button", name="Chat öffnen").click()
    expect(kim.page.locator(".sb")).to_have_attribute("lang", "de")
    expect(kim.page.locator(".greeting .bubble")).to_have_text(GERMAN_GREETING)
    status = re.compile("^(Wir antworten meist innerhalb weniger Minuten|Unser Team ist nicht da)$")
    expect(kim.page.locator(".head .status")).to_have_text(status)  # the admin may be online
    assert kim.errors == []


def test_the_widget_in_arabic_runs_right_to_left_with_arabic_plurals(
    quiet_server: LiveServer, person: Callable[..., Person], shop: Callable[..., str]
) -> None:
    url = quiet_server.url
    pat = person()
    page = pat.page
    # Plural categories as the browser's Intl has them: what the catalogues are held to.
    for code, categories in CATEGORIES.items():
        found = page.evaluate(
            "(code) => new Intl.PluralRules(code).resolvedOptions().pluralCategories", code
        )
        assert set(found) == categories, code

    page.goto(shop("ar.html", url, 'data-locale="ar"', "en", "ltr"))  # the default greeting
    launcher = page.get_by_role("button", name="فتح المحادثة")
    box = launcher.bounding_box()
    assert box and box["x"] + box["width"] < 1280 / 2, box  # "right" mirrored: the inline end
    launcher.click()
    panel = page.get_by_role("dialog", name="تحدّث معنا")
    expect(panel).to_be_visible()
    root = page.locator(".sb")
    expect(root).to_have_attribute("dir", "rtl")
    expect(root).to_have_attribute("lang", "ar")
    expect(panel.locator(".greeting .bubble")).to_have_text("مرحبًا! كيف يمكننا مساعدتك اليوم؟")
    expect(panel.get_by_role("button", name="التحدث إلى شخص")).to_be_visible()

    mine = send(page, "الرسالة", "أريد تغيير عنوان التوصيل")
    expect(mine.locator(".state")).to_have_text("أُرسلت")
    one = page.evaluate("new Intl.NumberFormat('ar').format(1)")  # the digits Arabic is given
    expect(panel.locator(".queue-line")).to_have_text(f"دورك رقم {one} في قائمة الانتظار")
    session_id = history(url, session_key(page, url))["session"]["id"]
    headers = alice(url)
    agent_says(url, headers, session_id, "بالتأكيد، ما العنوان الجديد؟")
    theirs = page.locator(".row.theirs").filter(has_text="ما العنوان الجديد")
    expect(theirs).to_be_visible()
    log = panel.locator(".log").bounding_box()
    ours, agents = mine.locator(".bubble").bounding_box(), theirs.locator(".bubble").bounding_box()
    assert log and ours and agents
    assert ours["x"] - log["x"] < 30, (ours, log)  # the customer's bubble at the inline end
    assert log["x"] + log["width"] - (agents["x"] + agents["width"]) < 30, (agents, log)
    panel_box = panel.bounding_box()
    assert panel_box and panel_box["x"] < 1280 / 2
    send_icon = panel.locator(".send .icon")
    expect(send_icon).to_have_css("transform", "matrix(-1, 0, 0, 1, 0, 0)")  # points left
    page.screenshot(path="/tmp/widget-ar-rtl.png")

    page.get_by_role("button", name="إغلاق المحادثة").last.click()
    launcher = page.get_by_role("button", name="فتح المحادثة")
    agent_says(url, headers, session_id, "هل ما زلت هنا؟")
    expect(launcher).to_have_accessible_description("رسالة واحدة غير مقروءة")  # one
    agent_says(url, headers, session_id, "نحن بانتظارك.")
    expect(launcher).to_have_accessible_description("رسالتان غير مقروءتين")  # two: the dual
    agent_says(url, headers, session_id, "شكرًا لك.")
    three = page.evaluate("new Intl.NumberFormat('ar').format(3)")
    expect(launcher).to_have_accessible_description(f"{three} رسائل غير مقروءة")  # few
    expect(launcher.locator(".badge")).to_have_text(three)
    assert pat.errors == []
