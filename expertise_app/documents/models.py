"""A document attached to a request, and the bytes the database storage keeps."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..auth.models import User
from ..cases.models import Event
from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class Document(db.Model):
    """One file attached by an action (a message, a note, an answer, the filing, the delivery).

    `internal` follows the action that attached it: a file attached to an internal note
    is for ministry staff only, like the note. The content is in the storage under
    `storage_key` (see documents/storage.py); `sha256` lets anyone check a copy.
    """

    __tablename__ = "documents"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expertise_requests.id"), index=True)
    event_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("events.id"), index=True)
    uploaded_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(24))
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(120))
    size: so.Mapped[int]
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    internal: so.Mapped[bool] = so.mapped_column(default=False)
    storage_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: so.Mapped[User] = so.relationship(lazy="joined")
    event: so.Mapped[Event] = so.relationship()


class StoredFile(db.Model):
    """The bytes of a file, kept by DatabaseStorage: every app host sees them, and backups hold them."""

    __tablename__ = "stored_files"

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
