"""The embeddable widget at /chat-widget.js: its ES modules, joined into one script at start.

The widget is written as ES modules (static/widget/, and the pieces it shares with the agent
page in static/shared/), but a site embeds it with one classic `<script>`. So create_app()
joins the modules once, in the order of WIDGET_MODULES, into one function scope: each module's
`import { a, b } from "./x.js";` statements are dropped and the `export ` before its
declarations is cut, which leaves the top-level names of every module side by side in one
IIFE. No build step and no tool: /static/ serves the same files, loadable as modules.

The joiner keeps to what that needs and refuses anything else, so the app does not start with
a widget that would break in a visitor's browser:
- an import is named (`import { a, b } from "./x.js";`: no default, namespace or `as`), names
  a module of the list, and that module exports each name;
- an export is `export` before a top-level function, class, const or let;
- no two modules declare the same top-level name, since one scope holds them all;
- every file in static/widget/ is in the list.
The order matters only for code that runs as a module is evaluated (config before state,
main last); functions may call each other in any order.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

WIDGET_MODULES = (
    "shared/dom.js",
    "shared/icons.js",
    "shared/ids.js",
    "shared/format.js",
    "shared/frames.js",
    "shared/reconnect.js",
    "widget/config.js",
    "widget/locale-en.js",
    "widget/locale-de.js",
    "widget/locale-fr.js",
    "widget/locale-es.js",
    "widget/locale-ar.js",
    "widget/i18n.js",
    "widget/state.js",
    "widget/rest.js",
    "widget/limits.js",
    "widget/styles.js",
    "widget/view.js",
    "widget/messages.js",
    "widget/receipts.js",
    "widget/contact.js",
    "widget/csat.js",
    "widget/header.js",
    "widget/panel.js",
    "widget/typing.js",
    "widget/outbox.js",
    "widget/files.js",
    "widget/session.js",
    "widget/socket.js",
    "widget/main.js",
)
MEDIA_TYPE = "text/javascript; charset=utf-8"

NAMED_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"([^"]+)";[ \t]*\n?', re.M)
EXPORT_KEYWORD = re.compile(r"^export (?=(?:async\s+)?(?:function|class|const|let)\b)", re.M)
# Top-level statements start in the first column; anything indented is inside something.
STATEMENT = re.compile(r"^(import|export)\b.*", re.M)
DECLARATION = re.compile(
    r"^(export\s+)?(?:async\s+)?(?:function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)", re.M
)


class WidgetModuleError(ValueError):
    """A module the joiner cannot join faithfully."""


@dataclass(frozen=True, slots=True)
class Script:
    body: bytes
    etag: str


@dataclass(frozen=True, slots=True)
class _Module:
    name: str
    text: str
    imports: dict[str, list[str]]  # module name → the names imported from it
    exports: frozenset[str]
    declared: tuple[str, ...]


def _read(static: Path, name: str) -> _Module:
    text = (static / name).read_text(encoding="utf-8")
    imports: dict[str, list[str]] = {}
    for names, target in NAMED_IMPORT.findall(text):
        wanted = [n.strip() for n in names.split(",") if n.strip()]
        if any(not re.fullmatch(r"[A-Za-z_$][\w$]*", n) for n in wanted):
            raise WidgetModuleError(f"{name}: only plain named imports can be joined: {wanted}")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
        imports.setdefault(target, []).extend(wanted)
    rest = EXPORT_KEYWORD.sub("", NAMED_IMPORT.sub("", text))
    if leftover := STATEMENT.search(rest):
        raise WidgetModuleError(f"{name}: cannot join {leftover.group(0)!r}")
    declared = DECLARATION.findall(text)
    names = [n for wanted in imports.values() for n in wanted] + [n for _, n in declared]
    if twice := {n for n in names if names.count(n) > 1}:
        raise WidgetModuleError(f"{name}: {', '.join(sorted(twice))} imported or declared twice")
    return _Module(
        name=name,
        text=rest,
        imports=imports,
        exports=frozenset(n for exported, n in declared if exported),
        declared=tuple(n for _, n in declared),
    )


def _check(modules: dict[str, _Module], static: Path) -> None:
    owners: dict[str, str] = {}
    for module in modules.values():
        for name in module.declared:
            if name in owners:
                raise WidgetModuleError(f"{module.name} and {owners[name]} both declare {name}")
            owners[name] = module.name
        for target, names in module.imports.items():
            if target not in modules:
                raise WidgetModuleError(f"{module.name} imports {target}, which is not joined")
            for name in names:
                if name not in modules[target].exports:
                    raise WidgetModuleError(
                        f"{module.name} imports {name} from {target}, which does not export it"
                    )
    for path in sorted((static / "widget").glob("*.js")):
        if f"widget/{path.name}" not in modules:
            raise WidgetModuleError(f"widget/{path.name} is not in WIDGET_MODULES")


def join_modules(static: Path, order: tuple[str, ...] = WIDGET_MODULES) -> Script:
    """The modules named in `order` (paths under `static`) as one classic script."""
    modules = {name: _read(static, name) for name in order}
    _check(modules, static)
    parts = [
        "/* Switchboard chat widget, joined by the server at start from the ES modules in\n"
        " * /static/shared/ and /static/widget/ (chat/routes/widget.py); each part is headed by\n"
        " * its file's name. */\n",
        '(() => {\n"use strict";\n',
    ]
    for module in modules.values():
        parts.append(f"\n// ---- {module.name} ----\n\n{module.text.strip()}\n")
    parts.append("})();\n")
    body = "".join(parts).encode("utf-8")
    return Script(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')


async def chat_widget(request: Request) -> Response:
    """The joined script; revalidated on every use (no-cache), answered 304 when unchanged."""
    script: Script = request.app.state.widget_script
    headers = {"Cache-Control": "no-cache", "ETag": script.etag}
    asked = {
        tag.strip().removeprefix("W/")
        for tag in request.headers.get("if-none-match", "").split(",")
    }
    if script.etag in asked or "*" in asked:
        return Response(status_code=304, headers=headers)
    return Response(script.body, media_type=MEDIA_TYPE, headers=headers)


routes: list[BaseRoute] = [Route("/chat-widget.js", chat_widget, methods=["GET"])]
