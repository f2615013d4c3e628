"""How long a sign-in lasts, enforced by the server, not only by the browser's cookie.

A sign-in is named in the session (and in the remember-me cookie, which Flask-Login fills from the
session) as `<session token>.<when it began>.<remembered>`. The user loader refuses a name whose
sign-in began longer ago than its absolute lifetime (SESSION_LIFETIME_HOURS, or
REMEMBER_COOKIE_DURATION when "keep me signed in" was ticked), so a cookie copied or kept beyond
that no longer works, whatever its own expiry says. A session without "keep me signed in" also ends
after SESSION_IDLE_MINUTES without a request. Logout and a password change rotate the token: every
session and remember-me cookie of the account ends at once.
"""

from __future__ import annotations

import time

from flask import current_app, flash, session
from flask_babel import refresh
from flask_login import login_user, logout_user

from ..translation import gettext as _
from .models import User

SEEN_KEY = "seen_at"
SEEN_EVERY_SECONDS = 60  # the session is written again at most once a minute, not on every request


def now() -> int:
    return int(time.time())


def sign_in(user: User, remember: bool) -> None:
    """A new session for `user` (nothing of the anonymous one is kept), named with when it began."""
    session.clear()
    user.sign_in_name = f"{user.session_token}.{now()}.{int(remember)}"
    login_user(user, remember=remember)
    session[SEEN_KEY] = now()
    refresh()  # from here on, this request speaks the person's own language (their "signed in" message too)


def sign_out() -> None:
    logout_user()
    session.clear()


def token_if_current(name: str) -> str | None:
    """The session token named by a sign-in, or None if the name is not one or the sign-in is too old."""
    parts = name.split(".")
    if len(parts) != 3 or not parts[1].isdecimal() or parts[2] not in ("0", "1"):
        return None
    token, began, remembered = parts[0], int(parts[1]), parts[2] == "1"
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remembered else config["SESSION_LIFETIME_HOURS"] * 3600
    return token if 0 <= now() - began <= lifetime else None


def _remembered(name: str) -> bool:
    return name.endswith(".1")


def is_remembered() -> bool:
    """Whether this session was begun with "keep me signed in"."""
    return _remembered(session.get("_user_id", ""))


def end_idle_session() -> None:
    """Before every request: a session not remembered ends after SESSION_IDLE_MINUTES of silence."""
    name = session.get("_user_id")
    if not name or _remembered(name):
        return
    seen = session.get(SEEN_KEY, 0)
    if now() - seen > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        sign_out()
        flash(_("You were signed out after a while without activity. Please sign in again."), "info")
    elif now() - seen >= SEEN_EVERY_SECONDS:
        session[SEEN_KEY] = now()
