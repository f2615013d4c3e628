"""The audit log, for managers: newest first, filtered by what, how it ended, who and when."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from .. import policy
from ..db_types import day_in_address, start_of_day
from ..pagination import paginate, requested_page
from ..translation import lazy_gettext as _l
from . import services
from .models import AuditEntry

bp = Blueprint("audit", __name__)
PER_PAGE = 50

ACTION_LABELS = {
    "sign_in": _l("Sign-in"),
    "sign_out": _l("Sign-out"),
    "password_changed": _l("Password change"),
    "password_reset_requested": _l("Password reset asked for"),
    "password_reset": _l("Password reset"),
    "invitation_sent": _l("Invitation sent"),
    "invitation_accepted": _l("Invitation accepted"),
    "invitation_revoked": _l("Invitation revoked"),
    "account_disabled": _l("Account disabled"),
    "account_enabled": _l("Account enabled"),
    "token_created": _l("API token created"),
    "token_revoked": _l("API token revoked"),
    "refused": _l("Refusal"),
    "export": _l("Export"),
    "download": _l("Download"),
    "case_change": _l("Change of a request"),
}
OUTCOME_LABELS = {services.SUCCESS: _l("Done"), services.REFUSED: _l("Refused"), services.FAILED: _l("Failed")}


@bp.route("/audit")
@login_required
def index():
    services.not_found_unless(policy.can_manage_accounts(current_user))
    action = request.args.get("action") if request.args.get("action") in ACTION_LABELS else None
    outcome = request.args.get("outcome") if request.args.get("outcome") in OUTCOME_LABELS else None
    who = request.args.get("who", "").strip()[:100] or None
    since, until = day_in_address(request.args.get("from")), day_in_address(request.args.get("to"))
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    if outcome:
        query = query.where(AuditEntry.outcome == outcome)
    if who:
        query = query.where(AuditEntry.actor_email.contains(who.lower(), autoescape=True))
    if since:
        query = query.where(AuditEntry.at >= start_of_day(since))
    if until:
        query = query.where(AuditEntry.at < start_of_day(until + timedelta(days=1)))
    return render_template(
        "audit/index.html",
        page=paginate(query, requested_page(), PER_PAGE),
        actions=ACTION_LABELS,
        outcomes=OUTCOME_LABELS,
        filters={"action": action, "outcome": outcome, "who": who, "from": since, "to": until},
    )
