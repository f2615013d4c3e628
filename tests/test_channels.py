"""Every action offered on a page is offered by the API with the same rules, and the reverse:
for every state, pause and person, the request page, `allowed_actions` in the API and the
literal table of tests/matrix.py agree; and every action can be performed through both."""

from __future__ import annotations

import pytest

from .factories import snapshot, step_data
from .matrix import ACTIONS as PINNED
from .matrix import EDGES, OPEN, STAFF_AND_OWN_PARTNER, STATES, allowed_actions, combination_id
from .pages import offered_actions

PAUSES = {
    "none": {},
    "question_open": {"question_open": True},
    "on_hold": {"on_hold": True},
}
SITUATIONS = [(state, pause) for state in STATES for pause in PAUSES if pause == "none" or state in OPEN]


@pytest.mark.parametrize(("state", "pause"), SITUATIONS, ids=combination_id)
def test_the_page_and_the_api_offer_the_same_actions_as_pinned(factory, cast, signed_in, api, state, pause):
    case = factory.cast_case(cast, state)
    if pause == "question_open":
        factory.fire(case, "ask_partner", actor=cast.manager)
    elif pause == "on_hold":
        factory.fire(case, "hold", actor=cast.manager)

    for person in STAFF_AND_OWN_PARTNER:
        expected = allowed_actions(state, person, **PAUSES[pause])
        page = signed_in(cast[person]).get(f"/cases/{case.id}").get_data(as_text=True)
        through_api = api(cast[person]).get(f"/requests/{case.id}").get_json()["allowed_actions"]
        assert sorted(offered_actions(page)) == sorted(expected), person
        assert through_api == expected, person


NATURAL = {
    "take": "unrelated_expert",
    "answer": "partner",
    "edit": "partner",
    "withdraw": "partner",
    "deliver": "team_expert",
    "accept_proposal": "proposed_expert",
    "decline_proposal": "proposed_expert",
    "give_feedback": "partner",
    "rate_expert": "partner",
}


@pytest.mark.parametrize(("state", "name"), EDGES, ids=combination_id)
def test_each_action_is_performed_through_the_api_as_through_the_page(factory, cast, api, state, name):
    case = factory.ready_for(factory.cast_case(cast, state), name, cast.manager)
    person = NATURAL.get(name, "manager")
    before = snapshot(case.id)

    response = api(cast[person]).fire(
        case.id, name, before.version_seen_by(cast[person]), **step_data(name, case, team=cast.team)
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    after = snapshot(case.id)
    assert after.state == (PINNED[name][1] or state)
    assert after.events[-1][1] == name
    assert response.get_json()["version"] == after.version_seen_by(cast[person])
