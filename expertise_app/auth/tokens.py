"""Personal API tokens: create (shown once), authenticate, list, revoke.

A token is 32 random bytes; only its SHA-256 is stored. A fast hash is right
here: unlike a password, a token has full entropy, so it cannot be guessed
from its hash, and checking it on every API call must be cheap.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import timedelta

import sqlalchemy as sa
from flask import request

from ..db_types import MAX_ID, hold_until_commit, utcnow
from ..extensions import db
from ..translation import gettext as _
from .links import digest
from .models import ApiToken, User

TOKEN_PREFIX = "psl_"  # noqa: S105 (a public prefix, not a secret)  # nosec B105
# Writing last_used_at on every call would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# How soon the same form sent again is one sent twice (a double click, a slow answer clicked again),
# not a reload of the page that showed the first token's secret.
SENT_TWICE_WITHIN = timedelta(seconds=30)


class TokenError(Exception):
    pass


LIFETIMES_IN_DAYS = (30, 90, 365)  # what the account page offers, and "until revoked"


def create_token(
    user: User,
    name: str,
    days: int | None = None,
    submission_key: str | None = None,
    replacing: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user`, valid `days` days (None: until revoked); returns the row and the
    secret, which is never stored. Its name reads unlike those of their other tokens still in use: names
    tell them apart (and two forms sent at once make one token). `replacing` (unseen_copy) is revoked once
    the new token may be made. Does not commit."""
    name = _cleaned(name)
    if not _read_as(name) or len(name) > 80:
        raise TokenError(_("Give the token a name of 1 to 80 characters."))
    if days is not None and not 1 <= days <= 3660:
        raise TokenError(_("A token lasts from 1 day to 10 years."))
    if not user.active:
        raise TokenError(_("This account is inactive."))
    hold_until_commit(f"api-token:{user.id}", User.active, user.id)  # a form sent twice at once: checked in turn
    if _active_named(user, name, besides=replacing):
        raise TokenError(
            _(
                "You already have a token named “%(name)s”: give this one another name, or revoke that one first.",
                name=name,
            )
        )
    if replacing is not None:
        replacing.revoked_at = utcnow()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=days) if days is not None else None
    token = ApiToken(
        user=user,
        name=name,
        token_hash=digest(secret),
        prefix=secret[:10],
        expires_at=expires_at,
        submission_key=submission_key,
    )
    db.session.add(token)
    return token, secret


def unseen_copy(user: User, submission_key: str, name: str) -> ApiToken | None:
    """The token an earlier copy of the same form made a moment ago (`submission_key`, the same name,
    SENT_TWICE_WITHIN), if it was never used: its secret was shown only by the answer to that copy, which the
    browser left for the answer to this one (a double click), so the token this copy makes replaces it
    (create_token's `replacing`). A copy sent later (a reload, the back button) finds none."""
    hold_until_commit(f"api-token:{user.id}", User.active, user.id)
    return db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.user_id == user.id,
            ApiToken.submission_key == submission_key,
            ApiToken.name == _cleaned(name),
            ApiToken.revoked_at.is_(None),
            ApiToken.last_used_at.is_(None),
            ApiToken.created_at > utcnow() - SENT_TWICE_WITHIN,
        )
    )


def _active_named(user: User, name: str, besides: ApiToken | None = None) -> bool:
    """Whether `user` holds a token still in use, other than `besides`, whose name reads as `name`: names
    tell a person's tokens apart, so two that differ only in case, width or an invisible character are one."""
    now = utcnow()
    names = db.session.scalars(
        sa.select(ApiToken.name).where(
            ApiToken.user_id == user.id,
            ApiToken.id != (besides.id if besides is not None else None),
            ApiToken.revoked_at.is_(None),
            sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
        )
    )
    return _read_as(name) in {_read_as(other) for other in names}


# Letters that show as nothing: the Hangul fillers and the blank Braille cell.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# What turns the text after it around: kept out of a name, where "\u202ecnyS" would read "Sync".
DIRECTION_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _cleaned(name: str | None) -> str:
    """A token's name as it is kept: without what would turn it around on the screen, nor spaces around."""
    return "".join(c for c in (name or "") if c not in DIRECTION_CONTROLS).strip()


def _read_as(name: str) -> str:
    """A name as a reader tells it from another: compatibility forms folded (full width, ligatures),
    what shows as nothing dropped (format characters such as a zero-width space or a soft hyphen, marks
    and selectors that join nothing visible, blank letters), case ignored, spaces made one."""
    shown = (
        c
        for c in unicodedata.normalize("NFKC", name)
        if unicodedata.category(c) not in ("Cf", "Mn", "Me") and c not in BLANK_LETTERS
    )
    return " ".join("".join(shown).casefold().split())


def user_for_token(secret: str) -> User | None:
    """The active user behind an active token, or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or not token.is_active or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now  # saved with the request
    return token.user


BEARER_USER = "passerelle.bearer_user"  # where the request keeps who its token names, once looked up


def bearer_user() -> User | None:
    """The active user whose token the request's `Authorization: Bearer` header carries, or None (no
    such header, or a token that is wrong, expired or revoked). Looked up once per request: the write
    limit asks before the API does (`throttle.writer_key`)."""
    if BEARER_USER not in request.environ:
        scheme, _separator, secret = request.headers.get("Authorization", "").partition(" ")
        request.environ[BEARER_USER] = user_for_token(secret.strip()) if scheme.lower() == "bearer" else None
    return request.environ[BEARER_USER]


def revoke_every_token(user: User) -> int:
    """Revoke `user`'s tokens still in use (a new password: whoever held a session could have made one,
    and it would outlive the password); how many. Does not commit."""
    now = utcnow()
    in_use = sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now)
    return db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), in_use)
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.isnot(None), ApiToken.created_at.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of `user`'s tokens; None if it is not theirs. Does not commit."""
    token = db.session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if token is None or token.user_id != user.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token
