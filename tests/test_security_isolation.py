"""What belongs to one organisation or one person does not exist for anybody else: every address
that names an object (read from the URL map), asked through the pages and the API by a partner of
another organisation, is 404 — its reference and title never in the answer — and changes nothing;
partners cannot perform the ministry's actions on their own requests, through either channel; an
invitation is managed only by its organisation's partners and the managers; an emailed link opens
only the account or invitation it was made for, once, in time."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from expertise_app import transaction
from expertise_app.auth import invitations, recovery
from expertise_app.auth.accounts import set_account_active
from expertise_app.auth.models import Invitation, PasswordReset
from expertise_app.db_types import utcnow
from expertise_app.extensions import db

from .conftest import assert_problem
from .factories import Factory, snapshot, step_data
from .matrix import ACTIONS, OPEN
from .security import (
    API_CALLS,
    COLLEAGUE,
    EXPERT_TO_BE,
    NEW_PASSWORD,
    PAGE_FORMS,
    address,
    build_world,
    changed_tables,
    database_rows,
    invitation,
    password_works,
    reset_link,
)

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
    "invitation_id",
}
# (`token`, the secret of an emailed link, is not someone's object to ask for: whoever holds the link
# may use it, as its email says. What a link opens is tested below, with LINK_ROUTES.)


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
    ("auth.resend_invitation", "POST"),
    ("auth.revoke_api_token", "POST"),
    ("auth.revoke_invitation", "POST"),
    ("auth.set_account_active", "POST"),
    ("cases.delete_view", "GET"),
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
    assert world.case.reference not in body and world.case.title not in body and COLLEAGUE not in body
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
    "/dashboard": 404,
    "/dashboard/figures.csv": 404,
    "/experts": 404,
    "/experts/me": 404,
    "/accounts": 404,
    "/audit": 404,
}
STAFF_API = {"/experts": 404, "/dashboard": 404}


def test_partners_get_none_of_the_ministry_s_pages(cast, signed_in, api):
    """To a partner the ministry's own pages do not exist, on either channel: not found, as an address that
    leads nowhere, never "not allowed", which would tell them the page is there; nor "this parameter is
    wrong" (422), which would tell it as well."""
    partner = signed_in(cast.partner)
    assert {url: partner.get(url).status_code for url in STAFF_PAGES} == STAFF_PAGES
    assert {url: api(cast.partner).get(url).status_code for url in STAFF_API} == STAFF_API
    malformed = {"/experts?sort=zzz": 404, "/dashboard?from=zzz": 404, "/no-such-endpoint?from=zzz": 404}
    assert {url: api(cast.partner).get(url).status_code for url in malformed} == malformed


# --- invitations and emailed links -----------------------------------------------------------------

THEIRS = "theirs@example.org"  # invited by the partner of the other organisation


def _listed(visitor) -> set[str] | None:
    """The invitations a person's list shows (None: the page is not found)."""
    page = visitor.get("/invitations")
    if page.status_code == 404:
        return None
    html = page.get_data(as_text=True)
    return {email for email in (COLLEAGUE, EXPERT_TO_BE, THEIRS) if email in html}


def test_an_invitation_is_not_found_by_anyone_who_may_not_manage_it(factory, signed_in):
    """The partner's invitation of a colleague is 404 to another organisation's partner and to an
    expert; the manager's invitation of an expert is 404 to partners too. Each lists only its own."""
    world = build_world(factory)
    theirs, _secret = invitation(world.cast.other_partner, THEIRS)
    db.session.commit()
    cast = world.cast
    people = {"other partner": cast.other_partner, "partner": cast.partner, "expert": cast.lead_expert}
    visitors = {who: signed_in(person) for who, person in people.items()}
    refused = {
        "other partner": [world.invitation_id, world.staff_invitation_id],
        "partner": [world.staff_invitation_id, theirs.id],
        "expert": [world.invitation_id, world.staff_invitation_id, theirs.id],
    }
    for visitor in visitors.values():
        visitor.get("/cases")  # the page whose token the forms carry
    before = database_rows()

    answers = {}
    for who, ids in refused.items():
        for invitation_id in ids:
            for action in ("resend", "revoke"):
                answer = visitors[who].post(f"/invitations/{invitation_id}/{action}", {})
                answers[(who, invitation_id, action)] = answer.status_code
                body = answer.get_data(as_text=True)
                assert COLLEAGUE not in body and EXPERT_TO_BE not in body and THEIRS not in body
    assert answers == dict.fromkeys(answers, 404)
    assert changed_tables(before, database_rows()) == []

    listed = {who: _listed(visitor) for who, visitor in visitors.items()}
    listed["manager"] = _listed(signed_in(cast.manager))
    assert listed == {
        "other partner": {THEIRS},
        "partner": {COLLEAGUE},
        "expert": None,
        "manager": {COLLEAGUE, EXPERT_TO_BE, THEIRS},
    }
    # Not a blanket refusal: a colleague of the same organisation manages its invitations.
    colleague = signed_in(factory.partner(organisation=cast.partner.organisation))
    assert _listed(colleague) == {COLLEAGUE}
    assert colleague.post(f"/invitations/{world.invitation_id}/revoke", {}).status_code == 302
    assert db.session.get(Invitation, world.invitation_id).revoked_at is not None


