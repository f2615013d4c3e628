"""The JSON API: the workflow walk through the API alone, tokens, errors as problem+json."""

from __future__ import annotations

import pytest

from expertise_app.auth.tokens import create_token, revoke_token
from expertise_app.cases.forms import RequestForm
from expertise_app.cases.models import Event, ExpertiseRequest
from expertise_app.cases.workflow import ACTIONS
from expertise_app.extensions import db
from expertise_app.reference import COUNTRIES, FIELDS

from .conftest import ApiClient, assert_problem
from .factories import count, request_data, snapshot, step_data
from .matrix import ACTIONS as PINNED
from .matrix import PARTNER_READS
from .translations import translated


def test_the_whole_workflow_through_the_api_alone(api, cast):
    partner, other_partner = api(cast.partner), api(cast.other_partner)
    manager, lead, team_member = api(cast.manager), api(cast.lead_expert), api(cast.team_expert)

    created = partner.post("/requests", request_data(participants_expected=12))
    assert created.status_code == 201
    body = created.get_json()
    assert body["state"] == "submitted" and body["reference"].startswith("EXP-")
    assert created.headers["Location"].endswith(f"/api/v1/requests/{body['id']}")
    request_id = body["id"]
    assert partner.get(created.headers["Location"].removeprefix("/api/v1")).status_code == 200

    case = db.session.get(ExpertiseRequest, request_id)
    walk = [
        (api(cast.unrelated_expert), "assess", {"lead_expert": cast.lead_expert.id}),
        (lead, "plan_mission", {}),
        (lead, "propose_experts", {"experts": [cast.lead_expert.id, cast.team_expert.id]}),
        (lead, "accept_proposal", {}),
        (team_member, "accept_proposal", {"declared_interests": "I taught at the partner's school in 2019."}),
        (lead, "confirm_expert", {"expert": cast.lead_expert.id}),
        (lead, "confirm_expert", {"expert": cast.team_expert.id}),
        (lead, "mobilise", {}),
        (team_member, "deliver", {}),
        (manager, "close", {}),
    ]
    version = body["version"]
    for client, trigger, overrides in walk:
        db.session.expire_all()
        data = step_data(trigger, case, **overrides)
        response = client.fire(request_id, trigger, version, **data)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert body["state"] == (PINNED[trigger][1] or body["state"])
        assert body["version"] == version + 1
        version = body["version"]
        seen_by_partner = partner.get(f"/requests/{request_id}").get_json()
        last_seen = [event["trigger"] for event in seen_by_partner["history"]][-1]
        assert (last_seen == trigger) == (PARTNER_READS[trigger] is not None), trigger

    final = partner.get(f"/requests/{request_id}").get_json()
    assert (final["state"], final["outcome"]) == ("closed", "completed")
    assert [event["trigger"] for event in final["history"]] == [
        "submit",
        "assess",
        "mobilise",
        "deliver",
        "close",
    ]
    assert [person["id"] for person in final["team"]] == [cast.lead_expert.id, cast.team_expert.id]
    assert "members" not in final  # who declined, and declared interests, stay with the ministry
    members = manager.get(f"/requests/{request_id}").get_json()["members"]
    assert [(member["expert"]["id"], member["status"]) for member in members] == [
        (cast.lead_expert.id, "confirmed"),
        (cast.team_expert.id, "confirmed"),
    ]
    assert members[1]["declared_interests"] == "I taught at the partner's school in 2019."
    assert "eligibility_notes" not in final["history"][1]["data"]  # internal notes stay with the ministry
    assert "eligibility_notes" not in final and "priority" not in final
    assert final["allowed_transitions"] == []

    assert_problem(other_partner.get(f"/requests/{request_id}"), 404)
    assert_problem(other_partner.fire(request_id, "withdraw", version, reason="not ours"), 404)
    assert other_partner.get("/requests").get_json()["total"] == 0
    assert other_partner.get("/requests", query_string={"q": final["reference"]}).get_json()["items"] == []


def test_decline_and_withdraw_close_with_their_outcome(api, cast, factory):
    declined = factory.case(author=cast.partner)
    withdrawn = factory.case(author=cast.partner)
    body = (
        api(cast.manager)
        .fire(declined.id, "decline", declined.version, decline_reason="out_of_scope", reason="Outside our fields.")
        .get_json()
    )
    assert (body["state"], body["outcome"]) == ("closed", "declined")
    body = api(cast.partner).fire(withdrawn.id, "withdraw", withdrawn.partner_version, reason="Budget cut.").get_json()
    assert (body["state"], body["outcome"]) == ("closed", "withdrawn")


