"""The migrations are the only way the schema is made: on an empty database they build
exactly what the models declare, and they go down and up again."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from config import TestingConfig
from expertise_app import create_app
from expertise_app.cases import search, tallies
from expertise_app.cases.models import ExpertiseRequest
from expertise_app.extensions import db
from expertise_app.folding import indexed, sort_key

from .factories import (
    facts_kept,
    facts_of_the_requests,
    tallies_kept,
    tallies_of_the_facts,
    team_places_kept,
    team_places_of_the_requests,
)
from .matrix import PARTNER_READS


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A database of its own, empty: a temp file on SQLite, a throwaway database on PostgreSQL."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or sa.engine.make_url(base).get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def fresh_app(empty_database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as connection:
        options = {"compare_type": True, "include_object": search.declared_by_models}
        context = MigrationContext.configure(connection, opts=options)
        return compare_metadata(context, db.metadata)


def tables() -> set[str]:
    """The database's tables, but for SQLite's full-text index (its FTS5 table and their shadow tables)."""
    return set(sa.inspect(db.engine).get_table_names()) - search.FTS_TABLES


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(app) -> str:
    return ScriptDirectory(app.extensions["migrate"].directory).get_current_head()


def test_upgrade_on_an_empty_database_builds_what_the_models_declare(fresh_app):
    assert tables() == set()

    upgrade()

    assert tables() == set(db.metadata.tables) | {"alembic_version"}
    assert current_revision() == head_revision(fresh_app)
    assert schema_differences() == []


def test_downgrade_to_base_and_upgrade_again(fresh_app):
    upgrade()
    downgrade(revision="base")

    assert tables() <= {"alembic_version"}
    assert current_revision() is None

    upgrade()

    assert current_revision() == head_revision(fresh_app)
    assert schema_differences() == []


def test_expert_profiles_keep_their_fields_languages_and_countries_through_0004(fresh_app):
    """0004 moves the profiles' JSON arrays into their tables: the first field primary, languages fluent."""
    upgrade(revision="0003")
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (id, email, name, role, password_hash, active, session_token, created_at) VALUES "
                "(1, 'e@example.org', 'Expert', 'expert', 'x', true, 'token-1', '2026-01-01 00:00:00+00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO expert_profiles (user_id, fields, languages, regions, department, availability) "
                """VALUES (1, '["MUS", "ARC"]', '["ar", "fr"]', '["JO"]', 'Museums', 'unavailable')"""
            )
        )

    upgrade()

    with db.engine.connect() as connection:
        fields = connection.execute(sa.text("SELECT field, level FROM expert_fields ORDER BY field")).all()
        languages = connection.execute(sa.text("SELECT language, level FROM expert_languages ORDER BY 1")).all()
        countries = connection.scalars(sa.text("SELECT country FROM expert_countries")).all()
        department = connection.scalar(sa.text("SELECT department FROM expert_profiles"))
        away = connection.scalar(sa.text("SELECT count(*) FROM expert_unavailability WHERE user_id = 1"))
    assert [tuple(row) for row in fields] == [("ARC", "secondary"), ("MUS", "primary")]
    assert [tuple(row) for row in languages] == [("ar", "fluent"), ("fr", "fluent")]
    assert (countries, department, away) == (["JO"], "Museums", 1)  # "unavailable" stays so, for a year
    assert schema_differences() == []


def demo_filed_before(app, revision: str) -> None:
    """The demo seeded at the head, then the schema taken back to just before `revision`."""
    upgrade()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    downgrade(revision=f"{int(revision) - 1:04d}")


@pytest.mark.parametrize(
    ("revision", "table", "kept", "expected"),
    [
        ("0009", "request_facts", facts_kept, facts_of_the_requests),
        ("0018", "overview_tallies", tallies_kept, tallies_of_the_facts),
    ],
    ids=["0009 fills the overview's facts from the requests and their steps", "0018 sums its monthly tallies"],
)
def test_a_migration_fills_what_the_overview_counts_from_the_requests_already_filed(
    fresh_app, revision, table, kept, expected
):
    demo_filed_before(fresh_app, revision)
    assert table not in tables()

    upgrade(revision=revision)

    rows = kept()
    assert len(rows) > 40
    assert rows == expected()


