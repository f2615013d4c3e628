"""What each action does and who may perform it, pinned as literal data, and every
(state, action, person) combination with what should happen to it.

The tables below are DESIGN.md's workflow table and the case-actions issue, written
out by hand: they are *not* read from `workflow.ACTIONS`, so that a wrong declaration
(letting experts decline, adding a source to `decline`) fails the tests instead of
moving their expectations along with it. tests/test_declaration.py checks the
declaration against them entry by entry. The people are built by `Factory.cast()` /
`Factory.cast_case()`; what each one *is* to the request is declared here too.
"""

from __future__ import annotations

from expertise_app.cases.operations import CaseError, PermissionDenied, TransitionNotAllowed

STATES = ("submitted", "assessed", "skills_mobilised", "mission_delivered", "closed")
OPEN = ("submitted", "assessed", "skills_mobilised", "mission_delivered")
TEAM_STATES = ("assessed", "skills_mobilised")  # the team is built, then completed
AFTER_DELIVERY = ("mission_delivered", "closed")  # the partner gives its feedback

# action: (the states it is available in, the state it leads to (None: stays), who may perform it, outcome)
ACTIONS: dict[str, tuple[tuple[str, ...], str | None, frozenset[str], str | None]] = {
    "assess": (("submitted",), "assessed", frozenset({"expert", "manager"}), None),
    "decline": (("submitted", "assessed"), "closed", frozenset({"manager"}), "declined"),
    "redirect": (("submitted", "assessed"), "closed", frozenset({"manager"}), "redirected"),
    "mobilise": (("assessed",), "skills_mobilised", frozenset({"lead_expert", "manager"}), None),
    "deliver": (("skills_mobilised",), "mission_delivered", frozenset({"team_expert", "manager"}), None),
    "close": (("mission_delivered",), "closed", frozenset({"lead_expert", "manager"}), "completed"),
    "withdraw": (
        ("submitted", "assessed", "skills_mobilised"),
        "closed",
        frozenset({"partner_organisation", "manager"}),
        "withdrawn",
    ),
    "take": (("submitted", "assessed"), None, frozenset({"expert"}), None),
    "assign_lead": (("submitted", "assessed"), None, frozenset({"manager"}), None),
    "hand_over_lead": (("skills_mobilised", "mission_delivered"), None, frozenset({"manager"}), None),
    "ask_partner": (OPEN, None, frozenset({"expert", "manager"}), None),
    "answer": (OPEN, None, frozenset({"partner_organisation"}), None),
    "cancel_question": (OPEN, None, frozenset({"expert", "manager"}), None),
    "hold": (OPEN, None, frozenset({"manager"}), None),
    "resume": (OPEN, None, frozenset({"manager"}), None),
    "edit": (("submitted",), None, frozenset({"partner_organisation"}), None),
    "post_message": (STATES, None, frozenset({"partner_organisation", "expert", "manager"}), None),
    "post_note": (STATES, None, frozenset({"expert", "manager"}), None),
    "plan_mission": (("assessed",), None, frozenset({"lead_expert", "manager"}), None),
    "replan_mission": (("skills_mobilised",), None, frozenset({"lead_expert", "manager"}), None),
    "propose_experts": (TEAM_STATES, None, frozenset({"lead_expert", "manager"}), None),
    "accept_proposal": (TEAM_STATES, None, frozenset({"proposed_expert"}), None),
    "decline_proposal": (TEAM_STATES, None, frozenset({"proposed_expert"}), None),
    "confirm_expert": (("assessed",), None, frozenset({"lead_expert", "manager"}), None),
    "add_to_team": (("skills_mobilised",), None, frozenset({"lead_expert", "manager"}), None),
    "remove_from_team": (("skills_mobilised",), None, frozenset({"lead_expert", "manager"}), None),
    "withdraw_proposal": (TEAM_STATES, None, frozenset({"lead_expert", "manager"}), None),
    "replace_expert": (TEAM_STATES, None, frozenset({"lead_expert", "manager"}), None),
    "give_feedback": (AFTER_DELIVERY, None, frozenset({"partner_organisation"}), None),
    "rate_expert": (AFTER_DELIVERY, None, frozenset({"partner_organisation"}), None),
}

