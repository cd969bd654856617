"""The OpenAPI 3.1 document of the REST API, written by hand from the contract and the limits."""

from __future__ import annotations

from typing import Any

from chat.attachments import EXTENSIONS, KINDS
from chat.auth import COOKIE_NAME
from chat.config import Limits, Settings
from chat.models import Presence, Role, SenderType, SessionStatus
from chat.validation import MAX_ID

Schema = dict[str, Any]
JSON = "application/json"
BIG_QUERY_INT = 10**18 - 1  # query integers are at most 18 digits
AGENT_AUTH: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": []}]
# Control characters are refused: none at all in one-line fields, \t \n \r allowed in content.
ONE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
MULTILINE = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
ERRORS = {
    "400": ("invalid_request", "The body is not JSON."),
    "401": ("unauthorized", "No valid bearer token or login cookie."),
    "403": ("forbidden", "Not allowed for this agent, or a login cookie from a foreign Origin."),
    "404": ("not_found", "No such conversation, session key, agent or file."),
    "409": ("conflict", "The current state forbids it (see the operation)."),
    "413": ("payload_too_large", "The request body is over the size limit."),
    "422": ("invalid_request", "A field is missing, of the wrong type or outside its limits."),
    "429": ("rate_limited", "Over a rate limit; retry after `Retry-After` seconds."),
    "500": ("internal", "Something failed on the server; nothing is leaked."),
}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: list[str], closed: bool = True, **properties: Schema) -> Schema:
    """An object schema; answers are `closed` (no other fields), so code and document agree."""
    schema: Schema = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _int(low: int = 1, high: int = MAX_ID) -> Schema:
    return {"type": "integer", "minimum": low, "maximum": high}


def _text(max_len: int, pattern: str = ONE_LINE, nullable: bool = True) -> Schema:
    return {
        "type": ["string", "null"] if nullable else "string",
        "maxLength": max_len,
        "pattern": pattern,
    }


TIME = {
    "type": "string",
    "format": "date-time",
    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
}
CLIENT_ID = {"type": ["string", "null"], "pattern": "^[A-Za-z0-9_-]{1,64}$"}
READ_SEQ = {
    **_int(0),
    "description": "The seq of the newest message read; above the newest it is clamped.",
}
# Read receipts: the seq of the newest message each side has read (0: none yet).
READ_MARKS: dict[str, Schema] = {
    "customer_read_seq": {**_int(0), "description": "Read by the customer up to this seq."},
    "agent_read_seq": {**_int(0), "description": "Read by an agent up to this seq."},
}


