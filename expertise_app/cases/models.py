"""Expertise requests ("cases"), their team, mission and append-only history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..auth.models import Organisation, User
from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..folding import indexed, sort_key
from ..reference import REGIONS
from .states import OPEN_STATES, Outcome, State

STATES = tuple(State)
OUTCOMES = tuple(Outcome)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


OPEN_REQUESTS = _in("state", OPEN_STATES)
# The confirmed places on open requests, as each database writes the condition that finds them (SQLite
# uses a partial index only for a query that holds its condition as written).
OPEN_CONFIRMED = {
    "postgresql": "request_open AND status = 'confirmed'",
    "sqlite": "request_open = 1 AND status = 'confirmed'",
}
OPEN_FIGURES_READ = (
    "id",
    "state",
    "lead_expert_id",
    "field",
    "working_languages",
    "due_on",
    "waiting_since",
    "question_due_on",
    "on_hold_since",
)


class ExpertiseRequest(db.Model):
    """A partner's request for expertise, followed from submission to closure.

    `state` is written only by the workflow machine (cases/workflow.py) through
    cases/operations.py. `version` is SQLAlchemy's optimistic lock: an UPDATE that
    finds another version than the one it read changes nothing. `partner_version` is what a
    partner's copy is checked against (`version_seen_by`).
    """

    __tablename__ = "expertise_requests"
    __table_args__ = (
        sa.CheckConstraint(_in("state", STATES), name="state"),
        sa.CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name="outcome"),
        sa.CheckConstraint("(state = 'closed') = (outcome IS NOT NULL)", name="closed_has_outcome"),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
        sa.Index("ix_expertise_requests_org_created", "organisation_id", "created_at"),
        # The candidates of a request's similar requests: its field, and its organisation or its country.
        sa.Index("ix_expertise_requests_field_org", "field", "organisation_id", "submitted_at"),
        sa.Index("ix_expertise_requests_field_country", "field", "country", "submitted_at"),
        # The queue narrowed to a state and a field, newest first (one state alone is a fifth of all).
        sa.Index("ix_expertise_requests_state_field", "state", "field", "submitted_at"),
        # The list sorted by title, a page at a time.
        sa.Index("ix_expertise_requests_title_key", "title_key", "id"),
        # The open requests alone, with what the overview's open figures read of them (workload, coverage
        # gaps, late and paused): PostgreSQL answers those from the index without reading the table,
        # where the open requests of ten years lie one to a page (3,000 pages at 100,000 requests).
        sa.Index(
            "ix_expertise_requests_open",
            "submitted_at",
            postgresql_where=sa.text(OPEN_REQUESTS),
            sqlite_where=sa.text(OPEN_REQUESTS),
            postgresql_include=OPEN_FIGURES_READ,
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(20), unique=True)
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organisations.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))

    title: so.Mapped[str] = so.mapped_column(sa.String(150))
    field: so.Mapped[str] = so.mapped_column(sa.String(8), index=True)
    country: so.Mapped[str] = so.mapped_column(sa.String(2), index=True)
    assistance_type: so.Mapped[str] = so.mapped_column(sa.String(32))
    instrument: so.Mapped[str] = so.mapped_column(sa.String(32))
    context: so.Mapped[str] = so.mapped_column(sa.Text)
    objectives: so.Mapped[str] = so.mapped_column(sa.Text)
    expected_results: so.Mapped[str] = so.mapped_column(sa.Text)
    period_start: so.Mapped[date]
    period_end: so.Mapped[date]
    working_languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    participants_expected: so.Mapped[int | None]

    state: so.Mapped[str] = so.mapped_column(sa.String(24), default="submitted", index=True)
    outcome: so.Mapped[str | None] = so.mapped_column(sa.String(16), index=True)
    priority: so.Mapped[str] = so.mapped_column(sa.String(16), default="normal", index=True)
    lead_expert_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    eligibility_notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    decision_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    closing_summary: so.Mapped[str | None] = so.mapped_column(sa.Text)
    follow_up: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    # The decision: how an assessed request was accepted, why one was declined, where one was sent.
    acceptance: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    checklist: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    decline_reason: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    redirect_destination: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    # Pauses inside a state (each start and end is also a dated history event): waiting for
    # the partner's answer to a question due on `question_due_on`, and on hold.
    waiting_since: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    question_due_on: so.Mapped[date | None]
    on_hold_since: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)

    # The closed request this one follows up (a TAIEX workshop leading to a twinning, DOMAIN.md).
    follow_up_of_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("expertise_requests.id"), index=True)

    # reference, title, context and objectives folded for the full-text search (cases/search.py):
    # written by the mapper events below whenever one of them changes.
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # The title as the list sorts it (folding.sort_key), kept by the same events.
    title_key: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    # The country's continent, kept with it (mapper events below), for the overview's breakdowns.
    continent: so.Mapped[str | None] = so.mapped_column(sa.String(12), index=True)
    # Service levels (cases/service_levels.py): when the current step is due, and the working days
    # its clock has been stopped by pauses; the write path keeps both after every action.
    due_on: so.Mapped[date | None] = so.mapped_column(index=True)
    paused_working_days: so.Mapped[int] = so.mapped_column(default=0)

    version: so.Mapped[int] = so.mapped_column(default=1)
    # The version a partner's forms name: it moves only with what a partner sees of the request, so
    # that it does not tell them the ministry acted where they cannot see (an internal note).
    partner_version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    submitted_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    state_entered_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    organisation: so.Mapped[Organisation] = so.relationship()
    author: so.Mapped[User] = so.relationship(foreign_keys=[author_id])
    lead_expert: so.Mapped[User | None] = so.relationship(foreign_keys=[lead_expert_id])
    follow_up_of: so.Mapped[ExpertiseRequest | None] = so.relationship(remote_side=[id], foreign_keys=[follow_up_of_id])
    assignments: so.Mapped[list[Assignment]] = so.relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Assignment.id"
    )
    mission: so.Mapped[Mission | None] = so.relationship(back_populates="request", cascade="all, delete-orphan")
    events: so.Mapped[list[Event]] = so.relationship(order_by=lambda: (Event.created_at, Event.id), viewonly=True)
    facts: so.Mapped[RequestFacts | None] = so.relationship(cascade="all, delete-orphan")

    @property
    def members(self) -> list[Assignment]:
        """Everyone proposed for the team and not withdrawn, whatever their answer."""
        return [assignment for assignment in self.assignments if assignment.status != TeamStatus.WITHDRAWN]

    @property
    def confirmed(self) -> list[Assignment]:
        return [assignment for assignment in self.assignments if assignment.status == TeamStatus.CONFIRMED]

    @property
    def team(self) -> list[User]:
        """The confirmed team."""
        return [assignment.expert for assignment in self.confirmed]

    @property
    def team_ids(self) -> set[int]:
        return {assignment.expert_id for assignment in self.confirmed}

    def membership(self, expert_id: int | None) -> Assignment | None:
        """This expert's place on the team (withdrawn ones included), if any."""
        return next((assignment for assignment in self.assignments if assignment.expert_id == expert_id), None)

    def version_seen_by(self, viewer: User) -> int:
        """The version of the request as `viewer` reads it: the one their forms name and the API shows."""
        return self.version if viewer.is_staff else self.partner_version

    @property
    def is_closed(self) -> bool:
        return self.state == "closed"

    @property
    def is_waiting_for_partner(self) -> bool:
        return self.waiting_since is not None

    @property
    def is_on_hold(self) -> bool:
        return self.on_hold_since is not None

    def question_is_overdue(self, today: date) -> bool:
        return self.question_due_on is not None and self.question_due_on < today

    def __repr__(self) -> str:
        return f"<ExpertiseRequest {self.reference} {self.state}>"


