"""One page's time in process, split into rendering, SQL and the rest: where a page's fixed cost is.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/passerelle_bench_100000 \\
        .venv/bin/python bench/inprocess.py /cases --email expert0001@bulk.passerelle.example

Serves the pages with the Flask test client (no HTTP server, no network), signed in as `--email`
(the bulk data's password), after a warm-up; several pages may be given, comma-separated, and are
asked in turn. Prints the best of five rounds (the machine is shared), and with `--statements`
each SQL statement's time per page.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PASSERELLE_ENV", "production")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")

import flask.templating
import sqlalchemy as sa

from bench.scale import PASSWORD


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", help="One path or several, comma-separated")
    parser.add_argument("--email", required=True)
    parser.add_argument("--requests", type=int, default=150, help="Per round")
    parser.add_argument("--statements", action="store_true")
    arguments = parser.parse_args()

    from expertise_app.extensions import db
    from wsgi import app

    spent = {"render": 0.0, "sql": 0.0}
    statements: dict[str, list[float]] = defaultdict(list)
    render = flask.templating._render

    def timed_render(*args, **kwargs):
        started = time.perf_counter()
        try:
            return render(*args, **kwargs)
        finally:
            spent["render"] += time.perf_counter() - started

    flask.templating._render = timed_render
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def started(connection, *_args):
        connection.info["started"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def ended(connection, _cursor, statement, *_args):
        seconds = time.perf_counter() - connection.info["started"]
        spent["sql"] += seconds
        statements[" ".join(statement.split())[:150]].append(seconds)

    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    signed = client.post("/login", data={"email": arguments.email, "password": PASSWORD, "csrf_token": token})
    if signed.status_code != 302:
        raise SystemExit(f"Cannot sign in as {arguments.email}: {signed.status_code}")
    pages = arguments.pages.split(",")
    for page in pages:
        answer = client.get(page)
        if answer.status_code != 200:
            raise SystemExit(f"{page} answers {answer.status_code}")

    best = None
    for _round in range(5):
        spent.update(render=0.0, sql=0.0)
        statements.clear()
        started_at = time.perf_counter()
        for number in range(arguments.requests):
            client.get(pages[number % len(pages)])
        total = (time.perf_counter() - started_at) / arguments.requests * 1000
        if best is None or total < best[0]:
            best = (total, dict(spent), {key: list(value) for key, value in statements.items()})
    total, spent, statements = best
    render_ms, sql_ms = (spent[key] / arguments.requests * 1000 for key in ("render", "sql"))
    rest = total - render_ms - sql_ms
    print(f"{total:.2f} ms a page: rendering {render_ms:.2f} (its SQL included), SQL {sql_ms:.2f}, the rest {rest:.2f}")
    if arguments.statements:
        for statement, times in sorted(statements.items(), key=lambda item: -sum(item[1])):
            each, count = sum(times) / arguments.requests * 1000, len(times) / arguments.requests
            print(f"{each:6.2f} ms  ×{count:.1f}  {statement}")


if __name__ == "__main__":
    main()
