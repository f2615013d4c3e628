"""Endpoints of /api/v1. HTTP only: parse, call the services, serialise.

Authentication: `Authorization: Bearer <token>`, or the session cookie of a
signed-in user (then unsafe methods need the CSRF token in `X-CSRFToken`).
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, g, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, Forbidden, Unauthorized, UnsupportedMediaType
from wtforms import BooleanField, SelectMultipleField

from .. import policy, reference
from ..audit import services as audit
from ..auth import throttle
from ..auth.models import User
from ..auth.tokens import bearer_user
from ..cases import operations
from ..cases.forms import RequestForm
from ..cases.models import ExpertiseRequest
from ..cases.presenters import visible_history
from ..cases.queries import CaseFilters, visible_cases
from ..cases.states import OUTCOME_LABELS, PARTNER_STATE_LABELS, STATE_LABELS, State
from ..cases.workflow import ACTIONS, INITIAL_STATE, MACHINE, TRANSITIONS, Action
from ..dashboard import queries as dashboard_queries
from ..db_types import utcnow, without_nul
from ..errors import problem, status_title
from ..experts import queries as expert_queries
from ..experts import ranking
from ..experts import services as expert_services
from ..experts.forms import DirectoryFilters
from ..extensions import csrf
from ..forms import IdListField
from ..inbound import check_api_body
from ..pagination import paginate
from ..translation import gettext as _
from .jsonschema import form_schema, unbound_fields
from .schemas import (
    DashboardSchema,
    ExpertDetailSchema,
    ExpertPageSchema,
    ExpertQuerySchema,
    OverviewQuerySchema,
    ReferenceSchema,
    RequestDetailSchema,
    RequestPageSchema,
    RequestQuerySchema,
    SuggestionPageSchema,
    SuggestionQuerySchema,
    WorkflowSchema,
)

API_MAX_CONTENT_LENGTH = 1024 * 1024
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

blp = Blueprint(
    "api", __name__, url_prefix="/api/v1", description="Expertise requests, their workflow and reference data."
)
csrf.exempt(blp)


# -- authentication and errors ------------------------------------------------------------


def _unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(detail, www_authenticate=WWWAuthenticate("bearer", {"realm": "passerelle"}))


@blp.before_request
def authenticate() -> None:
    """Every endpoint here needs a caller: a bearer token, or a signed-in session."""
    # JSON bodies are small; an upload may carry a file at the limit (UPLOAD_MAX_BYTES) and a message.
    uploading = request.endpoint == "api.upload_documents"
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"] if uploading else API_MAX_CONTENT_LENGTH
    if request.headers.get("Authorization"):
        user = bearer_user()
        if user is None:
            raise _unauthorized(_("The token is missing, wrong, expired or revoked."))
        g.api_user = user
        return
    if current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            csrf.protect()
        g.api_user = current_user._get_current_object()
        return
    raise _unauthorized(_("Send an API token: Authorization: Bearer <token>."))


# Bodies are checked once the caller is known and the API's body limit is set (`authenticate`).
blp.before_request(check_api_body)

# The endpoints of the ministry's own areas (the overview, the expert directory), and who of its staff
# may use each.
MINISTRY_AREAS = {"api.get_dashboard": policy.can_view_dashboard, "api.list_experts": policy.can_view_experts}


@blp.before_request
def guard_ministry_areas() -> None:
    """For anyone outside the ministry these endpoints do not exist: 404 (logged, as the pages' refusals
    are); a member of staff without the role is refused (403). Both before the query is read, which would
    otherwise answer 422 and tell that they are there."""
    allowed = MINISTRY_AREAS.get(request.endpoint)
    if allowed is not None:
        audit.not_found_unless(policy.sees_ministry_areas(caller()))
        require(allowed(caller()))


def caller() -> User:
    return g.api_user


@blp.errorhandler(operations.CaseError)
def case_error(error: operations.CaseError):
    extra: dict[str, Any] = {}
    if isinstance(error, operations.InvalidData | FieldErrors):
        extra["errors"] = error.errors
    return problem(error.status, status_title(error.status), error.message, **extra)


class FieldErrors(operations.CaseError):
    """Invalid data found by the API itself (before a service sees it)."""

    status = 422

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(_("Please correct the errors below."))
        self.errors = errors


def json_object() -> dict[str, Any]:
    """The request body as a JSON object, or a 400/415 problem."""
    if not request.is_json:
        raise UnsupportedMediaType(_("Send JSON with Content-Type: application/json."))
    try:
        data = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise BadRequest(_("The body is not valid JSON.")) from error
    if not isinstance(data, dict):
        raise BadRequest(_("The body must be a JSON object."))
    if not all(_is_text(name) for name in data):
        raise BadRequest(_("The body's names must be valid text."))
    wrong = {
        name: [_("Must be a string, a number or a list of them.")] for name, value in data.items() if not _flat(value)
    }
    wrong.update(
        (name, [_("Contains characters that are not valid text (an unpaired surrogate).")])
        for name, value in data.items()
        if name not in wrong and not all(_is_text(item) for item in (value if isinstance(value, list) else [value]))
    )
    if wrong:
        raise FieldErrors(wrong)
    return data


def _flat(value) -> bool:
    """Form data is flat: a scalar, or (for multi-valued fields) a list of scalars."""
    scalar = (str, int, float, bool, type(None))
    return isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(item, scalar) for item in value))


def _is_text(value) -> bool:
    """Not a string, or one that UTF-8 can carry (JSON allows "\\ud800", which no database stores)."""
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_shapes(form_class, data: dict[str, Any]) -> None:
    """A value of the right kind for each field of `form_class`: a list only where the field takes
    several values, true or false only for a yes/no; else 422 field by field."""
    fields = dict(unbound_fields(form_class))
    multi = {
        name for name, unbound in fields.items() if issubclass(unbound.field_class, SelectMultipleField | IdListField)
    }
    yes_no = {name for name, unbound in fields.items() if issubclass(unbound.field_class, BooleanField)}
    wrong = {}
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and name not in multi:
            wrong[name] = [_("Must be a single value, not a list.")]
        elif name in yes_no and not isinstance(value, bool):
            wrong[name] = [_("Must be true or false.")]
        elif name not in yes_no and any(isinstance(item, bool) for item in values):
            wrong[name] = [_("Must be a string or a number, not true or false.")]
    if wrong:
        raise FieldErrors(wrong)


def require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden(_("Your role does not give access to this."))


def load_case(request_id: int) -> ExpertiseRequest:
    return operations.get_visible_case(caller(), request_id)


# -- serialisation ------------------------------------------------------------------------


def _person(user: User | None) -> dict | None:
    return {"id": user.id, "name": user.name} if user else None


def summary(case: ExpertiseRequest, user: User) -> dict[str, Any]:
    data = {
        "id": case.id,
        "reference": case.reference,
        "title": case.title,
        "organisation": {
            "id": case.organisation.id,
            "name": case.organisation.name,
            "country": case.organisation.country,
        },
        "field": case.field,
        "country": case.country,
        "assistance_type": case.assistance_type,
        "instrument": case.instrument,
        "state": case.state,
        "outcome": case.outcome,
        "waiting_for_partner": case.is_waiting_for_partner,
        "question_due_on": case.question_due_on,
        "on_hold": case.is_on_hold,
        "version": case.version_seen_by(user),
        "submitted_at": case.submitted_at,
        "state_entered_at": case.state_entered_at,
        "closed_at": case.closed_at,
    }
    if policy.can_see_internal(user):
        data["priority"] = case.priority
        data["lead_expert"] = _person(case.lead_expert)
    return data


def _members(case: ExpertiseRequest) -> list[dict[str, Any]]:
    return [
        {
            "expert": _person(member.expert),
            "status": member.status,
            "declared_interests": member.declared_interests,
            "decline_reason": member.decline_reason,
        }
        for member in case.members
    ]


def detail(case: ExpertiseRequest, user: User) -> dict[str, Any]:
    data = summary(case, user)
    sees_plan = policy.can_see_plan(user, case)
    data.update(
        context=case.context,
        objectives=case.objectives,
        expected_results=case.expected_results,
        period_start=case.period_start,
        period_end=case.period_end,
        working_languages=case.working_languages,
        participants_expected=case.participants_expected,
        author=_person(case.author),
        decision_reason=case.decision_reason,
        decline_reason=case.decline_reason,
        redirect_destination=case.redirect_destination,
        acceptance=case.acceptance,
        waiting_since=case.waiting_since,
        on_hold_since=case.on_hold_since,
        closing_summary=case.closing_summary,
        follow_up=case.follow_up,
        follow_up_of=(
            {"id": case.follow_up_of.id, "reference": case.follow_up_of.reference} if case.follow_up_of else None
        ),
        team=[_person(expert) for expert in case.team] if sees_plan else [],
        team_lead=_person(case.lead_expert) if sees_plan and case.lead_expert in case.team else None,
        mission=case.mission.as_shown() if case.mission and sees_plan else None,
        history=[
            {
                "trigger": event.trigger,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "at": event.created_at,
                "actor": _person(event.actor),
                "data": event_data,
            }
            for event, event_data in visible_history(case, user)
        ],
    )
    allowed = policy.allowed_actions(user, case)
    data["allowed_actions"] = [action.name for action in allowed]
    data["allowed_transitions"] = [action.name for action in allowed if action.changes_state]
    if policy.can_see_internal(user):
        data["eligibility_notes"] = case.eligibility_notes
        data["checklist"] = case.checklist
        data["members"] = _members(case)
    return data


def _choices(vocabulary) -> list[dict[str, str]]:
    return [{"code": code, "label": label} for code, label in vocabulary.choices()]


# -- endpoints ----------------------------------------------------------------------------


@blp.route("/reference")
@blp.doc(operationId="get_reference")
@blp.response(200, ReferenceSchema)
def get_reference():
    """The allowed values of every coded field, with labels in the caller's language."""
    return {
        "fields": _choices(reference.FIELDS),
        "assistance_types": _choices(reference.ASSISTANCE_TYPES),
        "instruments": _choices(reference.INSTRUMENTS),
        "countries": _choices(reference.COUNTRIES),
        "languages": _choices(reference.LANGUAGES),
        "states": _choices(STATE_LABELS if policy.can_see_internal(caller()) else PARTNER_STATE_LABELS),  # their words
        "outcomes": _choices(OUTCOME_LABELS),
        "decline_reasons": _choices(reference.DECLINE_REASONS),
        "redirect_destinations": _choices(reference.REDIRECT_DESTINATIONS),
        "assessment_criteria": _choices(reference.ASSESSMENT_CRITERIA),
        "priorities": _choices(reference.PRIORITIES),
        "mission_formats": _choices(reference.MISSION_FORMATS),
        "follow_ups": _choices(reference.FOLLOW_UPS),
    }


