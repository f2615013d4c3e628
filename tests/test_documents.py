"""Documents on a request: checked from their content, kept in the database, served only to
those who may see them, as downloads that no browser runs."""

from __future__ import annotations

import hashlib

import pytest

from expertise_app.cases.models import Event
from expertise_app.documents.files import clean_name
from expertise_app.documents.models import Document, StoredFile

from .conftest import assert_problem
from .factories import count, request_data, step_data
from .files import NOT_A_PDF, PDF, odt, png, upload, xlsx


def _answer_with(visitor, case, *files, answer="Here is the official letter, signed.", status=302):
    response = visitor.post(
        f"/cases/{case.id}/actions/answer",
        {"version": case.partner_version, "answer": answer, "attachments": list(files)},
    )
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response


def test_the_partner_answers_with_a_pdf_that_the_ministry_downloads_as_sent(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    factory.fire(case, "ask_partner", actor=cast.lead_expert)

    _answer_with(signed_in(cast.partner), case, upload(PDF, "Lettre officielle.pdf"))

    document = Document.query.one()
    assert (document.name, document.kind, document.internal) == ("Lettre officielle.pdf", "annex", False)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest() and document.size == len(PDF)
    assert document.event.trigger == "answer"
    staff = signed_in(cast.lead_expert)
    page = staff.get(f"/cases/{case.id}").get_data(as_text=True)
    link = f"/cases/{case.id}/documents/{document.id}"
    assert link in page and "Lettre officielle.pdf" in page
    download = staff.get(link)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("name", "content", "served_as"),
    [
        ("budget.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("programme.odt", odt(), "application/vnd.oasis.opendocument.text"),
        ("photo.PNG", png(), "image/png"),
    ],
)
def test_office_opendocument_files_and_images_are_accepted(factory, cast, signed_in, name, content, served_as):
    case = factory.cast_case(cast, "submitted")
    response = signed_in(cast.partner).post(
        f"/cases/{case.id}/actions/post_message",
        {"version": case.partner_version, "body": "", "attachments": upload(content, name)},
    )
    assert response.status_code == 302
    document = Document.query.one()
    assert (
        document.content_type == served_as
        and document.name == name.rsplit(".", 1)[0] + "." + name.rsplit(".", 1)[1].lower()
    )


def test_a_file_renamed_to_pdf_is_refused_with_a_message_and_nothing_is_kept(factory, cast, signed_in, api):
    case = factory.cast_case(cast, "assessed")
    factory.fire(case, "ask_partner", actor=cast.lead_expert)
    events = count(Event)

    response = _answer_with(signed_in(cast.partner), case, upload(NOT_A_PDF, "letter.pdf"), status=422)

    page = response.get_data(as_text=True)
    assert "“letter.pdf” is not what its name says: its content is not a PDF file." in page
    assert "Here is the official letter, signed." in page  # the answer typed is given back
    problem = assert_problem(
        api(cast.partner).call(
            "POST", f"/requests/{case.id}/documents", data={"file": upload(NOT_A_PDF, "letter.pdf")}
        ),
        422,
    )
    assert "is not what its name says" in problem["errors"]["attachments"][0]
    assert (count(Document), count(StoredFile), count(Event)) == (0, 0, events)


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "script.js", "noextension"])
def test_files_a_browser_could_run_are_refused(factory, cast, api, name):
    case = factory.cast_case(cast, "submitted")
    problem = assert_problem(
        api(cast.partner).call("POST", f"/requests/{case.id}/documents", data={"file": upload(b"<svg/>", name)}), 422
    )
    assert (
        "cannot be attached: only PDF, Office and OpenDocument files and images" in problem["errors"]["attachments"][0]
    )
    assert count(Document) == 0


