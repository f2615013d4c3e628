"""Password hashing with argon2id (argon2-cffi), tuned from the app config."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

from .models import User

# A valid hash of a random password: verifying against it when the email is
# unknown costs the same time as a real check, so login timing reveals nothing.
_DUMMY_PASSWORD = "not-a-real-password"  # noqa: S105 (never anyone's password)  # nosec B105


def init_password_hasher(app: Flask) -> None:
    hasher = PasswordHasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    app.extensions["password_hasher"] = hasher


def _hasher() -> PasswordHasher:
    return current_app.extensions["password_hasher"]


def _dummy_hash() -> str:
    """Hashed on first need, not at start-up (a hash costs ~0.2 s at production settings)."""
    extensions = current_app.extensions
    if "dummy_password_hash" not in extensions:
        extensions["dummy_password_hash"] = _hasher().hash(_DUMMY_PASSWORD)
    return extensions["dummy_password_hash"]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.rotate_session_token()


def check_password(user: User | None, password: str) -> bool:
    """True if `password` is `user`'s; rehashes in place when parameters changed."""
    if user is None:
        _verify(_dummy_hash(), password)
        return False
    if not _verify(user.password_hash, password):
        return False
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
