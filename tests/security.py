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
from expertise_app.auth.accounts import authenticate
from expertise_app.auth.links import new_secret
from expertise_app.auth.models import Invitation, PasswordReset, Role
from expertise_app.auth.tokens import create_token
from expertise_app.cases import operations
from expertise_app.cases.models import ExpertiseRequest, SavedView
from expertise_app.db_types import utcnow
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
COLLEAGUE = "colleague@agency.example"  # invited by the world's partner, into its own organisation
EXPERT_TO_BE = "expert-to-be@example.org"  # invited by the manager

# endpoint -> (who sends the form, its data): people allowed to do it, so that only the token is missing.
PAGE_FORMS = {
    "auth.login": (None, lambda w: {"email": w.cast.manager.email, "password": Factory.PASSWORD}),
    "auth.forgot_password": (None, lambda w: {"email": w.cast.partner.email}),
    "auth.reset_password": (None, lambda w: {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}),  # the partner's link
    "auth.accept_invitation": (
        None,
        lambda w: {"name": "Amina Ben Salah", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD, "language": "en"},
    ),
    "auth.invitations_page": (
        "partner",
        lambda w: {"email": "another@agency.example", "name": "Sami", "language": "en"},
    ),
    "auth.resend_invitation": ("partner", lambda w: {}),
    "auth.revoke_invitation": ("partner", lambda w: {}),
    "auth.logout": ("manager", lambda w: {}),
    "auth.change_password": (
        "manager",
        lambda w: {"current": Factory.PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    "auth.create_api_token": ("manager", lambda w: {"name": "Forged", "lifetime": "90"}),
    "auth.revoke_api_token": ("manager", lambda w: {}),
    "auth.set_account_active": ("manager", lambda w: {"active": "0"}),
    "cases.new": ("partner", lambda w: request_data()),
    "cases.perform_action": ("partner", lambda w: {"reason": "Our budget was cut.", "version": w.case.partner_version}),
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
        lambda w: {"action": "withdraw", "version": w.case.partner_version, "reason": "Our budget was cut."},
        "json",
    ),
    "api.fire_transition": (
        "partner",
        lambda w: {"trigger": "withdraw", "version": w.case.partner_version, "reason": "Our budget was cut."},
        "json",
    ),
    "api.post_message": ("partner", lambda w: {"body": "Forged message"}, "json"),
    "api.upload_documents": ("partner", lambda w: {"file": (io.BytesIO(PDF), "forged.pdf")}, "multipart"),
}


@dataclass(frozen=True)
class World:
    """A request of `cast.partner`'s organisation with a message, an internal note and a document of
    each kind; the manager's API token, saved view and notification; an unavailable period of
    `cast.unrelated_expert`; a password reset link of `cast.partner`, its invitation of a colleague
    and the manager's invitation of an expert (with the secrets their emails would carry)."""

    cast: Cast
    case: ExpertiseRequest
    token_id: int
    token_secret: str
    view_id: int
    period_id: int
    notification_id: int
    public_document_id: int
    internal_document_id: int
    reset_secret: str
    invitation_id: int
    invitation_secret: str
    staff_invitation_id: int
    staff_invitation_secret: str

    @property
    def link_secrets(self) -> dict[str, str]:
        """endpoint -> the secret of the emailed link its address holds (`token`)."""
        return {"auth.reset_password": self.reset_secret, "auth.accept_invitation": self.invitation_secret}

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
            "invitation_id": self.invitation_id,
            "filename": "css/app.css",
            "kind": "csv",
        }


def _pdf(name: str) -> MultiDict:
    return MultiDict([("attachments", FileStorage(io.BytesIO(PDF), filename=name, content_type="application/pdf"))])


def reset_link(user) -> str:
    """A usable password reset link of `user`, as recovery.request_reset makes it: its secret (not committed)."""
    secret, token_hash = new_secret()
    db.session.add(PasswordReset(user=user, token_hash=token_hash, expires_at=utcnow() + timedelta(hours=1)))
    return secret


def invitation(inviter, email: str, role: str = Role.PARTNER, name: str = "") -> tuple[Invitation, str]:
    """An open invitation by `inviter` (a partner: into its own organisation) and its link's secret (not committed)."""
    secret, token_hash = new_secret()
    now = utcnow()
    made = Invitation(
        email=email,
        name=name,
        role=role,
        organisation_id=inviter.organisation_id if role == Role.PARTNER else None,
        language="en",
        invited_by=inviter,
        token_hash=token_hash,
        sent_at=now,
        expires_at=now + timedelta(days=7),
    )
    db.session.add(made)
    return made, secret


def build_world(factory: Factory, cast: Cast | None = None) -> World:
    cast = cast or factory.cast()
    case = factory.cast_case(cast, "submitted")
    operations.perform(
        case,
        "post_message",
        cast.partner,
        {"body": "Our letter is attached."},
        case.partner_version,
        files=_pdf("letter.pdf"),
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
    reset_secret = reset_link(cast.partner)
    colleague, colleague_secret = invitation(cast.partner, COLLEAGUE)
    expert_to_be, expert_secret = invitation(cast.manager, EXPERT_TO_BE, Role.EXPERT)
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
        reset_secret=reset_secret,
        invitation_id=colleague.id,
        invitation_secret=colleague_secret,
        staff_invitation_id=expert_to_be.id,
        staff_invitation_secret=expert_secret,
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
    secret = {"token": world.link_secrets[endpoint]} if endpoint in world.link_secrets else {}
    values = world.arguments() | secret | overrides
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


def password_works(user, password: str) -> bool:
    """Whether `user` signs in with `password` now (as committed)."""
    db.session.expire_all()
    return authenticate(user.email, password) is not None


def requests_count() -> int:
    with db.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(ExpertiseRequest))
