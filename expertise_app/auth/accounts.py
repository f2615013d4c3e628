"""Account use cases: authenticate, create users, log out everywhere. None of them commits."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from email_validator import EmailNotValidError, validate_email

from ..db_types import utcnow
from ..extensions import db
from ..reference import COUNTRIES, ORGANISATION_KINDS
from ..translation import gettext as _
from .models import Invitation, Organisation, PasswordReset, Role, User, normalise_email
from .password_policy import password_problem
from .passwords import check_password, set_password


class AccountError(Exception):
    pass


class WrongPassword(AccountError):
    """The current password given to change it is not the account's."""


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = find_user_by_email(email)
    if not check_password(user, password) or not user.active:
        return None
    return user  # a rehashed password is saved with the request


def log_out_everywhere(user: User) -> None:
    user.rotate_session_token()


def change_password(user: User, current: str, new: str) -> int:
    """Set a new password after checking the current one; every session of the account ends (the
    caller signs this one in again) and its API tokens are revoked: how many. Raises AccountError
    saying what is wrong. Does not commit."""
    if not check_password(user, current):
        raise WrongPassword(_("This is not your current password."))
    problem = password_problem(new, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem)
    revoked = set_password(user, new)
    cancel_password_resets(user)  # a reset link emailed before no longer works
    return revoked


def cancel_password_resets(user: User) -> None:
    """End the account's reset links not yet used (a newer one is sent, or the password changed)."""
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None), PasswordReset.cancelled_at.is_(None))
        .values(cancelled_at=utcnow())
    )


def set_account_active(actor: User, user: User, active: bool) -> None:
    """Disable or enable `user`'s account. Disabling ends every session, remember-me cookie and
    API token use at once; enabling again does not bring the old sessions back. Does not commit."""
    if user.id == actor.id and not active:
        raise AccountError(_("You cannot disable your own account: another manager can."))
    if user.active != active:
        user.active = active
        user.rotate_session_token()
        cancel_password_resets(user)  # enabling it again does not revive a link emailed before
        if not active:
            revoke_invitations_sent_by(user)


def revoke_invitations_sent_by(user: User) -> None:
    """Nobody joins any more by the links of an account that was disabled (not yet accepted ones)."""
    db.session.execute(
        sa.update(Invitation)
        .where(Invitation.invited_by_id == user.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def accounts_list(query: str | None, role: str | None) -> sa.Select:
    """Every account, by role then name; narrowed to a role and to a name or email holding `query`."""
    select = sa.select(User).options(so.joinedload(User.organisation)).order_by(User.role, User.name, User.id)
    if role in Role.ALL:
        select = select.where(User.role == role)
    if query:
        words = query.lower()
        select = select.where(
            sa.or_(
                sa.func.lower(User.name).contains(words, autoescape=True), User.email.contains(words, autoescape=True)
            )
        )
    return select


def get_or_create_organisation(name: str, country: str, kind: str = "other") -> Organisation:
    name = name.strip()
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == name))
    if organisation is None:
        if country not in COUNTRIES:
            raise AccountError(_("Unknown country code “%(code)s” (use ISO 3166-1 alpha-2, e.g. TN).", code=country))
        if kind not in ORGANISATION_KINDS:
            raise AccountError(_("Unknown organisation kind “%(kind)s”.", kind=kind))
        organisation = Organisation(name=name, country=country, kind=kind)
        db.session.add(organisation)
    return organisation


def valid_email(email: str) -> str:
    """`email` as stored (normalised, lower-cased), or AccountError saying why it is no address."""
    try:
        return normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise AccountError(_("Invalid email address: %(error)s", error=str(error))) from error


def create_user(
    email: str,
    password: str,
    role: str,
    name: str | None = None,
    organisation: str | None = None,
    country: str | None = None,
) -> User:
    """Create an account, or raise AccountError saying what is wrong. Does not commit."""
    email = valid_email(email)
    if role not in Role.ALL:
        raise AccountError(_("Role must be one of: %(roles)s.", roles=", ".join(Role.ALL)))
    problem = password_problem(password, email=email, name=name or "")
    if problem:
        raise AccountError(problem)
    if find_user_by_email(email) is not None:
        raise AccountError(_("An account with the email %(email)s already exists.", email=email))
    user = User(email=email, name=(name or email.split("@")[0]).strip(), role=role)
    if role == Role.PARTNER:
        if not organisation or not country:
            raise AccountError(_("A partner needs an organisation and its country (--organisation, --country)."))
        user.organisation = get_or_create_organisation(organisation, country.upper())
    elif organisation:
        raise AccountError(_("Only partners belong to an organisation."))
    set_password(user, password)
    db.session.add(user)
    return user
