"""The manager's overview, and its figures as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy
from ..cases.states import OUTCOME_LABELS, STATE_LABELS
from ..db_types import utcnow
from ..downloads import as_download, csv_stream
from ..reference import FEEDBACK_ITEMS, FIELDS
from . import queries

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.before_request
@login_required
def require_manager():
    if not policy.can_view_dashboard(current_user):
        abort(403)


@bp.route("")
def overview():
    return render_template("dashboard/overview.html", data=queries.overview())


@bp.route("/figures.csv")
def figures():
    """Every figure of the overview as rows (section, item, value, …), labelled in the user's language."""
    body = "".join(csv_stream(figure_rows(queries.overview())))
    return as_download(Response(body, mimetype="text/csv"), f"passerelle-overview-{utcnow():%Y-%m-%d}.csv")


def figure_rows(data: dict) -> list[list]:
    rows: list[list] = [[_("Section"), _("Item"), _("Value"), _("Open")]]
    rows += [[_("Requests"), _("requests in all"), data["total"], data["open"]]]
    rows += [[_("Requests by state"), STATE_LABELS.label(state), count, ""] for state, count in data["states"].items()]
    rows += [[_("Outcome"), OUTCOME_LABELS.label(outcome), count, ""] for outcome, count in data["outcomes"].items()]
    rows += [[_("Paused"), _("waiting for the partner"), data["pauses"]["waiting"], ""]]
    rows += [[_("Paused"), _("answers overdue"), data["pauses"]["overdue"], ""]]
    rows += [[_("Paused"), _("on hold"), data["pauses"]["on_hold"], ""]]
    rows += [[_("Requests by field"), FIELDS.label(field), total, open_] for field, open_, total in data["fields"]]
    feedback = data["feedback"]
    rows += [[_("Partners’ feedback on missions"), _("Questionnaires"), feedback["answers"], ""]]
    rows += [
        [_("Partners’ feedback on missions"), FEEDBACK_ITEMS.label(item), feedback[item] if feedback[item] else "", ""]
        for item in FEEDBACK_ITEMS.codes
    ]
    return rows
