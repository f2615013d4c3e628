"""The questionnaire a partner answers once a mission is delivered, and its rating of each expert.

Both are written by declared actions (`give_feedback`, `rate_expert`, cases/workflow.py),
which also keep them in the request's history; these tables hold them in a shape SQL can
count and average (profiles, suggestions, the overview).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..reference import FEEDBACK_ITEMS

SCORE_RANGE = "BETWEEN 1 AND 5"


class MissionFeedback(db.Model):
    __tablename__ = "mission_feedback"
    __table_args__ = tuple(
        sa.CheckConstraint(f"{item} {SCORE_RANGE}", name=f"{item}_score") for item in FEEDBACK_ITEMS.codes
    )

    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expertise_requests.id"), primary_key=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    objectives: so.Mapped[int]
    knowledge: so.Mapped[int]
    experts: so.Mapped[int]
    organisation: so.Mapped[int]
    use: so.Mapped[int]
    further_support: so.Mapped[int]
    comments: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)

    def score(self, item: str) -> int:
        return getattr(self, item)


class ExpertRating(db.Model):
    """The requesting partner's rating (1–5) of one expert of the team, once per request."""

    __tablename__ = "expert_ratings"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "expert_id", name="uq_expert_ratings_request_expert"),
        sa.CheckConstraint(f"score {SCORE_RANGE}", name="score"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expertise_requests.id"), index=True)
    expert_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    score: so.Mapped[int]
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
