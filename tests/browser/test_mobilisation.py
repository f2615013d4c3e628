"""Mobilising a team in a real browser: the lead finds the suggested experts, proposes two,
one accepts with the declaration in their workspace, the lead confirms and mobilises.
Every page on the way is checked with axe and photographed, at desktop and phone width,
and the suggestions page in Arabic."""

from __future__ import annotations

import pytest

from tests.browser.test_journeys import assert_accessible, sign_in
from tests.factories import expert_profile


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_the_lead_builds_a_team_from_the_suggestions_and_mobilises_it(
    page, live_server, factory, cast, screenshot, width
):
    page.set_viewport_size({"width": width, "height": 900})
    amal = factory.expert(
        name="Amal Haddad",
        profile=expert_profile(primary_fields=["MUS"], languages={"ar": "native"}, countries=["JO"]),
    )
    case = factory.case("assessed", author=cast.partner, field="MUS", country="JO", working_languages=["ar"])
    factory.assign_lead(case, cast.lead_expert)
    factory.fire(case, "plan_mission")
    url = f"{live_server}/cases/{case.id}"

    sign_in(page, live_server, cast.lead_expert.email)
    page.goto(f"{live_server}/cases/{case.id}/suggestions")
    assert page.locator(".suggestion").first.locator("label").inner_text() == "Amal Haddad"
    assert_accessible(page, "suggestions")
    screenshot(page, f"en-lead-suggestions-{width}")
    page.check(f"#propose-{amal.id}")
    page.check(f"#propose-{cast.lead_expert.id}")
    page.click("#team-form button.primary")
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".team-list .team-proposed").count() == 2

    sign_in(page, live_server, amal.email)
    page.goto(f"{live_server}/cases")
    page.click(f"a[href='/cases/{case.id}#action-accept_proposal']")
    assert_accessible(page, "the proposal to answer")
    screenshot(page, f"en-expert-proposal-{width}")
    page.check("#accept_proposal-no_conflict")
    page.click("#action-accept_proposal button[type=submit]")
    assert page.locator(".flash-success").count() == 1

    sign_in(page, live_server, cast.lead_expert.email)
    page.goto(url)
    page.check("#accept_proposal-no_conflict")  # the form is open: it is what the case waits for
    page.click("#action-accept_proposal button[type=submit]")
    for expert in (amal, cast.lead_expert):
        page.click("#action-confirm_expert summary")
        page.select_option("#confirm_expert-expert", str(expert.id))
        page.click("#action-confirm_expert button[type=submit]")
        assert page.locator(".flash-success").count() == 1
    assert page.locator(".team-list .team-confirmed").count() == 2
    page.click("#action-mobilise summary")
    page.click("#action-mobilise button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert_accessible(page, "the mobilised case")
    screenshot(page, f"en-lead-mobilised-{width}")


def test_the_directory_and_the_suggestions_in_arabic(page, live_server, factory, cast, screenshot):
    case = factory.case("assessed", author=cast.partner)
    sign_in(page, live_server, cast.manager.email)
    page.click("form.language-switcher button[value=ar]")
    for path, name in ((f"/cases/{case.id}/suggestions", "suggestions"), ("/experts", "directory")):
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert_accessible(page, f"{name} in Arabic")
        screenshot(page, f"ar-manager-{name}")
    page.goto(f"{live_server}/experts/{cast.team_expert.id}")
    assert_accessible(page, "a profile in Arabic")
