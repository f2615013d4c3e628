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


MAX_PAGE = 100_000
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def _page_number() -> int:
    """The page asked for; nonsense means the first page, and huge numbers stop at MAX_PAGE."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def _per_page() -> int:
    asked = request.args.get("per_page", DEFAULT_PER_PAGE, type=int) or DEFAULT_PER_PAGE
    return min(asked, MAX_PER_PAGE) if asked > 0 else DEFAULT_PER_PAGE


@bp.route("")
def index():
    filters = CaseFilters.from_args(request.args)
    page = db.paginate(
        visible_cases(current_user, filters),
        page=_page_number(),
        per_page=_per_page(),
        max_per_page=MAX_PER_PAGE,
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
    shown = set(forms) | ({"assign_lead"} if lead_form else set())
    unsaved = _entered_text(failed_form) if failed_form is not None and failed_trigger not in shown else []
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
            unsaved=unsaved,
        ),
        status,
    )


def _entered_text(form) -> list[tuple[str, str]]:
    """(label, text) of what the user wrote in a form that can no longer be sent."""
    return [
        (str(field.label.text), field.data)
        for field in form
        if field.type in ("StringField", "TextAreaField") and field.data
    ]


@bp.route("/<int:case_id>")
def detail(case_id: int):
    return _render_case(_load_case(case_id))


def _run(case_id: int, trigger: str, form_class, action):
    """Run a service call from a POSTed form; re-render with the reason on refusal.

    What the user typed is never dropped: the page shows their form filled in,
    or, if that action is no longer possible, what they entered, to copy.
    """
    case = _load_case(case_id)
    version = request.form.get("version", type=int)
    try:
        action(case, version)
    except operations.InvalidData as error:
        return _render_case(case, error.form, trigger, 422, error.message)
    except operations.CaseError as error:
        db.session.rollback()
        case = _load_case(case_id)
        kept = form_class(formdata=request.form, case=case)
        return _render_case(case, kept, trigger, error.status, error.message)
    return None


@bp.route("/<int:case_id>/transitions/<trigger>", methods=["POST"])
def transition(case_id: int, trigger: str):
    if trigger not in STEPS:
        abort(404)
    refused = _run(
        case_id,
        trigger,
        STEPS[trigger].form,
        lambda case, version: operations.fire(case, trigger, current_user, request.form, version),
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
        case_id,
        "assign_lead",
        AssignLeadForm,
        lambda case, version: operations.assign_lead(case, current_user, request.form, version),
    )
    if refused:
        return refused
    flash(_("The lead expert has been assigned."), "success")
    return redirect(url_for("cases.detail", case_id=case_id))
