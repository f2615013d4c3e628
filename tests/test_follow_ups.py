"""A closed request can be the origin of a new one (`follow_up_of`), started prefilled; each shows the other."""

from __future__ import annotations

from expertise_app.cases.models import ExpertiseRequest

from .conftest import assert_problem
from .factories import request_data
from .pages import text


def test_the_partner_starts_a_follow_up_from_a_closed_request_and_each_shows_the_other(factory, cast, signed_in):
    origin = factory.cast_case(cast, "closed")
    partner = signed_in(cast.partner)
    assert f'href="/cases/new?follow_up_of={origin.id}"' in partner.get(f"/cases/{origin.id}").get_data(as_text=True)

    form = partner.get(f"/cases/new?follow_up_of={origin.id}").get_data(as_text=True)
    assert f'name="follow_up_of" type="hidden" value="{origin.id}"' in form
    assert f"Follow-up: {origin.title}" in form and origin.reference in form

    response = partner.post(
        f"/cases/new?follow_up_of={origin.id}", {**request_data(), "follow_up_of": origin.id, "submission_key": "f1"}
    )
    assert response.status_code == 302
    follow_up = ExpertiseRequest.query.filter_by(follow_up_of_id=origin.id).one()
    staff = signed_in(cast.manager)
    assert origin.reference in text(staff.get(f"/cases/{follow_up.id}").get_data(as_text=True))
    origin_page = text(staff.get(f"/cases/{origin.id}").get_data(as_text=True))
    assert "Followed up by" in origin_page and follow_up.reference in origin_page


def test_a_follow_up_needs_a_closed_request_of_one_s_own_organisation(factory, cast, api, signed_in):
    open_case = factory.cast_case(cast, "assessed")
    theirs = factory.case("closed", author=cast.other_partner, outcome="withdrawn")
    client = api(cast.partner)
    for origin in (open_case, theirs):
        problem = assert_problem(client.post("/requests", {**request_data(), "follow_up_of": origin.id}), 422)
        assert "closed request of your organisation" in problem["errors"]["follow_up_of"][0]
    assert signed_in(cast.partner).get(f"/cases/new?follow_up_of={theirs.id}").status_code == 404
    closed = factory.cast_case(cast, "closed")
    created = client.post("/requests", {**request_data(), "follow_up_of": closed.id})
    assert created.status_code == 201
    assert created.get_json()["follow_up_of"] == {"id": closed.id, "reference": closed.reference}
