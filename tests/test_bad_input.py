"""Bad input to every form: the page comes back (4xx) with what the user typed, one
message per bad field, and nothing is written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from expertise_app.cases.models import Event, ExpertiseRequest
from expertise_app.cases.operations import InvalidData, perform
from expertise_app.extensions import db

from .factories import count, request_data, snapshot, step_data
from .mailbox import sent_to
from .pages import form_posting_to, text

TODAY = date.today()
SOON = TODAY + timedelta(days=60)


def iso(day: date) -> str:
    return day.isoformat()


# --- the new-request form --------------------------------------------------------------

NEW_REQUEST_CASES = {
    "everything-missing": (
        {name: "" for name in request_data()} | {"working_languages": []},
        {
            "title",
            "field",
            "country",
            "assistance_type",
            "instrument",
            "context",
            "objectives",
            "expected_results",
            "period_start",
            "period_end",
            "working_languages",
        },
        {},
    ),
    "too-short-and-unknown-codes": (
        request_data(
            title="Hi",
            context="Too short to explain anything.",
            field="ZZZ",
            country="QQ",
            working_languages=["xx"],
            objectives="These objectives are kept.",
        ),
        {"title", "context", "field", "country", "working_languages"},
        {"title": "Hi", "context": "Too short to explain anything.", "objectives": "These objectives are kept."},
    ),
    "period-in-the-past-and-reversed": (
        request_data(period_start=iso(TODAY - timedelta(days=1)), period_end=iso(TODAY - timedelta(days=3))),
        {"period_start", "period_end"},
        {"period_start": iso(TODAY - timedelta(days=1)), "period_end": iso(TODAY - timedelta(days=3))},
    ),
    "participants-out-of-range": (
        request_data(participants_expected="501", instrument="taiex"),
        {"participants_expected"},
        {"participants_expected": "501", "instrument": "taiex"},
    ),
    "participants-not-a-number": (
        request_data(participants_expected="a dozen", period_start="31/12/2031"),
        {"participants_expected", "period_start"},
        {"participants_expected": "a dozen", "period_start": "31/12/2031"},
    ),
}


@pytest.mark.parametrize(("data", "bad_fields", "kept"), NEW_REQUEST_CASES.values(), ids=NEW_REQUEST_CASES)
def test_bad_input_to_the_new_request_form(factory, signed_in, data, bad_fields, kept):
    visitor = signed_in(factory.partner())

    response = visitor.post("/cases/new", data)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = form_posting_to(html, "")
    assert set(form.errors) == bad_fields
    assert all(form.errors.values())
    for name, value in kept.items():
        assert form.value(name) == value, name
    assert text(html).count("Please correct the errors below.") == 1  # said once, above the list of errors
    assert (count(ExpertiseRequest), count(Event)) == (0, 0)


def test_a_period_starting_today_is_not_in_the_past(factory, signed_in):
    visitor = signed_in(factory.partner())
    data = request_data(period_start=iso(TODAY), period_end=iso(TODAY))
    assert visitor.post("/cases/new", data).status_code == 302
    assert count(ExpertiseRequest) == 1


def test_multiple_working_languages_are_kept_when_the_form_comes_back(factory, signed_in):
    visitor = signed_in(factory.partner())
    response = visitor.post("/cases/new", request_data(title="", working_languages=["ar", "en", "fr"]))
    assert response.status_code == 422
    assert sorted(form_posting_to(response.get_data(as_text=True), "").values["working_languages"]) == [
        "ar",
        "en",
        "fr",
    ]


# --- each transition form --------------------------------------------------------------


def bad_step_data(trigger: str, cast) -> tuple[dict, set[str], dict]:
    """(data, the fields that must be flagged, the values the page must keep) for each step."""
    if trigger == "assess":
        notes = "x" * 4001
        data = {"eligibility_notes": notes, "priority": "urgent", "field": "XXX", "lead_expert": cast.partner.id}
        return data, {"eligibility_notes", "field", "lead_expert"}, {"eligibility_notes": notes, "priority": "urgent"}
    if trigger == "decline":
        data = {"decline_reason": "we_are_busy", "reason": "Too short"}
        return data, {"decline_reason", "reason"}, {"reason": "Too short"}
    if trigger == "redirect":
        data = {"destination": "", "destination_detail": "y" * 201, "reason": "Send it to them."}
        return data, {"destination", "destination_detail"}, {"reason": "Send it to them."}
    if trigger == "ask_partner":
        data = {"question": "Please send the signed letter.", "due_on": iso(TODAY - timedelta(days=1))}
        return data, {"due_on"}, {"question": "Please send the signed letter."}
    if trigger == "answer":
        return {"answer": ""}, {"answer"}, {}
    if trigger == "cancel_question":
        return {"reason": "x"}, {"reason"}, {"reason": "x"}
    if trigger == "hold":
        return {"reason": "wait"}, {"reason"}, {"reason": "wait"}
    if trigger == "resume":
        note = "n" * 4001
        return {"note": note}, {"note"}, {"note": note}
    if trigger == "edit":
        data = request_data(title="Hi", objectives="New objectives, kept when the form comes back.")
        return data, {"title"}, {"title": "Hi", "objectives": "New objectives, kept when the form comes back."}
    if trigger == "mobilise":
        return {"lead_expert": cast.unrelated_expert.id}, {"lead_expert"}, {}
    if trigger == "plan_mission":
        data = {
            "mission_format": "by_pigeon",
            "place": "Carthage",
            "planned_start": iso(SOON),
            "planned_end": iso(SOON - timedelta(days=2)),
        }
        kept = {"place": "Carthage", "planned_start": iso(SOON), "planned_end": iso(SOON - timedelta(days=2))}
        return data, {"mission_format", "planned_end"}, kept
    if trigger == "propose_experts":
        return {"experts": [cast.partner.id], "note": "n" * 2001}, {"experts", "note"}, {}
    if trigger == "accept_proposal":
        interests = "i" * 2001
        return (
            {"declared_interests": interests},
            {"no_conflict", "declared_interests"},
            {"declared_interests": interests},
        )
    if trigger in ("confirm_expert", "add_to_team", "remove_from_team"):
        return {"expert": cast.unrelated_expert.id}, {"expert"}, {}
    if trigger == "deliver":
        data = {
            "actual_start": iso(TODAY + timedelta(days=1)),
            "actual_end": iso(TODAY),
            "report": "Went well.",
            "participants_reached": "-3",
        }
        kept = {"report": "Went well.", "participants_reached": "-3", "actual_start": iso(TODAY + timedelta(days=1))}
        return data, {"actual_start", "actual_end", "report", "participants_reached"}, kept
    if trigger == "close":
        data = {"closing_summary": "A summary worth keeping.", "follow_up": "nope"}
        return data, {"follow_up"}, {"closing_summary": "A summary worth keeping."}
    if trigger == "withdraw":
        return {"reason": "no"}, {"reason"}, {"reason": "no"}
    raise ValueError(trigger)


FIRST_SOURCE = {
    "assess": "submitted",
    "decline": "assessed",
    "mobilise": "assessed",
    "deliver": "skills_mobilised",
    "close": "mission_delivered",
    "withdraw": "skills_mobilised",
    "redirect": "submitted",
    "ask_partner": "assessed",
    "answer": "submitted",
    "cancel_question": "skills_mobilised",
    "hold": "mission_delivered",
    "resume": "assessed",
    "edit": "submitted",
    "plan_mission": "assessed",
    "propose_experts": "skills_mobilised",
    "accept_proposal": "assessed",
    "confirm_expert": "assessed",
    "add_to_team": "skills_mobilised",
    "remove_from_team": "skills_mobilised",
}
# Who sends each bad form: the manager, unless only someone else may perform the action.
SENDER = {"answer": "partner", "edit": "partner", "accept_proposal": "proposed_expert"}


@pytest.mark.parametrize("trigger", list(FIRST_SOURCE))
def test_bad_input_to_each_action_form(factory, cast, signed_in, trigger):
    case = factory.ready_for(factory.cast_case(cast, FIRST_SOURCE[trigger]), trigger, cast.manager)
    before = snapshot(case.id)
    data, bad_fields, kept = bad_step_data(trigger, cast)
    person = cast[SENDER.get(trigger, "manager")]
    visitor = signed_in(person)
    action = f"/cases/{case.id}/actions/{trigger}"

    response = visitor.post(action, {**data, "version": before.version_seen_by(person)}, token_from="/cases")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = form_posting_to(html, action)
    assert set(form.errors) == bad_fields
    assert all(form.errors.values())
    for name, value in kept.items():
        assert form.value(name) == value, name
    assert form.value("version") == str(before.version_seen_by(person))
    assert "Please correct the errors below." in text(html)
    if f'<details class="action" id="action-{trigger}"' in html:  # the form is one of the request page's
        assert f'<a href="#action-{trigger}">' in html  # the alert at the top of the page leads to it
    assert snapshot(case.id) == before


@pytest.mark.parametrize("trigger", list(FIRST_SOURCE))
def test_bad_input_to_each_action_through_the_service(factory, cast, trigger):
    case = factory.ready_for(factory.cast_case(cast, FIRST_SOURCE[trigger]), trigger, cast.manager)
    before = snapshot(case.id)
    data, bad_fields, _kept = bad_step_data(trigger, cast)
    person = cast[SENDER.get(trigger, "manager")]

    with pytest.raises(InvalidData) as refused:
        perform(case, trigger, person, data, case.version_seen_by(person))

    assert set(refused.value.errors) == bad_fields
    assert snapshot(case.id) == before


@pytest.mark.parametrize("lead", ["unrelated_expert", "proposed_expert"])
def test_the_lead_expert_must_be_a_confirmed_member_of_the_team(factory, cast, signed_in, lead):
    case = factory.cast_case(cast, "assessed")
    before = snapshot(case.id)
    data = step_data("mobilise", case) | {"lead_expert": cast[lead].id}
    action = f"/cases/{case.id}/actions/mobilise"

    response = signed_in(cast.manager).post(action, {**data, "version": before.version}, token_from="/cases")

    assert response.status_code == 422
    form = form_posting_to(response.get_data(as_text=True), action)
    assert form.errors == {"lead_expert": "The lead expert must be a confirmed member of the team."}
    assert snapshot(case.id) == before


# --- assigning the lead ------------------------------------------------------------------


# Who may not be named: before the mobilisation anyone but an active expert; once the team is
# mobilised, anyone but another of its confirmed members.
BAD_LEADS = {
    "assign_lead": ("assessed", ["nobody", "a-partner", "an-inactive-expert", "not-a-number"]),
    "hand_over_lead": ("skills_mobilised", ["nobody", "the-lead-already", "someone-proposed", "off-the-team"]),
}


@pytest.mark.parametrize(
    ("trigger", "lead"), [(trigger, lead) for trigger, (_state, leads) in BAD_LEADS.items() for lead in leads]
)
def test_bad_input_to_the_forms_naming_the_lead(factory, cast, signed_in, trigger, lead):
    case = factory.cast_case(cast, BAD_LEADS[trigger][0])
    before = snapshot(case.id)
    value = {
        "nobody": "",
        "a-partner": cast.partner.id,
        "an-inactive-expert": factory.expert(active=False).id,
        "not-a-number": "lead",
        "the-lead-already": cast.lead_expert.id,
        "someone-proposed": cast.proposed_expert.id,
        "off-the-team": cast.unrelated_expert.id,
    }[lead]
    action = f"/cases/{case.id}/actions/{trigger}"

    response = signed_in(cast.manager).post(
        action, {"lead_expert": value, "version": before.version}, token_from="/cases"
    )

    assert response.status_code == 422
    form = form_posting_to(response.get_data(as_text=True), action)
    assert list(form.errors) == ["lead_expert"]
    assert form.errors["lead_expert"]
    assert snapshot(case.id) == before


# --- signing in --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "password", "bad_fields"),
    [
        ("not-an-email", "whatever-it-is", {"email"}),
        ("someone@example.org", "", {"password"}),
        ("", "", {"email", "password"}),
        ("x" * 250 + "@example.org", "whatever-it-is", {"email"}),
    ],
    ids=["invalid-email", "no-password", "nothing", "email-too-long"],
)
def test_bad_input_to_the_login_form(factory, visitor, email, password, bad_fields):
    user = factory.partner()
    token_before = user.session_token

    response = visitor.post("/login", {"email": email, "password": password})

    assert response.status_code == 400
    form = form_posting_to(response.get_data(as_text=True), "")
    assert set(form.errors) == bad_fields
    assert form.value("email") == email
    assert not form.value("password")  # a password is never sent back
    assert visitor.get("/cases").status_code == 302  # not signed in
    db.session.refresh(user)
    assert user.session_token == token_before


def test_a_one_line_field_is_kept_to_one_line(app, factory, signed_in):
    """A title or a name is one line: line breaks, tabs and runs of spaces become single spaces, and
    none is kept at either end; a text area keeps its lines."""
    partner = factory.partner()
    visitor = signed_in(partner)
    typed = {
        "title": "  Inventory\r\nof   the\tmuseum's  storage ",
        "context": "The storage rooms hold 20,000 objects.\r\nNone of them was ever inventoried.",
        "submission_key": "one-line",
    }
    assert visitor.post("/cases/new", {**request_data(), **typed}).status_code == 302
    case = db.session.query(ExpertiseRequest).filter_by(author_id=partner.id).one()
    assert case.title == "Inventory of the museum's storage"
    assert case.context == "The storage rooms hold 20,000 objects.\r\nNone of them was ever inventoried."


# Characters that show nothing: zero-width space, word joiner, zero-width no-break space.
INVISIBLE = "\u200b\u2060\ufeff"


def test_a_title_of_invisible_characters_alone_is_refused_as_empty_on_a_page_and_in_the_api(
    factory, cast, signed_in, api
):
    visitor = signed_in(cast.partner)
    before = count(ExpertiseRequest)

    response = visitor.post("/cases/new", {**request_data(), "title": INVISIBLE * 3, "submission_key": "invisible"})

    assert response.status_code == 422
    assert "title" in form_posting_to(response.get_data(as_text=True), "").errors
    assert count(ExpertiseRequest) == before
    case = factory.cast_case(cast, "submitted")
    edited = api(cast.partner).post(
        f"/requests/{case.id}/actions", {"action": "edit", "version": case.partner_version, "title": INVISIBLE * 3}
    )
    assert edited.status_code == 422 and "title" in edited.get_json()["errors"]
    assert snapshot(case.id).version == case.version  # nothing changed


def test_invisible_characters_around_a_title_are_not_kept(factory, signed_in):
    partner = factory.partner()
    visitor = signed_in(partner)
    typed = {"title": f"{INVISIBLE}Inventory of the storage{INVISIBLE}", "submission_key": "around"}
    assert visitor.post("/cases/new", {**request_data(), **typed}).status_code == 302
    assert db.session.query(ExpertiseRequest).filter_by(author_id=partner.id).one().title == "Inventory of the storage"


@pytest.mark.parametrize(
    "title",
    [
        "\u200fمتحف قرطاج (تونس)\u200f",  # right-to-left marks that place the brackets of a mixed line
        "Museums of Scotland 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # a flag's tags
    ],
    ids=["direction-marks", "flag-tags"],
)
def test_invisible_characters_that_carry_meaning_at_the_ends_of_a_title_are_kept(factory, signed_in, title):
    partner = factory.partner()
    visitor = signed_in(partner)
    assert visitor.post("/cases/new", {**request_data(), "title": title, "submission_key": "kept"}).status_code == 302
    assert db.session.query(ExpertiseRequest).filter_by(author_id=partner.id).one().title == title


def test_a_title_of_direction_marks_alone_is_refused_as_empty(cast, signed_in):
    visitor = signed_in(cast.partner)
    before = count(ExpertiseRequest)
    response = visitor.post("/cases/new", {**request_data(), "title": "\u200f\u200e\u200f", "submission_key": "marks"})
    assert response.status_code == 422
    assert "title" in form_posting_to(response.get_data(as_text=True), "").errors
    assert count(ExpertiseRequest) == before


def test_a_saved_view_named_with_invisible_characters_alone_is_refused(cast, signed_in):
    visitor = signed_in(cast.manager)
    visitor.get("/cases")
    response = visitor.post("/cases/saved-views", {"name": INVISIBLE, "query": "view=all"})
    assert response.status_code == 302
    page = visitor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Give the view a name." in page and "is saved" not in page


def test_an_invitee_s_name_cannot_shape_lines_of_the_email(app, cast, signed_in):
    partner = signed_in(cast.partner)
    partner.get("/invitations")
    sent = partner.post(
        "/invitations", {"email": "newcomer@example.org", "name": "Bob\r\nBcc: evil@evil.example", "language": "en"}
    )
    assert sent.status_code == 302
    body = sent_to(app, "newcomer@example.org")[-1].get_body().get_content()
    assert "Bob Bcc: evil@evil.example" in body
    assert not [line for line in body.splitlines() if line.startswith("Bcc:")]


def test_a_label_that_is_a_sentence_keeps_one_full_stop_in_the_error_summary(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    refused = signed_in(cast.proposed_expert).post(
        f"/cases/{case.id}/actions/accept_proposal", {"version": case.version, "declared_interests": ""}
    )
    summary = refused.get_data(as_text=True).split('class="error-summary"')[1].split("</div>")[0]

    assert refused.status_code == 422
    assert "other than any I declare below</a>: Tick the declaration to accept." in summary
