"""What the session tests (test_auth, test_sessions, test_passwords, test_throttle) show for pages,
shown for the API's session-cookie channel too (a password reset ends its sessions as well); joining
by an invitation starts a new session as signing in does; and an unknown email costs the same
password check as a known one (the time of the answer tells nothing)."""

from __future__ import annotations

import pytest

from expertise_app import transaction
from expertise_app.auth import passwords, sessions

from .factories import Factory
from .security import NEW_PASSWORD, invitation, reset_link


def _copied_cookie(visitor_factory, user):
    owner = visitor_factory()
    owner.get("/login")
    assert owner.post("/login", {"email": user.email, "password": Factory.PASSWORD}).status_code == 302
    thief = visitor_factory()
    thief.client.set_cookie("session", owner.client.get_cookie("session").value)
    assert thief.get("/api/v1/requests").status_code == 200  # the copy works while the owner is signed in
    return owner, thief


@pytest.mark.parametrize("ending", ["sign-out", "password change", "password reset"])
def test_a_copied_cookie_no_longer_opens_the_api_once_the_owner_signs_out_or_changes_password(
    cast, visitor_factory, ending
):
    owner, thief = _copied_cookie(visitor_factory, cast.partner)
    if ending == "sign-out":
        assert owner.logout().status_code == 302
    elif ending == "password change":
        owner.get("/account")
        form = {"current": Factory.PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        assert owner.post("/account/password", form).status_code == 302
    else:  # through an emailed link, on another device
        secret = reset_link(cast.partner)
        transaction.commit()
        form = {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        assert visitor_factory().post(f"/reset/{secret}", form, token_from="/login").status_code == 302
    answer = thief.get("/api/v1/requests")
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert thief.get("/cases").status_code == 302


@pytest.mark.parametrize(("idle_minutes", "open_"), [(29, True), (31, False)])
def test_an_idle_session_ends_for_the_api_too(cast, visitor_factory, monkeypatch, idle_minutes, open_):
    start = sessions.now()
    monkeypatch.setattr(sessions, "now", lambda: start)
    owner, _thief = _copied_cookie(visitor_factory, cast.partner)
    monkeypatch.setattr(sessions, "now", lambda: start + idle_minutes * 60)
    assert (owner.get("/api/v1/requests").status_code == 200) is open_


def test_an_unknown_email_costs_one_password_check_like_a_known_one(cast, visitor_factory, monkeypatch):
    checks = []
    real = passwords._verify
    monkeypatch.setattr(passwords, "_verify", lambda hashed, password: checks.append(1) or real(hashed, password))
    for email in ("nobody@example.org", cast.partner.email):
        visitor = visitor_factory()
        visitor.get("/login")
        checks.clear()
        assert visitor.post("/login", {"email": email, "password": "not the password"}).status_code == 401
        assert len(checks) == 1, email


def test_joining_by_an_invitation_starts_a_new_session(cast, visitor_factory):
    """As signing in does: the session (and CSRF token) planted before the invitee follows the link is not kept."""
    _made, secret = invitation(cast.partner, "colleague@agency.example")
    transaction.commit()
    visitor = visitor_factory()
    visitor.get(f"/join/{secret}")
    before, planted = visitor.client.get_cookie("session").value, visitor.page_token
    form = {"name": "Amina Ben Salah", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD, "language": "en"}
    assert visitor.post(f"/join/{secret}", form).status_code == 302
    assert visitor.client.get_cookie("session").value != before
    visitor.get("/cases")
    assert visitor.post("/logout", {"csrf_token": planted}).status_code == 400
