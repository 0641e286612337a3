"""The JSON API against its own OpenAPI description: schemathesis with every check, a few dozen
generated requests per operation, on the demo archive."""

from __future__ import annotations

import itertools

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode


def test_api_keeps_to_its_description(demo_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/search", "/api/v1/heroes/{id}"}
    # Requests the description allows (positive), and requests it forbids (negative: the API
    # must refuse them with a 4xx, never accept or cut them).
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_it(case):
            case.call_and_validate()

        keeps_to_it()
