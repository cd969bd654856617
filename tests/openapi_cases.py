"""Generated requests against the app in-process (schemathesis), on a real database: the app,
its real keys and ids for the cases to aim at, and the checks. Used by
tests/test_openapi_generated_sqlite.py and tests/test_openapi_generated_postgresql.py, one
backend each: in one file, pytest-xdist's `--dist loadfile` ran both backends' 2 minutes one
after the other on one worker, at the end of CI on the slower machines of this kind."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi

from chat.application import create_app
from chat.config import Settings
from tests.conftest import ADMIN, ALICE, BOB, PASSWORD, ROOMY

# 25 requests per operation and backend: with some 80 operations this test was 4 minutes of
# one worker at 40, the longest tail of CI's 20-minute budget.
GENERATED = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


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


def check(case: Any, served: Served) -> None:
    """One generated request, aimed and authorised, through every check."""
    aim(case, served)
    case.call_and_validate(headers=credentials(case, served), checks=CHECKS)
