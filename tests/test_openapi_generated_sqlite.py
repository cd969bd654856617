"""Generated requests get documented answers and never a 5xx, on SQLite (the cases and
checks: tests/openapi_cases.py)."""

from __future__ import annotations

from typing import Any

import schemathesis

from tests.openapi_cases import GENERATED, Served, api_schema, check, served

BACKENDS = ("sqlite",)  # tests/conftest.py: this file's tests run on this backend alone
__all__ = ["api_schema", "served"]  # the fixtures the cases use
schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@GENERATED
def test_generated_requests_get_documented_answers_and_never_a_5xx(
    case: Any, served: Served
) -> None:
    check(case, served)
