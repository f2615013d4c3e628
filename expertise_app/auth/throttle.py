"""Sign-in attempts that fail are counted, per account and per address (Flask-Limiter).

Past either limit the login answers 429 with Retry-After, without checking any password, until the
window has passed: a guesser gets a few tries an hour per account, and a flood of wrong passwords
no longer costs an argon2 hash each (which slowed every other page). Only failures count, so people
signing in from one office behind one address are not locked out by each other's successes.

The address is the connection's, or the one a trusted proxy reports (TRUSTED_PROXIES, applied by
ProxyFix in the app factory): a client's own X-Forwarded-For changes nothing.
"""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..audit import services as audit
from ..extensions import limiter
from ..forms import one_line
from ..i18n import form_shown_again
from .models import normalise_email
from .tokens import bearer_user


def failed(response) -> bool:
    """A login that was refused for wrong credentials (401); a form error (400) or success counts not."""
    return response.status_code == 401


def email_sent() -> str:
    """The form's email as the form reads it (`one_line`: single spaces, no invisible character at
    either end) and as accounts are looked up: the account it names. Counted by its raw text, the same
    account with a zero-width space added would be a new one to count, as often as a guesser likes."""
    return normalise_email(one_line(request.form.get("email", "")))[:254]


def account_key() -> str:
    return "account:" + email_sent()


def address_key() -> str:
    return "address:" + (get_remote_address() or "unknown")


def _limit(name: str):
    return lambda: current_app.config[name]


def _logged(_limit_hit) -> None:
    """A sign-in refused for too many failures, in the audit log (the answer stays Flask-Limiter's 429)."""
    audit.record("sign_in", audit.REFUSED, detail="too many failed attempts", email=request.form.get("email", ""))


def _failed_sign_ins(setting: str, key_func):
    return limiter.limit(
        _limit(setting), methods=["POST"], key_func=key_func, deduct_when=failed, scope="login", on_breach=_logged
    )


limit_failures_per_account = _failed_sign_ins("LOGIN_FAILURES_PER_ACCOUNT", account_key)
limit_failures_per_address = _failed_sign_ins("LOGIN_FAILURES_PER_ADDRESS", address_key)


def account_of_signed_in_user() -> str:
    return f"password-change:{current_user.id}"


# Changing a password asks for the current one: guessing it there is limited like signing in.
limit_password_change_failures = limiter.limit(
    _limit("LOGIN_FAILURES_PER_ACCOUNT"),
    methods=["POST"],
    key_func=account_of_signed_in_user,
    deduct_when=lambda response: response.status_code == 422,
    scope="password-change",
)


# Asking for a password reset: every request counts (whether or not the account exists, so the limit
# says nothing about it), per email (nobody's inbox is flooded) and per address.
def reset_email_key() -> str:
    return "reset-email:" + email_sent()


limit_resets_per_email = limiter.limit(
    _limit("PASSWORD_RESETS_PER_EMAIL"), methods=["POST"], key_func=reset_email_key, scope="reset"
)
limit_resets_per_address = limiter.limit(
    _limit("PASSWORD_RESETS_PER_ADDRESS"), methods=["POST"], key_func=address_key, scope="reset"
)


def signed_in_or_address(kind: str) -> str:
    """The signed-in person (limits are checked before a view asks for a sign-in), else the address."""
    return f"{kind}:{current_user.id}" if current_user.is_authenticated else address_key()


def inviter_key() -> str:
    return signed_in_or_address("inviter")


# Each invitation sent (or sent again) is an email to an address the inviter chose: limited per inviter.
limit_invitations = limiter.shared_limit(
    _limit("INVITATIONS_PER_INVITER"),
    scope="invitations",
    methods=["POST"],
    key_func=inviter_key,
    deduct_when=lambda response: response.status_code == 302,
)


def writer_key() -> str:
    """Who is writing: on the API, the owner of the bearer token it sends (limits are checked before
    the API reads the token, so it is read here, once for both); anywhere else, the signed-in person.
    Counted per person, not per token: their tokens share one limit, and a header the pages do not read
    (or a token that is no one's, which the API refuses) makes no one new. Anyone else counts against
    their address."""
    if request.blueprint == "api" and request.headers.get("Authorization"):
        user = bearer_user()
        return f"writer:{user.id}" if user is not None else address_key()
    return signed_in_or_address("writer")


# What people write on a case (filings, actions, messages, notes, answers, documents) reaches other
# people's inboxes: a flood from one account (forty messages a minute made forty emails to each
# person concerned) is cut off per person, on the pages and the API alike, whichever of their tokens
# they use. Only what was done counts (an answer under 400, not a form shown again in another language), so
# fixing a form's errors or reading it in Arabic costs nothing.
limit_writing = limiter.shared_limit(
    _limit("WRITES_PER_PERSON"),
    scope="writing",
    methods=["POST"],
    key_func=writer_key,
    deduct_when=lambda response: response.status_code < 400 and not form_shown_again(),
)