def action_body_schema(action: Action) -> dict[str, Any]:
    """The JSON body that performs `action`: its name, the version read, and its form's data."""
    schema = form_schema(
        action.form,
        partial=action.partial,
        action={"type": "string", "const": action.name},
        version={"type": "integer", "description": "the request's version you read"},
    )
    schema["title"] = action.schema_name
    schema["description"] = str(action.description)
    return schema


def _action_json(action: Action) -> dict[str, Any]:
    return {
        "name": action.name,
        "label": str(action.label),
        "description": str(action.description),
        "sources": [str(source) for source in action.sources],
        "dest": str(action.dest) if action.dest else None,
        "changes_state": action.changes_state,
        "outcome": str(action.outcome) if action.outcome else None,
        "roles": list(action.roles),
        "actors": [str(actor) for actor in action.actors],
        "concerns": [str(audience) for audience in action.concerns],
        "public_fields": list(action.public_fields) if action.public_fields is not None else None,
        "schema": {"$ref": f"#/components/schemas/{action.schema_name}"},
    }


@blp.route("/workflow")
@blp.doc(operationId="get_workflow")
@blp.response(200, WorkflowSchema)
def get_workflow():
    """Every action on a request, as data, from its one declaration (cases/workflow.py)."""
    return {
        "states": list(MACHINE.states),
        "initial": str(INITIAL_STATE),
        "final": [str(State.CLOSED)],
        "actions": [_action_json(action) for action in ACTIONS.values()],
    }


