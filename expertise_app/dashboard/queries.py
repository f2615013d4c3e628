"""Aggregates for the manager's overview, computed in SQL."""

from __future__ import annotations

import sqlalchemy as sa

from ..cases.models import ExpertiseRequest
from ..cases.queries import PAUSES, pause_filter
from ..cases.states import State
from ..db_types import utcnow
from ..extensions import db
from ..feedback import queries as feedback_queries


def count_by(column) -> dict[str, int]:
    rows = db.session.execute(sa.select(column, sa.func.count()).group_by(column)).tuples()
    return {key: count for key, count in rows if key is not None}


def state_counts() -> dict[str, int]:
    """Every state, in workflow order, with zero where there is none."""
    counts = count_by(ExpertiseRequest.state)
    return {str(state): counts.get(str(state), 0) for state in State}


def field_counts() -> list[tuple[str, int, int]]:
    """(field, open requests, all requests), largest first."""
    is_open = sa.case((ExpertiseRequest.state != str(State.CLOSED), 1), else_=0)
    rows = db.session.execute(
        sa.select(ExpertiseRequest.field, sa.func.sum(is_open), sa.func.count())
        .group_by(ExpertiseRequest.field)
        .order_by(sa.func.count().desc(), ExpertiseRequest.field)
    ).tuples()
    return [(field, int(open_count or 0), total) for field, open_count, total in rows]


def outcome_counts() -> dict[str, int]:
    return count_by(ExpertiseRequest.outcome)


def pause_counts() -> dict[str, int]:
    """Open requests waiting for the partner, their answer overdue, and on hold: one query,
    with the very filters the lists use (so each count matches the list it links to)."""
    today = utcnow().date()
    row = db.session.execute(
        sa.select(*(sa.func.count().filter(pause_filter(pause, today)) for pause in PAUSES)).where(
            ExpertiseRequest.state != str(State.CLOSED)
        )
    ).one()
    return dict(zip(PAUSES, row, strict=True))


def overview() -> dict:
    states = state_counts()
    return {
        "pauses": pause_counts(),
        "states": states,
        "total": sum(states.values()),
        "open": sum(count for state, count in states.items() if state != State.CLOSED),
        "fields": field_counts(),
        "outcomes": outcome_counts(),
        "feedback": feedback_queries.averages(),
    }
