"""Every action on an expertise request, declared once.

`ACTIONS` is the single source of truth for every change to a case: the state
transitions (assess, decline, redirect, mobilise, deliver, close, withdraw) and
the actions that keep the state (assign the lead, ask the partner, answer, hold,
resume, edit, …). For each one it states where it is available, who may perform
it, the form of data it needs, the guards that must hold, what it writes, which
of its data a partner may read in the history, and whom it concerns (which the
notifications read). The `transitions` machine, the policy (expertise_app/policy.py),
the one service (cases/operations.perform), the pages, the API, the history and
the docs all read it. No code sets `state` by hand.

One machine is built at import time with no model attached; the service fires
its events on a row (`MACHINE.events[name].trigger(case, ...)`), which costs
nothing per row and keeps ORM objects off the machine. Actions that keep the
state are internal transitions (`dest=None`): their callbacks run, the state stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import format_date
from transitions import Machine

from ..extensions import db
from ..feedback.models import MissionFeedback
from ..translation import lazy_gettext as _l
from . import effects
from .forms import (
    FEEDBACK_FIELDS,
    AcceptProposalForm,
    ActionForm,
    AnswerForm,
    AskPartnerForm,
    AssessForm,
    AssignLeadForm,
    CancelQuestionForm,
    CloseForm,
    ConfirmExpertForm,
    DeclineForm,
    DeclineProposalForm,
    DeliverForm,
    EditRequestForm,
    GiveFeedbackForm,
    HandOverLeadForm,
    HoldForm,
    MessageForm,
    MobiliseForm,
    NoteForm,
    PlanMissionForm,
    ProposeExpertsForm,
    RateExpertForm,
    RedirectForm,
    RemoveFromTeamForm,
    ReplaceExpertForm,
    ResumeForm,
    TakeForm,
    WithdrawForm,
    WithdrawProposalForm,
    next_leads,
    removable,
    unrated_team,
    withdrawable,
)
from .models import ExpertiseRequest, TeamStatus
from .states import OPEN_STATES, Outcome, State


class Actor(StrEnum):
    """Who stands in which relation to a request. See policy.actors_of()."""

    MANAGER = "manager"
    EXPERT = "expert"  # any ministry expert
    LEAD_EXPERT = "lead_expert"  # the request's lead expert
    TEAM_EXPERT = "team_expert"  # an expert confirmed on the request's team
    PROPOSED_EXPERT = "proposed_expert"  # an expert proposed for the team who has not answered yet
    PARTNER_ORGANISATION = "partner_organisation"  # a partner of the requesting organisation


class Audience(StrEnum):
    """Whom an action concerns: the people the notifications will tell."""

    PARTNER_ORGANISATION = "partner_organisation"
    LEAD = "lead"
    TEAM = "team"
    MANAGERS = "managers"
    NAMED_EXPERTS = "named_experts"  # the experts the action's data names (proposed, confirmed, withdrawn)


ROLE_OF_ACTOR = {
    Actor.MANAGER: "manager",
    Actor.EXPERT: "expert",
    Actor.LEAD_EXPERT: "expert",
    Actor.TEAM_EXPERT: "expert",
    Actor.PROPOSED_EXPERT: "expert",
    Actor.PARTNER_ORGANISATION: "partner",
}

STAFF = (Actor.EXPERT, Actor.MANAGER)
MINISTRY = (Audience.LEAD, Audience.TEAM, Audience.MANAGERS)
EVERYONE = (Audience.PARTNER_ORGANISATION, *MINISTRY)
BEFORE_DELIVERY = (State.SUBMITTED, State.ASSESSED, State.SKILLS_MOBILISED)
BEFORE_MOBILISATION = (State.SUBMITTED, State.ASSESSED)
AFTER_MOBILISATION = (State.SKILLS_MOBILISED, State.MISSION_DELIVERED)  # open, with the team the partner reads
AFTER_DELIVERY = (State.MISSION_DELIVERED, State.CLOSED)
TEAM_STATES = (State.ASSESSED, State.SKILLS_MOBILISED)  # while the team is built, and completed
LEAD_OR_MANAGER = (Actor.LEAD_EXPERT, Actor.MANAGER)
MISSION_PLAN = ("mission_format", "place", "planned_start", "planned_end")  # what a partner reads of a plan

# --- guards: None when the action may go ahead, else the reason it may not ------------------

Guard = Callable[[ExpertiseRequest], str | None]


def mission_is_planned(case: ExpertiseRequest) -> str | None:
    if case.mission is None:
        return _l("No mission has been planned for this request.")
    return None


def team_is_mobilised(case: ExpertiseRequest) -> str | None:
    if not case.confirmed:
        return _l("No expert has been mobilised for this request.")
    return None


def team_is_confirmed(case: ExpertiseRequest) -> str | None:
    if not case.confirmed:
        return _l("No expert of the team is confirmed yet: propose experts, and confirm those who accept.")
    return None


def mission_is_planned_first(case: ExpertiseRequest) -> str | None:
    if case.mission is None:
        return _l("Plan the mission first (format, place and dates): the team is confirmed for those dates.")
    return None


def someone_accepted(case: ExpertiseRequest) -> str | None:
    if not any(member.status == TeamStatus.ACCEPTED for member in case.assignments):
        return _l("No proposed expert has accepted yet.")
    return None


def someone_declined(case: ExpertiseRequest) -> str | None:
    if not any(member.status == TeamStatus.DECLINED for member in case.assignments):
        return _l("No proposed expert has declined.")
    return None


def first_declined(case: ExpertiseRequest) -> dict[str, Any]:
    """The suggestions page, set to replace the first expert who declined."""
    declined = next((m for m in case.assignments if m.status == TeamStatus.DECLINED), None)
    return {"replace": declined.expert_id} if declined else {}


def someone_withdrawable(case: ExpertiseRequest) -> str | None:
    """Someone whose proposal may be withdrawn (forms.withdrawable): not the lead, nor, once the team is
    mobilised, one of its confirmed members."""
    if withdrawable(case):
        return None
    if case.state == State.SKILLS_MOBILISED:
        return _l(
            "Nobody is proposed besides the mobilised team: a member of it leaves through “Remove from the team”."
        )
    return _l("Nobody but the lead expert is proposed for the team.")


def someone_removable(case: ExpertiseRequest) -> str | None:
    if not removable(case):
        return _l("Nobody but the lead expert is confirmed on the team.")
    return None


def someone_to_lead(case: ExpertiseRequest) -> str | None:
    if not next_leads(case):
        return _l(
            "Nobody else on the team can take the lead: add an expert to the team first "
            "(a confirmed member whose account is active)."
        )
    return None


def report_is_written(case: ExpertiseRequest) -> str | None:
    if case.mission is None or not case.mission.report:
        return _l("The mission report has not been written.")
    return None


def mission_took_place(case: ExpertiseRequest) -> str | None:
    """Feedback is on a mission delivered: not on a request declined, redirected or withdrawn."""
    if case.mission is None or case.mission.actual_start is None:
        return _l("No mission took place for this request.")
    return None


def no_feedback_yet(case: ExpertiseRequest) -> str | None:
    if db.session.get(MissionFeedback, case.id) is not None:
        return _l("Your organisation has already given its feedback on this mission.")
    return None


def someone_to_rate(case: ExpertiseRequest) -> str | None:
    if not unrated_team(case):
        return _l("Every expert of the team has been rated.")
    return None


def not_held(case: ExpertiseRequest) -> str | None:
    """Nothing moves on a request on hold, its team included (waiting for the partner, the team is built)."""
    if case.is_on_hold:
        return _l("The request is on hold: a manager must resume it first.")
    return None


def not_paused(case: ExpertiseRequest) -> str | None:
    """The request moves on only when it waits for nobody."""
    if case.is_on_hold:
        return not_held(case)
    if case.is_waiting_for_partner:
        return _l(
            "The request is waiting for the partner's answer (due %(date)s). "
            "Wait for the answer, or withdraw the question.",
            date=format_date(case.question_due_on) if case.question_due_on else "—",
        )
    return None


def no_open_question(case: ExpertiseRequest) -> str | None:
    if case.is_waiting_for_partner:
        return _l("A question to the partner is already open: one at a time.")
    return None


def question_is_open(case: ExpertiseRequest) -> str | None:
    if not case.is_waiting_for_partner:
        return _l("No question to the partner is open.")
    return None


def not_on_hold(case: ExpertiseRequest) -> str | None:
    if case.is_on_hold:
        return _l("The request is already on hold.")
    return None


def on_hold(case: ExpertiseRequest) -> str | None:
    if not case.is_on_hold:
        return _l("The request is not on hold.")
    return None


def no_lead_yet(case: ExpertiseRequest) -> str | None:
    if case.lead_expert_id is not None:
        return _l("This request already has a lead expert.")
    return None


# --- what goes into the history event -------------------------------------------------------


def json_ready(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def all_values(case: ExpertiseRequest, values: dict[str, Any]) -> dict[str, Any]:
    return {name: json_ready(value) for name, value in values.items()}


def _differs(old: Any, new: Any) -> bool:
    """A list of codes is the same whatever its order (working languages ticked in another order)."""
    if isinstance(old, list) and isinstance(new, list):
        return sorted(map(str, old)) != sorted(map(str, new))
    return old != new


def _recorded_plan(mission) -> dict[str, Any]:
    """The mission's plan as its history entries record it (MISSION_PLAN: the plan form's names)."""
    return {
        "mission_format": mission.format,
        "place": mission.place,
        "planned_start": json_ready(mission.planned_start),
        "planned_end": json_ready(mission.planned_end),
    }


def with_mission(case: ExpertiseRequest, values: dict[str, Any]) -> dict[str, Any]:
    """The mobilisation's data and the planned mission it goes ahead with, as the partner reads it."""
    return {**all_values(case, values), **_recorded_plan(case.mission)}


