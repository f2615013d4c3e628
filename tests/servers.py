"""The app served for real: gunicorn in processes of its own, on the test database, and browser-like
clients (a requests session signed in through /login with its CSRF token) or API clients."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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


class PrivatePostgreSQL:
    """A PostgreSQL server of the test's own (initdb in a temporary folder, on a free port), which the
    test may stop and start as an administrator would, without touching the machine's server."""

    def __init__(self) -> None:
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)  # noqa: S607
        self.bin = Path(found.stdout.strip()) if found.returncode == 0 else None
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="passerelle-pg-"))
        self.data = self.folder / "data"
        # PostgreSQL refuses to run as root: as root, the server runs as the system's postgres user.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def available(self) -> bool:
        return self.bin is not None and (self.bin / "initdb").exists()

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_owner, *command], check=True, capture_output=True, timeout=60)  # noqa: S603

    def create(self) -> None:
        if self.as_owner:
            shutil.chown(self.folder, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")  # the server's output, not our pipes (pg_ctl would wait on them)
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        """As `pg_ctl stop` does by default: connections are ended, new ones refused."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(  # noqa: S603
            [*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)
