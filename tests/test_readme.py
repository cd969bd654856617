"""The README's commands are what CI runs, and what the app really offers."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    ci_lines = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci_lines[-1] == test_command


def test_the_readme_install_command_ends_by_running_the_app() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    assert blocks[0].endswith("python3 app.py")


def test_every_flag_in_the_readme_exists() -> None:
    from chat.config import build_parser

    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"\| `(--[a-z-]+)`", readme))
    known = {o for a in build_parser({})._actions for o in a.option_strings}
    assert documented, "the configuration table lists flags"
    assert documented <= known
