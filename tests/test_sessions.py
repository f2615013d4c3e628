"""A sign-in ends on the server: after 30 minutes idle or 12 hours in all without "keep me signed
in", after 14 days with it, whatever the cookies say; signing in starts a new session."""

from __future__ import annotations

import pytest

from expertise_app.auth import sessions

from .factories import Factory

MINUTE, HOUR, DAY = 60, 3600, 24 * 3600  # config.py: 30 minutes idle, 12 hours, 14 days remembered


@pytest.fixture
def clock(monkeypatch):
    """The server's clock, moved forward by the test."""
    start = sessions.now()
    moved = {"by": 0}
    monkeypatch.setattr(sessions, "now", lambda: start + moved["by"])

    def advance(seconds: int) -> None:
        moved["by"] += seconds

    return advance


def _signed_in(visitor_factory, user, remember: bool = False):
    visitor = visitor_factory()
    visitor.get("/login")
    form = {"email": user.email, "password": Factory.PASSWORD} | ({"remember": "y"} if remember else {})
    assert visitor.post("/login", form).status_code == 302
    return visitor


def test_a_session_ends_after_thirty_minutes_without_a_request(cast, visitor_factory, clock):
    visitor = _signed_in(visitor_factory, cast.partner)
    clock(29 * MINUTE)
    assert visitor.get("/cases").status_code == 200
    clock(29 * MINUTE)  # 58 minutes in all, but never 30 in a row without a request
    assert visitor.get("/cases").status_code == 200
    clock(31 * MINUTE)
    signed_out = visitor.get("/cases")
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/login")
    assert "signed out after a while without activity" in visitor.get("/login").get_data(as_text=True)


def test_a_busy_session_still_ends_after_twelve_hours(cast, visitor_factory, clock):
    visitor = _signed_in(visitor_factory, cast.partner)
    for _ in range(12 * 3):  # a request every 20 minutes
        clock(20 * MINUTE)
        visitor.get("/cases")
    clock(MINUTE)
    assert visitor.get("/cases").status_code == 302


@pytest.mark.parametrize(("after", "works"), [(13 * DAY, True), (15 * DAY, False), (30 * DAY, False)])
def test_a_remember_me_cookie_works_fourteen_days_whatever_its_own_expiry(cast, visitor_factory, clock, after, works):
    visitor = _signed_in(visitor_factory, cast.partner, remember=True)
    remember_cookie = visitor.client.get_cookie("remember_token").value
    clock(after)
    returning = visitor_factory()  # the browser was closed: only the remember-me cookie is left
    returning.client.set_cookie("remember_token", remember_cookie)
    assert (returning.get("/cases").status_code == 200) is works


def test_signing_in_starts_a_new_session(cast, visitor_factory):
    visitor = visitor_factory()
    visitor.get("/login")
    before = visitor.client.get_cookie("session").value
    planted = visitor.page_token
    assert visitor.post("/login", {"email": cast.partner.email, "password": Factory.PASSWORD}).status_code == 302
    assert visitor.client.get_cookie("session").value != before
    # The token of the anonymous page no longer posts anything once signed in.
    visitor.get("/cases")
    refused = visitor.post("/logout", {"csrf_token": planted})
    assert refused.status_code == 400


def test_a_session_named_the_old_way_or_tampered_with_is_no_sign_in(cast, visitor_factory):
    for name in [cast.partner.session_token, f"{cast.partner.session_token}.x.0", f"{cast.partner.session_token}.1.2"]:
        visitor = visitor_factory()
        with visitor.client.session_transaction() as session:
            session.update(_user_id=name, seen_at=sessions.now())
        assert visitor.get("/cases").status_code == 302
