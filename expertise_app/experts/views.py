"""Pages of the expert directory: the list, a profile and its edit form, unavailable periods,
and the ranked suggestions for a request (where the team is proposed).

Ministry staff only: partners get 404 on every page here. Views parse, call a service
(experts/services.py, or cases/operations.perform for team actions) and render.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import policy
from ..cases import operations
from ..cases.models import ExpertiseRequest
from ..cases.workflow import ACTIONS
from ..db_types import utcnow, without_nul
from ..extensions import db
from ..feedback import queries as feedback_queries
from ..pagination import requested_page
from ..reference import FIELDS, INSTITUTIONS, LANGUAGES, REGIONS
from ..translation import gettext as _
from . import queries, ranking, services
from .forms import DirectoryFilters, UnavailabilityForm, known_code
from .models import ExpertProfile

bp = Blueprint("experts", __name__)

PER_PAGE = 25
MAX_PAGE = 10_000


@bp.before_request
@login_required
def require_staff():
    """The directory is for ministry staff; to anyone else it does not exist."""
    if not policy.can_view_experts(current_user):
        abort(404)


def _load_expert(expert_id: int):
    try:
        return services.get_expert(current_user, expert_id)
    except operations.NotFound:
        abort(404)


@bp.route("/experts")
def directory():
    filters = DirectoryFilters(request.args)
    today = utcnow().date()
    page = queries.paginate_rows(queries.directory(filters, today), requested_page(MAX_PAGE), PER_PAGE)
    return render_template("experts/directory.html", page=page, filters=filters, today=today)


@bp.route("/experts/me")
def my_profile():
    if current_user.profile is None:
        abort(404)
    return redirect(url_for("experts.profile", expert_id=current_user.id))


def _render_profile(expert, unavailability_form=None, status=200):
    today = utcnow().date()
    return (
        render_template(
            "experts/profile.html",
            expert=expert,
            profile=expert.profile,
            workload=queries.workload(expert, today),
            ratings=feedback_queries.expert_ratings(expert.id),
            can_edit=policy.can_edit_profile(current_user, expert),
            can_deactivate=policy.can_deactivate_expert(current_user),
            unavailability_form=unavailability_form or UnavailabilityForm(formdata=None),
            today=today,
        ),
        status,
    )


@bp.route("/experts/<int:expert_id>")
def profile(expert_id: int):
    return _render_profile(_load_expert(expert_id))


@bp.route("/experts/<int:expert_id>/edit", methods=["GET", "POST"])
def edit(expert_id: int):
    expert = _load_expert(expert_id)
    if not policy.can_edit_profile(current_user, expert):
        abort(403)
    form, status = services.profile_form(expert), 200
    if request.method == "POST":
        try:
            changed = services.update_profile(current_user, expert, request.form)
        except operations.InvalidData as error:
            form, status = error.form, 422
            flash(error.message, "error")
        else:
            flash(_("The profile is saved.") if changed else _("Nothing has changed."), "success")
            return redirect(url_for("experts.profile", expert_id=expert.id))
    locked = () if current_user.is_manager else services.MANAGER_ONLY
    return render_template("experts/edit.html", expert=expert, form=form, locked=locked), status


@bp.route("/experts/<int:expert_id>/unavailability", methods=["POST"])
def add_unavailability(expert_id: int):
    expert = _load_expert(expert_id)
    try:
        _period, new = services.add_unavailability(current_user, expert, request.form)
    except operations.InvalidData as error:
        flash(error.message, "error")
        return _render_profile(expert, error.form, 422)
    except operations.PermissionDenied:
        abort(403)
    flash(_("The period is added.") if new else _("This period was already recorded: it is kept once."), "success")
    return redirect(url_for("experts.profile", expert_id=expert.id) + "#unavailability")


@bp.route("/experts/<int:expert_id>/unavailability/<int:period_id>/delete", methods=["POST"])
def remove_unavailability(expert_id: int, period_id: int):
    expert = _load_expert(expert_id)
    try:
        services.remove_unavailability(current_user, expert, period_id)
    except operations.NotFound:
        abort(404)
    except operations.PermissionDenied:
        abort(403)
    flash(_("The period is removed."), "success")
    return redirect(url_for("experts.profile", expert_id=expert.id) + "#unavailability")


@bp.route("/experts/<int:expert_id>/active", methods=["POST"])
def set_active(expert_id: int):
    expert = _load_expert(expert_id)
    active = request.form.get("active") == "1"
    try:
        services.set_active(current_user, expert, active)
    except operations.PermissionDenied:
        abort(403)
    if active:
        flash(_("%(name)s is active again: suggested and proposed for teams.", name=expert.name), "success")
    else:
        flash(_("%(name)s is deactivated: no longer suggested nor proposed.", name=expert.name), "success")
    return redirect(url_for("experts.profile", expert_id=expert.id))


# --- suggestions for a request ---------------------------------------------------------------


def suggestion_filters() -> ranking.Filters:
    args = request.args
    return ranking.Filters(
        field=known_code(args, "field", FIELDS),
        language=known_code(args, "language", LANGUAGES),
        institution=known_code(args, "institution", INSTITUTIONS),
        region=known_code(args, "region", REGIONS),
        free_only=args.get("free") == "1",
        eligible_only=args.get("eligible") == "1",
        name=without_nul(args.get("q") or "").strip()[:100] or None,
    )


def _profiles_of(ids: list[int]) -> dict[int, ExpertProfile]:
    """The page's experts' profiles, with what the table shows, in a few queries."""
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(ExpertProfile)
        .where(ExpertProfile.user_id.in_(ids))
        .options(
            so.selectinload(ExpertProfile.fields),
            so.selectinload(ExpertProfile.languages),
            so.selectinload(ExpertProfile.countries),
            so.selectinload(ExpertProfile.regions),
        )
    )
    return {profile.user_id: profile for profile in rows}


@bp.route("/cases/<int:case_id>/suggestions")
def suggestions(case_id: int):
    """Every active expert ranked for the request, explained; from here the team is proposed."""
    case = _load_case(case_id)
    propose, replace = ACTIONS["propose_experts"], ACTIONS["replace_expert"]
    may_propose = policy.refusal(current_user, case, propose) is None
    replacing = _replacing(case) if policy.refusal(current_user, case, replace) is None else None
    result = ranking.suggest(case, suggestion_filters(), page=requested_page(MAX_PAGE))
    profiles = _profiles_of([item.expert_id for item in result.items])
    for item in result.items:
        item.profile = profiles.get(item.expert_id)
    failed = g.pop("failed_action_form", None)
    return render_template(
        "experts/suggestions.html",
        case=case,
        result=result,
        filters=suggestion_filters(),
        may_propose=may_propose,
        replacing=replacing,
        form=failed,
        error=g.pop("failed_action_error", None),
        taiex=ranking.public_officials_only(case),
        refusal=None if may_propose else policy.refusal(current_user, case, propose),
        rules=ranking.rules_summary(),
    )


def _load_case(case_id: int) -> ExpertiseRequest:
    try:
        return operations.get_visible_case(current_user, case_id)
    except operations.NotFound:
        abort(404)


def _replacing(case: ExpertiseRequest):
    """The team member who declined and is being replaced (`?replace=<id>`), if any."""
    expert_id = request.args.get("replace", type=int)
    if expert_id is None and request.method == "POST":  # a refused replacement comes back to this page
        expert_id = request.form.get("expert", type=int)
    member = case.membership(expert_id) if expert_id else None
    return member if member is not None and member.status == "declined" else None
