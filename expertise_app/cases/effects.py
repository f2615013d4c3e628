"""What each action writes on the request besides its state.

These are the machine's `after` callbacks (see cases/workflow.py): `event.kwargs`
holds the validated `data`, the `actor` and the moment `at`. They change objects
(and add the rows an action brings, feedback and ratings) and never flush or commit:
the service and the request own the transaction.
"""

from __future__ import annotations

from typing import Any

from transitions import EventData

from ..auth.models import User
from ..extensions import db
from ..feedback.models import ExpertRating, MissionFeedback
from ..reference import ASSESSMENT_CRITERIA, FEEDBACK_ITEMS
from . import tallies
from .models import Assignment, ExpertiseRequest, Mission, TeamStatus


def _case_and_data(event: EventData) -> tuple[ExpertiseRequest, dict[str, Any]]:
    return event.model, event.kwargs["data"]


def _end_pauses(case: ExpertiseRequest) -> None:
    """A closed request waits for nobody: an open question or a hold ends with it."""
    case.waiting_since = None
    case.question_due_on = None
    case.on_hold_since = None


def record_assessment(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.eligibility_notes = data["eligibility_notes"]
    case.priority = data["priority"]
    case.field = data["field"]
    case.acceptance = data["acceptance"]
    case.checklist = {
        code: {"answer": data[f"check_{code}"], "note": data[f"note_{code}"] or ""}
        for code in ASSESSMENT_CRITERIA.codes
    }
    if data.get("lead_expert"):
        case.lead_expert_id = data["lead_expert"]


def record_decline(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.decline_reason = data["decline_reason"]
    case.decision_reason = data["reason"]
    _end_pauses(case)


def record_redirect(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.redirect_destination = data["destination"]
    case.decision_reason = data["reason"]
    _end_pauses(case)


def record_withdrawal(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.decision_reason = data["reason"]
    _end_pauses(case)


def record_mobilisation(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.lead_expert_id = data["lead_expert"]


def record_plan(event: EventData) -> None:
    """Plan the mission, or re-plan it: the team's confirmations stay (the form checked they are free)."""
    case, data = _case_and_data(event)
    if case.mission is None:
        case.mission = Mission(
            format=data["mission_format"],
            place=data["place"],
            planned_start=data["planned_start"],
            planned_end=data["planned_end"],
        )
        return
    case.mission.format = data["mission_format"]
    case.mission.place = data["place"]
    case.mission.planned_start = data["planned_start"]
    case.mission.planned_end = data["planned_end"]


def _propose(case: ExpertiseRequest, expert_id: int, actor: User, at) -> None:
    """A new proposal, or a fresh one for an expert withdrawn earlier (their earlier answer is cleared)."""
    member = case.membership(expert_id)
    if member is None:
        member = Assignment(expert_id=expert_id)
        case.assignments.append(member)
    member.status = TeamStatus.PROPOSED
    member.proposed_by_id = actor.id
    member.created_at = at
    member.answered_at = None
    member.declared_interests = None
    member.decline_reason = None
    member.confirmed_at = None


def record_proposal(event: EventData) -> None:
    case, data = _case_and_data(event)
    for expert_id in data["experts"]:
        _propose(case, expert_id, event.kwargs["actor"], event.kwargs["at"])


def _own_proposal(event: EventData) -> Assignment:
    case, _data = _case_and_data(event)
    return case.membership(event.kwargs["actor"].id)


def record_acceptance(event: EventData) -> None:
    member = _own_proposal(event)
    member.status = TeamStatus.ACCEPTED
    member.answered_at = event.kwargs["at"]
    member.declared_interests = event.kwargs["data"]["declared_interests"] or ""


def record_refusal(event: EventData) -> None:
    member = _own_proposal(event)
    member.status = TeamStatus.DECLINED
    member.answered_at = event.kwargs["at"]
    member.decline_reason = event.kwargs["data"]["reason"]


def record_confirmation(event: EventData) -> None:
    case, data = _case_and_data(event)
    member = case.membership(data["expert"])
    member.status = TeamStatus.CONFIRMED
    member.confirmed_at = event.kwargs["at"]


def record_proposal_withdrawal(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.membership(data["expert"]).status = TeamStatus.WITHDRAWN


def record_replacement(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.membership(data["expert"]).status = TeamStatus.WITHDRAWN
    _propose(case, data["replacement"], event.kwargs["actor"], event.kwargs["at"])


def record_delivery(event: EventData) -> None:
    case, data = _case_and_data(event)
    mission = case.mission
    mission.actual_start = data["actual_start"]
    mission.actual_end = data["actual_end"]
    mission.report = data["report"]
    mission.participants_reached = data["participants_reached"]


def record_closure(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.closing_summary = data["closing_summary"]
    case.follow_up = data["follow_up"]


def record_lead(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.lead_expert_id = data["lead_expert"]


def record_taken(event: EventData) -> None:
    """The expert who takes an unassigned request on becomes its lead."""
    event.model.lead_expert_id = event.kwargs["actor"].id


def record_question(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.waiting_since = event.kwargs["at"]
    case.question_due_on = data["due_on"]


def record_end_of_question(event: EventData) -> None:
    """Answered, or withdrawn by the ministry: the case no longer waits for the partner."""
    case, _data = _case_and_data(event)
    case.waiting_since = None
    case.question_due_on = None


def record_hold(event: EventData) -> None:
    case, _data = _case_and_data(event)
    case.on_hold_since = event.kwargs["at"]


def record_resume(event: EventData) -> None:
    case, _data = _case_and_data(event)
    case.on_hold_since = None


def record_edit(event: EventData) -> None:
    case, data = _case_and_data(event)
    for name, value in data.items():
        setattr(case, name, value)


def record_nothing(event: EventData) -> None:
    """A message or a note changes nothing on the request: the history entry is all there is of it."""


def record_feedback(event: EventData) -> None:
    case, data = _case_and_data(event)
    scores = {code: int(data[f"score_{code}"]) for code in FEEDBACK_ITEMS.codes}
    tallies.keep_feedback(case.submitted_at, scores)
    db.session.add(
        MissionFeedback(
            request_id=case.id,
            author_id=event.kwargs["actor"].id,
            comments=data["comments"] or None,
            created_at=event.kwargs["at"],
            **scores,
        )
    )


def record_rating(event: EventData) -> None:
    case, data = _case_and_data(event)
    db.session.add(
        ExpertRating(
            request_id=case.id,
            expert_id=data["expert"],
            author_id=event.kwargs["actor"].id,
            score=int(data["score"]),
            comment=data["comment"] or None,
            created_at=event.kwargs["at"],
        )
    )