SEARCHED_FIELDS = ("reference", "title", "context", "objectives")


def searched_text(case: ExpertiseRequest) -> str:
    return indexed(*(getattr(case, name) for name in SEARCHED_FIELDS))


@sa.event.listens_for(ExpertiseRequest, "before_insert")
def _index_new_request(mapper, connection, case: ExpertiseRequest) -> None:
    case.search_text = searched_text(case)
    case.title_key = sort_key(case.title)
    case.continent = REGIONS.continent(case.country)


@sa.event.listens_for(ExpertiseRequest, "before_update")
def _index_changed_request(mapper, connection, case: ExpertiseRequest) -> None:
    state = sa.inspect(case)
    if any(state.attrs[name].history.has_changes() for name in SEARCHED_FIELDS):
        case.search_text = searched_text(case)
    if state.attrs.title.history.has_changes():
        case.title_key = sort_key(case.title)
    if state.attrs.country.history.has_changes():
        case.continent = REGIONS.continent(case.country)


class TeamStatus:
    """An expert's place on one request's team: proposed → accepted / declined → confirmed (or withdrawn)."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"
    ALL = (PROPOSED, ACCEPTED, DECLINED, CONFIRMED, WITHDRAWN)


class Assignment(db.Model):
    """An expert proposed for a request's team, and where they stand (the lead is `ExpertiseRequest.lead_expert`)."""

    __tablename__ = "assignments"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "expert_id", name="uq_assignments_request_expert"),
        sa.CheckConstraint(_in("status", TeamStatus.ALL), name="status"),
        sa.Index("ix_assignments_expert_status", "expert_id", "status"),
        # The confirmed teams of the open requests alone (the overview's workload): some thousands of
        # places, where the teams of ten years of closed requests are a hundred thousand.
        sa.Index(
            "ix_assignments_open_confirmed",
            "request_id",
            postgresql_where=sa.text(OPEN_CONFIRMED["postgresql"]),
            sqlite_where=sa.text(OPEN_CONFIRMED["sqlite"]),
            postgresql_include=("expert_id",),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expertise_requests.id"), index=True)
    expert_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=TeamStatus.PROPOSED)
    proposed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)  # proposed at
    answered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # The expert's conflict-of-interest declaration when accepting: the interests they declare, if any.
    declared_interests: so.Mapped[str | None] = so.mapped_column(sa.Text)
    decline_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # False once the request is closed, by the action that closes it (a closed request is never opened
    # again): what the index of the open requests' teams is kept by.
    request_open: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())

    request: so.Mapped[ExpertiseRequest] = so.relationship(back_populates="assignments")
    expert: so.Mapped[User] = so.relationship(back_populates="assignments", lazy="joined", foreign_keys=[expert_id])