@blp.route("/requests")
@blp.doc(operationId="list_requests")
@blp.arguments(RequestQuerySchema, location="query", as_kwargs=True)
@blp.response(200, RequestPageSchema)
def list_requests(page: int, per_page: int, **filters):
    """The requests the caller may see, filtered, sorted and paged."""
    user = caller()
    query = visible_cases(user, _case_filters(filters).for_user(user, page=False))
    result = paginate(query, page, per_page)
    return {
        "items": [summary(case, user) for case in result.items],
        "total": result.total,
        "page": page,
        "per_page": per_page,
        "pages": result.pages,
    }


@blp.route("/requests", methods=["POST"])
@throttle.limit_writing
@blp.doc(
    operationId="file_request",
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": "Sent again with the same body, files nothing new and answers as the first time; "
            "with another body, 422.",
        }
    ],
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewRequest"}}},
    },
)
@blp.response(
    201,
    RequestDetailSchema,
    headers={"Location": {"description": "URL of the new request", "schema": {"type": "string"}}},
)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def create_request():
    """File a new request (partners). It starts in the state `submitted`."""
    user = caller()
    key = request.headers.get("Idempotency-Key")
    body = json_object()
    check_shapes(RequestForm, body)
    case = operations.file_request(user, body, idempotency_key=key).case
    location = url_for("api.get_request", request_id=case.id, _external=False)
    return detail(case, user), 201, {"Location": location}


