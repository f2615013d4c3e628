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

    response = visitor.post(
        f"/cases/{case.id}/actions/post_message", {"version": case.partner_version, "body": MESSAGE}
    )

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
        problem = assert_problem(client.fire(case.id, "post_message", case.partner_version, body=body), 422)
        assert "body" in problem["errors"]


def test_messages_through_the_api_notes_for_staff_only(factory, cast, api):
    case = factory.cast_case(cast, "assessed")
    staff, partner = api(cast.lead_expert), api(cast.partner)
    note = staff.post(f"/requests/{case.id}/messages", {"body": NOTE, "internal": True})
    assert note.status_code == 201 and note.get_json()["kind"] == "note"
    message = staff.post(f"/requests/{case.id}/messages", {"body": MESSAGE})
    assert message.status_code == 201 and message.get_json()["kind"] == "message"
    assert_problem(partner.post(f"/requests/{case.id}/messages", {"body": NOTE, "internal": True}), 403)
    reply = partner.post(f"/requests/{case.id}/messages", {"body": "Here it is."})
    assert reply.status_code == 201

    partner_sees = [
        (item["kind"], item["body"]) for item in partner.get(f"/requests/{case.id}/messages").get_json()["items"]
    ]
    staff_sees = [
        (item["kind"], item["body"]) for item in staff.get(f"/requests/{case.id}/messages").get_json()["items"]
    ]
    assert partner_sees == [("message", MESSAGE), ("message", "Here it is.")]
    assert staff_sees == [("note", NOTE), ("message", MESSAGE), ("message", "Here it is.")]
    assert_problem(api(cast.other_partner).get(f"/requests/{case.id}/messages"), 404)
    assert_problem(api(cast.other_partner).post(f"/requests/{case.id}/messages", {"body": "x"}), 404)
    assert_problem(staff.post(f"/requests/{case.id}/messages", {"body": "x", "internal": "maybe"}), 422)


def test_a_message_or_document_retried_with_the_version_read_is_posted_once(factory, cast, api):
    """A client that lost the answer and sends the same post again, with the version it read, is told
    409 the second time; nothing is posted twice. A version that is not a number is a field error."""
    from .files import PDF, upload

    case = factory.cast_case(cast, "assessed")
    partner = api(cast.partner)
    read = partner.get(f"/requests/{case.id}").get_json()["version"]

    first = partner.post(f"/requests/{case.id}/messages", {"body": MESSAGE, "version": read})
    again = partner.post(f"/requests/{case.id}/messages", {"body": MESSAGE, "version": read})
    assert first.status_code == 201
    assert_problem(again, 409)
    read = partner.get(f"/requests/{case.id}").get_json()["version"]
    sent = {"file": upload(PDF, "letter.pdf"), "version": str(read)}
    assert partner.call("POST", f"/requests/{case.id}/documents", data=sent).status_code == 201
    sent = {"file": upload(PDF, "letter.pdf"), "version": str(read)}
    assert_problem(partner.call("POST", f"/requests/{case.id}/documents", data=sent), 409)
    left_out = {"file": upload(PDF, "annex.pdf"), "version": ""}  # an empty field: as if left out
    assert partner.call("POST", f"/requests/{case.id}/documents", data=left_out).status_code == 201
    for wrong in ("two", True, 1.5):
        problem = assert_problem(partner.post(f"/requests/{case.id}/messages", {"body": "x", "version": wrong}), 422)
        assert "version" in problem["errors"]

    kinds = [item["body"] for item in partner.get(f"/requests/{case.id}/messages").get_json()["items"]]
    assert kinds.count(MESSAGE) == 1
    documents = partner.get(f"/requests/{case.id}/documents").get_json()["items"]
    assert sorted(item["name"] for item in documents) == ["annex.pdf", "letter.pdf"]


def test_links_in_messages_are_safe_and_no_html_is_rendered(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    body = 'See https://example.org/a?b=1&c=2. <script>alert(1)</script> "https://x.test/"onmouseover=1'
    factory.fire(case, "post_message", actor=cast.partner, body=body)
    page = signed_in(cast.manager).get(f"/cases/{case.id}").get_data(as_text=True)
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://x.test/"onmouseover' not in page
    assert '<a href="https://x.test/" rel="nofollow noopener noreferrer">' in page
