"""The ceiling the pages of `bench/scale.py` are measured against: bare Flask and SQL.

Served by the same gunicorn, on the same database, in the same run as the app, it does
the least a page of that kind could do: no sign-in, no session, no CSRF, no translation,
one small template. A page's throughput divided by its ceiling's says how much the app
costs on top of the database and the server; the ratio, unlike a request rate, survives a
shared and noisy machine.

    DATABASE_URL=… gunicorn -w 2 'bench.ceiling:from_environment()'

- `GET /list/<organisation>`: one indexed query (an organisation's 25 latest requests), a table.
- `GET /case/<id>`: one query by primary key, a small page.
- `POST /update-insert/<id>`: an UPDATE of the request and an INSERT of an event, one commit.
- `POST /two-inserts`: an INSERT of a request and of its event, one commit.
- `GET /aggregates`: the overview's aggregate statements, as `bench/scale.py` captured them
  from the app (`AGGREGATES_FILE`), run one after the other, every row fetched.

The writes go to tables of its own (`bench_requests`, `bench_events`, made by
`prepare_tables`), with the shape and indexes of the app's, so that the app's data stay
as the app wrote them; the UPDATE touches the app's own table.
"""

from __future__ import annotations

import os
import pickle
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, abort, render_template, request
from jinja2 import DictLoader

metadata = sa.MetaData()
bench_requests = sa.Table(
    "bench_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(20), nullable=False, unique=True),
    sa.Column("organisation_id", sa.Integer, nullable=False, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("context", sa.Text, nullable=False),
    sa.Column("state", sa.String(24), nullable=False, index=True),
    sa.Column("submitted_at", sa.DateTime, nullable=False, index=True),
)
bench_events = sa.Table(
    "bench_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("request_id", sa.Integer, nullable=False, index=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>{% if rows %}<table><thead><tr><th>Reference</th><th>Title</th><th>State</th>
<th>Submitted</th></tr></thead><tbody>{% for row in rows %}<tr><td><a href="/case/{{ row.id }}">{{ row.reference }}</a>
</td><td>{{ row.title }}</td><td>{{ row.state }}</td><td>{{ row.submitted_at }}</td></tr>{% endfor %}</tbody></table>
{% endif %}{% if case %}<p>{{ case.reference }} · {{ case.state }}</p><p>{{ case.context }}</p>
<p>{{ case.objectives }}</p>{% endif %}</body></html>"""


def prepare_tables(engine: sa.Engine) -> None:
    """The ceiling's own tables, empty."""
    metadata.drop_all(engine)
    metadata.create_all(engine)


def create_ceiling(database_url: str, aggregates_file: str | None) -> Flask:
    app = Flask(__name__)
    engine = sa.create_engine(database_url)
    # A template file as any Flask app has, compiled once and kept (render_template_string would
    # compile it again on every request: most of the ceiling's time, before 2026-12-06).
    app.jinja_loader = DictLoader({"page.html": PAGE})
    aggregates = []
    if aggregates_file and os.path.exists(aggregates_file):
        with open(aggregates_file, "rb") as source:
            aggregates = pickle.load(source)  # noqa: S301 (written by bench/scale.py in the same run)

    @app.get("/list/<int:organisation_id>")
    def case_list(organisation_id: int):
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT id, reference, title, state, submitted_at FROM expertise_requests "
                    "WHERE organisation_id = :organisation ORDER BY created_at DESC LIMIT 25"
                ),
                {"organisation": organisation_id},
            ).all()
        return render_template("page.html", title="Requests", rows=rows)

    @app.get("/case/<int:case_id>")
    def case_page(case_id: int):
        with engine.connect() as connection:
            case = connection.execute(
                sa.text(
                    "SELECT id, reference, title, state, context, objectives FROM expertise_requests WHERE id = :id"
                ),
                {"id": case_id},
            ).first()
        if case is None:
            abort(404)
        return render_template("page.html", title=case.title, case=case)

    @app.post("/update-insert/<int:case_id>")
    def update_insert(case_id: int):
        now = datetime.now(UTC).replace(tzinfo=None)
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE expertise_requests SET updated_at = :now WHERE id = :id"), {"now": now, "id": case_id}
            )
            connection.execute(
                bench_events.insert().values(
                    request_id=case_id, kind="assess", payload=request.form.get("note", ""), created_at=now
                )
            )
        return render_template("page.html", title="Done")

    @app.post("/two-inserts")
    def two_inserts():
        now = datetime.now(UTC).replace(tzinfo=None)
        with engine.begin() as connection:
            new_id = connection.execute(
                bench_requests.insert()
                .values(
                    reference=request.form["reference"],
                    organisation_id=1,
                    title=request.form.get("title", ""),
                    context=request.form.get("context", ""),
                    state="submitted",
                    submitted_at=now,
                )
                .returning(bench_requests.c.id)
            ).scalar_one()
            connection.execute(
                bench_events.insert().values(request_id=new_id, kind="submit", payload="{}", created_at=now)
            )
        return render_template("page.html", title="Filed")

    @app.get("/aggregates")
    def run_aggregates():
        fetched = 0
        with engine.connect() as connection:
            for statement, parameters in aggregates:
                fetched += len(connection.exec_driver_sql(statement, parameters).all())
        return {"statements": len(aggregates), "rows": fetched}

    return app


def from_environment() -> Flask:
    """gunicorn's factory: the ceiling on `DATABASE_URL`, with the statements of `AGGREGATES_FILE`."""
    return create_ceiling(os.environ["DATABASE_URL"], os.environ.get("AGGREGATES_FILE"))
