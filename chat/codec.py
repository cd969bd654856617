"""Decoding what clients send into the types of chat/wire.py, with the limits of this server,
and encoding what we answer: one place for both, so that every route and socket agrees."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from chat.config import Limits
from chat.errors import BadRequest, Invalid
from chat.mailbox import mailbox_problem
from chat.wire import CLIENT_FRAMES, CLIENT_ID, EMAIL, Count, Envelope, Frame, Text, field_rules

T = TypeVar("T", bound=msgspec.Struct)

# Control characters (Unicode category Cc: U+0000–U+001F, U+007F–U+009F) and lone surrogates
# (Cs: U+D800–U+DFFF, which no UTF-8 store can hold), \n and \t aside: one compiled class
# instead of a category lookup per character (tests/test_codec.py holds it to unicodedata).
BAD_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
LINE_BREAK = re.compile("[\n\t]")
SURROGATE = re.compile("[\ud800-\udfff]")
_AT = re.compile(r"^(.*) - at `\$\.([^`]*)`$")

_encoder = msgspec.json.Encoder()
encode = _encoder.encode  # bytes of JSON, UTF-8, compact; Structs, dicts, lists, enums


def encode_text(value: Any) -> str:
    return _encoder.encode(value).decode()


def invalid(error: msgspec.ValidationError, whole: str = "The request body") -> Invalid:
    """msgspec's message for a person: "`content`: expected `str`, got `int`."."""
    text = str(error)
    found = _AT.match(text)
    if found is None:
        if text.startswith("Expected `object`"):
            return Invalid(f"{whole} must be a JSON object.")
        return Invalid(text.rstrip(".") + ".")
    problem, path = found.groups()
    return Invalid(f"`{path}`: {problem[0].lower()}{problem[1:]}.")