def link_routes(app) -> list[tuple[str, str]]:
    """(endpoint, method) for every route whose address holds the secret of an emailed link."""
    return sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if "token" in rule.arguments
        for method in sorted(rule.methods & {"GET", "POST"})
    )


LINK_ROUTES = [
    ("auth.accept_invitation", "GET"),
    ("auth.accept_invitation", "POST"),
    ("auth.reset_password", "GET"),
    ("auth.reset_password", "POST"),
]
LINK_FORMS = {"reset": PAGE_FORMS["auth.reset_password"][1], "join": PAGE_FORMS["auth.accept_invitation"][1]}


def test_the_routes_taking_a_link_are_the_ones_pinned(app):
    assert link_routes(app) == LINK_ROUTES


def _try_link(visitor, world, path: str) -> tuple[int, int]:
    form = LINK_FORMS[path.split("/")[1]](world)
    return visitor.get(path).status_code, visitor.post(path, form, token_from="/login").status_code


def test_a_link_opens_only_what_it_was_made_for(factory, visitor_factory, signed_in):
    """A secret of one kind is nothing at the other's address, nor is an API token, nor the hash that
    is stored; a person's reset link changes that person's password, whoever's browser sends it."""
    world = build_world(factory)
    cast = world.cast
    stored_reset = db.session.scalar(sa.select(PasswordReset.token_hash))
    stored_invitation = db.session.get(Invitation, world.invitation_id).token_hash
    anonymous = visitor_factory()
    before = database_rows()
    tried = {
        "a reset as an invitation": f"/join/{world.reset_secret}",
        "an invitation as a reset": f"/reset/{world.invitation_secret}",
        "the manager's invitation as a reset": f"/reset/{world.staff_invitation_secret}",
        "an API token as a reset": f"/reset/{world.token_secret}",
        "an API token as an invitation": f"/join/{world.token_secret}",
        "the stored hash of a reset": f"/reset/{stored_reset}",
        "the stored hash of an invitation": f"/join/{stored_invitation}",
    }
    answers = {name: _try_link(anonymous, world, path) for name, path in tried.items()}
    assert answers == dict.fromkeys(tried, (404, 404))
    assert changed_tables(before, database_rows()) == []

    # The partner's link, in the other organisation's partner's browser, with that person's email and id smuggled in.
    other = signed_in(cast.other_partner)
    path = f"/reset/{world.reset_secret}"
    assert cast.partner.email in other.get(path).get_data(as_text=True)
    smuggled = {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD, "email": cast.other_partner.email}
    smuggled |= {"user_id": cast.other_partner.id, "username": cast.other_partner.email}
    assert other.post(path, smuggled).status_code == 302
    assert password_works(cast.partner, NEW_PASSWORD) and not password_works(cast.partner, Factory.PASSWORD)
    assert password_works(cast.other_partner, Factory.PASSWORD)
    assert other.get("/cases").status_code == 302  # whoever was signed in on that browser is signed out


def _end_reset(how: str, cast) -> str:
    secret = reset_link(cast.partner)
    transaction.commit()
    reset = db.session.scalar(sa.select(PasswordReset))
    if how == "used":
        recovery.reset_password(reset, NEW_PASSWORD)
    elif how == "replaced":
        recovery.request_reset(cast.partner.email)
    elif how == "expired":
        reset.expires_at = utcnow() - timedelta(seconds=1)
    elif how == "account disabled":
        set_account_active(cast.manager, cast.partner, False)
    return f"/reset/{secret}"


def _end_invitation(how: str, cast) -> str:
    made, secret = invitation(cast.partner, COLLEAGUE)
    transaction.commit()
    if how == "accepted":
        invitations.accept(made, "Amina Ben Salah", NEW_PASSWORD, "en")
    elif how == "revoked":
        invitations.revoke(made)
    elif how == "expired":
        made.expires_at = utcnow() - timedelta(seconds=1)
    elif how == "sent again":
        invitations.resend(made)
    return f"/join/{secret}"


ENDED_LINKS = [
    ("reset", "used"),
    ("reset", "replaced"),
    ("reset", "expired"),
    ("reset", "account disabled"),
    ("invitation", "accepted"),
    ("invitation", "revoked"),
    ("invitation", "expired"),
    ("invitation", "sent again"),
]


@pytest.mark.parametrize(("kind", "how"), ENDED_LINKS, ids=lambda value: value)
def test_a_spent_expired_or_replaced_link_is_404_and_changes_nothing(factory, visitor_factory, kind, how):
    cast = factory.cast()
    path = (_end_reset if kind == "reset" else _end_invitation)(how, cast)
    transaction.commit()
    before = database_rows()
    answer = visitor_factory().get(path)
    assert answer.status_code == 404 and "does not work" in answer.get_data(as_text=True)
    assert _try_link(visitor_factory(), None, path) == (404, 404)
    assert changed_tables(before, database_rows()) == []
