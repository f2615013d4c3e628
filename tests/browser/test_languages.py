"""A partner in Arabic and an expert and a manager in French, in a real browser."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.factories import Factory
from tests.translations import translated

# Latin-script words left on a page once user-entered text is set aside: there should be none
# but the product's name and the reference prefix.
ALLOWED_LATIN = {"Passerelle", "EXP", "PDF", "Office", "OpenDocument", "MB", "CSV", "XLSX"}  # file formats, a unit

VISIBLE_INTERFACE_TEXT = """
() => {
  const clone = document.body.cloneNode(true);
  // User-entered text (marked dir=auto or <bdi>) and names given in their own language (lang=…)
  // are not the interface's to translate.
  clone.querySelectorAll('[dir=auto], bdi, [lang], script, style, option').forEach(e => e.remove());
  return clone.innerText;
}
"""


def latin_words(page) -> set[str]:
    text = page.evaluate(VISIBLE_INTERFACE_TEXT)
    return {word for word in re.findall(r"[A-Za-z]{2,}", text) if word not in ALLOWED_LATIN}


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", Factory.PASSWORD)
    page.click("form:not(.language-switcher) button[type=submit]")


@pytest.fixture
def people(factory):
    partner = factory.partner(name="Leïla Ben Salah")
    expert = factory.expert(name="Camille Laurent")
    manager = factory.manager(name="Claire Dubois")
    return partner, expert, manager


def test_a_partner_works_in_arabic_right_to_left(page, live_server, people, screenshot):
    partner, _, _ = people
    page.goto(f"{live_server}/login")
    page.click("button[name=lang][value=ar]")
    assert page.get_attribute("html", "lang") == "ar"
    assert page.get_attribute("html", "dir") == "rtl"
    assert latin_words(page) == set()
    screenshot(page, "ar-login")

    sign_in(page, live_server, partner.email)
    assert page.get_attribute("html", "dir") == "rtl"
    assert latin_words(page) == set()
    screenshot(page, "ar-partner-requests-empty")

    page.click("nav a[href$='/cases/new']")
    assert latin_words(page) == set()
    screenshot(page, "ar-new-request")
    start = date.today() + timedelta(days=60)
    page.fill("#title", "خطة لإدارة تدفق الزوار في موقع قرطاج الأثري")
    page.select_option("#field", "TOU")
    page.select_option("#country", "TN")
    page.select_option("#assistance_type", "expert_mission")
    page.select_option("#instrument", "bilateral")
    page.fill("#context", "يستقبل موقع قرطاج الأثري أعدادًا متزايدة من الزوار، ونحتاج إلى خطة لإدارة تدفقهم. " * 2)
    page.fill("#objectives", "وضع خطة لإدارة تدفق الزوار.")
    page.fill("#expected_results", "خطة مكتوبة وفريق مدرَّب.")
    page.fill("#period_start", start.isoformat())
    page.fill("#period_end", (start + timedelta(days=5)).isoformat())
    page.check("input[name=working_languages][value=ar]")
    page.check("input[name=working_languages][value=fr]")
    page.click("form.request-form button[type=submit]")

    assert re.search(r"/cases/\d+$", page.url)
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("h1").inner_text() == "خطة لإدارة تدفق الزوار في موقع قرطاج الأثري"
    assert latin_words(page) == set()
    # The timeline reads right to left: its line is on the right-hand side.
    timeline = page.locator("ol.timeline")
    assert timeline.evaluate("e => getComputedStyle(e).borderRightWidth") != "0px"
    screenshot(page, "ar-request-timeline")

    page.click("nav a[href$='/cases']")
    assert latin_words(page) == set()
    screenshot(page, "ar-partner-requests")


def test_staff_work_in_french(app, page, live_server, people, factory, screenshot):
    partner, expert, manager = people
    case = factory.case("submitted", author=partner)
    factory.case("closed", author=partner)
    page.goto(f"{live_server}/login")
    page.click("button[name=lang][value=fr]")
    sign_in(page, live_server, expert.email)
    assert page.get_attribute("html", "lang") == "fr"
    assert page.get_attribute("html", "dir") == "ltr"
    screenshot(page, "fr-expert-queue")

    page.goto(f"{live_server}/cases/{case.id}")
    screenshot(page, "fr-expert-case")
    page.click("#action-assess summary")
    page.fill("#action-assess textarea[name=eligibility_notes]", "Établissement public éligible.")
    page.click("#action-assess button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".badge").first.inner_text() == translated(app, "fr", "Assessed")

    page.context.clear_cookies()
    page.goto(f"{live_server}/login")
    page.click("button[name=lang][value=fr]")
    sign_in(page, live_server, manager.email)
    assert page.get_attribute("html", "lang") == "fr"
    screenshot(page, "fr-manager-overview")


def test_staff_pages_read_right_to_left_in_arabic(page, live_server, people, factory, screenshot):
    partner, expert, manager = people
    case = factory.case("skills_mobilised", author=partner)
    factory.case("closed", outcome="declined", author=partner)
    for user, pages in (
        (expert, [("ar-expert-queue", "/cases"), ("ar-expert-case", f"/cases/{case.id}")]),
        (manager, [("ar-manager-overview", "/dashboard"), ("ar-manager-case", f"/cases/{case.id}")]),
    ):
        page.context.clear_cookies()
        page.goto(f"{live_server}/login")
        page.click("button[name=lang][value=ar]")
        sign_in(page, live_server, user.email)
        for name, path in pages:
            page.goto(f"{live_server}{path}")
            assert page.get_attribute("html", "dir") == "rtl"
            assert latin_words(page) == set(), name
            screenshot(page, name)
