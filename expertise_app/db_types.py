"""Column types and database helpers shared by every model."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time

from sqlalchemy import JSON, DateTime, Engine, Integer, Table, cast, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

# Ids are 32-bit integers in PostgreSQL: a larger one names no row (and must not reach the driver).
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite hands back naive datetimes even for `DateTime(timezone=True)` while
    PostgreSQL hands back aware ones; this is the one place that normalises them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite leaves foreign keys unchecked unless asked, per connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def without_nul(text: str) -> str:
    """Text without NUL characters, which PostgreSQL cannot store or compare."""
    return text.replace("\x00", "") if isinstance(text, str) else text


UNIQUE_VIOLATIONS = {"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


def is_duplicate(error: IntegrityError) -> bool:
    """Whether the database refused a row because a unique key already holds its value: the same thing
    written twice at once. Told by the code the database gives (PostgreSQL's SQLSTATE, SQLite's error
    name), never by the message, which carries the values of the row."""
    original = error.orig
    code = getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", None)
    return code in UNIQUE_VIOLATIONS


def hold_until_commit(key: str, column, row_id: int) -> None:
    """Wait for any other transaction holding `key`, and hold it until this one ends, so that the same thing
    asked twice at the same moment (a double click, two colleagues) is checked after the first is written.
    PostgreSQL: an advisory lock on `key`; SQLite: the database's write lock, which a no-op UPDATE of
    `column` (a plain column, not a key: SQLite would check every row that refers to a key) in the row
    `row_id` of its table takes."""
    from .extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))
        return
    model = column.class_
    db.session.execute(
        update(model).where(model.id == row_id).values({column: column}).execution_options(synchronize_session=False)
    )


def insert_for_dialect(table: Table):
    """An INSERT with ON CONFLICT clauses, for the database in use (PostgreSQL or SQLite)."""
    from .extensions import db

    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def json_elements(column):
    """The elements of a JSON list (a JSON column, or its text), as rows of one text column `value`, on
    the database in use: SQLite's `json_each` reads the text as it is, PostgreSQL's
    `json_array_elements_text` as JSON."""
    from .extensions import db

    if db.session.get_bind().dialect.name == "sqlite":
        return func.json_each(column).table_valued("value")
    return func.json_array_elements_text(cast(column, JSON)).table_valued("value")


class day_span(FunctionElement):
    """The number of days from one date to another, both included, in SQL on either database."""

    type = Integer()
    inherit_cache = True
    name = "day_span"


@compiles(day_span)
def _day_span_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(argument, **kw) for argument in element.clauses)
    return f"(CAST(julianday({end}) - julianday({start}) AS INTEGER) + 1)"


@compiles(day_span, "postgresql")
def _day_span_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(argument, **kw) for argument in element.clauses)
    return f"(({end}) - ({start}) + 1)"


# The days a list can be narrowed to: a day before or after each is a date too.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def day_in_address(value: str | None) -> date | None:
    """A date an address asks for (`?from=2026-01-31`), from FIRST_DAY to LAST_DAY; anything else is
    no date."""
    try:
        day = date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def start_of_day(day: date) -> datetime:
    """Midnight UTC at the start of `day`: the bound of a period given in days."""
    return datetime.combine(day, time.min, tzinfo=UTC)
