"""The overview's monthly tallies (models.OverviewTally): its figures summed by month of submission.

Each request contributes to the tallies of the month it was submitted in: one to `everything`, to
the value it holds of each column the overview counts by (COUNTED_BY), to each step it reached, to
the working days of each step it left (and, completed, of its whole course), and, once its partner
gave feedback, to the score given to each item. FACT_RULES and FEEDBACK_RULES say so once, and
are read two ways: in SQL over many requests' facts and feedback (`contributions`: to rebuild the
tallies, or to count the days of a period that do not fill a month), and in Python over one
request's facts before and after a change (`keep`, in the transaction that made the change: a few
rows upserted in 0.3 ms, where the same upsert built from SQL cost 12 ms to compile on every action).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa

from .. import transaction
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
MEASURES = (EVERYTHING, *COUNTED_BY, REACHED, DAYS, FEEDBACK)
END_TO_END = "end_to_end"  # the value of DAYS for whole completed requests
DAYS_COLUMNS = tuple(RequestFacts.days_column(step) for step in STEPS)
# What a request's contributions are read from (a fact row, with the month of its submission).
SOURCE_COLUMNS = ("month", "state", *COUNTED_BY[1:], *DAYS_COLUMNS)
TALLY = OverviewTally.__table__


def month_of(column, dialect: str) -> sa.ColumnElement[str]:
    """The month of the UTC datetime `column`, as "2026-12", on the database `dialect`."""
    if dialect == "sqlite":
        return sa.func.strftime("%Y-%m", column)
    return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")


def month_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


class _Columns:
    """A source's rows as SQL: what the rules below read of them (see _Values for one row in Python)."""

    def __init__(self, source):
        self.c = source.c

    def constant(self, value):
        return sa.literal(value)

    def text(self, name: str):
        return sa.func.coalesce(self.c[name], "")

    def number(self, name: str):
        return self.c[name]

    def present(self, name: str):
        return self.c[name].isnot(None)

    def equals(self, name: str, value: str):
        return self.c[name] == value

    def either(self, first, second):
        return sa.or_(first, second)

    def total(self, names: Iterable[str]):
        return sum(sa.func.coalesce(self.c[name], 0) for name in names)


class _Values(_Columns):
    """One row given in Python, read by the same rules."""

    def __init__(self, values: Mapping[str, Any]):
        self.values = values

    def constant(self, value):
        return value

    def text(self, name: str):
        return self.values[name] or ""

    def number(self, name: str):
        return self.values[name]

    def present(self, name: str):
        return self.values[name] is not None

    def equals(self, name: str, value: str):
        return self.values[name] == value

    def either(self, first, second):
        return first or second

    def total(self, names: Iterable[str]):
        return sum(self.values[name] or 0 for name in names)


def _constant(value: str, row: _Columns):
    return row.constant(value)


@dataclass(frozen=True)
class _Rule:
    """A request adds one to `measure`'s tally of `value` (and `days`) when `when` holds."""

    measure: str
    value: Callable[[_Columns], Any]
    when: Callable[[_Columns], Any] | None = None
    days: Callable[[_Columns], Any] | None = None


def _steps_rules() -> list[_Rule]:
    rules = []
    for step, column in zip(STEPS, DAYS_COLUMNS, strict=True):
        named = partial(_constant, step)
        rules.append(_Rule(REACHED, named, lambda r, s=step, c=column: r.either(r.equals("state", s), r.present(c))))
        rules.append(_Rule(DAYS, named, lambda r, c=column: r.present(c), lambda r, c=column: r.number(c)))
    return rules


FACT_RULES = (
    _Rule(EVERYTHING, partial(_constant, "")),
    *(_Rule(name, lambda r, name=name: r.text(name)) for name in COUNTED_BY),
    *_steps_rules(),
    _Rule(
        DAYS,
        partial(_constant, END_TO_END),
        lambda r: r.equals("outcome", str(Outcome.COMPLETED)),
        lambda r: r.total(DAYS_COLUMNS),
    ),
)
FEEDBACK_RULES = tuple(
    _Rule(FEEDBACK, partial(_constant, item), days=lambda r, item=item: r.number(item)) for item in FEEDBACK_ITEMS.codes
)


def _branch(source, rule: _Rule) -> sa.Select:
    """What `rule` adds, per row of `source`: (month, measure, value, days, requests, open)."""
    row = _Columns(source)
    # Feedback is counted whatever the state of its (closed) request.
    opened = sa.case((source.c.state != CLOSED, source.c.sign), else_=0) if "state" in source.c else sa.literal(0)
    query = sa.select(
        source.c.month.label("month"),
        sa.literal(rule.measure, sa.String).label("measure"),
        sa.cast(rule.value(row), sa.String).label("value"),
        sa.cast(rule.days(row) if rule.days else sa.literal(0), sa.Integer).label("days"),
        source.c.sign.label("requests"),
        opened.label("open"),
    )
    return query if rule.when is None else query.where(rule.when(row))


def _added(values: Mapping[str, Any], rules: Iterable[_Rule], sign: int, into: dict) -> None:
    """What `rules` add for the one row `values`, times `sign`, added `into` {key: [requests, open]}."""
    row = _Values(values)
    opened = sign if values.get("state", CLOSED) != CLOSED else 0
    for rule in rules:
        if rule.when is None or rule.when(row):
            days = rule.days(row) if rule.days else 0
            counts = into.setdefault((rule.measure, values["month"], rule.value(row), days), [0, 0])
            counts[0] += sign
            counts[1] += opened


