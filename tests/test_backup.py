"""`flask --app wsgi backup FILE` and `restore FILE`: an online copy of the SQLite database, and
putting it back, checked first; on PostgreSQL both refuse and point to pg_dump."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from expertise_app.cases.models import ExpertiseRequest
from expertise_app.extensions import db

from .factories import count

on_postgresql = bool(os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"))
sqlite_only = pytest.mark.skipif(on_postgresql, reason="the embedded database's commands (PostgreSQL: pg_dump)")


@pytest.fixture
def flask_command(app):
    runner = app.test_cli_runner()
    return lambda *arguments: runner.invoke(args=list(arguments))


@sqlite_only
def test_a_backup_restored_brings_back_the_cases_as_they_were(factory, cast, flask_command, tmp_path):
    kept = factory.case(author=cast.partner).id
    copy = tmp_path / "passerelle.sqlite3"
    result = flask_command("backup", str(copy))
    assert result.exit_code == 0, result.output
    assert "Backed up to" in result.output
    later = factory.case(author=cast.partner).id
    db.session.commit()
    assert count(ExpertiseRequest) == 2

    result = flask_command("restore", str(copy), "--yes")
    assert result.exit_code == 0, result.output
    db.session.remove()
    ids = set(db.session.scalars(sa.select(ExpertiseRequest.id)))
    assert kept in ids and later not in ids


@sqlite_only
def test_a_backup_never_overwrites_a_file(flask_command, tmp_path):
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    result = flask_command("backup", str(existing))
    assert result.exit_code == 1 and "exists already" in result.output
    assert existing.read_text() == "keep me"


@sqlite_only
@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a database at all" * 100, "not a backup of Passerelle"), (None, "No file")],
)
def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(
    factory, cast, flask_command, tmp_path, content, message
):
    factory.case(author=cast.partner)
    source = tmp_path / "backup.sqlite3"
    if content is not None:
        source.write_bytes(content)
    result = flask_command("restore", str(source), "--yes")
    assert result.exit_code == 1 and message in result.output
    assert count(ExpertiseRequest) == 1


@sqlite_only
def test_restore_asks_before_replacing_everything(factory, cast, flask_command, tmp_path):
    copy = tmp_path / "passerelle.sqlite3"
    flask_command("backup", str(copy))
    factory.case(author=cast.partner)
    db.session.commit()
    result = flask_command("restore", str(copy))  # no answer: aborted
    assert result.exit_code == 1 and "Replace everything" in result.output
    assert count(ExpertiseRequest) == 1


@pytest.mark.postgres
def test_on_postgresql_the_commands_point_to_its_own_tools(flask_command, tmp_path):
    result = flask_command("backup", str(tmp_path / "copy"))
    assert result.exit_code == 1 and "pg_dump" in result.output
