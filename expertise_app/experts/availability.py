"""When an expert is busy, and how loaded they are: the rules the ranking and the team share.

An expert is busy over a period when it overlaps one of their unavailable periods,
or the mission of another request on whose team they are confirmed (its actual
dates once delivered, else its planned ones) unless that request was closed
without a mission (declined, redirected, withdrawn). The ranking of suggestions
ranks busy experts down (experts/ranking.py); confirming one on a team is refused
with the clash named (cases/forms.py). Both read the queries below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date

from ..auth.models import User
from ..cases.models import Assignment, ExpertiseRequest, Mission, TeamStatus
from ..cases.states import Outcome, State
from ..extensions import db
from ..translation import gettext as _
from ..translation import isolated
from .models import ExpertProfile, Unavailability

# Instruments that engage public officials only (DOMAIN.md: TAIEX; a freelancer's complaint failed).
PUBLIC_OFFICIALS_ONLY = ("taiex",)


def public_officials_only(case: ExpertiseRequest) -> bool:
    return case.instrument in PUBLIC_OFFICIALS_ONLY


# Confirmed on one of these, an expert has a mission ahead of them: it counts towards their limit.
ACTIVE_MISSION_STATES = (State.ASSESSED, State.SKILLS_MOBILISED)


def mission_start() -> sa.ColumnElement:
    return sa.func.coalesce(Mission.actual_start, Mission.planned_start)


def mission_end() -> sa.ColumnElement:
    return sa.func.coalesce(Mission.actual_end, Mission.planned_end)


def _mission_goes_ahead() -> sa.ColumnElement[bool]:
    return sa.or_(ExpertiseRequest.outcome.is_(None), ExpertiseRequest.outcome == Outcome.COMPLETED)


def committed_missions(start: date, end: date, exclude_request_id: int | None = None) -> sa.Select:
    """Missions overlapping [start, end] that experts are confirmed on: (expert, request, reference, title, dates)."""
    query = (
        sa.select(
            Assignment.expert_id,
            ExpertiseRequest.id.label("request_id"),
            ExpertiseRequest.reference,
            ExpertiseRequest.title,
            mission_start().label("starts_on"),
            mission_end().label("ends_on"),
        )
        .join(ExpertiseRequest, ExpertiseRequest.id == Assignment.request_id)
        .join(Mission, Mission.request_id == Assignment.request_id)
        .where(
            Assignment.status == TeamStatus.CONFIRMED,
            _mission_goes_ahead(),
            mission_start() <= end,
            mission_end() >= start,
        )
    )
    if exclude_request_id is not None:
        query = query.where(Assignment.request_id != exclude_request_id)
    return query


def unavailable_periods(start: date, end: date) -> sa.Select:
    return sa.select(Unavailability).where(Unavailability.starts_on <= end, Unavailability.ends_on >= start)


def busy_experts(start: date, end: date, exclude_request_id: int | None = None) -> sa.Subquery:
    """One row (`expert_id`) per expert busy at some point of [start, end]."""
    missions = committed_missions(start, end, exclude_request_id).with_only_columns(Assignment.expert_id)
    away = sa.select(Unavailability.user_id).where(Unavailability.starts_on <= end, Unavailability.ends_on >= start)
    return sa.union(missions, away).subquery("busy")


def active_missions() -> sa.Subquery:
    """Per expert, the requests with a mission ahead on whose team they are confirmed (`expert_id`, `missions`)."""
    return (
        sa.select(Assignment.expert_id, sa.func.count().label("missions"))
        .join(ExpertiseRequest, ExpertiseRequest.id == Assignment.request_id)
        .where(Assignment.status == TeamStatus.CONFIRMED, ExpertiseRequest.state.in_(ACTIVE_MISSION_STATES))
        .group_by(Assignment.expert_id)
        .subquery("workload")
    )


@dataclass(frozen=True)
class Clash:
    """Why an expert is not free over a period: another mission, or an unavailable period."""

    expert_id: int
    starts_on: date
    ends_on: date
    reference: str | None = None  # another mission's request
    title: str | None = None
    reason: str = ""  # an unavailable period's

    @property
    def is_mission(self) -> bool:
        return self.reference is not None

    def describe(self) -> str:
        dates = {"start": format_date(self.starts_on), "end": format_date(self.ends_on)}
        if self.is_mission:
            return _(
                "on the mission of %(reference)s “%(title)s” from %(start)s to %(end)s",
                reference=isolated(self.reference),
                title=isolated(self.title),
                **dates,
            )
        if self.reason:
            return _("unavailable from %(start)s to %(end)s (%(reason)s)", reason=self.reason, **dates)
        return _("unavailable from %(start)s to %(end)s", **dates)


def clashes(
    expert_ids: Iterable[int], start: date, end: date, exclude_request_id: int | None = None
) -> dict[int, list[Clash]]:
    """Each expert's clashes with [start, end], in two queries whatever the number of experts."""
    ids = list(expert_ids)
    found: dict[int, list[Clash]] = defaultdict(list)
    if not ids:
        return found
    missions = db.session.execute(
        committed_missions(start, end, exclude_request_id)
        .where(Assignment.expert_id.in_(ids))
        .order_by(mission_start())
    )
    for row in missions:
        found[row.expert_id].append(Clash(row.expert_id, row.starts_on, row.ends_on, row.reference, row.title))
    periods = db.session.scalars(
        unavailable_periods(start, end).where(Unavailability.user_id.in_(ids)).order_by(Unavailability.starts_on)
    )
    for period in periods:
        found[period.user_id].append(Clash(period.user_id, period.starts_on, period.ends_on, reason=period.reason))
    return found


