"""Time the main pages and count their SQL queries on the demo data.

    .venv/bin/python bench/pages.py            # a fresh SQLite file under /tmp
    DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/pages.py   # an EMPTY PostgreSQL database

It migrates and seeds the database, signs in as the demo manager and prints, per
page, the mean time of 20 requests in-process (no network) and the queries each runs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PASSERELLE_ENV", "development")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")

from flask_migrate import upgrade

from expertise_app import create_app, transaction
from expertise_app.cases.models import ExpertiseRequest
from expertise_app.demo import seed_demo
from expertise_app.extensions import db

REPEAT = 20


def main() -> None:
    app = create_app(WTF_CSRF_ENABLED=False)
    queries = {"count": 0}
    with app.app_context():
        upgrade()
        seed_demo()
        transaction.commit()
        case_ids = db.session.scalars(sa.select(ExpertiseRequest.id).order_by(ExpertiseRequest.id)).all()
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: queries.update(count=queries["count"] + 1))
    client = app.test_client()
    client.post("/login", data={"email": "manager@demo.passerelle.example", "password": "demo-manager-2026"})
    pages = [
        "/cases",
        "/cases?per_page=100",
        "/cases?pause=waiting",
        "/dashboard",
        f"/cases/{case_ids[0]}",
        f"/cases/{case_ids[-1]}",
    ]
    print(f"{'page':28} {'status':>6} {'ms/request':>11} {'queries':>8}")
    for url in pages:
        client.get(url)
        queries["count"] = 0
        start = time.perf_counter()
        for _ in range(REPEAT):
            response = client.get(url)
        elapsed = (time.perf_counter() - start) / REPEAT * 1000
        print(f"{url:28} {response.status_code:>6} {elapsed:>11.1f} {queries['count'] // REPEAT:>8}")


if __name__ == "__main__":
    main()
