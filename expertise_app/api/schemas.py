"""What the API returns: marshmallow schemas (dump only), documented in OpenAPI.

What it accepts is described by api/jsonschema.py from the form classes.
"""

from __future__ import annotations

import marshmallow as ma

from ..cases.models import FACT_STEPS
from ..cases.queries import AGES, DEFAULT_SORT, DUES, PAUSES, SORTS, VIEWS
from ..cases.states import Outcome, State
from ..db_types import FIRST_DAY, LAST_DAY
from ..experts.forms import DIRECTORY_SORTS
from ..reference import (
    ASSISTANCE_TYPES,
    CONTINENTS,
    COUNTRIES,
    DECLINE_REASONS,
    FIELDS,
    INSTITUTIONS,
    INSTRUMENTS,
    LANGUAGE_LEVELS,
    LANGUAGES,
    PRIORITIES,
    REDIRECT_DESTINATIONS,
    REGIONS,
    TEAM_STATUSES,
)
from ..translation import lazy_gettext as _l


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


class TeamMemberSchema(ma.Schema):
    expert = ma.fields.Nested(PersonSchema, required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(TEAM_STATUSES.codes))
    declared_interests = ma.fields.String(allow_none=True, required=True)
    decline_reason = ma.fields.String(allow_none=True, required=True)


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
    team = ma.fields.List(ma.fields.Nested(PersonSchema), required=True, metadata={"description": "the confirmed team"})
    team_lead = ma.fields.Nested(
        PersonSchema,
        allow_none=True,
        required=True,
        metadata={"description": "who of the confirmed team leads the mission (none while the team is not shown)"},
    )
    members = ma.fields.List(
        ma.fields.Nested(TeamMemberSchema), metadata={"description": "everyone proposed and their answer; staff only"}
    )
    mission = ma.fields.Nested(MissionSchema, allow_none=True, required=True)
    history = ma.fields.List(ma.fields.Nested(HistoryEventSchema), required=True)
    allowed_actions = ma.fields.List(ma.fields.String(), required=True)
    allowed_transitions = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "the allowed actions that change the state"}
    )
    follow_up_of = ma.fields.Dict(
        allow_none=True, metadata={"description": "id and reference of the closed request this one follows up"}
    )


class LanguageLevelSchema(ma.Schema):
    code = ma.fields.String(required=True)
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(LANGUAGE_LEVELS.codes))


class ExpertSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    institution = ma.fields.String(required=True)
    department = ma.fields.String(required=True)
    public_official = ma.fields.Boolean(required=True)
    seniority = ma.fields.String(required=True)
    active = ma.fields.Boolean(required=True)
    max_concurrent_missions = ma.fields.Integer(required=True)
    primary_fields = ma.fields.List(ma.fields.String(), required=True)
    secondary_fields = ma.fields.List(ma.fields.String(), required=True)
    languages = ma.fields.List(ma.fields.Nested(LanguageLevelSchema), required=True)
    countries = ma.fields.List(ma.fields.String(), required=True)
    regions = ma.fields.List(ma.fields.String(), required=True)
    open_cases = ma.fields.Integer(required=True)
    upcoming_missions = ma.fields.Integer(required=True)


class ExpertPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ExpertSchema), required=True)
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)


class PeriodSchema(ma.Schema):
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    reason = ma.fields.String(required=True)


class MissionAheadSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    reference = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    planned_start = ma.fields.Date(required=True)
    planned_end = ma.fields.Date(required=True)


class ExpertDetailSchema(ExpertSchema):
    biography = ma.fields.String(required=True)
    unavailability = ma.fields.List(ma.fields.Nested(PeriodSchema), required=True)
    missions_ahead = ma.fields.List(ma.fields.Nested(MissionAheadSchema), required=True)
    days_on_mission_this_year = ma.fields.Integer(required=True)


def ends_after_start(start: str, end: str):
    """A schema check: the period's `end` day is not before its `start` day (a reversed period finds
    nothing, which an answer of none would not say)."""

    @ma.validates_schema
    def check(self, data, **_kwargs) -> None:
        if data.get(start) and data.get(end) and data[end] < data[start]:
            raise ma.ValidationError(str(_l("The end date must be on or after the start date.")), end)

    return check


