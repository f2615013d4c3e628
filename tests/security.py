"""What the security tests share: one of every kind of object, owned by one organisation and its
people, and the address of every route filled in with them; the whole database read at once, to
show that a refused request changed nothing."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask, url_for
from werkzeug.datastructures import FileStorage, MultiDict

from expertise_app import transaction
from expertise_app.auth.tokens import create_token
from expertise_app.cases import operations
from expertise_app.cases.models import ExpertiseRequest, SavedView
from expertise_app.documents.models import Document
from expertise_app.experts.models import Unavailability
from expertise_app.extensions import db
from expertise_app.notifications.models import Notification

from .factories import Cast, Factory, request_data
from .files import PDF

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The audit log is append-only and records refusals on purpose: it is read on its own where it matters.
NOT_COMPARED = frozenset({"audit_log"})

NEW_PASSWORD = "plums in the icebox"
SOON = date.today() + timedelta(days=120)

# endpoint -> (who sends the form, its data): people allowed to do it, so that only the token is missing.
PAGE_FORMS = {
    "auth.login": (None, lambda w: {"email": w.cast.manager.email, "password": Factory.PASSWORD}),
    "auth.logout": ("manager", lambda w: {}),
    "auth.change_password": (
        "manager",
        lambda w: {"current": Factory.PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    "auth.create_api_token": ("manager", lambda w: {"name": "Forged", "lifetime": "90"}),
    "auth.revoke_api_token": ("manager", lambda w: {}),
    "auth.set_account_active": ("manager", lambda w: {"active": "0"}),
    "cases.new": ("partner", lambda w: request_data()),
    "cases.perform_action": ("partner", lambda w: {"reason": "Our budget was cut.", "version": w.case.version}),
    "cases.save_view": ("manager", lambda w: {"name": "Forged view", "query": "state=assessed"}),
    "cases.delete_view": ("manager", lambda w: {}),
    "experts.edit": ("unrelated_expert", None),  # the profile form as its page fills it, biography changed
    "experts.add_unavailability": (
        "manager",
        lambda w: {"starts_on": SOON.isoformat(), "ends_on": (SOON + timedelta(days=2)).isoformat(), "reason": "x"},
    ),
    "experts.remove_unavailability": ("manager", lambda w: {}),
    "experts.set_active": ("manager", lambda w: {"active": "0"}),
    "i18n.switch_language": ("manager", lambda w: {"lang": "fr", "next": "/cases"}),
    "notifications.mark_read": ("manager", lambda w: {}),
    "notifications.mark_all_read": ("manager", lambda w: {}),
    "notifications.preferences": ("manager", lambda w: {"email_notifications": "none"}),
}

# The API's changes, sent by a signed-in browser with its session cookie: (who, body, sent as).
API_CALLS = {
    "api.create_request": ("partner", lambda w: request_data(), "json"),
    "api.perform_action": (
        "partner",
        lambda w: {"action": "withdraw", "version": w.case.version, "reason": "Our budget was cut."},
        "json",
    ),
    "api.fire_transition": (
        "partner",
        lambda w: {"trigger": "withdraw", "version": w.case.version, "reason": "Our budget was cut."},
        "json",
    ),
    "api.post_message": ("partner", lambda w: {"body": "Forged message"}, "json"),
    "api.upload_documents": ("partner", lambda w: {"file": (io.BytesIO(PDF), "forged.pdf")}, "multipart"),
}


@dataclass(frozen=True)
class World:
    """A request of `cast.partner`'s organisation with a message, an internal note and a document of
    each kind; the manager's API token, saved view and notification; an unavailable period of
    `cast.unrelated_expert`."""

    cast: Cast
    case: ExpertiseRequest
    token_id: int
    token_secret: str
    view_id: int
    period_id: int
    notification_id: int
    public_document_id: int
    internal_document_id: int

    def arguments(self) -> dict[str, object]:
        """A value for each variable part of an address, by its name in the URL map."""
        return {
            "case_id": self.case.id,
            "request_id": self.case.id,
            "name": "withdraw",
            "token_id": self.token_id,
            "user_id": self.cast.partner.id,
            "view_id": self.view_id,
            "expert_id": self.cast.unrelated_expert.id,
            "period_id": self.period_id,
            "notification_id": self.notification_id,
            "document_id": self.public_document_id,
            "notification": self.notification_id,
            "filename": "css/app.css",
            "kind": "csv",
        }


def _pdf(name: str) -> MultiDict:
    return MultiDict([("attachments", FileStorage(io.BytesIO(PDF), filename=name, content_type="application/pdf"))])


def build_world(factory: Factory, cast: Cast | None = None) -> World:
    cast = cast or factory.cast()
    case = factory.cast_case(cast, "submitted")
    operations.perform(
        case, "post_message", cast.partner, {"body": "Our letter is attached."}, case.version, files=_pdf("letter.pdf")
    )
    operations.perform(
        case, "post_note", cast.lead_expert, {"body": "Budget to check."}, case.version, files=_pdf("budget.pdf")
    )
    token, secret = create_token(cast.manager, "Reporting")
    view = SavedView(user_id=cast.manager.id, name="Closed ones", query="state=closed")
    start = date.today() + timedelta(days=200)
    period = Unavailability(starts_on=start, ends_on=start + timedelta(days=3), reason="Leave")
    cast.unrelated_expert.profile.unavailability.append(period)
    db.session.add(view)
    transaction.commit()
    public, internal = db.session.scalars(sa.select(Document).order_by(Document.id)).all()
    notification = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == cast.manager.id).order_by(Notification.id).limit(1)
    )
    assert notification is not None, "the partner's message told the managers"
    return World(
        cast=cast,
        case=case,
        token_id=token.id,
        token_secret=secret,
        view_id=view.id,
        period_id=period.id,
        notification_id=notification.id,
        public_document_id=public.id,
        internal_document_id=internal.id,
    )


def unsafe_rules(app: Flask) -> dict[str, tuple[str, frozenset[str]]]:
    """endpoint -> (rule, its unsafe methods), for every route that accepts one: read from the URL map."""
    found = {}
    for rule in app.url_map.iter_rules():
        methods = frozenset(rule.methods or ()) & UNSAFE_METHODS
        if methods:
            found[rule.endpoint] = (rule.rule, methods)
    return found


def safe_rules(app: Flask) -> dict[str, str]:
    """endpoint -> rule, for every route read with GET."""
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}


def address(app: Flask, endpoint: str, world: World, **overrides) -> str:
    """The address of `endpoint` with the world's objects in it (a new variable part fails here, loudly)."""
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    values = world.arguments() | overrides
    missing = set(rule.arguments) - set(values)
    assert not missing, f"tests/security.py: say which object fills {sorted(missing)} of {rule.rule}"
    with app.test_request_context():
        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


def database_rows() -> dict[str, list[tuple]]:
    """Every row of every table (but the append-only audit log), read through a connection of its own."""
    rows = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in NOT_COMPARED:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(sa.select(table).order_by(*order))]
    return rows


def changed_tables(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


def requests_count() -> int:
    with db.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(ExpertiseRequest))
