"""Probes for load balancers: the process is up; the process can serve (its database answers)."""

from __future__ import annotations

import pytest

from config import TestingConfig
from expertise_app import create_app
from expertise_app.extensions import db

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nope"  # nothing listens on port 1


def test_healthz(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_when_the_database_answers(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.fixture
def app_without_database():
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=UNREACHABLE)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_readyz_when_the_database_does_not_answer(app_without_database):
    client = app_without_database.test_client()

    ready = client.get("/readyz")
    alive = client.get("/healthz")

    assert ready.status_code == 503
    assert ready.json == {"status": "unavailable", "database": "unreachable"}
    assert alive.status_code == 200  # the process itself is fine: do not restart it


def test_probes_need_no_sign_in_and_no_csrf_token(app):
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    assert client.post("/readyz").status_code == 405
