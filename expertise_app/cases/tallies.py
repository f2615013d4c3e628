"""The overview's monthly tallies (models.OverviewTally): its figures summed by month of submission.

Each request contributes to the tallies of the month it was submitted in: one to `everything`, to
the value it holds of each column the overview counts by (COUNTED_BY), to each step it reached, to
the working days of each step it left (and, completed, of its whole course), and, once its partner
gave feedback, to the score given to each item. `contributions` says so once, in SQL, over any
source of facts: the requests' facts (to rebuild the tallies, or to count the days of a period
that do not fill a month), or the facts of one request before and after a change (signs -1 and
+1), which `keep` adds to the tallies in the transaction that made the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..db_types import start_of_day
from ..extensions import db
from ..feedback.models import MissionFeedback
from ..reference import FEEDBACK_ITEMS
from .models import FACT_STEPS, OverviewTally, RequestFacts
from .states import Outcome, State

CLOSED = str(State.CLOSED)
STEPS = tuple(str(state) for state in FACT_STEPS)
# The columns the overview counts the requests by, each on its own.
COUNTED_BY = ("state", "outcome", "decline_reason", "redirect_destination", "field", "continent", "instrument")
EVERYTHING, REACHED, DAYS, FEEDBACK = "everything", "reached", "days", "feedback"
FACT_MEASURES = (EVERYTHING, *COUNTED_BY, REACHED, DAYS)  # counted from the facts
MEASURES = (*FACT_MEASURES, FEEDBACK)
END_TO_END = "end_to_end"  # the value of DAYS for whole completed requests
DAYS_COLUMNS = tuple(RequestFacts.days_column(step) for step in STEPS)
# What a request's contributions are read from (a fact row, with the month of its submission).
TEXT_COLUMNS = ("month", "state", *COUNTED_BY[1:])
SOURCE_COLUMNS = (*TEXT_COLUMNS, *DAYS_COLUMNS)
TALLY = OverviewTally.__table__


def month_of(column, dialect: str) -> sa.ColumnElement[str]:
    """The month of the UTC datetime `column`, as "2026-12", on the database `dialect`."""
    if dialect == "sqlite":
        return sa.func.strftime("%Y-%m", column)
    return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")


def month_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def _branch(source, measure: str, value, days=None, where=None) -> sa.Select:
    """One measure's contributions: (month, measure, value, days, requests, open) per source row."""
    # Feedback is counted whatever the state of its (closed) request.
    opened = sa.case((source.c.state != CLOSED, source.c.sign), else_=0) if "state" in source.c else sa.literal(0)
    query = sa.select(
        source.c.month.label("month"),
        sa.literal(measure, sa.String).label("measure"),
        sa.cast(value, sa.String).label("value"),
        sa.cast(days if days is not None else sa.literal(0), sa.Integer).label("days"),
        source.c.sign.label("requests"),
        opened.label("open"),
    )
    return query if where is None else query.where(where)


def _fact_branches(source) -> list[sa.Select]:
    c = source.c
    completed = c.outcome == str(Outcome.COMPLETED)
    whole = sum(sa.func.coalesce(c[name], 0) for name in DAYS_COLUMNS)
    return [
        _branch(source, EVERYTHING, sa.literal("")),
        *(_branch(source, name, sa.func.coalesce(c[name], "")) for name in COUNTED_BY),
        *(
            _branch(source, REACHED, sa.literal(step), where=sa.or_(c.state == step, c[days].isnot(None)))
            for step, days in zip(STEPS, DAYS_COLUMNS, strict=True)
        ),
        *(
            _branch(source, DAYS, sa.literal(step), c[days], where=c[days].isnot(None))
            for step, days in zip(STEPS, DAYS_COLUMNS, strict=True)
        ),
        _branch(source, DAYS, sa.literal(END_TO_END), whole, where=completed),
    ]


def _feedback_branches(source) -> list[sa.Select]:
    return [_branch(source, FEEDBACK, sa.literal(item), source.c[item]) for item in FEEDBACK_ITEMS.codes]


def contributions(facts: sa.Select | None, feedback: sa.Select | None, measures: Iterable[str]) -> sa.Select:
    """(month, measure, value, days, requests, open) summed over the rows of `facts` (SOURCE_COLUMNS
    and a sign) and of `feedback` (the month, each item's score and a sign), for `measures` only."""
    measures = set(measures)
    branches = []
    if facts is not None and measures - {FEEDBACK}:
        branches += [branch for branch in _fact_branches(facts.cte()) if _measure_of(branch) in measures]
    if feedback is not None and FEEDBACK in measures:
        branches += _feedback_branches(feedback.cte())
    if not branches:
        return _nothing()
    each = sa.union_all(*branches).subquery()
    return sa.select(
        each.c.month,
        each.c.measure,
        each.c.value,
        each.c.days,
        sa.func.sum(each.c.requests).label("requests"),
        sa.func.sum(each.c.open).label("open"),
    ).group_by(each.c.month, each.c.measure, each.c.value, each.c.days)


def _measure_of(branch: sa.Select) -> str:
    return branch.selected_columns.measure.element.value


def _nothing() -> sa.Select:
    columns = (sa.literal(""), sa.literal(""), sa.literal(""), sa.literal(0), sa.literal(0), sa.literal(0))
    return sa.select(*columns).where(sa.false())


def facts_source(dialect: str, *where) -> sa.Select:
    """The requests' facts as a source of contributions (those `where` selects)."""
    month = month_of(RequestFacts.submitted_at, dialect).label("month")
    columns = [getattr(RequestFacts, name) for name in SOURCE_COLUMNS[1:]]
    return sa.select(month, *columns, sa.literal(1).label("sign")).where(*where)


