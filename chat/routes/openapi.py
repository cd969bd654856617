"""The OpenAPI 3.1 document, generated from the route table and the types of chat/wire.py, with
the limits of this server's settings. A route without a declared operation is not documented
(and tests/test_openapi.py fails)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec
from starlette.routing import BaseRoute, Mount, Route

from chat.attachments import KINDS
from chat.auth import COOKIE_NAME
from chat.config import Limits, Settings
from chat.routes.spec import Operation, operation_of
from chat.wire import (
    MAX_ID,
    Count,
    ErrorAnswer,
    Text,
    Upload,
    View,
    field_rules,
)

Schema = dict[str, Any]
JSON = "application/json"
REF = "#/components/schemas/{name}"
AGENT_AUTH: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": []}]
# Control characters are refused: none in one-line fields; \t and \n allowed in multi-line text.
ONE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
MULTILINE = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
ERRORS = {
    400: ("invalid_request", "The body is not JSON."),
    401: ("unauthorized", "No valid bearer token or login cookie."),
    403: (
        "forbidden",
        "Not allowed for this agent, a read-only API key on a write, or a login cookie from a"
        " foreign Origin.",
    ),
    404: ("not_found", "No such conversation, session key, agent or file."),
    409: ("conflict", "The current state forbids it (see the operation)."),
    413: ("payload_too_large", "The request body is over the size limit."),
    422: ("invalid_request", "A field is missing, of the wrong type or outside its limits."),
    429: ("rate_limited", "Over a rate limit; retry after `Retry-After` seconds."),
    500: ("internal", "Something failed on the server; nothing is leaked."),
}
PATH_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def operations(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, method, endpoint) of every HTTP route, mounts included; HEAD is Starlette's."""
    for route in routes:
        if isinstance(route, Mount):
            yield from operations(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            path = PATH_PARAMETER.sub(r"{\1}", prefix + route.path)
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield path, method, route.endpoint


def openapi_document(routes: list[BaseRoute], settings: Settings) -> dict[str, Any]:
    """The REST API as OpenAPI 3.1: every route that declares its operation."""
    limits = settings.limits
    declared = [(p, m, op) for p, m, e in operations(routes) if (op := operation_of(e))]
    types = _types(op for _, _, op in declared)
    _, components = msgspec.json.schema_components(types, ref_template=REF)
    for kind in types:
        apply_rules(kind, components, limits)
    paths: dict[str, Schema] = {}
    for path, method, op in declared:
        paths.setdefault(path, {})[method.lower()] = _operation(path, op, components, limits)
    return {
        "openapi": "3.1.0",
        "info": _info(limits),
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": _responses(),
            "securitySchemes": _security(),
        },
    }


def _types(declared: Iterator[Operation]) -> list[type]:
    found: dict[type, None] = {ErrorAnswer: None}
    for op in declared:
        for kind in (op.body, op.form, op.query):
            if kind is not None:
                found[kind] = None
        for answer in op.answers.values():
            if isinstance(answer, tuple):
                found[answer[1]] = None
    return list(found)


def apply_rules(kind: type, components: dict[str, Schema], limits: Limits) -> None:
    """What msgspec cannot know: limits from settings, and the rules the codec applies."""
    schema = components.get(kind.__name__)
    if schema is None:
        return
    if issubclass(kind, View):
        schema["additionalProperties"] = False  # answers hold exactly these fields
    for name, rule in field_rules(kind).items():
        prop = schema["properties"][name]
        target = next((s for s in prop.get("anyOf", []) if s.get("type") != "null"), prop)
        if isinstance(rule, Text):
            if target is not prop:  # text or null: one schema, whose limits bind the text
                prop.pop("anyOf")
                prop["type"] = ["string", "null"]
                target = prop
            target["maxLength"] = getattr(limits, rule.limit)
            target["pattern"] = MULTILINE if rule.multiline else ONE_LINE
            if rule.email:
                prop["description"] = "Shaped like an address."
            if rule.mailbox:
                prop["description"] = "One plain ASCII address (local@domain), checked strictly."
            prop.setdefault("description", "Trimmed before its limit applies.")
        elif isinstance(rule, Count):
            prop["default"] = getattr(limits, rule.default)
            prop["description"] = f"How many at most; above {getattr(limits, rule.most)} capped."
        elif isinstance(rule, Upload):
            mib = getattr(limits, rule.limit) / 1024 / 1024
            schema["required"] = sorted({*schema.get("required", ()), name})
            prop.clear()
            prop.update(
                type="string",
                contentMediaType="application/octet-stream",
                description=f"At most {mib:g} MiB. The type is read from the content: "
                + ", ".join(sorted({k.content_type.split(";")[0] for k in KINDS}))
                + "; anything else, or a name whose extension says another type, is 422.",
            )


