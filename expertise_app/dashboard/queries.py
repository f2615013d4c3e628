"""The manager's overview: every figure an SQL aggregate over the requests the filters select.

The overview's filters are the lists' (cases/queries.CaseFilters), so that each figure links to
the list of the very requests it counts. Figures over the history are sums of the monthly tallies
(cases/tallies.py) when the filters ask only for a period holding a month whole, or none; else
they are counted on the requests' facts (cases/models.RequestFacts, a narrow row per request). The
write path keeps both. Figures of open requests only (late, paused, workload, coverage) are counted
on the requests themselves, through the partial index of the open requests (models.OPEN_REQUESTS)
and, for the workload, that of their confirmed teams (models.OPEN_CONFIRMED). Lead times are percentiles of the
working days of each step (pauses left out), by nearest rank on both databases.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import sqlalchemy as sa
from redis.exceptions import RedisError

from ..auth.models import User
from ..cases import service_levels, tallies
from ..cases.models import FACT_STEPS as STEPS
from ..cases.models import Assignment, Event, ExpertiseRequest, TeamStatus
from ..cases.models import RequestFacts as Facts
from ..cases.queries import (
    DUES,
    EQUAL_FILTERS,
    OPEN_BY_STATE,
    PAUSES,
    CaseFilters,
    due_filter,
    filtered,
    narrowed,
    pause_filter,
    reached_filter,
    view_filter,
)
from ..cases.states import Outcome, State
from ..db_types import json_elements, utcnow
from ..experts.models import ExpertField, ExpertLanguage, ExpertProfile
from ..extensions import cache, db
from ..feedback.models import MissionFeedback
from ..reference import FEEDBACK_ITEMS

T = TypeVar("T")

CLOSED = str(State.CLOSED)
OUTCOMES = tuple(str(outcome) for outcome in Outcome)
STILL_OPEN = "open"  # the outcome column of the monthly chart for requests not closed yet
MONTHS_SHOWN = 12
TOP_EXPERTS = 12
# The languages an expert must speak at least this well to cover a request in it.
COVERING_LEVELS = ("native", "fluent", "working")


def _facts(query: sa.Select, user: User, filters: CaseFilters) -> sa.Select:
    """`query` on the facts of the requests the overview's filters select; the overview is the
    ministry's, whose staff see every request."""
    return narrowed(query.where(sa.true() if user.is_staff else sa.false()), Facts, filters)


def _ids(user: User, filters: CaseFilters) -> sa.Select:
    return _facts(sa.select(Facts.request_id), user, filters)


def summed_by_month(user: User, filters: CaseFilters) -> bool:
    """Whether the figures of `filters` are sums of the monthly tallies: when they ask only for a
    period (or none) that holds a month whole. Narrower filters count the facts they select."""
    narrower = filters.reached or any(getattr(filters, name) for name in EQUAL_FILTERS)
    return user.is_staff and not narrower and tallies.holds_a_month(filters.submitted_from, filters.submitted_to)


def _tallied(filters: CaseFilters, measures: tuple[str, ...]) -> sa.Subquery:
    return tallies.of_period(measures, filters.submitted_from, filters.submitted_to)


COUNTED_BY = tallies.COUNTED_BY
COUNTS = (tallies.EVERYTHING, *COUNTED_BY, tallies.REACHED, tallies.FEEDBACK)  # summed whatever their days


@dataclass(frozen=True)
class FactCounts:
    """How many of the requests the filters select hold each value of each column of COUNTED_BY
    and reached each step (`by["reached"]`), as (all, open, closed), and the same for all of them
    (`everything`); how many answered each item of the feedback (`by["feedback"]`) and the sum of
    their scores (`scores`)."""

    by: dict[str, dict[str | None, tuple[int, int, int]]]
    everything: tuple[int, int, int]
    scores: dict[str, int]

    def of(self, name: str) -> dict[str | None, tuple[int, int, int]]:
        return self.by.get(name, {})


def fact_counts(user: User, filters: CaseFilters) -> FactCounts:
    """The counts of the overview's states, outcomes, reasons, breakdowns, funnel and feedback."""
    if summed_by_month(user, filters):
        return _tallied_counts(filters)
    return _facts_counts(user, filters)


