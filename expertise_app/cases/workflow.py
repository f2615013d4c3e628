"""The workflow of an expertise request, declared once.

`STEPS` is the single source of truth: for every trigger, its sources, its
destination, who may fire it, the form of data it needs, the guards that must
hold, the outcome it closes with and what it writes. The `transitions` machine,
the policy (expertise_app/policy.py), the service (cases/operations.py), the
pages and the history all read it. No code sets `state` by hand.

One machine is built at import time with no model attached; the service fires
its events on a row (`MACHINE.events[trigger].trigger(case, ...)`), which costs
nothing per row and keeps ORM objects off the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from transitions import Machine

from . import effects
from .forms import AssessForm, CloseForm, DeclineForm, DeliverForm, MobiliseForm, StepForm, WithdrawForm
from .models import ExpertiseRequest
from .states import Outcome, State


class Actor(StrEnum):
    """Who stands in which relation to a request. See policy.actors_of()."""

    MANAGER = "manager"
    EXPERT = "expert"  # any ministry expert
    LEAD_EXPERT = "lead_expert"  # the request's lead expert
    TEAM_EXPERT = "team_expert"  # an expert on the request's team
    PARTNER_ORGANISATION = "partner_organisation"  # a partner of the requesting organisation


ROLE_OF_ACTOR = {
    Actor.MANAGER: "manager",
    Actor.EXPERT: "expert",
    Actor.LEAD_EXPERT: "expert",
    Actor.TEAM_EXPERT: "expert",
    Actor.PARTNER_ORGANISATION: "partner",
}

# A guard returns None when the step may go ahead, or the reason it may not.
Guard = Callable[[ExpertiseRequest], str | None]


def mission_is_planned(case: ExpertiseRequest) -> str | None:
    if case.mission is None:
        return _l("No mission has been planned for this request.")
    return None


def team_is_mobilised(case: ExpertiseRequest) -> str | None:
    if not case.assignments:
        return _l("No expert has been mobilised for this request.")
    return None


def report_is_written(case: ExpertiseRequest) -> str | None:
    if case.mission is None or not case.mission.report:
        return _l("The mission report has not been written.")
    return None


@dataclass(frozen=True)
class Step:
    trigger: str
    label: object  # lazy string: the button and history label
    sources: tuple[State, ...]
    dest: State
    actors: tuple[Actor, ...]
    form: type[StepForm]
    effect: Callable
    guards: tuple[Guard, ...] = ()
    outcome: Outcome | None = None
    # The data fields a partner may read in the history; the rest is internal.
    public_fields: tuple[str, ...] = ()
    description: object = ""
    danger: bool = False  # shown as a destructive action

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(ROLE_OF_ACTOR[actor] for actor in self.actors))


STEPS: dict[str, Step] = {
    step.trigger: step
    for step in (
        Step(
            trigger="assess",
            label=_l("Assess"),
            description=_l("Record eligibility, priority and the confirmed field; optionally name a lead expert."),
            sources=(State.SUBMITTED,),
            dest=State.ASSESSED,
            actors=(Actor.EXPERT, Actor.MANAGER),
            form=AssessForm,
            effect=effects.record_assessment,
            public_fields=("field",),
        ),
        Step(
            trigger="decline",
            label=_l("Decline"),
            description=_l("Close the request without a mission. The reason is shown to the partner."),
            sources=(State.SUBMITTED, State.ASSESSED),
            dest=State.CLOSED,
            actors=(Actor.MANAGER,),
            form=DeclineForm,
            effect=effects.record_reason,
            outcome=Outcome.DECLINED,
            public_fields=("reason",),
            danger=True,
        ),
        Step(
            trigger="mobilise",
            label=_l("Mobilise"),
            description=_l("Choose the team and its lead, and plan the mission."),
            sources=(State.ASSESSED,),
            dest=State.SKILLS_MOBILISED,
            actors=(Actor.LEAD_EXPERT, Actor.MANAGER),
            form=MobiliseForm,
            effect=effects.record_mobilisation,
            public_fields=("mission_format", "place", "planned_start", "planned_end"),
        ),
        Step(
            trigger="deliver",
            label=_l("Deliver"),
            description=_l("Record the actual dates, the mission report and the participants reached."),
            sources=(State.SKILLS_MOBILISED,),
            dest=State.MISSION_DELIVERED,
            actors=(Actor.TEAM_EXPERT, Actor.MANAGER),
            form=DeliverForm,
            effect=effects.record_delivery,
            guards=(team_is_mobilised, mission_is_planned),
            public_fields=("actual_start", "actual_end", "participants_reached"),
        ),
        Step(
            trigger="close",
            label=_l("Close"),
            description=_l("Close the completed case with a summary and a follow-up recommendation."),
            sources=(State.MISSION_DELIVERED,),
            dest=State.CLOSED,
            actors=(Actor.LEAD_EXPERT, Actor.MANAGER),
            form=CloseForm,
            effect=effects.record_closure,
            guards=(report_is_written,),
            outcome=Outcome.COMPLETED,
            public_fields=("closing_summary", "follow_up"),
        ),
        Step(
            trigger="withdraw",
            label=_l("Withdraw"),
            description=_l("Withdraw the request. The ministry is told the reason."),
            sources=(State.SUBMITTED, State.ASSESSED, State.SKILLS_MOBILISED),
            dest=State.CLOSED,
            actors=(Actor.PARTNER_ORGANISATION, Actor.MANAGER),
            form=WithdrawForm,
            effect=effects.record_reason,
            outcome=Outcome.WITHDRAWN,
            public_fields=("reason",),
            danger=True,
        ),
    )
}

INITIAL_STATE = State.SUBMITTED

MACHINE = Machine(
    model=None,
    states=[str(state) for state in State],
    initial=None,
    transitions=[
        {
            "trigger": step.trigger,
            "source": [str(source) for source in step.sources],
            "dest": str(step.dest),
            "after": [step.effect],
        }
        for step in STEPS.values()
    ],
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
)
