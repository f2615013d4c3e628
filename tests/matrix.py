"""Every (state, trigger, actor) combination of the workflow and what should happen to it.

The combinations are generated from the one declaration (`workflow.STEPS`); what
each test person *is* to the request is declared here, independently of
expertise_app/policy.py, so that the policy is checked against it rather than
against itself. The people are built by `Factory.cast()` / `Factory.cast_case()`.
"""

from __future__ import annotations

from expertise_app.cases.operations import CaseError, PermissionDenied, TransitionNotAllowed
from expertise_app.cases.states import State
from expertise_app.cases.workflow import STEPS, Actor

STATES = tuple(str(state) for state in State)
TRIGGERS = tuple(STEPS)

# The relations each person of the cast has to the request (the lead is always on
# the team: mobilising requires it).
RELATIONS: dict[str, frozenset[Actor]] = {
    "manager": frozenset({Actor.MANAGER}),
    "unrelated_expert": frozenset({Actor.EXPERT}),
    "lead_expert": frozenset({Actor.EXPERT, Actor.LEAD_EXPERT, Actor.TEAM_EXPERT}),
    "team_expert": frozenset({Actor.EXPERT, Actor.TEAM_EXPERT}),
    "partner": frozenset({Actor.PARTNER_ORGANISATION}),
    "other_partner": frozenset(),  # a partner of another organisation: no relation at all
}
ACTORS = tuple(RELATIONS)
STAFF_AND_OWN_PARTNER = tuple(actor for actor in ACTORS if actor != "other_partner")


def expected_refusal(state: str, trigger: str, actor: str) -> type[CaseError] | None:
    """None if `actor` may fire `trigger` in `state`; else the error the service must raise.

    The state is checked first: a step that does not apply now is refused as such,
    whoever asks; a step that applies is refused to anyone without a relation it names.
    """
    step = STEPS[trigger]
    if state not in step.sources:
        return TransitionNotAllowed
    if not RELATIONS[actor] & set(step.actors):
        return PermissionDenied
    return None


def allowed_triggers(state: str, actor: str) -> list[str]:
    return [trigger for trigger in TRIGGERS if expected_refusal(state, trigger, actor) is None]


COMBINATIONS = [(state, trigger, actor) for state in STATES for trigger in TRIGGERS for actor in ACTORS]
ALLOWED = [combination for combination in COMBINATIONS if expected_refusal(*combination) is None]
FORBIDDEN = [
    (*combination, expected_refusal(*combination))
    for combination in COMBINATIONS
    if expected_refusal(*combination) is not None
]

# Every (source, trigger) edge of the workflow.
EDGES = [(str(source), trigger) for trigger, step in STEPS.items() for source in step.sources]


def combination_id(value) -> str:
    """Readable test ids: error classes by name, (trigger, actor) pairs as "trigger-by-actor"."""
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, tuple):
        return "-by-".join(map(str, value))
    return str(value)
