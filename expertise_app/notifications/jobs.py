"""Sending the outbox's emails: through RQ on Redis when REDIS_URL is set, else inline after the commit.

Each email is a row of the outbox (notifications/models.py) with its status. A failed
attempt is recorded and tried again later with back-off: by RQ's retries in the
worker (`flask --app wsgi worker`), and by `flask --app wsgi send-mail`, which sends
whatever is pending or due (run it from cron where there is no worker).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import redis
import sqlalchemy as sa
from flask import current_app
from rq import Queue, Retry, SimpleWorker

from ..db_types import utcnow
from ..extensions import db
from ..transaction import commit
from . import mail
from .models import OutboxEmail, OutboxStatus

log = logging.getLogger(__name__)

BACK_OFF = (60, 300, 1800, 7200, 21600)  # seconds before attempt 2, 3, …; then it is abandoned
MAX_ATTEMPTS = len(BACK_OFF) + 1


def redis_connection() -> redis.Redis | None:
    url = current_app.config.get("REDIS_URL")
    return redis.Redis.from_url(url) if url else None


def mail_queue(connection: redis.Redis) -> Queue:
    return Queue(current_app.config["MAIL_QUEUE"], connection=connection)  # named per installation


def dispatch(outbox_ids: list[int]) -> None:
    """After the commit: queue each email for the worker, or (no Redis configured) send it now."""
    connection = redis_connection()
    if connection is None:
        deliver_all(outbox_ids)  # failures are recorded in the outbox; `send-mail` tries again when due
        return
    try:
        retry = Retry(max=len(BACK_OFF), interval=list(BACK_OFF))
        # One pipelined round trip for the action's emails, each a job of its own (retried on its own).
        mail_queue(connection).enqueue_many(
            [Queue.prepare_data(send_job, (outbox_id,), retry=retry) for outbox_id in outbox_ids]
        )
    except redis.RedisError:
        # The rows stay pending: the worker's start, or `send-mail`, sends them.
        log.exception("could not queue emails %s", outbox_ids)


def send_job(outbox_id: int) -> None:
    """The worker's job: send one email of the outbox (raises on failure, so that RQ retries it)."""
    deliver(outbox_id)


def deliver(outbox_id: int, now: datetime | None = None) -> bool:
    """Send one email unless it has been sent; record the outcome and commit it. Raises if sending failed."""
    email = db.session.get(OutboxEmail, outbox_id, with_for_update=True)
    try:
        return _attempt(email, now or utcnow())
    finally:
        commit()


def deliver_all(outbox_ids: list[int], now: datetime | None = None) -> tuple[int, int]:
    """Send several emails, recording each outcome, in one transaction: (sent, failed)."""
    now = now or utcnow()
    sent = failed = 0
    # Rows another sender holds are left to it (PostgreSQL; SQLite has one writer anyway): none is sent twice.
    emails = db.session.scalars(
        sa.select(OutboxEmail)
        .where(OutboxEmail.id.in_(outbox_ids))
        .order_by(OutboxEmail.id)
        .with_for_update(skip_locked=True)
    )
    for email in emails:
        try:
            sent += _attempt(email, now)
        except Exception:
            failed += 1
            log.warning("email %s could not be sent; it will be retried", email.id, exc_info=True)
    commit()
    return sent, failed


def _attempt(email: OutboxEmail | None, now: datetime) -> bool:
    """One attempt at an email not yet sent (False: nothing to do); the outcome is recorded, not committed."""
    if email is None or email.status in (OutboxStatus.SENT, OutboxStatus.ABANDONED):
        return False
    email.attempts += 1
    try:
        mail.send(email.to_address, email.subject, email.body)
    except Exception as error:
        _record_failure(email, error, now)
        raise
    email.status, email.sent_at = OutboxStatus.SENT, now
    email.last_error = email.next_attempt_at = None
    return True


def _record_failure(email: OutboxEmail, error: Exception, now: datetime) -> None:
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    if email.attempts >= MAX_ATTEMPTS:
        email.status, email.next_attempt_at = OutboxStatus.ABANDONED, None
    else:
        email.status = OutboxStatus.FAILED
        email.next_attempt_at = now + timedelta(seconds=BACK_OFF[email.attempts - 1])


def send_due(now: datetime | None = None) -> tuple[int, int]:
    """Send every email pending, or failed and due again: (sent, failed)."""
    now = now or utcnow()
    due = sa.select(OutboxEmail.id).where(
        sa.or_(
            OutboxEmail.status == OutboxStatus.PENDING,
            sa.and_(OutboxEmail.status == OutboxStatus.FAILED, OutboxEmail.next_attempt_at <= now),
        )
    )
    return deliver_all(list(db.session.scalars(due.order_by(OutboxEmail.id))), now)


class AppWorker(SimpleWorker):
    """An RQ worker that runs each job in an application context of its own (its own database session),
    in this process: no fork, so no database connection is shared with a child."""

    def __init__(self, *args, app, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app

    def perform_job(self, job, queue) -> bool:
        with self.app.app_context():
            return super().perform_job(job, queue)


def worker(app, connection: redis.Redis) -> AppWorker:
    with app.app_context():
        queue = mail_queue(connection)
    return AppWorker([queue], connection=connection, app=app)
