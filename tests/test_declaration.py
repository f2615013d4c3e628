"""The declaration of every action (cases/workflow.py) against the literal tables of
tests/matrix.py: change any entry of one without the other and these tests fail."""

from __future__ import annotations

import pytest

from expertise_app.cases.workflow import ACTIONS, MACHINE

from .matrix import ACTIONS as PINNED
from .matrix import CONCERNS, PARTNER_READS


def test_the_declaration_has_exactly_the_pinned_actions():
    assert list(ACTIONS) == list(PINNED)


@pytest.mark.parametrize("name", list(PINNED))
def test_each_action_is_declared_as_pinned(name):
    sources, dest, who, outcome = PINNED[name]
    action = ACTIONS[name]
    assert tuple(str(state) for state in action.sources) == sources
    assert (str(action.dest) if action.dest else None) == dest
    assert {str(actor) for actor in action.actors} == who
    assert (str(action.outcome) if action.outcome else None) == outcome


@pytest.mark.parametrize("name", list(PINNED))
def test_each_action_concerns_the_pinned_people_and_shows_partners_the_pinned_data(name):
    action = ACTIONS[name]
    assert {str(audience) for audience in action.concerns} == CONCERNS[name]
    assert action.public_fields == PARTNER_READS[name]


@pytest.mark.parametrize("name", list(PINNED))
def test_the_machine_has_each_action_from_its_states_to_its_destination(name):
    sources, dest, _who, _outcome = PINNED[name]
    declared = MACHINE.events[name].transitions
    assert set(declared) == set(sources)
    assert {transition.dest for transitions_ in declared.values() for transition in transitions_} == {dest}


def test_the_machine_has_no_other_event():
    assert set(MACHINE.events) == set(PINNED)


# What a history entry keeps besides the action's form data: an edit's changes, and the
# mission a mobilisation goes ahead with.
RECORDED_BESIDES_THE_FORM = {
    "edit": {"changes"},
    "mobilise": {"mission_format", "place", "planned_start", "planned_end"},
}


@pytest.mark.parametrize("name", list(PINNED))
def test_every_field_a_partner_may_read_is_data_the_action_records(name):
    public = PARTNER_READS[name] or ()
    form_fields = set(ACTIONS[name].form().data) | RECORDED_BESIDES_THE_FORM.get(name, set())
    assert set(public) <= form_fields
