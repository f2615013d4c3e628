"""Telling the people an action concerns: a notification each, and an email in their language.

`notify` is called by the one write path (cases/operations.py) for every action and
filing, inside its transaction: the notifications and the outbox rows are written
with the action, and the emails leave only after the commit (`after_commit`), so an
action that fails or is rolled back tells nobody anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import partial

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale

from .. import policy
from ..auth.models import Role, User
from ..cases.models import Event, ExpertiseRequest
from ..cases.presenters import describe, entry_title, expert_names
from ..cases.states import Outcome, State
from ..db_types import MAX_ID, utcnow
from ..documents.models import Document
from ..extensions import db
from ..feedback.models import MissionFeedback
from ..transaction import after_commit
from ..translation import gettext as _
from . import jobs, mail
from .models import Delivery, Notification, OutboxEmail

_EMAILS_OFF: ContextVar[bool] = ContextVar("emails_off", default=False)


@contextmanager
def emails_off() -> Iterator[None]:
    """Notifications in the app only, no email (loading the demo's history)."""
    token = _EMAILS_OFF.set(True)
    try:
        yield
    finally:
        _EMAILS_OFF.reset(token)


def notify(case: ExpertiseRequest, event: Event, people: list[User]) -> list[Notification]:
    """Tell each of `people` of `event` on `case`, in their language, as they may read it."""
    notifications, emails = [], []
    names = expert_names([event]) if people else {}
    attached = list(db.session.scalars(sa.select(Document).where(Document.event_id == event.id))) if people else []
    for person in people:
        with force_locale(mail.language_of(person)):
            described = describe(event, person, names)
        if described is None:  # not theirs to read (an internal entry, for a partner)
            continue
        title, details = described
        notification = Notification(
            user_id=person.id, request_id=case.id, event=event, title=title[:200], created_at=event.created_at
        )
        db.session.add(notification)
        notifications.append(notification)
        if _EMAILS_OFF.get() or person.email_notifications == Delivery.NONE:
            notification.emailed_at = event.created_at  # not to be emailed later either (no digest backlog)
        elif person.email_notifications == Delivery.EACH:
            notification.emailed_at = event.created_at
            emails.append(_email_of_event(person, case, event, title, details, attached))
    send_after_commit(emails)
    return notifications


def _email_of_event(person: User, case, event: Event, title: str, details, attached) -> OutboxEmail:
    attached = [document.name for document in attached if policy.can_see_internal(person) or not document.internal]
    subject, body = mail.render(
        person,
        "event",
        case=case,
        event=event,
        title=title,
        details=details,
        documents=attached,
        proposed=_is_proposed_by(event, person),
        link=mail.public_url("cases.detail", case_id=case.id),
        preferences=mail.public_url("notifications.index"),
    )
    return queue_email(person, subject, body)


def _is_proposed_by(event: Event, person: User) -> bool:
    """Whether the entry proposes `person` for the team: their email then says what is asked of them (it
    listed the names proposed, theirs among them, and no more)."""
    if event.trigger == "replace_expert":
        return person.id == event.data.get("replacement")
    return event.trigger == "propose_experts" and person.id in (event.data.get("experts") or [])


def queue_email(person: User, subject: str, body: str) -> OutboxEmail:
    return queue_email_to(person.email, mail.language_of(person), subject, body, person)


def queue_email_to(address: str, language: str, subject: str, body: str, person: User | None = None) -> OutboxEmail:
    """An email in the outbox, to an address that may be nobody's account yet (an invitation)."""
    email = OutboxEmail(
        user_id=person.id if person is not None else None,
        to_address=address,
        subject=subject,
        body=body,
        language=language,
    )
    db.session.add(email)
    return email


def send_after_commit(emails: list[OutboxEmail]) -> None:
    """Send these emails of the outbox once the transaction is committed (none if it is rolled back)."""
    if not emails:
        return
    db.session.flush()
    after_commit(jobs.dispatch, [email.id for email in emails])


def send_digests(now: datetime | None = None) -> int:
    """One email to each person who asked for a digest, listing what they were not yet emailed about."""
    now = now or utcnow()
    waiting = (
        sa.select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),  # already seen in the app: no need to email it
            User.email_notifications == Delivery.DIGEST,
            User.active.is_(True),
        )
        .order_by(Notification.user_id, Notification.created_at)
        .options(so.joinedload(Notification.event), so.joinedload(Notification.request))  # what each one says
    )
    by_person: dict[int, list[Notification]] = {}
    for notification in db.session.scalars(waiting):
        by_person.setdefault(notification.user_id, []).append(notification)
    emails = []
    for notifications in by_person.values():
        person = notifications[0].user
        subject, body = mail.render(
            person,
            "digest",
            notifications=notifications,
            title_of=partial(title_of, reader=person),
            links={n.id: mail.public_url("cases.detail", case_id=n.request_id) for n in notifications},
            preferences=mail.public_url("notifications.index"),
        )
        emails.append(queue_email(person, subject, body))
        for notification in notifications:
            notification.emailed_at = now
    send_after_commit(emails)
    return len(emails)


FEEDBACK_REMINDER = "feedback_reminder"
FEEDBACK_WAIT = timedelta(days=14)