def test_allowed_actions_are_the_callers(api, cast, factory):
    case = factory.case(author=cast.partner)
    partner = api(cast.partner).get(f"/requests/{case.id}").get_json()
    assert (partner["allowed_actions"], partner["allowed_transitions"]) == (
        ["withdraw", "edit", "post_message"],
        ["withdraw"],
    )
    manager = api(cast.manager).get(f"/requests/{case.id}").get_json()
    assert manager["allowed_actions"] == [
        "assess",
        "decline",
        "redirect",
        "withdraw",
        "assign_lead",
        "ask_partner",
        "hold",
        "post_message",
        "post_note",
    ]
    assert manager["allowed_transitions"] == ["assess", "decline", "redirect", "withdraw"]


def test_the_transitions_endpoint_still_works_for_state_changes_only(api, cast, factory):
    case = factory.case(author=cast.partner)
    client = api(cast.manager)
    body = assert_problem(client.fire_transition(case.id, "hold", case.version, reason="Budget pending."), 422)
    assert set(body["errors"]) == {"trigger"}
    response = client.fire_transition(case.id, "decline", case.version, **step_data("decline", case))
    assert response.status_code == 200
    assert (response.get_json()["state"], response.get_json()["outcome"]) == ("closed", "declined")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer psl_wrong"}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}],
    ids=["missing", "wrong", "other-scheme", "empty"],
)
def test_missing_or_wrong_tokens_get_401(app, headers):
    response = ApiClient(app, None).get("/requests", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_a_revoked_token_gets_401(app, factory):
    user = factory.partner()
    token, secret = create_token(user, "to revoke")
    db.session.commit()
    client = ApiClient(app, secret)
    assert client.get("/requests").status_code == 200
    revoke_token(user, token.id)
    db.session.commit()
    assert_problem(client.get("/requests"), 401)


def test_an_inactive_users_token_gets_401(app, api, factory):
    user = factory.expert()
    client = api(user)
    user.active = False
    db.session.commit()
    assert_problem(client.get("/requests"), 401)


def test_403_when_the_role_may_not(api, cast, factory):
    case = factory.case(author=cast.partner)
    before = snapshot(case.id)
    body = assert_problem(api(cast.partner).fire(case.id, "assess", case.version, **step_data("assess", case)), 403)
    assert "Assess" in body["detail"]
    assert snapshot(case.id) == before
    assert_problem(api(cast.partner).get("/experts"), 404)
    assert_problem(api(cast.unrelated_expert).get("/dashboard"), 403)
    assert_problem(api(cast.unrelated_expert).get("/dashboard?from=zzz"), 403)  # the role first, then the query
    assert_problem(api(cast.partner).get("/dashboard"), 404)
    assert_problem(api(cast.manager).post("/requests", request_data()), 403)


def test_409_for_a_wrong_state_or_a_stale_version(api, cast, factory):
    case = factory.case("closed", author=cast.partner)
    before = snapshot(case.id)
    assert_problem(api(cast.manager).fire(case.id, "assess", case.version, **step_data("assess", case)), 409)
    open_case = factory.fire(factory.case(author=cast.partner), "post_note", actor=cast.manager, body="Seen.")
    stale = open_case.version - 1  # the version before the note
    body = assert_problem(api(cast.manager).fire(open_case.id, "assess", stale, **step_data("assess", open_case)), 409)
    assert "changed" in body["detail"]
    assert snapshot(case.id) == before
    assert snapshot(open_case.id).state == "submitted"


def test_422_with_one_message_per_field(api, cast, factory):
    case = factory.case("assessed", author=cast.partner)
    before = snapshot(case.id)
    body = assert_problem(
        api(cast.manager).fire(case.id, "plan_mission", case.version, place="", planned_start="not a date"), 422
    )
    assert set(body["errors"]) == {"place", "planned_start", "planned_end", "mission_format"}
    assert all(isinstance(messages, list) and messages for messages in body["errors"].values())
    assert snapshot(case.id) == before


def test_422_for_a_missing_action_or_version(api, cast, factory):
    case = factory.case(author=cast.partner)
    body = assert_problem(api(cast.manager).post(f"/requests/{case.id}/actions", {"action": "fly"}), 422)
    assert set(body["errors"]) == {"action", "version"}


def test_422_for_a_bad_new_request_and_nothing_is_created(api, cast):
    before = count(ExpertiseRequest)
    body = assert_problem(api(cast.partner).post("/requests", request_data(title="", country="ZZ")), 422)
    assert {"title", "country"} <= set(body["errors"])
    assert count(ExpertiseRequest) == before


def test_422_for_bad_list_parameters(api, cast):
    body = assert_problem(api(cast.manager).get("/requests", query_string={"state": "lost", "per_page": 101}), 422)
    assert set(body["errors"]) == {"state", "per_page"}


@pytest.mark.parametrize("payload", ["{not json", "[1, 2]", '"text"'], ids=["malformed", "array", "string"])
def test_400_for_a_body_that_is_not_a_json_object(api, cast, factory, payload):
    case = factory.case(author=cast.partner)
    events = count(Event)
    response = api(cast.manager).call(
        "POST", f"/requests/{case.id}/actions", data=payload, content_type="application/json"
    )
    assert_problem(response, 400)
    assert count(Event) == events


def test_415_for_a_body_that_is_not_json(api, cast):
    assert_problem(api(cast.partner).call("POST", "/requests", data="title=x", content_type="text/plain"), 415)


def test_413_for_a_body_too_large(api, cast):
    body = '{"title": "' + "x" * (1024 * 1024) + '"}'
    assert_problem(api(cast.partner).call("POST", "/requests", data=body, content_type="application/json"), 413)


def test_404_and_405_are_problems_too(api, cast):
    client = api(cast.manager)
    assert_problem(client.get("/requests/999999"), 404)
    assert_problem(client.get(f"/requests/{2**40}"), 404)
    assert_problem(client.get("/nowhere"), 404)
    response = client.call("DELETE", "/requests")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_lists_filter_sort_and_page(api, cast, factory):
    for field in ("MUS", "MUS", "ARC"):
        factory.case(author=cast.partner, field=field)
    factory.case("assessed", author=cast.partner, field="MUS")
    client = api(cast.manager)
    page = client.get("/requests", query_string={"field": "MUS", "per_page": 2}).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 2)
    # The last page, partly filled, and a first page holding them all tell the total without a count.
    last = client.get("/requests", query_string={"field": "MUS", "per_page": 2, "page": 2}).get_json()
    assert (last["total"], last["pages"], len(last["items"])) == (3, 2, 1)
    every = client.get("/requests", query_string={"per_page": 3}).get_json()
    assert (every["total"], every["pages"], len(every["items"])) == (4, 2, 3)
    assert client.get("/requests", query_string={"per_page": 25}).get_json()["total"] == 4
    assert client.get("/requests", query_string={"state": "assessed"}).get_json()["total"] == 1
    beyond = client.get("/requests", query_string={"page": 9}).get_json()
    assert beyond["items"] == [] and beyond["total"] == 4
    mine = api(cast.lead_expert).get("/requests", query_string={"assigned": "me"}).get_json()
    assert mine["total"] == 0


