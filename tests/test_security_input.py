"""Hostile input: SQL through every filter and sort of every list (pages, API, exports, audit log,
directory, accounts, invitations), fields that a form does not have (mass assignment: on requests,
accounts, profiles, invitations and the account made from one), `next=` addresses leading
elsewhere, NUL and control characters in every route's form and every API body, and what is too
long or too large. Each is refused or ignored, says so when refused, and changes nothing."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest

from expertise_app.auth.models import ApiToken, Invitation, User
from expertise_app.cases.models import ExpertiseRequest, SavedView
from expertise_app.db_types import utcnow
from expertise_app.extensions import db
from expertise_app.notifications.models import Notification

from .conftest import assert_problem
from .factories import Factory, count, request_data, snapshot, step_data
from .files import PDF
from .pages import form_posting_to, forms, references
from .security import (
    API_CALLS,
    NEW_PASSWORD,
    PAGE_FORMS,
    address,
    build_world,
    changed_tables,
    database_rows,
    invitation,
    safe_rules,
)

# --- SQL through filters and sorts -------------------------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "1 OR 1=1",
    "x'; DROP TABLE users; --",
    "title DESC, (SELECT password_hash FROM users)",
    '" UNION SELECT email, password_hash FROM users --',
    "%' AND 1=0 UNION SELECT NULL --",
    'NEAR("a" "b") OR * ^ :',  # full-text search syntax
]

# Each list page and the parameters of its address (its filter form's fields are checked to be here).
LIST_PARAMETERS = {
    "/cases": [
        "state",
        "field",
        "country",
        "continent",
        "instrument",
        "assistance_type",
        "outcome",
        "decline_reason",
        "redirect_destination",
        "language",
        "reached",
        "from",
        "to",
        "priority",
        "lead",
        "member",
        "older_than",
        "in_state_for",
        "assigned",
        "pause",
        "q",
        "view",
        "sort",
        "page",
        "per_page",
        "list",
        "widened",
    ],
    "/experts": [
        "field",
        "language",
        "country",
        "region",
        "institution",
        "free_from",
        "free_to",
        "q",
        "inactive",
        "sort",
        "page",
    ],
    "/audit": ["action", "outcome", "who", "from", "to", "page"],
    "/accounts": ["q", "role", "page"],
    "/notifications": ["page"],
    "/invitations": ["page"],
    "/cases/{assessed}/suggestions": [
        "field",
        "language",
        "institution",
        "region",
        "free",
        "eligible",
        "q",
        "page",
        "replace",
    ],
    "/cases/{assessed}": ["list"],
}
LIST_PARAMETERS["/cases/export.csv"] = LIST_PARAMETERS["/cases/export.xlsx"] = LIST_PARAMETERS["/cases"]  # the list's


@pytest.fixture
def lists(factory):
    world = build_world(factory)
    assessed = factory.cast_case(world.cast, "assessed")
    theirs = factory.case(author=world.cast.other_partner, title="The other organisation's own request")
    return world, assessed, theirs


def test_each_list_s_filter_form_asks_only_the_parameters_listed_here(lists, signed_in):
    world, assessed, _theirs = lists
    manager = signed_in(world.cast.manager)
    for url, parameters in LIST_PARAMETERS.items():
        page = manager.get(url.format(assessed=assessed.id))
        if page.mimetype != "text/html":
            continue
        asked = {name for form in forms(page.get_data(as_text=True)) if form.action == "" for name in form.values}
        assert asked <= set(parameters), (url, asked - set(parameters))


def test_sql_in_any_parameter_of_a_list_page_is_only_text(lists, signed_in):
    world, assessed, theirs = lists
    manager, partner = signed_in(world.cast.manager), signed_in(world.cast.partner)
    manager.get(f"/cases/{assessed.id}")  # opening a request reads its notifications: done once, before
    before = database_rows()
    answers = {}

    def status(page: str, query: dict) -> int:
        response = manager.get(page, query_string=query)
        response.get_data()  # an export is streamed: read to its end, its connection goes back to the pool
        return response.status_code

    for url, parameters in LIST_PARAMETERS.items():
        page = url.format(assessed=assessed.id)
        for injection in INJECTIONS:  # every parameter at once, with each injection
            answers[(page, "*", injection)] = status(page, dict.fromkeys(parameters, injection))
        for name in parameters:  # and each parameter alone, with the first
            answers[(page, name, INJECTIONS[0])] = status(page, {name: INJECTIONS[0]})
    assert {key: code for key, code in answers.items() if code != 200} == {}
    # A partner's list, however asked, holds its own organisation's requests and nothing else.
    for injection in INJECTIONS:
        for query in ({name: injection for name in LIST_PARAMETERS["/cases"]}, {"q": injection}):
            html = partner.get("/cases", query_string=query).get_data(as_text=True)
            assert references(html) == [world.case.reference, assessed.reference] or references(html) == [], query
            assert theirs.reference not in html
    assert changed_tables(before, database_rows()) == []


# Digits str.isdigit() accepts: superscript, circled, Arabic-Indic, fullwidth (int() fails on the first two).
DIGIT_LOOKALIKES = ["²", "①", "1²", "٣", "１"]


def test_digits_of_other_scripts_in_any_parameter_of_a_list_are_only_text(lists, signed_in):
    world, assessed, _theirs = lists
    manager, partner = signed_in(world.cast.manager), signed_in(world.cast.partner)
    answers = {}
    for visitor, pages in ((manager, LIST_PARAMETERS), (partner, {"/cases": [], "/cases/{assessed}": []})):
        for url in pages:
            page = url.format(assessed=assessed.id)
            for digits in DIGIT_LOOKALIKES:
                for query in (
                    dict.fromkeys(LIST_PARAMETERS[url], digits),
                    {"list": f"older_than={digits}&lead={digits}"},
                ):
                    response = visitor.get(page, query_string=query)
                    response.get_data()
                    answers[(page, digits, str(query)[:40])] = response.status_code
    assert {key: code for key, code in answers.items() if code != 200} == {}


def test_an_unknown_sort_falls_back_to_the_list_s_own_order(lists, signed_in):
    world, _assessed, _theirs = lists
    manager = signed_in(world.cast.manager)
    default = references(manager.get("/cases?view=all").get_data(as_text=True))
    assert len(default) == 3
    for injection in [*INJECTIONS, "reference; DELETE FROM users", "-", "__class__"]:
        html = manager.get("/cases", query_string={"view": "all", "sort": injection}).get_data(as_text=True)
        assert references(html) == default, injection


def _api_list_parameters(app) -> dict[str, list[str]]:
    """Every GET endpoint of the API and its query parameters, from the published description."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    found = {}
    for path, operations in spec["paths"].items():
        get = operations.get("get") or {}
        names = [parameter["name"] for parameter in get.get("parameters", []) if parameter.get("in") == "query"]
        if names:
            found[path.removeprefix("/api/v1")] = names
    return found


