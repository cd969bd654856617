"""The word rules of search: what counts as a word in what an agent types."""

from __future__ import annotations

import unicodedata


def _word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM" or unicodedata.category(char) == "Co"


def search_words(text: str) -> list[str]:
    """The words of `text` in order, each once (case-insensitively): runs of letters, digits and
    their combining marks. Everything else (quotes, `*`, `^`, `:`, parentheses) separates words,
    so FTS5 syntax in the text is never syntax to FTS5."""
    words: list[str] = []
    seen: set[str] = set()
    run: list[str] = []
    for char in text + " ":
        if _word_char(char):
            run.append(char)
            continue
        word, run = "".join(run), []
        # A run of marks alone holds no token; as a phrase it would match nothing at all.
        if any(unicodedata.category(c)[0] != "M" for c in word) and word.casefold() not in seen:
            seen.add(word.casefold())
            words.append(word)
    return words