class Mission(db.Model):
    """What was planned at mobilisation and what happened at delivery."""

    __tablename__ = "missions"
    __table_args__ = (
        sa.CheckConstraint("planned_end >= planned_start", name="planned_order"),
        sa.CheckConstraint("actual_end >= actual_start", name="actual_order"),
    )

    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expertise_requests.id"), primary_key=True)
    format: so.Mapped[str] = so.mapped_column(sa.String(16))
    place: so.Mapped[str] = so.mapped_column(sa.String(200))
    planned_start: so.Mapped[date]
    planned_end: so.Mapped[date]
    actual_start: so.Mapped[date | None]
    actual_end: so.Mapped[date | None]
    report: so.Mapped[str | None] = so.mapped_column(sa.Text)
    participants_reached: so.Mapped[int | None]

    request: so.Mapped[ExpertiseRequest] = so.relationship(back_populates="mission")

    def as_shown(self) -> dict[str, Any]:
        """The mission as the API shows it, and as its partner sees it once the team is mobilised."""
        return {
            "format": self.format,
            "place": self.place,
            "planned_start": self.planned_start,
            "planned_end": self.planned_end,
            "actual_start": self.actual_start,
            "actual_end": self.actual_end,
            "report": self.report,
            "participants_reached": self.participants_reached,
        }


class Event(db.Model):
    """One line of a request's history. Rows are only ever inserted."""

    __tablename__ = "events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expertise_requests.id"), index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    trigger: so.Mapped[str] = so.mapped_column(sa.String(32))
    from_state: so.Mapped[str | None] = so.mapped_column(sa.String(24))
    to_state: so.Mapped[str] = so.mapped_column(sa.String(24))
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)

    request: so.Mapped[ExpertiseRequest] = so.relationship(viewonly=True)
    actor: so.Mapped[User | None] = so.relationship(lazy="joined")


@sa.event.listens_for(Event, "before_update")
@sa.event.listens_for(Event, "before_delete")
def _history_is_append_only(mapper, connection, target: Event) -> None:
    raise RuntimeError("history events are append-only")


