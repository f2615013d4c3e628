"""Writing the audit log.

A change of a case is logged in the transaction that makes it (`change`): both are saved, or
neither. Everything else (sign-ins, refusals, exports, downloads) is logged whether the request
succeeds or not — a refused request is rolled back — so it is kept aside during the request and
written in a transaction of its own when the request ends (`record`, `write_kept`).

Every text is made one line (control characters replaced) and cut to its column's length, so no
entry can forge another or break a log reader.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, abort, g, has_request_context, request
from flask_login import current_user

from .. import transaction
from ..extensions import db
from .models import AuditEntry

log = logging.getLogger(__name__)

CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
SUCCESS, REFUSED, FAILED = "success", "refused", "failed"
# What is logged: the names a manager filters by on the audit page.
ACTIONS = (
    "sign_in",
    "sign_out",
    "password_changed",
    "password_reset_requested",
    "password_reset",
    "invitation_sent",
    "invitation_accepted",
    "invitation_revoked",
    "account_disabled",
    "account_enabled",
    "token_created",
    "token_revoked",
    "refused",
    "export",
    "download",
    "case_change",
)
KEPT = "audit_entries"


def _line(text: str | None, length: int) -> str | None:
    return CONTROLS.sub(" ", text)[:length] if text else None


def _entry(action: str, outcome: str, target: str | None, detail: str | None, actor=None, email=None) -> dict:
    if actor is None and has_request_context():
        caller = g.get("api_user") or current_user  # a token's owner, or the signed-in person
        actor = caller if caller and caller.is_authenticated else None
    return {
        "actor_id": actor.id if actor is not None else None,
        "actor_email": _line(email or (actor.email if actor is not None else None), 254),
        "address": _line(request.remote_addr, 45) if has_request_context() else None,
        "action": action,
        "outcome": outcome,
        "target": _line(target, 80),
        "detail": _line(detail, 300),
    }


def change(actor, target: str, detail: str) -> None:
    """A change of a case, logged with it in its transaction."""
    db.session.add(AuditEntry(**_entry("case_change", SUCCESS, target, detail, actor=actor)))


def record(action: str, outcome: str = SUCCESS, target: str | None = None, detail: str | None = None, **who) -> None:
    """Log `action` once the request ends, whatever becomes of its transaction."""
    entry = _entry(action, outcome, target, detail, **who)
    if not has_request_context():
        db.session.add(AuditEntry(**entry))  # a command: saved with its own commit
        return
    g.setdefault(KEPT, []).append(entry)


def not_found_unless(allowed: bool, reason: str = "not for this role") -> None:
    """A page (or an object) for some people only: anyone else is told there is nothing here (404,
    as for another's data), and the refusal is logged with `reason`."""
    if not allowed:
        record("refused", REFUSED, request.path, reason)
        abort(404)


def write_kept(error=None) -> None:
    """At the end of every request: what it kept aside, in a transaction of its own."""
    entries = g.pop(KEPT, None)
    if not entries:
        return
    if error is not None:  # the view failed: its transaction is dropped first (it may hold SQLite's lock)
        transaction.rollback()
    try:
        with db.engine.begin() as connection:
            connection.execute(AuditEntry.__table__.insert(), entries)
    except Exception:  # the request's answer is already made; the log says what was lost
        log.exception("audit entries not written: %r", entries)


def init_audit(app: Flask) -> None:
    app.teardown_request(write_kept)
