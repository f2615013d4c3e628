"""A flood of wrong passwords costs no argon2 hash once refused, and takes no worker from the pages.

- A held account or address (too many failures) is refused before any password is checked.
- Password checks run a bounded number at once on a host, all worker processes together (one by
  default): a sign-in that finds every place taken is answered 503 with Retry-After at once, without
  checking anything; a password change likewise; the place is free again after each sign-in.
- The check itself runs at the lowest CPU priority (Linux), so pages are served first.

How much this keeps a signed-in page fast is measured in bench/guessers.py, not here.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import threading

import pytest

from .factories import Factory
from .test_throttle import ACCOUNT_LIMIT, _login


@pytest.fixture
def hashes(app, monkeypatch) -> list[str]:
    """The password hashes the app verifies against, in order (each one a costly argon2 check)."""
    verified: list[str] = []
    hasher = app.extensions["password_hasher"]
    real = type(hasher).verify

    def verify(self, password_hash, password):
        verified.append(password_hash)
        return real(self, password_hash, password)

    monkeypatch.setattr(type(hasher), "verify", verify)
    return verified


def test_a_held_account_is_refused_without_checking_a_password(cast, visitor_factory, hashes):
    guesser = visitor_factory()
    for attempt in range(ACCOUNT_LIMIT):
        assert _login(guesser, cast.partner.email, f"guess-{attempt}").status_code == 401
    assert len(hashes) == ACCOUNT_LIMIT
    assert _login(guesser, cast.partner.email, "guess-11").status_code == 429
    assert _login(guesser, cast.partner.email, Factory.PASSWORD).status_code == 429
    assert len(hashes) == ACCOUNT_LIMIT


@contextlib.contextmanager
def places_taken_elsewhere(app):
    """Every place for a password check held elsewhere: by another process, as far as flock tells."""
    places = app.extensions["password_check_places"]
    held = [open(path, "a+b") for path in places.paths]  # noqa: SIM115 (closed below)
    try:
        for lock_file in held:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        for lock_file in held:
            lock_file.close()


@pytest.fixture
def every_place_taken(app):
    with places_taken_elsewhere(app):
        yield


def test_a_sign_in_finding_every_place_taken_is_answered_503_at_once(cast, visitor, hashes, every_place_taken):
    busy = _login(visitor, cast.manager.email, Factory.PASSWORD)
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "2"
    assert "Many sign-ins are being checked at this moment" in busy.get_data(as_text=True)
    assert hashes == []
    assert visitor.get("/cases").status_code == 302  # not signed in: sent to the login page


def test_the_busy_answer_keeps_each_visitor_s_own_session(cast, visitor_factory, every_place_taken):
    """The busy page is made once and served to everyone: it must not hand them all one session
    (one CSRF token an attacker could read, a login forged into the attacker's account)."""
    first, second = visitor_factory(), visitor_factory()
    for visitor in (first, second):
        busy = _login(visitor, cast.manager.email, Factory.PASSWORD)
        assert busy.status_code == 503
        assert "Set-Cookie" not in busy.headers
    assert first.client.get_cookie("session").value != second.client.get_cookie("session").value


def test_the_busy_answer_is_in_the_visitor_s_language(cast, visitor, every_place_taken):
    visitor.client.set_cookie("lang", "fr")
    busy = _login(visitor, cast.manager.email, Factory.PASSWORD)
    assert busy.status_code == 503
    page = busy.get_data(as_text=True)
    assert 'lang="fr"' in page and "Many sign-ins" not in page


def test_each_sign_in_frees_its_place(cast, visitor_factory, hashes):
    for _ in range(3):
        assert _login(visitor_factory(), cast.team_expert.email, "a-wrong-password").status_code == 401
    assert _login(visitor_factory(), cast.team_expert.email, Factory.PASSWORD).status_code == 302
    assert len(hashes) == 4


def test_a_password_change_finding_every_place_taken_is_answered_503(app, cast, signed_in, hashes):
    manager = signed_in(cast.manager)
    new = "a-much-longer-passphrase-2026"
    with places_taken_elsewhere(app):
        answer = manager.post(
            "/account/password", {"current": Factory.PASSWORD, "new": new, "confirm": new}, token_from="/account"
        )
    assert answer.status_code == 503 and int(answer.headers["Retry-After"]) >= 1
    assert len(hashes) == 1  # the sign-in's check only
    assert manager.get("/account").status_code == 200  # still signed in: the password did not change


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own CPU priority is Linux's")
def test_a_password_is_checked_at_the_lowest_cpu_priority(app, cast, visitor, monkeypatch):
    priorities: list[int] = []
    hasher = app.extensions["password_hasher"]
    real = type(hasher).verify

    def verify(self, password_hash, password):
        priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return real(self, password_hash, password)

    monkeypatch.setattr(type(hasher), "verify", verify)
    assert _login(visitor, cast.manager.email, Factory.PASSWORD).status_code == 302
    assert priorities == [19]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == 0  # the request's own thread
