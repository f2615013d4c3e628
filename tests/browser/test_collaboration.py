"""Working together in a real browser: an expert writes an internal note and a question, the
partner (in Arabic) answers with a PDF, the expert is notified, downloads it, and after the
mission the partner gives its feedback. Each page is checked with axe and photographed."""

from __future__ import annotations

import pytest

from expertise_app.documents.models import Document
from expertise_app.extensions import db
from expertise_app.feedback.models import MissionFeedback
from tests.browser.test_journeys import assert_accessible, sign_in
from tests.files import PDF


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_note_question_answer_with_a_pdf_and_a_notification(
    page, live_server, factory, cast, screenshot, width, tmp_path
):
    page.set_viewport_size({"width": width, "height": 900})
    cast.partner.locale = "ar"
    db.session.commit()
    case = factory.cast_case(cast, "assessed")
    url = f"{live_server}/cases/{case.id}"

    sign_in(page, live_server, cast.lead_expert.email)
    page.goto(url)
    page.click("#action-post_note summary")
    page.fill("#post_note-body", "Internal: the budget line is not confirmed yet.")
    page.click("#action-post_note button[type=submit]")
    page.click("#action-ask_partner summary")
    page.fill("#ask_partner-question", "Could you send the signed letter? See https://example.org/guide.")
    page.click("#action-ask_partner button[type=submit]")
    links = page.locator("a[href='https://example.org/guide']")  # in the pause box and the timeline
    assert links.count() == 2
    assert {links.nth(i).get_attribute("rel") for i in range(2)} == {"nofollow noopener noreferrer"}

    sign_in(page, live_server, cast.partner.email)
    page.goto(url)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "Internal: the budget" not in page.content()
    letter = tmp_path / "lettre.pdf"
    letter.write_bytes(PDF)
    page.fill("#answer-answer", "Voici la lettre signée.")
    page.set_input_files("#answer-attachments", str(letter))
    assert_accessible(page, "the partner's answer with a file, in Arabic")
    screenshot(page, f"ar-partner-answer-{width}")
    page.click("#action-answer button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".documents a", has_text="lettre.pdf").count() >= 1

    sign_in(page, live_server, cast.lead_expert.email)
    page.goto(f"{live_server}/cases")
    assert page.locator(".notifications-link .count").inner_text().strip() != ""
    page.click(".notifications-link")
    assert_accessible(page, "notifications")
    screenshot(page, f"en-notifications-{width}")
    page.click(f"a[href^='/cases/{case.id}#event-']")
    document = Document.query.one()
    with page.expect_download() as download:
        page.click(f"a[href='/cases/{case.id}/documents/{document.id}']")
    assert download.value.suggested_filename == "lettre.pdf"
    assert page.locator(".notifications-link .count").count() == 0  # opening the case read them


def test_the_partner_gives_feedback_after_the_mission(page, live_server, factory, cast, screenshot):
    case = factory.cast_case(cast, "mission_delivered")
    sign_in(page, live_server, cast.partner.email)
    page.goto(f"{live_server}/cases/{case.id}")
    for item in ("objectives", "knowledge", "experts", "organisation", "use", "further_support"):
        page.check(f"#action-give_feedback input[name='score_{item}'][value='4']")
    page.fill("#give_feedback-comments", "Useful and well organised.")
    assert_accessible(page, "the feedback questionnaire")
    screenshot(page, "en-partner-feedback-1280")
    page.click("#action-give_feedback button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    assert db.session.get(MissionFeedback, case.id).objectives == 4