def _operation(path: str, op: Operation, components: dict[str, Schema], limits: Limits) -> Schema:
    responses: Schema = {}
    for status, answer in sorted(op.answers.items()):
        if isinstance(answer, tuple):
            description, kind = answer
            schema = {"$ref": REF.format(name=kind.__name__)}
            answer = {"description": description, "content": {JSON: {"schema": schema}}}
        responses[str(status)] = answer
    # Any agent call may meet a read-only API key (403) or a key over its rate limit (429).
    errors = {*op.errors, 500} | ({401, 403, 429} if op.agent else set())
    for status in sorted(errors):
        responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    operation: Schema = {
        "summary": op.summary,
        "security": AGENT_AUTH if op.agent else [],
        "responses": responses,
    }
    parameters = _path_parameters(path, op) + _query_parameters(op, components)
    if parameters:
        operation["parameters"] = parameters
    if op.body is not None:
        operation["requestBody"] = _body(JSON, op.body)
    if op.form is not None:
        operation["requestBody"] = _body("multipart/form-data", op.form)
    return operation


def _body(media_type: str, kind: type) -> Schema:
    return {
        "required": True,
        "content": {media_type: {"schema": {"$ref": REF.format(name=kind.__name__)}}},
    }


def _path_parameters(path: str, op: Operation) -> list[Schema]:
    found = []
    for name in (match[1] for match in PATH_PARAMETER.finditer(path)):
        schema: Schema = (
            {"type": "integer", "minimum": 1, "maximum": MAX_ID}
            if name.endswith("_id")
            else {"type": "string"}
        )
        parameter = {"name": name, "in": "path", "required": True, "schema": schema}
        if name in op.params:
            parameter["description"] = op.params[name]
        found.append(parameter)
    return found


def _query_parameters(op: Operation, components: dict[str, Schema]) -> list[Schema]:
    if op.query is None:
        return []
    schema = components[op.query.__name__]
    found = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", None)
        parameter = {"name": name, "in": "query", "required": False, "schema": prop}
        if description:
            parameter["description"] = description
        found.append(parameter)
    return found


def _responses() -> dict[str, Schema]:
    """One reusable answer per error status: the contract's shape with that status's code."""
    answers: dict[str, Schema] = {}
    for status, (code, description) in ERRORS.items():
        one_code = {"properties": {"error": {"properties": {"code": {"const": code}}}}}
        schema = {"allOf": [{"$ref": REF.format(name="ErrorAnswer")}, one_code]}
        answers[str(status)] = {"description": description, "content": {JSON: {"schema": schema}}}
    answers["429"]["headers"] = {
        "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}
    }
    return answers


def _security() -> dict[str, Schema]:
    return {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "From login, or an admin's API key (sbk_…).",
        },
        "cookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": COOKIE_NAME,
            "description": "The login page's signed cookie; an unsafe request with it must come"
            " from an allowed Origin (else 403).",
        },
    }


def _info(limits: Limits) -> Schema:
    return {
        "title": "Switchboard",
        "version": "1",
        "description": "The REST API of Switchboard's wire contract, v1. Every error is "
        '`{"error": {"code", "message"}}`. Request bodies are JSON of at most '
        f"{limits.body_max_bytes // 1024} KiB; text fields are trimmed before their limits "
        "apply and refuse control characters and lone surrogates. The public API needs no "
        "credential (the session key is one) and answers CORS preflights. The WebSockets "
        "(`/ws`, `/ws/public/{session_key}`) are described by /asyncapi.json.",
    }
