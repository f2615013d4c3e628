"""Password hashing with argon2id (argon2-cffi), tuned from the app config.

Checking a password is meant to be costly (~0.2 s of every core at the production parameters), so
a flood of wrong passwords could take every worker and the CPU from the people already signed in.
Two guards keep it to its share:

- at most PASSWORD_CHECKS_AT_ONCE checks run at once on a host, across every worker process (a
  lock file per place, taken with flock, so a worker that dies frees its place); a sign-in that
  finds no free place is answered 503 with Retry-After at once, before the app does anything for it
  (`SignInGate`), rather than holding a worker while it waits; a password change likewise
  (`ChecksBusy`);
- on Linux the hash runs in a thread of its own at the lowest CPU priority (its argon2 threads
  inherit it), so the pages of the other workers are served first and the check takes what is left.

A throttled sign-in (too many failures, auth/throttle.py) is refused before any of this.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, has_request_context, request
from werkzeug.wrappers import Request as WerkzeugRequest

from config import BASE_DIR

from ..i18n import LANGUAGE_COOKIE
from .models import User
from .tokens import revoke_every_token

LOWEST_PRIORITY = 19
PLACE_HELD = "passerelle.password_check_place"  # in the WSGI environ of a sign-in holding its place

# A valid hash of a random password: verifying against it when the email is
# unknown costs the same time as a real check, so login timing reveals nothing.
_DUMMY_PASSWORD = "not-a-real-password"  # noqa: S105 (never anyone's password)  # nosec B105


def init_password_hasher(app: Flask) -> None:
    hasher = PasswordHasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    app.extensions["password_hasher"] = hasher
    app.extensions["password_check_places"] = CheckPlaces(app.config["PASSWORD_CHECKS_AT_ONCE"])
    app.wsgi_app = SignInGate(app, app.wsgi_app)


def _hasher() -> PasswordHasher:
    return current_app.extensions["password_hasher"]


def _dummy_hash() -> str:
    """Hashed on first need, not at start-up (a hash costs ~0.2 s at production settings)."""
    extensions = current_app.extensions
    if "dummy_password_hash" not in extensions:
        extensions["dummy_password_hash"] = _hasher().hash(_DUMMY_PASSWORD)
    return extensions["dummy_password_hash"]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def set_password(user: User, password: str) -> int:
    """A new password ends every session of the account and revokes its API tokens: whoever held one
    of its sessions could have made a token, and kept the account through it. How many were revoked."""
    user.password_hash = hash_password(password)
    user.rotate_session_token()
    return revoke_every_token(user) if user.id is not None else 0


def check_password(user: User | None, password: str) -> bool:
    """True if `password` is `user`'s; rehashes in place when parameters changed."""
    if user is None:
        _verify(_dummy_hash(), password)
        return False
    if not _verify(user.password_hash, password):
        return False
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def _verify(password_hash: str, password: str) -> bool:
    hasher = _hasher()
    if has_request_context() and request.environ.get(PLACE_HELD):  # a sign-in: SignInGate holds its place
        return _in_the_background(_verified, hasher, password_hash, password)
    with current_app.extensions["password_check_places"].taken():
        return _in_the_background(_verified, hasher, password_hash, password)


