"""Service levels: the date by which each step of a request should be done, in working days,
with the clock stopped while the request waits for the partner or is on hold.

The targets are configuration (`SERVICE_LEVELS` in config.py, each settable from the environment):
- submitted: assessed within `assessment_working_days` of submission;
- assessed: the team mobilised `team_days_before_mission` days before the mission starts (the
  planned start, else the start of the period the partner asked for);
- skills_mobilised: the mission delivered, with its report, within `report_working_days` of
  the mission's planned end;
- mission_delivered: closed within `closure_working_days` of the delivery.

The write path keeps three things on the request (cases/operations.py calls `keep` after every
action and at filing): `due_on`, the date the current step is due; `paused_working_days`, the
working days the current step's clock has been stopped; and one `CaseStep` row for every step
left, with its working days pauses left out, which the overview's lead times read. Targets
counted from a date of the request are moved on by the pauses; the team's target is tied to the
mission's date and is not. Working days are Monday to Friday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from ..extensions import db
from . import facts
from .models import CaseStep, ExpertiseRequest
from .states import State

SOON_WORKING_DAYS = 3  # "due soon": at most this many working days ahead


def targets() -> dict[str, int]:
    return current_app.config["SERVICE_LEVELS"]


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def working_days_between(start: date, end: date) -> int:
    """The working days after `start` up to and including `end` (0 if `end` is not after `start`)."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    return weeks * 5 + sum(1 for offset in range(1, rest + 1) if is_working_day(start + timedelta(days=offset)))


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start`."""
    if days <= 0:
        return start
    # Counting from a Saturday or a Sunday is counting from the Friday before.
    start -= timedelta(days=max(start.weekday() - 4, 0))
    weeks, rest = divmod(days, 5)
    day = start + timedelta(weeks=weeks)
    while rest:
        day += timedelta(days=1)
        if is_working_day(day):
            rest -= 1
    return day


def due_soon_until(today: date) -> date:
    """The last due date still "due soon" today."""
    return add_working_days(today, SOON_WORKING_DAYS)


def clock_stopped_since(case: ExpertiseRequest) -> datetime | None:
    """Since when the request's clock is stopped (it waits for the partner, or is held), if it is."""
    pauses = [moment for moment in (case.waiting_since, case.on_hold_since) if moment is not None]
    return min(pauses) if pauses else None


# The steps with a target, in the order a request goes through them (`due_on` says when each is due).
STEPS_WITH_TARGETS = (State.SUBMITTED, State.ASSESSED, State.SKILLS_MOBILISED, State.MISSION_DELIVERED)

# The steps whose target moves on by the working days the clock stood still; the team's is tied to the
# mission's date, which a pause does not move.
TARGET_MOVED_BY_PAUSES = frozenset({State.SUBMITTED, State.SKILLS_MOBILISED, State.MISSION_DELIVERED})


def due_on(case: ExpertiseRequest, paused: int, levels: dict[str, int] | None = None) -> date | None:
    """When the request's current step is due, given `paused` working days of stopped clock."""
    levels = levels or targets()
    entered = case.state_entered_at.date()
    if case.state == State.SUBMITTED:
        return add_working_days(entered, levels["assessment_working_days"] + paused)
    if case.state == State.ASSESSED:
        start = case.mission.planned_start if case.mission else case.period_start
        return start - timedelta(days=levels["team_days_before_mission"])
    if case.state == State.SKILLS_MOBILISED:
        end = case.mission.planned_end if case.mission else case.period_end
        return add_working_days(end, levels["report_working_days"] + paused)
    if case.state == State.MISSION_DELIVERED:
        return add_working_days(entered, levels["closure_working_days"] + paused)
    return None


def keep(case: ExpertiseRequest, before: Before | None, at: datetime) -> None:
    """After an action (`before`: the request as it was) or the filing (None): count the pause that
    ended, record the step that was left, date the step the request is in now, and keep the
    request's facts for the overview."""
    stopped_before = before.clock_stopped_since if before else None
    ended_pause = paused_since(stopped_before, clock_stopped_since(case), at)
    case.paused_working_days = (case.paused_working_days or 0) + ended_pause  # a new request has none yet
    step = None
    if before is not None and before.state != case.state:
        step = step_left(case, before, case.paused_working_days, at)
        db.session.add(step)
        case.paused_working_days = 0
    with db.session.no_autoflush:  # reading the mission or the facts must not write the half-changed request early
        case.due_on = due_on(case, case.paused_working_days)
        facts.keep(case, step)


def paused_since(stopped_before: datetime | None, stopped_now: datetime | None, at: datetime) -> int:
    """The working days of stopped clock an action at `at` ends: the clock runs again, or is now
    stopped by a pause that began later (two pauses at once stop it once)."""
    counted_until = at if stopped_now is None else stopped_now
    if stopped_before is None or counted_until <= stopped_before:
        return 0
    return working_days_between(stopped_before.date(), counted_until.date())


def worked_days(entered_at: datetime, left_at: datetime, paused: int) -> int:
    """The working days a step took, its pauses left out."""
    return max(working_days_between(entered_at.date(), left_at.date()) - paused, 0)


@dataclass(frozen=True)
class Before:
    """What `keep` needs of the request as it was before an action."""

    state: str
    state_entered_at: datetime
    clock_stopped_since: datetime | None

    @classmethod
    def of(cls, case: ExpertiseRequest) -> Before:
        return cls(case.state, case.state_entered_at, clock_stopped_since(case))


def step_left(case: ExpertiseRequest, before: Before, paused: int, left_at: datetime) -> CaseStep:
    """The step `case` has just left, its working days pauses left out."""
    entered_at = before.state_entered_at
    return CaseStep(
        request_id=case.id,
        state=before.state,
        entered_at=entered_at,
        left_at=left_at,
        working_days=worked_days(entered_at, left_at, paused),
        paused_days=paused,
    )
