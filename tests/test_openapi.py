"""The OpenAPI document: valid 3.1, in step with the app's routes, and true of the running app."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from chat.application import create_app
from chat.config import Settings
from chat.routes.openapi import openapi_document

METHODS = {"get", "post", "put", "patch", "delete", "options", "head", "trace"}
# Outside /api/ only these two are part of the documented API; the rest are pages and scripts.
DOCUMENTED_EXTRAS = {"/healthz", "/openapi.json", "/asyncapi.json"}
OPEN_PATHS = {"/api/v1/auth/login", *DOCUMENTED_EXTRAS}


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def app_operations(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    """(path, method) of every HTTP route, mounts included; HEAD is Starlette's for each GET."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= app_operations(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            path = re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", prefix + route.path)
            found |= {(path, method) for method in route.methods or () if method != "HEAD"}
    return found


def api_operations(app: Starlette) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, method in app_operations(app.routes)
        if path.startswith("/api/") or path in DOCUMENTED_EXTRAS
    }


def test_the_served_document_is_valid_openapi_3_1(client: TestClient, settings: Settings) -> None:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    document = answer.json()
    validate(document)  # raises on anything that is not valid OpenAPI 3.1
    assert document["openapi"] == "3.1.0"
    assert document == openapi_document(client.app.routes, settings)


def test_every_route_is_documented_and_every_documented_path_exists(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, Starlette)
    in_app = api_operations(app)
    documented = documented_operations(client.get("/openapi.json").json())
    assert ("/api/v1/chat/sessions/{session_id}/assign", "POST") in in_app  # the walk works
    assert in_app - documented == set(), "routes without a declared operation (chat/routes/spec.py)"
    assert documented - in_app == set(), "documented operations the app does not have"


def test_a_route_added_without_a_declared_operation_is_missing_from_the_document(
    settings: Settings,
) -> None:
    """What the test above catches: a new route that declares nothing is not documented."""

    async def undocumented(request: Any) -> Any:
        raise AssertionError("never called")

    app = create_app(settings)
    app.router.routes.append(Route("/api/v1/undocumented", undocumented, methods=["GET"]))
    documented = documented_operations(openapi_document(app.routes, settings))
    assert api_operations(app) - documented == {("/api/v1/undocumented", "GET")}


def test_the_document_states_the_configured_limits(settings: Settings) -> None:
    limits = replace(settings.limits, content_max=321, name_max=12, history_max=77)
    changed = replace(settings, limits=limits)
    document = openapi_document(create_app(changed).routes, changed)
    schemas = document["components"]["schemas"]
    assert schemas["PublicMessageRequest"]["properties"]["content"]["maxLength"] == 321
    assert schemas["AgentMessageRequest"]["properties"]["content"]["maxLength"] == 321
    assert schemas["StartRequest"]["properties"]["name"]["maxLength"] == 12
    paging = document["paths"]["/api/v1/chat/public/session/{session_key}"]["get"]["parameters"]
    assert "77" in next(p for p in paging if p["name"] == "limit")["description"]


def test_every_agent_operation_requires_a_credential_and_says_401() -> None:
    document = openapi_document(create_app(Settings()).routes, Settings())
    for path, method in documented_operations(document):
        operation = document["paths"][path][method.lower()]
        open_to_all = path.startswith("/api/v1/chat/public/") or path in OPEN_PATHS
        assert bool(operation["security"]) == (not open_to_all), (path, method)
        assert open_to_all or "401" in operation["responses"], (path, method)


# The generated requests (schemathesis) are in tests/test_openapi_generated_*.py, one file per
# backend so that pytest-xdist runs the two side by side (tests/openapi_cases.py).