def test_an_oversized_upload_gets_413_and_a_message_on_the_page_and_the_api(
    app, factory, cast, signed_in, api, monkeypatch
):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1000)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 5000)
    case = factory.cast_case(cast, "submitted")
    big = PDF + b"0" * 2000  # over the file limit, under the body limit

    page = signed_in(cast.partner).post(
        f"/cases/{case.id}/actions/post_message",
        {"version": case.partner_version, "body": "The annex.", "attachments": upload(big, "annex.pdf")},
    )
    assert page.status_code == 413
    assert "“annex.pdf” is larger than 1,000 B, the largest file that can be attached." in page.get_data(as_text=True)
    assert "The annex." in page.get_data(as_text=True)  # the message typed is given back

    client = api(cast.partner)
    problem = assert_problem(
        client.call("POST", f"/requests/{case.id}/documents", data={"file": upload(big, "annex.pdf")}), 413
    )
    assert "annex.pdf" in problem["errors"]["attachments"][0]
    huge = PDF + b"0" * 10000  # over the body limit itself
    problem = assert_problem(
        client.call("POST", f"/requests/{case.id}/documents", data={"file": upload(huge, "annex.pdf")}), 413
    )
    assert problem["detail"]
    too_big_page = signed_in(cast.partner).post(
        f"/cases/{case.id}/actions/post_message",
        {"version": case.partner_version, "body": "x", "attachments": upload(huge, "a.pdf")},
    )
    assert too_big_page.status_code == 413 and "1,000 B" in too_big_page.get_data(as_text=True)
    assert count(Document) == 0


def test_another_organisation_gets_404_on_a_download_and_a_partner_404_on_an_internal_document(
    factory, cast, signed_in, api
):
    case = factory.cast_case(cast, "assessed")
    staff = signed_in(cast.lead_expert)
    staff.post(
        f"/cases/{case.id}/actions/post_message",
        {"version": case.version, "body": "The programme.", "attachments": upload(PDF, "programme.pdf")},
    )
    staff.post(
        f"/cases/{case.id}/actions/post_note",
        {"version": case.version, "body": "Our budget.", "attachments": upload(xlsx(), "budget.xlsx")},
    )
    public, internal = Document.query.order_by(Document.id).all()
    assert (public.internal, internal.internal) == (False, True)

    for url in (f"/cases/{case.id}/documents/{public.id}", f"/cases/{case.id}/documents/{internal.id}"):
        assert signed_in(cast.other_partner).get(url).status_code == 404
        assert api(cast.other_partner).get(url.replace("/cases/", "/requests/")).status_code == 404
    partner = signed_in(cast.partner)
    assert partner.get(f"/cases/{case.id}/documents/{public.id}").status_code == 200
    assert partner.get(f"/cases/{case.id}/documents/{internal.id}").status_code == 404
    assert "budget.xlsx" not in partner.get(f"/cases/{case.id}").get_data(as_text=True)
    listed = api(cast.partner).get(f"/requests/{case.id}/documents").get_json()["items"]
    assert [item["name"] for item in listed] == ["programme.pdf"]
    assert api(cast.partner).get(f"/requests/{case.id}/documents/{internal.id}").status_code == 404
    staff_listed = api(cast.manager).get(f"/requests/{case.id}/documents").get_json()["items"]
    assert [(item["name"], item["internal"]) for item in staff_listed] == [
        ("programme.pdf", False),
        ("budget.xlsx", True),
    ]
    download = api(cast.manager).get(staff_listed[1]["download_url"].removeprefix("/api/v1"))
    assert download.status_code == 200 and download.data.startswith(b"PK")  # the workbook, not JSON
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # a document of one request is not found under another
    other = factory.cast_case(cast, "submitted")
    assert staff.get(f"/cases/{other.id}/documents/{public.id}").status_code == 404


