"""What the API returns: marshmallow schemas (dump only), documented in OpenAPI.

What it accepts is described by api/jsonschema.py from the form classes.
"""

from __future__ import annotations

import marshmallow as ma

from ..cases.queries import DEFAULT_SORT, PAUSES, SORTS
from ..cases.states import State
from ..reference import COUNTRIES, FIELDS


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), metadata={"description": "per field"}
    )


class CodeLabelSchema(ma.Schema):
    code = ma.fields.String(required=True)
    label = ma.fields.String(required=True)


class ReferenceSchema(ma.Schema):
    fields = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    assistance_types = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    instruments = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    countries = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    languages = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    states = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    outcomes = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    decline_reasons = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    redirect_destinations = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    assessment_criteria = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    priorities = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    mission_formats = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)
    follow_ups = ma.fields.List(ma.fields.Nested(CodeLabelSchema), required=True)


class WorkflowActionSchema(ma.Schema):
    name = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    sources = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "states it is available in"})
    dest = ma.fields.String(allow_none=True, required=True, metadata={"description": "null: the state stays"})
    changes_state = ma.fields.Boolean(required=True)
    outcome = ma.fields.String(allow_none=True, required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    actors = ma.fields.List(ma.fields.String(), required=True)
    concerns = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "whom it is told to"})
    public_fields = ma.fields.List(
        ma.fields.String(),
        allow_none=True,
        required=True,
        metadata={"description": "the data a partner reads in the history; null: the entry is internal"},
    )
    schema = ma.fields.Dict(required=True, metadata={"description": "reference to the JSON Schema of its body"})


class WorkflowSchema(ma.Schema):
    states = ma.fields.List(ma.fields.String(), required=True)
    initial = ma.fields.String(required=True)
    final = ma.fields.List(ma.fields.String(), required=True)
    actions = ma.fields.List(ma.fields.Nested(WorkflowActionSchema), required=True)


class PersonSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class OrganisationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    country = ma.fields.String(required=True)


class RequestSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    reference = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    organisation = ma.fields.Nested(OrganisationSchema, required=True)
    field = ma.fields.String(required=True)
    country = ma.fields.String(required=True)
    assistance_type = ma.fields.String(required=True)
    instrument = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    outcome = ma.fields.String(allow_none=True, required=True)
    waiting_for_partner = ma.fields.Boolean(required=True, metadata={"description": "a question awaits an answer"})
    question_due_on = ma.fields.Date(allow_none=True, required=True)
    on_hold = ma.fields.Boolean(required=True)
    version = ma.fields.Integer(required=True)
    submitted_at = ma.fields.AwareDateTime(required=True)
    state_entered_at = ma.fields.AwareDateTime(required=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    priority = ma.fields.String(metadata={"description": "ministry staff only"})
    lead_expert = ma.fields.Nested(PersonSchema, allow_none=True, metadata={"description": "ministry staff only"})


class RequestPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RequestSummarySchema), required=True)
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)


class MissionSchema(ma.Schema):
    format = ma.fields.String(required=True)
    place = ma.fields.String(required=True)
    planned_start = ma.fields.Date(required=True)
    planned_end = ma.fields.Date(required=True)
    actual_start = ma.fields.Date(allow_none=True, required=True)
    actual_end = ma.fields.Date(allow_none=True, required=True)
    report = ma.fields.String(allow_none=True, required=True)
    participants_reached = ma.fields.Integer(allow_none=True, required=True)


class HistoryEventSchema(ma.Schema):
    trigger = ma.fields.String(required=True)
    from_state = ma.fields.String(allow_none=True, required=True)
    to_state = ma.fields.String(required=True)
    at = ma.fields.AwareDateTime(required=True)
    actor = ma.fields.Nested(PersonSchema, allow_none=True, required=True)
    data = ma.fields.Dict(required=True)


class RequestDetailSchema(RequestSummarySchema):
    context = ma.fields.String(required=True)
    objectives = ma.fields.String(required=True)
    expected_results = ma.fields.String(required=True)
    period_start = ma.fields.Date(required=True)
    period_end = ma.fields.Date(required=True)
    working_languages = ma.fields.List(ma.fields.String(), required=True)
    participants_expected = ma.fields.Integer(allow_none=True, required=True)
    author = ma.fields.Nested(PersonSchema, required=True)
    decision_reason = ma.fields.String(allow_none=True, required=True)
    decline_reason = ma.fields.String(allow_none=True, required=True, metadata={"description": "a decline reason code"})
    redirect_destination = ma.fields.String(allow_none=True, required=True)
    acceptance = ma.fields.String(allow_none=True, required=True)
    waiting_since = ma.fields.AwareDateTime(allow_none=True, required=True)
    on_hold_since = ma.fields.AwareDateTime(allow_none=True, required=True)
    closing_summary = ma.fields.String(allow_none=True, required=True)
    follow_up = ma.fields.String(allow_none=True, required=True)
    eligibility_notes = ma.fields.String(allow_none=True, metadata={"description": "ministry staff only"})
    checklist = ma.fields.Dict(allow_none=True, metadata={"description": "the assessment checklist; staff only"})
    team = ma.fields.List(ma.fields.Nested(PersonSchema), required=True)
    mission = ma.fields.Nested(MissionSchema, allow_none=True, required=True)
    history = ma.fields.List(ma.fields.Nested(HistoryEventSchema), required=True)
    allowed_actions = ma.fields.List(ma.fields.String(), required=True)
    allowed_transitions = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "the allowed actions that change the state"}
    )


class ExpertSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    department = ma.fields.String(required=True)
    availability = ma.fields.String(required=True)
    fields = ma.fields.List(ma.fields.String(), required=True)
    languages = ma.fields.List(ma.fields.String(), required=True)
    regions = ma.fields.List(ma.fields.String(), required=True)


class CountSchema(ma.Schema):
    code = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)


class FieldCountSchema(ma.Schema):
    code = ma.fields.String(required=True)
    open = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)


class DashboardSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    open = ma.fields.Integer(required=True)
    waiting_for_partner = ma.fields.Integer(required=True, metadata={"description": "open requests"})
    answers_overdue = ma.fields.Integer(required=True, metadata={"description": "open requests"})
    on_hold = ma.fields.Integer(required=True, metadata={"description": "open requests"})
    states = ma.fields.List(ma.fields.Nested(CountSchema), required=True)
    outcomes = ma.fields.List(ma.fields.Nested(CountSchema), required=True)
    fields = ma.fields.List(ma.fields.Nested(FieldCountSchema), required=True)


class RequestQuerySchema(ma.Schema):
    """Filters, sort and page of GET /requests."""

    state = ma.fields.String(validate=ma.validate.OneOf([str(state) for state in State]))
    field = ma.fields.String(validate=ma.validate.OneOf(FIELDS.codes))
    country = ma.fields.String(validate=ma.validate.OneOf(COUNTRIES.codes))
    q = ma.fields.String(validate=ma.validate.Length(max=100), metadata={"description": "text in reference or title"})
    assigned = ma.fields.String(validate=ma.validate.OneOf(["me"]))
    pause = ma.fields.String(
        validate=ma.validate.OneOf(list(PAUSES)),
        metadata={"description": "waiting for the partner, their answer overdue, or on hold"},
    )
    sort = ma.fields.String(load_default=DEFAULT_SORT, validate=ma.validate.OneOf(list(SORTS)))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
