"""With the database gone every answer is a 503 with Retry-After (a page, or problem+json for the
API), never a 500 or a traceback; and the app serves again by itself once the database is back."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time

import pytest
import sqlalchemy as sa
from flask import redirect

from config import TestingConfig
from expertise_app import create_app
from expertise_app.extensions import db

from .conftest import PROBLEM

NOWHERE = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"  # the discard port: nothing listens


def _app(url: str, tmp_path, idle_ping_seconds: float = 1.0):
    return create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
        DATABASE_IDLE_PING_SECONDS=idle_ping_seconds,
        MAIL_FILE_PATH=str(tmp_path),
    )


def _assert_unavailable(response, json: bool = False) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"] == "5"
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "psycopg" not in body and "SELECT" not in body
    if json:
        assert response.mimetype == PROBLEM and response.get_json()["status"] == 503


def test_without_its_database_every_channel_answers_503(tmp_path):
    client = _app(NOWHERE, tmp_path).test_client()
    with client.session_transaction() as session:
        session.update(_user_id=f"a-session-token.{int(time.time())}.0", seen_at=int(time.time()))
    page = client.get("/cases")
    _assert_unavailable(page)
    assert "Temporarily unavailable" in page.get_data(as_text=True)
    _assert_unavailable(client.get("/api/v1/requests", headers={"Authorization": "Bearer secret"}), json=True)
    _assert_unavailable(client.get("/cases/1", headers={"Accept": PROBLEM}), json=True)
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_the_outage_page_is_in_the_visitor_s_language(tmp_path):
    client = _app(NOWHERE, tmp_path).test_client()
    client.set_cookie("lang", "ar")
    with client.session_transaction() as session:
        session.update(_user_id=f"a-session-token.{int(time.time())}.0", seen_at=int(time.time()))
    page = client.get("/cases")
    _assert_unavailable(page)
    html = page.get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html and "Temporarily unavailable" not in html


def test_a_database_server_that_does_not_answer_gets_503_within_the_connect_timeout(tmp_path):
    """A PostgreSQL address where connections are taken and never answered (a host gone silent, a
    network cut without a reset): each request ends in a 503 after DATABASE_CONNECT_TIMEOUT, none
    waits for TCP's own time-out. No PostgreSQL is needed: nothing here ever answers."""
    silent = socket.create_server(("127.0.0.1", 0), backlog=64)  # the kernel completes connections; no one reads
    try:
        app = create_app(
            TestingConfig,
            SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/silent",
            SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
            DATABASE_CONNECT_TIMEOUT=2,
            MAIL_FILE_PATH=str(tmp_path),
        )
        answers: list = []

        def ask() -> None:
            client = app.test_client()
            started = time.monotonic()
            answers.append((client.get("/readyz").status_code, time.monotonic() - started))
            with client.session_transaction() as session:  # someone signed in: the page loads them first
                session.update(_user_id=f"a-session-token.{int(time.time())}.0", seen_at=int(time.time()))
            started = time.monotonic()
            answers.append((client.get("/cases").status_code, time.monotonic() - started))

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        asking.join(20)
        assert not asking.is_alive(), "a request is still waiting for the database"
        assert [status for status, _ in answers] == [503, 503]
        assert all(1.5 < seconds < 10 for _, seconds in answers), answers
    finally:
        silent.close()


