"""Managers disable and enable accounts from a page: a disabled account's sessions, remember-me
cookie and API tokens stop at once, and enabling it again does not bring them back."""

from __future__ import annotations

import pytest

from expertise_app.auth.models import User
from expertise_app.extensions import db

from .factories import Factory

# Who sees the page and who disables, pinned: managers only; anyone else is told there is nothing (404).
WHO_MANAGES = {"manager": (200, 302), "lead_expert": (404, 404), "unrelated_expert": (404, 404), "partner": (404, 404)}


@pytest.mark.parametrize(("person", "statuses"), WHO_MANAGES.items())
def test_only_managers_see_the_accounts(cast, signed_in, person, statuses):
    visitor = signed_in(cast[person])
    assert visitor.get("/accounts").status_code == statuses[0]
    target = cast.partner if person != "partner" else cast.other_partner
    visitor.get("/cases")
    assert visitor.post(f"/accounts/{target.id}/active", {"active": "0"}).status_code == statuses[1]
    db.session.expire_all()
    assert db.session.get(User, target.id).active is (person != "manager")


def test_the_list_finds_accounts_by_name_or_email_and_role(cast, signed_in):
    manager = signed_in(cast.manager)
    page = manager.get("/accounts", query_string={"q": cast.partner.email.upper()}).get_data(as_text=True)
    assert cast.partner.email in page and cast.other_partner.email not in page
    experts = manager.get("/accounts", query_string={"role": "expert"}).get_data(as_text=True)
    assert cast.lead_expert.email in experts and cast.partner.email not in experts
    assert "No account matches." in manager.get("/accounts", query_string={"q": "%_"}).get_data(as_text=True)


def test_a_disabled_account_stops_everywhere_and_stays_stopped_once_enabled(cast, signed_in, visitor_factory, api):
    partner = signed_in(cast.partner)
    client = api(cast.partner)
    assert client.get("/requests").status_code == 200
    manager = signed_in(cast.manager)
    manager.get("/accounts")
    assert manager.post(f"/accounts/{cast.partner.id}/active", {"active": "0"}).status_code == 302
    assert "is disabled" in manager.get("/accounts").get_data(as_text=True)

    assert partner.get("/cases").status_code == 302
    assert client.get("/requests").status_code == 401
    assert visitor_factory().login(cast.partner.email).status_code == 401

    manager.get("/accounts")
    assert manager.post(f"/accounts/{cast.partner.id}/active", {"active": "1"}).status_code == 302
    assert partner.get("/cases").status_code == 302  # the old session does not come back
    assert client.get("/requests").status_code == 200  # tokens are the account's, and it is active again
    assert visitor_factory().login(cast.partner.email, Factory.PASSWORD).status_code == 302


def test_a_manager_cannot_disable_their_own_account(cast, signed_in):
    manager = signed_in(cast.manager)
    manager.get("/accounts")
    response = manager.post(f"/accounts/{cast.manager.id}/active", {"active": "0"}, follow_redirects=True)
    assert "You cannot disable your own account" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, cast.manager.id).active
    assert manager.get("/accounts").status_code == 200


def test_disabling_needs_the_form_s_token_and_a_real_account(cast, signed_in):
    manager = signed_in(cast.manager)
    manager.get("/accounts")
    assert manager.post(f"/accounts/{cast.partner.id}/active", {"active": "0"}, with_csrf=False).status_code == 400
    assert manager.post("/accounts/999999/active", {"active": "0"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, cast.partner.id).active
