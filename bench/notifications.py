"""What notifying costs an action: `post_message` on a demo request, 40 times each way.

    .venv/bin/python bench/notifications.py
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/notifications.py   # emails queued on Redis

In process, on a fresh SQLite file with the demo data: the action and its commit with
in-app notifications only (no email), then with an email to each person concerned, sent
inline after the commit (written as .eml files) or, with REDIS_URL, queued for the worker.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PASSERELLE_ENV", "development")
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ["MAIL_FILE_PATH"] = tempfile.mkdtemp()

from flask_migrate import upgrade

from expertise_app import create_app, transaction
from expertise_app.auth.models import User
from expertise_app.cases import operations
from expertise_app.cases.models import Event, ExpertiseRequest
from expertise_app.demo import seed_demo
from expertise_app.extensions import db
from expertise_app.notifications.models import Notification
from expertise_app.notifications.services import emails_off

REPEAT = 40


def post_messages(case, author, quiet: bool) -> list[float]:
    times = []
    for number in range(REPEAT):
        start = time.perf_counter()
        if quiet:
            with emails_off():
                operations.perform(case, "post_message", author, {"body": f"Message {number}"}, case.version)
                transaction.commit()
        else:
            operations.perform(case, "post_message", author, {"body": f"Message {number}"}, case.version)
            transaction.commit()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    print(f"{label:<52} median {statistics.median(times):6.1f} ms   p90 {ordered[int(len(ordered) * 0.9)]:6.1f} ms")


def main() -> None:
    app = create_app()
    with app.app_context():
        upgrade()
        with emails_off():
            seed_demo()
            transaction.commit()
        author = db.session.scalar(sa.select(User).where(User.email == "manager@demo.passerelle.example"))
        case = db.session.scalar(sa.select(ExpertiseRequest).where(ExpertiseRequest.state == "mission_delivered"))
        report("post_message, in-app notifications only", post_messages(case, author, quiet=True))
        way = "queued on Redis" if app.config["REDIS_URL"] else "sent inline after the commit (.eml)"
        report(f"post_message, + an email each, {way}", post_messages(case, author, quiet=False))
        last = db.session.scalar(sa.select(sa.func.max(Event.id)).where(Event.request_id == case.id))
        told = db.session.scalar(sa.select(sa.func.count()).where(Notification.event_id == last))
        print(f"people told of each message: {told}")


if __name__ == "__main__":
    main()