def new_plan(case: ExpertiseRequest, values: dict[str, Any]) -> dict[str, Any] | None:
    """The whole plan, as the partner reads it, when it differs from the mission's; None when it does not
    (the partner is not told that their mission moved when it did not)."""
    sent = all_values(case, values)
    unchanged = case.mission is not None and _recorded_plan(case.mission) == {name: sent[name] for name in MISSION_PLAN}
    return None if unchanged else sent


def changed_values(case: ExpertiseRequest, values: dict[str, Any]) -> dict[str, Any] | None:
    """Each changed field with its old and new value; None when nothing changed."""
    changes = {
        name: {"from": json_ready(getattr(case, name)), "to": json_ready(value)}
        for name, value in values.items()
        if _differs(getattr(case, name), value)
    }
    return {"changes": changes} if changes else None


# --- the declaration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    name: str
    label: object  # lazy string: the button
    sources: tuple[State, ...]  # the states in which it is available
    dest: State | None  # None: the state stays (an internal transition)
    actors: tuple[Actor, ...]
    form: type[ActionForm]
    effect: Callable
    concerns: tuple[Audience, ...]
    guards: tuple[Guard, ...] = ()
    outcome: Outcome | None = None
    # The data fields a partner may read in the history; None: partners never see the entry.
    public_fields: tuple[str, ...] | None = ()
    # What the history event keeps of the validated data (None from it: nothing to do).
    record: Callable[[ExpertiseRequest, dict[str, Any]], dict[str, Any] | None] = all_values
    history_label: object = None  # the history's title for it (default: the label)
    description: object = ""
    done: object = None  # the confirmation shown once it is done
    danger: bool = False  # closes the request: asked on a page of its own, to confirm
    expanded: bool = False  # shown open on the request page: it is what the case waits for
    partial: bool = False  # through the API, fields left out keep their value
    page: str | None = None  # the endpoint of the page where it is done, when not on the request page
    page_args: Callable[[ExpertiseRequest], dict[str, Any]] | None = None  # that page's query arguments
    # A step people look for: when a guard holds it back from someone who may take it, the page says why.
    say_why_not: bool = False

    @property
    def changes_state(self) -> bool:
        return self.dest is not None

    @property
    def internal(self) -> bool:
        """Whether its history entry is the ministry's own: partners never see it."""
        return self.public_fields is None

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(ROLE_OF_ACTOR[actor] for actor in self.actors))

    @property
    def has_own_page(self) -> bool:
        """Actions that close a request are confirmed on a page of their own; so is the edit form."""
        return self.danger or self.partial or self.page is not None

    @property
    def title(self) -> str:
        return str(self.history_label or self.label)

    @property
    def schema_name(self) -> str:
        """The name of its body in the OpenAPI document: `AskPartnerAction`."""
        return "".join(part.title() for part in self.name.split("_")) + "Action"


