"""What an expert knows and when they are free.

Fields, languages, countries and regions are association tables rather than JSON
arrays, so that the directory's filters and the ranking of suggestions
(experts/ranking.py) are plain indexed SQL on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..db_types import UTCDateTime, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import User

DEFAULT_MAX_MISSIONS = 2


class ExpertProfile(db.Model):
    __tablename__ = "expert_profiles"
    __table_args__ = (sa.CheckConstraint("max_concurrent_missions BETWEEN 1 AND 20", name="max_missions"),)

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    institution: so.Mapped[str] = so.mapped_column(sa.String(32), default="central_service", index=True)
    department: so.Mapped[str] = so.mapped_column(sa.String(120), default="")  # the unit within the institution
    public_official: so.Mapped[bool] = so.mapped_column(default=True)
    seniority: so.Mapped[str] = so.mapped_column(sa.String(16), default="experienced")
    biography: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    max_concurrent_missions: so.Mapped[int] = so.mapped_column(default=DEFAULT_MAX_MISSIONS)
    # A manager deactivates a profile: the expert is neither suggested nor proposed any more.
    active: so.Mapped[bool] = so.mapped_column(default=True, index=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: so.Mapped[User] = so.relationship(back_populates="profile")
    fields: so.Mapped[list[ExpertField]] = so.relationship(
        cascade="all, delete-orphan", order_by="(ExpertField.level, ExpertField.field)"
    )
    languages: so.Mapped[list[ExpertLanguage]] = so.relationship(
        cascade="all, delete-orphan", order_by="ExpertLanguage.language"
    )
    countries: so.Mapped[list[ExpertCountry]] = so.relationship(
        cascade="all, delete-orphan", order_by="ExpertCountry.country"
    )
    regions: so.Mapped[list[ExpertRegion]] = so.relationship(
        cascade="all, delete-orphan", order_by="ExpertRegion.region"
    )
    unavailability: so.Mapped[list[Unavailability]] = so.relationship(
        cascade="all, delete-orphan", order_by="Unavailability.starts_on"
    )

    @property
    def primary_fields(self) -> list[str]:
        return [item.field for item in self.fields if item.level == "primary"]

    @property
    def secondary_fields(self) -> list[str]:
        return [item.field for item in self.fields if item.level == "secondary"]

    @property
    def field_codes(self) -> list[str]:
        return [item.field for item in self.fields]

    @property
    def language_levels(self) -> dict[str, str]:
        return {item.language: item.level for item in self.languages}

    @property
    def country_codes(self) -> list[str]:
        return [item.country for item in self.countries]

    @property
    def region_codes(self) -> list[str]:
        return [item.region for item in self.regions]

    def upcoming_unavailability(self, today: date) -> list[Unavailability]:
        return [period for period in self.unavailability if period.ends_on >= today]


class ExpertField(db.Model):
    __tablename__ = "expert_fields"
    __table_args__ = (
        sa.CheckConstraint("level IN ('primary', 'secondary')", name="level"),
        sa.Index("ix_expert_fields_field_level", "field", "level"),
    )

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expert_profiles.user_id"), primary_key=True)
    field: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)
    level: so.Mapped[str] = so.mapped_column(sa.String(16), default="primary")


class ExpertLanguage(db.Model):
    __tablename__ = "expert_languages"
    __table_args__ = (
        sa.CheckConstraint("level IN ('native', 'fluent', 'working', 'basic')", name="level"),
        sa.Index("ix_expert_languages_language_level", "language", "level"),
    )

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expert_profiles.user_id"), primary_key=True)
    language: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)
    level: so.Mapped[str] = so.mapped_column(sa.String(16), default="fluent")


class ExpertCountry(db.Model):
    """A country the expert has worked in or on."""

    __tablename__ = "expert_countries"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expert_profiles.user_id"), primary_key=True)
    country: so.Mapped[str] = so.mapped_column(sa.String(2), primary_key=True, index=True)


class ExpertRegion(db.Model):
    """A region of experience (a REGIONS code): a continent, a UN M49 sub-region or an EU group."""

    __tablename__ = "expert_regions"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expert_profiles.user_id"), primary_key=True)
    region: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True, index=True)


class Unavailability(db.Model):
    """A period the expert cannot go on mission (leave, another commitment)."""

    __tablename__ = "expert_unavailability"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="period_order"),
        sa.Index("ix_expert_unavailability_user_period", "user_id", "starts_on", "ends_on"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expert_profiles.user_id"))
    starts_on: so.Mapped[date]
    ends_on: so.Mapped[date]
    reason: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