def remind_feedback(now: datetime | None = None) -> int:
    """Remind the partner of each request delivered 14 days ago or more, without feedback, once.

    One query finds them: delivered (the `deliver` event) before the cut-off, still without
    a questionnaire, never reminded; each partner of the organisation is told as for an action.
    """
    now = now or utcnow()
    delivered = (
        sa.select(Event.request_id)
        .where(Event.trigger == "deliver", Event.created_at <= now - FEEDBACK_WAIT)
        .scalar_subquery()
    )
    reminded = sa.select(Notification.request_id).where(Notification.kind == FEEDBACK_REMINDER)
    cases = db.session.scalars(
        sa.select(ExpertiseRequest).where(
            ExpertiseRequest.id.in_(delivered),
            ExpertiseRequest.state.in_((str(State.MISSION_DELIVERED), str(State.CLOSED))),
            sa.or_(ExpertiseRequest.outcome.is_(None), ExpertiseRequest.outcome == str(Outcome.COMPLETED)),
            ExpertiseRequest.id.not_in(sa.select(MissionFeedback.request_id)),
            ExpertiseRequest.id.not_in(reminded),
        )
    ).all()
    partners: dict[int, list[User]] = {}
    organisations = {case.organisation_id for case in cases}
    for person in db.session.scalars(
        sa.select(User).where(User.organisation_id.in_(organisations), User.role == Role.PARTNER, User.active.is_(True))
    ):
        partners.setdefault(person.organisation_id, []).append(person)
    emails = []
    for case in cases:
        for person in partners.get(case.organisation_id, []):
            with force_locale(mail.language_of(person)):
                title = _("How did the mission go? Give your feedback.")  # kept for any reader without a locale
            notification = Notification(
                user_id=person.id, request_id=case.id, kind=FEEDBACK_REMINDER, title=title, created_at=now
            )
            db.session.add(notification)
            if person.email_notifications == Delivery.EACH:
                notification.emailed_at = now
                subject, body = mail.render(
                    person,
                    "feedback_reminder",
                    case=case,
                    link=mail.public_url("cases.detail", case_id=case.id, _anchor="action-give_feedback"),
                )
                emails.append(queue_email(person, subject, body))
    send_after_commit(emails)
    return len(cases)


def title_of(notification: Notification, reader: User) -> str:
    """What the notification says to `reader`, whose it is, in their current language (the stored
    title is the fallback)."""
    if notification.kind == FEEDBACK_REMINDER:
        return _("How did the mission go? Give your feedback.")
    if notification.event is not None:
        return entry_title(notification.event.trigger, reader)
    return notification.title


# -- reading them -------------------------------------------------------------------------------


def of_user(user: User):
    """A query of the user's notifications, newest first."""
    return (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


# The statements every page runs (the header's count, the check when a request is opened), built once
# with their parameters as bound values: making them anew cost about 0.1 ms a page.
_UNREAD = sa.select(Notification.id).where(
    Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None)
)
_UNREAD_COUNT = sa.select(sa.func.count()).select_from(_UNREAD.subquery())
_UNREAD_COUNT_UP_TO = sa.select(sa.func.count()).select_from(
    _UNREAD.limit(sa.bindparam("at_most", type_=sa.Integer)).subquery()
)
_UNREAD_OF_REQUEST = _UNREAD.where(Notification.request_id == sa.bindparam("request_id")).limit(1)


def unread_count(user: User, at_most: int | None = None) -> int:
    """How many of the user's notifications are unread; counting stops at `at_most` if given (the
    header says "99+": a manager told of every filing has thousands, and the page should not count them)."""
    if at_most is None:
        return db.session.scalar(_UNREAD_COUNT, {"user_id": user.id})
    return db.session.scalar(_UNREAD_COUNT_UP_TO, {"user_id": user.id, "at_most": at_most})


def mark_request_read(user: User, request_id: int) -> None:
    """Opening a request reads its notifications; a page with none unread writes nothing (no write lock)."""
    if db.session.scalar(_UNREAD_OF_REQUEST, {"user_id": user.id, "request_id": request_id}) is not None:
        mark_read(user, request_id=request_id)


def is_own(user: User, notification_id: int) -> bool:
    """Whether `notification_id` is one of `user`'s notifications (another person's is not found)."""
    if not 0 < notification_id <= MAX_ID:
        return False
    query = sa.select(Notification.id).where(Notification.id == notification_id, Notification.user_id == user.id)
    return db.session.scalar(query) is not None


def mark_read(user: User, notification_id: int | None = None, request_id: int | None = None) -> int:
    """Mark the user's notifications read: one, those of one request, or all. Another person's: nothing."""
    query = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        if not 0 < notification_id <= MAX_ID:
            return 0
        query = query.where(Notification.id == notification_id)
    if request_id is not None:
        query = query.where(Notification.request_id == request_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount


def set_delivery(user: User, delivery: str) -> None:
    """Choose how to be emailed; a digest starts from now, not from everything ever notified."""
    if delivery not in Delivery.ALL:
        raise ValueError(delivery)
    if delivery != user.email_notifications:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.user_id == user.id, Notification.emailed_at.is_(None))
            .values(emailed_at=utcnow())
        )
    user.email_notifications = delivery