class Codec:
    """Decodes bodies, queries and frames for one server's limits; every check raises Invalid
    (422) and a body that is not JSON raises BadRequest (400)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._rules: dict[type, dict[str, Any]] = {}
        self._envelope = msgspec.json.Decoder(Envelope)
        self._probe = msgspec.json.Decoder(_Probe)
        self._decoders = {kind: msgspec.json.Decoder(kind) for kind in CLIENT_FRAMES.values()}

    def body(self, kind: type[T], raw: bytes) -> T:
        """A JSON request body as `kind`."""
        try:
            value = msgspec.json.decode(raw, type=kind)
        except msgspec.ValidationError as error:
            raise invalid(error) from None
        except (msgspec.DecodeError, RecursionError):
            # msgspec refuses escaped lone surrogates that the stdlib accepts: those are a bad
            # character (422), not a body that is not JSON (400).
            value = self.convert(kind, _loads(raw))
        return self.check(value)

    def convert(self, kind: type[T], data: Any) -> T:
        if not isinstance(data, dict):
            raise Invalid("The request body must be a JSON object.")
        # Unknown fields are ignored, even those whose name no UTF-8 text can hold.
        data = {name: value for name, value in data.items() if not SURROGATE.search(name)}
        try:
            return self.check(msgspec.convert(data, type=kind))
        except msgspec.ValidationError as error:
            raise invalid(error) from None
        except UnicodeEncodeError as error:  # a lone surrogate in a name or a patterned field
            bad = ord(error.object[error.start])
            raise Invalid(f"The request contains a lone surrogate (U+{bad:04X}).") from None

    def query(self, kind: type[T], params: Mapping[str, str]) -> T:
        """Query parameters as `kind`; an empty parameter counts as absent."""
        present: dict[str, Any] = {name: v for name, v in params.items() if v != ""}
        for field in msgspec.structs.fields(kind):  # type: ignore[arg-type]
            if field.name in present and _is_list(field.type):  # ?label=1&label=2
                present[field.name] = [v for v in params.getlist(field.name) if v != ""]  # type: ignore[attr-defined]
        try:
            return self.check(msgspec.convert(present, type=kind, strict=False))
        except msgspec.ValidationError as error:
            raise invalid(error) from None

    def frame(self, text: str) -> Frame:
        """A client frame's data, typed by its `type`."""
        try:
            envelope = self._envelope.decode(text)
        except msgspec.ValidationError:
            raise Invalid("A frame is an object with a string `type`.") from None
        except (msgspec.DecodeError, RecursionError):
            return self._frame_slowly(text)
        kind = CLIENT_FRAMES.get(envelope.type)
        if kind is None:
            raise Invalid(f"Unknown frame type {envelope.type[:40]!r}.")
        try:
            return self.check(self._decoders[kind].decode(envelope.data))
        except msgspec.ValidationError as error:
            raise invalid(error, "`data`") from None
        except (msgspec.DecodeError, RecursionError):
            return self._frame_slowly(text)

    def _frame_slowly(self, text: str) -> Frame:
        """The stdlib's reading of a frame msgspec refused (escaped lone surrogates, say)."""
        try:
            frame = json.loads(text)
        except (ValueError, RecursionError):
            raise Invalid("Frames must be JSON objects.") from None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            raise Invalid("A frame is an object with a string `type`.")
        kind = CLIENT_FRAMES.get(frame["type"])
        if kind is None:
            raise Invalid(f"Unknown frame type {frame['type'][:40]!r}.")
        data = frame.get("data", {})
        if not isinstance(data, dict):
            raise Invalid("`data` must be a JSON object.")
        return self.convert(kind, data)

    def client_id_of(self, text: str) -> str | None:
        """The `client_id` of a frame that was refused, when it is well-formed: anything else
        (a lone surrogate, say) could not even be encoded into the error frame."""
        try:
            found = self._probe.decode(text).data.client_id
        except (msgspec.DecodeError, RecursionError):
            return None
        return found if isinstance(found, str) and CLIENT_ID.fullmatch(found) else None

    def check(self, value: T) -> T:
        """Apply each field's own rule (Text, Count) with this server's limits."""
        kind = type(value)
        rules = self._rules.get(kind)
        if rules is None:
            rules = self._rules[kind] = field_rules(kind)
        for name, rule in rules.items():
            current = getattr(value, name)
            if current is msgspec.UNSET:
                continue
            if isinstance(rule, Text) and isinstance(current, dict):
                setattr(value, name, self.texts(current, name, rule))
            elif isinstance(rule, Text):
                setattr(value, name, self.text(current, name, rule))
            elif isinstance(rule, Count):
                most = getattr(self.limits, rule.most)
                count = getattr(self.limits, rule.default) if current is None else current
                setattr(value, name, min(count, most))
        return value

    def texts(self, value: dict[str, str], field: str, rule: Text) -> dict[str, str]:
        """A text by key (a language, say): each held to `rule`; a blank one is left out."""
        checked = {key: self.text(text, f"{field}.{key}", rule) for key, text in value.items()}
        return {key: text for key, text in checked.items() if text is not None}

    def text(self, value: str | None, field: str, rule: Text) -> str | None:
        if value is None:
            return _absent(field, rule)
        if rule.multiline:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = value.strip()
        if not value:
            return _absent(field, rule)
        most = getattr(self.limits, rule.limit)
        if len(value) > most:
            raise Invalid(f"`{field}` is longer than {most} characters.")
        bad = BAD_CHARACTER.search(value)
        if bad is not None:
            raise Invalid(f"`{field}` contains a control character (U+{ord(bad[0]):04X}).")
        if not rule.multiline and LINE_BREAK.search(value):
            raise Invalid(f"`{field}` must be on one line.")
        if rule.email and not EMAIL.fullmatch(value):
            raise Invalid(f"`{field}` does not look like an email address.")
        if rule.mailbox and (problem := mailbox_problem(value)) is not None:
            raise Invalid(f"`{field}` {problem}")
        return value


class _ProbeData(msgspec.Struct):
    client_id: Any = None


class _Probe(msgspec.Struct):
    data: _ProbeData = msgspec.field(default_factory=_ProbeData)


def _absent(field: str, rule: Text) -> None:
    if rule.required:
        raise Invalid(f"`{field}` must not be empty.")
    return None


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest() from None


def _is_list(kind: Any) -> bool:
    """Whether a (possibly Annotated) field type is a list: a repeatable query parameter."""
    kind = getattr(kind, "__origin__", kind) if hasattr(kind, "__metadata__") else kind
    return getattr(kind, "__origin__", None) is list