API_LISTS_PINNED = {"/requests", "/experts", "/requests/{request_id}/suggestions", "/notifications"}


def test_sql_in_any_parameter_of_an_api_list_is_refused_or_only_text(app, lists, api):
    world, assessed, theirs = lists
    parameters = _api_list_parameters(app)
    assert set(parameters) >= API_LISTS_PINNED - {"/notifications"}
    manager, partner = api(world.cast.manager), api(world.cast.partner)
    manager.get("/requests"), partner.get("/requests")  # noting when each token was last used: done, before
    before = database_rows()
    statuses = set()
    for path, names in parameters.items():
        for name in names:
            for injection in INJECTIONS[:4]:
                response = manager.get(path.format(request_id=assessed.id), query_string={name: injection})
                assert response.status_code in (200, 422), (path, name, injection, response.status_code)
                statuses.add(response.status_code)
    for name in parameters["/requests"]:
        for injection in INJECTIONS[:4]:
            response = partner.get("/requests", query_string={name: injection})
            if response.status_code == 200:
                listed = [item["reference"] for item in response.get_json()["items"]]
                assert theirs.reference not in listed, (name, injection)
    assert statuses == {200, 422}  # free text is searched for; a code or number that is not one is refused
    assert changed_tables(before, database_rows()) == []


