"""Read-side queries of the directory: the filtered list of experts, and each one's workload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..auth.models import Role, User
from ..cases.models import Assignment, ExpertiseRequest, Mission, TeamStatus
from ..cases.states import OPEN_STATES
from ..db_types import day_span
from ..extensions import db
from ..pagination import within_pages
from ..reference import MISSION_LANGUAGE_LEVELS, REGIONS
from . import availability
from .forms import DirectoryFilters
from .models import ExpertCountry, ExpertField, ExpertLanguage, ExpertProfile, ExpertRegion

ON_THE_TEAM = (TeamStatus.PROPOSED, TeamStatus.ACCEPTED, TeamStatus.CONFIRMED)


@dataclass
class RowPage:
    """One page of rows (an expert with their counts), with what the pagination links need."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate_rows(query: sa.Select, page: int, per_page: int, *, past_the_end: bool = False) -> RowPage:
    """A page of `query`'s rows, whole (Flask-SQLAlchemy's paginate keeps only the first entity);
    past the last page, the last one, or none with `past_the_end` (pagination.within_pages)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    page = within_pages(page, total, per_page, past_the_end=past_the_end)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return RowPage(list(rows), total, page, per_page)


def _open_cases() -> sa.Subquery:
    """Per expert, the open requests they lead or are proposed for, have accepted or are confirmed on."""
    member = (
        sa.select(Assignment.expert_id.label("expert_id"), Assignment.request_id.label("request_id"))
        .join(ExpertiseRequest, ExpertiseRequest.id == Assignment.request_id)
        .where(Assignment.status.in_(ON_THE_TEAM), ExpertiseRequest.state.in_(OPEN_STATES))
    )
    lead = sa.select(ExpertiseRequest.lead_expert_id.label("expert_id"), ExpertiseRequest.id.label("request_id")).where(
        ExpertiseRequest.lead_expert_id.is_not(None), ExpertiseRequest.state.in_(OPEN_STATES)
    )
    both = sa.union(member, lead).subquery("involved")
    return sa.select(both.c.expert_id, sa.func.count().label("cases")).group_by(both.c.expert_id).subquery("open_cases")


def _upcoming_missions(today: date) -> sa.Subquery:
    return (
        sa.select(Assignment.expert_id, sa.func.count().label("upcoming"))
        .join(Mission, Mission.request_id == Assignment.request_id)
        .join(ExpertiseRequest, ExpertiseRequest.id == Assignment.request_id)
        .where(
            Assignment.status == TeamStatus.CONFIRMED,
            ExpertiseRequest.state.in_(availability.ACTIVE_MISSION_STATES),
            Mission.planned_end >= today,
        )
        .group_by(Assignment.expert_id)
        .subquery("upcoming")
    )


def directory(filters: DirectoryFilters, today: date) -> sa.Select:
    """Experts matching `filters`, each with their open cases and upcoming missions, sorted."""
    cases = _open_cases()
    upcoming = _upcoming_missions(today)
    open_cases = sa.func.coalesce(cases.c.cases, 0).label("open_cases")
    upcoming_missions = sa.func.coalesce(upcoming.c.upcoming, 0).label("upcoming_missions")
    query = (
        sa.select(User, open_cases, upcoming_missions)
        .join(ExpertProfile, ExpertProfile.user_id == User.id)
        .outerjoin(cases, cases.c.expert_id == User.id)
        .outerjoin(upcoming, upcoming.c.expert_id == User.id)
        .where(User.role == Role.EXPERT)
        .options(
            so.contains_eager(User.profile),
            so.selectinload(User.profile, ExpertProfile.fields),
            so.selectinload(User.profile, ExpertProfile.languages),
            so.selectinload(User.profile, ExpertProfile.countries),
            so.selectinload(User.profile, ExpertProfile.regions),
        )
    )
    if not filters.inactive:
        query = query.where(ExpertProfile.active.is_(True), User.active.is_(True))
    query = _filtered(query, filters)
    sorts = {
        "name": (User.name, User.id),
        "workload": (open_cases.desc(), User.name, User.id),
        "institution": (ExpertProfile.institution, User.name, User.id),
    }
    return query.order_by(*sorts[filters.sort])


def _filtered(query: sa.Select, filters: DirectoryFilters) -> sa.Select:
    expert = User.id
    if filters.field:
        query = query.where(sa.exists().where(ExpertField.user_id == expert, ExpertField.field == filters.field))
    if filters.language:
        query = query.where(
            sa.exists().where(
                ExpertLanguage.user_id == expert,
                ExpertLanguage.language == filters.language,
                ExpertLanguage.level.in_(MISSION_LANGUAGE_LEVELS),
            )
        )
    if filters.country:
        query = query.where(
            sa.exists().where(ExpertCountry.user_id == expert, ExpertCountry.country == filters.country)
        )
    if filters.region:
        countries = sorted(REGIONS.countries_of.get(filters.region, ()))
        query = query.where(
            sa.or_(
                sa.exists().where(ExpertRegion.user_id == expert, ExpertRegion.region == filters.region),
                sa.exists().where(ExpertCountry.user_id == expert, ExpertCountry.country.in_(countries or ["--"])),
            )
        )
    if filters.institution:
        query = query.where(ExpertProfile.institution == filters.institution)
    if filters.free_period:
        start, end = filters.free_period
        busy = availability.busy_experts(start, end)
        query = query.where(User.id.not_in(sa.select(busy.c.expert_id)))
    if filters.q:
        query = query.where(sa.func.lower(User.name).contains(filters.q.lower(), autoescape=True))
    return query


@dataclass
class Membership:
    assignment: Assignment | None  # None: the expert leads the request without being on its team yet
    case: ExpertiseRequest

    @property
    def status(self) -> str | None:
        return self.assignment.status if self.assignment else None


@dataclass
class Workload:
    memberships: list[Membership]  # open requests they lead or are on, newest first
    upcoming_missions: list[ExpertiseRequest]
    days_this_year: int

    @property
    def open_cases(self) -> int:
        return len(self.memberships)

    @property
    def waiting_for_answer(self) -> list[Membership]:
        return [item for item in self.memberships if item.status == TeamStatus.PROPOSED]


def workload(expert: User, today: date) -> Workload:
    """One expert's open requests, upcoming missions and days on mission this year (three queries)."""
    rows = db.session.execute(
        sa.select(ExpertiseRequest, Assignment)
        .outerjoin(
            Assignment,
            sa.and_(
                Assignment.request_id == ExpertiseRequest.id,
                Assignment.expert_id == expert.id,
                Assignment.status.in_(ON_THE_TEAM),
            ),
        )
        .where(
            ExpertiseRequest.state.in_(OPEN_STATES),
            sa.or_(Assignment.id.is_not(None), ExpertiseRequest.lead_expert_id == expert.id),
        )
        .options(so.joinedload(ExpertiseRequest.mission), so.joinedload(ExpertiseRequest.organisation))
        .order_by(ExpertiseRequest.submitted_at.desc())
    ).all()
    memberships = [Membership(assignment, case) for case, assignment in rows]
    upcoming = [
        item.case
        for item in memberships
        if item.status == TeamStatus.CONFIRMED
        and item.case.mission is not None
        and item.case.mission.planned_end >= today
        and item.case.state in availability.ACTIVE_MISSION_STATES
    ]
    upcoming.sort(key=lambda case: case.mission.planned_start)
    return Workload(memberships, upcoming, days_on_mission(expert.id, today.year))


