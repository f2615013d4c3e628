"""What belongs to one organisation or one person does not exist for anybody else: every address
that names an object (read from the URL map), asked through the pages and the API by a partner of
another organisation, is 404 — its reference and title never in the answer — and changes nothing;
partners cannot perform the ministry's actions on their own requests, through either channel."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from .conftest import assert_problem
from .factories import snapshot, step_data
from .matrix import ACTIONS, OPEN
from .security import API_CALLS, PAGE_FORMS, address, build_world, changed_tables, database_rows

# The variable parts of an address that name someone's object (not a file of the app, nor a format).
OBJECT_ARGUMENTS = {
    "case_id",
    "request_id",
    "name",
    "document_id",
    "notification_id",
    "token_id",
    "view_id",
    "expert_id",
    "period_id",
    "user_id",
}


def object_routes(app) -> list[tuple[str, str]]:
    """(endpoint, method) for every route whose address names an object, with each of its methods."""
    routes = []
    for rule in app.url_map.iter_rules():
        if set(rule.arguments) & OBJECT_ARGUMENTS:
            routes += [(rule.endpoint, method) for method in sorted(rule.methods & {"GET", "POST"})]
    return sorted(routes)


# Pinned: the routes above as they are today. A new one must be added here, so someone decides it
# belongs in this test (it does, if it names anybody's object).
OBJECT_ROUTES = [
    ("api.download_document", "GET"),
    ("api.fire_transition", "POST"),
    ("api.get_expert", "GET"),
    ("api.get_request", "GET"),
    ("api.list_documents", "GET"),
    ("api.list_messages", "GET"),
    ("api.list_suggestions", "GET"),
    ("api.perform_action", "POST"),
    ("api.post_message", "POST"),
    ("api.upload_documents", "POST"),
    ("auth.revoke_api_token", "POST"),
    ("auth.set_account_active", "POST"),
    ("cases.delete_view", "POST"),
    ("cases.detail", "GET"),
    ("cases.perform_action", "GET"),
    ("cases.perform_action", "POST"),
    ("documents.download", "GET"),
    ("experts.add_unavailability", "POST"),
    ("experts.edit", "GET"),
    ("experts.edit", "POST"),
    ("experts.profile", "GET"),
    ("experts.remove_unavailability", "POST"),
    ("experts.set_active", "POST"),
    ("experts.suggestions", "GET"),
    ("notifications.mark_read", "POST"),
]


def test_the_routes_naming_an_object_are_the_ones_pinned(app):
    assert object_routes(app) == OBJECT_ROUTES


@pytest.mark.parametrize(("endpoint", "method"), OBJECT_ROUTES, ids=lambda value: value)
def test_another_organisation_gets_404_for_every_object_and_nothing_changes(
    app, factory, signed_in, api, endpoint, method
):
    world = build_world(factory)
    url = address(app, endpoint, world)
    outsider = world.cast.other_partner
    client, visitor = (api(outsider), None) if endpoint.startswith("api.") else (None, signed_in(outsider))
    if visitor and method == "POST":
        visitor.get("/cases")  # the page whose token the form carries
    before = database_rows()

    if client:
        path = url.removeprefix("/api/v1")
        if method == "GET":
            answer = client.get(path)
        elif API_CALLS[endpoint][2] == "json":
            answer = client.post(path, API_CALLS[endpoint][1](world))
        else:
            answer = client.call("POST", path, data=API_CALLS[endpoint][1](world), content_type="multipart/form-data")
        assert_problem(answer, 404)
    else:
        if method == "GET":
            answer = visitor.get(url)
        else:
            data_of = PAGE_FORMS[endpoint][1]
            data = data_of(world) if data_of else {"biography": "Rewritten by someone else."}
            answer = visitor.post(url, data)
        assert answer.status_code == 404, answer.get_data(as_text=True)[:2000]

    body = answer.get_data(as_text=True)
    assert world.case.reference not in body and world.case.title not in body
    assert changed_tables(before, database_rows()) == []


def test_another_person_s_notification_token_and_saved_view_are_not_found_by_a_colleague(factory, signed_in):
    """Not only across organisations: another manager gets 404 for the first manager's own things."""
    world = build_world(factory)
    colleague = signed_in(factory.manager())
    before = database_rows()
    for url in (
        f"/notifications/{world.notification_id}/read",
        f"/account/tokens/{world.token_id}/revoke",
        f"/cases/saved-views/{world.view_id}/delete",
    ):
        assert colleague.post(url, {}, token_from="/cases").status_code == 404, url
    assert changed_tables(before, database_rows()) == []
    assert "Closed ones" not in colleague.get("/cases").get_data(as_text=True)  # the view's name


