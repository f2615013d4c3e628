"""`flask --app wsgi create-user`: accounts from the command line."""

from __future__ import annotations

import pytest

from expertise_app.auth.accounts import authenticate
from expertise_app.auth.models import Organisation, User
from expertise_app.extensions import db

from .factories import count

PASSWORD = "a-long-enough-password"


@pytest.fixture
def create_user(app):
    runner = app.test_cli_runner()

    def run(*options: str):
        return runner.invoke(args=["create-user", *options])

    return run


@pytest.mark.parametrize("role", ["expert", "manager"])
def test_create_staff_account(create_user, role):
    result = create_user("--email", "Amina.Haddad@Culture.example", "--password", PASSWORD, "--role", role)

    assert result.exit_code == 0, result.output
    assert f"Created {role} amina.haddad@culture.example." in result.output
    user = db.session.scalars(db.select(User)).one()
    assert (user.email, user.role, user.name, user.organisation_id) == (
        "amina.haddad@culture.example",
        role,
        "amina.haddad",
        None,
    )
    assert authenticate("AMINA.HADDAD@culture.example", PASSWORD) == user


def test_create_partner_creates_their_organisation_once(create_user):
    first = create_user(
        "--email", "dg@inp.example", "--password", PASSWORD, "--role", "partner",
        "--name", "Salma Ben Ali", "--organisation", "Institut National du Patrimoine", "--country", "tn",
    )  # fmt: skip
    second = create_user(
        "--email", "archives@inp.example", "--password", PASSWORD, "--role", "partner",
        "--organisation", "Institut National du Patrimoine", "--country", "TN",
    )  # fmt: skip

    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert "Created partner dg@inp.example of Institut National du Patrimoine." in first.output
    organisation = db.session.scalars(db.select(Organisation)).one()
    assert (organisation.name, organisation.country) == ("Institut National du Patrimoine", "TN")
    assert {user.organisation_id for user in db.session.scalars(db.select(User))} == {organisation.id}
    assert db.session.scalar(db.select(User.name).where(User.email == "dg@inp.example")) == "Salma Ben Ali"


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--email", "not-an-email", "--role", "expert"], "Invalid email address"),
        (["--email", "short@culture.example", "--role", "expert", "--password", "too-short-1"], "at least 12"),
        (["--email", "p@org.example", "--role", "partner"], "A partner needs an organisation and its country"),
        (["--email", "p@org.example", "--role", "partner", "--organisation", "Musée X"], "needs an organisation"),
        (
            ["--email", "p@org.example", "--role", "partner", "--organisation", "Musée X", "--country", "ZZ"],
            "Unknown country code",
        ),
        (["--email", "e@culture.example", "--role", "expert", "--organisation", "Musée X"], "Only partners"),
    ],
    ids=["bad-email", "short-password", "partner-alone", "partner-no-country", "unknown-country", "staff-with-org"],
)
def test_invalid_input_is_refused_with_a_message(create_user, options, says):
    if "--password" not in options:
        options = [*options, "--password", PASSWORD]

    result = create_user(*options)

    assert result.exit_code == 1
    assert says in result.stderr
    assert (count(User), count(Organisation)) == (0, 0)


@pytest.mark.parametrize("email", ["taken@culture.example", "TAKEN@Culture.Example"])
def test_a_duplicate_email_is_refused(create_user, email):
    assert create_user("--email", "taken@culture.example", "--password", PASSWORD, "--role", "expert").exit_code == 0

    result = create_user("--email", email, "--password", "another-password", "--role", "manager")

    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert db.session.scalars(db.select(User.role)).all() == ["expert"]


def test_an_unknown_role_is_refused(create_user):
    result = create_user("--email", "x@culture.example", "--password", PASSWORD, "--role", "admin")
    assert result.exit_code != 0
    assert "admin" in result.output
    assert count(User) == 0
