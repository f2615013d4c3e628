"""Writing on cases is limited per writer, so that one account cannot flood everybody's inbox.

Forty messages a minute from one partner made forty emails to each person concerned. Past
WRITES_PER_PERSON what is written in the window (filings, actions, messages, notes, documents)
gets 429 with Retry-After and is not stored; other people write on; a refused form costs nothing.
The limit is set low here (three a minute) to show it; the default is in config.py.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from expertise_app.cases.models import Event, ExpertiseRequest
from expertise_app.extensions import db

from .conftest import PROBLEM
from .factories import request_data
from .files import PDF, upload

THREE_A_MINUTE = "3 per minute"


@pytest.fixture(autouse=True)
def three_writes_a_minute(app, monkeypatch):
    monkeypatch.setitem(app.config, "WRITES_PER_PERSON", THREE_A_MINUTE)


def messages_on(case) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(Event.request_id == case.id, Event.trigger == "post_message")
    )


def version_of(case, person) -> int:
    """The version `person`'s next form names, as committed now."""
    column = ExpertiseRequest.version if person.is_staff else ExpertiseRequest.partner_version
    return db.session.scalar(sa.select(column).where(ExpertiseRequest.id == case.id))


def post_message(visitor, person, case, body: str = "A question about the dates."):
    return visitor.post(f"/cases/{case.id}/actions/post_message", {"version": version_of(case, person), "body": body})


def test_a_fourth_message_in_the_minute_is_refused_and_not_stored(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    partner = signed_in(cast.partner)

    assert [post_message(partner, cast.partner, case).status_code for _ in range(3)] == [302, 302, 302]
    refused = post_message(partner, cast.partner, case, "The fourth one.")

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Try again in 1 minute" in refused.get_data(as_text=True)
    assert messages_on(case) == 3


def test_other_people_write_on_while_one_writer_is_held(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    partner = signed_in(cast.partner)
    for _ in range(3):
        post_message(partner, cast.partner, case)

    assert post_message(partner, cast.partner, case).status_code == 429
    assert post_message(signed_in(cast.manager), cast.manager, case, "The ministry answers.").status_code == 302
    assert messages_on(case) == 4


def test_a_form_refused_for_its_errors_costs_nothing(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    partner = signed_in(cast.partner)

    assert [post_message(partner, cast.partner, case, "").status_code for _ in range(3)] == [422, 422, 422]
    assert post_message(partner, cast.partner, case).status_code == 302
    assert messages_on(case) == 1


def test_reading_a_form_in_another_language_costs_nothing(factory, cast, signed_in):
    """A language button posts the form to show it again, typed text kept: nothing is filed or performed."""
    case = factory.cast_case(cast, "assessed")
    partner = signed_in(cast.partner)
    switches = [
        partner.post("/cases/new", {**request_data(), "switch_language": language}).status_code
        for language in ("ar", "fr", "en", "ar")
    ]

    assert switches == [200, 200, 200, 200]
    assert [post_message(partner, cast.partner, case).status_code for _ in range(3)] == [302, 302, 302]
    assert messages_on(case) == 3


def test_an_api_token_is_held_like_a_person_with_a_problem_body(factory, cast, api):
    case = factory.cast_case(cast, "assessed")
    client = api(cast.partner)

    done = [
        client.fire(case.id, "post_message", version_of(case, cast.partner), body=f"Message {n}.") for n in range(3)
    ]
    refused = client.fire(case.id, "post_message", version_of(case, cast.partner), body="The fourth one.")

    assert [answer.status_code for answer in done] == [200, 200, 200]
    assert refused.status_code == 429 and refused.mimetype == PROBLEM
    assert refused.get_json()["status"] == 429 and "Retry-After" in refused.headers
    assert messages_on(case) == 3


def test_a_language_field_sent_where_no_form_is_shown_again_still_counts(factory, cast, api):
    """Only a page that shows its form again in another language does nothing: a document sent through the API
    with a field of that name is posted, and counted, like any other."""
    case = factory.cast_case(cast, "assessed")
    client = api(cast.partner)

    answers = [
        client.call(
            "POST",
            f"/requests/{case.id}/documents",
            data={"file": upload(PDF, f"annex-{n}.pdf"), "switch_language": "en"},
        ).status_code
        for n in range(4)
    ]

    assert answers == [201, 201, 201, 429]


def test_filing_counts_as_writing(factory, cast, signed_in):
    partner = signed_in(cast.partner)
    filed = [
        partner.post(
            "/cases/new", {**request_data(title=f"Request {n}"), "submission_key": f"key-{n}"}, token_from="/cases/new"
        )
        for n in range(3)
    ]
    refused = partner.post(
        "/cases/new", {**request_data(title="Request 4"), "submission_key": "key-4"}, token_from="/cases/new"
    )

    assert [answer.status_code for answer in filed] == [302, 302, 302]
    assert refused.status_code == 429
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExpertiseRequest)) == 3


def test_a_made_up_bearer_header_on_a_page_does_not_start_a_new_count(factory, cast, signed_in):
    """The pages sign people in by their session and read no Authorization header: one sent with each form
    is no one new to count."""
    case = factory.cast_case(cast, "assessed")
    partner = signed_in(cast.partner)
    answers = [
        partner.post(
            f"/cases/{case.id}/actions/post_message",
            {"version": version_of(case, cast.partner), "body": f"Message {n}."},
            headers={"Authorization": f"Bearer psl_made-up-{n}"},
        ).status_code
        for n in range(4)
    ]

    assert answers == [302, 302, 302, 429]
    assert messages_on(case) == 3


def test_a_person_s_api_tokens_share_one_limit_with_their_pages(factory, cast, api, signed_in):
    case = factory.cast_case(cast, "assessed")
    first, second = api(cast.partner), api(cast.partner)

    by_first = [first.fire(case.id, "post_message", version_of(case, cast.partner), body=f"M{n}.") for n in range(2)]
    by_second = second.fire(case.id, "post_message", version_of(case, cast.partner), body="M3.")
    refused = second.fire(case.id, "post_message", version_of(case, cast.partner), body="M4.")

    assert [answer.status_code for answer in [*by_first, by_second]] == [200, 200, 200]
    assert refused.status_code == 429
    assert post_message(signed_in(cast.partner), cast.partner, case, "From the page.").status_code == 429
    assert messages_on(case) == 3