def days_on_mission(expert_id: int, year: int) -> int:
    """Days of the missions starting in `year` on whose team the expert is confirmed (delivered or ahead)."""
    start, end = availability.mission_start(), availability.mission_end()
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(day_span(start, end)), 0))
        .select_from(Assignment)
        .join(Mission, Mission.request_id == Assignment.request_id)
        .join(ExpertiseRequest, ExpertiseRequest.id == Assignment.request_id)
        .where(
            Assignment.expert_id == expert_id,
            Assignment.status == TeamStatus.CONFIRMED,
            sa.or_(ExpertiseRequest.outcome.is_(None), ExpertiseRequest.outcome == "completed"),
            start >= date(year, 1, 1),
            start <= date(year, 12, 31),
        )
    )


def proposals_waiting(expert: User) -> list[ExpertiseRequest]:
    """Open requests on whose team `expert` is proposed and has not answered: their workspace's first list."""
    return list(
        db.session.scalars(
            sa.select(ExpertiseRequest)
            .join(Assignment, Assignment.request_id == ExpertiseRequest.id)
            .where(
                Assignment.expert_id == expert.id,
                Assignment.status == TeamStatus.PROPOSED,
                ExpertiseRequest.state.in_(availability.ACTIVE_MISSION_STATES),
            )
            .options(so.joinedload(ExpertiseRequest.organisation), so.joinedload(ExpertiseRequest.mission))
            .order_by(Assignment.created_at)
        )
    )
