"""The OpenAPI document: valid 3.1, in step with the app's routes, and true of the running app."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from chat.application import create_app
from chat.config import Settings
from chat.routes.openapi import openapi_document
from tests.conftest import ADMIN, ALICE, BOB, PASSWORD, ROOMY

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


# -- schemathesis: generated requests against the app in-process, on a real SQLite file ----


@dataclass
class Served:
    schema: Any
    token: str = ""
    pools: dict[str, list[Any]] = field(default_factory=dict)  # real keys and ids, by field

    def call(self, method: str, path: str, body: Any) -> Any:
        return self.schema[path][method].Case(body=body).call()

    def login(self, email: str = ADMIN) -> dict[str, Any]:
        answer = self.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def served(
    module_database: Path | str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One app for the module under schemathesis's ASGI transport, which runs its lifespan."""
    folder = tmp_path_factory.mktemp("openapi")
    settings = Settings(
        database=module_database, data_folder=folder, secret_key="t", limits=ROOMY, ai_enabled=False
    )
    app = create_app(settings)
    served = Served(schemathesis.openapi.from_asgi("/openapi.json", app))
    try:
        logins = [served.login(email) for email in (ALICE, BOB, ADMIN)]
        served.token = logins[-1]["token"]
        started = [
            served.call("POST", "/api/v1/chat/public/start", {"name": "Pat"}).json()
            for _ in range(4)
        ]
        served.pools = {
            "session_key": [s["session_key"] for s in started],
            "session_id": [s["session"]["id"] for s in started],
            "agent_id": [login["agent"]["id"] for login in logins],
        }
        yield served
    finally:
        asgi.shutdown_lifespans()


@pytest.fixture(scope="module")
def api_schema(served: Served) -> Any:
    return served.schema


def aim(case: Any, served: Served) -> None:
    """Point 3 generated keys or ids in 4 at conversations and agents that exist, so the cases
    reach the handlers. The choice hangs on the generated value, so Hypothesis can replay it."""
    for fields in (case.path_parameters, case.body):
        if not isinstance(fields, dict):
            continue
        for name, pool in served.pools.items():
            value = fields.get(name)
            if type(value) is type(pool[0]):  # a value of another type stays a negative case
                digest = zlib.crc32(repr(value).encode("utf-8", "surrogatepass"))
                fields[name] = pool[digest % len(pool)] if digest % 4 else value


def credentials(case: Any, served: Served) -> dict[str, str]:
    """A valid bearer token for agent operations: the admin's, so every branch is reachable
    (assigning to others, removing agents); a fresh one for logout, which revokes it."""
    if not case.operation.definition.raw.get("security"):
        return {}
    token = served.login()["token"] if case.path == "/api/v1/auth/logout" else served.token
    return {"Authorization": f"Bearer {token}"}


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
schema = schemathesis.pytest.from_fixture("api_schema")


# 25 requests per operation and backend: with some 80 operations this one test was 4 minutes of
# one worker at 40 (the file runs on one worker), the longest tail of CI's 20-minute budget.
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_documented_answers_and_never_a_5xx(
    case: Any, served: Served
) -> None:
    aim(case, served)
    case.call_and_validate(headers=credentials(case, served), checks=CHECKS)
