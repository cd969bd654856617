"""The agents' daily tools (TEAMS.md, "Notes, canned responses, labels"): private notes with
mentions, canned responses (any agent manages them) and labels (an admin manages them, any
agent puts them on a conversation). Parse, call the service once, answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from chat.auth import require_agent
from chat.routes.admin import require_admin
from chat.routes.api import PREFIX, SESSION, WireResponse, _path_id, _session_id, read_json, service
from chat.routes.spec import operation
from chat.wire import (
    CannedAnswer,
    CannedListAnswer,
    CannedRequest,
    CannedView,
    FilledAnswer,
    FillRequest,
    GapView,
    LabelAnswer,
    LabelRequest,
    LabelsAnswer,
    LabelView,
    NoteAnswer,
    NoteRequest,
    NotesAnswer,
    NoteView,
    SessionAnswer,
    SessionLabelsRequest,
    SessionView,
)

CANNED = {"canned_id": "A canned response's id."}
LABEL = {"label_id": "A label's id."}
DELETED = {204: {"description": "Deleted."}}


def _canned_id(request: Request) -> int:
    return _path_id(request, "canned_id", "No such canned response.")


def _label_id(request: Request) -> int:
    return _path_id(request, "label_id", "No such label.")


# -- notes ----------------------------------------------------------------------------------


@operation(
    "The conversation's private notes, oldest first (agents only: never shown to the customer)",
    {200: ("The notes.", NotesAnswer)},
    "404",
    agent=True,
    **SESSION,
)
async def list_notes(request: Request) -> Response:
    await require_agent(request)
    found = await service(request).list_notes(_session_id(request))
    return WireResponse(NotesAnswer([NoteView.of(n) for n in found]))


@operation(
    "Write a private note (agents only, no seq; never the customer's). `@Name` of an active"
    " agent mentions them (chat.mention). The status and the assignee stay as they are.",
    {
        201: ("Stored.", NoteAnswer),
        200: ("That client_id was stored already: the stored note.", NoteAnswer),
    },
    "400 403 404 413 422",
    body=NoteRequest,
    agent=True,
    **SESSION,
)
async def post_note(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    body: NoteRequest = await read_json(request, NoteRequest)
    noted = await service(request).post_note(
        agent, _session_id(request), body.content, body.client_id
    )
    return WireResponse(NoteAnswer(NoteView.of(noted.note)), 201 if noted.created else 200)


# -- canned responses -----------------------------------------------------------------------


@operation(
    "The team's canned responses, by shortcode", {200: ("The list.", CannedListAnswer)}, agent=True
)
async def list_canned(request: Request) -> Response:
    await require_agent(request)
    found = await service(request).list_canned()
    return WireResponse(CannedListAnswer([CannedView.of(c) for c in found]))


@operation(
    "Add a canned response (any agent); 409 when its shortcode is taken, whatever the case",
    {201: ("Added.", CannedAnswer)},
    "400 403 409 413 422",
    body=CannedRequest,
    agent=True,
)
async def add_canned(request: Request) -> Response:
    await require_agent(request, unsafe=True)
    body: CannedRequest = await read_json(request, CannedRequest)
    saved = await service(request).add_canned(body.shortcode, body.content)
    return WireResponse(CannedAnswer(CannedView.of(saved)), 201)


@operation(
    "Change a canned response (any agent); 409 when the new shortcode is another's",
    {200: ("Changed.", CannedAnswer)},
    "400 403 404 409 413 422",
    body=CannedRequest,
    agent=True,
    **CANNED,
)
async def put_canned(request: Request) -> Response:
    await require_agent(request, unsafe=True)
    body: CannedRequest = await read_json(request, CannedRequest)
    saved = await service(request).change_canned(_canned_id(request), body.shortcode, body.content)
    return WireResponse(CannedAnswer(CannedView.of(saved)))


@operation("Delete a canned response (any agent)", DELETED, "403 404", agent=True, **CANNED)
async def delete_canned(request: Request) -> Response:
    await require_agent(request, unsafe=True)
    await service(request).delete_canned(_canned_id(request))
    return Response(status_code=204)


@operation(
    "A canned response filled in for a conversation and the caller: plain text; variables that"
    " are unknown, or empty without a fallback, stay as written and are listed in `gaps`",
    {200: ("Filled in.", FilledAnswer)},
    "400 403 404 413 422",
    body=FillRequest,
    agent=True,
    **CANNED,
)
async def fill_canned(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    body: FillRequest = await read_json(request, FillRequest)
    filled = await service(request).fill_canned(agent, _canned_id(request), body.session_id)
    gaps = [GapView(g.variable, g.start, g.end, g.reason) for g in filled.gaps]  # type: ignore[arg-type]
    return WireResponse(FilledAnswer(filled.text, gaps))


# -- labels ---------------------------------------------------------------------------------


@operation("Every label, by name", {200: ("The labels.", LabelsAnswer)}, agent=True)
async def list_labels(request: Request) -> Response:
    await require_agent(request)
    found = await service(request).list_labels()
    return WireResponse(LabelsAnswer([LabelView.of(label) for label in found]))


@operation(
    "Add a label (admins); 409 when the name is taken, whatever the case",
    {201: ("Added.", LabelAnswer)},
    "400 403 409 413 422",
    body=LabelRequest,
    agent=True,
)
async def add_label(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    body: LabelRequest = await read_json(request, LabelRequest)
    label = await service(request).add_label(admin, body.name, body.color)
    return WireResponse(LabelAnswer(LabelView.of(label)), 201)


@operation(
    "Rename or recolour a label (admins); every conversation with it is announced again",
    {200: ("Changed.", LabelAnswer)},
    "400 403 404 409 413 422",
    body=LabelRequest,
    agent=True,
    **LABEL,
)
async def put_label(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    body: LabelRequest = await read_json(request, LabelRequest)
    label = await service(request).change_label(admin, _label_id(request), body.name, body.color)
    return WireResponse(LabelAnswer(LabelView.of(label)))


@operation(
    "Delete a label (admins): it leaves every conversation that had it",
    DELETED,
    "403 404",
    agent=True,
    **LABEL,
)
async def delete_label(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    await service(request).delete_label(admin, _label_id(request))
    return Response(status_code=204)


@operation(
    "Set the conversation's labels (any agent); every agent hears chat.session.updated, the"
    " customer nothing",
    {200: ("The conversation with its labels.", SessionAnswer)},
    "400 403 404 413 422",
    body=SessionLabelsRequest,
    agent=True,
    **SESSION,
)
async def put_session_labels(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    body: SessionLabelsRequest = await read_json(request, SessionLabelsRequest)
    session = await service(request).put_labels(agent, _session_id(request), body.label_ids)
    return WireResponse(SessionAnswer(SessionView.of(session)))


SESSION_PATH = f"{PREFIX}/chat/sessions/{{session_id}}"
routes: list[BaseRoute] = [
    Route(f"{SESSION_PATH}/notes", list_notes, methods=["GET"]),
    Route(f"{SESSION_PATH}/notes", post_note, methods=["POST"]),
    Route(f"{SESSION_PATH}/labels", put_session_labels, methods=["PUT"]),
    Route(f"{PREFIX}/canned", list_canned, methods=["GET"]),
    Route(f"{PREFIX}/canned", add_canned, methods=["POST"]),
    Route(f"{PREFIX}/canned/{{canned_id}}", put_canned, methods=["PUT"]),
    Route(f"{PREFIX}/canned/{{canned_id}}", delete_canned, methods=["DELETE"]),
    Route(f"{PREFIX}/canned/{{canned_id}}/fill", fill_canned, methods=["POST"]),
    Route(f"{PREFIX}/labels", list_labels, methods=["GET"]),
    Route(f"{PREFIX}/labels", add_label, methods=["POST"]),
    Route(f"{PREFIX}/labels/{{label_id}}", put_label, methods=["PUT"]),
    Route(f"{PREFIX}/labels/{{label_id}}", delete_label, methods=["DELETE"]),
]
