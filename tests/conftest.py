"""Fixtures: an app on SQLite (default) or on TEST_DATABASE_URL (PostgreSQL), built
once per session with the Alembic migrations, and emptied after every test.

CSRF protection stays on, as in production: the `visitor` fixture posts forms
with the token it reads from the page, like a person's browser does.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from config import TestingConfig
from expertise_app import create_app
from expertise_app.auth.tokens import create_token
from expertise_app.extensions import cache, db, limiter

from .factories import Cast, Factory


def _on_postgresql() -> bool:
    url = os.environ.get("TEST_DATABASE_URL")
    return bool(url) and sa.engine.make_url(url).get_backend_name() == "postgresql"


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres` tests need PostgreSQL; elsewhere they are skipped, saying why."""
    if _on_postgresql():
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (real concurrent connections and row locks): "
        "set TEST_DATABASE_URL=postgresql+psycopg://…"
    )
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    # A file, not :memory:, so that several connections (threads) see the same data.
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def drop_everything(engine: sa.Engine) -> None:
    """Empty the database, whatever an earlier run left in it."""
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        metadata.drop_all(bind=connection)


def skip_disk_flush_on_commit(engine: sa.Engine) -> None:
    """Tests need no durability across a power cut: commits return without waiting for the disk."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        if engine.dialect.name == "sqlite":
            dbapi_connection.execute("PRAGMA synchronous = OFF")
        elif engine.dialect.name == "postgresql":
            dbapi_connection.execute("SET synchronous_commit = off")
            dbapi_connection.commit()


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    url = _database_url(tmp_path_factory)
    # No pool pre-ping: the test database never drops idle connections, and the ping would cost
    # a round trip per transaction.
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={},
        MAIL_FILE_PATH=str(tmp_path_factory.mktemp("mail")),
    )
    with app.app_context():
        skip_disk_flush_on_commit(db.engine)
        drop_everything(db.engine)
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app: Flask) -> Iterator[None]:
    """Each test starts with empty tables and an app context of its own."""
    with app.app_context():
        yield
        empty_database()


def empty_database() -> None:
    """Delete every row (in the current app context), and what the process kept about them."""
    db.session.remove()
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        # DELETE, children first: on a handful of rows it is many times faster than TRUNCATE.
        for table in tables:
            if table == APPEND_ONLY and connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"TRUNCATE {table}")  # its trigger refuses DELETE
            else:
                connection.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608 (our own table names)
    cache.clear()  # figures kept for data that are gone
    limiter.reset()  # failed sign-ins counted in the process


@pytest.fixture
def factory(app: Flask) -> Factory:
    return Factory()


APPEND_ONLY = "audit_log"
CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Visitor:
    """A test client that signs in and posts forms with their CSRF token, like a person.

    Each request runs in an application context of its own, as in production
    (its own `g`, its own database session); afterwards the test's session
    forgets what it had loaded, so the test reads what the request wrote.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.page_token: str | None = None  # the CSRF token of the last page shown

    def _open(self, method: str, url: str, **kwargs):
        with self.app.app_context():
            response = self.client.open(url, method=method, **kwargs)
            if response.mimetype == "text/html":
                match = CSRF_INPUT.search(response.get_data(as_text=True))
                self.page_token = match.group(1) if match else self.page_token
        db.session.expire_all()
        return response

    def get(self, url: str, **kwargs):
        return self._open("GET", url, **kwargs)

    def csrf_token(self, url: str) -> str:
        page = self.get(url, follow_redirects=True).get_data(as_text=True)
        match = CSRF_INPUT.search(page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post(
        self, url: str, data: dict | None = None, *, token_from: str | None = None, with_csrf: bool = True, **kwargs
    ):
        """Post a form with the token of the page last shown (else of `token_from`, else of `url`).

        `with_csrf=False` posts it as a forged cross-site form would, without the token.
        """
        data = dict(data or {})
        if with_csrf and "csrf_token" not in data:
            data["csrf_token"] = self.page_token or self.csrf_token(token_from or url)
        response = self._open("POST", url, data=data, **kwargs)
        if url.startswith("/login") and response.status_code == 302:
            self.page_token = None  # signing in starts a new session, with a CSRF token of its own
        return response

    def login(self, email: str, password: str = Factory.PASSWORD):
        return self.post("/login", {"email": email, "password": password})

    def logout(self):
        return self.post("/logout", token_from="/")


@pytest.fixture
def visitor(app: Flask) -> Visitor:
    return Visitor(app)


@pytest.fixture
def visitor_factory(app: Flask):
    """Several independent signed-in sessions in one test."""
    return lambda: Visitor(app)


@pytest.fixture
def signed_in(visitor_factory):
    """`signed_in(user)`: a visitor of its own, signed in as `user`."""

    def sign_in(user) -> Visitor:
        visitor = visitor_factory()
        response = visitor.login(user.email)
        assert response.status_code == 302, f"{user.email} could not sign in"
        return visitor

    return sign_in


@pytest.fixture
def cast(factory: Factory) -> Cast:
    """One person in each relation to a request: see tests/matrix.py."""
    return factory.cast()


class ApiClient:
    """Calls the API with a bearer token, each call in its own application context."""

    def __init__(self, app: Flask, token: str | None):
        self.app = app
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, url: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        with self.app.app_context():
            response = self.client.open(f"/api/v1{url}", method=method, headers=headers, **kwargs)
            response.get_data()
        db.session.expire_all()
        return response

    def get(self, url: str, **kwargs):
        return self.call("GET", url, **kwargs)

    def post(self, url: str, body=None, **kwargs):
        return self.call("POST", url, json=body, **kwargs)

    def fire(self, request_id: int, action: str, version: int, **data):
        return self.post(f"/requests/{request_id}/actions", {"action": action, "version": version, **data})

    def fire_transition(self, request_id: int, trigger: str, version: int, **data):
        """The deprecated endpoint, kept for earlier clients."""
        return self.post(f"/requests/{request_id}/transitions", {"trigger": trigger, "version": version, **data})


@pytest.fixture
def api(app: Flask):
    """`api(user)`: an API client holding a fresh token of `user`."""

    made = itertools.count(1)

    def client_for(user) -> ApiClient:
        _token, secret = create_token(user, f"tests {next(made)}")  # several clients of one person: names apart
        db.session.commit()
        return ApiClient(app, secret)

    return client_for


PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["type"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body