def _tallied_counts(filters: CaseFilters) -> FactCounts:
    """`fact_counts` in one statement over the monthly tallies."""
    counted = _tallied(filters, COUNTS)
    query = sa.select(
        counted.c.measure,
        counted.c.value,
        sa.func.sum(counted.c.requests),
        sa.func.sum(counted.c.open),
        sa.func.sum(counted.c.days * counted.c.requests),
    )
    # A value no request holds any more (its requests moved on) is left out, as the facts leave it out.
    query = query.group_by(counted.c.measure, counted.c.value).having(sa.func.sum(counted.c.requests) != 0)
    by: dict[str, dict] = {}
    scores = dict.fromkeys(FEEDBACK_ITEMS.codes, 0)
    everything = (0, 0, 0)
    for measure, value, total, open_count, scored in db.session.execute(query).tuples():
        row = (int(total), int(open_count), int(total - open_count))
        if measure == tallies.EVERYTHING:
            everything = row
            continue
        by.setdefault(measure, {})[value or None] = row  # "" stands for none in the tallies' key
        if measure == tallies.FEEDBACK:
            scores[value] = int(scored)
    return FactCounts(by, everything, scores)


def _facts_counts(user: User, filters: CaseFilters) -> FactCounts:
    """`fact_counts` over the facts the filters select.

    PostgreSQL counts the columns of COUNTED_BY in one scan of the facts (GROUPING SETS), where a
    statement per column scanned them seven times; SQLite, which has no grouping sets, runs a GROUP
    BY per column in one statement (UNION ALL). The steps reached and the feedback take one more each.
    """
    columns = [getattr(Facts, name) for name in COUNTED_BY]
    counts = (sa.func.count(), sa.func.count().filter(Facts.state != CLOSED))  # the closed: all but the open
    if db.session.get_bind().dialect.name == "postgresql":
        name = sa.case(
            *((sa.func.grouping(column) == 0, name) for name, column in zip(COUNTED_BY, columns, strict=True)),
            else_=None,
        )
        # In each set the other columns are NULL: the one counted by is the first not NULL.
        grouped = _facts(sa.select(name, sa.func.coalesce(*columns), *counts), user, filters)
        query = grouped.group_by(sa.func.grouping_sets(*(sa.tuple_(column) for column in columns), sa.tuple_()))
    else:
        query = sa.union_all(
            *(
                _facts(sa.select(sa.literal(name), column, *counts), user, filters).group_by(column)
                for name, column in zip(COUNTED_BY, columns, strict=True)
            ),
            _facts(sa.select(sa.null(), sa.null(), *counts), user, filters),
        )
    by: dict[str, dict] = {}
    everything = (0, 0, 0)
    for name, value, total, open_count in db.session.execute(query).tuples():
        row = (total, open_count, total - open_count)
        if name is None:
            everything = row
        else:
            by.setdefault(name, {})[value] = row
    reached = [sa.func.count().filter(reached_filter(Facts, str(state))) for state in STEPS]
    row = db.session.execute(_facts(sa.select(*reached), user, filters)).one()
    by[tallies.REACHED] = {str(state): (count,) for state, count in zip(STEPS, row, strict=True)}
    items = [sa.func.sum(getattr(MissionFeedback, code)) for code in FEEDBACK_ITEMS.codes]
    query = sa.select(sa.func.count(), *items).where(MissionFeedback.request_id.in_(_ids(user, filters)))
    answers, *sums = db.session.execute(query).one()
    by[tallies.FEEDBACK] = {code: (answers,) for code in FEEDBACK_ITEMS.codes}
    return FactCounts(
        by, everything, {code: int(total or 0) for code, total in zip(FEEDBACK_ITEMS.codes, sums, strict=True)}
    )


def totals(user: User, filters: CaseFilters, counts: FactCounts) -> dict[str, int]:
    """All requests and the open ones (from the facts' `counts`), and the open ones late or due soon
    (the queue's "late" view) and paused (waiting, overdue, on hold), from the open requests themselves."""
    today = utcnow().date()
    now = [
        sa.func.count().filter(view_filter("late", user)),
        *(sa.func.count().filter(pause_filter(pause, today)) for pause in PAUSES),
    ]
    open_now = filtered(sa.select(*now), user, filters).where(OPEN_BY_STATE)
    everything, open_, _closed = counts.everything
    row = (everything, open_, *db.session.execute(open_now).one())
    return dict(zip(("total", "open", "late", *PAUSES), row, strict=True))