# --- fields a form does not have ---------------------------------------------------------------

SMUGGLED = {
    "state": "closed",
    "outcome": "completed",
    "organisation_id": "1",
    "author_id": "1",
    "lead_expert_id": "1",
    "priority": "emergency",
    "reference": "EXP-1999-0001",
    "id": "1",
    "role": "manager",
    "user_id": "1",
    "active": "0",
    "version": "99",
    "created_at": "2001-01-01T00:00:00",
}


def test_a_partner_s_edit_changes_the_request_s_fields_and_nothing_else(factory, cast, signed_in, api):
    case = factory.cast_case(cast, "submitted")
    before = snapshot(case.id)
    stranger = {
        **SMUGGLED,
        "organisation_id": cast.other_partner.organisation_id,
        "lead_expert_id": cast.team_expert.id,
    }
    data = step_data("edit", case) | stranger | {"version": before.partner_version}

    assert signed_in(cast.partner).post(f"/cases/{case.id}/actions/edit", data, token_from="/cases").status_code == 302

    db.session.expire_all()
    edited = db.session.get(ExpertiseRequest, case.id)
    assert edited.title == "Visitor flow plan for two archaeological sites"
    assert (edited.state, edited.outcome, edited.organisation_id, edited.author_id, edited.priority) == (
        "submitted",
        None,
        cast.partner.organisation_id,
        cast.partner.id,
        "normal",  # the ministry sets another when assessing
    )
    assert (edited.lead_expert_id, edited.reference, edited.version) == (
        before.lead_expert_id,
        case.reference,
        before.version + 1,
    )

    # Through the API: the same.
    after_page = snapshot(case.id)
    body = {"title": "Visitor flow plan for three archaeological sites"} | stranger
    body.pop("version")
    answer = api(cast.partner).fire(case.id, "edit", after_page.partner_version, **body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    db.session.expire_all()
    edited = db.session.get(ExpertiseRequest, case.id)
    assert (edited.title, edited.state, edited.organisation_id, edited.lead_expert_id) == (
        "Visitor flow plan for three archaeological sites",
        "submitted",
        cast.partner.organisation_id,
        before.lead_expert_id,
    )


def test_a_new_request_through_the_api_is_filed_as_the_caller_s_whatever_the_body_says(cast, api):
    body = request_data() | {
        **SMUGGLED,
        "organisation_id": cast.other_partner.organisation_id,
        "author_id": cast.other_partner.id,
        "lead_expert_id": cast.lead_expert.id,
    }
    answer = api(cast.partner).post("/requests", body)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    case = db.session.scalars(db.select(ExpertiseRequest)).one()
    assert (case.state, case.outcome, case.organisation_id, case.author_id, case.lead_expert_id, case.priority) == (
        "submitted",
        None,
        cast.partner.organisation_id,
        cast.partner.id,
        None,
        "normal",
    )
    assert case.reference != "EXP-1999-0001" and case.version == 1


def test_an_action_through_the_api_writes_only_what_the_action_writes(factory, cast, api):
    case = factory.cast_case(cast, "submitted")
    before = snapshot(case.id)
    answer = api(cast.partner).fire(
        case.id,
        "post_message",
        before.partner_version,
        body="A message, and nothing else.",
        **{name: value for name, value in SMUGGLED.items() if name != "version"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    after = snapshot(case.id)
    assert (after.state, after.outcome, after.lead_expert_id) == (before.state, before.outcome, before.lead_expert_id)


def test_account_forms_change_only_their_own_person(factory, cast, signed_in):
    visitor = signed_in(cast.partner)
    other = cast.other_partner
    smuggled = {"user_id": other.id, "role": "manager", "active": "0", "organisation_id": other.organisation_id}
    visitor.post("/account/tokens", {"name": "Mine", **smuggled}, token_from="/account")
    visitor.post("/notifications/preferences", {"email_notifications": "none", **smuggled}, token_from="/account")
    visitor.post("/cases/saved-views", {"name": "Mine", "query": "", **smuggled}, token_from="/cases")
    new = "plums in the icebox"
    changed = visitor.post(
        "/account/password",
        {"current": Factory.PASSWORD, "new": new, "confirm": new, **smuggled},
        token_from="/account",
    )
    assert changed.status_code == 302
    db.session.expire_all()
    partner = db.session.get(User, cast.partner.id)
    assert (partner.role, partner.active, partner.organisation_id, partner.email_notifications) == (
        "partner",
        True,
        cast.partner.organisation_id,
        "none",
    )
    assert db.session.scalars(db.select(ApiToken.user_id)).all() == [cast.partner.id]
    assert db.session.scalars(db.select(SavedView.user_id)).all() == [cast.partner.id]
    other_now = db.session.get(User, other.id)
    assert (other_now.role, other_now.active, other_now.email_notifications) == (
        "partner",
        True,
        other.email_notifications,
    )


def test_an_expert_s_own_profile_form_cannot_change_their_account(factory, cast, signed_in):
    expert = cast.unrelated_expert
    visitor = signed_in(expert)
    url = f"/experts/{expert.id}/edit"
    form = form_posting_to(visitor.get(url).get_data(as_text=True), "")
    data = {name: values if len(values) > 1 else values[0] for name, values in form.values.items() if values}
    data |= {"biography": "Conservator.", "role": "manager", "active": "0", "email": "boss@example.org", "name": "Boss"}
    response = visitor.post(url, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    account = db.session.get(User, expert.id)
    assert (account.role, account.active, account.email, account.name, account.profile.biography) == (
        "expert",
        True,
        expert.email,
        expert.name,
        "Conservator.",
    )


def _invitation(email: str) -> Invitation:
    db.session.expire_all()
    return db.session.scalars(db.select(Invitation).where(Invitation.email == email)).one()


def test_an_invitation_is_what_the_inviter_may_send_whatever_the_form_says(cast, signed_in):
    """A partner always invites a partner of its own organisation, as itself, for the usual time; a
    manager's expert belongs to no organisation; nothing else sent is read."""
    forged = {
        **SMUGGLED,
        "organisation": cast.other_partner.organisation_id,
        "organisation_id": cast.other_partner.organisation_id,
        "invited_by_id": cast.other_partner.id,
        "user_id": cast.other_partner.id,
        "accepted_at": "2001-01-01T00:00:00",
        "revoked_at": "2001-01-01T00:00:00",
        "expires_at": "2999-01-01T00:00:00",
        "token_hash": "0" * 64,
    }
    partner, manager = signed_in(cast.partner), signed_in(cast.manager)
    for role in ("manager", "expert"):
        sent = partner.post(
            "/invitations",
            forged | {"email": f"as-{role}@agency.example", "role": role, "language": "en"},
            token_from="/invitations",
        )
        assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    sent = manager.post(
        "/invitations",
        forged | {"email": "expert@example.org", "role": "expert", "language": "en"},
        token_from="/invitations",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]

    expected = {
        "as-manager@agency.example": ("partner", cast.partner.organisation_id, cast.partner.id),
        "as-expert@agency.example": ("partner", cast.partner.organisation_id, cast.partner.id),
        "expert@example.org": ("expert", None, cast.manager.id),
    }
    for email, (role, organisation, inviter) in expected.items():
        made = _invitation(email)
        assert (made.role, made.organisation_id, made.invited_by_id, made.user_id) == (
            role,
            organisation,
            inviter,
            None,
        )
        assert (made.accepted_at, made.revoked_at, made.token_hash != "0" * 64) == (None, None, True)
        assert timedelta(days=6) < made.expires_at - utcnow() <= timedelta(days=7)


def test_accepting_an_invitation_makes_the_account_it_names_whatever_the_form_says(app, cast, signed_in, visitor):
    """The invitee chooses a name, a password and a language, nothing else: not the email, role,
    organisation, nor anything of an account."""
    _made, secret = invitation(cast.partner, "colleague@agency.example")
    db.session.commit()
    forged = {
        **SMUGGLED,
        "email": cast.other_partner.email,
        "username": "boss@example.org",
        "organisation": cast.other_partner.organisation_id,
        "organisation_id": cast.other_partner.organisation_id,
        "user_id": cast.other_partner.id,
        "email_notifications": "none",
        "password_hash": "forged",
        "session_token": "forged",
    }
    data = forged | {"name": "Amina Ben Salah", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD, "language": "ar"}
    joined = visitor.post(f"/join/{secret}", data, token_from="/login")
    assert joined.status_code == 302, joined.get_data(as_text=True)[:2000]

    db.session.expire_all()
    user = db.session.scalars(db.select(User).where(User.email == "colleague@agency.example")).one()
    assert (user.name, user.role, user.organisation_id, user.locale, user.active, user.email_notifications) == (
        "Amina Ben Salah",
        "partner",
        cast.partner.organisation_id,
        "ar",
        True,
        User.email_notifications.default.arg,
    )
    assert user.session_token != "forged" and user.password_hash != "forged"
    other = db.session.get(User, cast.other_partner.id)
    assert (other.email, other.role, other.organisation_id) == (
        cast.other_partner.email,
        "partner",
        other.organisation_id,
    )
    assert db.session.scalar(db.select(User.id).where(User.email == "boss@example.org")) is None
    assert _invitation("colleague@agency.example").user_id == user.id


# --- next= addresses ------------------------------------------------------------------------------

ELSEWHERE = [
    "//evil.example",
    "https://evil.example/cases",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "///evil.example",
    "https:/\\evil.example",
    "//evil.example@passerelle.test",
]


# An encoded backslash is no backslash: "/%5Cevil.example" is a path of this site, and kept.
STAYS_HERE = {"/%5Cevil.example": "/%5Cevil.example"}


@pytest.mark.parametrize("target", ELSEWHERE)
def test_next_never_leads_to_another_site(factory, cast, visitor_factory, signed_in, target):
    # Signing in (next= in the address; with a control character it is refused as such).
    visitor = visitor_factory()
    visitor.get("/login")
    response = visitor.post(
        f"/login?next={quote(target, safe='')}", {"email": cast.manager.email, "password": Factory.PASSWORD}
    )
    assert response.status_code in (302, 422)
    if response.status_code == 302:
        assert response.headers["Location"] == STAYS_HERE.get(target, "/dashboard")
    # The language switcher and marking a notification read (next= in the form).
    signed = signed_in(cast.partner)
    language = signed.post("/language", {"lang": "fr", "next": target}, token_from="/cases")
    assert (language.status_code, language.headers["Location"]) == (302, STAYS_HERE.get(target, "/"))
    case = factory.case(author=cast.partner)
    factory.fire(case, "post_message", actor=cast.manager)
    notification = db.session.scalar(db.select(Notification.id).where(Notification.user_id == cast.partner.id))
    read = signed.post(f"/notifications/{notification}/read", {"next": target}, token_from="/notifications")
    assert (read.status_code, read.headers["Location"]) == (302, STAYS_HERE.get(target, "/notifications"))


# --- NUL and control characters -------------------------------------------------------------------

CONTROLS = ["\x00", "\x08", "\x1b", "\x7f"]


@pytest.mark.parametrize("endpoint", sorted(PAGE_FORMS))
def test_a_control_character_in_any_route_s_form_is_refused_and_changes_nothing(
    app, factory, signed_in, visitor, endpoint
):
    world = build_world(factory)
    who, data_of = PAGE_FORMS[endpoint]
    url = address(app, endpoint, world)
    sender = visitor if who is None else signed_in(world.cast[who])
    sender.get("/login" if who is None else "/account")
    data = data_of(world) if data_of else {"biography": "Conservator."}
    before = database_rows()
    names = list(data) or ["anything"]
    for name, control in [(names[0], control) for control in CONTROLS] + [(name, "\x00") for name in names[1:]]:
        if True:
            value = data.get(name, "")
            poisoned = data | {name: f"{value}{control}" if isinstance(value, str) else control}
            response = sender.post(url, poisoned)
            assert response.status_code == 422, (name, repr(control), response.status_code)
            assert f"U+{ord(control):04X}" in response.get_data(as_text=True)
    assert changed_tables(before, database_rows()) == []


@pytest.mark.parametrize("endpoint", sorted(API_CALLS))
def test_a_control_character_in_any_api_body_is_refused_and_changes_nothing(app, factory, api, endpoint):
    world = build_world(factory)
    who, body_of, kind = API_CALLS[endpoint]
    path = address(app, endpoint, world).removeprefix("/api/v1")
    client = api(world.cast[who])
    before = database_rows()
    if kind == "multipart":
        answer = client.call(
            "POST", path, data={"file": (io.BytesIO(PDF), "letter\x00.pdf")}, content_type="multipart/form-data"
        )
        assert_problem(answer, 422)
    else:
        body = body_of(world)
        for name, value in body.items():
            if isinstance(value, str):
                problem = assert_problem(client.post(path, body | {name: value + "\x00"}), 422)
                assert "U+0000" in problem["detail"], name
    assert changed_tables(before, database_rows()) == []


def test_a_control_character_in_any_page_s_address_is_refused(app, factory, signed_in):
    world = build_world(factory)
    manager = signed_in(world.cast.manager)
    statuses = {}
    for endpoint in sorted(safe_rules(app)):
        if endpoint.startswith("api.") or endpoint == "api-docs.openapi_json":
            continue
        url = address(app, endpoint, world)
        statuses[endpoint] = manager.get(url, query_string={"q": "a\x00b"}).status_code
    assert {endpoint: status for endpoint, status in statuses.items() if status != 422} == {}


# --- dates no mission can have -------------------------------------------------------------------


def test_a_date_years_ahead_or_a_mission_before_its_request_is_refused_and_changes_nothing(factory, cast, signed_in):
    """A year typed 9999 for 2029 was taken, and every mobilisation after it failed (500): the working days
    up to it could not be counted. A mission delivered with dates of 1900 told the partner so, and let the
    team's real dates count as free."""
    assessed, mobilised = factory.cast_case(cast, "assessed"), factory.cast_case(cast, "skills_mobilised")
    db.session.commit()
    manager, partner, expert = signed_in(cast.manager), signed_in(cast.partner), signed_in(cast.lead_expert)
    far = "9999-12-20"
    before = database_rows()

    def action(case, name, **fields):
        body = {**step_data(name, case, team=cast.team), "version": case.version, **fields}
        return manager.post(f"/cases/{case.id}/actions/{name}", body)

    answers = {
        "a request wanted in 9999": (partner.post("/cases/new", request_data(period_end=far)), "period_end"),
        "a mission planned in 9999": (action(assessed, "plan_mission", planned_end=far), "planned_end"),
        "a mission moved to 9999": (
            action(mobilised, "replan_mission", planned_start=far, planned_end=far),
            "planned_start",
        ),
        "a mission delivered in 1900": (
            action(mobilised, "deliver", actual_start="1900-01-01", actual_end="1900-01-02"),
            "actual_start",
        ),
        "away until 9999": (
            expert.post(
                f"/experts/{cast.lead_expert.id}/unavailability",
                {"starts_on": date.today().isoformat(), "ends_on": far},
            ),
            "ends_on",
        ),
    }

    assert {name: answer.status_code for name, (answer, _field) in answers.items()} == dict.fromkeys(answers, 422)
    for name, (answer, field) in answers.items():
        html = answer.get_data(as_text=True)
        assert re.search(rf'<p class="error" id="[\w-]*{field}-error" data-field="', html), name
    assert "within the next five years" in answers["a mission planned in 9999"][0].get_data(as_text=True)
    assert "This date is more than five years ago." in answers["a mission delivered in 1900"][0].get_data(as_text=True)
    assert changed_tables(before, database_rows()) == []


# --- too long, too large --------------------------------------------------------------------------


def test_a_field_longer_than_it_takes_is_refused_with_its_limit(cast, signed_in):
    partner = signed_in(cast.partner)
    response = partner.post("/cases/new", request_data(title="T" * 5000), token_from="/cases/new")
    assert response.status_code == 422
    errors = form_posting_to(response.get_data(as_text=True), "").errors
    assert list(errors) == ["title"] and "150" in errors["title"]  # the title's limit, said next to it
    assert count(ExpertiseRequest) == 0


# A valid address but for its length (a 64-character name at a 203-character domain): 268 characters.
LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".example.org"
PASSPHRASE_OVER = "plums in the icebox " * 52  # 1,040 characters: the limit is 1,024

# The forms of emailed links and invitations, a field over its limit in each: name -> (who, page, data).
LINK_FORMS_OVER = {
    "forgot, email": (None, "/forgot-password", {"email": LONG_EMAIL}),
    "reset, password": (None, "/reset/{reset}", {"new": PASSPHRASE_OVER, "confirm": PASSPHRASE_OVER}),
    "invite, email": ("partner", "/invitations", {"email": LONG_EMAIL}),
    "invite, name": ("manager", "/invitations", {"email": "x@example.org", "name": "N" * 121, "role": "expert"}),
    "accept, name": (None, "/join/{join}", {"name": "N" * 121, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    "accept, password": (None, "/join/{join}", {"name": "Amina", "new": PASSPHRASE_OVER, "confirm": PASSPHRASE_OVER}),
}
# The answer, the one field said to be wrong and the limit said next to it (a signed-out form's error
# is a 400 on the forgotten-password page, as on the sign-in page).
LINK_FORMS_REFUSED = {
    "forgot, email": (400, ["email"], ["254"]),
    "reset, password": (422, ["new"], ["1024"]),
    "invite, email": (422, ["email"], ["254"]),
    "invite, name": (422, ["name"], ["120"]),
    "accept, name": (422, ["name"], ["120"]),
    "accept, password": (422, ["new"], ["1024"]),
}


def test_a_field_of_the_link_and_invitation_forms_longer_than_it_takes_is_refused_with_its_limit(
    factory, visitor, signed_in
):
    world = build_world(factory)
    senders = {None: visitor, "partner": signed_in(world.cast.partner), "manager": signed_in(world.cast.manager)}
    visitor.get("/login")
    before = database_rows()
    refused = {}
    for name, (who, page, data) in LINK_FORMS_OVER.items():
        url = page.format(reset=world.reset_secret, join=world.invitation_secret)
        response = senders[who].post(url, data | {"language": "en"})
        errors = form_posting_to(response.get_data(as_text=True), "/invitations" if who else "").errors
        limits = [limit for limit in ("120", "254", "1024") if limit in str(errors)]
        refused[name] = (response.status_code, list(errors), limits)
    assert refused == LINK_FORMS_REFUSED
    assert changed_tables(before, database_rows()) == []


@pytest.mark.parametrize("kind", ["form", "multipart", "json"])
def test_a_body_over_the_limit_is_413_and_changes_nothing(app, cast, signed_in, api, kind, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    big = "x" * (65 * 1024)
    client, partner = api(cast.partner), signed_in(cast.partner)
    client.get("/requests")  # noting when the token was last used: done, before
    before = database_rows()
    if kind == "json":
        answer = client.post("/requests", request_data(context=big * 17))  # over the API's 1 MB
        assert_problem(answer, 413)
    else:
        partner.get("/cases/new")
        data = request_data(context=big)
        if kind == "multipart":
            data = request_data() | {"letter": (io.BytesIO(b"%PDF-1.4 " + big.encode()), "letter.pdf")}
        answer = partner.post(
            "/cases/new",
            data,
            content_type=f"{'multipart/form-data' if kind == 'multipart' else 'application/x-www-form-urlencoded'}",
        )
        assert answer.status_code == 413
        assert "too large" in answer.get_data(as_text=True).lower() or "larger than" in answer.get_data(as_text=True)
    assert changed_tables(before, database_rows()) == []


def test_malformed_input_is_refused_or_read_as_nothing_never_a_crash(app, factory, signed_in, api):
    world = build_world(factory)
    manager, partner = signed_in(world.cast.manager), signed_in(world.cast.partner)
    staff_api, partner_api = api(world.cast.manager), api(world.cast.partner)
    token = partner.csrf_token("/cases/new")
    form = "application/x-www-form-urlencoded"
    actions = f"/requests/{world.case.id}/actions"
    staff_api.get("/requests"), partner_api.get("/requests")  # noting when each token was last used: done, before
    before = database_rows()
    answers = {
        "query not UTF-8": (manager.get("/cases?q=%ff%fe"), 200),
        "query badly escaped": (manager.get("/cases?q=%zz&state=%"), 200),
        "form not UTF-8": (
            partner.client.post("/cases/new", data=b"title=%ff%fe&csrf_token=" + token.encode(), content_type=form),
            422,
        ),
        "form of raw bytes": (
            partner.client.post("/cases/new", data=b"title=\xff\xfe&csrf_token=" + token.encode(), content_type=form),
            400,
        ),
        "multipart without boundary": (
            partner.client.post("/cases/new", data=b"xx", content_type="multipart/form-data"),
            400,
        ),
        "multipart cut short": (
            partner.client.post(
                "/cases/new",
                data=b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nabc',
                content_type="multipart/form-data; boundary=b",
                headers={"X-CSRFToken": token},
            ),
            422,
        ),
        "JSON not UTF-8": (
            partner_api.call("POST", "/requests", data=b'{"title": "\xff"}', content_type="application/json"),
            400,
        ),
        "JSON NaN": (
            partner_api.call(
                "POST",
                actions,
                data=b'{"action": "withdraw", "version": NaN, "reason": "Budget cut."}',
                content_type="application/json",
            ),
            422,
        ),
        "JSON version as a fraction": (partner_api.fire(world.case.id, "withdraw", 1.5, reason="Budget cut."), 422),
        "JSON version past any integer": (
            partner_api.fire(world.case.id, "withdraw", 10**30, reason="Budget cut."),
            422,  # a version the request never had
        ),
        "form version past any float": (
            partner.post(
                f"/cases/{world.case.id}/actions/withdraw",
                {"version": "1e309", "reason": "Budget cut."},
                token_from="/cases",
            ),
            422,  # no version of a request: bad input, not a conflict
        ),
        "expert id past any integer": (
            staff_api.fire(world.case.id, "assign_lead", world.case.version, lead_expert=10**20),
            422,  # not a 500 from SQLite, which takes no integer that large
        ),
        "expert id past any integer, in a form": (
            manager.post(
                f"/cases/{world.case.id}/actions/assign_lead",
                {"version": world.case.version, "lead_expert": str(10**20)},
                token_from="/cases",
            ),
            422,
        ),
        "experts' free period reversed": (staff_api.get("/experts?free_from=2027-01-10&free_to=2026-01-01"), 422),
        "id past any integer": (manager.get("/cases/99999999999999999999999"), 404),
        "API id past any integer": (staff_api.get("/requests/99999999999999999999999"), 404),
        "page past the last": (staff_api.get("/requests?page=99999999999"), 422),
        "days far apart": (manager.get("/audit?from=0001-01-01&to=9999-12-31"), 200),
        "days reversed": (manager.get("/cases?view=all&from=9999-12-31&to=0001-01-01"), 200),
        "period far apart": (manager.get("/experts?free_from=0001-01-01&free_to=9999-12-31"), 200),
        "5,000 parameters": (manager.get("/cases?" + "&".join(f"p{number}=1" for number in range(5000))), 200),
    }
    assert {name: answer.status_code for name, (answer, _status) in answers.items()} == {
        name: status for name, (_answer, status) in answers.items()
    }
    assert changed_tables(before, database_rows()) == []
