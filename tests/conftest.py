"""Fixtures: an app on SQLite (default) or on TEST_DATABASE_URL (PostgreSQL), built
once per session with the Alembic migrations, and emptied after every test.

CSRF protection stays on, as in production: the `browser` fixture posts forms
with the token it reads from the page, like a person's browser does.
"""

from __future__ import annotations

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
from expertise_app.extensions import db

from .factories import Factory


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


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    url = _database_url(tmp_path_factory)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
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
        db.session.remove()
        tables = [table.name for table in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if db.engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    connection.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608 (our own table names)


@pytest.fixture
def factory(app: Flask) -> Factory:
    return Factory()


CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Browser:
    """A test client that signs in and posts forms with their CSRF token, like a person.

    Each request runs in an application context of its own, as in production
    (its own `g`, its own database session); afterwards the test's session
    forgets what it had loaded, so the test reads what the request wrote.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.client: FlaskClient = app.test_client()

    def _open(self, method: str, url: str, **kwargs):
        with self.app.app_context():
            response = self.client.open(url, method=method, **kwargs)
            response.get_data()
        db.session.expire_all()
        return response

    def get(self, url: str, **kwargs):
        return self._open("GET", url, **kwargs)

    def csrf_token(self, url: str) -> str:
        page = self.get(url, follow_redirects=True).get_data(as_text=True)
        match = CSRF_INPUT.search(page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post(self, url: str, data: dict | None = None, *, token_from: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(token_from or url))
        return self._open("POST", url, data=data, **kwargs)

    def login(self, email: str, password: str = Factory.PASSWORD):
        return self.post("/login", {"email": email, "password": password})

    def logout(self):
        return self.post("/logout", token_from="/")


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app)


@pytest.fixture
def browser_factory(app: Flask):
    """Several independent signed-in sessions in one test."""
    return lambda: Browser(app)
