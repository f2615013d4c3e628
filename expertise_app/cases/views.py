"""Pages for requests: lists, filing a request, a request's page, and one generic
route that performs any declared action.

Views only parse, call a service in cases/operations.py and render; every rule
lives in the workflow declaration, the policy and the services. The request's
transaction is committed after the view (expertise_app/transaction.py).
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from .. import policy
from ..audit import services as audit
from ..auth import throttle
from ..db_types import utcnow
from ..downloads import as_download, named_after, streamed
from ..experts import availability
from ..experts import queries as expert_queries
from ..extensions import db
from ..feedback import queries as feedback_queries
from ..i18n import show_form_again_in_its_language
from ..notifications import services as notifications
from ..pagination import paginate, per_page_in, requested_page
from ..templating import url_with
from ..translation import gettext as _
from . import exports, operations, saved_views, search, service_levels
from .forms import RequestForm, SaveViewForm
from .presenters import carried_filters, follow_up_values, partner_status, timeline
from .queries import (
    COLUMN_SORTS,
    LIST_MAX_PER_PAGE,
    LIST_PER_PAGE,
    VIEWS,
    CaseFilters,
    any_visible,
    follow_ups_of,
    neighbours,
    similar_requests,
    visible_cases,
)
from .workflow import ACTIONS, AFTER_DELIVERY, Action

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.before_request
@login_required
def require_login():
    """Every page here needs a signed-in user."""


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A search is counted up to this many matches: a common word's count would read them all (thousands at
# 100,000 requests) for a figure nobody pages through; the list says "more than" and asks for more words.
# Ten pages of twenty: reaching them reads about a thousand requests for a word in one of five.
SEARCH_COUNT_LIMIT = 200
# A form's language buttons post the form itself with this field, to come back in that language.


@bp.route("")
def index():
    filters = CaseFilters.from_args(request.args).for_user(current_user)
    count_limit = SEARCH_COUNT_LIMIT if filters.q else None
    per_page = per_page_in(request.args, LIST_PER_PAGE, LIST_MAX_PER_PAGE)
    page = paginate(visible_cases(current_user, filters), requested_page(), per_page, LIST_MAX_PER_PAGE, count_limit)
    if not page.items and page.total:  # past the last page (a link kept while the list shrank): the last one
        return redirect(url_with(page=page.pages))
    looked_beyond = not page.total and _searched_beyond_the_view(filters)
    if looked_beyond and any_visible(current_user, replace(filters, view="all")):
        return redirect(_list_url(f"{replace(filters, view='all').query_string}&{WIDENED}={filters.view}"))
    template = "cases/queue.html" if policy.can_view_queue(current_user) else "cases/partner_index.html"
    today = utcnow().date()
    proposals = expert_queries.proposals_waiting(current_user) if current_user.is_expert else []
    return render_template(
        template,
        page=page,
        filters=filters,
        column_sorts=COLUMN_SORTS,
        today=today,
        soon=service_levels.due_soon_until(today),
        proposals=proposals,
        saved_views=saved_views.views_of(current_user),
        save_form=SaveViewForm(formdata=None, query=filters.query_string),
        carried=carried_filters(filters, staff=policy.can_view_queue(current_user)),
        left_out=search.left_out_note(filters.q),
        widened_from=_widened_from(filters),
        nothing_anywhere=looked_beyond,  # not sent elsewhere above: nothing in its view nor among all requests
    )


# The argument that says a search was widened from a view of the queue (the list shows which).
WIDENED = "widened"


def _widened_from(filters: CaseFilters) -> str | None:
    """The view of the queue a search of all requests was widened from, if it was (the address says so,
    and that view does find nothing: an address may say anything)."""
    view = request.args.get(WIDENED)
    if view not in VIEWS or view == "all" or filters.view != "all" or not filters.q:
        return None
    return None if any_visible(current_user, replace(filters, view=view)) else view


def _searched_beyond_the_view(filters: CaseFilters) -> bool:
    """Whether a search that finds nothing in a view of the queue ("My open work") is looked for among
    all requests: if it finds some there, the list shows those, saying so, rather than an empty view;
    if not, the empty view says it found none there either."""
    return bool(filters.q) and filters.view not in (None, "all") and policy.can_view_queue(current_user)


@bp.route("/saved-views", methods=["POST"])
def save_view():
    """Save the list's filters under a name; the list opens again on that view."""
    form = SaveViewForm()
    filters = saved_views.filters_of(form.query.data).for_user(current_user)
    if not form.validate():
        flash(" ".join(str(error) for error in form.name.errors), "error")
        return redirect(_list_url(filters.query_string))
    try:
        view, replaced = saved_views.save(current_user, form.name.data, filters)
    except saved_views.TooManyViews:
        flash(_("You have %(count)d saved views: delete one first.", count=saved_views.MAX_VIEWS), "error")
    else:
        if replaced:
            flash(_("The view “%(name)s” now shows this list (it showed another).", name=form.name.data), "success")
        else:
            flash(_("The view “%(name)s” is saved.", name=form.name.data), "success")
        twin = saved_views.same_list_as(current_user, view)
        if twin is not None:
            flash(_("Your view “%(other)s” shows the same list.", other=twin.name), "info")
    return redirect(_list_url(filters.query_string))


