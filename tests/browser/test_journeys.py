"""The case actions as people use them, in a real browser: an expert asks the partner for
the official letter, the partner answers, the expert goes on; a manager holds, resumes,
declines with a reason code and redirects to TAIEX; an expert takes a request nobody leads
from the queue and assesses it; a manager names a lead, records the mission and closes the
request. Pages on the way are checked with axe (no serious or critical violation) and
photographed, at desktop and phone width (every page, in English and Arabic:
test_accessibility.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import Factory

AXE = Axe()
SERIOUS = {"serious", "critical"}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": True}  # axe injects its script


def assert_accessible(page, where: str) -> None:
    violations = [v for v in AXE.run(page).response["violations"] if v["impact"] in SERIOUS]
    summary = [(v["id"], [node["target"] for node in v["nodes"]][:3]) for v in violations]
    assert not violations, (where, summary)


def sign_in(page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", Factory.PASSWORD)
    page.click("form:not(.language-switcher) button[type=submit]")


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_a_question_to_the_partner_answered_in_the_browser(page, live_server, factory, cast, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    case = factory.cast_case(cast, "submitted")
    url = f"{live_server}/cases/{case.id}"

    sign_in(page, live_server, cast.unrelated_expert.email)
    page.goto(url)
    assert_accessible(page, "expert case page")
    page.click("#action-ask_partner summary")
    page.fill("#ask_partner-question", "Please send the official request letter, signed by your director.")
    page.fill("#ask_partner-due_on", (date.today() + timedelta(days=10)).isoformat())
    page.click("#action-ask_partner button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".badge.pause").count() == 1
    page.goto(f"{live_server}/cases?pause=waiting")
    assert page.locator(f"text={case.reference}").count() == 1
    assert_accessible(page, "queue waiting for the partner")
    screenshot(page, f"en-expert-queue-waiting-{width}")

    sign_in(page, live_server, cast.partner.email)
    page.goto(url)
    assert page.locator(".status-box.attention").count() == 1
    assert_accessible(page, "partner case page with a question")
    screenshot(page, f"en-partner-question-{width}")
    page.fill("#answer-answer", "The signed letter is attached to our email of today.")
    page.click("#action-answer button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".status-box.attention").count() == 0

    sign_in(page, live_server, cast.unrelated_expert.email)
    page.goto(url)
    assert page.locator("#action-assess").count() == 1  # the expert goes on


def test_a_manager_holds_resumes_declines_and_redirects_in_the_browser(page, live_server, factory, cast, screenshot):
    held = factory.cast_case(cast, "assessed")
    declined = factory.cast_case(cast, "submitted")
    redirected = factory.cast_case(cast, "submitted")
    sign_in(page, live_server, cast.manager.email)

    page.goto(f"{live_server}/cases/{held.id}")
    page.click("#action-hold summary")
    page.fill("#hold-reason", "The partner's new minister must confirm the project.")
    page.click("#action-hold button[type=submit]")
    assert page.locator(".badge.pause").count() == 1
    assert_accessible(page, "case on hold")
    page.click("#action-resume summary")
    page.click("#action-resume button[type=submit]")
    assert page.locator(".badge.pause").count() == 0

    page.goto(f"{live_server}/cases/{declined.id}")
    page.click(f"a[href='/cases/{declined.id}/actions/decline']")
    assert_accessible(page, "decline confirmation page")
    screenshot(page, "en-manager-decline-confirm")
    page.select_option("#decline-decline_reason", "duplicate")
    page.fill("#decline-reason", "This is covered by the UNESCO project in your country.")
    page.click("#action-form button[type=submit]")
    assert "Closed" in page.locator(".badge").first.inner_text()

    page.goto(f"{live_server}/cases/{redirected.id}/actions/redirect")
    page.select_option("#redirect-destination", "eu_taiex_twinning")
    page.fill("#redirect-reason", "Aligning with EU law is what TAIEX is for.")
    page.click("#action-form button[type=submit]")
    assert "Redirected" in page.locator(".badge").first.inner_text()

    sign_in(page, live_server, cast.partner.email)
    page.goto(f"{live_server}/cases/{redirected.id}")
    assert "EU TAIEX or Twinning" in page.locator(".status-box").inner_text()
    assert_accessible(page, "partner's redirected request")
    screenshot(page, "en-partner-redirected")


def test_the_partner_s_pages_in_arabic_on_a_phone(page, live_server, factory, cast, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    case = factory.cast_case(cast, "submitted")
    factory.fire(case, "ask_partner", actor=cast.manager)
    sign_in(page, live_server, cast.partner.email)
    page.click("button[name=lang][value=ar]")  # saved as the partner's preference
    page.goto(f"{live_server}/cases/{case.id}")
    assert page.get_attribute("html", "dir") == "rtl"
    assert_accessible(page, "Arabic case page with a question")
    screenshot(page, "ar-partner-question-phone")
    page.goto(f"{live_server}/cases/{case.id}/actions/edit")
    assert_accessible(page, "Arabic edit page")
    screenshot(page, "ar-partner-edit-phone")


def test_an_expert_takes_a_request_from_the_queue_and_assesses_it(page, live_server, factory, screenshot):
    expert = factory.expert(name="Camille Laurent")
    case = factory.case("submitted", title="Inventory of a regional museum's storage")
    sign_in(page, live_server, expert.email)
    page.goto(f"{live_server}/cases?view=unassigned")
    row = page.locator("table.cases tbody tr", has_text=case.reference)
    with page.expect_navigation():
        row.locator("form button[type=submit]").click()
    assert page.locator(".flash-success").count() == 1
    page.goto(f"{live_server}/cases/{case.id}")
    assert "Camille Laurent" in page.locator("#assessment-title + dl").inner_text()  # the lead now
    page.click("#action-assess summary")
    page.fill("#assess-eligibility_notes", "A public museum; storage is within our fields.")
    with page.expect_navigation():
        page.click("#action-assess button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".badge").first.inner_text() == "Assessed"
    assert_accessible(page, "the assessed request")
    screenshot(page, "en-expert-took-and-assessed")


def test_a_manager_names_a_lead_records_the_mission_and_closes_the_request(
    page, live_server, factory, cast, screenshot
):
    submitted = factory.case("submitted", author=cast.partner)
    mobilised = factory.cast_case(cast, "skills_mobilised")
    sign_in(page, live_server, cast.manager.email)

    page.goto(f"{live_server}/cases/{submitted.id}")
    page.click("#action-assign_lead summary")
    page.select_option("#assign_lead-lead_expert", str(cast.lead_expert.id))
    with page.expect_navigation():
        page.click("#action-assign_lead button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert cast.lead_expert.name in page.locator("#assessment-title + dl").inner_text()

    page.goto(f"{live_server}/cases/{mobilised.id}")
    page.click("#action-deliver summary")
    page.fill("#deliver-actual_start", (date.today() - timedelta(days=6)).isoformat())
    page.fill("#deliver-actual_end", (date.today() - timedelta(days=2)).isoformat())
    page.fill("#deliver-report", "Five days on site; the visitor-flow plan is agreed with the site team.")
    page.fill("#deliver-participants_reached", "14")
    with page.expect_navigation():
        page.click("#action-deliver button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".badge").first.inner_text() == "Mission delivered"

    page.click("#action-close summary")
    page.fill("#close-closing_summary", "Delivered as planned; a training would consolidate it.")
    page.select_option("#close-follow_up", "training")
    with page.expect_navigation():
        page.click("#action-close button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".badge").first.inner_text() == "Closed · Completed"
    assert page.locator("#closing-title").count() == 1
    assert_accessible(page, "the closed request")
    screenshot(page, "en-manager-closed")

    sign_in(page, live_server, cast.partner.email)
    page.goto(f"{live_server}/cases/{mobilised.id}")
    assert page.locator("#action-give_feedback").count() == 1  # the partner is asked for feedback next
