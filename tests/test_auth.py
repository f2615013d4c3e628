"""Signing in and out."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from expertise_app.extensions import db

from .factories import Factory
from .pages import form_posting_to


def test_signing_in_and_out(factory, visitor):
    user = factory.partner()
    assert visitor.get("/cases").headers["Location"].startswith("/login")

    response = visitor.login(user.email)
    assert response.status_code == 302
    assert 'class="flash flash-success"' in visitor.get(response.headers["Location"]).get_data(as_text=True)
    assert visitor.get("/login").headers["Location"] == "/cases"  # already signed in

    response = visitor.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert visitor.get("/cases").status_code == 302


def test_signing_out_needs_a_post(factory, signed_in):
    visitor = signed_in(factory.partner())
    assert visitor.get("/logout").status_code == 405
    assert visitor.get("/cases").status_code == 200


@pytest.mark.parametrize("remember", [False, True], ids=["session", "remember-me"])
def test_signing_out_makes_a_copied_cookie_useless(factory, visitor_factory, remember):
    user = factory.partner()
    visitor = visitor_factory()
    form = {"email": user.email, "password": Factory.PASSWORD} | ({"remember": "y"} if remember else {})
    assert visitor.post("/login", form).status_code == 302
    names = ["session", "remember_token"] if remember else ["session"]
    copied = {name: visitor.client.get_cookie(name).value for name in names}
    thief = visitor_factory()
    for name, value in copied.items():
        thief.client.set_cookie(name, value)
    assert thief.get("/cases").status_code == 200  # the copy works while the user is signed in
    token_before = user.session_token

    visitor.logout()

    assert thief.get("/cases").status_code == 302  # and no longer once they signed out
    db.session.refresh(user)
    assert user.session_token != token_before


def test_an_account_deactivated_while_signed_in_is_signed_out(factory, signed_in):
    user = factory.expert()
    visitor = signed_in(user)
    user.active = False
    db.session.commit()
    assert visitor.get("/cases").status_code == 302


FAILURES = ["wrong-password", "unknown-email", "inactive-account"]


def failed_sign_in(factory, visitor, failure):
    user = factory.partner(active=failure != "inactive-account")
    email = "nobody@example.org" if failure == "unknown-email" else user.email
    password = "not-the-password" if failure == "wrong-password" else Factory.PASSWORD
    return email, visitor.post("/login", {"email": email, "password": password})


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failed_sign_in_is_refused(factory, visitor, failure):
    email, response = failed_sign_in(factory, visitor, failure)

    assert response.status_code == 401
    form = form_posting_to(response.get_data(as_text=True), "")
    assert list(form.errors) == ["password"]
    assert form.value("email") == email
    assert not form.value("password")
    assert visitor.get("/cases").status_code == 302


def test_every_failed_sign_in_gives_the_same_answer(factory, visitor_factory):
    """Whether the email exists, or the account is inactive, must not show."""
    answers = set()
    for failure in FAILURES:
        _email, response = failed_sign_in(factory, visitor_factory(), failure)
        answers.add(form_posting_to(response.get_data(as_text=True), "").errors["password"])
    assert len(answers) == 1
    assert answers.pop()


@pytest.mark.parametrize(
    ("target", "lands_on"),
    [
        ("/cases?state=assessed", "/cases?state=assessed"),
        ("/cases/new", "/cases/new"),
        ("https://evil.example/", "/cases"),
        ("//evil.example/", "/cases"),
        ("///evil.example/", "/cases"),
        ("http:/evil.example", "/cases"),
        ("javascript:alert(1)", "/cases"),
        ("evil.example", "/cases"),
        ("/\\evil.example", "/cases"),  # browsers read a backslash as a slash
        ("", "/cases"),
    ],
)
def test_next_only_leads_to_a_path_on_this_site(factory, visitor, target, lands_on):
    user = factory.partner()
    url = f"/login?next={quote(target, safe='')}"
    response = visitor.post(url, {"email": user.email, "password": Factory.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == lands_on


def test_a_page_that_needs_signing_in_comes_back_after_it(factory, visitor):
    user = factory.expert()
    to_login = visitor.get("/cases?state=closed").headers["Location"]
    assert to_login.startswith("/login?next=")
    response = visitor.post(to_login, {"email": user.email, "password": Factory.PASSWORD})
    assert response.headers["Location"] == "/cases?state=closed"


@pytest.mark.parametrize("typed", ["upper", "mixed"])
def test_emails_are_case_insensitive(factory, visitor, typed):
    user = factory.partner()
    email = {"upper": user.email.upper(), "mixed": user.email.title()}[typed]
    assert visitor.login(email).status_code == 302
    assert visitor.get("/cases").status_code == 200