def feedback_source(dialect: str, *where) -> sa.Select:
    """The partners' feedback as a source of contributions, by the month of its request (facts `where`)."""
    month = month_of(RequestFacts.submitted_at, dialect).label("month")
    scores = [getattr(MissionFeedback, item) for item in FEEDBACK_ITEMS.codes]
    joined = sa.select(month, *scores, sa.literal(1).label("sign")).join(
        MissionFeedback, MissionFeedback.request_id == RequestFacts.request_id
    )
    return joined.where(*where)


def _literal_rows(rows: list[tuple[Mapping[str, Any], int]], names: Iterable[str]) -> sa.Select:
    """Rows given in Python as a source of contributions: (values, sign) each."""
    names = tuple(names)

    def literal(name: str, value):
        return sa.literal(value, sa.String if name in TEXT_COLUMNS else sa.Integer).label(name)

    selects = [
        sa.select(*(literal(name, values.get(name)) for name in names), sa.literal(sign).label("sign"))
        for values, sign in rows
    ]
    return sa.union_all(*selects) if len(selects) > 1 else selects[0]


def _add(contributed: sa.Select, connection=None) -> None:
    """Add `contributed` (as `contributions` answers) to the tallies: one upsert, in the order of the
    tallies' key so that two transactions never wait for each other's rows the other way round."""
    summed = contributed.subquery()
    requests, open_ = summed.c[4], summed.c[5]
    rows = (
        sa.select(summed.c.month, summed.c.measure, summed.c.value, summed.c.days, requests, open_)
        .where(sa.or_(requests != 0, open_ != 0))
        .order_by(summed.c.measure, summed.c.month, summed.c.value, summed.c.days)
    )
    names = ["month", "measure", "value", "days", "requests", "open"]
    insert = postgresql.insert if _dialect(connection) == "postgresql" else sqlite.insert
    statement = insert(TALLY).from_select(names, rows)
    statement = statement.on_conflict_do_update(
        index_elements=[TALLY.c.measure, TALLY.c.month, TALLY.c.value, TALLY.c.days],
        set_={
            "requests": TALLY.c.requests + statement.excluded.requests,
            "open": TALLY.c.open + statement.excluded.open,
        },
    )
    (connection or db.session).execute(statement)


def _dialect(connection=None) -> str:
    return (connection or db.session.get_bind()).dialect.name


def counted(facts: RequestFacts) -> dict[str, Any]:
    """What a request's facts contribute to the tallies, read from its facts as they are now."""
    values = {name: getattr(facts, name) for name in SOURCE_COLUMNS[1:]}
    return {"month": month_text(facts.submitted_at), **values}


def keep(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> None:
    """Move a request's contributions from its facts `before` a change (None: it is new) to `after`."""
    if before == after:
        return
    rows = [(after, 1)] if before is None else [(before, -1), (after, 1)]
    _add(contributions(_literal_rows(rows, SOURCE_COLUMNS), None, FACT_MEASURES))


def keep_feedback(submitted_at: datetime, scores: Mapping[str, int]) -> None:
    """Add the feedback a partner gave (once) on a request submitted at `submitted_at`."""
    row = {"month": month_text(submitted_at), **scores}
    _add(contributions(None, _literal_rows([(row, 1)], ("month", *FEEDBACK_ITEMS.codes)), (FEEDBACK,)))


def rebuild(connection=None) -> None:
    """The tallies made again from every request's facts and feedback (after a bulk load), in the
    session or on `connection` (a migration's)."""
    dialect = _dialect(connection)
    (connection or db.session).execute(sa.delete(TALLY))
    _add(contributions(facts_source(dialect), feedback_source(dialect), MEASURES), connection)


def _whole_months(submitted_from: date | None, submitted_to: date | None) -> tuple[datetime | None, ...]:
    """The period's bounds (None: open), and the indexes of the first and last month it holds whole."""
    low = start_of_day(submitted_from) if submitted_from else None
    high = start_of_day(submitted_to + timedelta(days=1)) if submitted_to else None
    first = _month_index(low) + (low.day != 1) if low else None
    last = _month_index(high) - 1 if high else None
    return low, high, first, last


def holds_a_month(submitted_from: date | None, submitted_to: date | None) -> bool:
    """Whether the period holds at least one month whole (an open period does)."""
    _low, _high, first, last = _whole_months(submitted_from, submitted_to)
    return first is None or last is None or first <= last


def of_period(measures: Iterable[str], submitted_from: date | None, submitted_to: date | None) -> sa.Subquery:
    """(month, measure, value, days, requests, open) of the requests submitted in a period that
    holds a month whole: the tallies of the months it holds whole, and the contributions of the
    days of its months cut short, counted from their facts."""
    measures = tuple(measures)
    low, high, first, last = _whole_months(submitted_from, submitted_to)
    kept = sa.select(TALLY.c.month, TALLY.c.measure, TALLY.c.value, TALLY.c.days, TALLY.c.requests, TALLY.c.open)
    kept = kept.where(TALLY.c.measure.in_(measures))
    edges = []
    if first is not None:
        kept = kept.where(TALLY.c.month >= _month_name(first))
        if low < _month_start(first):
            edges.append((low, _month_start(first)))
    if last is not None:
        kept = kept.where(TALLY.c.month <= _month_name(last))
        if _month_start(last + 1) < high:
            edges.append((_month_start(last + 1), high))
    dialect = _dialect()
    parts = [kept]
    for start, end in edges:
        within = (RequestFacts.submitted_at >= start, RequestFacts.submitted_at < end)
        parts.append(contributions(facts_source(dialect, *within), feedback_source(dialect, *within), measures))
    return sa.union_all(*parts).subquery()


def _month_index(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def _month_start(index: int) -> datetime:
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
