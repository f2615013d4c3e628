"""Import an expert roster from a spreadsheet (CSV or XLSX): `flask --app wsgi import-experts FILE`.

One row per expert, the columns of `COLUMNS` (the README lists them). Each row is
checked with the profile form's own rules (experts/forms.py); a refused row is
reported with its line number and reason and the good rows are imported. An expert
is known by their email: a second import of the same file finds every row
unchanged. New experts get an account with a random password (they set their own
through a password reset once invitations exist; a manager can also reset it with
`create-user`). Nothing is committed here: the command commits, or rolls back for
`--dry-run`.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from werkzeug.datastructures import MultiDict

from ..auth.accounts import AccountError, create_user, find_user_by_email
from ..auth.models import Role
from ..cases.operations import InvalidData, validated
from ..db_types import without_nul
from .forms import LANGUAGE_ROWS, ProfileForm
from .services import ProfileValues, apply_profile, new_profile

COLUMNS = (
    "email",
    "name",
    "institution",
    "department",
    "public_official",
    "seniority",
    "primary_fields",
    "secondary_fields",
    "languages",
    "countries",
    "regions",
    "max_missions",
    "biography",
)
REQUIRED = ("email", "name", "institution", "primary_fields", "languages")
YES = {"yes", "y", "true", "1", "oui", "x"}
NO = {"no", "n", "false", "0", "non", ""}
MAX_ROWS = 10_000


class RosterError(Exception):
    """The file itself cannot be read (not a row of it)."""


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def _codes(text: str) -> list[str]:
    """`"MUS; ARC"` or `"MUS, ARC"` → ["MUS", "ARC"]."""
    return [part.strip() for part in text.replace(",", ";").split(";") if part.strip()]


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: text}) for each row after the header, from a .csv or .xlsx file."""
    if path.suffix.lower() == ".xlsx":
        yield from _xlsx_rows(path)
    elif path.suffix.lower() == ".csv":
        yield from _csv_rows(path)
    else:
        raise RosterError(f"{path.name}: only .csv and .xlsx files can be imported.")


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV as a spreadsheet saves it: quotes doubled inside quoted cells, any line ending.

    The separator is the one of `,`, `;` or tab that the header line uses most.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RosterError(f"{path.name} is not UTF-8 text: save the spreadsheet as “CSV UTF-8”.") from error
    header = text.splitlines()[0] if text.strip() else ""
    delimiter = max((",", ";", "\t"), key=header.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from _with_header(rows, path)
    except csv.Error as error:
        raise RosterError(f"{path.name}, line {rows.line_num}: {error}.") from error


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as error:
        raise RosterError(f"{path.name} is not a readable .xlsx workbook.") from error
    try:
        sheet = workbook.worksheets[0]
        rows = (["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True))
        yield from _with_header(rows, path)
    finally:
        workbook.close()


def _with_header(rows, path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    header = next(rows, None)
    if header is None:
        raise RosterError(f"{path.name} is empty.")
    names = [without_nul(str(name)).strip().lower() for name in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise RosterError(f"{path.name}: the header lacks the column(s) {', '.join(missing)}.")
    unknown = [name for name in names if name and name not in COLUMNS]
    if unknown:
        raise RosterError(f"{path.name}: unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}.")
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise RosterError(f"{path.name}: more than {MAX_ROWS} rows; split the file.")
        values = {name: without_nul(str(value)).strip() for name, value in zip(names, row, strict=False)}
        if any(values.values()):
            yield number, values


def _formdata(row: dict[str, str]) -> MultiDict:
    """A row as the profile form's data, so that the form's rules decide what is valid."""
    pairs: list[tuple[str, str]] = []
    pairs += [("primary_fields", code.upper()) for code in _codes(row.get("primary_fields", ""))]
    pairs += [("secondary_fields", code.upper()) for code in _codes(row.get("secondary_fields", ""))]
    languages = _codes(row.get("languages", ""))
    for index, item in enumerate(languages[:LANGUAGE_ROWS]):
        code, _, level = item.partition(":")
        pairs += [
            (f"languages-{index}-language", code.strip().lower()),
            (f"languages-{index}-level", level.strip().lower()),
        ]
    pairs += [("countries", code.upper()) for code in _codes(row.get("countries", ""))]
    pairs += [("regions", code.lower()) for code in _codes(row.get("regions", ""))]
    pairs += [
        ("institution", row.get("institution", "")),
        ("department", row.get("department", "")),
        ("seniority", row.get("seniority") or "experienced"),
        ("max_concurrent_missions", row.get("max_missions") or "2"),
        ("biography", row.get("biography", "")),
    ]
    if row.get("public_official", "").lower() in YES:
        pairs.append(("public_official", "y"))
    return MultiDict(pairs)


def _row_error(row: dict[str, str], languages: list[str]) -> str | None:
    """What the form cannot say: a yes/no column that is neither, too many languages."""
    if row.get("public_official", "").lower() not in YES | NO:
        return "public_official: write yes or no."
    if len(languages) > LANGUAGE_ROWS:
        return f"languages: at most {LANGUAGE_ROWS}."
    return None


def _form_errors(error: InvalidData) -> str:
    parts = []
    for name, messages in error.errors.items():
        parts.append(f"{name}: {' '.join(messages)}")
    return "; ".join(parts)


def import_rows(rows: Iterator[tuple[int, dict[str, str]]]) -> Report:
    """Create or update an expert per good row; report every row. Flushes, never commits."""
    report = Report()
    seen: dict[str, int] = {}
    for number, row in rows:
        email = row.get("email", "").lower()
        if email in seen:
            report.refused.append((number, f"email: {email} is already on line {seen[email]}."))
            continue
        seen[email] = number
        reason = _row_error(row, _codes(row.get("languages", "")))
        if reason is None:
            reason = _import_row(row, email, report)
        if reason is not None:
            report.refused.append((number, reason))
    return report


def _as_row(user) -> dict[str, str]:
    """An expert's profile as the columns that would import it unchanged."""
    profile = user.profile
    return {
        "name": user.name,
        "institution": profile.institution,
        "department": profile.department,
        "public_official": "yes" if profile.public_official else "no",
        "seniority": profile.seniority,
        "primary_fields": ";".join(profile.primary_fields),
        "secondary_fields": ";".join(profile.secondary_fields),
        "languages": ";".join(f"{code}:{level}" for code, level in profile.language_levels.items()),
        "countries": ";".join(profile.country_codes),
        "regions": ";".join(profile.region_codes),
        "max_missions": str(profile.max_concurrent_missions),
        "biography": profile.biography,
    }


def _import_row(row: dict[str, str], email: str, report: Report) -> str | None:
    existing = find_user_by_email(email)
    if existing is not None and existing.role == Role.EXPERT and existing.profile is not None:
        row = {**_as_row(existing), **row}  # the columns the file leaves out keep their values
    try:
        form = validated(ProfileForm, _formdata(row))
    except InvalidData as error:
        return _form_errors(error)
    values = ProfileValues.from_form(form)
    name = row.get("name", "")
    if not name or len(name) > 120:
        return "name: give the expert's name (at most 120 characters)."
    if existing is None:
        try:
            user = create_user(email, secrets.token_urlsafe(24), Role.EXPERT, name=name)
        except AccountError as error:
            return f"email: {error}"
        new_profile(user, values)
        report.created.append(user.email)
        return None
    if existing.role != Role.EXPERT:
        return f"email: {email} belongs to a {existing.role} account, not an expert."
    if existing.profile is None:
        new_profile(existing, values)
        changed = True
    else:
        changed = apply_profile(existing.profile, values)
    if existing.name != name:
        existing.name = name
        changed = True
    (report.updated if changed else report.unchanged).append(existing.email)
    return None