def test_the_workflow_publishes_every_action_as_pinned(api, app, cast):
    workflow = api(cast.partner).get("/workflow").get_json()
    schemas = app.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert workflow["initial"] == "submitted"
    assert [action["name"] for action in workflow["actions"]] == list(PINNED)
    for published in workflow["actions"]:
        sources, dest, who, outcome = PINNED[published["name"]]
        assert published["sources"] == list(sources)
        assert (published["dest"], published["outcome"], published["changes_state"]) == (
            dest,
            outcome,
            dest is not None,
        )
        assert set(published["actors"]) == who
        schema = schemas[published["schema"]["$ref"].rsplit("/", 1)[1]]
        # Files are not JSON: they go to POST /requests/{id}/documents.
        form = ACTIONS[published["name"]].form(formdata=None)
        form_fields = {field.name for field in form if field.type != "DocumentsField"}
        assert set(schema["properties"]) == form_fields | {"action", "version"}
        assert {"action", "version"} <= set(schema["required"])


def test_each_action_body_is_a_named_schema_and_each_operation_has_a_readable_id(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    request_body = spec["components"]["schemas"]["ActionRequest"]
    assert [member["$ref"] for member in request_body["oneOf"]] == [
        f"#/components/schemas/{name.title().replace('_', '')}Action" for name in PINNED
    ]
    assert set(request_body["discriminator"]["mapping"]) == set(PINNED)
    operation_ids = {
        operation["operationId"]
        for path in spec["paths"].values()
        for method, operation in path.items()
        if method != "parameters"
    }
    assert operation_ids == {
        "get_reference",
        "get_workflow",
        "list_requests",
        "file_request",
        "get_request",
        "perform_action",
        "fire_transition",
        "list_experts",
        "get_expert",
        "list_suggestions",
        "get_dashboard",
        "list_messages",
        "post_message",
        "list_documents",
        "upload_documents",
        "download_document",
        "list_notifications",
    }


def test_reference_lists_every_code_with_labels_in_the_callers_language(app, factory):
    user = factory.partner(locale="fr")
    _token, secret = create_token(user, "ref")
    db.session.commit()
    reference = ApiClient(app, secret).get("/reference").get_json()
    assert [item["code"] for item in reference["fields"]] == FIELDS.codes
    assert {item["code"] for item in reference["countries"]} == set(COUNTRIES.codes)
    labels = {item["code"]: item["label"] for item in reference["countries"]}
    assert labels["TN"] == "Tunisie"
    # The states in the partner's words, as their list names them; the ministry's in its own.
    states = {item["code"]: item["label"] for item in reference["states"]}
    assert states["assessed"] == translated(app, "fr", "Accepted")
    manager = factory.manager()
    _token, secret = create_token(manager, "ref")
    db.session.commit()
    ministry = {item["code"]: item["label"] for item in ApiClient(app, secret).get("/reference").get_json()["states"]}
    assert ministry["assessed"] == "Assessed"


def test_the_new_request_schema_is_the_forms(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    schema = spec["components"]["schemas"]["NewRequest"]
    form = RequestForm(formdata=None, meta={"csrf": False})
    # The letter and annexes are files: the page's form takes them, and POST …/documents afterwards.
    assert set(schema["properties"]) == {field.name for field in form if field.type != "DocumentsField"}


def test_experts_directory_and_dashboard(api, cast, factory):
    experts = api(cast.unrelated_expert).get("/experts").get_json()["items"]
    assert {expert["id"] for expert in experts} >= {cast.lead_expert.id, cast.team_expert.id}
    factory.case(author=cast.partner)
    dashboard = api(cast.manager).get("/dashboard").get_json()
    assert dashboard["total"] == 1
    assert {"code": "submitted", "count": 1} in dashboard["states"]
    assert dashboard["fields"] == [{"code": "TOU", "open": 1, "total": 1}]


def test_the_api_s_overview_takes_the_overview_s_filters(api, cast, factory):
    factory.case(author=cast.partner, field="MUS", country="TN")
    factory.case(author=cast.partner, field="MUS", country="JO")
    factory.case(author=cast.partner, field="ARC", country="JO")
    client = api(cast.manager)

    def counted(**filters) -> dict:
        return client.get("/dashboard", query_string=filters).get_json()

    assert counted()["total"] == 3
    assert counted(field="MUS")["total"] == 2
    assert counted(continent="asia")["total"] == 2  # Jordan
    narrowed = counted(field="MUS", continent="asia")
    assert narrowed["total"] == 1 and narrowed["fields"] == [{"code": "MUS", "open": 1, "total": 1}]
    assert counted(**{"from": "2000-01-01", "to": "2000-12-31"})["total"] == 0
    for refused in ({"field": "nope"}, {"from": "1899-12-31"}, {"continent": "atlantis"}):
        problem = assert_problem(client.get("/dashboard", query_string=refused), 422)
        assert set(refused) <= set(problem["errors"]), problem


def test_the_session_cookie_works_with_a_csrf_header_for_changes(visitor, cast, factory):
    case = factory.case(author=cast.partner)
    visitor.login(cast.partner.email)
    response = visitor.get(f"/api/v1/requests/{case.id}")
    assert response.status_code == 200
    withdraw = {"action": "withdraw", "version": case.partner_version, "reason": "No longer needed."}
    assert visitor.client.post(f"/api/v1/requests/{case.id}/actions", json=withdraw).status_code == 400
    assert snapshot(case.id).state == "submitted"
    token = visitor.csrf_token("/cases")
    response = visitor.client.post(f"/api/v1/requests/{case.id}/actions", json=withdraw, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert snapshot(case.id).outcome == "withdrawn"


def test_the_documentation_page_loads_only_local_scripts(app):
    page = app.test_client().get("/api/docs").get_data(as_text=True)
    assert "swagger-ui-bundle.js" in page
    assert "http://" not in page and "https://" not in page


def test_lists_filter_by_what_the_overview_links_with(api, cast, factory):
    declined = factory.case(
        "closed", outcome="declined", author=cast.partner, country="TN", instrument="taiex", working_languages=["ar"]
    )
    factory.case("assessed", author=cast.partner, country="JO", instrument="bilateral", working_languages=["fr", "en"])
    client = api(cast.manager)

    def listed(**filters) -> list[str]:
        return [item["reference"] for item in client.get("/requests", query_string=filters).get_json()["items"]]

    assert listed(outcome="declined") == [declined.reference]
    assert listed(continent="africa") == [declined.reference]
    assert listed(instrument="taiex") == [declined.reference]
    assert len(listed(reached="submitted")) == 2 and len(listed(reached="assessed")) == 1
    assert listed(**{"from": "2000-01-01", "to": "2000-12-31"}) == []
    assert listed(language="ar") == [declined.reference] and listed(language="es") == []
    refused = client.get("/requests", query_string={"from": "yesterday"})
    assert refused.status_code == 422
    # A day the list cannot be narrowed to is refused, not taken and then dropped (which listed every request).
    for name, day in (("to", "1899-12-31"), ("from", "3000-01-01")):
        problem = assert_problem(client.get("/requests", query_string={name: day}), 422)
        assert name in problem["errors"], problem
    assert client.get("/requests", query_string={"language": "klingon"}).status_code == 422
