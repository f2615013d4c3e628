"""Invitations: a manager invites experts and partners, a partner its own organisation's colleagues.
None of these commits.

An invitation is a row of its own, not an account: the account is made when the invitee follows the
emailed link and chooses a name, a password and a language (then they are signed in). Until then
nobody can sign in as them, and nothing (the expert directory, the people told of a request) counts
them. The link works once, for INVITATION_DAYS; resending makes a new link and ends the old one.

Who may learn that an account exists is the policy's (`may_know_account`): a manager is told so
plainly; a partner inviting an email of an account it may not know (another organisation's, the
ministry's) gets the very answer of any invitation, and the invitation is listed as pending like any
other, while the account's owner is emailed a notice (you already have an account) instead of a link.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .. import policy
from ..db_types import MAX_ID, hold_until_commit, utcnow
from ..experts.models import ExpertProfile
from ..extensions import db
from ..notifications import mail
from ..notifications.services import queue_email, queue_email_to, send_after_commit
from ..translation import gettext as _
from .accounts import AccountError, find_user_by_email, valid_email
from .links import new_secret, usable_by_link
from .models import Invitation, Organisation, Role, User
from .password_policy import password_problem
from .passwords import set_password


class InvitationError(AccountError):
    """Why an invitation cannot be made, in words the inviter may read."""


class AlreadyJoined(AccountError):
    """The invitation's email has an account by now (another invitation was accepted first)."""


def _already_joined() -> AlreadyJoined:
    return AlreadyJoined(_("An account already uses this email: sign in, or reset your password."))


def invite(
    actor: User, email: str, role: str, organisation_id: int | None, language: str, name: str = ""
) -> Invitation:
    """Invite `email` as `role` (of `organisation_id` for a partner) and email the link in `language`.

    A partner always invites a partner of its own organisation, whatever it sent. Raises
    InvitationError saying what is wrong (and what the inviter may know).
    """
    roles = policy.invitable_roles(actor)
    if actor.is_partner:
        role, organisation_id = Role.PARTNER, actor.organisation_id
    if role not in roles:
        raise InvitationError(_("You may not invite someone with this role."))
    organisation = _organisation(organisation_id) if role == Role.PARTNER else None
    email = valid_email(email)
    hold_until_commit("invitation:" + email, User.active, actor.id)  # whoever invites it: one invitation
    existing = find_user_by_email(email)
    if existing is not None and policy.may_know_account(actor, existing):
        raise InvitationError(_("%(email)s already has an account (%(name)s).", email=email, name=existing.name))
    pending = _pending_for(actor, email)
    if pending is not None:
        raise InvitationError(_("%(email)s is already invited: send the invitation again from the list.", email=email))
    invitation = Invitation(
        email=email,
        name=(name or "").strip()[:120],
        role=role,
        organisation=organisation,
        language=mail.spoken(language),
        invited_by=actor,
    )
    db.session.add(invitation)
    _send(invitation)
    return invitation


def _organisation(organisation_id: int | None) -> Organisation:
    known = organisation_id is not None and 0 < organisation_id <= MAX_ID
    organisation = db.session.get(Organisation, organisation_id) if known else None
    if organisation is None:
        raise InvitationError(_("Choose the partner's organisation."))
    return organisation


def _pending_for(actor: User, email: str) -> Invitation | None:
    """An invitation of `email` still open that `actor` sees (a partner: its organisation's only)."""
    return db.session.scalar(
        sa.select(Invitation)
        .where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
            policy.invitations_filter(actor),
        )
        .limit(1)
    )


