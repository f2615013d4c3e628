"""The overview's figures straight from the requests and their steps: the ceiling's raw aggregates.

This is how `dashboard.queries` counted before the requests had their facts (cases/facts.py) and
their monthly tallies (cases/tallies.py): the same figures, each an aggregate over the base
tables, with the indexes they have. bench/scale.py captures the statements these functions run
and bench/ceiling.py runs them bare, so that the overview is measured against what its figures
cost in SQL without a summary table. The figures agree with the app's (`python
bench/raw_overview.py` checks it on the database of DATABASE_URL).
"""

from __future__ import annotations

import sqlalchemy as sa

from expertise_app.auth.models import User
from expertise_app.cases.models import CaseStep, ExpertiseRequest
from expertise_app.cases.queries import OPEN, PAUSES, CaseFilters, filtered, pause_filter, view_filter
from expertise_app.cases.states import Outcome, State
from expertise_app.dashboard import queries as app_queries
from expertise_app.dashboard.queries import OUTCOMES, STEPS, LeadTime, nearest_ranks
from expertise_app.db_types import utcnow
from expertise_app.extensions import db
from expertise_app.feedback.models import MissionFeedback
from expertise_app.reference import FEEDBACK_ITEMS


def _ids(user: User, filters: CaseFilters) -> sa.Select:
    return filtered(sa.select(ExpertiseRequest.id), user, filters)


def _count_by(user: User, filters: CaseFilters, column, *conditions) -> dict[str, int]:
    """How many of the requests the filters select, and `conditions`, hold each value of `column`."""
    query = filtered(sa.select(column, sa.func.count()), user, filters).where(*conditions).group_by(column)
    return {key: count for key, count in db.session.execute(query).tuples() if key is not None}


def totals(user: User, filters: CaseFilters) -> dict[str, int]:
    today = utcnow().date()
    columns = [
        sa.func.count(),
        sa.func.count().filter(OPEN),
        sa.func.count().filter(view_filter("late", user)),
        *(sa.func.count().filter(sa.and_(OPEN, pause_filter(pause, today))) for pause in PAUSES),
    ]
    row = db.session.execute(filtered(sa.select(*columns), user, filters)).one()
    return dict(zip(("total", "open", "late", *PAUSES), row, strict=True))


def funnel(user: User, filters: CaseFilters) -> list[tuple[str, int]]:
    reached = []
    for state in STEPS:
        left = sa.select(CaseStep.request_id).where(CaseStep.state == str(state))
        condition = sa.or_(ExpertiseRequest.state == str(state), ExpertiseRequest.id.in_(left))
        reached.append(sa.func.count().filter(condition))
    completed = sa.func.count().filter(ExpertiseRequest.outcome == str(Outcome.COMPLETED))
    row = db.session.execute(filtered(sa.select(*reached, completed), user, filters)).one()
    return list(zip([*(str(state) for state in STEPS), "completed"], row, strict=True))


def monthly(user: User, filters: CaseFilters) -> dict[str, dict[str, int]]:
    return app_queries.monthly_of(ExpertiseRequest, lambda query: filtered(query, user, filters), filters)


def lead_times(user: User, filters: CaseFilters) -> list[LeadTime]:
    ids = _ids(user, filters)
    steps = (
        sa.select(CaseStep.state.label("key"), CaseStep.working_days.label("value"))
        .where(CaseStep.request_id.in_(ids))
        .subquery()
    )
    completed = ids.where(ExpertiseRequest.outcome == str(Outcome.COMPLETED))
    whole = (
        sa.select(sa.literal("end_to_end").label("key"), sa.func.sum(CaseStep.working_days).label("value"))
        .where(CaseStep.request_id.in_(completed))
        .group_by(CaseStep.request_id)
        .subquery()
    )
    found = {**nearest_ranks(steps), **nearest_ranks(whole)}
    keys = [*(str(state) for state in STEPS), "end_to_end"]
    return [LeadTime(key, *(found.get(key) or (0, None, None))) for key in keys]


def feedback(user: User, filters: CaseFilters) -> dict:
    items = [sa.func.avg(getattr(MissionFeedback, code)) for code in FEEDBACK_ITEMS.codes]
    query = sa.select(sa.func.count(), *items).where(MissionFeedback.request_id.in_(_ids(user, filters)))
    answers, *averages = db.session.execute(query).one()
    result = {"answers": answers}
    for code, value in zip(FEEDBACK_ITEMS.codes, averages, strict=True):
        result[code] = round(float(value), 1) if value is not None else None
    return result


def closures(user: User, filters: CaseFilters) -> dict:
    closed = ExpertiseRequest.state == str(State.CLOSED)
    outcomes = _count_by(user, filters, ExpertiseRequest.outcome, closed)
    return {
        "closed": sum(outcomes.values()),
        "outcomes": {outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES},
        "decline_reasons": app_queries._sorted(_count_by(user, filters, ExpertiseRequest.decline_reason, closed)),
        "redirections": app_queries._sorted(_count_by(user, filters, ExpertiseRequest.redirect_destination, closed)),
    }


def breakdown(user: User, filters: CaseFilters, column) -> list[tuple[str, int, int]]:
    query = filtered(sa.select(column, sa.func.count().filter(OPEN), sa.func.count()), user, filters).group_by(column)
    rows = [(code, open_count, total) for code, open_count, total in db.session.execute(query).tuples() if code]
    return sorted(rows, key=lambda row: (-row[2], row[0]))


def overview(user: User, filters: CaseFilters) -> dict:
    """The figures of `dashboard.queries.overview`, from the base tables (workload and coverage
    gaps are of open requests, read from the requests by the app too)."""
    states = _count_by(user, filters, ExpertiseRequest.state)
    return {
        "totals": totals(user, filters),
        "states": {str(state): states.get(str(state), 0) for state in State},
        "funnel": funnel(user, filters),
        "monthly": monthly(user, filters),
        "lead_times": lead_times(user, filters),
        "closures": closures(user, filters),
        "fields": breakdown(user, filters, ExpertiseRequest.field),
        "continents": breakdown(user, filters, ExpertiseRequest.continent),
        "instruments": breakdown(user, filters, ExpertiseRequest.instrument),
        "feedback": feedback(user, filters),
        "workload": app_queries.workload(user, filters),
        "gaps": app_queries.coverage_gaps(user, filters),
    }


if __name__ == "__main__":
    from expertise_app import create_app

    with create_app().app_context():
        manager = db.session.scalar(sa.select(User).where(User.role == "manager").limit(1))
        assert overview(manager, CaseFilters()) == app_queries.overview(manager, CaseFilters())
        print("The raw aggregates and the overview give the same figures.")
