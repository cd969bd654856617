"""The code keeps its shape: ruff's lint and format, and the layering of pyproject.toml."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ruff_finds_nothing_to_fix() -> None:
    done = run(sys.executable, "-m", "ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_file_is_formatted_as_ruff_formats_it() -> None:
    done = run(sys.executable, "-m", "ruff", "format", "--check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_imports_follow_the_layers() -> None:
    """routes → service → storage / hub / ai → models and errors, no cycles (see pyproject)."""
    done = run(str(BIN / "lint-imports"), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _is_service(node: ast.expr) -> bool:
    """`service`, `service(request)` or `….state.service`: how routes name the ChatService."""
    if isinstance(node, ast.Call):
        node = node.func
    return (isinstance(node, ast.Name) and node.id == "service") or (
        isinstance(node, ast.Attribute) and node.attr == "service"
    )


def test_routes_call_the_service_and_never_reach_into_its_parts() -> None:
    """One ChatService method per request or frame: `service.receipts.mark(…)` or the hub
    itself in a route would put a use case's steps back into the web layer."""
    reached = []
    for path in sorted((ROOT / "chat" / "routes").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Attribute):
                continue
            inner = node.value
            if isinstance(inner, ast.Attribute) and _is_service(inner.value):
                reached.append(f"{path.name}:{node.lineno} service.{inner.attr}.{node.attr}")
            if node.attr == "hub":
                reached.append(f"{path.name}:{node.lineno} the hub")
    assert reached == []
