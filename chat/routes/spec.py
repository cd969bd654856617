"""What each HTTP route declares about itself for /openapi.json: its body, query and answers as
types of chat/wire.py, the errors it may give and whether it needs an agent's credential."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

# An answer: (description, a wire type) for JSON, or a raw OpenAPI response object (files).
Answer = tuple[str, type] | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Operation:
    summary: str
    answers: Mapping[int, Answer]
    errors: tuple[int, ...] = ()
    body: type | None = None
    form: type | None = None  # a multipart/form-data body
    query: type | None = None
    agent: bool = False  # needs a bearer token or the login cookie (401 without)
    params: Mapping[str, str] = field(default_factory=dict)  # path parameter descriptions


def operation(
    summary: str,
    answers: Mapping[int, Answer],
    errors: str = "",
    *,
    body: type | None = None,
    form: type | None = None,
    query: type | None = None,
    agent: bool = False,
    **params: str,
) -> Callable[[Endpoint], Endpoint]:
    """Declare an endpoint's operation; `errors` are the statuses it may answer besides 500."""
    declared = Operation(
        summary,
        answers,
        tuple(int(status) for status in errors.split()),
        body,
        form,
        query,
        agent,
        params,
    )

    def declare(endpoint: Endpoint) -> Endpoint:
        endpoint.operation = declared  # type: ignore[attr-defined]
        return endpoint

    return declare


def operation_of(endpoint: Any) -> Operation | None:
    return getattr(endpoint, "operation", None)
