"""The manager's overview."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from .. import policy
from . import queries

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("")
@login_required
def overview():
    if not policy.can_view_dashboard(current_user):
        abort(403)
    return render_template("dashboard/overview.html", data=queries.overview())
