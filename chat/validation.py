"""Field validation shared by the REST API and the sockets: each check raises Invalid."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chat.config import Limits
from chat.errors import Invalid
from chat.models import Presence, SessionStatus
from chat.words import search_words

CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
MAX_ID = 2**63 - 1
ALLOWED_CONTROLS = {"\n", "\t"}
# Unicode's categories Cc (controls: U+0000-U+001F and U+007F-U+009F) and Cs (surrogates:
# U+D800-U+DFFF), less \t (U+0009) and \n (U+000A). Both categories are closed by Unicode's
# stability policy; tests/test_validation.py holds this class to unicodedata for every code point.
BAD_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _bad_character(text: str) -> str | None:
    """The first character we refuse: a control character other than \\n and \\t, or a lone
    surrogate (which no UTF-8 store can hold). One regex scan: a Python loop per character
    cost some twenty times as much on a 4,000-character message."""
    found = BAD_CHARACTER.search(text)
    return found.group() if found else None


def text(
    value: Any, field: str, max_len: int, *, required: bool, multiline: bool = False
) -> str | None:
    """A trimmed string of at most `max_len` characters; None when optional and blank."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise Invalid(f"`{field}` must be a string.")
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.strip()
    if not value:
        if required:
            raise Invalid(f"`{field}` must not be empty.")
        return None
    if len(value) > max_len:
        raise Invalid(f"`{field}` is longer than {max_len} characters.")
    bad = _bad_character(value)
    if bad is not None and (multiline or bad not in ALLOWED_CONTROLS):
        raise Invalid(f"`{field}` contains a control character (U+{ord(bad):04X}).")
    if not multiline and ("\n" in value or "\t" in value):
        raise Invalid(f"`{field}` must be on one line.")
    return value


def content(value: Any, limits: Limits) -> str:
    result = text(value, "content", limits.content_max, required=True, multiline=True)
    assert result is not None
    return result


def client_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not CLIENT_ID.fullmatch(value):
        raise Invalid("`client_id` must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -.")
    return value


def email(value: Any, limits: Limits) -> str | None:
    result = text(value, "email", limits.email_max, required=False)
    if result is not None and not EMAIL.fullmatch(result):
        raise Invalid("`email` does not look like an email address.")
    return result


def session_key(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid("`session_key` must be a non-empty string.")
    return value


def positive_id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise Invalid(f"`{field}` must be a positive integer.")
    return value


def read_seq(value: Any) -> int:
    """A read mark: the seq of a message, or 0 for none (larger ones are clamped later)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise Invalid("`seq` must be a whole number from 0 up.")
    return value


def optional_id(body: Mapping[str, Any], field: str) -> int | None:
    value = body.get(field)
    return None if value is None else positive_id(value, field)


def query_int(raw: str | None, field: str, default: int, low: int, high: int | None) -> int:
    """An integer query parameter; values above `high` are capped to it."""
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,18}", raw):
        raise Invalid(f"`{field}` must be a whole number.")
    value = int(raw)
    if value < low:
        raise Invalid(f"`{field}` must be at least {low}.")
    return min(value, high) if high is not None else value


def status(raw: str | None) -> SessionStatus | None:
    if raw is None or raw == "":
        return None
    try:
        return SessionStatus(raw)
    except ValueError:
        raise Invalid("`status` must be one of bot, queued, active, closed.") from None


def presence(value: Any) -> Presence:
    """A status an agent may choose: available or busy (offline follows from their sockets)."""
    if value == Presence.OFFLINE.value:
        raise Invalid("`status` cannot be set to offline: you are offline once you close the app.")
    if value not in (Presence.AVAILABLE.value, Presence.BUSY.value):
        raise Invalid('`status` must be "available" or "busy".')
    return Presence(value)


def search_query(raw: str | None, limits: Limits) -> list[str] | None:
    """The words to search for; None when `q` is absent or blank. 422 when it holds no word."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > limits.search_query_max:
        raise Invalid(f"`q` is longer than {limits.search_query_max} characters.")
    words = search_words(raw)
    if not words:
        raise Invalid("`q` holds no words to search for.")
    if len(words) > limits.search_words_max:
        raise Invalid(f"`q` has more than {limits.search_words_max} different words.")
    return words


def transcript_format(raw: str | None) -> str:
    if raw is None or raw == "":
        return "txt"
    if raw not in ("txt", "json", "csv"):
        raise Invalid("`format` must be one of txt, json, csv.")
    return raw
