"""The states a request moves through and the outcomes a closed request carries.

The actions that move it (and those that keep its state) are declared in
cases/workflow.py.
"""

from __future__ import annotations

from enum import StrEnum

from ..reference import Vocabulary
from ..translation import lazy_gettext as _l


class State(StrEnum):
    SUBMITTED = "submitted"
    ASSESSED = "assessed"
    SKILLS_MOBILISED = "skills_mobilised"
    MISSION_DELIVERED = "mission_delivered"
    CLOSED = "closed"


OPEN_STATES = (State.SUBMITTED, State.ASSESSED, State.SKILLS_MOBILISED, State.MISSION_DELIVERED)


class Outcome(StrEnum):
    COMPLETED = "completed"
    DECLINED = "declined"
    REDIRECTED = "redirected"
    WITHDRAWN = "withdrawn"


STATE_LABELS = Vocabulary(
    "state",
    [
        (State.SUBMITTED, _l("Submitted")),
        (State.ASSESSED, _l("Assessed")),
        (State.SKILLS_MOBILISED, _l("Skills mobilised")),
        (State.MISSION_DELIVERED, _l("Mission delivered")),
        (State.CLOSED, _l("Closed")),
    ],
)

# What a partner reads for each state: plain words, not the ministry's internal labels.
PARTNER_STATE_LABELS = Vocabulary(
    "partner_state",
    [
        (State.SUBMITTED, _l("Received")),
        (State.ASSESSED, _l("Accepted")),
        (State.SKILLS_MOBILISED, _l("Experts found")),
        (State.MISSION_DELIVERED, _l("Mission done")),
        (State.CLOSED, _l("Closed")),
    ],
)

OUTCOME_LABELS = Vocabulary(
    "outcome",
    [
        (Outcome.COMPLETED, _l("Completed")),
        (Outcome.DECLINED, _l("Declined")),
        (Outcome.REDIRECTED, _l("Redirected")),
        (Outcome.WITHDRAWN, _l("Withdrawn")),
    ],
)