def _verified(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class ChecksBusy(Exception):
    """Every place for a password check on this host is taken: try again in a moment."""

    retry_after = 2  # Flask-Limiter, on the endpoints it limits, rewrites it as whole seconds left: 1


class CheckPlaces:
    """`count` places for a password check, shared by every process of this checkout on this host."""

    def __init__(self, count: int):
        self.count = max(count, 1)
        checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12]
        # A folder of this user's own: no other account of the host can hold (or plant) the places.
        self.folder = Path(tempfile.gettempdir()) / f"passerelle-{os.getuid()}-{checkout}"
        self.paths = [self.folder / f"password-check-{n}.lock" for n in range(self.count)]
        self.threads = [threading.Lock() for _ in range(self.count)]  # flock does not tell threads apart
        self.files: dict[int, list] = {}  # by process id: a fork's files are its own, not its parent's

    def _file(self, index: int):
        files = self.files.setdefault(os.getpid(), [None] * self.count)
        if files[index] is None:
            self.folder.mkdir(mode=0o700, exist_ok=True)
            owner = self.folder.lstat()
            if self.folder.is_symlink() or owner.st_uid != os.getuid() or owner.st_mode & 0o077:
                raise RuntimeError(f"{self.folder} must be a folder of this user's only (mode 700)")
            files[index] = open(self.paths[index], "a+b")  # noqa: SIM115 (kept open by the process)
        return files[index]

    def take(self) -> int | None:
        """A free place (its number), taken; None if every place is taken. Never waits."""
        for index, thread_lock in enumerate(self.threads):
            if not thread_lock.acquire(blocking=False):
                continue
            try:
                fcntl.flock(self._file(index), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                thread_lock.release()
                continue
            return index
        return None

    def release(self, index: int) -> None:
        fcntl.flock(self._file(index), fcntl.LOCK_UN)
        self.threads[index].release()

    @contextlib.contextmanager
    def taken(self) -> Iterator[None]:
        index = self.take()
        if index is None:
            raise ChecksBusy
        try:
            yield
        finally:
            self.release(index)


class SignInGate:
    """Around the app: a sign-in (POST /login) takes its place for a password check before anything
    else runs, or is answered 503 at once, from a page rendered once per language. A refusal then
    costs next to nothing, however fast the guessers send."""

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.places: CheckPlaces = app.extensions["password_check_places"]
        self.busy_pages: dict[str, tuple[str, list, bytes]] = {}
        self.login_path: str | None = None

    def __call__(self, environ, start_response):
        if self.login_path is None:
            self.login_path = self.app.url_map.bind("").build("auth.login")
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self.login_path:
            return self.wsgi_app(environ, start_response)
        place = self.places.take()
        if place is None:
            status, headers, body = self._busy_page(environ)
            start_response(status, headers)
            return [body]
        environ[PLACE_HELD] = True
        try:  # the login's answer is made whole before the app returns: the place is free again after it
            return self.wsgi_app(environ, start_response)
        finally:
            self.places.release(place)

    def _busy_page(self, environ) -> tuple[str, list, bytes]:
        asked = WerkzeugRequest(environ)
        languages = self.app.config["LANGUAGES"]
        cookie = asked.cookies.get(LANGUAGE_COOKIE)
        language = cookie if cookie in languages else asked.accept_languages.best_match(languages)
        language = language or self.app.config["BABEL_DEFAULT_LOCALE"]
        if language not in self.busy_pages:
            from ..errors import handle_checks_busy

            with self.app.test_request_context(self.login_path, method="POST", headers={"Accept-Language": language}):
                response = self.app.process_response(handle_checks_busy(ChecksBusy()))
                # Served to everyone: not the session made while rendering it (one CSRF token for all).
                headers = [(name, value) for name, value in response.headers.items() if name.lower() != "set-cookie"]
                self.busy_pages[language] = (response.status, headers, response.get_data())
        return self.busy_pages[language]


_background: dict[int, ThreadPoolExecutor] = {}  # by process id
_background_made = threading.Lock()


def _lowest_priority() -> None:
    if sys.platform == "linux":  # there the priority is the thread's own; elsewhere it would be the process's
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)


def _in_the_background(function, *arguments):
    """`function(*arguments)` in this process's low-priority thread, waited for."""
    with _background_made:
        executor = _background.get(os.getpid())
        if executor is None:
            executor = ThreadPoolExecutor(1, thread_name_prefix="password-check", initializer=_lowest_priority)
            _background[os.getpid()] = executor
    return executor.submit(function, *arguments).result()
