"""In-app notifications, and the outbox every email goes through."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..auth.models import User
from ..cases.models import Event, ExpertiseRequest
from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class Delivery:
    """How a person wants to hear by email (in-app notifications are always there)."""

    EACH = "each"  # an email for every notification
    DIGEST = "digest"  # one email a day listing them
    NONE = "none"
    ALL = (EACH, DIGEST, NONE)


class Notification(db.Model):
    """One person told of one history entry of a request (or reminded of something it waits for)."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_read", "user_id", "read_at"),
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
        # Opening a request reads its notifications: found by the request's few, not the reader's many.
        sa.Index("ix_notifications_request_user", "request_id", "user_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expertise_requests.id"))
    event_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("events.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(24), default="event")  # event, feedback_reminder
    title: so.Mapped[str] = so.mapped_column(sa.String(200))  # what happened, in the recipient's language
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    emailed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)  # told by email (at once or in a digest)

    user: so.Mapped[User] = so.relationship()
    request: so.Mapped[ExpertiseRequest] = so.relationship(lazy="joined")
    event: so.Mapped[Event | None] = so.relationship(lazy="joined")


class OutboxStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # will be tried again at `next_attempt_at`
    ABANDONED = "abandoned"  # failed too many times
    ALL = (PENDING, SENT, FAILED, ABANDONED)


class OutboxEmail(db.Model):
    """An email, written in its recipient's language when the action happened, and where it stands."""

    __tablename__ = "outbox_emails"
    __table_args__ = (sa.Index("ix_outbox_emails_status_next", "status", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # None for an invitation: its recipient has no account yet.
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(250))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    language: so.Mapped[str] = so.mapped_column(sa.String(8))
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=OutboxStatus.PENDING)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    next_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User | None] = so.relationship()