def service_levels_now(user: User, filters: CaseFilters) -> dict[str, dict[str, int]]:
    """For each step with a target, its open requests past their target and due soon today ({step: {due:
    count}}, as the list's `due` filter finds them): one pass over the open requests, by the index on
    the state."""
    today = utcnow().date()
    by_due = [sa.func.count().filter(due_filter(due, today)).label(due) for due in DUES]
    query = filtered(sa.select(ExpertiseRequest.state, *by_due), user, filters).where(OPEN_BY_STATE)
    found = {state: row for state, *row in db.session.execute(query.group_by(ExpertiseRequest.state)).tuples()}
    return {
        str(step): dict(zip(DUES, found.get(str(step), (0,) * len(DUES)), strict=True))
        for step in service_levels.STEPS_WITH_TARGETS
    }


def state_counts(counts: FactCounts) -> dict[str, int]:
    by_state = counts.of("state")
    return {str(state): by_state.get(str(state), (0,))[0] for state in State}


def funnel(counts: FactCounts) -> list[tuple[str, int]]:
    """How many requests reached each step: those in it now, and those that left it (its days).

    The last stage counts the requests closed as completed.
    """
    reached = counts.of(tallies.REACHED)
    completed = counts.of("outcome").get(str(Outcome.COMPLETED), (0,))[0]
    return [*((str(state), reached.get(str(state), (0,))[0]) for state in STEPS), ("completed", completed)]


def months_shown(filters: CaseFilters, today: date) -> list[str]:
    """The months of the monthly chart: those of the period asked (its last ten years), else the
    last twelve; none for a period that ends before it starts."""
    end = filters.submitted_to or today
    span = 10 * 12 if filters.submitted_from or filters.submitted_to else MONTHS_SHOWN
    start = max(filters.submitted_from or date.min, _months_before(end, span - 1))
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def monthly(user: User, filters: CaseFilters) -> dict[str, dict[str, int]]:
    """New requests per month of submission, split by outcome (STILL_OPEN for open ones)."""
    shown = months_shown(filters, utcnow().date())
    if not shown:
        return {}
    if summed_by_month(user, filters):
        counted = _tallied(filters, ("outcome",))
        month, outcome = counted.c.month, sa.func.nullif(counted.c.value, "")
        query = sa.select(month, outcome, sa.func.sum(counted.c.requests)).where(month >= shown[0])
        query = query.group_by(month, outcome)
    else:
        query = _monthly_of(Facts, lambda query: _facts(query, user, filters), shown)
    return _by_month(shown, query)


def _by_month(shown: list[str], query: sa.Select) -> dict[str, dict[str, int]]:
    """The months `shown`, each with the requests of each outcome that `query` (month, outcome or
    none while open, requests) counts in it."""
    table = {key: dict.fromkeys((STILL_OPEN, *OUTCOMES), 0) for key in shown}
    for key, outcome, count in db.session.execute(query).tuples():
        if key in table:
            table[key][outcome or STILL_OPEN] = int(count)
    return table


