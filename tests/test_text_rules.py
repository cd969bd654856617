"""Text rules of the codec: the control-character check against Unicode's own categories."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from chat import codec
from chat.config import Limits
from chat.errors import Invalid
from chat.wire import Text

CONTENT = Text("content_max", multiline=True)
NAME = Text("name_max")


def test_the_refused_characters_are_exactly_unicodes_controls_and_surrogates() -> None:
    """Every code point: the one regex refuses a character exactly when unicodedata calls it
    Cc or Cs, \\n and \\t aside, so the class can never drift from the definition."""
    expected = {
        chr(point)
        for point in range(sys.maxunicode + 1)
        if unicodedata.category(chr(point)) in ("Cc", "Cs") and chr(point) not in "\n\t"
    }
    everything = "".join(chr(point) for point in range(sys.maxunicode + 1))
    refused = {found.group() for found in codec.BAD_CHARACTER.finditer(everything)}
    assert refused == expected
    assert len(expected) == 65 - 2 + 2048  # Cc less \n and \t, and every surrogate


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        ("fine\x00", "U+0000"),
        ("a\x1fb\x00", "U+001F"),  # the first bad character is the one named
        ("next\x85line", "U+0085"),
        ("del \x7f", "U+007F"),
        ("half an emoji \ud83d", "U+D83D"),
        ("\udc00 low half first", "U+DC00"),
    ],
)
def test_a_message_with_a_control_character_names_the_first_one(content: str, shown: str) -> None:
    with pytest.raises(Invalid) as refused:
        codec.Codec(Limits()).text(content, "content", CONTENT)
    assert refused.value.message == f"`content` contains a control character ({shown})."


def test_newlines_tabs_and_every_other_character_pass() -> None:
    text = "line one\n\tindented 😀 Ünïcödé \u2028 \ufeff \u200b end"
    assert codec.Codec(Limits()).text(text, "content", CONTENT) == text
    assert (
        codec.Codec(Limits()).text("a\r\nb\rc", "content", CONTENT) == "a\nb\nc"
    )  # carriage returns become \n


def test_a_one_line_field_refuses_newlines_and_tabs_but_names_controls_first() -> None:
    with pytest.raises(Invalid, match="must be on one line"):
        codec.Codec(Limits()).text("Pat\tSmith", "name", NAME)
    with pytest.raises(Invalid, match=r"control character \(U\+0007\)"):
        codec.Codec(Limits()).text("Pat\n\x07", "name", NAME)
