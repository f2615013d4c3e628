"""Passwords (ASVS 2.1): 12 characters at least, no composition rule, refused when easy to guess;
changed on the account page, which ends every other session and remember-me cookie."""

from __future__ import annotations

import pytest

from expertise_app.auth.accounts import AccountError, authenticate, create_user
from expertise_app.auth.password_policy import password_problem
from expertise_app.extensions import db

from .factories import Factory

# Pinned as data: what a person might choose, and whether Passerelle takes it.
CHOICES = [
    ("password12", False),  # 10 characters, accepted until now
    ("short-pass1", False),  # 11
    ("password1234", False),  # a common password, extended
    ("azertyuiopqs", False),  # a keyboard walk
    ("qwertyuiop123", False),
    ("1234567890ab", False),
    ("jfk38dkq9zzp", True),  # 12 random characters: no rule on letters, digits or symbols
    ("correct-horse-battery", True),
    ("مكتبة الإسكندرية القديمة", True),  # any script
    ("x" * 257, False),  # past the longest accepted
]


@pytest.mark.parametrize(("password", "accepted"), CHOICES)
def test_the_policy(app, password, accepted):
    with app.test_request_context():
        assert (password_problem(password) is None) is accepted


def test_a_password_made_of_the_person_s_own_name_or_email_is_refused(app):
    with app.test_request_context():
        assert password_problem("amina.haddad1", email="amina.haddad@culture.example", name="Amina Haddad")
        assert password_problem("amina.haddad1") is None


def test_an_account_cannot_be_made_with_a_weak_password(app):
    with pytest.raises(AccountError, match="too easy to guess"):
        create_user("weak@culture.example", "password1234", "expert")


def _change(visitor, current: str, new: str, confirm: str | None = None):
    visitor.get("/account")
    return visitor.post("/account/password", {"current": current, "new": new, "confirm": confirm or new})


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(factory, visitor_factory, signed_in):
    user = factory.expert()
    here, elsewhere = signed_in(user), signed_in(user)
    remembered = visitor_factory()
    remembered.get("/login")
    form = {"email": user.email, "password": Factory.PASSWORD, "remember": "y"}
    assert remembered.post("/login", form).status_code == 302
    remember_cookie = remembered.client.get_cookie("remember_token").value

    response = _change(here, Factory.PASSWORD, "plums in the icebox")
    assert response.status_code == 302
    assert "Your password is changed" in here.get("/account").get_data(as_text=True)
    assert here.get("/cases").status_code == 200
    assert elsewhere.get("/cases").status_code == 302
    returning = visitor_factory()
    returning.client.set_cookie("remember_token", remember_cookie)
    assert returning.get("/cases").status_code == 302
    db.session.expire_all()
    assert authenticate(user.email, Factory.PASSWORD) is None
    assert authenticate(user.email, "plums in the icebox") is not None


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("not-my-password", "plums in the icebox", None, "This is not your current password."),
        (Factory.PASSWORD, "password1234", None, "too easy to guess"),
        (Factory.PASSWORD, "plums in the icebox", "plums in the fridge", "The two new passwords differ."),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(factory, signed_in, current, new, confirm, message):
    user = factory.expert()
    visitor = signed_in(user)
    response = _change(visitor, current, new, confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert visitor.get("/cases").status_code == 200
    db.session.expire_all()
    assert authenticate(user.email, Factory.PASSWORD) is not None


def test_guessing_the_current_password_is_limited_like_signing_in(factory, signed_in):
    visitor = signed_in(factory.expert())
    for attempt in range(10):
        assert _change(visitor, f"guess-{attempt}", "plums in the icebox").status_code == 422
    assert _change(visitor, Factory.PASSWORD, "plums in the icebox").status_code == 429
