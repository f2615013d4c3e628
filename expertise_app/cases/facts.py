"""The overview's summary of each request (models.RequestFacts), kept beside the request.

`keep` is called by the write path (service_levels.keep) in every filing and action, so that the
facts change in the same transaction as the request, and with them the monthly tallies the
overview sums (cases/tallies.py). The bulk loader writes them with its rows (bulk._facts_row), the
migration that made them from the requests and their steps.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..reference import REGIONS
from . import tallies
from .models import FACT_COLUMNS, Assignment, CaseStep, ExpertiseRequest, RequestFacts
from .states import State


def keep(case: ExpertiseRequest, step: CaseStep | None) -> None:
    """Copy the request's counted columns to its facts, and the working days of the step it left."""
    facts = case.facts
    before = tallies.counted(facts) if facts is not None else None
    if facts is None:
        facts = case.facts = RequestFacts()
    for name in FACT_COLUMNS:
        setattr(facts, name, getattr(case, name))
    facts.continent = REGIONS.continent(case.country)  # the request's own is only set at its flush
    if step is not None:
        setattr(facts, RequestFacts.days_column(step.state), step.working_days)
    tallies.keep(before, tallies.counted(facts))


def open_places_marked_again() -> int:
    """Mark each place on a team as on an open request exactly while its request is open
    (`Assignment.request_open`, which the closing action keeps), for data changed outside the app;
    how many places were marked otherwise."""
    still_open = (
        sa.select(ExpertiseRequest.state != str(State.CLOSED))
        .where(ExpertiseRequest.id == Assignment.request_id)
        .scalar_subquery()
    )
    marked = sa.update(Assignment).where(Assignment.request_open != still_open).values(request_open=still_open)
    return db.session.execute(marked, execution_options={"synchronize_session": False}).rowcount
