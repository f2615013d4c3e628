"""What every file the app hands out has in common: saved, never shown or sniffed, never cached;
and CSV written in chunks that spreadsheets read as UTF-8, in the reader's conventions."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from babel.numbers import get_decimal_symbol
from flask import Response, current_app, stream_with_context
from flask_babel import get_locale
from flask_login import current_user

from .extensions import db

CHUNK_ROWS = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_download(response: Response, filename: str | None = None) -> Response:
    """Mark `response` as a file to save (named `filename`, if the response does not name it yet)."""
    if filename is not None:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


MAX_NAMED = 160  # of a file name's 255 bytes: every filter of a list at once would pass them


def named_after(filters: dict[str, str]) -> str:
    """The end of a download's name that says what it holds: `_field-MUS_continent-asia` (codes, days,
    numbers). A search keeps only `_search`: a file name is no place for what someone typed."""
    named = "".join(f"_{name}-{value}" for name, value in filters.items() if name not in ("q", "sort"))
    return named[:MAX_NAMED] + ("_search" if filters.get("q") else "")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+1`, `@SUM`) is kept as text
    (OWASP's advice: a leading apostrophe). Whoever wrote it (a title, a person's name), every
    spreadsheet we write goes through here."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_separators() -> tuple[str, str]:
    """(between cells, before a number's decimals) as a spreadsheet in the reader's language expects them:
    where a number is written 4,5 (French), Excel splits a CSV on semicolons, and reads 4.5 as a date."""
    locale = get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]  # no reader: the app's language
    decimal = get_decimal_symbol(locale, numbering_system="latn")
    return (";" if decimal == "," else ","), decimal


# A formula start just after a separator: where a CSV written for one language (cells split on ';') is
# opened by a spreadsheet that splits on ',' (or the other way round), that text begins a cell of its own.
FORMULA_AFTER_A_SEPARATOR = re.compile(r"([,;\t]\s*)(?=[=+\-@])")


def _csv_cell(value: Any, decimal: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return str(value).replace(".", decimal)
    value = safe_cell(value)
    return FORMULA_AFTER_A_SEPARATOR.sub(r"\1'", value) if isinstance(value, str) else value


def csv_stream(rows: Iterable[list]) -> Iterator[str]:
    """CSV text in chunks of CHUNK_ROWS rows, a byte-order mark first (so that Excel reads UTF-8), cells and
    decimals separated as in the reader's language, no cell a formula."""
    delimiter, decimal = spreadsheet_separators()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    buffer.write("\ufeff")
    for number, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value, decimal) for value in row])
        if number % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def streamed(chunks: Iterator[str]) -> Iterator[str]:
    """`chunks` written after the view has returned, as a server writes a streamed body.

    By then the request's database session has ended and the signed-in user (whom the
    language of every label depends on) is detached from it: it is attached to the new
    session first, so that the body is written for the same person in the same language.
    """

    def attached() -> Iterator[str]:
        state = sa.inspect(current_user._get_current_object(), raiseerr=False)
        if state is not None and state.detached:
            db.session.add(state.obj())
        yield from chunks

    return stream_with_context(attached())