class Forwarder:
    """A TCP relay to the database that can be cut and restored, as a network outage would."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.open = True
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:  # a connection is either cut with the others or made after the restore
                if not self.open:
                    client.close()
                    continue
                upstream = socket.create_connection(self.target)
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            self.open = False
            for connection in self.sockets:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self.sockets.clear()

    def restore(self) -> None:
        with self.lock:
            self.open = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.mark.postgres
def test_the_app_serves_again_by_itself_when_the_database_returns(cast, tmp_path):
    url = sa.engine.make_url(os.environ["TEST_DATABASE_URL"])
    forwarder = Forwarder((url.host or "127.0.0.1", url.port or 5432))
    try:
        client = _app(url.set(port=forwarder.port).render_as_string(hide_password=False), tmp_path).test_client()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
        signed = client.post(
            "/login", data={"email": cast.manager.email, "password": "correct-horse-battery", "csrf_token": token}
        )
        assert signed.status_code == 302
        assert client.get("/cases").status_code == 200
        forwarder.cut()
        for _ in range(3):
            _assert_unavailable(client.get("/cases"))
        _assert_unavailable(client.get("/api/v1/requests", headers={"Accept": "application/json"}), json=True)
        assert client.get("/readyz").status_code == 503
        forwarder.restore()
        assert client.get("/readyz").status_code == 200
        assert client.get("/cases").status_code == 200
    finally:
        forwarder.close()


def _signed_in_manager(client, cast) -> None:
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    signed = client.post(
        "/login", data={"email": cast.manager.email, "password": "correct-horse-battery", "csrf_token": token}
    )
    assert signed.status_code == 302


@pytest.mark.postgres
def test_a_connection_cut_while_idle_is_replaced_before_anyone_notices(cast, tmp_path):
    """The database restarted (or a proxy dropped the connection) while nobody used the app: the
    next visitor is served, because a connection that waited in the pool is pinged first."""
    url = sa.engine.make_url(os.environ["TEST_DATABASE_URL"])
    forwarder = Forwarder((url.host or "127.0.0.1", url.port or 5432))
    try:
        app = _app(url.set(port=forwarder.port).render_as_string(hide_password=False), tmp_path, 0.2)
        client = app.test_client()
        _signed_in_manager(client, cast)
        assert client.get("/cases").status_code == 200
        forwarder.cut()  # every open connection is dead, new ones get through
        forwarder.restore()
        time.sleep(0.3)
        assert client.get("/cases").status_code == 200
    finally:
        forwarder.close()


@pytest.mark.postgres
def test_a_connection_cut_while_busy_fails_one_request_and_the_next_is_served(cast, tmp_path):
    """Under load connections are not pinged (a round trip per request): one cut mid-flight answers
    503 with Retry-After, and the pool starts afresh for the next request."""
    url = sa.engine.make_url(os.environ["TEST_DATABASE_URL"])
    forwarder = Forwarder((url.host or "127.0.0.1", url.port or 5432))
    try:
        client = _app(url.set(port=forwarder.port).render_as_string(hide_password=False), tmp_path, 60).test_client()
        _signed_in_manager(client, cast)
        assert client.get("/cases").status_code == 200
        forwarder.cut()
        forwarder.restore()
        _assert_unavailable(client.get("/cases"))
        assert client.get("/cases").status_code == 200
    finally:
        forwarder.close()


@pytest.mark.postgres
def test_a_database_lost_at_the_commit_answers_503_with_the_security_headers(tmp_path):
    """The view has done its work and answers "done"; then the commit fails because the database
    connection died: the client must get the 503 (nothing was saved), not the view's redirect and
    not a 500, with the headers every answer carries."""
    app = _app(os.environ["TEST_DATABASE_URL"], tmp_path)

    def killed_before_the_commit():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return redirect("/")

    app.add_url_rule("/test-only/killed-before-the-commit", view_func=killed_before_the_commit)
    answer = app.test_client().get("/test-only/killed-before-the-commit")
    _assert_unavailable(answer)
    assert answer.headers["Cache-Control"] == "no-store"
    assert "default-src" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.postgres
def test_a_statement_that_fails_gives_the_signed_in_person_the_error_page(cast, tmp_path):
    """The failed statement leaves the transaction aborted; the error page, which reads the person's
    unread notifications, must still be written (it was a bare server error)."""
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=os.environ["TEST_DATABASE_URL"],
        MAIL_FILE_PATH=str(tmp_path),
        PROPAGATE_EXCEPTIONS=False,
    )

    def failing():
        db.session.execute(sa.text("SELECT 1 / 0"))

    app.add_url_rule("/test-only/failing", view_func=failing)
    client = app.test_client()
    _signed_in_manager(client, cast)
    answer = client.get("/test-only/failing")
    assert answer.status_code == 500
    page = answer.get_data(as_text=True)
    assert "Something went wrong" in page and cast.manager.name in page
    assert client.get("/cases").status_code == 200
