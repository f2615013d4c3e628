"""Where the bytes of documents live, behind a small interface.

`DatabaseStorage` keeps them in the database, in the same transaction as the rest
of the action: an upload that is rolled back leaves nothing behind, and a backup
of the database holds every document. An object store (S3, Swift) could implement
the same two methods later; the app reads `app.extensions["passerelle.storage"]`.
"""

from __future__ import annotations

import secrets
from typing import Protocol

from flask import Flask, current_app

from ..extensions import db
from .models import StoredFile

EXTENSION_KEY = "passerelle.storage"


class Storage(Protocol):
    def save(self, content: bytes) -> str:
        """Keep `content` and return the key it is found under."""

    def load(self, key: str) -> bytes:
        """The content saved under `key`."""


class DatabaseStorage:
    def save(self, content: bytes) -> str:
        key = secrets.token_hex(32)
        db.session.add(StoredFile(key=key, content=content))
        return key

    def load(self, key: str) -> bytes:
        stored = db.session.get(StoredFile, key)
        if stored is None:
            raise KeyError(key)
        return stored.content


def storage() -> Storage:
    return current_app.extensions[EXTENSION_KEY]


def init_storage(app: Flask) -> None:
    app.extensions.setdefault(EXTENSION_KEY, DatabaseStorage())
