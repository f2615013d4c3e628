"""Pages for requests: lists, filing a request, a request's page and its actions.

Views only parse, call a service in cases/operations.py and render; every rule
lives in the workflow, the policy and the services.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy
from ..extensions import db
from . import operations
from .forms import AssignLeadForm, RequestForm
from .presenters import timeline
from .queries import SORTS, CaseFilters, visible_cases
from .states import STATE_LABELS
from .workflow import STEPS

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.before_request
@login_required
def require_login():
    """Every page here needs a signed-in user."""


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.route("")
def index():
    filters = CaseFilters.from_args(request.args)
    page = db.paginate(
        visible_cases(current_user, filters),
        page=max(_page_number(), 1),
        per_page=request.args.get("per_page", 20, type=int) or 20,
        max_per_page=100,
        error_out=False,
    )
    template = "cases/queue.html" if policy.can_view_queue(current_user) else "cases/partner_index.html"
    return render_template(template, page=page, filters=filters, sorts=SORTS)


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not policy.can_file_request(current_user):
        abort(403)
    form = RequestForm(formdata=None)
    status = 200
    if request.method == "POST":
        try:
            case = operations.file_request(current_user, request.form)
        except operations.InvalidData as error:
            form, status = error.form, 422
            flash(error.message, "error")
        else:
            flash(_("Your request %(reference)s has been filed.", reference=case.reference), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/new.html", form=form), status


def _load_case(case_id: int):
    try:
        return operations.get_visible_case(current_user, case_id)
    except operations.NotFound:
        abort(404)


def _ids_prefixed(form, prefix: str):
    """Several forms share one page: give each field an id of its own (`decline-reason`)."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
    return form


def _render_case(case, failed_form=None, failed_trigger=None, status=200, error=None):
    """The request page with one form per step the user may fire now."""
    forms = {}
    for step in policy.allowed_steps(current_user, case):
        form = failed_form if step.trigger == failed_trigger else step.form(formdata=None, case=case)
        forms[step.trigger] = _ids_prefixed(form, step.trigger)
    lead_form = None
    if policy.can_assign_lead(current_user, case):
        lead_form = failed_form if failed_trigger == "assign_lead" else AssignLeadForm(formdata=None, case=case)
        _ids_prefixed(lead_form, "assign_lead")
    return (
        render_template(
            "cases/detail.html",
            case=case,
            steps=STEPS,
            forms=forms,
            lead_form=lead_form,
            open_trigger=failed_trigger,
            entries=timeline(case, current_user),
            internal=policy.can_see_internal(current_user),
            error=error,
        ),
        status,
    )


@bp.route("/<int:case_id>")
def detail(case_id: int):
    return _render_case(_load_case(case_id))


def _run(case_id: int, trigger: str, action):
    """Run a service call from a POSTed form; re-render with the reason on refusal."""
    case = _load_case(case_id)
    version = request.form.get("version", type=int)
    try:
        action(case, version)
    except operations.InvalidData as error:
        return _render_case(case, error.form, trigger, 422, error.message)
    except operations.CaseError as error:
        db.session.rollback()
        case = _load_case(case_id)
        return _render_case(case, status=error.status, error=error.message)
    return None


@bp.route("/<int:case_id>/transitions/<trigger>", methods=["POST"])
def transition(case_id: int, trigger: str):
    if trigger not in STEPS:
        abort(404)
    refused = _run(
        case_id, trigger, lambda case, version: operations.fire(case, trigger, current_user, request.form, version)
    )
    if refused:
        return refused
    flash(
        _("%(step)s: done. The request is now “%(state)s”.", step=STEPS[trigger].label, state=_state_of(case_id)),
        "success",
    )
    return redirect(url_for("cases.detail", case_id=case_id))


def _state_of(case_id: int) -> str:
    return STATE_LABELS.label(_load_case(case_id).state)


@bp.route("/<int:case_id>/lead", methods=["POST"])
def assign_lead(case_id: int):
    refused = _run(
        case_id, "assign_lead", lambda case, version: operations.assign_lead(case, current_user, request.form, version)
    )
    if refused:
        return refused
    flash(_("The lead expert has been assigned."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))
