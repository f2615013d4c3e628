"""The audit log: who did what, when, from where, and how it ended. Append-only."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..db_types import UTCDateTime, utcnow
from ..extensions import db


class AuditEntry(db.Model):
    """One sign-in, sign-out, refusal, export, download, account change or change of a case.

    Never updated nor deleted: the ORM refuses to, and on PostgreSQL a trigger refuses it for any
    client of the database (migration 0012).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_at", "at"),
        sa.Index("ix_audit_log_actor_at", "actor_id", "at"),
        sa.Index("ix_audit_log_action_at", "action", "at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # Who, as they said it (a failed sign-in names an email that may be nobody's).
    actor_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    address: so.Mapped[str | None] = so.mapped_column(sa.String(45))
    action: so.Mapped[str] = so.mapped_column(sa.String(40))
    outcome: so.Mapped[str] = so.mapped_column(sa.String(12))  # success, refused, failed
    target: so.Mapped[str | None] = so.mapped_column(sa.String(80))  # request:12, document:7, user:3
    detail: so.Mapped[str | None] = so.mapped_column(sa.String(300))

    actor = so.relationship("User")


@sa.event.listens_for(AuditEntry, "before_update")
@sa.event.listens_for(AuditEntry, "before_delete")
def _append_only(_mapper, _connection, _entry) -> None:
    raise RuntimeError("the audit log is append-only")
