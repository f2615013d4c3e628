"""Organisations and users (expert profiles live in expertise_app/experts)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..cases.models import Assignment
    from ..experts.models import ExpertProfile


class Role:
    PARTNER = "partner"
    EXPERT = "expert"
    MANAGER = "manager"
    ALL = (PARTNER, EXPERT, MANAGER)
    STAFF = (EXPERT, MANAGER)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    country: so.Mapped[str] = so.mapped_column(sa.String(2), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(32), default="other")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    users: so.Mapped[list[User]] = so.relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('partner', 'expert', 'manager')", name="role"),
        sa.CheckConstraint("role != 'partner' OR organisation_id IS NOT NULL", name="partner_has_organisation"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Stored lower-cased (see normalise_email), so the unique index is case-insensitive.
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), index=True)
    organisation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organisations.id"), index=True)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Emails of notifications: "each" (one per notification), "digest" (one a day), "none".
    email_notifications: so.Mapped[str] = so.mapped_column(sa.String(8), default="each", server_default="each")
    # Rotated on logout and password change: a copied session cookie stops working.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_session_token)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    organisation: so.Mapped[Organisation | None] = so.relationship(back_populates="users")
    profile: so.Mapped[ExpertProfile | None] = so.relationship(back_populates="user", uselist=False)
    assignments: so.Mapped[list[Assignment]] = so.relationship(
        back_populates="expert", foreign_keys="Assignment.expert_id"
    )

    # Set when this user signs in (auth/sessions.py): the session's name, with when it began.
    sign_in_name = None

    def get_id(self) -> str:
        return self.sign_in_name or self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER

    @property
    def is_expert(self) -> bool:
        return self.role == Role.EXPERT

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_staff(self) -> bool:
        return self.role in Role.STAFF

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.email} ({self.role})>"


def normalise_email(email: str) -> str:
    return email.replace("\x00", "").strip().lower()


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))  # the first characters, to recognise it in a list
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)  # None: until revoked
    submission_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))  # the form that made it, if one did

    user: so.Mapped[User] = so.relationship()

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class PasswordReset(db.Model):
    """A link emailed to reset a password: only the SHA-256 of its secret is stored. It works once,
    until `expires_at`, while no newer request, password change or spent link has ended it."""

    __tablename__ = "password_resets"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)  # the password was set with it
    cancelled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)  # a newer link or a new password

    user: so.Mapped[User] = so.relationship()

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.cancelled_at is None and self.expires_at > utcnow() and self.user.active


class Invitation(db.Model):
    """An invitation to join: emailed as a link (only the SHA-256 of its secret is stored) where the
    invitee chooses a name, a password and a language; the account is made then, not before."""

    __tablename__ = "invitations"
    __table_args__ = (
        sa.CheckConstraint("role IN ('partner', 'expert')", name="role"),
        sa.CheckConstraint("role != 'partner' OR organisation_id IS NOT NULL", name="partner_has_organisation"),
        sa.Index("ix_invitations_organisation_created", "organisation_id", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)  # lower-cased (normalise_email)
    name: so.Mapped[str] = so.mapped_column(
        sa.String(120), default=""
    )  # as the inviter wrote it; the invitee may change it
    role: so.Mapped[str] = so.mapped_column(sa.String(16))
    organisation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organisations.id"))
    language: so.Mapped[str] = so.mapped_column(sa.String(8))  # of the email and, by default, of the account
    invited_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)  # last sent (resending moves it)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    accepted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))  # the account it made

    organisation: so.Mapped[Organisation | None] = so.relationship()
    invited_by: so.Mapped[User] = so.relationship(foreign_keys=[invited_by_id])

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    @property
    def is_open(self) -> bool:
        """Neither accepted nor revoked (it may have expired: it can be sent again)."""
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_usable(self) -> bool:
        return self.is_open and not self.is_expired
