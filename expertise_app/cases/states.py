"""The states a request moves through and the outcomes a closed request carries.

The transitions between them are declared in cases/workflow.py.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..reference import Vocabulary


class State(StrEnum):
    SUBMITTED = "submitted"
    ASSESSED = "assessed"
    SKILLS_MOBILISED = "skills_mobilised"
    MISSION_DELIVERED = "mission_delivered"
    CLOSED = "closed"


class Outcome(StrEnum):
    COMPLETED = "completed"
    DECLINED = "declined"
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

OUTCOME_LABELS = Vocabulary(
    "outcome",
    [
        (Outcome.COMPLETED, _l("Completed")),
        (Outcome.DECLINED, _l("Declined")),
        (Outcome.WITHDRAWN, _l("Withdrawn")),
    ],
)
