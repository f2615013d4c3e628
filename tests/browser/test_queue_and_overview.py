"""The work queue and the overview as people use them, in a real browser: an expert lands on
their open work, searches "musee", saves the view, opens a case and goes back to the same list;
a manager opens the overview, clicks the bar of a field, lands on the list it counts and
exports it to XLSX. Each page is checked with axe and photographed, in English and Arabic."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.browser.test_journeys import assert_accessible, sign_in

FILLER = "The collections need a plan before the new storage opens next year."


def follow(page, selector: str) -> None:
    """Click what leads to another page, and wait for that page (a loaded machine is slow to answer)."""
    with page.expect_navigation():
        page.click(selector)


def choose(page, language: str) -> None:
    """Switch to `language` once signed in (kept as the person's preference)."""
    if language != "en":
        follow(page, f"button[name=lang][value={language}]")
        assert page.locator("html").get_attribute("lang") == language


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": True, "accept_downloads": True}  # axe injects its script


@pytest.fixture
def museums(factory):
    expert = factory.expert(name="Camille Laurent")
    mine = factory.assign_lead(factory.case(title="Plan for the storage of a small archive", context=FILLER), expert)
    found = [
        factory.case(title="Réserves du Musée national du Bardo", field="MUS", context=FILLER),
        factory.case(title="Inventaire du musée de Carthage", field="MUS", context=FILLER),
        # Written in English: found by its field's name, "Musées et collections" in French.
        factory.case(title="Survey of the Sfax storerooms", field="MUS", context=FILLER),
    ]
    other = factory.case(title="Visitor paths at Dougga", field="HER", context=FILLER)
    return expert, mine, found, other


def listed(page) -> list[str]:
    return page.locator("table.cases tbody tr td:first-child a").all_inner_texts()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_expert_searches_saves_a_view_and_comes_back_to_it(page, live_server, museums, screenshot, language):
    expert, mine, found, _other = museums
    sign_in(page, live_server, expert.email)
    choose(page, language)
    page.goto(f"{live_server}/cases")
    assert listed(page) == [mine.reference]  # their open work
    assert_accessible(page, "queue, my open work")
    screenshot(page, f"{language}-queue-mine")

    page.fill("#filter-q", "musee")  # from their own work, where no museum request is
    follow(page, "form.filters button[type=submit]")
    assert sorted(listed(page)) == sorted(case.reference for case in found)
    assert page.locator("p.flash[role=status]", has_text="musee").count() == 1  # found among all requests
    assert_accessible(page, "queue, searched")
    screenshot(page, f"{language}-queue-search")

    page.click(".save-view summary")
    page.fill("#save-view-name", "Musées")
    follow(page, ".save-view button[type=submit]")
    assert page.locator(".saved-views .chips a[dir=auto]", has_text="Musées").count() == 1

    page.goto(f"{live_server}/cases")
    follow(page, ".saved-views .chips a[dir=auto]:has-text('Musées')")
    assert sorted(listed(page)) == sorted(case.reference for case in found)
    list_url = page.url

    follow(page, f"table.cases a:has-text('{listed(page)[0]}')")
    assert page.locator("a[rel=next]").count() == 1
    assert_accessible(page, "case opened from the list")
    screenshot(page, f"{language}-case-from-list")
    follow(page, "a[rel=next]")
    follow(page, ".case-nav .breadcrumb a")
    assert sorted(listed(page)) == sorted(case.reference for case in found)
    assert "q=musee" in page.url and "q=musee" in list_url


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_manager_goes_from_a_bar_of_the_overview_to_its_list_and_exports_it(
    page, live_server, museums, factory, screenshot, language
):
    _expert, _mine, found, _other = museums
    manager = factory.manager()
    sign_in(page, live_server, manager.email)
    choose(page, language)
    page.goto(f"{live_server}/dashboard")
    assert_accessible(page, "overview")
    screenshot(page, f"{language}-overview")

    bar = page.locator("#by-field ~ svg a").filter(has=page.locator("text")).nth(0)
    label = bar.locator("text.label").text_content()
    with page.expect_navigation():
        bar.click()
    assert re.search(r"field=MUS", page.url), label  # the largest field comes first: museums
    assert sorted(listed(page)) == sorted(case.reference for case in found)
    screenshot(page, f"{language}-overview-field-list")

    with page.expect_download() as download:
        page.click("a[href*='export.xlsx']")
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sorted(row[0] for row in rows[1:]) == sorted(case.reference for case in found)

    # The CSV is streamed: written by the server after the view has returned, for the same
    # person, in the same language.
    with page.expect_download() as download:
        page.click("a[href*='export.csv']")
    text = download.value.path().read_text(encoding="utf-8-sig")
    header, *lines = text.splitlines()
    assert header.startswith("الرقم المرجعي" if language == "ar" else "Reference"), header
    assert sorted(line.split(",")[0] for line in lines) == sorted(case.reference for case in found)
