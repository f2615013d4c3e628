"""Failed sign-ins are limited per account and per address: past the limit the login answers 429
with Retry-After, checks no password, and the right password waits too; the answer for an unknown
email is the same as for a wrong password; a client's own X-Forwarded-For changes nothing."""

from __future__ import annotations

import pytest
from flask import request

from .factories import Factory

ACCOUNT_LIMIT, ADDRESS_LIMIT = 10, 30  # config.py: "10 per 15 minutes", "30 per 15 minutes"


def _login(visitor, email: str, password: str, **kwargs):
    visitor.get("/login")
    return visitor.post("/login", {"email": email, "password": password}, **kwargs)


def test_an_account_is_locked_for_a_while_after_ten_failures(cast, visitor_factory):
    guesser = visitor_factory()
    for attempt in range(ACCOUNT_LIMIT):
        assert _login(guesser, cast.partner.email, f"guess-{attempt}").status_code == 401
    refused = _login(guesser, cast.partner.email, "guess-11")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert "Try again in 15 minutes" in refused.get_data(as_text=True)
    # The owner, from elsewhere, with the right password: locked out too until the window passes.
    owner = visitor_factory()
    owner.client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert _login(owner, cast.partner.email, Factory.PASSWORD).status_code == 429
    # Another account is not affected.
    assert _login(guesser, cast.manager.email, Factory.PASSWORD).status_code == 302


def test_an_address_is_held_after_thirty_failures_on_any_accounts(cast, visitor_factory):
    guesser = visitor_factory()
    for attempt in range(ADDRESS_LIMIT):
        assert _login(guesser, f"someone{attempt}@example.org", "wrong-password").status_code == 401
    assert _login(guesser, cast.manager.email, Factory.PASSWORD).status_code == 429
    elsewhere = visitor_factory()
    elsewhere.client.environ_base["REMOTE_ADDR"] = "192.0.2.8"
    assert _login(elsewhere, cast.manager.email, Factory.PASSWORD).status_code == 302


def test_a_spoofed_forwarded_for_does_not_give_a_new_address(cast, visitor_factory):
    guesser = visitor_factory()
    for attempt in range(ADDRESS_LIMIT):
        spoofed = {"X-Forwarded-For": f"203.0.113.{attempt}"}
        assert _login(guesser, f"someone{attempt}@example.org", "wrong", headers=spoofed).status_code == 401
    response = _login(guesser, "another@example.org", "wrong", headers={"X-Forwarded-For": "198.51.100.1"})
    assert response.status_code == 429


def test_successful_sign_ins_do_not_count(cast, visitor_factory):
    for _ in range(ADDRESS_LIMIT + 5):
        visitor = visitor_factory()
        assert _login(visitor, cast.unrelated_expert.email, Factory.PASSWORD).status_code == 302


@pytest.mark.parametrize("email", ["nobody@example.org", "NoBody@Example.org"])
def test_an_unknown_email_gets_the_answer_of_a_wrong_password(cast, visitor_factory, email):
    unknown = _login(visitor_factory(), email, "whatever-password")
    wrong = _login(visitor_factory(), cast.partner.email, "whatever-password")
    assert unknown.status_code == wrong.status_code == 401
    message = "Wrong email or password, or the account is inactive."
    assert message in unknown.get_data(as_text=True) and message in wrong.get_data(as_text=True)


def test_behind_a_trusted_proxy_the_client_s_address_is_the_one_it_reports(tmp_path):
    from config import TestingConfig
    from expertise_app import create_app

    for proxies, seen in ((0, "127.0.0.1"), (1, "203.0.113.9")):
        app = create_app(TestingConfig, TRUSTED_PROXIES=proxies, MAIL_FILE_PATH=str(tmp_path))
        app.add_url_rule("/address", "address", lambda: request.remote_addr)
        answer = app.test_client().get("/address", headers={"X-Forwarded-For": "203.0.113.9"})
        assert answer.get_data(as_text=True) == seen


def test_a_wrong_password_is_not_told_to_retry_later_nor_shown_the_counter(cast, visitor_factory):
    """Only a 429 says when to come back; no answer shows how many attempts an address has left."""
    answer = _login(visitor_factory(), cast.partner.email, "a-wrong-password")
    assert answer.status_code == 401
    assert "Retry-After" not in answer.headers
    assert not [name for name, _value in answer.headers if name.lower().startswith("x-ratelimit")]


# What the sign-in form reads as the same email: invisible characters at its ends (forms.one_line) and
# spaces around it are dropped, case is ignored.
SAME_ACCOUNT = ["{}\u200b", "\ufeff{}", "{}\u00ad", "{}\u2060\u200d", "  {}  ", "{}\u200c".upper()]


def test_an_email_dressed_in_invisible_characters_counts_against_the_same_account(cast, visitor_factory):
    guesser = visitor_factory()
    for attempt in range(ACCOUNT_LIMIT):
        dressed = SAME_ACCOUNT[attempt % len(SAME_ACCOUNT)].format(cast.partner.email)
        assert _login(guesser, dressed, f"guess-{attempt}").status_code == 401
    for dressed in SAME_ACCOUNT:
        right = _login(visitor_factory(), dressed.format(cast.partner.email), Factory.PASSWORD)
        assert right.status_code == 429  # no new count to start, whatever is added around the email
