"""Personal API tokens: the account page and the command line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from expertise_app.auth.models import ApiToken
from expertise_app.auth.tokens import create_token, user_for_token
from expertise_app.db_types import utcnow
from expertise_app.extensions import db

from .factories import Factory, count
from .mailbox import link_sent_to

NEW, NEWER = "plums in the icebox", "pears in the pantry"


def _token_form_shown(visitor) -> dict:
    """The account page's token form as it is shown (its key included), filled in for "Project tracker"."""
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', visitor.get("/account").get_data(as_text=True))
    return {"name": "Project tracker", "lifetime": "90", "submission_key": key.group(1)}


def _secret_shown(answer) -> str:
    return re.search(r"(psl_[\w-]+)", answer.get_data(as_text=True)).group(1)


def test_a_user_creates_sees_once_and_revokes_a_token(signed_in, factory):
    user = factory.partner()
    visitor = signed_in(user)
    page = visitor.get("/account").get_data(as_text=True)
    assert "no API token" in page
    response = visitor.post("/account/tokens", {"name": "Project tracker"}, token_from="/account")
    assert response.status_code == 201
    secret = _secret_shown(response)
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


def test_a_token_made_on_the_account_page_lasts_90_days_by_default(signed_in, factory):
    visitor = signed_in(factory.partner())
    created = visitor.post("/account/tokens", {"name": "Reporting"}, token_from="/account")
    assert created.status_code == 201
    token = db.session.scalar(db.select(ApiToken))
    assert timedelta(days=89, hours=23) < token.expires_at - utcnow() <= timedelta(days=90)
    assert "Active until" in visitor.get("/account").get_data(as_text=True)
    visitor.post("/account/tokens", {"name": "Sync", "lifetime": "never"}, token_from="/account")
    assert db.session.scalar(db.select(ApiToken).where(ApiToken.name == "Sync")).expires_at is None
    refused = visitor.post("/account/tokens", {"name": "Odd", "lifetime": "7"}, token_from="/account")
    assert refused.status_code == 422 and count(ApiToken) == 2


def test_an_expired_token_opens_nothing_and_says_so(signed_in, factory, app):
    from .conftest import ApiClient

    user = factory.partner()
    _token, secret = create_token(user, "short", days=30)
    db.session.commit()
    client = ApiClient(app, secret)
    assert client.get("/requests").status_code == 200
    token = db.session.scalar(db.select(ApiToken))
    token.expires_at = utcnow() - timedelta(seconds=1)  # 30 days later
    db.session.commit()
    answer = client.get("/requests")
    assert answer.status_code == 401 and "expired" in answer.get_json()["detail"]
    assert user_for_token(secret) is None
    assert "Expired on" in signed_in(user).get("/account").get_data(as_text=True)


