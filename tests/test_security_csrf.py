"""Cross-site request forgery: every route that changes something, read from the URL map (a new
route cannot be forgotten), refuses a form sent without the session's CSRF token — 400 "Your form
expired" — and changes nothing; sent with it, the same form does its work. The forms used signed
out (sign-in, forgotten password, the pages of reset and invitation links) are no exception. The API's changes
need the token too when the caller is the session cookie (a bearer token cannot be forged by
another site's page)."""

from __future__ import annotations

import pytest

from .pages import form_posting_to
from .security import API_CALLS, PAGE_FORMS, address, build_world, changed_tables, database_rows, unsafe_rules

# Routes that change something and take no CSRF token, each with the reason. None today: even the
# sign-in form has one (a forged sign-in would put the victim in the attacker's account).
EXEMPT: dict[str, str] = {}


def test_every_route_that_changes_something_is_in_the_tables_below(app):
    routes = set(unsafe_rules(app))
    assert routes - set(PAGE_FORMS) - set(API_CALLS) - set(EXEMPT) == set(), (
        "a new route changes something: add it to PAGE_FORMS or API_CALLS (or EXEMPT, saying why)"
    )
    assert set(PAGE_FORMS) | set(API_CALLS) | set(EXEMPT) <= routes, "a route named here no longer exists"
    assert not {endpoint for endpoint in routes if endpoint.startswith("api.")} - set(API_CALLS)


def _profile_form(visitor, url: str) -> dict:
    form = form_posting_to(visitor.get(url).get_data(as_text=True), "")
    data = {name: values if len(values) > 1 else values[0] for name, values in form.values.items() if values}
    data.pop("csrf_token", None)
    return data | {"biography": "Rewritten by a forged form."}


@pytest.mark.parametrize("endpoint", sorted(PAGE_FORMS))
def test_a_form_without_its_token_is_refused_and_changes_nothing(app, factory, visitor_factory, endpoint):
    world = build_world(factory)
    who, data_of = PAGE_FORMS[endpoint]
    url = address(app, endpoint, world)
    visitor = visitor_factory()
    if who is None:
        visitor.get("/login")  # a session with a token of its own, that the forged form does not carry
    else:
        assert visitor.login(world.cast[who].email).status_code == 302
    data = _profile_form(visitor, url) if data_of is None else data_of(world)
    before = database_rows()

    forged = visitor.post(url, data, with_csrf=False)

    assert forged.status_code == 400
    assert "Your form expired" in forged.get_data(as_text=True)
    assert changed_tables(before, database_rows()) == []
    if who is None:
        assert visitor.get("/cases").status_code == 302  # still not signed in

    # The same form with the token goes through: only the token was missing.
    sent = visitor.post(url, data, token_from="/login" if who is None else "/account")
    assert sent.status_code in (200, 201, 302), sent.get_data(as_text=True)[:3000]
    if endpoint == "auth.login":
        assert visitor.get("/cases").status_code == 200  # signing in writes no row but the audit log's
    else:  # a reset asked for or used, an invitation accepted (its invitee signed in): all signed out
        assert changed_tables(before, database_rows()) != []


@pytest.mark.parametrize("endpoint", sorted(API_CALLS))
def test_an_api_change_with_the_session_cookie_needs_the_token_in_a_header(app, factory, visitor, endpoint):
    world = build_world(factory)
    who, body_of, kind = API_CALLS[endpoint]
    url = address(app, endpoint, world)
    assert visitor.login(world.cast[who].email).status_code == 302

    def send(headers: dict):
        if kind == "json":
            return visitor.client.post(url, json=body_of(world), headers=headers)
        return visitor.client.post(url, data=body_of(world), headers=headers, content_type="multipart/form-data")

    before = database_rows()
    forged = send({})
    assert forged.status_code == 400, forged.get_data(as_text=True)
    assert forged.mimetype == "application/problem+json"
    assert changed_tables(before, database_rows()) == []

    sent = send({"X-CSRFToken": visitor.csrf_token("/cases")})
    assert sent.status_code in (200, 201), sent.get_data(as_text=True)
    assert changed_tables(before, database_rows()) != []


@pytest.mark.parametrize("endpoint", sorted(API_CALLS))
def test_an_api_change_with_a_bearer_token_needs_no_csrf_token(app, factory, api, endpoint):
    world = build_world(factory)
    who, body_of, kind = API_CALLS[endpoint]
    url = address(app, endpoint, world).removeprefix("/api/v1")
    client = api(world.cast[who])
    if kind == "json":
        answer = client.post(url, body_of(world))
    else:
        answer = client.call("POST", url, data=body_of(world), content_type="multipart/form-data")
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)