def contributions(dialect: str, measures: Iterable[str], *where) -> sa.Select:
    """(month, measure, value, days, requests, open) summed over the requests whose facts `where`
    selects, and over their feedback, for `measures` only."""
    facts, feedback = _facts_source(dialect, *where).cte(), _feedback_source(dialect, *where).cte()
    branches = [_branch(facts, rule) for rule in FACT_RULES if rule.measure in measures]
    branches += [_branch(feedback, rule) for rule in FEEDBACK_RULES if rule.measure in measures]
    each = sa.union_all(*branches).subquery()
    return sa.select(
        each.c.month,
        each.c.measure,
        each.c.value,
        each.c.days,
        sa.func.sum(each.c.requests).label("requests"),
        sa.func.sum(each.c.open).label("open"),
    ).group_by(each.c.month, each.c.measure, each.c.value, each.c.days)


def _facts_source(dialect: str, *where) -> sa.Select:
    """The requests' facts as a source of contributions (those `where` selects), each with a sign of 1."""
    month = month_of(RequestFacts.submitted_at, dialect).label("month")
    columns = [getattr(RequestFacts, name) for name in SOURCE_COLUMNS[1:]]
    return sa.select(month, *columns, sa.literal(1).label("sign")).where(*where)


def _feedback_source(dialect: str, *where) -> sa.Select:
    """The partners' feedback as a source of contributions, by the month of its request (facts `where`)."""
    month = month_of(RequestFacts.submitted_at, dialect).label("month")
    scores = [getattr(MissionFeedback, item) for item in FEEDBACK_ITEMS.codes]
    joined = sa.select(month, *scores, sa.literal(1).label("sign")).join(
        MissionFeedback, MissionFeedback.request_id == RequestFacts.request_id
    )
    return joined.where(*where)


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
    moved: dict[tuple, list[int]] = {}
    if before is not None:
        _added(before, FACT_RULES, -1, moved)
    _added(after, FACT_RULES, 1, moved)
    transaction.write_at_commit(_upsert, moved)


def keep_feedback(submitted_at: datetime, scores: Mapping[str, int]) -> None:
    """Add the feedback a partner gave (once) on a request submitted at `submitted_at`."""
    given: dict[tuple, list[int]] = {}
    _added({"month": month_text(submitted_at), **scores}, FEEDBACK_RULES, 1, given)
    transaction.write_at_commit(_upsert, given)


# The same statement on both databases, so that it is compiled once (an upsert built with
# SQLAlchemy's dialect constructs is compiled again on every use: 12 ms an action).
UPSERT = sa.text(
    "INSERT INTO overview_tallies (measure, month, value, days, requests, open) "
    "VALUES (:measure, :month, :value, :days, :requests, :open) "
    "ON CONFLICT (measure, month, value, days) DO UPDATE SET "
    "requests = overview_tallies.requests + excluded.requests, open = overview_tallies.open + excluded.open"
)


def _upsert(changes: list[dict[tuple, list[int]]]) -> None:
    """Add the `changes` of a transaction to the tallies, at its commit, in the order of their key."""
    summed: dict[tuple, list[int]] = {}
    for change in changes:
        for key, (requests, open_) in change.items():
            total = summed.setdefault(key, [0, 0])
            total[0] += requests
            total[1] += open_
    names = ("measure", "month", "value", "days")
    rows = [
        {**dict(zip(names, key, strict=True)), "requests": requests, "open": open_}
        for key, (requests, open_) in sorted(summed.items())
        if requests or open_
    ]
    if rows:
        db.session.execute(UPSERT, rows)


def rebuild(connection=None) -> None:
    """The tallies made again from every request's facts and feedback (after a bulk load), in the
    session or on `connection` (a migration's)."""
    dialect, run = _dialect(connection), (connection or db.session).execute
    if dialect == "postgresql":  # an action committed meanwhile would add to what is being made again
        run(sa.text("LOCK TABLE overview_tallies IN EXCLUSIVE MODE"))
    run(sa.delete(TALLY))
    summed = contributions(dialect, MEASURES).subquery()
    kept = sa.select(*summed.c).where(sa.or_(summed.c.requests != 0, summed.c.open != 0))
    run(sa.insert(TALLY).from_select(["month", "measure", "value", "days", "requests", "open"], kept))


def made_again() -> tuple[int, int]:
    """`rebuild`, telling how many tallies there are and how many of them it changed (those a change
    of the data made outside the app, by hand or by a partial restore, had left behind)."""
    counting = sa.select(TALLY).where(sa.or_(TALLY.c.requests != 0, TALLY.c.open != 0))
    before = set(db.session.execute(counting).tuples())
    rebuild()
    after = set(db.session.execute(counting).tuples())
    return len(after), len(before ^ after)


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
    submitted = RequestFacts.submitted_at
    for start, end in edges:
        parts.append(contributions(dialect, measures, submitted >= start, submitted < end))
    return sa.union_all(*parts).subquery()


def _month_index(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def _month_start(index: int) -> datetime:
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
