"""File attachments: upload = send (multipart), and downloads for the customer and agents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive

from chat.attachments import KINDS, content_disposition, kind_of
from chat.auth import require_agent
from chat.config import Limits
from chat.errors import BadRequest, Invalid, NotFound, PayloadTooLarge
from chat.models import Attachment
from chat.routes.api import (
    POSTED,
    PREFIX,
    _path_id,
    _posted,
    _session_id,
    client_address,
    codec,
    service,
)
from chat.routes.spec import operation
from chat.wire import AgentAttachmentForm, PublicAttachmentForm

# A file's answer is a document of its own: no scripts, no plugins, no navigation, even if a
# browser were to render it.
FILE_CSP = "default-src 'none'; sandbox"


@dataclass(frozen=True, slots=True)
class Upload:
    file: UploadFile
    fields: dict[str, str]


def _too_large(limits: Limits) -> PayloadTooLarge:
    mib = limits.attachment_max_bytes / 1024 / 1024
    return PayloadTooLarge(f"The file is larger than {mib:g} MiB.")


def _counting(receive: Receive, bound: int, limits: Limits) -> Receive:
    """The request's receive, refusing (413) once the body grows past `bound` bytes."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > bound:
            raise _too_large(limits)
        return message

    return counted


async def _form(request: Request, limits: Limits) -> FormData:
    """The multipart body, never held whole in memory: Starlette spools the file to a temporary
    file past 1 MiB, and the body is cut off with 413 as soon as it outgrows the limit."""
    bound = limits.attachment_max_bytes + limits.body_max_bytes  # the file plus the other fields
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > bound:
        raise _too_large(limits)
    counted = Request(request.scope, _counting(request.receive, bound, limits))
    try:
        return await counted.form(max_files=1, max_fields=8, max_part_size=limits.body_max_bytes)
    except HTTPException as exc:  # Starlette's answer to a malformed multipart body
        raise BadRequest(f"The multipart body was refused: {exc.detail}") from None


async def _upload(request: Request, limits: Limits) -> Upload:
    form = await _form(request, limits)
    file = form.get("file")
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    if not isinstance(file, UploadFile):
        await form.close()
        raise Invalid("`file` must be a file part of a multipart/form-data body.")
    if file.size is not None and file.size > limits.attachment_max_bytes:
        await form.close()
        raise _too_large(limits)
    return Upload(file, fields)


FILE = {
    "description": "The file, as the type detected at upload (never the client's).",
    "content": {
        t: {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
        for t in sorted({k.content_type.split(";")[0] for k in KINDS})
    },
}


def _file_answer(public: bool) -> dict[int, Any]:
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
    return {200: {**FILE, "headers": headers}}


@operation(
    "Send a file as the customer: stored and posted as one message (400: a malformed multipart"
    " body; 409: the client_id is another sender's)",
    POSTED,
    "400 404 409 413 422 429",
    form=PublicAttachmentForm,
)
async def public_attachment(request: Request) -> Response:
    limits: Limits = request.app.state.settings.limits
    upload = await _upload(request, limits)
    try:
        form = codec(request).query(PublicAttachmentForm, upload.fields)
        posted = await service(request).post_customer_file(
            form.session_key,
            upload.file.file,
            upload.file.filename or "",
            form.caption,
            form.client_id,
            client_address(request),
        )
    finally:
        await upload.file.close()
    return _posted(posted)


@operation(
    "Send a file as the agent, under the rules of a reply (400: a malformed multipart body; 409:"
    " closed, held by another agent, or the client_id is another sender's)",
    POSTED,
    "400 403 404 409 413 422",
    form=AgentAttachmentForm,
    agent=True,
    session_id="A conversation's id.",
)
async def agent_attachment(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    limits: Limits = request.app.state.settings.limits
    session_id = _session_id(request)
    upload = await _upload(request, limits)
    try:
        form = codec(request).query(AgentAttachmentForm, upload.fields)
        posted = await service(request).post_agent_file(
            agent,
            session_id,
            upload.file.file,
            upload.file.filename or "",
            form.caption,
            form.client_id,
        )
    finally:
        await upload.file.close()
    return _posted(posted)


def _file_id(request: Request) -> int:
    return _path_id(request, "file_id", "No such file.")


@operation(
    "A file of any conversation",
    _file_answer(public=False),
    "404",
    agent=True,
    file_id="The attachment's id.",
)
async def agent_file(request: Request) -> Response:
    await require_agent(request)
    found, path = await service(request).agent_file(_file_id(request))
    return _file(found, path, public=False)


@operation(
    "A file of this conversation (any other is 404)",
    _file_answer(public=True),
    "404",
    session_key="The conversation's secret key.",
    file_id="The attachment's id.",
)
async def public_file(request: Request) -> Response:
    key = request.path_params["session_key"]
    found, path = await service(request).customer_file(key, _file_id(request))
    return _file(found, path, public=True)


def _file(found: Attachment, path: Any, public: bool) -> Response:
    """The stored bytes with the type we detected (never the client's), shown inline only when
    it is an image, and headers that keep a browser from running or sniffing anything."""
    if not path.is_file():
        raise NotFound("That file is no longer available.")
    kind = kind_of(found.content_type)
    headers = {
        "Content-Disposition": content_disposition(found.name, bool(kind and kind.image)),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": FILE_CSP,
        "Cache-Control": "private, max-age=3600",
        # The widget shows the customer's images on the company's site, another origin.
        "Cross-Origin-Resource-Policy": "cross-origin" if public else "same-origin",
    }
    return FileResponse(path, media_type=found.content_type, headers=headers)


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/chat/public/attachments", public_attachment, methods=["POST"]),
    Route(
        f"{PREFIX}/chat/public/session/{{session_key}}/files/{{file_id}}",
        public_file,
        methods=["GET"],
    ),
    Route(f"{PREFIX}/chat/sessions/{{session_id}}/attachments", agent_attachment, methods=["POST"]),
    Route(f"{PREFIX}/chat/files/{{file_id}}", agent_file, methods=["GET"]),
]
