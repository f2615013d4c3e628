"""The secrets of emailed links (password resets, invitations) and of API tokens.

A secret is 32 random bytes; only its SHA-256 is stored. A fast hash is right here: unlike a
password, a secret has full entropy, so it cannot be found from its hash, and looking it up must
be cheap. Someone who reads the database cannot use a link that is still valid.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from ..extensions import db

MAX_SECRET_LENGTH = 100  # anything longer in a link's address is nobody's


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A new link secret and its hash (the hash is stored, the secret only emailed)."""
    secret = secrets.token_urlsafe(32)
    return secret, digest(secret)


def usable_by_link(model, secret: str):
    """The row of `model` (a reset, an invitation) that a link's secret names, if it may still be
    used (its `is_usable`); None otherwise, or for something that cannot be a secret."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    found = db.session.scalar(sa.select(model).where(model.token_hash == digest(secret)))
    return found if found is not None and found.is_usable else None
