"""/chat-widget.js is the widget's ES modules joined into one script at start; a module the
joiner could not join faithfully stops the app from starting rather than break the widget."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from chat.routes.widget import WIDGET_MODULES, WidgetModuleError, join_modules
from tests.conftest import ROOT

STATEMENT = re.compile(r"^\s*(import|export)\s", re.M)


@pytest.fixture
def static(tmp_path: Path) -> Path:
    """A copy of static/ to break."""
    copy = tmp_path / "static"
    shutil.copytree(ROOT / "static", copy)
    return copy


def test_the_widget_is_one_script_with_no_module_statements_left(client: TestClient) -> None:
    answer = client.get("/chat-widget.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
    assert answer.headers["cache-control"] == "no-cache"
    script = answer.text
    assert STATEMENT.search(script) is None
    assert script.startswith("/*") and "\n(() => {\n" in script
    assert script.rstrip().endswith("})();")
    # Every module is in it: the shared pieces the agent page loads as modules too.
    for name in WIDGET_MODULES:
        assert f"// ---- {name} ----" in script
    assert "function el(tag, props, ...children)" in script
    assert "class Backoff" in script


def test_an_unchanged_widget_is_not_sent_again(client: TestClient) -> None:
    first = client.get("/chat-widget.js")
    etag = first.headers["etag"]
    again = client.get("/chat-widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    stale = client.get("/chat-widget.js", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_the_module_files_stay_valid_modules_beside_the_joined_script(client: TestClient) -> None:
    main = client.get("/static/widget/main.js")
    assert main.status_code == 200
    assert 'from "./view.js";' in main.text
    dom = client.get("/static/shared/dom.js")
    assert dom.status_code == 200 and "export function el(" in dom.text


def break_module(static: Path, name: str, old: str, new: str) -> None:
    path = static / name
    text = path.read_text()
    assert old in text, f"{name} no longer holds {old!r}: update this test"
    path.write_text(text.replace(old, new, 1))


def test_an_import_of_a_name_no_module_exports_stops_the_join(static: Path) -> None:
    main = static / "widget" / "main.js"
    main.write_text('import { missing } from "./view.js";\n' + main.read_text())
    with pytest.raises(WidgetModuleError, match="main.js imports missing from widget/view.js"):
        join_modules(static)


def test_an_import_of_a_module_left_out_of_the_script_stops_the_join(static: Path) -> None:
    break_module(static, "widget/view.js", 'from "./config.js";', 'from "./nowhere.js";')
    with pytest.raises(WidgetModuleError, match="imports widget/nowhere.js, which is not joined"):
        join_modules(static)


@pytest.mark.parametrize(
    ("name", "old", "new", "complaint"),
    [
        (
            "widget/rest.js",
            "\nexport async function api(",
            "\nasync function state(",
            "declare state",
        ),
        (
            "widget/rest.js",
            "\nexport async function api(",
            "\nexport default function api(",
            "join",
        ),
        (
            "widget/view.js",
            'import { el } from "../shared/dom.js";',
            'import * as dom from "./x.js";',
            "join",
        ),
        ("widget/view.js", "import { el }", "import { el as make }", "plain named imports"),
        ("widget/view.js", "import { el }", "import { el, el }", "twice"),
    ],
)
def test_what_one_scope_cannot_hold_stops_the_join(
    static: Path, name: str, old: str, new: str, complaint: str
) -> None:
    break_module(static, name, old, new)
    with pytest.raises(WidgetModuleError, match=complaint):
        join_modules(static)


def test_a_widget_module_missing_from_the_list_stops_the_join(static: Path) -> None:
    (static / "widget" / "extra.js").write_text("export const forgotten = 1;\n")
    with pytest.raises(WidgetModuleError, match="widget/extra.js is not in WIDGET_MODULES"):
        join_modules(static)
