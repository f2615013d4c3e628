"""A forgotten password is reset, and people are invited, by emailed links that work once and expire.

Reset: the same answer whether or not an account uses the email; a link for an hour, the last one
asked for only; the new password follows the policy and ends every session. Invitations: a manager
invites experts and partners, a partner its own organisation's colleagues only (nothing it forges
changes that, and nothing tells it of another organisation's accounts); the invitee chooses a name,
a password and a language and is signed in. Every link is read from the email actually sent.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from expertise_app.audit.models import AuditEntry
from expertise_app.auth.accounts import create_user
from expertise_app.auth.models import Invitation, PasswordReset, User
from expertise_app.db_types import utcnow
from expertise_app.extensions import db

from .factories import Factory
from .mailbox import LINK, link_sent_to, sent_to
from .pages import forms
from .security import password_works

NEW_PASSWORD = "plums in the icebox"
CSRF_VALUE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="[^"]+"')

# Who may invite whom, and who sees the invitations page (pinned here, not read from the policy).
WHO_INVITES = {
    "manager": (200, {"expert", "partner"}),
    "partner": (200, {"partner"}),
    "lead_expert": (404, set()),
    "unrelated_expert": (404, set()),
}


@pytest.fixture(autouse=True)
def _empty_mail_directory(app):
    for path in Path(app.config["MAIL_FILE_PATH"]).glob("*.eml"):
        path.unlink()


def _ask_reset(visitor, address: str):
    visitor.get("/forgot-password")
    return visitor.post("/forgot-password", {"email": address})


def _set_password(visitor, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    visitor.get(path)
    return visitor.post(path, {"new": password, "confirm": confirm or password})


def _log(action: str) -> list[tuple]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    return [(row.outcome, row.actor_email, row.target) for row in rows]


# -- password reset ---------------------------------------------------------------------------------


def test_the_reset_journey_ends_every_session_and_asks_to_sign_in(app, cast, visitor_factory, signed_in):
    user = cast.partner
    here = signed_in(user)
    remembered = visitor_factory()
    remembered.get("/login")
    remembered.post("/login", {"email": user.email, "password": Factory.PASSWORD, "remember": "y"})
    remember_cookie = remembered.client.get_cookie("remember_token").value

    stranger = visitor_factory()
    login_page = stranger.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in login_page
    answer = _ask_reset(stranger, user.email.upper())
    assert answer.status_code == 200
    assert f"If an active account uses {user.email.upper()}" in answer.get_data(as_text=True)
    path = link_sent_to(app, user.email)
    assert path.startswith("/reset/")
    body = sent_to(app, user.email)[-1].get_body().get_content()
    assert "works once, for 60 minutes" in body

    page = stranger.get(path)
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)
    done = _set_password(stranger, path)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Sign in with it." in stranger.get("/login").get_data(as_text=True)

    assert here.get("/cases").status_code == 302  # the sessions of before have ended
    returning = visitor_factory()
    returning.client.set_cookie("remember_token", remember_cookie)
    assert returning.get("/cases").status_code == 302  # and the remember-me cookie
    assert not password_works(user, Factory.PASSWORD)
    assert password_works(user, NEW_PASSWORD)
    assert visitor_factory().login(user.email, NEW_PASSWORD).status_code == 302
    assert _log("password_reset_requested") == [("success", user.email.upper(), f"user:{user.id}")]
    assert _log("password_reset") == [("success", user.email, f"user:{user.id}")]


def test_a_link_works_once(app, cast, visitor_factory):
    _ask_reset(visitor_factory(), cast.lead_expert.email)
    path = link_sent_to(app, cast.lead_expert.email)
    assert _set_password(visitor_factory(), path).status_code == 302
    again = visitor_factory()
    gone = again.get(path)
    assert gone.status_code == 404
    assert "This link does not work" in gone.get_data(as_text=True)
    assert 'href="/forgot-password"' in gone.get_data(as_text=True)
    again.get("/login")
    assert again.post(path, {"new": "another long passphrase", "confirm": "another long passphrase"}).status_code == 404
    assert password_works(cast.lead_expert, NEW_PASSWORD)


def test_an_expired_link_changes_nothing(app, cast, visitor_factory):
    _ask_reset(visitor_factory(), cast.manager.email)
    path = link_sent_to(app, cast.manager.email)
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.user_id == cast.manager.id))
    assert timedelta(minutes=59) < reset.expires_at - reset.created_at <= timedelta(minutes=60)
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    visitor = visitor_factory()
    assert visitor.get(path).status_code == 404
    visitor.get("/login")
    assert visitor.post(path, {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 404
    assert password_works(cast.manager, Factory.PASSWORD)


def test_a_new_request_ends_the_olderlink_sent_to(app, cast, visitor_factory):
    _ask_reset(visitor_factory(), cast.team_expert.email)
    first = link_sent_to(app, cast.team_expert.email)
    _ask_reset(visitor_factory(), cast.team_expert.email)
    second = link_sent_to(app, cast.team_expert.email)
    assert first != second
    assert visitor_factory().get(first).status_code == 404
    assert _set_password(visitor_factory(), second).status_code == 302
    assert password_works(cast.team_expert, NEW_PASSWORD)


def test_changing_the_password_or_disabling_the_account_ends_alink_sent_to(app, cast, visitor_factory, signed_in):
    _ask_reset(visitor_factory(), cast.proposed_expert.email)
    path = link_sent_to(app, cast.proposed_expert.email)
    owner = signed_in(cast.proposed_expert)
    owner.get("/account")
    owner.post("/account/password", {"current": Factory.PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert visitor_factory().get(path).status_code == 404

    _ask_reset(visitor_factory(), cast.other_partner.email)
    path = link_sent_to(app, cast.other_partner.email)
    manager = signed_in(cast.manager)
    manager.get("/accounts")
    manager.post(f"/accounts/{cast.other_partner.id}/active", {"active": "0"})
    manager.get("/accounts")
    manager.post(f"/accounts/{cast.other_partner.id}/active", {"active": "1"})
    assert visitor_factory().get(path).status_code == 404  # enabling it again does not revive the link


def _answer_without_tokens(response, typed: str) -> tuple:
    page = CSRF_VALUE.sub("", response.get_data(as_text=True)).replace(typed, "EMAIL")
    return response.status_code, page, tuple(sorted(key for key, _ in response.headers if key != "Set-Cookie"))


def test_unknown_disabled_and_active_emails_get_the_same_answer(app, cast, visitor_factory):
    cast.other_partner.active = False
    db.session.commit()
    answers = {
        typed: _answer_without_tokens(_ask_reset(visitor_factory(), typed), typed)
        for typed in ("nobody@example.org", cast.other_partner.email, cast.partner.email)
    }
    assert len(set(answers.values())) == 1
    assert sent_to(app, "nobody@example.org") == [] and sent_to(app, cast.other_partner.email) == []
    assert len(sent_to(app, cast.partner.email)) == 1
    assert _log("password_reset_requested") == [
        ("failed", "nobody@example.org", None),
        ("failed", cast.other_partner.email, None),
        ("success", cast.partner.email, f"user:{cast.partner.id}"),
    ]


def test_the_email_is_in_the_account_s_language(app, cast, visitor_factory):
    cast.partner.locale = "fr"
    db.session.commit()
    _ask_reset(visitor_factory(), cast.partner.email)
    sent = sent_to(app, cast.partner.email)[-1]
    assert sent["Subject"] == "Passerelle : choisir un nouveau mot de passe"
    assert sent.get_body().get_content().startswith(f"Bonjour \u2068{cast.partner.name}\u2069,")


def test_asking_too_often_is_answered_429_whether_or_not_the_account_exists(app, cast, visitor_factory):
    per_email, per_address = 3, 10  # config.py: "3 per hour", "10 per hour"
    for typed in (cast.partner.email, "nobody@example.org"):
        asker = visitor_factory()
        asker.client.environ_base["REMOTE_ADDR"] = f"192.0.2.{len(typed)}"
        for _ in range(per_email):
            assert _ask_reset(asker, typed).status_code == 200
        refused = _ask_reset(asker, typed)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert "Too many requests of this kind" in refused.get_data(as_text=True)
    assert len(sent_to(app, cast.partner.email)) == per_email

    flooder = visitor_factory()
    flooder.client.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    for n in range(per_address):
        assert _ask_reset(flooder, f"someone{n}@example.org").status_code == 200
    assert _ask_reset(flooder, "someone-else@example.org").status_code == 429


def test_invisible_characters_around_an_email_do_not_make_a_new_one_to_count(app, cast, visitor_factory):
    asker = visitor_factory()
    for dressed in ("{}", "{}\u200b", "\ufeff{}", "{}\u200b\u200b", "{}\u00ad", " {} "):
        asker.client.environ_base["REMOTE_ADDR"] = f"192.0.2.{len(dressed)}"  # the address's own limit aside
        _ask_reset(asker, dressed.format(cast.partner.email))
    assert len(sent_to(app, cast.partner.email)) == 3  # config.py: "3 per hour" per email


def test_the_new_password_follows_the_policy_and_a_refusal_changes_nothing(app, cast, visitor_factory):
    _ask_reset(visitor_factory(), cast.partner.email)
    path = link_sent_to(app, cast.partner.email)
    visitor = visitor_factory()
    for password, confirm, message in [
        ("short", None, "at least 12 characters"),
        ("password1234", None, "too easy to guess"),
        (NEW_PASSWORD, "plums in the fridge", "The two new passwords differ."),
    ]:
        refused = _set_password(visitor, path, password, confirm)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert password_works(cast.partner, Factory.PASSWORD)
    assert _set_password(visitor, path).status_code == 302  # the link still works after refusals


# -- invitations ------------------------------------------------------------------------------------


def _invite(visitor, **fields):
    visitor.get("/invitations")
    return visitor.post("/invitations", {"language": "en", **fields})


def _invitation_of(address: str) -> Invitation | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Invitation).where(Invitation.email == address).order_by(Invitation.id.desc()))


def _join(visitor, path: str, name: str = "Amina Ben Salah", password: str = NEW_PASSWORD, language: str = "en"):
    visitor.get(path)
    return visitor.post(path, {"name": name, "new": password, "confirm": password, "language": language})


@pytest.mark.parametrize(("person", "expected"), WHO_INVITES.items())
def test_who_may_invite_whom(cast, signed_in, person, expected):
    status, roles = expected
    visitor = signed_in(cast[person])
    page = visitor.get("/invitations")
    assert page.status_code == status
    if status == 404:
        visitor.get("/cases")
        assert visitor.post("/invitations", {"email": "x@example.org", "language": "en"}).status_code == 404
        return
    offered = set(re.findall(r'<option[^>]*value="(expert|partner|manager)"', page.get_data(as_text=True)))
    assert (offered or {"partner"}) == roles  # a partner's form has no role: always a partner


def test_a_manager_invites_an_expert_who_joins_and_is_signed_in(app, cast, signed_in, visitor_factory):
    manager = signed_in(cast.manager)
    accounts = manager.get("/accounts").get_data(as_text=True)
    assert 'href="/invitations"' in accounts
    sent = _invite(manager, email="New.Expert@Example.org", name="Amina", role="expert", language="fr")
    assert sent.status_code == 302
    assert "new.expert@example.org is invited" in manager.get("/invitations").get_data(as_text=True)
    mail = sent_to(app, "new.expert@example.org")[-1]
    # In the language the manager chose; the inviter's name isolated, so that a direction it opens ends with it.
    assert mail["Subject"] == f"\u2068{cast.manager.name}\u2069 vous invite sur Passerelle"
    path = link_sent_to(app, "new.expert@example.org")
    assert path.startswith("/join/")

    invitee = visitor_factory()
    form = forms(invitee.get(path).get_data(as_text=True))[-1]
    assert (form.value("name"), form.value("language")) == ("Amina", "fr")
    refused = _join(invitee, path, password="password1234")
    assert refused.status_code == 422 and "too easy to guess" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "new.expert@example.org")) is None

    joined = _join(invitee, path, name="Amina Ben Salah", language="ar")
    assert joined.status_code == 302 and joined.headers["Location"] == "/experts/me"
    assert invitee.get("/cases").status_code == 200  # signed in
    user = db.session.scalar(sa.select(User).where(User.email == "new.expert@example.org"))
    assert (user.name, user.role, user.organisation_id, user.locale, user.active) == (
        "Amina Ben Salah",
        "expert",
        None,
        "ar",
        True,
    )
    assert user.profile is not None and user.profile.active
    assert password_works(user, NEW_PASSWORD)
    assert visitor_factory().get(path).status_code == 404  # once
    invitation_id = _invitation_of(user.email).id
    assert f"/invitations/{invitation_id}/resend" not in manager.get("/invitations").get_data(as_text=True)
    assert [row[0] for row in _log("invitation_sent")] == ["success"]
    assert _log("invitation_accepted") == [("success", user.email, f"invitation:{invitation_id}")]


def test_a_manager_invites_a_partner_of_the_organisation_chosen(app, cast, signed_in, visitor_factory):
    manager = signed_in(cast.manager)
    without = _invite(manager, email="someone@museum.example", role="partner")
    assert without.status_code == 422 and "Choose the partner" in without.get_data(as_text=True)
    organisation = cast.other_partner.organisation_id
    invited = _invite(manager, email="someone@museum.example", role="partner", organisation=organisation)
    assert invited.status_code == 302
    _join(visitor_factory(), link_sent_to(app, "someone@museum.example"))
    user = db.session.scalar(sa.select(User).where(User.email == "someone@museum.example"))
    assert (user.role, user.organisation_id) == ("partner", organisation)


def test_a_manager_cannot_invite_a_manager_nor_an_existing_account(cast, signed_in):
    manager = signed_in(cast.manager)
    forged = _invite(manager, email="boss@example.org", role="manager")
    assert forged.status_code == 422
    existing = _invite(manager, email=cast.other_partner.email.upper(), role="expert")
    assert existing.status_code == 422
    assert f"{cast.other_partner.email} already has an account" in existing.get_data(as_text=True)
    assert _invitation_of("boss@example.org") is None and _invitation_of(cast.other_partner.email) is None


def test_a_partner_invites_into_its_own_organisation_whatever_it_forges(app, cast, signed_in, visitor_factory):
    partner = signed_in(cast.partner)
    assert 'href="/invitations"' in partner.get("/account").get_data(as_text=True)
    forged = _invite(
        partner, email="colleague@agency.example", role="expert", organisation=cast.other_partner.organisation_id
    )
    assert forged.status_code == 302
    invitation = _invitation_of("colleague@agency.example")
    assert (invitation.role, invitation.organisation_id) == ("partner", cast.partner.organisation_id)
    _join(visitor_factory(), link_sent_to(app, "colleague@agency.example"))
    user = db.session.scalar(sa.select(User).where(User.email == "colleague@agency.example"))
    assert (user.role, user.organisation_id) == ("partner", cast.partner.organisation_id)


def test_a_partner_learns_nothing_of_another_organisation_s_accounts(app, cast, signed_in, visitor_factory):
    partner = signed_in(cast.partner)
    answers = {}
    for address in (cast.other_partner.email, cast.lead_expert.email, "stranger@example.org"):
        response = _invite(partner, email=address)
        answers[address] = (response.status_code, response.headers["Location"])
        page = partner.get("/invitations").get_data(as_text=True)
        assert f"{address} is invited: the link in the email works once, for 7 days." in page
    assert len(set(answers.values())) == 1
    listed = partner.get("/invitations").get_data(as_text=True)
    assert all(address in listed for address in answers)
    assert "already has an account" not in listed

    # The owners of those accounts are told they have one; no link is sent that could be used.
    for person in (cast.other_partner, cast.lead_expert):
        notice = sent_to(app, person.email)[-1]
        assert notice["Subject"] == "Passerelle: you already have an account"
        assert not LINK.search(notice.get_body().get_content())
    assert LINK.search(sent_to(app, "stranger@example.org")[-1].get_body().get_content())
    # A manager may know why those two cannot be accepted.
    manager_view = signed_in(cast.manager).get("/invitations").get_data(as_text=True)
    assert manager_view.count("This email already has an account") == 2

    # Its own colleague's account: said plainly, nothing sent.
    colleague = Factory().partner(organisation=cast.partner.organisation)
    refused = _invite(partner, email=colleague.email)
    assert refused.status_code == 422 and "already has an account" in refused.get_data(as_text=True)


def test_a_partner_does_not_learn_that_its_invitee_joined_another_organisation(app, cast, signed_in, visitor_factory):
    """Invited by two organisations, the person joins one: the other's invitation stays listed as
    pending, as an invitation to any account does, rather than vanishing and telling where they went."""
    _invite(signed_in(cast.other_partner), email="sought-after@example.org")
    _invite(signed_in(cast.partner), email="sought-after@example.org")
    assert _join(visitor_factory(), link_sent_to(app, "sought-after@example.org")).status_code == 302
    joined = db.session.scalar(sa.select(User).where(User.email == "sought-after@example.org"))
    assert joined.organisation_id == cast.partner.organisation_id

    listed = signed_in(cast.other_partner).get("/invitations").get_data(as_text=True)
    assert "sought-after@example.org" in listed and "already has an account" not in listed


def test_a_partner_manages_only_its_organisation_s_invitations(app, cast, signed_in):
    manager, partner, other = signed_in(cast.manager), signed_in(cast.partner), signed_in(cast.other_partner)
    _invite(other, email="theirs@example.org")
    _invite(manager, email="expert-to-be@example.org", role="expert")
    theirs, staff = _invitation_of("theirs@example.org"), _invitation_of("expert-to-be@example.org")
    listed = partner.get("/invitations").get_data(as_text=True)
    assert "theirs@example.org" not in listed and "expert-to-be@example.org" not in listed
    for invitation in (theirs, staff):
        for action in ("resend", "revoke"):
            assert partner.post(f"/invitations/{invitation.id}/{action}", token_from="/invitations").status_code == 404
    assert _invitation_of("theirs@example.org").revoked_at is None
    expert = signed_in(cast.lead_expert)
    assert expert.post(f"/invitations/{theirs.id}/revoke", token_from="/cases").status_code == 404


def test_a_manager_resends_and_revokes(app, cast, signed_in, visitor_factory):
    manager = signed_in(cast.manager)
    _invite(manager, email="late@example.org", role="expert")
    first = link_sent_to(app, "late@example.org")
    invitation = _invitation_of("late@example.org")
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert visitor_factory().get(first).status_code == 404
    assert "Expired on" in manager.get("/invitations").get_data(as_text=True)

    assert manager.post(f"/invitations/{invitation.id}/resend", token_from="/invitations").status_code == 302
    second = link_sent_to(app, "late@example.org")
    assert second != first and visitor_factory().get(first).status_code == 404
    assert visitor_factory().get(second).status_code == 200
    assert _invitation_of("late@example.org").expires_at > utcnow() + timedelta(days=6)

    assert manager.post(f"/invitations/{invitation.id}/revoke", token_from="/invitations").status_code == 302
    gone = visitor_factory().get(second)
    assert gone.status_code == 404 and "This invitation does not work" in gone.get_data(as_text=True)
    assert f"/invitations/{invitation.id}/resend" not in manager.get("/invitations").get_data(as_text=True)
    assert [row[2] for row in _log("invitation_revoked")] == [f"invitation:{invitation.id}"]


def test_disabling_an_inviter_s_account_revokes_the_invitations_it_sent(app, cast, signed_in, visitor_factory):
    """A partner who leaves (or is found untrustworthy) is disabled: colleagues it invited and who have
    not joined yet cannot come in by its links."""
    _invite(signed_in(cast.partner), email="colleague@example.org", name="A colleague")
    link = link_sent_to(app, "colleague@example.org")
    manager = signed_in(cast.manager)
    manager.get("/accounts")
    assert manager.post(f"/accounts/{cast.partner.id}/active", {"active": "0"}).status_code == 302

    assert visitor_factory().get(link).status_code == 404
    assert _invitation_of("colleague@example.org").revoked_at is not None


def test_an_invitation_to_an_email_that_joined_meanwhile_makes_no_second_account(app, cast, signed_in, visitor_factory):
    manager, partner = signed_in(cast.manager), signed_in(cast.partner)
    _invite(partner, email="twice@example.org")
    by_partner = link_sent_to(app, "twice@example.org")
    _invite(manager, email="twice@example.org", role="expert")
    by_manager = link_sent_to(app, "twice@example.org")
    assert _join(visitor_factory(), by_manager).status_code == 302
    assert _join(visitor_factory(), by_partner).status_code == 404  # revoked when the other was accepted
    assert db.session.scalar(sa.select(sa.func.count()).where(User.email == "twice@example.org")) == 1


def test_invitations_are_limited_per_inviter(app, cast, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "INVITATIONS_PER_INVITER", "2 per hour")
    partner = signed_in(cast.partner)
    assert _invite(partner, email="a@example.org").status_code == 302
    assert _invite(partner, email="b@example.org").status_code == 302
    refused = _invite(partner, email="c@example.org")
    assert refused.status_code == 429
    assert _invitation_of("c@example.org") is None
    assert _invite(signed_in(cast.manager), email="d@example.org", role="expert").status_code == 302


def test_the_new_forms_need_their_csrf_token(app, cast, signed_in, visitor_factory):
    anonymous = visitor_factory()
    anonymous.get("/forgot-password")
    assert anonymous.post("/forgot-password", {"email": cast.partner.email}, with_csrf=False).status_code == 400
    assert sent_to(app, cast.partner.email) == []
    _ask_reset(anonymous, cast.partner.email)
    reset = link_sent_to(app, cast.partner.email)
    assert anonymous.post(reset, {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}, with_csrf=False).status_code == 400
    assert password_works(cast.partner, Factory.PASSWORD)

    manager = signed_in(cast.manager)
    manager.get("/invitations")
    assert (
        manager.post("/invitations", {"email": "x@example.org", "role": "expert"}, with_csrf=False).status_code == 400
    )
    assert _invitation_of("x@example.org") is None
    _invite(manager, email="y@example.org", role="expert")
    invitation = _invitation_of("y@example.org")
    for action in ("resend", "revoke"):
        assert manager.post(f"/invitations/{invitation.id}/{action}", with_csrf=False).status_code == 400
    join = link_sent_to(app, "y@example.org")
    fields = {"name": "Y", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD, "language": "en"}
    assert anonymous.post(join, fields, with_csrf=False).status_code == 400
    assert _invitation_of("y@example.org").is_usable


def test_unknown_links_are_not_found(visitor_factory):
    visitor = visitor_factory()
    for path in ("/reset/not-a-token", "/join/not-a-token", "/reset/" + "x" * 500):
        assert visitor.get(path).status_code == 404


def test_an_invitation_whose_email_got_an_account_otherwise_says_so_and_makes_none(
    app, cast, signed_in, visitor_factory
):
    manager = signed_in(cast.manager)
    _invite(manager, email="made-by-hand@example.org", role="expert")
    path = link_sent_to(app, "made-by-hand@example.org")
    create_user("made-by-hand@example.org", Factory.PASSWORD, "expert", name="Made By Hand")
    db.session.commit()
    answer = _join(visitor_factory(), path)
    assert answer.status_code == 409 and "You already have an account" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(User.email == "made-by-hand@example.org")) == 1
    assert password_works(
        db.session.scalar(sa.select(User).where(User.email == "made-by-hand@example.org")), Factory.PASSWORD
    )