@bp.route("/saved-views/<int:view_id>/delete", methods=["GET", "POST"])
def delete_view(view_id: int):
    """Asks first (GET), since a view deleted by a slip of the finger cannot be had back; deletes (POST)."""
    view = saved_views.view_of(current_user, view_id)
    if view is None:
        abort(404)
    listed = request.args.get("list", "")  # the list the view was deleted from, to go back to
    back = _list_url(saved_views.filters_of(listed).query_string)
    if request.method == "GET":
        return render_template("cases/delete_view.html", view=view, listed=listed, back=back)
    name = view.name
    saved_views.delete(current_user, view_id)
    flash(_("The view “%(name)s” is deleted.", name=name), "success")
    return redirect(back)


def _list_url(query: str) -> str:
    """The list a query string asks for (a list's filters, and its page when a case was opened from it)."""
    return url_for("cases.index") + (f"?{query}" if query else "")


@bp.route("/export.<any(csv, xlsx):kind>")
def export(kind: str):
    """The list as filtered, every page of it, as a spreadsheet (CSV or XLSX), in the user's language."""
    filters = CaseFilters.from_args(request.args).for_user(current_user)
    name = f"passerelle-cases-{utcnow():%Y-%m-%d}{named_after(filters.to_args())}.{kind}"
    audit.record("export", target=kind, detail=filters.query_string or "every request")
    if kind == "csv":
        csv_body = streamed(exports.csv_chunks(current_user, filters))
        return as_download(current_app.response_class(csv_body, mimetype="text/csv"), name)
    workbook = exports.xlsx_file(current_user, filters)
    return as_download(send_file(workbook, mimetype=XLSX, as_attachment=True, download_name=name))


@bp.route("/new", methods=["GET", "POST"])
@throttle.limit_writing
def new():
    if not policy.can_file_request(current_user):
        abort(403)
    # One key per form shown: the same form sent twice files one request.
    submission_key = request.form.get("submission_key") or secrets.token_urlsafe(24)
    origin = _follow_up_origin(request.values.get("follow_up_of", type=int))
    form = RequestForm(formdata=None, data=follow_up_values(origin) if origin else None)
    status = 200
    if show_form_again_in_its_language():
        form = RequestForm(formdata=request.form)
    elif request.method == "POST":
        try:
            filing = operations.file_request(
                current_user, request.form, idempotency_key=submission_key, files=request.files
            )
        except operations.InvalidData as error:
            form, status = error.form, 422  # the error summary above the form says it, with the list
        except operations.CaseError as error:
            form, status = RequestForm(formdata=request.form), error.status
            submission_key = secrets.token_urlsafe(24)
            flash(error.message, "error")
        else:
            if filing.replayed:
                message = _(
                    "Your request %(reference)s has been filed, once: the form was sent twice.",
                    reference=filing.case.reference,
                )
                flash(message, "success")  # what the first answer said, which the second one hid
            else:
                flash(_("Your request %(reference)s has been filed.", reference=filing.case.reference), "success")
            return redirect(url_for("cases.detail", case_id=filing.case.id))
    return render_template(
        "cases/new.html", form=form, submission_key=submission_key, draft_form="request-form", origin=origin
    ), status