def _views() -> dict[str, Schema]:
    """What the API answers with: the contract's objects, exactly (no other fields)."""
    text, nullable_text = {"type": "string"}, {"type": ["string", "null"]}
    agent_ref = {"anyOf": [_ref("AgentRef"), {"type": "null"}]}
    status = {"enum": [s.value for s in SessionStatus]}
    return {
        "Error": _object(
            ["error"],
            error=_object(
                ["code", "message"],
                code={"enum": sorted({code for code, _ in ERRORS.values()})},
                message={"type": "string", "minLength": 1},
            ),
        ),
        "AgentRef": _object(["id", "name"], id=_int(), name=text),
        "Agent": _object(
            ["id", "name", "email", "role"],
            id=_int(),
            name=text,
            email=text,
            role={"enum": [r.value for r in Role]},
        ),
        "AgentPresence": _object(
            ["agent", "status"],
            agent=_ref("AgentRef"),
            status={"enum": [p.value for p in Presence]},
        ),
        "Message": _object(
            ["id", "session_id", "seq", "sender_type", "sender_name", "agent_id", "content"]
            + ["client_id", "created_at", "attachment"],
            id=_int(),
            session_id=_int(),
            seq=_int(),
            sender_type={"enum": [s.value for s in SenderType]},
            sender_name=nullable_text,
            agent_id={"anyOf": [_int(), {"type": "null"}]},
            content={"type": "string", "minLength": 1},
            client_id=CLIENT_ID,
            created_at=TIME,
            attachment={"anyOf": [_ref("Attachment"), {"type": "null"}]},
        ),
        "Attachment": _object(
            ["id", "name", "content_type", "size"],
            id=_int(),
            name={"type": "string", "minLength": 1},
            content_type={"enum": [k.content_type for k in KINDS]},
            size=_int(),
        ),
        "Session": _object(
            ["id", "status", "customer_name", "customer_email", "page_url", "assigned_agent"]
            + ["message_count", "last_message", "created_at", "updated_at", *READ_MARKS],
            id=_int(),
            status=status,
            customer_name=nullable_text,
            customer_email=nullable_text,
            page_url=nullable_text,
            assigned_agent=agent_ref,
            message_count=_int(0),
            last_message={"anyOf": [_ref("Message"), {"type": "null"}]},
            created_at=TIME,
            updated_at=TIME,
            **READ_MARKS,
        ),
        "SearchResult": _object(
            ["session", "matches"],
            session=_ref("Session"),
            matches={
                "type": "array",
                "maxItems": 3,
                "items": _object(
                    ["message", "snippet", "snippet_parts"],
                    message=_ref("Message"),
                    snippet={"type": "string", "description": "Plain text around the match."},
                    snippet_parts={
                        "type": "array",
                        "description": "The snippet cut where the matched words start and"
                        " end; `match` marks them. Render as text, never as markup.",
                        "items": _object(
                            ["text", "match"], text={"type": "string"}, match={"type": "boolean"}
                        ),
                    },
                ),
            },
        ),
        "PublicSession": _object(
            ["id", "status", "assigned_agent", "created_at", "updated_at", *READ_MARKS],
            id=_int(),
            status=status,
            assigned_agent=agent_ref,
            created_at=TIME,
            updated_at=TIME,
            **READ_MARKS,
        ),
    }


def _requests(limits: Limits) -> dict[str, Schema]:
    """What the API reads: fields it does not know are ignored, so these stay open."""
    content = {**_text(limits.content_max, MULTILINE, nullable=False), "minLength": 1}
    return {
        "StartRequest": _object(
            [],
            closed=False,
            name=_text(limits.name_max),
            email={
                **_text(limits.email_max),
                "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s.]+$",
                "description": "Shaped like an address.",
            },
            page_url=_text(limits.page_url_max),
        ),
        "PublicMessageRequest": _object(
            ["session_key", "content"],
            closed=False,
            session_key={"type": "string", "minLength": 1},
            content=content,
            client_id=CLIENT_ID,
        ),
        "HandoffRequest": _object(
            ["session_key"], closed=False, session_key={"type": "string", "minLength": 1}
        ),
        "PublicReadRequest": _object(
            ["session_key", "seq"],
            closed=False,
            session_key={"type": "string", "minLength": 1},
            seq=READ_SEQ,
        ),
        "ReadRequest": _object(["seq"], closed=False, seq=READ_SEQ),
        "LoginRequest": _object(
            ["email", "password"],
            closed=False,
            email={"type": "string"},
            password={"type": "string"},
        ),
        "AgentMessageRequest": _object(
            ["session_id", "content"],
            closed=False,
            session_id=_int(),
            content=content,
            client_id=CLIENT_ID,
        ),
        "PresenceRequest": _object(
            ["status"],
            closed=False,
            status={"enum": [Presence.AVAILABLE.value, Presence.BUSY.value]},
        ),
        "AssignRequest": _object([], closed=False, agent_id={"anyOf": [_int(), {"type": "null"}]}),
        "PublicAttachmentRequest": _object(
            ["session_key", "file"],
            closed=False,
            session_key={"type": "string", "minLength": 1},
            **_upload_fields(limits),
        ),
        "AgentAttachmentRequest": _object(["file"], closed=False, **_upload_fields(limits)),
    }


