"""What any signed-in page of the app costs before it shows anything, beside the ceiling's pages.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/passerelle_bench_100000 \\
        .venv/bin/python bench/floor.py --email manager1@bulk.passerelle.example

In process (Flask's test client, no HTTP server), CPU time per request, best of five rounds:

- the ceiling's 25-row list and one-query page (`bench/ceiling.py`, the same database);
- an empty answer of the app to a visitor (the app's hooks: security headers, inbound checks,
  the transaction, the session);
- an empty answer to a signed-in person (with the person loaded and their session checked);
- an empty page in the app's layout for them (navigation, unread count, language switcher).

The two last are added to the app by this script only, as pages of its own. They say how much of
a page's ratio to its ceiling no work of the page itself can win back.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PASSERELLE_ENV", "production")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")

from bench.scale import PASSWORD

ROUNDS, REQUESTS = 5, 300


def cpu_ms(client, path: str) -> float:
    for _ in range(30):
        answer = client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answers {answer.status_code}")
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(REQUESTS):
            client.get(path)
        best = min(best, (time.process_time() - started) / REQUESTS * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--email", required=True, help="Someone of the bulk data, signed in for the app's pages")
    arguments = parser.parse_args()

    import sqlalchemy as sa
    from flask import render_template
    from flask_login import login_required
    from jinja2 import ChoiceLoader, DictLoader

    from bench.ceiling import create_ceiling
    from wsgi import app

    app.add_url_rule("/bench-floor/visitor", "bench_visitor", lambda: "")
    app.add_url_rule("/bench-floor/signed-in", "bench_signed_in", login_required(lambda: ""))
    empty = DictLoader({"bench-floor.html": '{% extends "base.html" %}{% block content %}{% endblock %}'})
    app.jinja_loader = ChoiceLoader([empty, app.jinja_loader])
    app.add_url_rule("/bench-floor/layout", "bench_layout", login_required(lambda: render_template("bench-floor.html")))
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    signed = client.post("/login", data={"email": arguments.email, "password": PASSWORD, "csrf_token": token})
    if signed.status_code != 302:
        raise SystemExit(f"Cannot sign in as {arguments.email}: {signed.status_code}")

    engine = sa.create_engine(os.environ["DATABASE_URL"])
    with engine.connect() as connection:
        case_id, organisation = connection.exec_driver_sql(
            "SELECT id, organisation_id FROM expertise_requests LIMIT 1"
        ).one()
    engine.dispose()
    bare = create_ceiling(os.environ["DATABASE_URL"], None).test_client()
    rows = [
        ("ceiling: 25-row list", cpu_ms(bare, f"/list/{organisation}")),
        ("ceiling: one-query page", cpu_ms(bare, f"/case/{case_id}")),
        ("app: empty answer to a visitor", cpu_ms(client, "/bench-floor/visitor")),
        ("app: empty answer, signed in", cpu_ms(client, "/bench-floor/signed-in")),
        ("app: empty page in the layout, signed in", cpu_ms(client, "/bench-floor/layout")),
    ]
    for name, milliseconds in rows:
        print(f"{milliseconds:6.2f} ms  {name}")


if __name__ == "__main__":
    main()