def test_notifications_list_only_one_s_own(factory, signed_in, api):
    world = build_world(factory)
    own_title = api(world.cast.manager).get("/notifications").get_json()["items"][0]["title"]
    for person in (world.cast.other_partner, factory.manager()):
        assert api(person).get("/notifications").get_json()["items"] == []
        page = signed_in(person).get("/notifications").get_data(as_text=True)
        assert world.case.reference not in page and own_title not in page


def test_the_partner_s_own_staff_only_things_are_not_found_either(app, factory, signed_in, api):
    """The internal note's document, asked by the request's own partner: 404 on both channels."""
    world = build_world(factory)
    url = address(app, "documents.download", world, document_id=world.internal_document_id)
    assert signed_in(world.cast.partner).get(url).status_code == 404
    assert_problem(api(world.cast.partner).get(url.replace("/cases/", "/requests/")), 404)
    messages = api(world.cast.partner).get(f"/requests/{world.case.id}/messages").get_json()["items"]
    assert [item["body"] for item in messages] == ["Our letter is attached."]


def _xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    return list(openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active.iter_rows(values_only=True))


def test_a_partner_s_exports_hold_only_its_requests_and_no_internal_column(factory, signed_in):
    world = build_world(factory)
    theirs = factory.case(author=world.cast.other_partner, title="Another organisation's museum plan")
    visitor = signed_in(world.cast.partner)
    csv_rows = list(csv.reader(io.StringIO(visitor.get("/cases/export.csv").get_data(as_text=True)[1:])))
    for header, *rows in (csv_rows, _xlsx_rows(visitor.get("/cases/export.xlsx"))):
        assert [row[0] for row in rows] == [world.case.reference]
        assert not {"Priority", "Lead expert", "Due"} & set(header)
        assert theirs.reference not in str(rows) and theirs.title not in str(rows)
    # Asking for the other organisation's reference, or the ministry's filters, widens nothing.
    for query in (f"?q={theirs.reference}", "?view=all", f"?lead={world.cast.lead_expert.id}", "?priority=normal"):
        header, *rows = _xlsx_rows(visitor.get(f"/cases/export.xlsx{query}"))
        assert theirs.reference not in str(rows), query


# The ministry's actions: every action a partner may not perform, in a state where it applies.
STAFF_ACTIONS = sorted(
    name for name, (_sources, _to, who, _outcome) in ACTIONS.items() if "partner_organisation" not in who
)


@pytest.mark.parametrize("name", STAFF_ACTIONS)
def test_the_request_s_own_partner_cannot_perform_a_ministry_action_on_either_channel(
    factory, cast, signed_in, api, name
):
    state = next(state for state in ACTIONS[name][0] if state in OPEN)
    case = factory.ready_for(factory.cast_case(cast, state), name, cast.manager)
    before = snapshot(case.id)
    data = {**step_data(name, case, team=cast.team), "version": before.version}

    page = signed_in(cast.partner).post(f"/cases/{case.id}/actions/{name}", data, token_from="/cases")
    through_api = api(cast.partner).fire(case.id, name, before.version, **step_data(name, case, team=cast.team))

    assert page.status_code == 403
    assert_problem(through_api, 403)
    assert snapshot(case.id) == before


STAFF_PAGES = {
    "/dashboard": 403,
    "/dashboard/figures.csv": 403,
    "/experts": 404,
    "/experts/me": 404,
    "/accounts": 404,
    "/audit": 404,
}
STAFF_API = {"/experts": 403, "/dashboard": 403}


def test_partners_get_none_of_the_ministry_s_pages(cast, signed_in, api):
    partner = signed_in(cast.partner)
    assert {url: partner.get(url).status_code for url in STAFF_PAGES} == STAFF_PAGES
    assert {url: api(cast.partner).get(url).status_code for url in STAFF_API} == STAFF_API