# Whom each action concerns (the notifications will tell them), and what of its data a partner
# reads in the history (None: the partner never sees the entry).
EVERYONE = frozenset({"partner_organisation", "lead", "team", "managers"})
MINISTRY = frozenset({"lead", "team", "managers"})
CONCERNS: dict[str, frozenset[str]] = {
    "assess": EVERYONE,
    "decline": EVERYONE,
    "redirect": EVERYONE,
    "mobilise": EVERYONE,
    "deliver": EVERYONE,
    "close": EVERYONE,
    "withdraw": EVERYONE,
    "take": MINISTRY,
    "assign_lead": MINISTRY,
    "hand_over_lead": EVERYONE,
    "ask_partner": frozenset({"partner_organisation", "lead"}),
    "answer": MINISTRY,
    "cancel_question": frozenset({"partner_organisation", "lead"}),
    "hold": EVERYONE,
    "resume": EVERYONE,
    "edit": frozenset({"lead", "managers"}),
    "post_message": EVERYONE,
    "post_note": MINISTRY,
    "plan_mission": MINISTRY,
    "replan_mission": EVERYONE,
    "propose_experts": frozenset({"named_experts", "lead"}),
    "accept_proposal": frozenset({"lead", "managers"}),
    "decline_proposal": frozenset({"lead", "managers"}),
    "confirm_expert": frozenset({"named_experts", "lead", "team"}),
    "add_to_team": frozenset({"partner_organisation", "named_experts", "lead", "team"}),
    "remove_from_team": frozenset({"partner_organisation", "named_experts", "lead", "team"}),
    "withdraw_proposal": frozenset({"named_experts", "lead"}),
    "replace_expert": frozenset({"named_experts", "lead"}),
    "give_feedback": MINISTRY,
    "rate_expert": frozenset({"named_experts", "lead", "managers"}),
}
PARTNER_READS: dict[str, tuple[str, ...] | None] = {
    "assess": ("field", "acceptance", "reformulation"),
    "decline": ("decline_reason", "reason"),
    "redirect": ("destination", "destination_detail", "reason"),
    "mobilise": ("mission_format", "place", "planned_start", "planned_end"),
    "deliver": ("actual_start", "actual_end", "participants_reached"),
    "close": ("closing_summary", "follow_up"),
    "withdraw": ("reason",),
    "take": None,
    "assign_lead": None,  # a draft until the mobilisation tells the partner who comes
    "hand_over_lead": ("lead_expert",),  # once mobilised, the partner is told who leads the mission
    "ask_partner": ("question", "due_on"),
    "answer": ("answer",),
    "cancel_question": ("reason",),
    "hold": ("reason",),
    "resume": ("note",),
    "edit": ("changes",),
    "post_message": ("body",),
    "post_note": None,
    "plan_mission": None,  # a draft until the mobilisation tells the partner the plan
    "replan_mission": ("mission_format", "place", "planned_start", "planned_end"),
    "propose_experts": None,
    "accept_proposal": None,
    "decline_proposal": None,
    "confirm_expert": None,  # a draft until the mobilisation tells the partner who comes
    "add_to_team": ("expert",),  # once mobilised, the partner is told who joins and who leaves
    "remove_from_team": ("expert",),
    "withdraw_proposal": None,
    "replace_expert": None,
    "give_feedback": (
        "score_objectives",
        "score_knowledge",
        "score_experts",
        "score_organisation",
        "score_use",
        "score_further_support",
        "comments",
    ),
    "rate_expert": ("expert", "score", "comment"),
}

# What must hold before an action applies, besides the state: the tests set it up first.
NEEDS_OPEN_QUESTION = {"answer", "cancel_question"}
NEEDS_HOLD = {"resume"}
NEEDS_NO_LEAD = {"take"}  # the request has no lead expert yet
NEEDS_ACCEPTED = {"confirm_expert", "add_to_team"}  # someone proposed has accepted
NEEDS_DECLINED = {"replace_expert"}  # someone proposed has declined
TEAM_ACTIONS = {
    "plan_mission",
    "replan_mission",
    "propose_experts",
    "accept_proposal",
    "decline_proposal",
    "confirm_expert",
    "add_to_team",
    "remove_from_team",
    "hand_over_lead",
    "withdraw_proposal",
    "replace_expert",
}  # nothing of the team moves while the request is on hold

