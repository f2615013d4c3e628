"""Edges found in review: nothing typed is lost, odd URLs and ids do not break pages,
API bodies must be flat, and the database enforces its foreign keys."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from expertise_app.auth.tokens import create_token
from expertise_app.cases.models import Assignment
from expertise_app.extensions import db

from .conftest import ApiClient
from .factories import request_data, snapshot, step_data
from .pages import references, text


def test_a_refused_action_keeps_what_the_user_typed(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    manager = signed_in(cast.manager)
    page = f"/cases/{case.id}"
    reason = "Our experts in this field are all on mission until next year."
    stale = case.version - 1
    response = manager.post(f"{page}/actions/decline", {"reason": reason, "version": stale}, token_from=page)
    assert response.status_code == 409
    assert reason in response.get_data(as_text=True)
    assert snapshot(case.id).state == "assessed"


def test_text_for_an_action_no_longer_possible_is_shown_to_copy(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    manager = signed_in(cast.manager)
    page = f"/cases/{case.id}"
    token_page = manager.get(page)  # the manager opens the page ...
    assert token_page.status_code == 200
    factory.fire(case, "decline", actor=cast.manager)  # ... someone else declines meanwhile
    summary = "A summary that took a while to write."
    response = manager.post(
        f"{page}/actions/close",
        {"closing_summary": summary, "follow_up": "none", "version": case.version},
        token_from=page,
    )
    assert response.status_code == 409
    assert summary in text(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "query", ["_anchor=x", "_method=POST", "_scheme=javascript", "_external=1", "page=9223372036854775807"]
)
def test_odd_query_strings_do_not_break_lists(factory, cast, signed_in, query):
    for _ in range(3):
        factory.case(author=cast.partner)
    # A page past the end leads to the last.
    response = signed_in(cast.manager).get(f"/cases?per_page=1&{query}", follow_redirects=True)
    assert response.status_code == 200
    assert len(references(response.get_data(as_text=True))) == 1
    assert not re.search(r'href="(https?:|javascript:)', response.get_data(as_text=True))


def test_revoking_a_huge_token_id_is_not_found(factory, signed_in):
    visitor = signed_in(factory.partner())
    response = visitor.post(f"/account/tokens/{2**70}/revoke", token_from="/account")
    assert response.status_code == 404


@pytest.fixture
def manager_api(app, cast):
    _token, secret = create_token(cast.manager, "edge cases")
    db.session.commit()
    return ApiClient(app, secret)


def test_a_deeply_nested_body_is_a_bad_request(factory, cast, manager_api):
    case = factory.case(author=cast.partner)
    body = "[" * 100_000 + "]" * 100_000
    response = manager_api.call("POST", f"/requests/{case.id}/actions", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_structured_values_are_refused_not_stringified(factory, cast, manager_api):
    case = factory.case(author=cast.partner)
    before = snapshot(case.id)
    response = manager_api.fire(case.id, "decline", case.version, reason={"a": [1, 2]})
    assert response.status_code == 422
    assert "reason" in response.get_json()["errors"]
    assert snapshot(case.id) == before


def test_a_mission_cannot_end_in_the_future(factory, cast):
    from expertise_app.cases import operations

    case = factory.cast_case(cast, "skills_mobilised")
    data = step_data("deliver", case, actual_end=(date.today() + timedelta(days=3)).isoformat())
    with pytest.raises(operations.InvalidData) as refused:
        operations.perform(case, "deliver", cast.manager, data, case.version)
    assert "actual_end" in refused.value.errors


def test_foreign_keys_are_enforced_on_every_database(factory):
    db.session.add(Assignment(request_id=987654, expert_id=factory.expert().id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_the_language_switcher_after_a_refused_post_returns_to_a_page(factory, cast, signed_in):
    case = factory.cast_case(cast, "closed")
    manager = signed_in(cast.manager)
    page = f"/cases/{case.id}"
    response = manager.post(
        f"{page}/actions/assess",
        {"version": case.version},
        token_from=page,
        headers={"Referer": f"http://localhost{page}"},
    )
    assert response.status_code == 409
    next_value = re.search(r'name="next" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert next_value == page


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"action": "hold", "version": VERSION, "reason": "hold \\ud800 reason"}', "reason"),
        ('{"action": "hold", "version": VERSION, "reason": ["first reason", "second reason"]}', "reason"),
        ('{"action": "resume", "version": VERSION, "note": true}', "note"),
        (
            '{"action": "decline", "version": VERSION, "decline_reason": ["duplicate"], "reason": "A reason."}',
            "decline_reason",
        ),
    ],
    ids=["unpaired-surrogate", "list-for-one-value", "boolean", "list-of-codes"],
)
def test_values_of_the_wrong_kind_are_refused_field_by_field(factory, cast, manager_api, body, field):
    case = factory.cast_case(cast, "assessed")
    if '"resume"' in body:
        factory.fire(case, "hold", actor=cast.manager)
    before = snapshot(case.id)
    payload = body.replace("VERSION", str(before.version))
    response = manager_api.call("POST", f"/requests/{case.id}/actions", data=payload, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert list(response.get_json()["errors"]) == [field]
    assert snapshot(case.id) == before


def test_a_new_request_with_an_unpaired_surrogate_is_refused(cast, app):
    _token, secret = create_token(cast.partner, "edge cases")
    db.session.commit()
    body = '{"title": "Surrogate \\udfff title"}'
    response = ApiClient(app, secret).call("POST", "/requests", data=body, content_type="application/json")
    assert response.status_code == 422
    assert "title" in response.get_json()["errors"]


@pytest.mark.parametrize("key", ["a\x00b", "tab\there"])
def test_an_idempotency_key_with_control_characters_is_refused(cast, app, key):
    from expertise_app.cases import operations

    with pytest.raises(operations.CaseError) as refused:
        operations.file_request(cast.partner, request_data(), idempotency_key=key)
    assert refused.value.status == 400
    db.session.rollback()