def _month(column) -> tuple[sa.ColumnElement, sa.ColumnElement]:
    """The month of `column` as "YYYY-MM" (UTC), and what to group by for it.

    PostgreSQL groups by the month's first instant and writes only the groups out: `to_char` on
    every row took half the monthly chart's time (94 against 40 ms over 100,000 requests).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        month = sa.func.strftime("%Y-%m", column)
        return month, month
    start = sa.func.date_trunc("month", sa.func.timezone("UTC", column))
    return sa.func.to_char(start, "YYYY-MM"), start


def monthly_of(source, selected: Callable[[sa.Select], sa.Select], filters: CaseFilters) -> dict[str, dict[str, int]]:
    """`monthly` counted on `source` (the requests: the bench's raw aggregates), narrowed by `selected`."""
    shown = months_shown(filters, utcnow().date())
    return _by_month(shown, _monthly_of(source, selected, shown)) if shown else {}


def _monthly_of(source, selected: Callable[[sa.Select], sa.Select], shown: list[str]) -> sa.Select:
    """(month, outcome or STILL_OPEN, requests) on `source` (the facts, or the requests) narrowed
    by `selected`, from the first month `shown` on."""
    month, start = _month(source.submitted_at)
    outcome = sa.func.coalesce(source.outcome, STILL_OPEN)
    return (
        selected(sa.select(month, outcome, sa.func.count()))
        .where(source.submitted_at >= sa.literal(f"{shown[0]}-01").cast(sa.Date))
        .group_by(start, outcome)
    )


@dataclass(frozen=True)
class LeadTime:
    step: str  # a state, or "end_to_end"
    count: int
    median: int | None
    p90: int | None


def lead_times(user: User, filters: CaseFilters) -> list[LeadTime]:
    """Median and 90th percentile, in working days with pauses left out, of each step and of whole
    completed requests (the sum of their steps), by nearest rank (rank ⌈p·n⌉)."""
    if summed_by_month(user, filters):
        found = _tallied_lead_times(filters)
    else:
        completed = Facts.outcome == str(Outcome.COMPLETED)
        whole = sa.case((completed, sum(sa.func.coalesce(_days(state), 0) for state in STEPS)), else_=None)
        values = {str(state): _days(state) for state in STEPS} | {tallies.END_TO_END: whole}
        postgresql = db.session.get_bind().dialect.name == "postgresql"
        found = (_percentiles_disc if postgresql else _percentiles_by_rank)(values, user, filters)
    steps = [*(str(state) for state in STEPS), tallies.END_TO_END]
    return [LeadTime(step, *(found.get(step) or (0, None, None))) for step in steps]


def _tallied_lead_times(filters: CaseFilters) -> dict[str, tuple]:
    """`lead_times`' (count, median, 90th percentile) of each step from the tallies: how many
    requests took each number of days, the rank ⌈p·n⌉ found by their running sum."""
    counted = _tallied(filters, (tallies.DAYS,))
    spread = (
        sa.select(counted.c.value.label("step"), counted.c.days, sa.func.sum(counted.c.requests).label("requests"))
        .group_by(counted.c.value, counted.c.days)
        .having(sa.func.sum(counted.c.requests) > 0)
        .subquery()
    )
    within = {"partition_by": spread.c.step}
    ranked = sa.select(
        spread.c.step,
        spread.c.days,
        sa.cast(sa.func.sum(spread.c.requests).over(order_by=spread.c.days, **within), sa.BigInteger).label("up_to"),
        sa.cast(sa.func.sum(spread.c.requests).over(**within), sa.BigInteger).label("n"),
    ).subquery()
    median = sa.func.min(sa.case((ranked.c.up_to >= (ranked.c.n + 1) // 2, ranked.c.days)))
    p90 = sa.func.min(sa.case((ranked.c.up_to >= (ranked.c.n * 9 + 9) // 10, ranked.c.days)))
    query = sa.select(ranked.c.step, ranked.c.n, median, p90).group_by(ranked.c.step, ranked.c.n)
    return {step: (int(n), median, p90) for step, n, median, p90 in db.session.execute(query).tuples()}


def _days(state: str):
    return getattr(Facts, Facts.days_column(str(state)))


def nearest_ranks(values: sa.Subquery) -> dict[str, tuple]:
    """(count, median, 90th percentile) of `values.c.value` per `values.c.key`, by nearest rank
    (rank ⌈p·n⌉), with window functions (SQLite has no percentile aggregate)."""
    ranked = sa.select(
        values.c.key,
        values.c.value,
        sa.func.row_number().over(partition_by=values.c.key, order_by=values.c.value).label("rank"),
        sa.func.count().over(partition_by=values.c.key).label("n"),
    ).subquery()
    median_rank, p90_rank = (ranked.c.n + 1) // 2, (ranked.c.n * 9 + 9) // 10
    query = sa.select(ranked.c.key, ranked.c.n, ranked.c.rank, ranked.c.value, median_rank, p90_rank).where(
        sa.or_(ranked.c.rank == median_rank, ranked.c.rank == p90_rank)
    )
    found: dict[str, list] = {}
    for row_key, n, rank, row_value, at_median, at_p90 in db.session.execute(query).tuples():
        entry = found.setdefault(row_key, [n, None, None])
        if rank == at_median:
            entry[1] = row_value
        if rank == at_p90:
            entry[2] = row_value
    return {row_key: tuple(entry) for row_key, entry in found.items()}


def _percentiles_by_rank(values: dict[str, sa.ColumnElement], user: User, filters: CaseFilters) -> dict[str, tuple]:
    """The percentiles of each expression of `values` over the facts, by `nearest_ranks`."""
    each = sa.union_all(
        *(
            _facts(sa.select(sa.literal(key).label("key"), value.label("value")), user, filters).where(
                value.isnot(None)
            )
            for key, value in values.items()
        )
    ).subquery()
    return nearest_ranks(each)


def _percentiles_disc(values: dict[str, sa.ColumnElement], user: User, filters: CaseFilters) -> dict[str, tuple]:
    """The same in one scan with PostgreSQL's percentile_disc: the first value whose cumulative
    share reaches p, which is the value of rank ⌈p·n⌉."""
    columns = []
    for value in values.values():
        columns += [
            sa.func.count(value),
            sa.func.percentile_disc(0.5).within_group(value),
            sa.func.percentile_disc(0.9).within_group(value),
        ]
    row = db.session.execute(_facts(sa.select(*columns), user, filters)).one()
    return {key: tuple(row[3 * index : 3 * index + 3]) for index, key in enumerate(values) if row[3 * index]}


def closures(counts: FactCounts) -> dict:
    """Closed requests by outcome, and the reason codes of declines and redirections."""
    outcomes = _closed_by(counts, "outcome")
    return {
        "closed": sum(outcomes.values()),
        "outcomes": {outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES},
        "decline_reasons": _sorted(_closed_by(counts, "decline_reason")),
        "redirections": _sorted(_closed_by(counts, "redirect_destination")),
    }


def _closed_by(counts: FactCounts, name: str) -> dict[str, int]:
    """The closed requests holding each value of `name` (the values held by none left out)."""
    return {value: closed for value, (_all, _open, closed) in counts.of(name).items() if value is not None and closed}


def _sorted(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def breakdown(counts: FactCounts, name: str) -> list[tuple[str, int, int]]:
    """(code, open requests, all requests) for each value of the column `name` (field, continent,
    instrument), largest first."""
    rows = [(code, open_count, total) for code, (total, open_count, _closed) in counts.of(name).items() if code]
    return sorted(rows, key=lambda row: (-row[2], row[0]))


def feedback(counts: FactCounts) -> dict:
    """The partners' average answer to each item of the questionnaire, and how many answered."""
    answered = counts.of(tallies.FEEDBACK)
    result = {"answers": answered.get(FEEDBACK_ITEMS.codes[0], (0,))[0]}
    for code in FEEDBACK_ITEMS.codes:
        answers = answered.get(code, (0,))[0]
        result[code] = round(counts.scores[code] / answers, 1) if answers else None
    return result


def _open_requests(user: User, filters: CaseFilters, *columns) -> sa.Select:
    """`columns` of the open requests the filters select, found through the index of the open requests."""
    return filtered(sa.select(*columns).select_from(ExpertiseRequest), user, filters).where(OPEN_BY_STATE)


@dataclass(frozen=True)
class Expert:
    """Who an overview figure names (kept with the figures, so not a database object)."""

    id: int
    name: str


def workload(user: User, filters: CaseFilters) -> list[tuple[Expert, int, int]]:
    """The experts with the most open requests (leading, and confirmed on the team), largest first."""
    leading = _open_requests(
        user, filters, ExpertiseRequest.lead_expert_id.label("expert"), sa.literal(1).label("lead"), sa.literal(0)
    ).where(ExpertiseRequest.lead_expert_id.isnot(None))
    on_team = (
        _open_requests(user, filters, Assignment.expert_id, sa.literal(0), sa.literal(1).label("team"))
        .join(Assignment, Assignment.request_id == ExpertiseRequest.id)
        .where(
            # The index of the open requests' confirmed teams (models.OPEN_CONFIRMED), its status written out.
            Assignment.request_open,
            Assignment.status == sa.literal(TeamStatus.CONFIRMED, literal_execute=True),
            Assignment.expert_id != sa.func.coalesce(ExpertiseRequest.lead_expert_id, 0),
        )
    )
    both = sa.union_all(leading, on_team).subquery()
    lead, team = sa.func.sum(both.c.lead), sa.func.sum(both.c[2])
    totals_ = sa.select(both.c.expert, lead.label("lead"), team.label("team")).group_by(both.c.expert).subquery()
    query = (
        sa.select(User.id, User.name, totals_.c.lead, totals_.c.team)
        .join(totals_, totals_.c.expert == User.id)
        .order_by((totals_.c.lead + totals_.c.team).desc(), User.name)
        .limit(TOP_EXPERTS)
    )
    rows = db.session.execute(query).tuples()
    return [(Expert(expert_id, name), int(lead), int(team)) for expert_id, name, lead, team in rows]


def _requested_languages(user: User, filters: CaseFilters) -> sa.Subquery:
    """(field, language, requests): how many open requests the filters select ask for each working
    language in each field. The requests are first grouped by their field and list of languages (some
    hundreds of lists among thousands of requests), and each list is read once."""
    listed = sa.cast(ExpertiseRequest.working_languages, sa.Text)  # PostgreSQL compares no JSON
    lists = (
        _open_requests(
            user, filters, ExpertiseRequest.field, listed.label("languages"), sa.func.count().label("requests")
        )
        .group_by(ExpertiseRequest.field, listed)
        .subquery()
    )
    each = json_elements(lists.c.languages)
    query = sa.select(
        lists.c.field, each.c.value.label("language"), sa.cast(sa.func.sum(lists.c.requests), sa.Integer).label("count")
    )
    return query.join(each, sa.true()).group_by(lists.c.field, each.c.value).subquery()


def coverage_gaps(user: User, filters: CaseFilters) -> list[tuple[str, str, int]]:
    """(field, language, open requests asking for both) where no active expert has that field and
    speaks that language well enough: the mobilisations that will need someone from outside."""
    demand = _requested_languages(user, filters)
    # Checked once per (field, language) asked, not once per request.
    covered = (
        sa.select(ExpertField.user_id)
        .join(ExpertLanguage, ExpertLanguage.user_id == ExpertField.user_id)
        .join(ExpertProfile, ExpertProfile.user_id == ExpertField.user_id)
        .join(User, User.id == ExpertField.user_id)
        .where(
            ExpertField.field == demand.c.field,
            ExpertLanguage.language == demand.c.language,
            ExpertLanguage.level.in_(COVERING_LEVELS),
            ExpertProfile.active.is_(True),
            User.active.is_(True),
        )
    )
    query = sa.select(demand.c.field, demand.c.language, demand.c.count).where(~sa.exists(covered))
    rows = db.session.execute(query).tuples()
    return sorted(
        ((field, language, count) for field, language, count in rows), key=lambda row: (-row[2], row[0], row[1])
    )


def _overview(user: User, filters: CaseFilters) -> dict:
    counts = fact_counts(user, filters)
    return {
        "totals": totals(user, filters, counts),
        "service_levels": service_levels_now(user, filters),
        "states": state_counts(counts),
        "funnel": funnel(counts),
        "monthly": monthly(user, filters),
        "lead_times": lead_times(user, filters),
        "closures": closures(counts),
        "fields": breakdown(counts, "field"),
        "continents": breakdown(counts, "continent"),
        "instruments": breakdown(counts, "instrument"),
        "feedback": feedback(counts),
        "workload": workload(user, filters),
        "gaps": coverage_gaps(user, filters),
    }


def data_version() -> str:
    """What the figures were counted on: the newest history event (every change of a request
    appends one, by the write path) and the latest change of an expert's profile (workload and
    coverage gaps read the roster)."""
    newest_event = sa.select(sa.func.max(Event.id)).scalar_subquery()
    newest_profile = sa.select(sa.func.max(ExpertProfile.updated_at)).scalar_subquery()
    event, profile = db.session.execute(sa.select(newest_event, newest_profile)).one()
    return f"{event or 0}:{profile.isoformat() if profile else ''}"


def figures_key(user: User, filters: CaseFilters) -> str | None:
    """Where the overview's figures for `filters` are kept: one key per version of the data, day and
    set of filters (None for whoever is not staff: their figures are never kept)."""
    if not user.is_staff:
        return None
    arguments = hashlib.sha256(json.dumps(sorted(filters.to_args().items())).encode()).hexdigest()
    return f"overview:{utcnow().date()}:{data_version()}:{arguments}"


def remembered(key: str | None, compute: Callable[[], T]) -> T:
    """`compute()`'s value, kept under `key` at most CACHE_DEFAULT_TIMEOUT seconds (a minute) and
    computed again after; with no key, or without the cache (Redis down), computed each time."""
    if key is None:
        return compute()
    try:
        value = cache.get(key)
    except RedisError:
        return compute()
    if value is None:
        value = compute()
        with contextlib.suppress(RedisError):
            cache.set(key, value)
    return value


def overview(user: User, filters: CaseFilters, key: str | None = None) -> dict:
    """Every figure of the overview, counted once per version of the data, day and set of filters
    (`key`, else `figures_key`).

    Every manager sees the same figures, so the first to open the overview after a change counts
    them for all. The minute the cache keeps them bounds how long a change can be missed when two
    commit out of the order of their events' ids.
    """
    return remembered(key or figures_key(user, filters), lambda: _overview(user, filters))