def test_the_official_letter_is_filed_with_the_request(factory, cast, signed_in):
    visitor = signed_in(cast.partner)
    visitor.get("/cases/new")
    response = visitor.post(
        "/cases/new",
        {
            **request_data(),
            "submission_key": "k1",
            "official_letter": upload(PDF, "Courrier du ministre.pdf"),
            "annexes": [upload(odt(), "Agenda.odt")],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    kinds = sorted((document.kind, document.name) for document in Document.query)
    assert kinds == [("annex", "Agenda.odt"), ("official_letter", "Courrier du ministre.pdf")]
    assert Document.query.first().event.trigger == "submit"


def test_the_mission_report_is_delivered_as_a_document_besides_its_text(factory, cast, signed_in):
    case = factory.cast_case(cast, "skills_mobilised")
    visitor = signed_in(cast.team_expert)
    response = visitor.post(
        f"/cases/{case.id}/actions/deliver",
        {**step_data("deliver", case), "version": case.version, "report_file": upload(PDF, "Rapport de mission.pdf")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    document = Document.query.one()
    assert (document.kind, document.internal) == ("mission_report", False)
    assert "Rapport de mission.pdf" in signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_form_with_a_file_and_a_mistake_is_shown_again_with_what_was_typed(factory, cast, signed_in):
    """It answered 500, the typed text lost, whenever a file was attached to a form with an error: the
    form macro had taken the name of the translation function for its own use."""
    visitor = signed_in(cast.partner)
    visitor.get("/cases/new")
    data = request_data(title="Storage plan for the regional museum", period_end="2020-01-01")
    filed = visitor.post("/cases/new", {**data, "submission_key": "k2", "official_letter": upload(PDF, "Lettre.pdf")})
    case = factory.cast_case(cast, "skills_mobilised")
    report = "The team trained twelve curators over five days and left a written plan."
    delivered = signed_in(cast.team_expert).post(
        f"/cases/{case.id}/actions/deliver",
        {
            **step_data("deliver", case),
            "version": case.version,
            "actual_end": "2000-01-01",
            "report": report,
            "report_file": upload(PDF, "Rapport.pdf"),
        },
    )

    for answer, typed, name in ((filed, data["title"], "Lettre.pdf"), (delivered, report, "Rapport.pdf")):
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422
        assert typed in page
        assert f"Files are not kept while the form has errors: choose them again ({name})." in page
    assert Document.query.count() == 0


def test_a_refused_action_keeps_no_file(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    stale = case.partner_version
    factory.fire(case, "post_message", actor=cast.partner)
    response = signed_in(cast.partner).post(
        f"/cases/{case.id}/actions/post_message",
        {"version": stale, "body": "Late.", "attachments": upload(PDF, "a.pdf")},
    )
    assert response.status_code == 409
    assert (count(Document), count(StoredFile)) == (0, 0)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\Lettre.PDF", "Lettre.pdf"),
        ("رسالة\u0007 رسمية.pdf", "رسالة رسمية.pdf"),
        ('a<b>:"c|d?*.pdf', "a_b___c_d__.pdf"),
        ("...pdf", "document.pdf"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_names_are_cleaned_of_paths_control_characters_and_forbidden_characters(given, kept):
    assert clean_name(given) == kept


def test_a_file_sent_in_the_place_of_a_text_field_is_ignored_not_taken_for_the_text(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    visitor = signed_in(cast.partner)
    response = visitor.post(
        f"/cases/{case.id}/actions/post_message", {"version": case.partner_version, "body": upload(PDF, "body.pdf")}
    )
    assert response.status_code == 422
    assert "Write a message or attach a document." in response.get_data(as_text=True)
    response = visitor.post("/cases/new", {**request_data(), "title": upload(PDF, "t.pdf"), "submission_key": "x"})
    assert response.status_code == 422
    assert count(Document) == 0


def test_a_json_body_over_the_api_limit_is_told_the_api_s_limit(factory, cast, api):
    case = factory.cast_case(cast, "submitted")
    problem = assert_problem(api(cast.partner).post(f"/requests/{case.id}/messages", {"body": "x" * 1_100_000}), 413)
    assert "1 MB" in problem["detail"] and "/documents" in problem["detail"]


def test_a_message_a_note_and_an_answer_ask_for_the_words_first_then_the_documents(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    factory.fire(case, "ask_partner", actor=cast.manager)
    pages = {
        "partner": signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True),
        "lead": signed_in(cast.lead_expert).get(f"/cases/{case.id}").get_data(as_text=True),
    }
    for who, action, words in (
        ("partner", "answer", "answer"),
        ("partner", "post_message", "body"),
        ("lead", "post_message", "body"),
        ("lead", "post_note", "body"),
    ):
        page = pages[who]
        words_at, documents_at = page.find(f'id="{action}-{words}"'), page.find(f'id="{action}-attachments"')
        assert 0 < words_at < documents_at, (who, action)
