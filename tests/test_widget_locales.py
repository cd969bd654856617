"""The widget's message catalogues (static/widget/locale-*.js, issue #23): each has exactly
English's keys and, in every text, English's {placeholders}; each plural has the categories its
language's plural rules have (CLDR, as Intl.PluralRules gives them); every key the widget asks
for exists and every key is asked for somewhere."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from chat.routes.widget import WIDGET_MODULES
from chat.wire import Language
from tests.conftest import ROOT

WIDGET = ROOT / "static" / "widget"
CATALOGUE = re.compile(r"^export const [A-Z]{2} = (\{.*\});\s*$", re.S | re.M)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Intl.PluralRules(code).resolvedOptions().pluralCategories, as CLDR 42+ has them (Chromium's).
CATEGORIES = {
    "en": {"one", "other"},
    "de": {"one", "other"},
    "fr": {"one", "many", "other"},
    "es": {"one", "many", "other"},
    "ar": {"zero", "one", "two", "few", "many", "other"},
}
ASKED = re.compile(r'\btr\(\s*(?:[^"(),]*\?\s*)?"([^"]+)"(?:\s*:\s*"([^"]+)")?')


def catalogue(code: str) -> dict[str, Any]:
    found = CATALOGUE.search((WIDGET / f"locale-{code}.js").read_text(encoding="utf-8"))
    assert found, f"locale-{code}.js is not `export const XX = {{JSON}};`"
    return json.loads(found[1])


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_every_language_the_server_knows_has_a_joined_catalogue() -> None:
    languages = set(Language.__args__)  # type: ignore[attr-defined]
    assert languages == set(CATEGORIES)
    files = {path.stem.removeprefix("locale-") for path in WIDGET.glob("locale-*.js")}
    assert files == languages
    assert all(f"widget/locale-{code}.js" in WIDGET_MODULES for code in languages)


def test_every_catalogue_has_englishs_keys_and_placeholders() -> None:
    english = catalogue("en")
    for code in CATEGORIES:
        words = catalogue(code)
        assert words.keys() == english.keys(), (code, words.keys() ^ english.keys())
        for key, text in words.items():
            model = english[key]
            if isinstance(model, str):
                assert isinstance(text, str), (code, key)
                assert placeholders(text) == placeholders(model), (code, key)
                continue
            assert set(text) == CATEGORIES[code], (code, key, set(text))
            # Every form says only what English says; "other" says all of it (Arabic's one and
            # two say the number in their words: "رسالة واحدة", "رسالتان").
            assert placeholders(text["other"]) == placeholders(model["other"]), (code, key)
            for form in text.values():
                assert placeholders(form) <= placeholders(model["other"]), (code, key, form)


def test_every_key_the_widget_asks_for_exists_and_every_key_is_asked_for() -> None:
    english = catalogue("en")
    code = "\n".join(
        (WIDGET / path.name).read_text(encoding="utf-8")
        for path in WIDGET.glob("*.js")
        if not path.name.startswith("locale-")
    )
    asked = {key for pair in ASKED.findall(code) for key in pair if key}
    assert asked - english.keys() == set()
    literals = set(re.findall(r'"([a-z_.]+)"', code))
    assert english.keys() - asked - literals == set()


def test_no_widget_module_sets_english_words_of_its_own() -> None:
    """Visible text and labels come from the catalogue: no literal sentence is given as text,
    a label, a title or a placeholder, nor shown as a notice."""
    own = re.compile(
        r'(?:text|"aria-label"|title|placeholder):\s*"[A-Z][^"]*"'
        r'|(?:showNotice|addNote|showError|Error)\(\s*["`][A-Z]'
        r'|textContent\s*=\s*["`][A-Z]'
    )
    for path in sorted(WIDGET.glob("*.js")):
        if path.name.startswith("locale-"):
            continue
        found = own.findall(path.read_text(encoding="utf-8"))
        assert found == [], f"{Path(path).name}: {found}"