def _send(invitation: Invitation) -> None:
    """A new link (the one sent before stops working), valid INVITATION_DAYS, emailed after the commit.

    If the email has an account by now, its owner is told so instead (sign in, or reset the password):
    the link is never sent, so the invitation cannot be accepted and simply expires.
    """
    secret, invitation.token_hash = new_secret()
    days = lifetime_in_days()
    invitation.sent_at = utcnow()
    invitation.expires_at = invitation.sent_at + timedelta(days=days)
    context = {"invitation": invitation, "inviter": invitation.invited_by, "days": days}
    account = find_user_by_email(invitation.email)
    if account is not None:
        subject, body = mail.render(
            account,
            "invitation_existing",
            sign_in=mail.public_url("auth.login"),
            forgot=mail.public_url("auth.forgot_password"),
            **context,
        )
        email = queue_email(account, subject, body)
    else:
        link = mail.public_url("auth.accept_invitation", token=secret)
        subject, body = mail.render_in(invitation.language, "invitation", link=link, **context)
        email = queue_email_to(invitation.email, invitation.language, subject, body)
    send_after_commit([email])


def lifetime_in_days() -> int:
    return current_app.config["INVITATION_DAYS"]


def resend(invitation: Invitation) -> None:
    """Send an open invitation again, with a new link and a new expiry (an expired one too)."""
    if not invitation.is_open:
        raise InvitationError(_("This invitation was accepted or revoked: it cannot be sent again."))
    _send(invitation)


def revoke(invitation: Invitation) -> None:
    """The link stops working at once. An accepted invitation is an account: disable it instead."""
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation was accepted: disable the account instead."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()


def visible_invitation(actor: User, invitation_id: int) -> Invitation | None:
    """The invitation if `actor` may manage it; None otherwise (answered 404, as for another's)."""
    invitation = db.session.get(Invitation, invitation_id) if 0 < invitation_id <= MAX_ID else None
    if invitation is None or not policy.can_manage_invitation(actor, invitation):
        return None
    return invitation


def open_invitations(actor: User) -> sa.Select:
    """The invitations `actor` sees that are neither accepted nor revoked (expired ones too), newest first."""
    return (
        sa.select(Invitation)
        .options(sa.orm.joinedload(Invitation.organisation), sa.orm.joinedload(Invitation.invited_by))
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), policy.invitations_filter(actor))
        .order_by(Invitation.sent_at.desc(), Invitation.id.desc())
    )


def emails_with_accounts(emails: list[str]) -> set[str]:
    """Which of `emails` have an account (for a manager's list: such an invitation cannot be accepted)."""
    if not emails:
        return set()
    return set(db.session.scalars(sa.select(User.email).where(User.email.in_(emails))))


def usable_invitation(secret: str) -> Invitation | None:
    """The invitation a link names, if it may still be accepted."""
    return usable_by_link(Invitation, secret)


def accept(invitation: Invitation, name: str, password: str, language: str) -> User:
    """Make the invitee's account (an expert gets an expert profile to fill in); the invitation is
    spent, and the others still open for the same email into the same place (organisation, or the
    ministry's experts) are revoked; another organisation's stays as it is, like an invitation to any
    existing account, so that its inviter does not learn where the person went. Raises AccountError
    (the password policy), or AlreadyJoined if the email has an account by now; nothing changes then."""
    if find_user_by_email(invitation.email) is not None:
        raise _already_joined()
    name = " ".join(name.split())
    problem = password_problem(password, email=invitation.email, name=name)
    if problem:
        raise AccountError(problem)
    user = User(
        email=invitation.email,
        name=name,
        role=invitation.role,
        organisation_id=invitation.organisation_id if invitation.role == Role.PARTNER else None,
        locale=mail.spoken(language),
    )
    set_password(user, password)
    if user.role == Role.EXPERT:
        user.profile = ExpertProfile()  # fields, languages, regions: the expert fills them in
    try:
        with db.session.begin_nested():  # another invitation of this email accepted at the same moment
            db.session.add(user)
    except sa.exc.IntegrityError as error:
        raise _already_joined() from error
    now = utcnow()
    invitation.accepted_at, invitation.user_id = now, user.id
    db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.email == invitation.email,
            Invitation.id != invitation.id,
            Invitation.organisation_id.is_not_distinct_from(invitation.organisation_id),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return user
