"""Personal API tokens: the account page and the command line."""

from __future__ import annotations

import re

from expertise_app.auth.models import ApiToken
from expertise_app.auth.tokens import user_for_token
from expertise_app.extensions import db

from .factories import count


def test_a_user_creates_sees_once_and_revokes_a_token(signed_in, factory):
    user = factory.partner()
    visitor = signed_in(user)
    page = visitor.get("/account").get_data(as_text=True)
    assert "no API token" in page
    response = visitor.post("/account/tokens", {"name": "Project tracker"}, token_from="/account")
    assert response.status_code == 201
    secret = re.search(r"(psl_[\w-]+)", response.get_data(as_text=True)).group(1)
    assert user_for_token(secret).id == user.id
    db.session.commit()  # as the API request would (it notes when the token was last used)
    token = db.session.scalar(db.select(ApiToken))
    assert token.token_hash != secret and secret not in token.token_hash  # only a hash is kept
    listing = visitor.get("/account").get_data(as_text=True)
    assert "Project tracker" in listing and secret not in listing  # shown once
    revoked = visitor.post(f"/account/tokens/{token.id}/revoke", token_from="/account")
    assert revoked.status_code == 302
    assert user_for_token(secret) is None


def test_a_token_needs_a_name(signed_in, factory):
    visitor = signed_in(factory.expert())
    response = visitor.post("/account/tokens", {"name": "  "}, token_from="/account")
    assert response.status_code == 422
    assert count(ApiToken) == 0


def test_nobody_revokes_someone_elses_token(signed_in, factory, app):
    owner, intruder = factory.partner(), factory.partner()
    signed_in(owner).post("/account/tokens", {"name": "mine"}, token_from="/account")
    token = db.session.scalar(db.select(ApiToken))
    response = signed_in(intruder).post(f"/account/tokens/{token.id}/revoke", token_from="/account")
    assert response.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_create_token_prints_the_token_last(app, factory):
    user = factory.manager()
    result = app.test_cli_runner().invoke(args=["create-token", user.email.upper(), "--name", "reporting"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert user_for_token(secret).id == user.id


def test_create_token_refuses_an_unknown_email(app):
    result = app.test_cli_runner().invoke(args=["create-token", "nobody@example.org"])
    assert result.exit_code == 1
    assert "no account" in result.output
    assert count(ApiToken) == 0