def test_create_token_takes_a_lifetime(app, factory):
    user = factory.manager()
    result = app.test_cli_runner().invoke(args=["create-token", user.email, "--days", "7"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(ApiToken)).expires_at - utcnow() <= timedelta(days=7)
    refused = app.test_cli_runner().invoke(args=["create-token", user.email, "--days", "0"])
    assert refused.exit_code == 1 and "1 day to 10 years" in refused.output


@pytest.mark.parametrize(
    "again",
    [
        "Project tracker",
        "project TRACKER",
        "Ｐroject tracker",
        "Project\u200b tracker",
        "Pro\u00adject  tracker",
        "Project tracker\u034f\ufe0f",
        "Project tracker\u3164\u2800",
    ],
    ids=[
        "same",
        "case",
        "full-width",
        "zero-width-space",
        "soft-hyphen-and-spaces",
        "joiner-and-selector",
        "blank-letters",
    ],
)
def test_a_second_token_whose_name_reads_as_one_in_use_is_refused(signed_in, factory, again):
    """Names tell a person's tokens apart in the list: two that read the same would not."""
    visitor = signed_in(factory.partner())
    first = visitor.post("/account/tokens", {"name": "Project tracker"}, token_from="/account")
    second = visitor.post("/account/tokens", {"name": again}, token_from="/account")
    assert (first.status_code, second.status_code) == (201, 422)
    assert "You already have a token named" in second.get_data(as_text=True)
    assert count(ApiToken) == 1


def test_a_name_is_kept_without_what_would_turn_it_around_on_the_screen(signed_in, factory):
    """ "\u202erekcart tcejorP" shows as "Project tracker": kept as written, it would pass for another token."""
    visitor = signed_in(factory.partner())
    visitor.post("/account/tokens", {"name": "Project tracker"}, token_from="/account")
    made = visitor.post("/account/tokens", {"name": "\u202erekcart tcejorP\u202c"}, token_from="/account")
    assert made.status_code == 201
    assert sorted(db.session.scalars(db.select(ApiToken.name))) == ["Project tracker", "rekcart tcejorP"]


def test_a_name_of_nothing_but_invisible_characters_is_refused(signed_in, factory):
    visitor = signed_in(factory.partner())
    refused = visitor.post("/account/tokens", {"name": "\u200b\ufeff\u3164\u034f\u2800"}, token_from="/account")
    assert refused.status_code == 422 and count(ApiToken) == 0


def test_the_same_token_form_sent_again_replaces_the_token_whose_secret_its_first_answer_showed_unseen(
    signed_in, factory
):
    """A double click or a reload: the browser shows the answer to the last copy, so the token of the first
    copy, whose secret nobody saw, is revoked and this copy's replaces it, as its answer says."""
    visitor = signed_in(factory.partner())
    form = _token_form_shown(visitor)

    first = visitor.post("/account/tokens", form, token_from="/account")
    again = visitor.post("/account/tokens", form, token_from="/account")

    assert (first.status_code, again.status_code) == (201, 201)
    first_secret, again_secret = _secret_shown(first), _secret_shown(again)
    assert user_for_token(first_secret) is None and user_for_token(again_secret) is not None
    assert "This form was sent twice" in again.get_data(as_text=True)
    assert "This form was sent twice" not in first.get_data(as_text=True)
    tokens = db.session.scalars(db.select(ApiToken).order_by(ApiToken.id)).all()
    assert [token.revoked_at is not None for token in tokens] == [True, False]


@pytest.mark.parametrize("later", ["a reload after the secret was read", "the back button, another name"])
def test_the_same_token_form_sent_again_later_takes_nothing_back(signed_in, factory, later):
    """Past a double click, the first answer was on the screen: its token may be in a script already."""
    visitor = signed_in(factory.partner())
    form = _token_form_shown(visitor)
    first = visitor.post("/account/tokens", form, token_from="/account")
    secret = _secret_shown(first)
    if later.startswith("a reload"):
        token = db.session.scalar(db.select(ApiToken))
        token.created_at = utcnow() - timedelta(seconds=31)
        db.session.commit()
    else:
        form["name"] = "Reporting"

    again = visitor.post("/account/tokens", form, token_from="/account")

    assert again.status_code == (422 if later.startswith("a reload") else 201)
    assert user_for_token(secret) is not None
    assert "This form was sent twice" not in again.get_data(as_text=True)


def test_a_token_already_in_use_is_never_replaced_by_its_form_sent_again(signed_in, factory, app):
    from .conftest import ApiClient

    visitor = signed_in(factory.partner())
    form = _token_form_shown(visitor)
    first = visitor.post("/account/tokens", form, token_from="/account")
    secret = _secret_shown(first)
    assert ApiClient(app, secret).get("/requests").status_code == 200  # its secret was seen: it is in use
    db.session.commit()

    again = visitor.post("/account/tokens", form, token_from="/account")

    assert again.status_code == 422 and "You already have a token named" in again.get_data(as_text=True)
    assert user_for_token(secret) is not None and count(ApiToken) == 1


def test_the_name_of_a_revoked_or_expired_token_may_be_given_again(signed_in, factory, app):
    user = factory.partner()
    revoked, _secret = create_token(user, "Sync")
    revoked.revoked_at = utcnow()
    expired, _secret = create_token(user, "Reporting", days=1)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    visitor = signed_in(user)
    for name in ("Sync", "Reporting"):
        assert visitor.post("/account/tokens", {"name": name}, token_from="/account").status_code == 201
    refused = app.test_cli_runner().invoke(args=["create-token", user.email, "--name", "Sync"])
    assert refused.exit_code == 1 and "already have a token named “Sync”" in refused.output
    assert count(ApiToken) == 4


def _api_answers(app, secret: str) -> int:
    return app.test_client().get("/api/v1/requests", headers={"Authorization": f"Bearer {secret}"}).status_code


def test_a_new_password_revokes_the_account_s_tokens_and_says_so(app, factory, signed_in, visitor_factory):
    """Whoever held a session could have made a token (no password is asked for one): changing the
    password, or resetting it, must not leave them the account through it."""
    user, other = factory.partner(), factory.partner()
    others_secret = create_token(other, "Another person's")[1]
    secrets = [create_token(user, name)[1] for name in ("Made by a thief", "Reporting script")]
    db.session.commit()
    owner = signed_in(user)
    owner.get("/account")
    changed = owner.post("/account/password", {"current": Factory.PASSWORD, "new": NEW, "confirm": NEW})

    assert changed.status_code == 302
    assert "your 2 API tokens are revoked: make new ones for your scripts" in owner.get("/account").text
    assert [_api_answers(app, secret) for secret in secrets] == [401, 401]
    assert _api_answers(app, others_secret) == 200

    made_since = create_token(user, "Made since")[1]
    db.session.commit()
    forgetful = visitor_factory()
    forgetful.get("/forgot-password")
    forgetful.post("/forgot-password", {"email": user.email})
    link = link_sent_to(app, user.email)
    forgetful.get(link)
    assert forgetful.post(link, {"new": NEWER, "confirm": NEWER}).status_code == 302

    assert "every session of your account has ended and its API token is revoked" in forgetful.get("/login").text
    assert _api_answers(app, made_since) == 401
    assert _api_answers(app, others_secret) == 200