def _upload_fields(limits: Limits) -> dict[str, Schema]:
    mib = limits.attachment_max_bytes / 1024 / 1024
    return {
        "file": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": f"At most {mib:g} MiB. The type is read from the content: PNG, JPEG, "
            "GIF, WebP, PDF, UTF-8 text (.txt .csv .log .md), .docx, .xlsx; anything else, or a "
            "name whose extension says another type, is 422.",
        },
        "client_id": CLIENT_ID,
        "caption": {
            **_text(limits.content_max, MULTILINE),
            "description": "The message's text; the file's name when absent.",
        },
    }


def _multipart(name: str) -> Schema:
    return {"required": True, "content": {"multipart/form-data": {"schema": _ref(name)}}}


def _file_answer(public: bool) -> dict[str, Schema]:
    binary = {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
    types = sorted({k.content_type.split(";")[0] for k in KINDS})
    text = {"required": True, "schema": {"type": "string"}}
    headers = {
        "Content-Disposition": {
            **text,
            "description": "`inline` for images, `attachment` otherwise, with the name.",
        },
        "X-Content-Type-Options": {"required": True, "schema": {"const": "nosniff"}},
        "Content-Security-Policy": text,
        "Cross-Origin-Resource-Policy": {
            "required": True,
            "schema": {"const": "cross-origin" if public else "same-origin"},
        },
    }
    return {
        "200": {
            "description": "The file, as the type detected at upload (never the client's).",
            "headers": headers,
            "content": {t: binary for t in types},
        }
    }


def _responses() -> dict[str, Schema]:
    """One reusable answer per error status: the contract's shape with that status's code."""
    answers: dict[str, Schema] = {}
    for status, (code, description) in ERRORS.items():
        one_code = {"properties": {"error": {"properties": {"code": {"const": code}}}}}
        answers[status] = {
            "description": description,
            "content": {JSON: {"schema": {"allOf": [_ref("Error"), one_code]}}},
        }
    answers["429"]["headers"] = {
        "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}
    }
    return answers


def _answer(description: str, **fields: Schema) -> Schema:
    schema = _object(list(fields), **fields)
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _op(summary: str, ok: dict[str, Schema], errors: str, **more: Any) -> Schema:
    """An operation: its 2xx answers and the error statuses (space-separated) it can give."""
    responses = dict(ok)
    for status in [*errors.split(), "500"]:
        responses[status] = {"$ref": f"#/components/responses/{status}"}
    operation = {"summary": summary, "responses": responses, **more}
    operation.setdefault("security", [])
    return operation


def _body(name: str, required: bool = True) -> Schema:
    return {"required": required, "content": {JSON: {"schema": _ref(name)}}}


def _param(name: str, where: str, schema: Schema, description: str = "") -> Schema:
    param = {"name": name, "in": where, "required": where == "path", "schema": schema}
    return {**param, "description": description} if description else param


def _posted() -> dict[str, Schema]:
    message = _ref("Message")
    return {
        "201": _answer("Stored.", message=message),
        "200": _answer("That client_id was stored already: the stored message.", message=message),
    }


def _paging(limits: Limits) -> list[Schema]:
    return [
        _param("after_seq", "query", _int(0, BIG_QUERY_INT), "Only messages after this seq."),
        _param(
            "limit",
            "query",
            {**_int(1, BIG_QUERY_INT), "default": limits.history_default},
            f"At most this many messages; above {limits.history_max} it is capped.",
        ),
    ]


def _public_paths(limits: Limits) -> dict[str, Schema]:
    messages = {"type": "array", "items": _ref("Message")}
    key = _param("session_key", "path", {"type": "string"}, "The conversation's secret key.")
    return {
        "/api/v1/chat/public/start": {
            "post": _op(
                "Start a conversation",
                {
                    "201": _answer(
                        "Started.",
                        session_key={"type": "string", "minLength": 22},
                        session=_ref("PublicSession"),
                        messages=messages,
                    )
                },
                "400 413 422 429",
                requestBody=_body("StartRequest"),
            )
        },
        "/api/v1/chat/public/message": {
            "post": _op(
                "Send as the customer (409: the client_id is another sender's)",
                _posted(),
                "400 404 409 413 422 429",
                requestBody=_body("PublicMessageRequest"),
            )
        },
        "/api/v1/chat/public/session/{session_key}": {
            "get": _op(
                "The conversation and its messages in seq order",
                {
                    "200": _answer(
                        "The history.",
                        session=_ref("PublicSession"),
                        messages=messages,
                        has_more={"type": "boolean"},
                    )
                },
                "404 422",
                parameters=[key, *_paging(limits)],
            )
        },
        "/api/v1/chat/public/attachments": {
            "post": _op(
                "Send a file as the customer: stored and posted as one message (400: a malformed"
                " multipart body; 409: the client_id is another sender's)",
                _posted(),
                "400 404 409 413 422 429",
                requestBody=_multipart("PublicAttachmentRequest"),
            )
        },
        "/api/v1/chat/public/session/{session_key}/files/{file_id}": {
            "get": _op(
                "A file of this conversation (any other is 404)",
                _file_answer(public=True),
                "404",
                parameters=[key, _param("file_id", "path", _int(), "The attachment's id.")],
            )
        },
        "/api/v1/chat/public/availability": {
            "get": _op(
                "Whether at least one agent is online and Available (Busy does not count)",
                {"200": _answer("Now.", agents_available={"type": "boolean"})},
                "",
            )
        },
        "/api/v1/chat/public/config": {
            "get": _op(
                "What the server accepts (the `limits` connection.ready also carries) and whether"
                " an agent is Available",
                {
                    "200": _answer(
                        "Now.",
                        limits=_object(
                            ["content_max", "attachment_max_bytes", "attachment_types"],
                            content_max={"const": limits.content_max},
                            attachment_max_bytes={"const": limits.attachment_max_bytes},
                            attachment_types={"type": "array", "items": {"enum": [*EXTENSIONS]}},
                        ),
                        agents_available={"type": "boolean"},
                    )
                },
                "",
            )
        },
        "/api/v1/chat/public/session/{session_key}/transcript": {
            "get": _transcript_op(
                "The customer's own conversation as a file: the public view, no email",
                key,
                "PublicSession",
            )
        },
        "/api/v1/chat/public/handoff": {
            "post": _op(
                "Ask for a person: the conversation is queued",
                {"200": _answer("Queued.", session=_ref("PublicSession"))},
                "400 404 413 422",
                requestBody=_body("HandoffRequest"),
            )
        },
        "/api/v1/chat/public/read": {
            "post": _op(
                "The customer has read up to `seq`; a mark only moves forward (chat.read)",
                {"200": _answer("The conversation.", session=_ref("PublicSession"))},
                "400 404 413 422",
                requestBody=_body("PublicReadRequest"),
            )
        },
    }


def _agent_paths(limits: Limits) -> dict[str, Schema]:
    session_id = _param("session_id", "path", _int(), "A conversation's id.")
    one = {"200": _answer("The conversation.", session=_ref("Session"))}
    sessions_limit = {**_int(1, BIG_QUERY_INT), "default": limits.sessions_default}
    base = "/api/v1/chat/sessions/{session_id}"
    return {
        "/api/v1/chat/sessions": {
            "get": _op(
                "Conversations, latest activity first",
                {"200": _answer("The list.", sessions={"type": "array", "items": _ref("Session")})},
                "401 422",
                security=AGENT_AUTH,
                parameters=[
                    _param("status", "query", {"enum": [s.value for s in SessionStatus]}),
                    _param("limit", "query", sessions_limit, f"Capped at {limits.sessions_max}."),
                ],
            )
        },
        base: {
            "get": _op(
                "One conversation", one, "401 404", security=AGENT_AUTH, parameters=[session_id]
            )
        },
        f"{base}/messages": {
            "get": _op(
                "A conversation's messages in seq order",
                {
                    "200": _answer(
                        "A page.",
                        messages={"type": "array", "items": _ref("Message")},
                        has_more={"type": "boolean"},
                    )
                },
                "401 404 422",
                security=AGENT_AUTH,
                parameters=[session_id, *_paging(limits)],
            )
        },
        "/api/v1/chat/messages": {
            "post": _op(
                "Reply as the agent; an unassigned conversation becomes the caller's (409: closed,"
                " held by another agent, or the client_id is another sender's)",
                _posted(),
                "400 401 403 404 409 413 422",
                security=AGENT_AUTH,
                requestBody=_body("AgentMessageRequest"),
            )
        },
        f"{base}/attachments": {
            "post": _op(
                "Send a file as the agent, under the rules of a reply (400: a malformed"
                " multipart body; 409: closed, held by another agent, or the client_id is"
                " another sender's)",
                _posted(),
                "400 401 403 404 409 413 422",
                security=AGENT_AUTH,
                parameters=[session_id],
                requestBody=_multipart("AgentAttachmentRequest"),
            )
        },
        "/api/v1/chat/files/{file_id}": {
            "get": _op(
                "A file of any conversation",
                _file_answer(public=False),
                "401 404",
                security=AGENT_AUTH,
                parameters=[_param("file_id", "path", _int(), "The attachment's id.")],
            )
        },
        f"{base}/transcript": {
            "get": _transcript_op(
                "A conversation as a file (txt, json or csv)", session_id, "Session", AGENT_AUTH
            )
        },
        "/api/v1/chat/search": {"get": _search_op(limits)},
        f"{base}/assign": {
            "post": _op(
                "Assign to the caller, or (admins only, else 403) to `agent_id`"
                " (409: closed, or held by another agent)",
                one,
                "400 401 403 404 409 413 422",
                security=AGENT_AUTH,
                parameters=[session_id],
                requestBody=_body("AssignRequest", required=False),
            )
        },
        f"{base}/read": {
            "post": _op(
                "The agents have read up to `seq` (any agent may say so); a mark only moves"
                " forward (chat.read)",
                one,
                "400 401 403 404 413 422",
                security=AGENT_AUTH,
                parameters=[session_id],
                requestBody=_body("ReadRequest"),
            )
        },
        f"{base}/close": {
            "post": _op(
                "Close (409: held by another agent)",
                one,
                "401 403 404 409",
                security=AGENT_AUTH,
                parameters=[session_id],
            )
        },
    }


def _search_op(limits: Limits) -> Schema:
    results = {"type": "array", "items": _ref("SearchResult")}
    limit = {**_int(1, BIG_QUERY_INT), "default": limits.search_default}
    return _op(
        "Conversations holding every word of `q` in one message (newest match first; the last"
        " word may be unfinished), and/or whose customer's name or email contains `customer`"
        " (latest activity first). One of the two is required (else 422); `q` with no word in"
        " it is 422.",
        {"200": _answer("The conversations found.", results=results)},
        "401 422",
        security=AGENT_AUTH,
        parameters=[
            _param(
                "q",
                "query",
                {"type": "string", "maxLength": limits.search_query_max},
                f"Words (at most {limits.search_words_max} different ones); anything but"
                " letters, digits and marks only separates them (FTS5 syntax is not run).",
            ),
            _param(
                "customer",
                "query",
                {"type": "string", "maxLength": limits.email_max, "pattern": ONE_LINE},
                "Part of the customer's name or email (case-insensitive for ASCII).",
            ),
            _param("status", "query", {"enum": [s.value for s in SessionStatus]}),
            _param("limit", "query", limit, f"Conversations; capped at {limits.search_max}."),
        ],
    )


def _transcript_op(
    summary: str, whose: Schema, view: str, security: list[dict[str, list[str]]] | None = None
) -> Schema:
    disposition = {
        "required": True,
        "description": 'attachment; filename="conversation-<id>.<format>"',
        "schema": {"type": "string", "pattern": '^attachment; filename="conversation-[0-9]+'},
    }
    transcript = _object(
        ["session", "messages"],
        session=_ref(view),
        messages={"type": "array", "items": _ref("Message")},
    )
    text = {"type": "string"}
    return _op(
        summary,
        {
            "200": {
                "description": "txt: a header, then `[time] Name (sender_type): content`; json:"
                " the session and its messages; csv: seq,time,sender_type,sender_name,content"
                " with a UTF-8 BOM, cells that start with = + - @ prefixed with `'`.",
                "headers": {"Content-Disposition": disposition},
                "content": {
                    "text/plain": {"schema": text},
                    JSON: {"schema": transcript},
                    "text/csv": {"schema": text},
                },
            }
        },
        "401 404 422" if security else "404 422",
        security=security or [],
        parameters=[
            whose,
            _param("format", "query", {"enum": ["txt", "json", "csv"], "default": "txt"}),
        ],
    )


def _account_paths() -> dict[str, Schema]:
    agent = {"200": _answer("The agent.", agent=_ref("Agent"))}
    return {
        "/api/v1/auth/login": {
            "post": _op(
                "Log in; wrong email and wrong password give the same 401",
                {"200": _answer("Logged in.", token={"type": "string"}, agent=_ref("Agent"))},
                "400 401 413 422 429",
                requestBody=_body("LoginRequest"),
            )
        },
        "/api/v1/auth/logout": {
            "post": _op(
                "Revoke the credential this request came with; its sockets close (4401)",
                {"204": {"description": "Logged out."}},
                "401 403",
                security=AGENT_AUTH,
            )
        },
        "/api/v1/auth/me": {"get": _op("The caller", agent, "401", security=AGENT_AUTH)},
        "/api/v1/agents/presence": {
            "get": _op(
                "Every active agent's status: what they chose while a socket of theirs is open,"
                " `offline` once their last one has been closed for the grace period",
                {
                    "200": _answer(
                        "The team.", agents={"type": "array", "items": _ref("AgentPresence")}
                    )
                },
                "401",
                security=AGENT_AUTH,
            )
        },
        "/api/v1/agents/me/presence": {
            "post": _op(
                "Choose Available or Busy (422 for `offline`: it follows from your sockets);"
                " kept across restarts. The answer's status is what others see now.",
                {
                    "200": {
                        "description": "Chosen.",
                        "content": {JSON: {"schema": _ref("AgentPresence")}},
                    }
                },
                "400 401 403 413 422",
                security=AGENT_AUTH,
                requestBody=_body("PresenceRequest"),
            )
        },
        "/api/v1/agents/{agent_id}/deactivate": {
            "post": _op(
                "Remove an agent (admins only, else 403; 409 for oneself)",
                agent,
                "401 403 404 409",
                security=AGENT_AUTH,
                parameters=[_param("agent_id", "path", _int(), "An agent's id.")],
            )
        },
    }


def _service_paths() -> dict[str, Schema]:
    health = {"type": "object", "required": ["status"], "properties": {"status": {"enum": ["ok"]}}}
    down = {**health, "properties": {"status": {"enum": ["unavailable"]}}}
    return {
        "/healthz": {
            "get": {
                "summary": "Whether the database and the hub answer",
                "security": [],
                "responses": {
                    "200": {"description": "Up.", "content": {JSON: {"schema": health}}},
                    "503": {"description": "Down.", "content": {JSON: {"schema": down}}},
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1.",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


def openapi_document(settings: Settings) -> dict[str, Any]:
    """The REST API as OpenAPI 3.1, with the field limits these settings enforce."""
    limits = settings.limits
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Switchboard",
            "version": "1",
            "description": "The REST API of Switchboard's wire contract, v1. Every error is "
            '`{"error": {"code", "message"}}`. Request bodies are JSON of at most '
            f"{limits.body_max_bytes // 1024} KiB; text fields are trimmed before their limits "
            "apply and refuse control characters and lone surrogates. The public API needs no "
            "credential (the session key is one) and answers CORS preflights. The WebSockets "
            "(`/ws`, `/ws/public/{session_key}`) are described in the contract, not here.",
        },
        "paths": {
            **_public_paths(limits),
            **_account_paths(),
            **_agent_paths(limits),
            **_service_paths(),
        },
        "components": {
            "schemas": {**_views(), **_requests(limits)},
            "responses": _responses(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "From login."},
                "cookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": COOKIE_NAME,
                    "description": "The login page's signed cookie; an unsafe request "
                    "with it must come from an allowed Origin (else 403).",
                },
            },
        },
    }