# The relations each person of the cast has to the request (the lead is always on
# the confirmed team: mobilising requires it; the proposed expert has not answered yet).
RELATIONS: dict[str, frozenset[str]] = {
    "manager": frozenset({"manager"}),
    "unrelated_expert": frozenset({"expert"}),
    "lead_expert": frozenset({"expert", "lead_expert", "team_expert"}),
    "team_expert": frozenset({"expert", "team_expert"}),
    "proposed_expert": frozenset({"expert", "proposed_expert"}),
    "partner": frozenset({"partner_organisation"}),
    "other_partner": frozenset(),  # a partner of another organisation: no relation at all
}
PEOPLE = tuple(RELATIONS)
STAFF_AND_OWN_PARTNER = tuple(person for person in PEOPLE if person != "other_partner")
NAMES = tuple(ACTIONS)
TRANSITIONS = tuple(name for name, (_s, dest, _w, _o) in ACTIONS.items() if dest is not None)


def expected_refusal(state: str, action: str, person: str) -> type[CaseError] | None:
    """None if `person` may perform `action` in `state`; else the error the service must raise.

    The state is checked first: an action that does not apply now is refused as such,
    whoever asks; one that applies is refused to anyone without a relation it names.
    """
    sources, _dest, who, _outcome = ACTIONS[action]
    if state not in sources:
        return TransitionNotAllowed
    if not RELATIONS[person] & who:
        return PermissionDenied
    return None


def allowed_actions(state: str, person: str, *, question_open: bool = False, on_hold: bool = False) -> list[str]:
    """What `person` may do on a request in `state` with the given pauses, in the declaration's order.

    Asking while a question is open, holding while on hold, and the forward steps
    while paused are refused by guards; so are answering without a question,
    resuming what is not on hold, and confirming or replacing before anyone answered.
    Building the team goes on while the request waits for the partner, not while it is on hold.
    """
    paused = question_open or on_hold
    forward = {"assess", "mobilise", "deliver", "close"}
    allowed = []
    for action in NAMES:
        if expected_refusal(state, action, person) is not None:
            continue
        if action in NEEDS_OPEN_QUESTION and not question_open:
            continue
        if action == "ask_partner" and question_open:
            continue
        if action in NEEDS_HOLD and not on_hold:
            continue
        if action == "hold" and on_hold:
            continue
        if action in NEEDS_NO_LEAD:
            continue  # the cast's request always has its lead
        if action in NEEDS_ACCEPTED | NEEDS_DECLINED:
            continue  # the cast's proposed expert has not answered yet
        if action in forward and paused:
            continue
        if action in TEAM_ACTIONS and on_hold:
            continue
        allowed.append(action)
    return allowed


COMBINATIONS = [(state, action, person) for state in STATES for action in NAMES for person in PEOPLE]
ALLOWED = [combination for combination in COMBINATIONS if expected_refusal(*combination) is None]
FORBIDDEN = [
    (*combination, expected_refusal(*combination))
    for combination in COMBINATIONS
    if expected_refusal(*combination) is not None
]

# Every (state, action) pair where the action applies.
EDGES = [(state, name) for name, (sources, *_rest) in ACTIONS.items() for state in sources]
TRANSITION_EDGES = [(state, name) for state, name in EDGES if name in TRANSITIONS]


def combination_id(value) -> str:
    """Readable test ids: error classes by name, (action, person) pairs as "action-by-person"."""
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, tuple):
        return "-by-".join(map(str, value))
    return str(value)


# Who performs an action when a test only needs it done: the manager, unless only someone else may.
ONLY_BY = {
    "take": "unrelated_expert",
    "answer": "partner",
    "edit": "partner",
    "accept_proposal": "proposed_expert",
    "decline_proposal": "proposed_expert",
    "give_feedback": "partner",
    "rate_expert": "partner",
}


def performer(name: str) -> str:
    return ONLY_BY.get(name, "manager")