class ExpertQuerySchema(ma.Schema):
    """Filters, sort and page of GET /experts."""

    field = ma.fields.String(validate=ma.validate.OneOf(FIELDS.codes))
    language = ma.fields.String(
        validate=ma.validate.OneOf(LANGUAGES.codes), metadata={"description": "spoken at working level or better"}
    )
    country = ma.fields.String(validate=ma.validate.OneOf(COUNTRIES.codes))
    region = ma.fields.String(validate=ma.validate.OneOf(REGIONS.codes))
    institution = ma.fields.String(validate=ma.validate.OneOf(INSTITUTIONS.codes))
    free_from = ma.fields.Date(metadata={"description": "free (no mission, not unavailable) from this day"})
    free_to = ma.fields.Date(metadata={"description": "… until this day"})
    q = ma.fields.String(validate=ma.validate.Length(max=100), metadata={"description": "text in the name"})
    inactive = ma.fields.Boolean(load_default=False, metadata={"description": "include deactivated experts"})
    sort = ma.fields.String(load_default="name", validate=ma.validate.OneOf(list(DIRECTORY_SORTS)))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10000))
    per_page = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=100))

    _period_in_order = ends_after_start("free_from", "free_to")


class ScorePartSchema(ma.Schema):
    name = ma.fields.String(
        required=True, metadata={"description": "field, languages, region, availability, workload or eligibility"}
    )
    points = ma.fields.Integer(required=True)
    explanation = ma.fields.String(required=True)


class SuggestionSchema(ma.Schema):
    expert = ma.fields.Nested(PersonSchema, required=True)
    institution = ma.fields.String(required=True)
    department = ma.fields.String(required=True)
    public_official = ma.fields.Boolean(required=True)
    score = ma.fields.Integer(required=True)
    parts = ma.fields.List(ma.fields.Nested(ScorePartSchema), required=True)
    busy = ma.fields.Boolean(required=True)
    eligible = ma.fields.Boolean(required=True)
    can_be_confirmed = ma.fields.Boolean(required=True)
    clashes = ma.fields.List(ma.fields.String(), required=True)
    rating = ma.fields.Float(
        allow_none=True, required=True, metadata={"description": "the partners' average rating, 1–5 (breaks ties)"}
    )
    ratings = ma.fields.Integer(required=True, metadata={"description": "how many ratings"})


class SuggestionPageSchema(ExpertPageSchema):
    items = ma.fields.List(ma.fields.Nested(SuggestionSchema), required=True)
    starts_on = ma.fields.Date(required=True, metadata={"description": "the dates the availability is checked over"})
    ends_on = ma.fields.Date(required=True)


class SuggestionQuerySchema(ma.Schema):
    field = ma.fields.String(validate=ma.validate.OneOf(FIELDS.codes))
    language = ma.fields.String(validate=ma.validate.OneOf(LANGUAGES.codes))
    region = ma.fields.String(validate=ma.validate.OneOf(REGIONS.codes))
    institution = ma.fields.String(validate=ma.validate.OneOf(INSTITUTIONS.codes))
    free = ma.fields.Boolean(load_default=False, metadata={"description": "only experts free over the dates"})
    eligible = ma.fields.Boolean(load_default=False, metadata={"description": "only those the instrument may engage"})
    q = ma.fields.String(validate=ma.validate.Length(max=100))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


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


# A list is narrowed to days the pages take too (a day outside them was taken, then dropped).
LIST_DAYS = ma.validate.Range(min=FIRST_DAY, max=LAST_DAY)


class OverviewQuerySchema(ma.Schema):
    """The overview's filters: of GET /dashboard, and of GET /requests among others."""

    field = ma.fields.String(validate=ma.validate.OneOf(FIELDS.codes))
    country = ma.fields.String(validate=ma.validate.OneOf(COUNTRIES.codes))
    continent = ma.fields.String(validate=ma.validate.OneOf(CONTINENTS.codes))
    instrument = ma.fields.String(validate=ma.validate.OneOf(INSTRUMENTS.codes))
    assistance_type = ma.fields.String(validate=ma.validate.OneOf(ASSISTANCE_TYPES.codes))
    outcome = ma.fields.String(validate=ma.validate.OneOf([str(outcome) for outcome in Outcome]))
    submitted_from = ma.fields.Date(
        data_key="from", validate=LIST_DAYS, metadata={"description": "submitted on or after this day"}
    )
    submitted_to = ma.fields.Date(
        data_key="to", validate=LIST_DAYS, metadata={"description": "submitted on or before this day"}
    )


