"""One request, however often it is sent: the new-request form carries a one-time key,
and POST /api/v1/requests honours an `Idempotency-Key` header."""

from __future__ import annotations

import threading

import pytest

from expertise_app.auth.models import User
from expertise_app.cases import operations
from expertise_app.cases.models import ExpertiseRequest
from expertise_app.extensions import db

from .conftest import assert_problem
from .factories import count, request_data
from .pages import form_posting_to, text


def _new_request_form(visitor) -> str:
    return form_posting_to(visitor.get("/cases/new").get_data(as_text=True), "").value("submission_key")


def test_a_form_sent_twice_files_one_request(factory, signed_in):
    visitor = signed_in(factory.partner())
    key = _new_request_form(visitor)
    data = {**request_data(), "submission_key": key}

    first = visitor.post("/cases/new", data)
    second = visitor.post("/cases/new", data)  # a double click, or a retry after a timeout

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(ExpertiseRequest) == 1
    page = text(visitor.get(second.headers["Location"]).get_data(as_text=True))
    reference = db.session.scalar(db.select(ExpertiseRequest.reference))
    assert f"Your request {reference} has been filed, once: the form was sent twice." in page


def test_each_new_form_gets_its_own_key(factory, signed_in):
    visitor = signed_in(factory.partner())
    assert _new_request_form(visitor) != _new_request_form(visitor)
    for _ in range(2):
        visitor.post("/cases/new", {**request_data(), "submission_key": _new_request_form(visitor)})
    assert count(ExpertiseRequest) == 2


def test_a_refused_form_keeps_its_key_for_the_corrected_one(factory, signed_in):
    visitor = signed_in(factory.partner())
    key = _new_request_form(visitor)
    refused = visitor.post("/cases/new", {**request_data(title=""), "submission_key": key})
    assert refused.status_code == 422
    assert form_posting_to(refused.get_data(as_text=True), "").value("submission_key") == key
    assert visitor.post("/cases/new", {**request_data(), "submission_key": key}).status_code == 302
    assert count(ExpertiseRequest) == 1


def test_the_same_key_with_other_data_keeps_what_was_typed_and_files_nothing_more(factory, signed_in):
    visitor = signed_in(factory.partner())
    key = _new_request_form(visitor)
    visitor.post("/cases/new", {**request_data(), "submission_key": key})
    response = visitor.post("/cases/new", {**request_data(title="Another request entirely"), "submission_key": key})
    assert response.status_code == 422
    form = form_posting_to(response.get_data(as_text=True), "")
    assert form.value("title") == "Another request entirely"
    assert form.value("submission_key") != key  # sending it again files it as a new request
    assert count(ExpertiseRequest) == 1


def test_the_api_answers_a_repeated_key_with_the_same_request(api, cast):
    client = api(cast.partner)
    headers = {"Idempotency-Key": "tracker-7f3a"}
    first = client.post("/requests", request_data(), headers=headers)
    again = client.post("/requests", request_data(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.headers["Location"] == again.headers["Location"]
    assert count(ExpertiseRequest) == 1

    body = assert_problem(client.post("/requests", request_data(title="Something else"), headers=headers), 422)
    assert "key" in body["detail"]
    assert count(ExpertiseRequest) == 1


def test_keys_are_each_callers_own_and_requests_without_one_are_each_filed(api, cast, factory):
    colleague = factory.partner(organisation=cast.partner.organisation)
    headers = {"Idempotency-Key": "same-key"}
    api(cast.partner).post("/requests", request_data(), headers=headers)
    api(colleague).post("/requests", request_data(), headers=headers)
    client = api(cast.partner)
    client.post("/requests", request_data())
    client.post("/requests", request_data())
    assert count(ExpertiseRequest) == 4


def test_a_key_too_long_is_refused(api, cast):
    body = assert_problem(
        api(cast.partner).post("/requests", request_data(), headers={"Idempotency-Key": "k" * 201}), 400
    )
    assert "200" in body["detail"]
    assert count(ExpertiseRequest) == 0


@pytest.mark.postgres
def test_the_same_submission_sent_at_the_same_moment_files_one_request(app, factory):
    partner = factory.partner()
    barrier = threading.Barrier(4, timeout=30)
    results: list[str] = [""] * 4

    def submit(index: int) -> None:
        with app.app_context():
            author = db.session.get(User, partner.id)
            try:
                barrier.wait()
                filing = operations.file_request(author, request_data(), idempotency_key="one-click")
                db.session.commit()
                results[index] = filing.case.reference
            except BaseException as error:
                results[index] = f"unexpected: {error!r}"

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(results)) == 1 and results[0].startswith("EXP-"), results
    assert count(ExpertiseRequest) == 1