@blp.route("/requests/<int:request_id>")
@blp.doc(operationId="get_request")
@blp.response(200, RequestDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_request(request_id: int):
    """A request with its history, team and the actions the caller may perform now."""
    user = caller()
    return detail(load_case(request_id), user)


def _perform_from_body(request_id: int, name_key: str, names) -> dict[str, Any]:
    user = caller()
    case = load_case(request_id)
    body = json_object()
    name, version = body.pop(name_key, None), body.pop("version", None)
    errors: dict[str, list[str]] = {}
    if not isinstance(name, str) or name not in names:
        errors[name_key] = [_("Must be one of: %(names)s.", names=", ".join(names))]
    if not isinstance(version, int) or isinstance(version, bool):
        errors["version"] = [_("The version of the request you read (an integer) is required.")]
    if errors:
        raise FieldErrors(errors)
    check_shapes(names[name].form, body)
    operations.perform(case, name, user, body, version)
    return detail(case, user)


def _with_action_responses(view):
    """The responses of an endpoint that performs an action: the request, or why not."""
    decorators = [
        blp.response(200, RequestDetailSchema),
        blp.alt_response(403, response="FORBIDDEN"),
        blp.alt_response(404, response="NOT_FOUND"),
        blp.alt_response(409, response="CONFLICT"),
        blp.alt_response(422, response="UNPROCESSABLE_ENTITY"),
    ]
    for decorate in reversed(decorators):
        view = decorate(view)
    return view


@blp.route("/requests/<int:request_id>/actions", methods=["POST"])
@throttle.limit_writing
@blp.doc(
    operationId="perform_action",
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionRequest"}}},
    },
)
@_with_action_responses
def perform_action(request_id: int):
    """Perform an action: `{"action": …, "version": …, …data}` (GET /workflow lists each action's data)."""
    return _perform_from_body(request_id, "action", ACTIONS)


@blp.route("/requests/<int:request_id>/transitions", methods=["POST"])
@throttle.limit_writing
@blp.doc(
    operationId="fire_transition",
    deprecated=True,
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TransitionRequest"}}},
    },
)
@_with_action_responses
def fire_transition(request_id: int):
    """Deprecated, kept for existing clients: `{"trigger": …}` for the actions that change the state.

    Use POST /requests/{id}/actions.
    """
    return _perform_from_body(request_id, "trigger", TRANSITIONS)


def _expert_json(expert: User, open_cases: int, upcoming_missions: int) -> dict[str, Any]:
    profile = expert.profile
    return {
        "id": expert.id,
        "name": expert.name,
        "email": expert.email,
        "institution": profile.institution,
        "department": profile.department,
        "public_official": profile.public_official,
        "seniority": profile.seniority,
        "active": profile.active and expert.active,
        "max_concurrent_missions": profile.max_concurrent_missions,
        "primary_fields": profile.primary_fields,
        "secondary_fields": profile.secondary_fields,
        "languages": [{"code": code, "level": level} for code, level in profile.language_levels.items()],
        "countries": profile.country_codes,
        "regions": profile.region_codes,
        "open_cases": open_cases,
        "upcoming_missions": upcoming_missions,
    }


