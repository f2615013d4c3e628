"""A body sent without Content-Length (Transfer-Encoding: chunked), larger than the app accepts, is
refused with 413 under gunicorn as it is with a Content-Length: a form, a JSON API call and an
upload; nothing is stored."""

from __future__ import annotations

import http.client
import json
import select
import socket
import urllib.parse
from collections.abc import Iterator

from expertise_app.auth.tokens import create_token
from expertise_app.cases.models import ExpertiseRequest
from expertise_app.documents.models import Document
from expertise_app.extensions import db

from .factories import Factory, request_data
from .servers import browser, gunicorn

PIECE = 64 * 1024
UPLOAD_MAX_BYTES = 200_000  # the largest file; a request may carry it and 1 MB of form
BODY_LIMIT = UPLOAD_MAX_BYTES + 1024 * 1024  # config.py: MAX_CONTENT_LENGTH
API_BODY_LIMIT = 1024 * 1024  # api/views.py: a JSON body


def send_chunked(base: str, path: str, headers: dict[str, str], parts: Iterator[bytes]) -> tuple[int, str]:
    """POST `parts` chunked, as a client streaming a body of unknown length does; stops sending
    when the server answers (or closes), and returns the answer's status and body."""
    address = urllib.parse.urlsplit(base)
    connection = socket.create_connection((address.hostname, address.port), timeout=30)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    connection.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nTransfer-Encoding: chunked\r\n{head}\r\n".encode()
    )
    try:
        for part in parts:
            if select.select([connection], [], [], 0)[0]:
                break  # the answer came before the end of the body
            connection.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        else:
            connection.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = http.client.HTTPResponse(connection)
    try:
        answer.begin()
        return answer.status, answer.read().decode(errors="replace")
    finally:
        connection.close()


def pieces(start: bytes, total: int, end: bytes = b"") -> Iterator[bytes]:
    yield start
    sent = len(start)
    while sent < total:
        yield b"x" * PIECE
        sent += PIECE
    yield end


def test_bodies_over_the_limit_sent_without_a_length_get_413(app, factory: Factory, cast, tmp_path):
    case = factory.cast_case(cast, "submitted")
    secret = create_token(cast.partner, "chunked")[1]
    db.session.commit()
    case_id, email = case.id, cast.partner.email
    before = db.session.query(ExpertiseRequest).count()
    settings = {"UPLOAD_MAX_BYTES": str(UPLOAD_MAX_BYTES)}
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=1, **settings) as base:
        session, token = browser(base, email, Factory.PASSWORD)
        cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
        form = send_chunked(
            base,
            "/cases/new",
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            pieces(f"csrf_token={token}&title=".encode(), BODY_LIMIT + 2 * PIECE),
        )
        api = {"Authorization": f"Bearer {secret}"}
        json_body = send_chunked(
            base,
            "/api/v1/requests",
            {**api, "Content-Type": "application/json"},
            pieces(b'{"title": "', API_BODY_LIMIT + 2 * PIECE, b'"}'),
        )
        boundary = "passerelle-chunked"
        upload = send_chunked(
            base,
            f"/api/v1/requests/{case_id}/documents",
            {**api, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            pieces(
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="annex.pdf"\r\n'
                f"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n".encode(),
                BODY_LIMIT + 2 * PIECE,
                f"\r\n--{boundary}--\r\n".encode(),
            ),
        )
        page_upload = send_chunked(
            base,
            f"/cases/{case_id}/actions/post_message",
            {"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            pieces(
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="annex.pdf"\r\n'
                f"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n".encode(),
                BODY_LIMIT + 2 * PIECE,
                f"\r\n--{boundary}--\r\n".encode(),
            ),
        )
        # Under the limit, a body sent chunked is taken whole.
        filed = send_chunked(
            base,
            "/api/v1/requests",
            {**api, "Content-Type": "application/json"},
            iter([json.dumps(request_data(title="Sent in pieces")).encode()[i : i + 100] for i in range(0, 2000, 100)]),
        )
    assert [form[0], json_body[0], upload[0], page_upload[0]] == [413] * 4
    assert "a file can be at most 195 KB" in form[1]
    assert json.loads(json_body[1])["detail"].startswith("The body is larger than the API accepts (1 MB)")
    assert json.loads(upload[1])["status"] == 413
    assert filed[0] == 201 and json.loads(filed[1])["title"] == "Sent in pieces"
    db.session.expire_all()
    assert db.session.query(ExpertiseRequest).count() == before + 1
    assert db.session.query(Document).count() == 0