def _follow_up_origin(case_id: int | None):
    """The closed request of the user's organisation that a new one follows up, if one is named."""
    if not case_id:
        return None
    try:
        origin = operations.get_visible_case(current_user, case_id)
    except operations.NotFound:
        abort(404)
    return origin if origin.is_closed else None


def _load_case(case_id: int):
    try:
        return operations.get_visible_case(current_user, case_id)
    except operations.NotFound:
        abort(404)


def _load_action(name: str) -> Action:
    action = ACTIONS.get(name)
    if action is None:
        abort(404)
    return action


def _stale_page_message() -> str:
    """A stale form's refusal, on the page that already shows the request as it now stands (reloading
    that page would send the form again)."""
    return _(
        "This request has changed since your page was loaded (in another tab or window, by a form sent twice, "
        "or by someone else). The page now shows it as it stands: look it over, then try again if it still "
        "needs doing."
    )


def _ids_prefixed(form, prefix: str):
    """Several forms share one page: give each field an id of its own (`decline-reason`)."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
    return form


def action_url(case, action: Action) -> str:
    """Where an action is done: its page here, or the page of another area that it names."""
    if action.page is None:  # the list the case was opened from goes along, for the way back to it
        return url_for("cases.perform_action", case_id=case.id, name=action.name, list=request.args.get("list"))
    return url_for(action.page, case_id=case.id, **(action.page_args(case) if action.page_args else {}))


def _cautions(case, inline: dict) -> dict[str, list[str]]:
    """What a person should know before an action they may take, by action: an expert asked to join a team
    hears, before accepting, what would keep the lead from confirming them (another mission on those dates)."""
    if "accept_proposal" not in inline:
        return {}
    return {"accept_proposal": availability.reasons_not_to_confirm(case, current_user)}


def _render_case(case, failed_form=None, failed_action: str | None = None, status=200, error=None):
    """The request page: one form per action the user may perform now, links to the others."""
    inline, linked = {}, []
    refused = policy.refusals(current_user, case)
    for action in (ACTIONS[name] for name, refusal in refused.items() if refusal is None):
        if action.has_own_page:
            linked.append(action)
            continue
        form = failed_form if action.name == failed_action else action.form(formdata=None, case=case)
        inline[action.name] = _ids_prefixed(form, action.name)
    # Typed text whose form this page does not show is given back to copy.
    unsaved = _entered_text(failed_form) if failed_form is not None and failed_action not in inline else []
    staff = policy.can_see_internal(current_user)
    entries = timeline(case, current_user)
    today = utcnow().date()
    return (
        render_template(
            "cases/detail.html",
            case=case,
            actions=ACTIONS,
            forms=inline,
            linked=[(action, action_url(case, action)) for action in linked],
            open_action=failed_action,
            entries=entries,
            documents=[document for entry in entries for document in entry.documents],
            follow_ups=follow_ups_of(current_user, case),
            similar=similar_requests(case) if staff else [],
            feedback=feedback_queries.of_request(case.id) if case.state in AFTER_DELIVERY else None,
            ratings=feedback_queries.ratings_of_request(case.id) if case.state in AFTER_DELIVERY else {},
            internal=staff,
            status=partner_status(case, entries, today),
            waiting=policy.waiting_on_others(current_user, case) if staff else [],
            held_back=policy.held_back(refused),
            cautions=_cautions(case, inline),
            error=error,
            unsaved=unsaved,
            today=today,
            in_list=_list_context(case),
            soon=service_levels.due_soon_until(today),
            target_moved_by_pauses=case.state in service_levels.TARGET_MOVED_BY_PAUSES,
        ),
        status,
    )


def _render_action_page(case, action: Action, form, status=200, error=None):
    if action.page is not None:
        # The action is done on a page of another area (the team is proposed from the suggestions):
        # that page is shown again with the refused form and its message.
        g.failed_action_form, g.failed_action_error = form, error
        response = current_app.view_functions[action.page](case_id=case.id)
        return response, status
    return (
        render_template(
            "cases/action.html", case=case, action=action, form=form, error=error, draft_form="action-form"
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
    case = _load_case(case_id)
    notifications.mark_request_read(current_user, case.id)  # seen: what they told of is on this page
    return _render_case(case)


def _list_context(case) -> dict | None:
    """The list the user came from (`?list=` on the case's address): the way back to it, with its
    filters, and the cases before and after this one in it."""
    if "list" not in request.args:
        return None
    listed = request.args["list"]
    filters = saved_views.filters_of(listed).for_user(current_user)
    previous, following = neighbours(current_user, filters, case)
    page, per_page, row = saved_views.place_of(listed)

    def case_url(other: int | None, step: int) -> str | None:
        """The neighbour's address, with its place in the list: the row after the page's last is the
        first of the next page (where the way back then leads)."""
        if other is None:
            return None
        if row is None:
            return url_for("cases.detail", case_id=other, list=filters.listed_on(page, per_page))
        place = max((page - 1) * per_page + row - 1 + step, 0)  # counted from 0, over the whole list
        return url_for(
            "cases.detail",
            case_id=other,
            list=filters.listed_on(place // per_page + 1, per_page, place % per_page + 1),
        )

    return {
        "back": _list_url(filters.listed_on(page, per_page)),
        "previous": case_url(previous, -1),
        "next": case_url(following, 1),
    }


@bp.route("/<int:case_id>/actions/<name>", methods=["GET", "POST"])
@throttle.limit_writing
def perform_action(case_id: int, name: str):
    """Any declared action: its page (GET), or performing it (POST).

    What the user typed is never dropped: on a refusal the page shows their form
    filled in, or, if that action is no longer possible, what they entered, to copy.
    """
    action = _load_action(name)
    case = _load_case(case_id)
    if request.method == "GET" or show_form_again_in_its_language():
        refusal = policy.refusal(current_user, case, action)
        if refusal is not None:
            status = 403 if refusal.kind == policy.Refusal.PERMISSION else 409
            return _render_case(case, status=status, error=refusal.message)
        if action.page is not None and request.method == "GET":
            return redirect(action_url(case, action))
        formdata = request.form if request.method == "POST" else None
        if formdata is not None:
            # Shown again in another language, the form still names the version it was made from:
            # the request's current one would make a copy read before a change look fresh.
            g.form_version = request.form.get("version", type=int)
        return _render_action_page(case, action, _ids_prefixed(action.form(formdata=formdata, case=case), name))
    try:
        operations.perform(
            case, name, current_user, request.form, request.form.get("version", type=int), files=request.files
        )
    except (operations.InvalidData, operations.NothingToDo) as error:
        form = getattr(error, "form", None) or action.form(formdata=request.form, case=case)
        if action.has_own_page:
            return _render_action_page(case, action, _ids_prefixed(form, name), error.status, error.message)
        return _render_case(case, _ids_prefixed(form, name), name, error.status, error.message)
    except operations.CaseError as error:
        db.session.rollback()
        case = _load_case(case_id)
        kept = _ids_prefixed(action.form(formdata=request.form, case=case), name)
        message = _stale_page_message() if isinstance(error, operations.StaleCase) else error.message
        if action.has_own_page and policy.refusal(current_user, case, action) is None:
            return _render_action_page(case, action, kept, error.status, message)
        return _render_case(case, kept, name, error.status, message)
    flash(str(action.done), "success")
    return redirect(url_for("cases.detail", case_id=case_id, list=request.args.get("list")))