@blp.route("/experts")
@blp.doc(operationId="list_experts")
@blp.arguments(ExpertQuerySchema, location="query", as_kwargs=True)
@blp.response(200, ExpertPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_experts(page: int, per_page: int, **filters):
    """The expert directory, filtered, sorted and paged (ministry staff, see `guard_ministry_areas`), as on
    the Experts page."""
    args = {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in filters.items()}
    args["inactive"] = "1" if filters.get("inactive") else ""
    query = expert_queries.directory(DirectoryFilters(args), utcnow().date())
    result = expert_queries.paginate_rows(query, page, per_page, past_the_end=True)
    return {
        "items": [_expert_json(*row) for row in result.items],
        "total": result.total,
        "page": page,
        "per_page": per_page,
        "pages": result.pages,
    }


@blp.route("/experts/<int:expert_id>")
@blp.doc(operationId="get_expert")
@blp.response(200, ExpertDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_expert(expert_id: int):
    """One expert's profile, unavailable periods and workload (ministry staff; 404 to anyone else)."""
    expert = expert_services.get_expert(caller(), expert_id)
    today = utcnow().date()
    workload = expert_queries.workload(expert, today)
    data = _expert_json(expert, workload.open_cases, len(workload.upcoming_missions))
    data.update(
        biography=expert.profile.biography,
        unavailability=[
            {"starts_on": period.starts_on, "ends_on": period.ends_on, "reason": period.reason}
            for period in expert.profile.upcoming_unavailability(today)
        ],
        missions_ahead=[
            {
                "id": case.id,
                "reference": case.reference,
                "title": case.title,
                "planned_start": case.mission.planned_start,
                "planned_end": case.mission.planned_end,
            }
            for case in workload.upcoming_missions
        ],
        days_on_mission_this_year=workload.days_this_year,
    )
    return data


@blp.route("/requests/<int:request_id>/suggestions")
@blp.doc(operationId="list_suggestions")
@blp.arguments(SuggestionQuerySchema, location="query", as_kwargs=True)
@blp.response(200, SuggestionPageSchema)
@blp.alt_response(404, response="NOT_FOUND")
def list_suggestions(request_id: int, page: int, per_page: int, free: bool, eligible: bool, q=None, **filters):
    """Every active expert not on the team, ranked for the request, with each part of the score (staff)."""
    case = load_case(request_id)
    if not policy.can_view_experts(caller()):
        raise operations.NotFound(_("No such request."))
    wanted = ranking.Filters(
        free_only=free, eligible_only=eligible, name=without_nul(q or "").strip() or None, **filters
    )
    result = ranking.suggest(case, wanted, page=page, per_page=per_page, past_the_end=True)
    return {
        "items": [
            {
                "expert": {"id": item.expert_id, "name": item.name},
                "institution": item.institution,
                "department": item.department,
                "public_official": item.public_official,
                "score": item.score,
                "parts": [vars(part) for part in item.parts],
                "busy": item.busy,
                "eligible": item.eligible,
                "can_be_confirmed": item.can_be_confirmed,
                "clashes": [clash.describe() for clash in item.clashes],
                "rating": item.rating,
                "ratings": item.ratings,
            }
            for item in result.items
        ],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
        "starts_on": result.starts_on,
        "ends_on": result.ends_on,
    }


def _case_filters(filters: dict) -> CaseFilters:
    """The API's validated query as the list's filters (which name the period as its address does)."""
    names = {"submitted_from": "from", "submitted_to": "to"}
    return CaseFilters.from_args(
        {names.get(key, key): str(value) for key, value in filters.items() if value is not None}
    )


@blp.route("/dashboard")
@blp.doc(operationId="get_dashboard")
@blp.arguments(OverviewQuerySchema, location="query", as_kwargs=True)
@blp.response(200, DashboardSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(404, response="NOT_FOUND")
def get_dashboard(**filters):
    """The overview counts per state, outcome and field (managers, see `guard_ministry_areas`), narrowed as
    the overview's page is."""
    user = caller()
    chosen = _case_filters(filters)
    counts = dashboard_queries.fact_counts(user, chosen)
    totals = dashboard_queries.totals(user, chosen, counts)
    outcomes = dashboard_queries.closures(counts)["outcomes"]
    fields = dashboard_queries.breakdown(counts, "field")
    states = dashboard_queries.state_counts(counts)
    return {
        "total": totals["total"],
        "open": totals["open"],
        "waiting_for_partner": totals["waiting"],
        "answers_overdue": totals["overdue"],
        "on_hold": totals["on_hold"],
        "states": [{"code": code, "count": count} for code, count in states.items()],
        "outcomes": [{"code": code, "count": count} for code, count in outcomes.items()],
        "fields": [{"code": code, "open": open_, "total": total} for code, open_, total in fields],
    }


def register_input_schemas(spec) -> None:
    """Publish what POST bodies accept, generated from the forms that validate them."""
    spec.components.schema("NewRequest", form_schema(RequestForm))
    for action in ACTIONS.values():
        spec.components.schema(action.schema_name, action_body_schema(action))
    spec.components.schema(
        "ActionRequest",
        {
            "oneOf": [{"$ref": f"#/components/schemas/{action.schema_name}"} for action in ACTIONS.values()],
            "discriminator": {
                "propertyName": "action",
                "mapping": {name: f"#/components/schemas/{action.schema_name}" for name, action in ACTIONS.items()},
            },
        },
    )
    spec.components.schema(
        "TransitionRequest",
        {
            "type": "object",
            "description": "Deprecated: the body of POST /actions with `trigger` in place of `action`, "
            "for the actions that change the state.",
            "properties": {
                "trigger": {"type": "string", "enum": list(TRANSITIONS)},
                "version": {"type": "integer"},
            },
            "required": ["trigger", "version"],
            "additionalProperties": True,
        },
    )