FORWARD = (not_paused,)

ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        # --- transitions --------------------------------------------------------------------
        Action(
            name="assess",
            label=_l("Assess"),
            history_label=_l("Assessed"),
            description=_l("Go through the checklist, decide how the request is accepted and set its priority."),
            done=_l("The request is assessed."),
            sources=(State.SUBMITTED,),
            dest=State.ASSESSED,
            actors=STAFF,
            form=AssessForm,
            effect=effects.record_assessment,
            guards=FORWARD,
            public_fields=("field", "acceptance", "reformulation"),
            concerns=EVERYONE,
        ),
        Action(
            name="decline",
            label=_l("Decline"),
            history_label=_l("Declined"),
            description=_l("Close the request without a mission. The partner is shown the reason."),
            done=_l("The request is declined and closed."),
            sources=BEFORE_MOBILISATION,
            dest=State.CLOSED,
            actors=(Actor.MANAGER,),
            form=DeclineForm,
            effect=effects.record_decline,
            outcome=Outcome.DECLINED,
            public_fields=("decline_reason", "reason"),
            concerns=EVERYONE,
            danger=True,
        ),
        Action(
            name="redirect",
            label=_l("Redirect"),
            history_label=_l("Redirected"),
            description=_l(
                "Close the request and send the partner to a better-suited instrument or body. "
                "The partner is shown where, and why."
            ),
            done=_l("The request is redirected and closed."),
            sources=BEFORE_MOBILISATION,
            dest=State.CLOSED,
            actors=(Actor.MANAGER,),
            form=RedirectForm,
            effect=effects.record_redirect,
            outcome=Outcome.REDIRECTED,
            public_fields=("destination", "destination_detail", "reason"),
            concerns=EVERYONE,
            danger=True,
        ),
        Action(
            name="mobilise",
            label=_l("Mobilise"),
            history_label=_l("Team mobilised"),
            description=_l("The team is confirmed and the mission planned: the mission goes ahead with them."),
            done=_l("The team is mobilised."),
            sources=(State.ASSESSED,),
            dest=State.SKILLS_MOBILISED,
            actors=LEAD_OR_MANAGER,
            form=MobiliseForm,
            effect=effects.record_mobilisation,
            guards=(*FORWARD, mission_is_planned_first, team_is_confirmed),
            record=with_mission,
            public_fields=MISSION_PLAN,
            concerns=EVERYONE,
        ),
        Action(
            name="deliver",
            label=_l("Deliver"),
            history_label=_l("Mission delivered"),
            description=_l("Record the actual dates, the mission report and the participants reached."),
            done=_l("The mission is recorded as delivered."),
            sources=(State.SKILLS_MOBILISED,),
            dest=State.MISSION_DELIVERED,
            actors=(Actor.TEAM_EXPERT, Actor.MANAGER),
            form=DeliverForm,
            effect=effects.record_delivery,
            guards=(*FORWARD, team_is_mobilised, mission_is_planned),
            public_fields=("actual_start", "actual_end", "participants_reached"),
            concerns=EVERYONE,
        ),
        Action(
            name="close",
            label=_l("Close"),
            history_label=_l("Closed"),
            description=_l("Close the completed case with a summary and a follow-up recommendation."),
            done=_l("The case is closed as completed."),
            sources=(State.MISSION_DELIVERED,),
            dest=State.CLOSED,
            actors=(Actor.LEAD_EXPERT, Actor.MANAGER),
            form=CloseForm,
            effect=effects.record_closure,
            guards=(*FORWARD, report_is_written),
            outcome=Outcome.COMPLETED,
            public_fields=("closing_summary", "follow_up"),
            concerns=EVERYONE,
        ),
        Action(
            name="withdraw",
            label=_l("Withdraw the request"),
            history_label=_l("Withdrawn"),
            description=_l(
                "The request is closed for good: the ministry stops working on it and it cannot be reopened. "
                "The ministry is told your reason."
            ),
            done=_l("The request is withdrawn and closed."),
            sources=BEFORE_DELIVERY,
            dest=State.CLOSED,
            actors=(Actor.PARTNER_ORGANISATION, Actor.MANAGER),
            form=WithdrawForm,
            effect=effects.record_withdrawal,
            outcome=Outcome.WITHDRAWN,
            public_fields=("reason",),
            concerns=EVERYONE,
            danger=True,
        ),
        # --- actions that keep the state ------------------------------------------------------
        Action(
            name="take",
            label=_l("Take this request"),
            history_label=_l("Request taken on"),
            description=_l("You become its lead expert: you assess it, mobilise the team and close it."),
            done=_l("You are now the lead expert of this request."),
            sources=BEFORE_MOBILISATION,
            dest=None,
            actors=(Actor.EXPERT,),
            form=TakeForm,
            guards=(no_lead_yet,),
            effect=effects.record_taken,
            public_fields=None,
            concerns=MINISTRY,
        ),
        Action(
            name="assign_lead",
            label=_l("Assign the lead expert"),
            history_label=_l("Lead expert assigned"),
            description=_l("The lead expert takes the case on: mobilises the team and closes the case."),
            done=_l("The lead expert has been assigned."),
            sources=BEFORE_MOBILISATION,
            dest=None,
            actors=(Actor.MANAGER,),
            form=AssignLeadForm,
            effect=effects.record_lead,
            public_fields=None,  # the team is a draft until the mobilisation tells the partner who comes
            concerns=MINISTRY,
        ),
        Action(
            name="hand_over_lead",
            label=_l("Hand over the lead"),
            history_label=_l("Lead expert changed"),
            description=_l(
                "Another confirmed member of the team leads the mission from now on and closes the case: "
                "the partner and the team are told."
            ),
            done=_l("The lead is handed over; the partner and the team are told."),
            sources=AFTER_MOBILISATION,
            dest=None,
            actors=(Actor.MANAGER,),
            form=HandOverLeadForm,
            effect=effects.record_lead,
            guards=(not_held, someone_to_lead),
            public_fields=("lead_expert",),  # the partner hosts the mission and reads who leads it
            concerns=EVERYONE,
            say_why_not=True,
        ),
        Action(
            name="ask_partner",
            label=_l("Ask the partner"),
            history_label=_l("Question to the partner"),
            description=_l(
                "Ask for a document or a precision by a date. The case waits for the partner "
                "(its clock stops) until they answer."
            ),
            done=_l("The question has been sent; the case now waits for the partner."),
            sources=OPEN_STATES,
            dest=None,
            actors=STAFF,
            form=AskPartnerForm,
            effect=effects.record_question,
            guards=(no_open_question,),
            public_fields=("question", "due_on"),
            concerns=(Audience.PARTNER_ORGANISATION, Audience.LEAD),
        ),
        Action(
            name="answer",
            label=_l("Answer the ministry"),
            history_label=_l("Answer from the partner"),
            description=_l("The ministry is waiting for this answer to go on with your request."),
            done=_l("Your answer has been sent to the ministry."),
            sources=OPEN_STATES,
            dest=None,
            actors=(Actor.PARTNER_ORGANISATION,),
            form=AnswerForm,
            effect=effects.record_end_of_question,
            guards=(question_is_open,),
            public_fields=("answer",),
            concerns=MINISTRY,
            expanded=True,
        ),
        Action(
            name="cancel_question",
            label=_l("Withdraw the question"),
            history_label=_l("Question withdrawn"),
            description=_l("The case stops waiting for the partner, for example when the answer came by letter."),
            done=_l("The question is withdrawn; the case no longer waits for the partner."),
            sources=OPEN_STATES,
            dest=None,
            actors=STAFF,
            form=CancelQuestionForm,
            effect=effects.record_end_of_question,
            guards=(question_is_open,),
            public_fields=("reason",),
            concerns=(Audience.PARTNER_ORGANISATION, Audience.LEAD),
        ),
        Action(
            name="hold",
            label=_l("Put on hold"),
            history_label=_l("Put on hold"),
            description=_l("Nothing moves until a manager resumes the case; its clock stops meanwhile."),
            done=_l("The case is on hold."),
            sources=OPEN_STATES,
            dest=None,
            actors=(Actor.MANAGER,),
            form=HoldForm,
            effect=effects.record_hold,
            guards=(not_on_hold,),
            public_fields=("reason",),
            concerns=EVERYONE,
        ),
        Action(
            name="resume",
            label=_l("Resume"),
            history_label=_l("Resumed"),
            description=_l("The case goes on from where it was put on hold."),
            done=_l("The case has resumed."),
            sources=OPEN_STATES,
            dest=None,
            actors=(Actor.MANAGER,),
            form=ResumeForm,
            effect=effects.record_resume,
            guards=(on_hold,),
            public_fields=("note",),
            concerns=EVERYONE,
        ),
        Action(
            name="edit",
            label=_l("Edit the request"),
            history_label=_l("Request edited"),
            description=_l("Until the ministry has assessed it, you can correct or complete your request."),
            done=_l("Your changes are saved."),
            sources=(State.SUBMITTED,),
            dest=None,
            actors=(Actor.PARTNER_ORGANISATION,),
            form=EditRequestForm,
            effect=effects.record_edit,
            record=changed_values,
            public_fields=("changes",),
            concerns=(Audience.LEAD, Audience.MANAGERS),
            partial=True,
        ),
        # --- writing to each other ------------------------------------------------------------------
        Action(
            name="post_message",
            label=_l("Write a message"),
            history_label=_l("Message"),
            description=_l("A message on the request, read by the requesting organisation and the ministry."),
            done=_l("Your message is posted."),
            sources=tuple(State),
            dest=None,
            actors=(Actor.PARTNER_ORGANISATION, *STAFF),
            form=MessageForm,
            effect=effects.record_nothing,
            public_fields=("body",),
            concerns=EVERYONE,
        ),
        Action(
            name="post_note",
            label=_l("Add an internal note"),
            history_label=_l("Internal note"),
            description=_l("For the ministry's staff only: the partner never sees it."),
            done=_l("The internal note is added."),
            sources=tuple(State),
            dest=None,
            actors=STAFF,
            form=NoteForm,
            effect=effects.record_nothing,
            public_fields=None,
            concerns=MINISTRY,
        ),
        # --- the team and the mission plan (DOMAIN.md, "Expert mobilisation") --------------------
        Action(
            name="plan_mission",
            label=_l("Plan the mission"),
            history_label=_l("Mission planned"),
            description=_l(
                "Format, place and dates. The team is confirmed for these dates; "
                "changing them later keeps the confirmations, if the team is free."
            ),
            done=_l("The mission plan is saved."),
            sources=(State.ASSESSED,),
            dest=None,
            actors=LEAD_OR_MANAGER,
            form=PlanMissionForm,
            effect=effects.record_plan,
            guards=(not_held,),
            public_fields=None,  # a draft until the mobilisation, which tells the partner the plan
            concerns=MINISTRY,
        ),
        Action(
            name="replan_mission",
            label=_l("Change the mission plan"),
            history_label=_l("Mission plan changed"),
            description=_l(
                "Another format, place or dates for the mobilised team: the partner and the team are told. "
                "The confirmations stay, if every member is free on the new dates."
            ),
            done=_l("The new mission plan is saved; the partner and the team are told."),
            sources=(State.SKILLS_MOBILISED,),
            dest=None,
            actors=LEAD_OR_MANAGER,
            form=PlanMissionForm,
            effect=effects.record_plan,
            guards=(not_held,),
            record=new_plan,
            public_fields=MISSION_PLAN,  # the partner hosts the mission: the plan they were told has moved
            concerns=EVERYONE,
        ),
        Action(
            name="propose_experts",
            label=_l("Propose experts"),
            history_label=_l("Experts proposed"),
            description=_l("Ask experts whether they will join the team; each one accepts or declines."),
            done=_l("The experts are proposed; each one is asked to accept or decline."),
            sources=TEAM_STATES,
            dest=None,
            actors=LEAD_OR_MANAGER,
            form=ProposeExpertsForm,
            effect=effects.record_proposal,
            guards=(not_held,),
            public_fields=None,
            concerns=(Audience.NAMED_EXPERTS, Audience.LEAD),
            page="experts.suggestions",
        ),
        Action(
            name="accept_proposal",
            label=_l("Accept"),
            history_label=_l("Proposal accepted"),
            description=_l("Join the team, with your conflict-of-interest declaration."),
            done=_l("You have accepted; the lead expert can now confirm you."),
            sources=TEAM_STATES,
            dest=None,
            actors=(Actor.PROPOSED_EXPERT,),
            form=AcceptProposalForm,
            effect=effects.record_acceptance,
            guards=(not_held,),
            public_fields=None,
            concerns=(Audience.LEAD, Audience.MANAGERS),
            expanded=True,
        ),
        Action(
            name="decline_proposal",
            label=_l("Decline"),
            history_label=_l("Proposal declined"),
            description=_l("You cannot join this team: say why, so that the lead can replace you."),
            done=_l("You have declined; the lead expert is told."),
            sources=TEAM_STATES,
            dest=None,
            actors=(Actor.PROPOSED_EXPERT,),
            form=DeclineProposalForm,
            effect=effects.record_refusal,
            guards=(not_held,),
            public_fields=None,
            concerns=(Audience.LEAD, Audience.MANAGERS),
        ),
        Action(
            name="confirm_expert",
            label=_l("Confirm an expert"),
            history_label=_l("Expert confirmed"),
            description=_l(
                "An expert who accepted joins the team for the planned dates, "
                "if they are free then and may go on this mission."
            ),
            done=_l("The expert is confirmed on the team."),
            sources=(State.ASSESSED,),
            dest=None,
            actors=LEAD_OR_MANAGER,
            form=ConfirmExpertForm,
            effect=effects.record_confirmation,
            guards=(not_held, mission_is_planned_first, someone_accepted),
            public_fields=None,  # the team is a draft until the mobilisation tells the partner who comes
            concerns=(Audience.NAMED_EXPERTS, Audience.LEAD, Audience.TEAM),
        ),
        Action(
            name="add_to_team",
            label=_l("Add to the team"),
            history_label=_l("Expert joined the team"),
            description=_l(
                "An expert who accepted joins the mobilised team, if they are free on the mission's dates "
                "and may go on it: the partner and the team are told."
            ),
            done=_l("The expert has joined the team; the partner and the team are told."),
            sources=(State.SKILLS_MOBILISED,),
            dest=None,
            actors=LEAD_OR_MANAGER,
            form=ConfirmExpertForm,
            effect=effects.record_confirmation,
            guards=(not_held, mission_is_planned_first, someone_accepted),
            public_fields=("expert",),  # the partner hosts the mission: who comes has changed
            concerns=(Audience.PARTNER_ORGANISATION, Audience.NAMED_EXPERTS, Audience.LEAD, Audience.TEAM),
        ),
        Action(
            name="remove_from_team",
            label=_l("Remove from the team"),
            history_label=_l("Expert left the team"),
            description=_l("A confirmed expert leaves the mobilised team: the partner and the team are told."),
            done=_l("The expert has left the team; the partner and the team are told."),
            sources=(State.SKILLS_MOBILISED,),
            dest=None,
            actors=LEAD_OR_MANAGER,
            form=RemoveFromTeamForm,
            effect=effects.record_proposal_withdrawal,
            guards=(not_held, someone_removable),
            public_fields=("expert",),  # the reason stays the ministry's
            concerns=(Audience.PARTNER_ORGANISATION, Audience.NAMED_EXPERTS, Audience.LEAD, Audience.TEAM),
        ),
        Action(
            name="withdraw_proposal",
            label=_l("Withdraw a proposal"),
            history_label=_l("Withdrawn from the team"),
            description=_l(
                "The expert asked leaves the team, whatever they had answered; once the team is mobilised, "
                "its confirmed members leave it through “Remove from the team”."
            ),
            done=_l("The expert is no longer on the team."),
            sources=TEAM_STATES,
            dest=None,
            actors=LEAD_OR_MANAGER,
            form=WithdrawProposalForm,
            effect=effects.record_proposal_withdrawal,
            guards=(not_held, someone_withdrawable),
            public_fields=None,
            concerns=(Audience.NAMED_EXPERTS, Audience.LEAD),
        ),
        Action(
            name="replace_expert",
            label=_l("Replace an expert who declined"),
            history_label=_l("Expert replaced"),
            description=_l("Propose another expert in the place of one who declined."),
            done=_l("The replacement is proposed."),
            sources=TEAM_STATES,
            dest=None,
            actors=LEAD_OR_MANAGER,
            form=ReplaceExpertForm,
            effect=effects.record_replacement,
            guards=(not_held, someone_declined),
            public_fields=None,
            concerns=(Audience.NAMED_EXPERTS, Audience.LEAD),
            page="experts.suggestions",
            page_args=first_declined,
        ),
        # --- the partner's feedback on the mission (DOMAIN.md, "Evaluation items") ----------------
        Action(
            name="give_feedback",
            label=_l("Give your feedback on the mission"),
            history_label=_l("Feedback on the mission"),
            description=_l(
                "Six questions, each from 1 (not at all) to 5 (fully), and your comments. "
                "Once per request: it helps the ministry prepare the next missions."
            ),
            done=_l("Thank you: your feedback is recorded."),
            sources=AFTER_DELIVERY,
            dest=None,
            actors=(Actor.PARTNER_ORGANISATION,),
            form=GiveFeedbackForm,
            effect=effects.record_feedback,
            guards=(mission_took_place, no_feedback_yet),
            public_fields=(*FEEDBACK_FIELDS, "comments"),
            concerns=MINISTRY,
            expanded=True,
        ),
        Action(
            name="rate_expert",
            label=_l("Rate an expert of the team"),
            history_label=_l("Expert rated"),
            description=_l("From 1 to 5, once for each expert: the ministry sees it on the expert's profile."),
            done=_l("Thank you: the rating is recorded."),
            sources=AFTER_DELIVERY,
            dest=None,
            actors=(Actor.PARTNER_ORGANISATION,),
            form=RateExpertForm,
            effect=effects.record_rating,
            guards=(mission_took_place, someone_to_rate),
            public_fields=("expert", "score", "comment"),
            concerns=(Audience.NAMED_EXPERTS, Audience.LEAD, Audience.MANAGERS),
        ),
    )
}

TRANSITIONS = {name: action for name, action in ACTIONS.items() if action.changes_state}

INITIAL_STATE = State.SUBMITTED

MACHINE = Machine(
    model=None,
    states=[str(state) for state in State],
    initial=None,
    transitions=[
        {
            "trigger": action.name,
            "source": [str(source) for source in action.sources],
            "dest": str(action.dest) if action.dest else None,
            "after": [action.effect],
        }
        for action in ACTIONS.values()
    ],
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
)
