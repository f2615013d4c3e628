"""The app served for real: gunicorn in processes of its own, on the test database, and browser-like
clients (a requests session signed in through /login with its CSRF token) or API clients."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, log_dir: Path, *, workers: int = 2, threads: int = 1, **settings: str) -> Iterator[str]:
    """`wsgi:app` (testing settings) on `database_url` under gunicorn; yields its base URL.

    Each worker is a process with its own engine and connection pool; `threads` > 1 serves each
    worker's requests from that many threads (gthread)."""
    port = free_port()
    environment = {
        **os.environ,
        "PASSERELLE_ENV": "testing",
        "TEST_DATABASE_URL": database_url,
        "MAIL_FILE_PATH": str(log_dir / "mail"),
        **settings,
    }
    command = [
        sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--threads", str(threads), "--timeout", "60", "--graceful-timeout", "5", "--no-control-socket",
    ]  # fmt: skip
    log_path = log_dir / f"gunicorn-{port}.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 (our own command)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_workers(base, server, log_path, workers)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


def _wait_for_workers(base: str, server: subprocess.Popen, log_path: Path, workers: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{log_path.read_text()[-3000:]}")
        booted = log_path.read_text().count("Booting worker")
        try:
            if booted >= workers and requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                # Each worker imports the app after it says it is booting: let the last one finish.
                for _ in range(workers * 2):
                    requests.get(f"{base}/healthz", timeout=10)
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer in 60 s:\n{log_path.read_text()[-3000:]}")


def new_session() -> requests.Session:
    """A client session that opens a connection per request: a kept-alive connection that gunicorn
    closes for idleness just as the client sends on it is reset, which no answer can be read from."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def browser(base: str, email: str, password: str) -> tuple[requests.Session, str]:
    """A session signed in through the login form, as a browser would, and its CSRF token."""
    session = new_session()
    token = csrf_token(session.get(f"{base}/login", timeout=30).text)
    answer = session.post(
        f"{base}/login", data={"email": email, "password": password, "csrf_token": token}, allow_redirects=False
    )
    assert answer.status_code == 302, f"{email} could not sign in: {answer.status_code}"
    # Signing in starts a new session with a CSRF token of its own: read it from a page.
    return session, csrf_token(session.get(f"{base}/account", timeout=30).text)