class RequestQuerySchema(OverviewQuerySchema):
    """Filters, sort and page of GET /requests."""

    state = ma.fields.String(validate=ma.validate.OneOf([str(state) for state in State]))
    decline_reason = ma.fields.String(validate=ma.validate.OneOf(DECLINE_REASONS.codes))
    redirect_destination = ma.fields.String(validate=ma.validate.OneOf(REDIRECT_DESTINATIONS.codes))
    language = ma.fields.String(
        validate=ma.validate.OneOf(LANGUAGES.codes), metadata={"description": "one of the request's working languages"}
    )
    reached = ma.fields.String(
        validate=ma.validate.OneOf([str(step) for step in FACT_STEPS]),
        metadata={"description": "a step the request reached: in it now, or past it"},
    )
    q = ma.fields.String(
        validate=ma.validate.Length(max=100),
        metadata={"description": "words of the reference, title, context or objectives (any case, any accents)"},
    )
    view = ma.fields.String(
        validate=ma.validate.OneOf(list(VIEWS)),
        metadata={"description": "staff: mine, waiting_for_me, unassigned, waiting_for_partner, open or all"},
    )
    priority = ma.fields.String(validate=ma.validate.OneOf(PRIORITIES.codes))
    lead = ma.fields.String(
        validate=ma.validate.Regexp(r"^(none|[0-9]{1,9})$"),
        metadata={"description": "staff: the lead expert's id, or none"},
    )
    member = ma.fields.String(
        validate=ma.validate.Regexp(r"^[0-9]{1,9}$"),
        metadata={"description": "staff: an expert's id; the requests on whose confirmed team they are, not leading"},
    )
    older_than = ma.fields.Integer(
        validate=ma.validate.OneOf(AGES), metadata={"description": "submitted more than this many days ago"}
    )
    in_state_for = ma.fields.Integer(
        validate=ma.validate.OneOf(AGES), metadata={"description": "in its state for more than this many days"}
    )
    assigned = ma.fields.String(validate=ma.validate.OneOf(["me"]))
    due = ma.fields.String(
        validate=ma.validate.OneOf(list(DUES)),
        metadata={"description": "staff: past its service level's target, or due within three working days"},
    )
    pause = ma.fields.String(
        validate=ma.validate.OneOf(list(PAUSES)),
        metadata={"description": "waiting for the partner, their answer overdue, or on hold"},
    )
    sort = ma.fields.String(load_default=DEFAULT_SORT, validate=ma.validate.OneOf(list(SORTS)))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class DocumentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "official_letter, annex or mission_report"})
    content_type = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True, metadata={"description": "bytes"})
    sha256 = ma.fields.String(required=True)
    internal = ma.fields.Boolean(required=True, metadata={"description": "staff only (attached to a note)"})
    uploaded_by = ma.fields.Nested(PersonSchema, required=True)
    uploaded_at = ma.fields.DateTime(required=True)
    download_url = ma.fields.String(required=True)


class DocumentListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DocumentSchema), required=True)


class MessageSchema(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "the history entry's id"})
    kind = ma.fields.String(
        required=True, metadata={"description": "message, note (staff only), question (to the partner) or answer"}
    )
    body = ma.fields.String(required=True)
    author = ma.fields.Nested(PersonSchema, allow_none=True, required=True)
    at = ma.fields.DateTime(required=True)
    documents = ma.fields.List(ma.fields.Nested(DocumentSchema), required=True)


class MessageListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MessageSchema), required=True)


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    request = ma.fields.Dict(required=True, metadata={"description": "id and reference of the request"})
    title = ma.fields.String(required=True, metadata={"description": "what happened, in your language"})
    event_id = ma.fields.Integer(allow_none=True, required=True)
    created_at = ma.fields.DateTime(required=True)
    read = ma.fields.Boolean(required=True)


class NotificationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(NotificationSchema), required=True)
    unread = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)


class NotificationQuerySchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    unread = ma.fields.Boolean(load_default=False, metadata={"description": "only the unread ones"})