def lock_experts(expert_ids: Iterable[int]) -> None:
    """Hold these experts' profiles until the commit, so that two confirmations of one expert,
    sent at the same moment for two requests, are checked one after the other.

    A no-op UPDATE: a row lock on PostgreSQL, the database's write lock on SQLite.
    """
    ids = sorted(set(expert_ids))
    if ids:
        db.session.execute(
            sa.update(ExpertProfile)
            .where(ExpertProfile.user_id.in_(ids))
            .values(max_concurrent_missions=ExpertProfile.max_concurrent_missions)
            .execution_options(synchronize_session=False)
        )


def missions_ahead(expert_id: int, exclude_request_id: int | None = None) -> int:
    """The requests with a mission ahead on whose team the expert is confirmed."""
    query = (
        sa.select(sa.func.count())
        .select_from(Assignment)
        .join(ExpertiseRequest, ExpertiseRequest.id == Assignment.request_id)
        .where(
            Assignment.expert_id == expert_id,
            Assignment.status == TeamStatus.CONFIRMED,
            ExpertiseRequest.state.in_(ACTIVE_MISSION_STATES),
        )
    )
    if exclude_request_id is not None:
        query = query.where(Assignment.request_id != exclude_request_id)
    return db.session.scalar(query)


def reasons_not_to_confirm(case: ExpertiseRequest, expert: User) -> list[str]:
    """Why `expert` may not be on `case`'s confirmed team for its planned mission; empty if they may.

    The one rule for confirming an expert and for mobilising a confirmed team: an active
    profile, eligible for the instrument, under their limit of missions, free on the dates.
    """
    profile = expert.profile
    if profile is None or not profile.active or not expert.active:
        return [_("%(name)s is deactivated.", name=expert.name)]
    reasons = []
    if public_officials_only(case) and not profile.public_official:
        reasons.append(_("TAIEX engages public officials only, and %(name)s is not one.", name=expert.name))
    ahead = missions_ahead(expert.id, exclude_request_id=case.id)
    if ahead >= profile.max_concurrent_missions:
        reasons.append(
            _(
                "%(name)s already has %(count)d missions ahead, the most their profile allows: "
                "a manager can raise this limit on their profile.",
                name=expert.name,
                count=ahead,
            )
        )
    mission = case.mission
    if mission is not None:
        found = clashes([expert.id], mission.planned_start, mission.planned_end, exclude_request_id=case.id)
        reasons += [
            _("%(name)s is %(clash)s.", name=expert.name, clash=clash.describe()) for clash in found.get(expert.id, [])
        ]
    return reasons
