"""Generated tests of the OpenAPI document (schemathesis): for every operation, requests
built from the document must never get a server error or a response that breaks it.

The app runs in-process on the test database (PostgreSQL in CI's second pass).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config import TestingConfig
from expertise_app import create_app
from expertise_app.auth.tokens import create_token
from expertise_app.extensions import db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _published_document() -> dict:
    """The document as the app serves it (any app instance serves the same one)."""
    spec_app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    return spec_app.test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_published_document())


def _token_with_data(factory, cast, role: str) -> dict[str, str]:
    """Some requests in every state, and the token of `role`."""
    for state in ("submitted", "assessed", "skills_mobilised", "mission_delivered", "closed"):
        factory.cast_case(cast, state)
    _token, secret = create_token(cast[role], "schemathesis")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def partner_headers(factory, cast):
    return _token_with_data(factory, cast, "partner")


@pytest.fixture
def manager_headers(factory, cast):
    return _token_with_data(factory, cast, "manager")


SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@schema.parametrize()
@SETTINGS
def test_the_api_honours_its_document_for_a_partner(app, case, partner_headers):
    case.call_and_validate(app=app, headers=partner_headers, checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_the_api_honours_its_document_for_a_manager(app, case, manager_headers):
    case.call_and_validate(app=app, headers=manager_headers, checks=CHECKS)
