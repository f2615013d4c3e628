"""A partner organisation never sees, nor acts on, another organisation's requests: to it
they do not exist (404), in pages, actions and lists alike."""

from __future__ import annotations

import pytest

from expertise_app.cases.models import ExpertiseRequest
from expertise_app.extensions import db

from .factories import count, request_data, snapshot, step_data
from .matrix import ACTIONS, STATES
from .pages import main_content, references


@pytest.mark.parametrize("state", STATES)
def test_another_organisation_s_request_page_is_not_found(factory, cast, signed_in, state):
    case = factory.cast_case(cast, state)

    response = signed_in(cast.other_partner).get(f"/cases/{case.id}")

    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert case.reference not in html
    assert case.title not in html


def test_a_request_that_does_not_exist_looks_the_same(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    visitor = signed_in(cast.other_partner)
    visitor.get("/cases")  # shows (and so clears) the welcome message
    theirs = visitor.get(f"/cases/{case.id}")
    missing = visitor.get(f"/cases/{case.id + 1000}")
    assert theirs.status_code == missing.status_code == 404
    assert main_content(theirs.get_data(as_text=True)) == main_content(missing.get_data(as_text=True))


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_action_on_another_organisation_s_request_is_not_found(factory, cast, signed_in, name, method):
    """Its page, or posted with valid data in a state where it applies: still 404, nothing changes."""
    case = factory.ready_for(factory.cast_case(cast, ACTIONS[name][0][0]), name, cast.manager)
    before = snapshot(case.id)
    data = step_data(name, case, team=cast.team)
    visitor = signed_in(cast.other_partner)

    url = f"/cases/{case.id}/actions/{name}"
    if method == "GET":
        response = visitor.get(url)
    else:
        response = visitor.post(url, {**data, "version": before.version}, token_from="/cases")

    assert response.status_code == 404
    assert case.reference not in response.get_data(as_text=True)
    assert snapshot(case.id) == before


LIST_QUERIES = [
    "",
    "?state={state}",
    "?q={reference}",
    "?q={reference_lower}",
    "?q={title_word}",
    "?field={field}",
    "?country={country}",
    "?assigned=me",
    "?sort=oldest",
    "?sort=reference",
    "?per_page=100",
    "?page=2&per_page=1",
]


@pytest.mark.parametrize("query", LIST_QUERIES)
def test_another_organisation_s_requests_never_show_in_the_list(factory, cast, signed_in, query):
    theirs = factory.cast_case(cast, "assessed")
    ours = [
        factory.case(author=cast.other_partner, title="Our own request about a museum"),
        factory.case(author=cast.other_partner, title="Our second request on archives"),
    ]
    url = "/cases" + query.format(
        state=theirs.state,
        reference=theirs.reference,
        reference_lower=theirs.reference.lower(),
        title_word=theirs.title.split()[0],
        field=theirs.field,
        country=theirs.country,
    )

    response = signed_in(cast.other_partner).get(url)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert theirs.reference not in references(html)  # (a search for it shows it in the search box)
    assert theirs.title not in html
    assert f'href="/cases/{theirs.id}"' not in html
    assert set(references(html)) <= {case.reference for case in ours}


def test_the_organisation_s_own_list_shows_all_its_requests(factory, cast, signed_in):
    """The counterpart of the above: the lists do work for the organisation's own requests."""
    ours = [factory.case(author=cast.other_partner) for _ in range(2)]
    factory.cast_case(cast, "assessed")
    html = signed_in(cast.other_partner).get("/cases").get_data(as_text=True)
    assert sorted(references(html)) == sorted(case.reference for case in ours)


def test_a_colleague_of_the_same_organisation_sees_and_withdraws_the_request(factory, cast, signed_in):
    colleague = factory.partner(organisation=cast.partner.organisation)
    case = factory.cast_case(cast, "submitted")
    visitor = signed_in(colleague)
    assert visitor.get(f"/cases/{case.id}").status_code == 200
    response = visitor.post(
        f"/cases/{case.id}/actions/withdraw",
        {**step_data("withdraw", case), "version": snapshot(case.id).partner_version},
        token_from="/cases",
    )
    assert response.status_code == 302
    assert (snapshot(case.id).state, snapshot(case.id).outcome) == ("closed", "withdrawn")


def test_a_request_is_always_filed_for_the_partner_s_own_organisation(factory, cast, signed_in):
    """Slipping another organisation's id (or an author) into the form changes nothing."""
    data = request_data() | {
        "organisation_id": cast.partner.organisation_id,
        "author_id": cast.partner.id,
        "state": "closed",
    }
    response = signed_in(cast.other_partner).post("/cases/new", data)
    assert response.status_code == 302
    case = db.session.scalars(db.select(ExpertiseRequest)).one()
    assert (case.organisation_id, case.author_id, case.state) == (
        cast.other_partner.organisation_id,
        cast.other_partner.id,
        "submitted",
    )
    assert count(ExpertiseRequest) == 1


def test_another_organisation_cannot_see_the_overview(factory, cast, signed_in):
    factory.cast_case(cast, "assessed")
    assert signed_in(cast.other_partner).get("/dashboard").status_code == 404
