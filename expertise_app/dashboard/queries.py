"""The manager's overview: every figure an SQL aggregate over the requests the filters select.

The overview's filters are the lists' (cases/queries.CaseFilters), so that each figure links to
the list of the very requests it counts. Lead times are percentiles of the steps the write path
records (cases/models.CaseStep: working days, pauses left out), by nearest rank on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..auth.models import User
from ..cases.models import Assignment, CaseStep, ExpertiseRequest, TeamStatus
from ..cases.queries import OPEN, PAUSES, CaseFilters, filtered, pause_filter, view_filter
from ..cases.states import Outcome, State
from ..db_types import utcnow
from ..experts.models import ExpertField, ExpertLanguage, ExpertProfile
from ..extensions import db
from ..feedback.models import MissionFeedback
from ..reference import FEEDBACK_ITEMS

# The steps a request goes through before it is closed: the funnel's stages, the lead times' steps.
STEPS = (State.SUBMITTED, State.ASSESSED, State.SKILLS_MOBILISED, State.MISSION_DELIVERED)
OUTCOMES = tuple(str(outcome) for outcome in Outcome)
STILL_OPEN = "open"  # the outcome column of the monthly chart for requests not closed yet
MONTHS_SHOWN = 12
TOP_EXPERTS = 12
# The languages an expert must speak at least this well to cover a request in it.
COVERING_LEVELS = ("native", "fluent", "working")


def _ids(user: User, filters: CaseFilters) -> sa.Select:
    return filtered(sa.select(ExpertiseRequest.id), user, filters)


def _count_by(user: User, filters: CaseFilters, column, *conditions) -> dict[str, int]:
    query = filtered(sa.select(column, sa.func.count()), user, filters).where(*conditions).group_by(column)
    return {key: count for key, count in db.session.execute(query).tuples() if key is not None}


def totals(user: User, filters: CaseFilters) -> dict[str, int]:
    """All requests, the open ones, those late or due soon (the queue's "late" view), and the open
    ones paused (waiting, overdue, on hold): one query."""
    today = utcnow().date()
    columns = [
        sa.func.count(),
        sa.func.count().filter(OPEN),
        sa.func.count().filter(view_filter("late", user)),
        *(sa.func.count().filter(sa.and_(OPEN, pause_filter(pause, today))) for pause in PAUSES),
    ]
    row = db.session.execute(filtered(sa.select(*columns), user, filters)).one()
    return dict(zip(("total", "open", "late", *PAUSES), row, strict=True))


def state_counts(user: User, filters: CaseFilters) -> dict[str, int]:
    counts = _count_by(user, filters, ExpertiseRequest.state)
    return {str(state): counts.get(str(state), 0) for state in State}


def funnel(user: User, filters: CaseFilters) -> list[tuple[str, int]]:
    """How many requests reached each step: those in it now, and those that left it (a step row).

    The last stage counts the requests closed as completed.
    """
    reached = []
    for state in STEPS:
        left = sa.select(CaseStep.request_id).where(CaseStep.state == str(state))
        condition = sa.or_(ExpertiseRequest.state == str(state), ExpertiseRequest.id.in_(left))
        reached.append(sa.func.count().filter(condition))
    completed = sa.func.count().filter(ExpertiseRequest.outcome == str(Outcome.COMPLETED))
    row = db.session.execute(filtered(sa.select(*reached, completed), user, filters)).one()
    return list(zip([*(str(state) for state in STEPS), "completed"], row, strict=True))


def _month(column):
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.strftime("%Y-%m", column)
    return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")


def months_shown(filters: CaseFilters, today: date) -> list[str]:
    """The months of the monthly chart: those of the period asked, else the last twelve."""
    end = filters.submitted_to or today
    start = filters.submitted_from or _months_before(end, MONTHS_SHOWN - 1)
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) < 10 * 12:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months[-10 * 12 :]


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def monthly(user: User, filters: CaseFilters) -> dict[str, dict[str, int]]:
    """New requests per month of submission, split by outcome (STILL_OPEN for open ones)."""
    today = utcnow().date()
    shown = months_shown(filters, today)
    month = _month(ExpertiseRequest.submitted_at)
    outcome = sa.func.coalesce(ExpertiseRequest.outcome, STILL_OPEN)
    query = (
        filtered(sa.select(month, outcome, sa.func.count()), user, filters)
        .where(ExpertiseRequest.submitted_at >= sa.literal(f"{shown[0]}-01").cast(sa.Date))
        .group_by(month, outcome)
    )
    table = {key: dict.fromkeys((STILL_OPEN, *OUTCOMES), 0) for key in shown}
    for key, result, count in db.session.execute(query).tuples():
        if key in table:
            table[key][result] = count
    return table


@dataclass(frozen=True)
class LeadTime:
    step: str  # a state, or "end_to_end"
    count: int
    median: int | None
    p90: int | None


def _percentiles(values: sa.Subquery, key, value) -> dict[str, tuple[int, int | None, int | None]]:
    """(count, median, 90th percentile) of `value` per `key`, by nearest rank (rank ⌈p·n⌉)."""
    ranked = sa.select(
        key.label("key"),
        value.label("value"),
        sa.func.row_number().over(partition_by=key, order_by=value).label("rank"),
        sa.func.count().over(partition_by=key).label("n"),
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


def lead_times(user: User, filters: CaseFilters) -> list[LeadTime]:
    """Median and 90th percentile, in working days with pauses left out, of each step and of whole
    completed requests (the sum of their steps)."""
    ids = _ids(user, filters)
    steps = (
        sa.select(CaseStep.state.label("key"), CaseStep.working_days.label("value"))
        .where(CaseStep.request_id.in_(ids))
        .subquery()
    )
    by_step = _percentiles(steps, steps.c.key, steps.c.value)
    completed = ids.where(ExpertiseRequest.outcome == str(Outcome.COMPLETED))
    whole = (
        sa.select(sa.literal("end_to_end").label("key"), sa.func.sum(CaseStep.working_days).label("value"))
        .where(CaseStep.request_id.in_(completed))
        .group_by(CaseStep.request_id)
        .subquery()
    )
    end_to_end = _percentiles(whole, whole.c.key, whole.c.value)
    rows = [(str(state), by_step.get(str(state))) for state in STEPS] + [("end_to_end", end_to_end.get("end_to_end"))]
    return [LeadTime(step, *(found or (0, None, None))) for step, found in rows]


def closures(user: User, filters: CaseFilters) -> dict:
    """Closed requests by outcome, and the reason codes of declines and redirections."""
    closed = ExpertiseRequest.state == str(State.CLOSED)
    outcomes = _count_by(user, filters, ExpertiseRequest.outcome, closed)
    return {
        "closed": sum(outcomes.values()),
        "outcomes": {outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES},
        "decline_reasons": _sorted(_count_by(user, filters, ExpertiseRequest.decline_reason, closed)),
        "redirections": _sorted(_count_by(user, filters, ExpertiseRequest.redirect_destination, closed)),
    }


def _sorted(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def breakdown(user: User, filters: CaseFilters, column) -> list[tuple[str, int, int]]:
    """(code, open requests, all requests) for each value of `column`, largest first."""
    query = filtered(sa.select(column, sa.func.count().filter(OPEN), sa.func.count()), user, filters).group_by(column)
    rows = [(code, open_count, total) for code, open_count, total in db.session.execute(query).tuples() if code]
    return sorted(rows, key=lambda row: (-row[2], row[0]))


def feedback(user: User, filters: CaseFilters) -> dict:
    """The partners' average answer to each item of the questionnaire, and how many answered."""
    items = [sa.func.avg(getattr(MissionFeedback, code)) for code in FEEDBACK_ITEMS.codes]
    query = sa.select(sa.func.count(), *items).where(MissionFeedback.request_id.in_(_ids(user, filters)))
    answers, *averages = db.session.execute(query).one()
    result = {"answers": answers}
    result.update(
        {
            code: round(float(value), 1) if value is not None else None
            for code, value in zip(FEEDBACK_ITEMS.codes, averages, strict=True)
        }
    )
    return result


def workload(user: User, filters: CaseFilters) -> list[tuple[User, int, int]]:
    """The experts with the most open requests (leading, and confirmed on the team), largest first."""
    open_ids = _ids(user, filters).where(OPEN)
    leading = sa.select(
        ExpertiseRequest.lead_expert_id.label("expert"), sa.literal(1).label("lead"), sa.literal(0).label("team")
    ).where(ExpertiseRequest.id.in_(open_ids), ExpertiseRequest.lead_expert_id.isnot(None))
    on_team = sa.select(Assignment.expert_id, sa.literal(0), sa.literal(1)).where(
        Assignment.request_id.in_(open_ids),
        Assignment.status == TeamStatus.CONFIRMED,
        Assignment.expert_id
        != sa.func.coalesce(
            sa.select(ExpertiseRequest.lead_expert_id)
            .where(ExpertiseRequest.id == Assignment.request_id)
            .scalar_subquery(),
            0,
        ),
    )
    both = sa.union_all(leading, on_team).subquery()
    totals_ = (
        sa.select(both.c.expert, sa.func.sum(both.c.lead).label("lead"), sa.func.sum(both.c.team).label("team"))
        .group_by(both.c.expert)
        .subquery()
    )
    query = (
        sa.select(User, totals_.c.lead, totals_.c.team)
        .join(totals_, totals_.c.expert == User.id)
        .order_by((totals_.c.lead + totals_.c.team).desc(), User.name)
        .limit(TOP_EXPERTS)
    )
    return [(expert, int(lead), int(team)) for expert, lead, team in db.session.execute(query).tuples()]


def _requested_languages() -> sa.Subquery:
    """(request id, language) for each working language of each request."""
    if db.session.get_bind().dialect.name == "sqlite":
        each = sa.func.json_each(ExpertiseRequest.working_languages).table_valued("value")
        return (
            sa.select(ExpertiseRequest.id.label("id"), each.c.value.label("language"))
            .select_from(ExpertiseRequest)
            .join(each, sa.true())
            .subquery()
        )
    each = sa.func.json_array_elements_text(ExpertiseRequest.working_languages).table_valued("value")
    return (
        sa.select(ExpertiseRequest.id.label("id"), each.c.value.label("language"))
        .select_from(ExpertiseRequest)
        .join(each, sa.true())
        .subquery()
    )


def coverage_gaps(user: User, filters: CaseFilters) -> list[tuple[str, str, int]]:
    """(field, language, open requests asking for both) where no active expert has that field and
    speaks that language well enough: the mobilisations that will need someone from outside."""
    languages = _requested_languages()
    open_ids = _ids(user, filters).where(OPEN)
    demand = (
        sa.select(ExpertiseRequest.field, languages.c.language, sa.func.count())
        .join(languages, languages.c.id == ExpertiseRequest.id)
        .where(ExpertiseRequest.id.in_(open_ids))
        .group_by(ExpertiseRequest.field, languages.c.language)
    )
    covered = (
        sa.select(ExpertField.user_id)
        .join(ExpertLanguage, ExpertLanguage.user_id == ExpertField.user_id)
        .join(ExpertProfile, ExpertProfile.user_id == ExpertField.user_id)
        .join(User, User.id == ExpertField.user_id)
        .where(
            ExpertField.field == ExpertiseRequest.field,
            ExpertLanguage.language == languages.c.language,
            ExpertLanguage.level.in_(COVERING_LEVELS),
            ExpertProfile.active.is_(True),
            User.active.is_(True),
        )
    )
    query = demand.where(~sa.exists(covered))
    rows = db.session.execute(query).tuples()
    return sorted(
        ((field, language, count) for field, language, count in rows), key=lambda row: (-row[2], row[0], row[1])
    )


def overview(user: User, filters: CaseFilters) -> dict:
    return {
        "totals": totals(user, filters),
        "states": state_counts(user, filters),
        "funnel": funnel(user, filters),
        "monthly": monthly(user, filters),
        "lead_times": lead_times(user, filters),
        "closures": closures(user, filters),
        "fields": breakdown(user, filters, ExpertiseRequest.field),
        "continents": breakdown(user, filters, ExpertiseRequest.continent),
        "instruments": breakdown(user, filters, ExpertiseRequest.instrument),
        "feedback": feedback(user, filters),
        "workload": workload(user, filters),
        "gaps": coverage_gaps(user, filters),
    }
