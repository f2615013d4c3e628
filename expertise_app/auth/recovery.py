"""A forgotten password, reset by a link emailed to the account's address. None of these commits.

Asking gives the same answer whether or not an account uses the address (the page says "if"): only
an active account is sent a link. The link works once, for PASSWORD_RESET_MINUTES; asking again,
changing the password or disabling the account ends it. Setting a new password through it ends
every session and remember-me cookie of the account (the session token rotates, as for a change).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from ..db_types import utcnow
from ..extensions import db
from ..notifications import mail
from ..notifications.services import queue_email, send_after_commit
from .accounts import AccountError, cancel_password_resets, find_user_by_email
from .links import new_secret, usable_by_link
from .models import PasswordReset, User
from .password_policy import password_problem
from .passwords import set_password


def request_reset(email: str) -> User | None:
    """Email a reset link to the active account using `email`; older links of the account stop
    working. Returns the account, or None when there is none (the caller answers alike)."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    cancel_password_resets(user)
    secret, token_hash = new_secret()
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    db.session.add(PasswordReset(user=user, token_hash=token_hash, expires_at=utcnow() + timedelta(minutes=minutes)))
    subject, body = mail.render(
        user,
        "password_reset",
        link=mail.public_url("auth.reset_password", token=secret),
        minutes=minutes,
        ask_again=mail.public_url("auth.forgot_password"),
    )
    send_after_commit([queue_email(user, subject, body)])
    return user


def usable_reset(secret: str) -> PasswordReset | None:
    """The reset a link names, if it may still be used (not spent, replaced, expired, nor of a disabled account)."""
    return usable_by_link(PasswordReset, secret)


def reset_password(reset: PasswordReset, password: str) -> tuple[User, int]:
    """Set the account's new password with a usable reset, which is then spent; every session of the
    account ends and its API tokens are revoked. The account, and how many tokens were revoked. Raises
    AccountError (the password policy) and changes nothing then."""
    user = reset.user
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem)
    revoked = set_password(user, password)  # every session, remember-me cookie and API token ends
    reset.used_at = utcnow()
    cancel_password_resets(user)  # the account's other links (flushed after this one is spent)
    return user, revoked
