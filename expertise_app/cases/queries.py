"""Read-side queries: the filtered, sorted, paged lists of requests."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from urllib.parse import urlencode

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.datastructures import MultiDict

from .. import policy, reference
from ..auth.models import Organisation, User
from ..db_types import day_in_address, json_elements, start_of_day, utcnow, without_nul
from ..extensions import db
from ..reference import (
    ASSISTANCE_TYPES,
    CONTINENTS,
    COUNTRIES,
    DECLINE_REASONS,
    FIELDS,
    INSTRUMENTS,
    LANGUAGES,
    PRIORITIES,
    REDIRECT_DESTINATIONS,
)
from . import search, service_levels
from .models import FACT_STEPS, Assignment, ExpertiseRequest, RequestFacts, TeamStatus
from .states import OPEN_STATES, Outcome, State

# Each sort: the columns it orders by, each ascending (True) or descending, ending on a unique one
# (so that "the next case of the list" is always defined).
_STATE_ORDER = sa.case({str(state): rank for rank, state in enumerate(State)}, value=ExpertiseRequest.state)
_PRIORITY_ORDER = sa.case({"emergency": 0, "urgent": 1}, value=ExpertiseRequest.priority, else_=2)
_ID = ExpertiseRequest.id
SORTS: dict[str, tuple[tuple[sa.ColumnElement, bool], ...]] = {
    "newest": ((ExpertiseRequest.submitted_at, False), (_ID, False)),
    "oldest": ((ExpertiseRequest.submitted_at, True), (_ID, True)),
    "updated": ((ExpertiseRequest.state_entered_at, False), (_ID, False)),
    "in_state": ((ExpertiseRequest.state_entered_at, True), (_ID, True)),  # longest in its state first
    "reference": ((ExpertiseRequest.reference, True),),
    "-reference": ((ExpertiseRequest.reference, False),),
    "title": ((ExpertiseRequest.title_key, True), (_ID, True)),
    "-title": ((ExpertiseRequest.title_key, False), (_ID, False)),
    "state": ((_STATE_ORDER, True), (ExpertiseRequest.submitted_at, True), (_ID, True)),
    "-state": ((_STATE_ORDER, False), (ExpertiseRequest.submitted_at, True), (_ID, True)),
    "priority": ((_PRIORITY_ORDER, True), (ExpertiseRequest.submitted_at, True), (_ID, True)),  # most urgent first
    "-priority": ((_PRIORITY_ORDER, False), (ExpertiseRequest.submitted_at, True), (_ID, True)),
    # Soonest due first; requests without a target (closed ones) after all others.
    "due": ((sa.func.coalesce(ExpertiseRequest.due_on, date.max), True), (_ID, True)),
}
DEFAULT_SORT = "newest"
LIST_PER_PAGE, LIST_MAX_PER_PAGE = 20, 100  # requests a page of the list shows, unless asked (and at most)
STAFF_SORTS = frozenset({"priority", "-priority", "due"})  # partners never see a request's priority or due date
# A list's sortable columns: (the sort its header asks first, the one it asks when already sorted so).
COLUMN_SORTS = {
    "reference": ("reference", "-reference"),
    "title": ("title", "-title"),
    "state": ("state", "-state"),
    "priority": ("priority", "-priority"),
    "submitted": ("newest", "oldest"),
    "in_state": ("in_state", "updated"),
    "due": ("due", "due"),
}

# What a request may be paused by: the partner's answer (and whether it is overdue), or a hold.
PAUSES = ("waiting", "overdue", "on_hold")
# Where an open request stands against its service level: past the date its step was due, or due within
# service_levels.SOON_WORKING_DAYS (the queue's "late" view holds both). A paused request's clock is stopped.
DUES = ("past", "soon")
# The ministry's views of the queue. Experts land on their own open work, managers on every open request.
VIEWS = ("mine", "waiting_for_me", "late", "unassigned", "waiting_for_partner", "open", "all")
# Ages a list can be narrowed to, in days: submitted that long ago, or in the same state that long.
AGES = tuple(int(days) for days in reference.AGES.codes)
UNASSIGNED = "none"  # the `lead` filter's value for "no lead expert yet"
# The filters that select one value of the request's column of the same name.
EQUAL_FILTERS = ("state", "field", "country", "continent", "instrument", "assistance_type", "outcome")
EQUAL_FILTERS += ("decline_reason", "redirect_destination")  # the overview's reasons for its closures


def sort_clauses(sort: str) -> list[sa.ColumnElement]:
    return [column.asc() if ascending else column.desc() for column, ascending in SORTS[sort]]


def due_filter(due: str, today: date) -> sa.ColumnElement[bool]:
    """The open requests not paused whose step was due before `today` ("past"), or is due from `today`
    to the last day still "due soon" ("soon")."""
    if due == "past":
        return _open_and_due(ExpertiseRequest.due_on < today)
    return _open_and_due(ExpertiseRequest.due_on.between(today, service_levels.due_soon_until(today)))


def _open_and_due(when: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """The open requests whose clock runs (not paused) and whose step is due `when` says."""
    return sa.and_(OPEN_BY_STATE, _not_paused(), when)


def pause_filter(pause: str, today: date) -> sa.ColumnElement[bool]:
    if pause == "waiting":
        return ExpertiseRequest.waiting_since.isnot(None)
    if pause == "overdue":
        return sa.and_(ExpertiseRequest.waiting_since.isnot(None), ExpertiseRequest.question_due_on < today)
    return ExpertiseRequest.on_hold_since.isnot(None)


# A number in an address: ASCII digits only ("²".isdigit() is true, and int("²") fails), nine at most.
NUMBER = re.compile(r"[0-9]{1,9}")


def _positive(value: str | None, allowed) -> int | None:
    number = int(value) if value and NUMBER.fullmatch(value) else None
    return number if number in allowed else None


@dataclass(frozen=True)
class CaseFilters:
    """List filters from a query string; values that are not known codes are dropped.

    `view` is one of VIEWS for the ministry's queue (None: the user's default view);
    `lead` is an expert's id or UNASSIGNED.
    """

    state: str | None = None
    field: str | None = None
    country: str | None = None
    continent: str | None = None
    instrument: str | None = None
    assistance_type: str | None = None
    outcome: str | None = None
    decline_reason: str | None = None
    redirect_destination: str | None = None
    language: str | None = None  # one of the request's working languages (the overview's coverage gaps)
    reached: str | None = None  # a step the request reached: in it now or past it (the overview's funnel)
    submitted_from: date | None = None
    submitted_to: date | None = None
    priority: str | None = None
    lead: str | None = None
    member: str | None = None  # an expert's id: the requests whose confirmed team they are on, not leading
    older_than: int | None = None
    in_state_for: int | None = None
    assigned_to_me: bool = False
    pause: str | None = None
    due: str | None = None  # one of DUES: the ministry's service levels
    q: str | None = None
    view: str | None = None
    sort: str = DEFAULT_SORT

    @classmethod
    def from_args(cls, args: MultiDict) -> CaseFilters:
        def known(name: str, allowed) -> str | None:
            value = (args.get(name) or "").strip()
            return value if value and value in allowed else None

        lead = (args.get("lead") or "").strip()
        return cls(
            state=known("state", {str(state) for state in State}),
            field=known("field", FIELDS),
            country=known("country", COUNTRIES),
            continent=known("continent", CONTINENTS),
            instrument=known("instrument", INSTRUMENTS),
            assistance_type=known("assistance_type", ASSISTANCE_TYPES),
            outcome=known("outcome", {str(outcome) for outcome in Outcome}),
            decline_reason=known("decline_reason", DECLINE_REASONS),
            redirect_destination=known("redirect_destination", REDIRECT_DESTINATIONS),
            language=known("language", LANGUAGES),
            reached=known("reached", {str(step) for step in FACT_STEPS}),
            submitted_from=day_in_address(args.get("from")),
            submitted_to=day_in_address(args.get("to")),
            priority=known("priority", PRIORITIES),
            lead=lead if lead == UNASSIGNED or NUMBER.fullmatch(lead) else None,
            member=member if NUMBER.fullmatch(member := (args.get("member") or "").strip()) else None,
            older_than=_positive(args.get("older_than"), AGES),
            in_state_for=_positive(args.get("in_state_for"), AGES),
            assigned_to_me=args.get("assigned") == "me",
            pause=known("pause", PAUSES),
            due=known("due", DUES),
            q=without_nul(args.get("q") or "").strip()[:100] or None,
            view=known("view", VIEWS),
            sort=known("sort", SORTS) or DEFAULT_SORT,
        )

    @property
    def active(self) -> bool:
        """Whether the list is narrowed by anything besides its view (and its order)."""
        return any(name not in ("view", "sort") for name in self.to_args())

    @property
    def period_reversed(self) -> bool:
        """Whether the period of submission ends before it starts: no request can be in it."""
        return bool(self.submitted_from and self.submitted_to and self.submitted_to < self.submitted_from)

    def for_user(self, user: User, *, page: bool = True) -> CaseFilters:
        """These filters as `user` may ask them: a partner's list is never narrowed or sorted by what only
        the ministry sees (views, priority, lead). The ministry's list opens, when no view is asked, on an
        expert's own open work or a manager's open requests; asked with filters (a link of the overview,
        say), it shows all that match. The API (`page=False`) lists all unless a view is asked."""
        if not policy.can_view_queue(user):
            sort = self.sort if self.sort not in STAFF_SORTS else DEFAULT_SORT
            return replace(
                self, view=None, priority=None, lead=None, member=None, due=None, assigned_to_me=False, sort=sort
            )
        if self.view or not page:
            return self
        if self.active:
            return replace(self, view="all")
        return replace(self, view="mine" if user.is_expert else "open")

    def to_args(self) -> dict[str, str]:
        """The query string that asks for these filters (what a saved view keeps, what links carry)."""
        args = {
            "view": self.view,
            "q": self.q,
            "state": self.state,
            "field": self.field,
            "country": self.country,
            "continent": self.continent,
            "instrument": self.instrument,
            "assistance_type": self.assistance_type,
            "outcome": self.outcome,
            "decline_reason": self.decline_reason,
            "redirect_destination": self.redirect_destination,
            "language": self.language,
            "reached": self.reached,
            "from": self.submitted_from.isoformat() if self.submitted_from else None,
            "to": self.submitted_to.isoformat() if self.submitted_to else None,
            "priority": self.priority,
            "lead": self.lead,
            "member": self.member,
            "older_than": self.older_than,
            "in_state_for": self.in_state_for,
            "assigned": "me" if self.assigned_to_me else None,
            "pause": self.pause,
            "due": self.due,
            "sort": self.sort if self.sort != DEFAULT_SORT else None,
        }
        return {key: str(value) for key, value in args.items() if value}

    @cached_property
    def query_string(self) -> str:
        """Kept once written: every row of a list links to its case with it (`?list=`)."""
        return urlencode(self.to_args())

    def listed_on(self, page: int, per_page: int = LIST_PER_PAGE, row: int | None = None) -> str:
        """What a case's `?list=` carries: these filters, and the page of the list it was shown on, with
        its length when it is not the usual one (the way back leads to that page), and its row there
        (walking to the next case past the page's last row leads back to the next page)."""
        shown = {
            "page": page if page > 1 else None,
            "per_page": per_page if per_page != LIST_PER_PAGE else None,
            "row": row,
        }
        shown = {name: value for name, value in shown.items() if value is not None}
        return "&".join(part for part in (self.query_string, urlencode(shown)) if part)


def any_visible(user: User, filters: CaseFilters) -> bool:
    """Whether `filters` find any request `user` may see (one row read, not a count)."""
    found = filtered(sa.select(ExpertiseRequest.id), user, filters).limit(1)
    return db.session.scalar(sa.select(found.exists()))


def visible_cases(user: User, filters: CaseFilters) -> sa.Select:
    """The requests `user` may see that match `filters`, sorted, with what lists show loaded."""
    query = filtered(sa.select(ExpertiseRequest), user, filters)
    return query.options(
        so.joinedload(ExpertiseRequest.organisation), so.joinedload(ExpertiseRequest.lead_expert)
    ).order_by(*sort_clauses(filters.sort))


OPEN = ExpertiseRequest.state != str(State.CLOSED)  # the requests not closed yet
# The same as a list of states, for the index on the state to find the open requests among all
# (most of a ministry's history is closed). Not for the queue's own views: there the planner would
# read every open request by that index rather than start from the person's few.
#
# The states are written into the statement, not bound: so the planner knows them when it plans, and
# may use the index of the open requests alone (models.OPEN_REQUESTS), which SQLite, and PostgreSQL
# with a plan made once for any value, would not for states given as parameters.
OPEN_BY_STATE = ExpertiseRequest.state.in_(
    sa.bindparam(None, [str(state) for state in OPEN_STATES], expanding=True, literal_execute=True)
)


def _not_paused() -> sa.ColumnElement[bool]:
    return sa.and_(ExpertiseRequest.waiting_since.is_(None), ExpertiseRequest.on_hold_since.is_(None))


def view_filter(view: str, user: User) -> sa.ColumnElement[bool]:
    """The requests of one of the queue's VIEWS, for `user`.

    A person's own views start from their few requests (OPEN); the others find the open requests by
    the index on their state (OPEN_BY_STATE): with OPEN, "unassigned" read the ten years of closed
    requests that never had a lead (a count of 18 ms at 100,000 requests, against 0.5).
    """
    if view == "mine":
        return sa.and_(OPEN, policy.assigned_to_filter(user))
    if view == "waiting_for_me":
        # The requests whose next step is this person's: for an expert, those they lead or are asked to
        # join; for a manager, those that need a lead or are held. Nobody waits on a request that waits
        # for the partner.
        if user.is_expert:
            led_or_asked = policy.assigned_to_filter(user, statuses=(TeamStatus.PROPOSED,))
            return sa.and_(OPEN, _not_paused(), led_or_asked)
        return sa.and_(
            OPEN_BY_STATE,
            ExpertiseRequest.waiting_since.is_(None),
            sa.or_(ExpertiseRequest.lead_expert_id.is_(None), ExpertiseRequest.on_hold_since.isnot(None)),
        )
    if view == "late":
        # Past their service level or due within SOON_WORKING_DAYS; a paused request's clock is stopped.
        return _open_and_due(ExpertiseRequest.due_on <= service_levels.due_soon_until(utcnow().date()))
    if view == "unassigned":
        return sa.and_(OPEN_BY_STATE, ExpertiseRequest.lead_expert_id.is_(None))
    if view == "waiting_for_partner":
        return sa.and_(OPEN_BY_STATE, ExpertiseRequest.waiting_since.isnot(None))
    if view == "open":
        return OPEN_BY_STATE
    return sa.true()


def narrowed(query: sa.Select, source, filters: CaseFilters) -> sa.Select:
    """`query` narrowed to the one value each equal filter asks and to the period of submission, on
    the columns of `source`: the requests, or their facts (the overview's filters are these)."""
    for name in EQUAL_FILTERS:
        value = getattr(filters, name)
        if value:
            query = query.where(getattr(source, name) == value)
    if filters.reached:
        query = query.where(reached_filter(source, filters.reached))
    if filters.submitted_from:
        query = query.where(source.submitted_at >= start_of_day(filters.submitted_from))
    if filters.submitted_to:
        query = query.where(source.submitted_at < start_of_day(filters.submitted_to + timedelta(days=1)))
    return query


def reached_filter(source, step: str) -> sa.ColumnElement[bool]:
    """The requests that reached `step`: in it now, or past it (their facts keep the working days of
    each step they left). What the overview's funnel counts, and the list it links to shows."""
    left = getattr(RequestFacts, RequestFacts.days_column(step)).isnot(None)
    if source is not RequestFacts:
        left = sa.exists().where(RequestFacts.request_id == source.id, left)
    return sa.or_(source.state == step, left)


def filtered(query: sa.Select, user: User, filters: CaseFilters) -> sa.Select:
    """`query` on requests, restricted to what `user` may see and what `filters` ask (lists and exports).

    The ministry's filters (views, priority, lead, team member, service level) narrow nothing for a partner.
    """
    query = narrowed(query.where(policy.visible_requests_filter(user)), ExpertiseRequest, filters)
    today = utcnow().date()
    if filters.older_than:
        query = query.where(ExpertiseRequest.submitted_at < _days_ago(filters.older_than))
    if filters.in_state_for:
        query = query.where(ExpertiseRequest.state_entered_at < _days_ago(filters.in_state_for))
    if filters.pause:
        query = query.where(pause_filter(filters.pause, today))
    if filters.language:
        query = query.where(working_language_filter(filters.language))
    if filters.q:
        query = query.where(search.matching(filters.q))
    if not policy.can_view_queue(user):
        return query
    if filters.view:
        query = query.where(view_filter(filters.view, user))
    if filters.priority:
        query = query.where(ExpertiseRequest.priority == filters.priority)
    if filters.lead == UNASSIGNED:
        query = query.where(ExpertiseRequest.lead_expert_id.is_(None))
    elif filters.lead:
        query = query.where(ExpertiseRequest.lead_expert_id == int(filters.lead))
    if filters.member:
        query = query.where(team_member_filter(int(filters.member)))
    if filters.due:
        query = query.where(due_filter(filters.due, today))
    if filters.assigned_to_me:
        query = query.where(policy.assigned_to_filter(user))
    return query


def team_member_filter(expert_id: int) -> sa.ColumnElement[bool]:
    """The requests whose confirmed team `expert_id` is on without leading it (the overview's workload)."""
    confirmed = sa.exists().where(
        Assignment.request_id == ExpertiseRequest.id,
        Assignment.expert_id == expert_id,
        Assignment.status == TeamStatus.CONFIRMED,
    )
    return sa.and_(confirmed, sa.func.coalesce(ExpertiseRequest.lead_expert_id, 0) != expert_id)


def working_language_filter(language: str) -> sa.ColumnElement[bool]:
    """The requests whose working languages include `language` (their list read in the row)."""
    each = json_elements(ExpertiseRequest.working_languages)
    return sa.exists(sa.select(sa.literal(1)).select_from(each).where(each.c.value == language))


def _days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


def neighbours(user: User, filters: CaseFilters, case: ExpertiseRequest) -> tuple[int | None, int | None]:
    """The ids of the cases before and after `case` in the list `filters` ask for (None at either end).

    Keyset lookups on the list's sort: two indexed queries, whatever the length of the list.
    """
    columns = SORTS[filters.sort]
    current = db.session.execute(sa.select(*(column for column, _ in columns)).where(case.id == _ID)).one()

    def beyond(forward: bool) -> int | None:
        condition = _after(columns, current, forward)
        order = [column.asc() if ascending == forward else column.desc() for column, ascending in columns]
        query = filtered(sa.select(_ID), user, filters).where(condition).order_by(*order).limit(1)
        return db.session.scalar(query)

    return beyond(False), beyond(True)


def _after(columns, values, forward: bool) -> sa.ColumnElement[bool]:
    """Rows after `values` in the order of `columns` (or before them): a lexicographic comparison,
    written out so that columns sorted in opposite directions compare each their own way."""
    clauses = []
    for index, ((column, ascending), value) in enumerate(zip(columns, values, strict=True)):
        later = column > value if ascending == forward else column < value
        equal_before = [
            earlier == earlier_value
            for (earlier, _), earlier_value in zip(columns[:index], values[:index], strict=True)
        ]
        clauses.append(sa.and_(*equal_before, later))
    return sa.or_(*clauses)


def follow_ups_of(user: User, case: ExpertiseRequest) -> list[ExpertiseRequest]:
    """The requests that follow `case` up, among those `user` may see."""
    return list(
        db.session.scalars(
            sa.select(ExpertiseRequest)
            .where(ExpertiseRequest.follow_up_of_id == case.id, policy.visible_requests_filter(user))
            .order_by(ExpertiseRequest.submitted_at)
        )
    )


SIMILAR_LIMIT = 5
SIMILAR_CANDIDATES = 300


def similar_requests(case: ExpertiseRequest, limit: int = SIMILAR_LIMIT) -> list[sa.Row]:
    """Other requests, open or past, in the same field from the same organisation or country,
    closest in text first: a duplicate, or an earlier mission, seen before the assessment.

    For the ministry only (the caller checks): the requests of other organisations are among them.
    Each is a row of what the page shows of it (id, reference, title, organisation_name, submitted_at,
    state, outcome), not the whole request with its long texts.
    """
    # The candidates first (indexed on field, organisation and country), the most recent few hundred;
    # only they are scored for closeness in words.
    candidates = (
        sa.select(ExpertiseRequest.id)
        .where(
            ExpertiseRequest.id != case.id,
            ExpertiseRequest.field == case.field,
            sa.or_(ExpertiseRequest.organisation_id == case.organisation_id, ExpertiseRequest.country == case.country),
        )
        .order_by(ExpertiseRequest.submitted_at.desc())
        .limit(SIMILAR_CANDIDATES)
    )
    score = search.closeness(search.similarity_terms(case))
    query = (
        sa.select(
            ExpertiseRequest.id,
            ExpertiseRequest.reference,
            ExpertiseRequest.title,
            ExpertiseRequest.submitted_at,
            ExpertiseRequest.state,
            ExpertiseRequest.outcome,
            Organisation.name.label("organisation_name"),
        )
        .join(Organisation, Organisation.id == ExpertiseRequest.organisation_id)
        .where(ExpertiseRequest.id.in_(candidates.scalar_subquery()))
    )
    return list(db.session.execute(query.order_by(sa.desc(score), ExpertiseRequest.submitted_at.desc()).limit(limit)))