class CaseStep(db.Model):
    """One step a request went through and left: how many working days it took, pauses left out.

    Written by the write path when the state changes (cases/service_levels.py); only ever inserted.
    The overview's lead times are percentiles of `working_days` per state.
    """

    __tablename__ = "case_steps"
    __table_args__ = (sa.Index("ix_case_steps_state_days", "state", "working_days"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expertise_requests.id"), index=True)
    state: so.Mapped[str] = so.mapped_column(sa.String(24))
    entered_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    left_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    working_days: so.Mapped[int]
    paused_days: so.Mapped[int] = so.mapped_column(default=0)


# The request's columns the overview filters and counts by, copied as they are to its facts.
FACT_COLUMNS = (
    "submitted_at",
    "state",
    "outcome",
    "field",
    "country",
    "continent",
    "instrument",
    "assistance_type",
    "decline_reason",
    "redirect_destination",
)
# The steps whose working days the facts keep, one column each (`assessed_days`).
FACT_STEPS = (State.SUBMITTED, State.ASSESSED, State.SKILLS_MOBILISED, State.MISSION_DELIVERED)


class RequestFacts(db.Model):
    """What the overview counts of one request, in a narrow row: the columns it filters and groups
    by, and the working days of each step the request left (its CaseStep rows, one per state).

    The overview's aggregates read these rows instead of the requests, whose texts make them some
    1.7 kB each (166 MB at 100,000 cases against a few MB here). Kept by the write path
    (cases/service_levels.keep) in the transaction of every filing and action; `seed-bulk` and the
    migration fill it from the requests and their steps (cases/facts.py).
    """

    __tablename__ = "request_facts"

    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("expertise_requests.id"), primary_key=True)
    submitted_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    state: so.Mapped[str] = so.mapped_column(sa.String(24))
    outcome: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    field: so.Mapped[str] = so.mapped_column(sa.String(8))
    country: so.Mapped[str] = so.mapped_column(sa.String(2))
    continent: so.Mapped[str | None] = so.mapped_column(sa.String(12))
    instrument: so.Mapped[str] = so.mapped_column(sa.String(32))
    assistance_type: so.Mapped[str] = so.mapped_column(sa.String(32))
    decline_reason: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    redirect_destination: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    submitted_days: so.Mapped[int | None]
    assessed_days: so.Mapped[int | None]
    skills_mobilised_days: so.Mapped[int | None]
    mission_delivered_days: so.Mapped[int | None]

    @staticmethod
    def days_column(state: str) -> str:
        return f"{state}_days"


class OverviewTally(db.Model):
    """How many requests submitted in a month hold a value of a measure (a state, a field, a step
    reached, a step's working days, a feedback score), and how many of them are open.

    The overview's figures over months of history are sums of these rows, so that counting ten
    years takes as long at 100,000 requests as at 10,000. Kept by the write path with the facts
    (cases/tallies.py), rebuilt from them by `seed-bulk` and the migration that made them.
    """

    __tablename__ = "overview_tallies"

    measure: so.Mapped[str] = so.mapped_column(sa.String(24), primary_key=True)
    month: so.Mapped[str] = so.mapped_column(sa.String(7), primary_key=True)  # "2026-12", of submission (UTC)
    value: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)  # "" for none
    # The working days a step took (measure "days"), the score given (measure "feedback"), else 0.
    days: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    requests: so.Mapped[int]
    open: so.Mapped[int]


class ReferenceCounter(db.Model):
    """The last reference number given in a year: `EXP-2026-0042` is the 42nd of 2026.

    Taken with one atomic upsert, so that concurrent filings never get the same number.
    """

    __tablename__ = "reference_counters"

    year: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    last: so.Mapped[int]


class IdempotencyKey(db.Model):
    """A key under which a caller filed a request once: sent again, it files nothing more.

    The new-request form carries one; API clients send one as `Idempotency-Key`.
    `fingerprint` is the SHA-256 of the validated data, so that the same key with
    other data is recognised and refused.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    key: so.Mapped[str] = so.mapped_column(sa.String(200))
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(64))
    request_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("expertise_requests.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


# The longest query string a list can be asked with: a search of 100 characters of 4 bytes each, written
# %XX byte by byte (1,200), and every filter besides it (some 400).
QUERY_LENGTH = 2000


class SavedView(db.Model):
    """A filtered list of requests a person saved under a name, to open it again.

    `query` is the list's query string as `CaseFilters.to_args` writes it: only known
    filters, so that opening it asks nothing a list would not accept.
    """

    __tablename__ = "saved_views"
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uq_saved_views_user_name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    query: so.Mapped[str] = so.mapped_column(sa.String(QUERY_LENGTH))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
