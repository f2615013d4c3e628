"""What each transition writes on the request besides its state.

These are the machine's `after` callbacks (see cases/workflow.py). They change
objects and never commit: the service owns the transaction.
"""

from __future__ import annotations

from typing import Any

from transitions import EventData

from .models import Assignment, ExpertiseRequest, Mission


def _case_and_data(event: EventData) -> tuple[ExpertiseRequest, dict[str, Any]]:
    return event.model, event.kwargs["data"]


def record_assessment(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.eligibility_notes = data["eligibility_notes"]
    case.priority = data["priority"]
    case.field = data["field"]
    if data.get("lead_expert"):
        case.lead_expert_id = data["lead_expert"]


def record_reason(event: EventData) -> None:
    case, data = _case_and_data(event)
    case.decision_reason = data["reason"]


def record_mobilisation(event: EventData) -> None:
    case, data = _case_and_data(event)
    wanted = list(dict.fromkeys(data["team"]))
    case.assignments = [a for a in case.assignments if a.expert_id in wanted]
    present = case.team_ids
    case.assignments.extend(Assignment(expert_id=expert_id) for expert_id in wanted if expert_id not in present)
    case.lead_expert_id = data["lead_expert"]
    case.mission = Mission(
        format=data["mission_format"],
        place=data["place"],
        planned_start=data["planned_start"],
        planned_end=data["planned_end"],
    )


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
