"""Messages and internal notes: one timeline with the history; a note never reaches a partner."""

from __future__ import annotations

import pytest

from expertise_app.cases import operations
from expertise_app.cases.operations import NotFound, PermissionDenied
from expertise_app.extensions import db

from .conftest import assert_problem
from .pages import text

NOTE = "The embassy warns that the director is leaving in June."
MESSAGE = "Could you send the agenda of the workshop?\nThe draft is enough."


@pytest.mark.parametrize("state", ["submitted", "assessed", "closed"])
def test_an_expert_s_note_stays_with_the_ministry_and_a_message_reaches_the_partner(
    factory, cast, signed_in, api, state
):
    case = factory.cast_case(cast, state)
    factory.fire(case, "post_note", actor=cast.unrelated_expert, body=NOTE)
    factory.fire(case, "post_message", actor=cast.unrelated_expert, body=MESSAGE)

    partner_page = signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True)
    partner_api = api(cast.partner).get(f"/requests/{case.id}").get_data(as_text=True)
    staff_page = signed_in(cast.team_expert).get(f"/cases/{case.id}").get_data(as_text=True)
    assert NOTE not in partner_page and NOTE not in partner_api
    assert "Internal note" not in text(partner_page.split('id="history-title"', 1)[1])
    assert "The draft is enough." in partner_page and "The draft is enough." in partner_api
    assert NOTE in staff_page and "The draft is enough." in staff_page


def test_the_partner_writes_to_the_ministry_but_cannot_post_a_note(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    visitor = signed_in(cast.partner)
    page = visitor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'action="/cases/{case.id}/actions/post_message"' in page
    assert "post_note" not in page

    response = visitor.post(f"/cases/{case.id}/actions/post_message", {"version": case.version, "body": MESSAGE})

    assert response.status_code == 302
    assert "The draft is enough." in signed_in(cast.manager).get(f"/cases/{case.id}").get_data(as_text=True)
    db.session.expire_all()
    with pytest.raises(PermissionDenied):
        operations.perform(case, "post_note", cast.partner, {"body": NOTE}, case.version)


def test_another_organisation_cannot_write_on_a_request_it_cannot_see(factory, cast, api):
    case = factory.cast_case(cast, "assessed")
    with pytest.raises(NotFound):
        operations.get_visible_case(cast.other_partner, case.id)
    assert_problem(api(cast.other_partner).fire(case.id, "post_message", case.version, body=MESSAGE), 404)


def test_an_empty_or_huge_message_is_refused_with_a_message(factory, cast, api):
    case = factory.cast_case(cast, "submitted")
    client = api(cast.partner)
    for body in ("", "x" * 10001):
        problem = assert_problem(client.fire(case.id, "post_message", case.version, body=body), 422)
        assert "body" in problem["errors"]
