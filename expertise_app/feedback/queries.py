"""Reading feedback: a request's, an expert's ratings, the averages the overview shows. All SQL."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..cases.models import ExpertiseRequest
from ..extensions import db
from ..reference import FEEDBACK_ITEMS
from .models import ExpertRating, MissionFeedback


def of_request(request_id: int) -> MissionFeedback | None:
    return db.session.get(MissionFeedback, request_id)


def ratings_of_request(request_id: int) -> dict[int, ExpertRating]:
    rows = db.session.scalars(sa.select(ExpertRating).where(ExpertRating.request_id == request_id))
    return {rating.expert_id: rating for rating in rows}


@dataclass(frozen=True)
class RatingSummary:
    average: float | None
    count: int
    recent: list[tuple[ExpertRating, str, str]]  # (rating, the request's reference and title), newest first


def expert_ratings(expert_id: int, recent: int = 5) -> RatingSummary:
    average, count = db.session.execute(
        sa.select(sa.func.avg(ExpertRating.score), sa.func.count()).where(ExpertRating.expert_id == expert_id)
    ).one()
    latest = db.session.execute(
        sa.select(ExpertRating, ExpertiseRequest.reference, ExpertiseRequest.title)
        .join(ExpertiseRequest, ExpertiseRequest.id == ExpertRating.request_id)
        .where(ExpertRating.expert_id == expert_id)
        .order_by(ExpertRating.created_at.desc(), ExpertRating.id.desc())
        .limit(recent)
    ).tuples()
    return RatingSummary(float(average) if average is not None else None, count, list(latest))


def averages(where=sa.true()) -> dict[str, float | int | None]:
    """The mean score of each questionnaire item and how many answered, over the requests `where` selects."""
    columns = [sa.func.avg(getattr(MissionFeedback, item)).label(item) for item in FEEDBACK_ITEMS.codes]
    row = db.session.execute(
        sa.select(sa.func.count().label("answers"), *columns)
        .select_from(MissionFeedback)
        .join(ExpertiseRequest, ExpertiseRequest.id == MissionFeedback.request_id)
        .where(where)
    ).one()
    return {"answers": row.answers, **{item: _rounded(getattr(row, item)) for item in FEEDBACK_ITEMS.codes}}


def _rounded(value) -> float | None:
    return round(float(value), 1) if value is not None else None
