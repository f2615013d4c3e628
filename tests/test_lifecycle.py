"""The lifecycle as a ministry runs it, through pages and through the API: questions to
the partner, holds, reasoned decisions and redirects, the assessment checklist, and the
partner's edits while the request is not yet assessed."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from expertise_app.cases import operations
from expertise_app.cases.models import Event, ExpertiseRequest
from expertise_app.db_types import utcnow
from expertise_app.extensions import db

from .conftest import assert_problem
from .factories import request_data, snapshot, step_data
from .pages import form_posting_to, forms, main_content, offered_actions, references, text

TODAY = date.today()


def action_url(case_id: int, name: str) -> str:
    return f"/cases/{case_id}/actions/{name}"


def post(visitor, case_id: int, name: str, data: dict):
    """Post the action with the version the request page shows now, as a person would."""
    page = visitor.get(f"/cases/{case_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page)
    version = version.group(1) if version else str(snapshot(case_id).version)
    return visitor.post(action_url(case_id, name), {**data, "version": version}, token_from="/cases")


def stands(html: str) -> str:
    """What the partner's "Where your request stands" box says."""
    return text(html.split('id="status-title"', 1)[1].split("</section>", 1)[0])


# --- information requests -----------------------------------------------------------------


def test_an_expert_asks_the_partner_who_answers_and_the_expert_goes_on(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    expert, partner = signed_in(cast.unrelated_expert), signed_in(cast.partner)
    question = "Please send the official request letter, signed by your director."
    due = TODAY + timedelta(days=10)

    assert post(expert, case.id, "ask_partner", {"question": question, "due_on": due.isoformat()}).status_code == 302

    waiting = db.session.get(ExpertiseRequest, case.id)
    assert (waiting.state, waiting.question_due_on) == ("submitted", due)
    assert waiting.waiting_since is not None
    assert references(expert.get("/cases?pause=waiting").get_data(as_text=True)) == [case.reference]
    assert "Waiting for the partner" in text(expert.get("/cases").get_data(as_text=True))
    assert "assess" not in offered_actions(expert.get(f"/cases/{case.id}").get_data(as_text=True))
    overview = signed_in(cast.manager).get("/dashboard").get_data(as_text=True)
    assert re.search(r'href="/cases\?view=open&amp;pause=waiting"><span class="kpi-value">1<', overview)

    partner_page = partner.get(f"/cases/{case.id}").get_data(as_text=True)
    assert question in stands(partner_page)
    assert "answer" in offered_actions(partner_page)
    assert references(partner.get("/cases?pause=waiting").get_data(as_text=True)) == [case.reference]
    answer = "Our director's signed letter is attached to the email sent today."
    assert post(partner, case.id, "answer", {"answer": answer}).status_code == 302

    answered = db.session.get(ExpertiseRequest, case.id)
    assert (answered.waiting_since, answered.question_due_on) == (None, None)
    assert [event.trigger for event in answered.events][-2:] == ["ask_partner", "answer"]
    staff_page = expert.get(f"/cases/{case.id}").get_data(as_text=True)
    assert answer in text(staff_page)
    assert "assess" in offered_actions(staff_page)
    assert post(expert, case.id, "assess", step_data("assess", case)).status_code == 302
    assert snapshot(case.id).state == "assessed"


def test_each_pause_and_its_end_is_a_dated_event(factory, cast):
    case = factory.cast_case(cast, "assessed")
    for name, person in [("ask_partner", cast.manager), ("answer", cast.partner), ("hold", cast.manager)]:
        factory.fire(case, name, actor=person)
    factory.fire(case, "resume", actor=cast.manager)
    events = db.session.scalars(db.select(Event).where(Event.request_id == case.id).order_by(Event.id)).all()
    pauses = [(event.trigger, event.from_state, event.to_state) for event in events[-4:]]
    assert pauses == [
        ("ask_partner", "assessed", "assessed"),
        ("answer", "assessed", "assessed"),
        ("hold", "assessed", "assessed"),
        ("resume", "assessed", "assessed"),
    ]
    assert [event.created_at for event in events] == sorted(event.created_at for event in events)


def test_an_overdue_question_shows_as_overdue_to_staff_and_partner(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    asked = TODAY - timedelta(days=20)
    operations.perform(
        case,
        "ask_partner",
        cast.manager,
        {"question": "Please send the official letter.", "due_on": (asked + timedelta(days=14)).isoformat()},
        case.version,
        at=utcnow() - timedelta(days=20),
    )
    db.session.commit()

    queue = signed_in(cast.manager).get("/cases?pause=overdue").get_data(as_text=True)
    assert references(queue) == [case.reference]
    assert "overdue since" in text(queue)
    assert references(signed_in(cast.manager).get("/cases?pause=on_hold").get_data(as_text=True)) == []
    partner_page = signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "as soon as you can" in stands(partner_page)


def test_one_question_at_a_time_and_staff_may_withdraw_it(factory, cast, signed_in):
    case = factory.cast_case(cast, "skills_mobilised")
    factory.fire(case, "ask_partner", actor=cast.lead_expert)
    before = snapshot(case.id)
    with pytest.raises(operations.TransitionNotAllowed) as refused:
        operations.perform(case, "ask_partner", cast.manager, step_data("ask_partner", case), case.version)
    assert refused.value.message == "A question to the partner is already open: one at a time."
    with pytest.raises(operations.TransitionNotAllowed):
        operations.perform(case, "deliver", cast.team_expert, step_data("deliver", case), case.version)
    db.session.rollback()
    assert snapshot(case.id) == before

    reason = "The letter came by diplomatic post."
    assert post(signed_in(cast.lead_expert), case.id, "cancel_question", {"reason": reason}).status_code == 302
    assert db.session.get(ExpertiseRequest, case.id).waiting_since is None
    history = signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True)
    assert reason in text(history)


def test_a_question_cannot_be_due_in_the_past_or_too_far_away(factory, cast):
    case = factory.cast_case(cast, "submitted")
    for due in (TODAY - timedelta(days=1), TODAY + timedelta(days=181)):
        with pytest.raises(operations.InvalidData) as refused:
            operations.perform(
                case, "ask_partner", cast.manager, {"question": "Send the letter.", "due_on": due}, case.version
            )
        assert list(refused.value.errors) == ["due_on"]


# --- holds --------------------------------------------------------------------------------


def test_a_manager_puts_a_case_on_hold_and_resumes_it(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    manager = signed_in(cast.manager)
    reason = "The partner's new minister must confirm the project."
    assert post(manager, case.id, "hold", {"reason": reason}).status_code == 302

    held = db.session.get(ExpertiseRequest, case.id)
    assert held.on_hold_since is not None and held.state == "assessed"
    lead_page = signed_in(cast.lead_expert).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "mobilise" not in offered_actions(lead_page)
    assert "The request is on hold: a manager must resume it first." in text(lead_page)
    partner_page = signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True)
    assert reason in stands(partner_page)
    assert references(manager.get("/cases?pause=on_hold").get_data(as_text=True)) == [case.reference]

    assert post(manager, case.id, "resume", {"note": ""}).status_code == 302
    assert db.session.get(ExpertiseRequest, case.id).on_hold_since is None
    assert "mobilise" in offered_actions(signed_in(cast.lead_expert).get(f"/cases/{case.id}").get_data(as_text=True))


def test_closing_a_paused_request_ends_its_pauses(factory, cast):
    case = factory.cast_case(cast, "assessed")
    factory.fire(case, "ask_partner", actor=cast.manager)
    factory.fire(case, "hold", actor=cast.manager)
    factory.fire(case, "decline", actor=cast.manager)
    closed = db.session.get(ExpertiseRequest, case.id)
    assert (closed.state, closed.waiting_since, closed.question_due_on, closed.on_hold_since) == (
        "closed",
        None,
        None,
        None,
    )


# --- reasoned decisions -------------------------------------------------------------------


def test_a_manager_declines_with_a_reason_code_and_the_partner_reads_the_reason(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    manager = signed_in(cast.manager)
    case_page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
    assert action_url(case.id, "decline") not in [form.action for form in forms(case_page)]  # a page of its own
    confirm = manager.get(action_url(case.id, "decline")).get_data(as_text=True)
    form = form_posting_to(confirm, action_url(case.id, "decline"))
    reason = "This is already covered by the UNESCO project in your country."

    response = manager.post(
        action_url(case.id, "decline"),
        {"decline_reason": "duplicate", "reason": reason, "version": form.value("version")},
        token_from="/cases",
    )

    assert response.status_code == 302
    declined = db.session.get(ExpertiseRequest, case.id)
    assert (declined.outcome, declined.decline_reason, declined.decision_reason) == ("declined", "duplicate", reason)
    partner_page = signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True)
    assert reason in stands(partner_page)
    assert "Duplicate of another request or project" in text(partner_page)


def test_a_manager_redirects_to_taiex_and_the_partner_reads_where_and_why(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    data = {
        "destination": "eu_taiex_twinning",
        "destination_detail": "EU Delegation in Tunis",
        "reason": "Aligning with EU law is what TAIEX is for.",
    }
    assert post(signed_in(cast.manager), case.id, "redirect", data).status_code == 302

    redirected = db.session.get(ExpertiseRequest, case.id)
    assert (redirected.state, redirected.outcome, redirected.redirect_destination) == (
        "closed",
        "redirected",
        "eu_taiex_twinning",
    )
    status = stands(signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True))
    assert "EU TAIEX or Twinning, through the EU Delegation (EU Delegation in Tunis)" in status
    assert data["reason"] in status


def test_withdrawing_is_confirmed_on_its_own_page_that_says_what_follows(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    partner = signed_in(cast.partner)
    page = partner.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'open id="action-withdraw"' not in page and "action-withdraw" not in page  # no form open, no form at all
    assert f'href="{action_url(case.id, "withdraw")}"' in page
    confirm = partner.get(action_url(case.id, "withdraw")).get_data(as_text=True)
    assert "cannot be reopened" in text(confirm)
    assert "Yes: Withdraw the request" in text(confirm)


PARTNER_WORDS = {
    "submitted": "has received your request",
    "assessed": "has accepted your request",
    "skills_mobilised": "A team of experts is ready",
    "mission_delivered": "The mission has taken place",
    "closed": "The mission is complete",
}


@pytest.mark.parametrize("state", list(PARTNER_WORDS))
def test_the_partner_reads_in_plain_words_where_the_request_stands(factory, cast, signed_in, state):
    case = factory.cast_case(cast, state)
    page = signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True)
    assert PARTNER_WORDS[state] in stands(page)
    assert "Skills mobilised" not in main_content(page)


# --- the assessment checklist ---------------------------------------------------------------


def test_the_assessment_records_the_checklist_and_how_the_request_was_accepted(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    data = step_data("assess", case) | {
        "acceptance": "reformulated",
        "reformulation": "One training week rather than three, on the site's own collections.",
        "check_official_letter": "no",
        "note_official_letter": "Promised by the embassy.",
        "check_funding": "yes",
    }
    assert post(signed_in(cast.unrelated_expert), case.id, "assess", data).status_code == 302

    assessed = db.session.get(ExpertiseRequest, case.id)
    assert assessed.acceptance == "reformulated"
    assert assessed.checklist["official_letter"] == {"answer": "no", "note": "Promised by the embassy."}
    assert assessed.checklist["funding"] == {"answer": "yes", "note": ""}
    assert assessed.checklist["travel_security"] == {"answer": "unknown", "note": ""}
    assert len(assessed.checklist) == 9
    staff_page = text(signed_in(cast.manager).get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Promised by the embassy." in staff_page
    partner_page = text(signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Accepted with reformulation" in partner_page
    assert "Promised by the embassy." not in partner_page
    stands_now = (
        "accepted your request with a reformulation and is now finding the right experts. What it reformulates:"
    )
    assert f"{stands_now} One training week rather than three, on the site's own collections." in partner_page


def test_spaces_alone_are_no_reformulation_to_tell_the_partner(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    data = step_data("assess", case) | {"acceptance": "as_filed", "reformulation": "  \u200b "}
    assert post(signed_in(cast.unrelated_expert), case.id, "assess", data).status_code == 302

    partner_page = text(signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True))
    assert "The ministry has accepted your request and is now finding the right experts." in partner_page
    assert "reformulat" not in partner_page


@pytest.mark.parametrize(
    ("acceptance", "reformulation", "says"),
    [
        ("reformulated", "  ", "Say what the ministry reformulates: the partner reads it."),
        ("reformulated", "\u200b\n", "Say what the ministry reformulates: the partner reads it."),
        ("as_filed", "Shorter.", "Choose “Accepted with reformulation” to send this text, or leave it empty."),
    ],
)
def test_a_reformulation_is_said_when_there_is_one_and_only_then(
    factory, cast, signed_in, acceptance, reformulation, says
):
    case = factory.cast_case(cast, "submitted")
    data = step_data("assess", case) | {"acceptance": acceptance, "reformulation": reformulation}
    refused = post(signed_in(cast.unrelated_expert), case.id, "assess", data)

    assert refused.status_code == 422
    assert says in text(refused.get_data(as_text=True))
    assert db.session.get(ExpertiseRequest, case.id).state == "submitted"


# --- partner edits --------------------------------------------------------------------------


def test_the_partner_edits_a_submitted_request_and_the_history_keeps_old_and_new(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    partner = signed_in(cast.partner)
    form = form_posting_to(partner.get(action_url(case.id, "edit")).get_data(as_text=True), action_url(case.id, "edit"))
    assert form.value("title") == request_data()["title"]  # the form starts from the request as it is
    changed = {name: values if len(values) > 1 else values[0] for name, values in form.values.items()}
    changed.update(participants_expected="30", objectives="Design a visitor-flow plan and train guides.")

    assert partner.post(action_url(case.id, "edit"), changed, token_from="/cases").status_code == 302

    edited = db.session.get(ExpertiseRequest, case.id)
    assert (edited.participants_expected, edited.objectives) == (30, changed["objectives"])
    event = edited.events[-1]
    assert event.trigger == "edit"
    assert event.data == {
        "changes": {
            "objectives": {"from": "Design a visitor-flow plan.", "to": changed["objectives"]},
            "participants_expected": {"from": 12, "to": 30},
        }
    }
    staff_history = text(signed_in(cast.manager).get(f"/cases/{case.id}").get_data(as_text=True))
    assert "12 → 30" in staff_history


def test_an_edit_that_changes_nothing_is_refused_and_writes_nothing(factory, cast):
    case = factory.cast_case(cast, "submitted")
    before = snapshot(case.id)
    with pytest.raises(operations.NothingToDo):
        operations.perform(case, "edit", cast.partner, request_data(), case.partner_version)
    db.session.rollback()
    assert snapshot(case.id) == before


def test_the_same_languages_in_another_order_are_no_change(factory, cast):
    case = factory.cast_case(cast, "submitted")
    with pytest.raises(operations.NothingToDo):
        operations.perform(
            case, "edit", cast.partner, request_data(working_languages=["ar", "fr"]), case.partner_version
        )
    db.session.rollback()


def test_once_assessed_the_partner_adds_information_by_answering_not_by_editing(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    before = snapshot(case.id)
    response = signed_in(cast.partner).post(
        action_url(case.id, "edit"),
        {**request_data(title="A new title after assessment"), "version": before.partner_version},
        token_from="/cases",
    )
    assert response.status_code == 409
    assert snapshot(case.id) == before


def test_through_the_api_an_edit_sends_only_the_fields_it_changes(api, cast, factory):
    case = factory.cast_case(cast, "submitted")
    response = api(cast.partner).fire(
        case.id, "edit", case.partner_version, title="Visitor flow plan for the Punic ports"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    edited = db.session.get(ExpertiseRequest, case.id)
    assert (edited.title, edited.objectives) == ("Visitor flow plan for the Punic ports", request_data()["objectives"])
    assert list(edited.events[-1].data["changes"]) == ["title"]


# --- the same journey through the API alone ---------------------------------------------------


def test_the_whole_journey_through_the_api_alone(api, cast, factory):
    partner, expert, manager = api(cast.partner), api(cast.unrelated_expert), api(cast.manager)
    body = partner.post("/requests", request_data()).get_json()
    request_id = body["id"]

    due = (TODAY + timedelta(days=7)).isoformat()
    body = expert.fire(request_id, "ask_partner", body["version"], question="Send the official letter.", due_on=due)
    assert body.status_code == 200
    body = body.get_json()
    assert (body["waiting_for_partner"], body["question_due_on"]) == (True, due)
    waiting = manager.get("/requests", query_string={"pause": "waiting"}).get_json()
    assert [item["id"] for item in waiting["items"]] == [request_id]
    assert manager.get("/dashboard").get_json()["waiting_for_partner"] == 1
    seen = partner.get(f"/requests/{request_id}").get_json()
    assert "answer" in seen["allowed_actions"]
    assert seen["history"][-1]["data"] == {"question": "Send the official letter.", "due_on": due}

    body = partner.fire(request_id, "answer", seen["version"], answer="Attached to our email.").get_json()
    assert body["waiting_for_partner"] is False
    body = manager.fire(request_id, "hold", body["version"], reason="Budget year closing.").get_json()
    assert body["on_hold"] is True
    body = manager.fire(request_id, "resume", body["version"]).get_json()
    assert body["on_hold"] is False
    body = manager.fire(
        request_id,
        "redirect",
        body["version"],
        destination="eu_taiex_twinning",
        reason="TAIEX fits this request.",
    ).get_json()
    assert (body["state"], body["outcome"], body["redirect_destination"]) == (
        "closed",
        "redirected",
        "eu_taiex_twinning",
    )
    final = partner.get(f"/requests/{request_id}").get_json()
    assert final["decision_reason"] == "TAIEX fits this request."
    assert [event["trigger"] for event in final["history"]] == [
        "submit",
        "ask_partner",
        "answer",
        "hold",
        "resume",
        "redirect",
    ]
    assert final["allowed_actions"] == ["post_message"]  # a closed request can still be written about


def test_the_api_declines_with_a_reason_code_and_refuses_an_unknown_one(api, cast, factory):
    case = factory.cast_case(cast, "submitted")
    manager = api(cast.manager)
    body = assert_problem(manager.fire(case.id, "decline", case.version, decline_reason="bored", reason="x" * 20), 422)
    assert list(body["errors"]) == ["decline_reason"]
    body = manager.fire(case.id, "decline", case.version, decline_reason="security", reason="The area is unsafe.")
    assert body.get_json()["decline_reason"] == "security"
    assert api(cast.partner).get(f"/requests/{case.id}").get_json()["history"][-1]["data"] == {
        "decline_reason": "security",
        "reason": "The area is unsafe.",
    }


# --- nobody is left without a word why ----------------------------------------------------------


def test_an_assessed_request_without_a_lead_says_who_can_go_on_and_offers_the_manager_the_assignment(
    factory, cast, signed_in
):
    case = factory.case("assessed", author=cast.partner)  # assessed without naming a lead
    expert_page = signed_in(cast.unrelated_expert).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "mobilise" not in offered_actions(expert_page)
    assert "No lead expert has been named yet: a manager can name one." in text(expert_page)
    manager_page = signed_in(cast.manager).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "assign_lead" in offered_actions(manager_page)
