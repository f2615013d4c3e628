"""The filtered case list as CSV or XLSX: one row per case, in the reader's language, streamed.

The rows come from one query of plain columns (no ORM objects, no query per row), read
in batches (`yield_per`), so that 100,000 cases need neither a cap nor the memory to
hold them: CSV is written to the response as it goes; XLSX goes through openpyxl's
write-only workbook into a temporary file that is then streamed. The same filters and
the same policy as the list apply (a partner gets its organisation's cases and none of
the internal columns). A cell that a spreadsheet would take for a formula is written
as text: in CSV with a leading apostrophe (OWASP's advice), in XLSX as a cell typed as text.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .. import policy
from ..auth.models import Organisation, User
from ..downloads import csv_stream
from ..extensions import db
from ..inbound import UNSTORABLE
from ..reference import ASSISTANCE_TYPES, COUNTRIES, FIELDS, INSTRUMENTS, PRIORITIES
from ..translation import current_locale, lazy_pgettext
from ..translation import lazy_gettext as _l
from .models import ExpertiseRequest
from .queries import CaseFilters, filtered, sort_clauses
from .states import OUTCOME_LABELS, PARTNER_STATE_LABELS, STATE_LABELS

BATCH = 1000
MAX_SHEET_TITLE = 31  # Excel's limit
lead = so.aliased(User)


@dataclass(frozen=True)
class Column:
    title: object  # lazy label
    select: Any  # a column expression
    show: Callable[[Any], Any] = lambda value: value
    internal: bool = False
    width: int = 14  # in a spreadsheet, in characters


def _coded(vocabulary) -> Callable[[str | None], str]:
    labels: dict[str | None, str] = {}

    def label(code: str | None) -> str:
        if code not in labels:  # each code labelled once per export, not once per row
            labels[code] = vocabulary.label(code) if code else ""
        return labels[code]

    return label


def _day(value: date | datetime | None) -> date | None:
    """A day as a date, not as words: a spreadsheet sorts and filters it as one (an XLSX date cell;
    in CSV, 2026-09-22, which every spreadsheet reads as a date whatever its language)."""
    return value.date() if isinstance(value, datetime) else value


def columns(user: User) -> list[Column]:
    staff = policy.can_see_internal(user)
    state_labels = STATE_LABELS if staff else PARTNER_STATE_LABELS
    every = [
        Column(_l("Reference"), ExpertiseRequest.reference, width=16),
        Column(_l("Title"), ExpertiseRequest.title, width=50),
        Column(lazy_pgettext("column", "Partner"), Organisation.name, width=32),
        Column(_l("Country"), ExpertiseRequest.country, _coded(COUNTRIES), width=18),
        Column(_l("Field"), ExpertiseRequest.field, _coded(FIELDS), width=28),
        Column(_l("Type of assistance"), ExpertiseRequest.assistance_type, _coded(ASSISTANCE_TYPES), width=22),
        Column(_l("Instrument"), ExpertiseRequest.instrument, _coded(INSTRUMENTS), width=22),
        Column(_l("State"), ExpertiseRequest.state, _coded(state_labels), width=18),
        Column(_l("Outcome"), ExpertiseRequest.outcome, _coded(OUTCOME_LABELS)),
        Column(_l("Priority"), ExpertiseRequest.priority, _coded(PRIORITIES), internal=True),
        Column(_l("Lead expert"), lead.name, internal=True, width=24),
        Column(_l("Submitted on"), ExpertiseRequest.submitted_at, _day),
        Column(_l("Desired period: from"), ExpertiseRequest.period_start, _day),
        Column(_l("Desired period: to"), ExpertiseRequest.period_end, _day),
        Column(_l("Closed on"), ExpertiseRequest.closed_at, _day),
        # Why a request is on the "late" list, and what stops its clock.
        Column(_l("Current step due on"), ExpertiseRequest.due_on, _day, internal=True),
        Column(_l("Waiting for the partner since"), ExpertiseRequest.waiting_since, _day, internal=True),
        Column(_l("On hold since"), ExpertiseRequest.on_hold_since, _day, internal=True),
    ]
    return [column for column in every if staff or not column.internal]


def _query(user: User, filters: CaseFilters, chosen: list[Column]) -> sa.Select:
    query = (
        sa.select(*(column.select for column in chosen))
        .select_from(ExpertiseRequest)
        .join(Organisation, Organisation.id == ExpertiseRequest.organisation_id)
        .outerjoin(lead, lead.id == ExpertiseRequest.lead_expert_id)
    )
    return filtered(query, user, filters).order_by(*sort_clauses(filters.sort))


def rows(user: User, filters: CaseFilters) -> Iterator[list[Any]]:
    """The header, then one row per case, read from the database in batches."""
    chosen = columns(user)
    yield [str(column.title) for column in chosen]
    result = db.session.execute(_query(user, filters, chosen).execution_options(yield_per=BATCH))
    for record in result:
        yield [column.show(value) for column, value in zip(chosen, record, strict=True)]


def csv_chunks(user: User, filters: CaseFilters) -> Iterator[str]:
    return csv_stream(rows(user, filters))


def _text_cell(sheet, value: Any) -> Any:
    """A value for the sheet: text stays text, even where it starts like a formula (`=HYPERLINK(…)`).
    A cell typed as text is never run, so it needs no apostrophe, which the reader would see.
    A character XML forbids, stored before the inbound check refused it, is written as U+FFFD:
    a sheet holding one is refused whole by Excel."""
    if isinstance(value, str):
        value = UNSTORABLE.sub("\ufffd", value)
    if not isinstance(value, str) or not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _header_cell(sheet, title: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=title)
    cell.font = Font(bold=True)
    return cell


def xlsx_file(user: User, filters: CaseFilters):
    """The workbook in a temporary file (write-only: rows are not kept in memory), rewound."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_l("Requests"))[:MAX_SHEET_TITLE])
    locale = current_locale()
    sheet.sheet_view.rightToLeft = locale is not None and locale.text_direction == "rtl"
    chosen = columns(user)
    for number, column in enumerate(chosen, start=1):  # a streamed sheet takes its columns before its rows
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"  # the header stays in view
    written = rows(user, filters)
    sheet.append([_header_cell(sheet, title) for title in next(written)])
    last_row = 1
    for row in written:
        sheet.append([_text_cell(sheet, value) for value in row])
        last_row += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(chosen))}{last_row}"  # a filter on each column
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (the response streams it, then closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle
