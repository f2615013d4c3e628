"""The ceiling `bench/scale.py` measures the pages against (`bench/ceiling.py`) serves what it says,
from the app's own database: a broken or empty ceiling would make every ratio meaningless."""

from __future__ import annotations

import sqlalchemy as sa

from bench.ceiling import create_ceiling, metadata, prepare_tables
from expertise_app.extensions import db


def test_the_ceiling_lists_shows_and_writes_the_app_s_requests(app, factory):
    case = factory.case(title="Réserves du musée national")
    case_id, reference, organisation_id = case.id, case.reference, case.organisation_id
    db.session.remove()
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    prepare_tables(engine)
    try:
        client = create_ceiling(app.config["SQLALCHEMY_DATABASE_URI"], None).test_client()

        listed = client.get(f"/list/{organisation_id}")
        assert listed.status_code == 200 and reference in listed.text
        shown = client.get(f"/case/{case_id}")
        assert shown.status_code == 200 and "Réserves du musée national" in shown.text
        assert client.get(f"/case/{case_id + 1000}").status_code == 404
        assert client.post("/two-inserts", data={"reference": "B-1", "title": "t"}).status_code == 200
        assert client.post(f"/update-insert/{case_id}", data={"note": "x"}).status_code == 200
        with engine.connect() as connection:
            written = connection.execute(sa.text("SELECT count(*) FROM bench_events")).scalar_one()
        assert written == 2  # the filing's event and the update's
    finally:
        metadata.drop_all(engine)
        engine.dispose()