def test_0018_makes_every_tally_the_app_would_make_from_the_same_requests(fresh_app):
    demo_filed_before(fresh_app, "0018")
    upgrade(revision="0018")
    every_tally = sa.text("SELECT * FROM overview_tallies WHERE requests <> 0 OR open <> 0 ORDER BY 1, 2, 3, 4")
    made = db.session.execute(every_tally).all()

    tallies.rebuild()  # the app's own rules, which keep them from then on

    assert len(made) > 100
    assert db.session.execute(every_tally).all() == made
    db.session.rollback()


def test_0019_marks_the_places_on_the_teams_of_closed_requests_off_open_work(fresh_app):
    demo_filed_before(fresh_app, "0019")

    upgrade(revision="0019")

    places = team_places_kept()
    assert places == team_places_of_the_requests()
    assert {still_open for _place, still_open in places} == {True, False}


def test_0020_indexes_the_arabic_requests_already_filed_with_their_stems_and_search_finds_them(fresh_app):
    demo_filed_before(fresh_app, "0020")
    title = "تقييم المتحف الوطني بالمعهد الآن"  # "now" (الآن) holds no article: its alef carries a madda
    as_before = "تقييم المتحف الوطني بالمعهد الان"  # the folded words alone, as 0008 to 0019 wrote them
    with db.engine.begin() as connection:
        first = connection.scalar(sa.text("SELECT min(id) FROM expertise_requests"))
        connection.execute(
            sa.text("UPDATE expertise_requests SET title = :title, search_text = :text WHERE id = :id"),
            {"title": title, "text": as_before, "id": first},
        )
        before = dict(connection.execute(sa.text("SELECT id, search_text FROM expertise_requests")).all())

    upgrade(revision="0020")

    with db.engine.connect() as connection:
        after = dict(connection.execute(sa.text("SELECT id, search_text FROM expertise_requests")).all())
        searched = sa.text("SELECT reference, title, context, objectives FROM expertise_requests WHERE id = :id")
        sources = connection.execute(searched, {"id": first}).one()
    assert after.pop(first) == indexed(*sources)  # as the app indexes it
    assert "تقييم المتحف متحف الوطني وطني بالمعهد معهد الان" in indexed(*sources)
    before.pop(first)
    assert after == before  # the others, without Arabic, unchanged
    assert db.session.scalars(sa.select(ExpertiseRequest.id).where(search.matching("معهد"))).all() == [first]


def test_0021_gives_the_requests_already_filed_the_title_key_the_app_would_give_them(fresh_app):
    demo_filed_before(fresh_app, "0021")
    triggers = sqlite_triggers()

    upgrade(revision="0021")

    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT title, title_key FROM expertise_requests")).all()
    assert len(rows) > 40
    assert [key for _title, key in rows] == [sort_key(title) for title, _key in rows]
    assert all(key and key == key.lower() for _title, key in rows)
    assert sqlite_triggers() == triggers
    assert schema_differences() == []


def test_0016_starts_each_partner_s_version_at_the_entries_they_read_and_keeps_the_search_triggers(fresh_app):
    upgrade()
    result = fresh_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    triggers = sqlite_triggers()
    downgrade(revision="0015")
    assert sqlite_triggers() == triggers  # a batch on SQLite would have dropped the search's triggers

    upgrade(revision="0016")

    with db.engine.connect() as connection:
        histories: dict[int, list[str]] = {}
        for request_id, trigger in connection.execute(sa.text("SELECT request_id, trigger FROM events ORDER BY id")):
            histories.setdefault(request_id, []).append(trigger)
        versions = dict(connection.execute(sa.text("SELECT id, partner_version FROM expertise_requests")).all())
    assert len(versions) > 40
    # What a partner reads of each history (tests/matrix.py), the submission included, of the actions there
    # were then: the demo is seeded at the head, where a lead handed over is read too.
    declared_since = {"hand_over_lead"}
    read = {
        request_id: sum(
            PARTNER_READS.get(trigger, ()) is not None for trigger in triggers_ if trigger not in declared_since
        )
        for request_id, triggers_ in histories.items()
    }
    assert versions == read
    assert any(len(histories[request_id]) > versions[request_id] for request_id in versions)  # internal ones


def sqlite_triggers() -> set[str]:
    with db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            return set()
        return set(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
