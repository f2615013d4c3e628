"""How a request reads on its page: its history for staff and for partners, and what
happens next, in plain words, for the partner."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime

import sqlalchemy as sa
from flask import url_for
from wtforms import BooleanField, DateField, StringField, TextAreaField

from .. import policy
from ..auth.models import User
from ..documents.models import Document
from ..documents.services import documents_of
from ..extensions import db
from ..forms import VocabularyMultiSelect, VocabularySelect
from ..reference import (
    AGES,
    ASSISTANCE_TYPES,
    CONTINENTS,
    COUNTRIES,
    DECLINE_REASONS,
    FIELDS,
    INSTRUMENTS,
    LANGUAGES,
    REDIRECT_DESTINATIONS,
)
from ..templating import as_date, as_list, as_name_list
from ..translation import gettext as _
from ..translation import lazy_gettext as _l
from ..translation import ngettext
from . import service_levels
from .forms import CHECKLIST_FIELDS, EditRequestForm, RequestForm
from .models import Event, ExpertiseRequest
from .queries import CaseFilters
from .states import OPEN_STATES, OUTCOME_LABELS, PARTNER_STATE_LABELS, STATE_LABELS, Outcome, State
from .workflow import ACTIONS

# The history entry that is not an action on an existing case: filing it.
SUBMIT = "submit"
EXPERT_FIELDS = {"lead_expert", "team", "experts", "expert", "replacement"}
# Entries that are people writing to each other: what each is called (pages, API) and the field of its words.
WRITING = {
    "post_message": ("message", "body"),
    "post_note": ("note", "body"),
    "ask_partner": ("question", "question"),
    "answer": ("answer", "answer"),
}


@dataclass
class TimelineEntry:
    event: Event
    title: str
    when: datetime
    actor: str
    details: list[tuple[str, str, bool]]  # (label, value, whether the value is someone's free text)
    documents: list[Document] = dataclass_field(default_factory=list)

    @property
    def kind(self) -> str:
        """How the timeline shows it: someone writing (a message, a note, an answer) or an action."""
        if self.event.trigger not in WRITING:
            return "action"
        return "note" if WRITING[self.event.trigger][0] == "note" else "message"


def _entry_spec(trigger: str):
    """(title, form class, fields the partner may see, or None if the whole entry is internal)."""
    if trigger == SUBMIT:
        return _l("Submitted"), RequestForm, ()
    action = ACTIONS.get(trigger)
    if action is None:
        return trigger, None, None
    return action.title, action.form, action.public_fields


def entry_title(trigger: str, viewer: User) -> str:
    """The history's title of an entry for `viewer`, in the current language.

    A partner reads each step that moves the request on by the name their list and the stepper
    above the history give the state it reaches: "Accepted", not the ministry's "Assessed". One
    vocabulary on their pages, in their notifications and in their emails."""
    if not policy.can_see_internal(viewer):
        reached = State.SUBMITTED if trigger == SUBMIT else getattr(ACTIONS.get(trigger), "dest", None)
        if reached in OPEN_STATES:
            return PARTNER_STATE_LABELS.label(reached)
        if trigger in PARTNER_ENTRY_TITLES:
            return str(PARTNER_ENTRY_TITLES[trigger])
    return str(_entry_spec(trigger)[0])


# The entries a partner reads from their side of the exchange: the ministry's "Question to the partner".
PARTNER_ENTRY_TITLES = {
    "ask_partner": _l("Question from the ministry"),
    "answer": _l("Answer to the ministry"),
}


def _field_label(form_class, name: str) -> str:
    """What the history calls the field: the form's `history_labels`, else the field's own label."""
    if name in getattr(form_class, "history_labels", {}):
        return str(form_class.history_labels[name])
    unbound = getattr(form_class, name, None)
    return str(unbound.args[0]) if unbound is not None and unbound.args else name


def _format_value(form_class, name: str, value, names: dict[int, str]) -> str:
    unbound = getattr(form_class, name, None)
    kind = unbound.field_class if unbound is not None else None
    if name in EXPERT_FIELDS:
        ids = value if isinstance(value, list) else [value]
        return as_name_list(names.get(expert_id, "?") for expert_id in ids if expert_id)
    if kind is not None and issubclass(kind, VocabularySelect | VocabularyMultiSelect):
        vocabulary = unbound.kwargs["vocabulary"]
        codes = value if isinstance(value, list) else [value]
        return as_list(vocabulary.label(code) for code in codes)
    if kind is not None and issubclass(kind, DateField):
        return as_date(value)
    if kind is not None and issubclass(kind, BooleanField):
        return _("Yes") if value else _("No")
    return "" if value is None else str(value)


PROSE, NAME = "prose", "name"  # the kinds of text people wrote, shown as written rather than translated


def _text_kind(form_class, name: str, value=None) -> str:
    """PROSE for what people wrote at length (its paragraphs read in their own direction: dir=auto);
    NAME for a name or a line (a person, a place), isolated in the line of the page; else "" (a list of
    names among them: each name is isolated in it, the list reads in the page's direction)."""
    if name in EXPERT_FIELDS:
        return "" if isinstance(value, list) and len([name for name in value if name]) > 1 else NAME
    unbound = getattr(form_class, name, None)
    if unbound is None or not issubclass(unbound.field_class, StringField):
        return ""
    return PROSE if issubclass(unbound.field_class, TextAreaField) else NAME


def expert_names(events: list[Event]) -> dict[int, str]:
    ids: set[int] = set()
    for event in events:
        for name in EXPERT_FIELDS:
            value = event.data.get(name)
            ids.update(value if isinstance(value, list) else [value] if value else [])
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).tuples()
    return dict(rows.all())


def visible_data(event: Event, viewer: User) -> dict | None:
    """The part of the event's data `viewer` may read; None if the whole entry is not for them.

    Ministry staff read everything; partners read the public fields the workflow
    declares for each action, and no internal entry at all. Pages, the API and the
    notifications all read history through this function.
    """
    internal = policy.can_see_internal(viewer)
    _, _, public = _entry_spec(event.trigger)
    if public is None and not internal:
        return None
    names = event.data.keys() if internal else public
    return {name: event.data[name] for name in names if name in event.data}


# The history entries a partner reads: the submission and the actions declared with public fields.
PARTNER_TRIGGERS = frozenset({SUBMIT} | {name for name, action in ACTIONS.items() if not action.internal})


def visible_history(case: ExpertiseRequest, viewer: User) -> list[tuple[Event, dict]]:
    """The events `viewer` may read, each with the part of its data they may read.

    A partner's are read from the database alone, the ministry's own left there: read and then
    dropped, they would make the page slower with every internal note, which a partner could time."""
    events = case.events
    if not policy.can_see_internal(viewer):
        events = db.session.scalars(
            sa.select(Event)
            .where(Event.request_id == case.id, Event.trigger.in_(PARTNER_TRIGGERS))
            .order_by(Event.created_at, Event.id)
        ).all()
    visible = []
    for event in events:
        data = visible_data(event, viewer)
        if data is not None:
            visible.append((event, data))
    return visible


def describe(event: Event, viewer: User, names: dict[int, str] | None = None):
    """The entry's title and details as `viewer` may read them (in the current language); None if
    it is not for them. What a notification says of it. `names`: the experts it names (one lookup
    for all its readers), see `expert_names`."""
    data = visible_data(event, viewer)
    if data is None:
        return None
    _title, form_class, _public = _entry_spec(event.trigger)
    names = expert_names([event]) if names is None else names
    return entry_title(event.trigger, viewer), _details(event.trigger, form_class, data, names)


def _details(trigger: str, form_class, data: dict, names: dict[int, str]) -> list[tuple[str, str, str]]:
    if trigger == SUBMIT:
        return []  # the request itself is shown above the history
    if "changes" in data:  # an edit: each changed field, from its old to its new value
        return [
            (
                _field_label(EditRequestForm, name),
                _("%(old)s → %(new)s")
                % {
                    "old": _format_value(EditRequestForm, name, change["from"], names) or "—",
                    "new": _format_value(EditRequestForm, name, change["to"], names) or "—",
                },
                _text_kind(EditRequestForm, name, change["to"]),
            )
            for name, change in data["changes"].items()
        ]
    shown = []
    for name, value in data.items():
        if name in CHECKLIST_FIELDS or value in (None, "", []):  # the checklist has its own table
            continue
        owner = _owning_form(form_class, name)
        shown.append(
            (_field_label(owner, name), _format_value(owner, name, value, names), _text_kind(owner, name, value))
        )
    return shown


def _owning_form(form_class, name: str):
    """The form that declares `name`: the action's own, or another action's for data it records
    besides its form (a mobilisation records the planned mission)."""
    if form_class is not None and getattr(form_class, name, None) is not None:
        return form_class
    return next(
        (action.form for action in ACTIONS.values() if getattr(action.form, name, None) is not None), form_class
    )


def timeline(case: ExpertiseRequest, viewer: User) -> list[TimelineEntry]:
    """The history as the viewer may read it on a page."""
    history = visible_history(case, viewer)
    names = expert_names([event for event, _ in history])
    attached: dict[int, list[Document]] = defaultdict(list)
    for document in documents_of(case, viewer):
        attached[document.event_id].append(document)
    entries = []
    for event, data in history:
        _title, form_class, _public = _entry_spec(event.trigger)
        entries.append(
            TimelineEntry(
                event=event,
                title=entry_title(event.trigger, viewer),
                when=event.created_at,
                actor=event.actor.name if event.actor else "",
                details=_details(event.trigger, form_class, data, names),
                documents=attached.get(event.id, []),
            )
        )
    return entries


@dataclass
class PartnerStatus:
    """What the partner reads at the top of its request: where it stands and what comes next."""

    text: str
    detail: str | None = None  # someone's words (a question, a reason), shown as they wrote them
    attention: bool = False  # the partner has something to do


def _last(entries: list[TimelineEntry], trigger: str) -> TimelineEntry | None:
    return next((entry for entry in reversed(entries) if entry.event.trigger == trigger), None)


def _said(entry: TimelineEntry | None, name: str) -> str | None:
    return (entry.event.data.get(name) or None) if entry else None


def partner_status(case: ExpertiseRequest, entries: list[TimelineEntry], today: date) -> PartnerStatus:
    """Where the request stands, in plain words rather than the ministry's internal labels."""
    if case.state == State.CLOSED:
        return _closed_status(case, entries)
    if case.is_waiting_for_partner:
        question = _said(_last(entries, "ask_partner"), "question")
        if case.question_is_overdue(today):
            text = _(
                "The ministry asked you a question and needed your answer by %(date)s. "
                "Please answer below as soon as you can: the request cannot go on without it.",
                date=as_date(case.question_due_on),
            )
        else:
            text = _(
                "The ministry has asked you a question. Please answer below by %(date)s: "
                "the request goes on once it has your answer.",
                date=as_date(case.question_due_on),
            )
        return PartnerStatus(text, question, attention=True)
    if case.is_on_hold:
        return PartnerStatus(
            _("The ministry has put your request on hold: nothing moves until it resumes. Its reason:"),
            _said(_last(entries, "hold"), "reason"),
        )
    texts = {
        State.SUBMITTED: _(
            "The ministry has received your request and will assess it. "
            "Until then you can still edit it; afterwards, add information by answering its questions."
        ),
        State.ASSESSED: _(
            "The ministry has accepted your request and is now finding the right experts. "
            "The team and the mission dates will appear here."
        ),
        State.MISSION_DELIVERED: _(
            "The mission has taken place. The ministry is writing it up and will then close the request."
        ),
    }
    if case.state == State.ASSESSED and case.acceptance == "reformulated":
        reformulation = _said(_last(entries, "assess"), "reformulation")
        if reformulation:
            return PartnerStatus(
                _(
                    "The ministry has accepted your request with a reformulation and is now finding the right "
                    "experts. What it reformulates:"
                ),
                reformulation,
            )
    if case.state == State.SKILLS_MOBILISED and case.mission is not None:
        return PartnerStatus(
            _(
                "A team of experts is ready. The mission is planned from %(start)s to %(end)s.",
                start=as_date(case.mission.planned_start),
                end=as_date(case.mission.planned_end),
            )
        )
    return PartnerStatus(texts.get(case.state, ""))


def _closed_status(case: ExpertiseRequest, entries: list[TimelineEntry]) -> PartnerStatus:
    if case.outcome == Outcome.COMPLETED:
        return PartnerStatus(_("The mission is complete and the request is closed. Thank you for working with us."))
    if case.outcome == Outcome.DECLINED:
        return PartnerStatus(_("The ministry could not take this request on. Its reason:"), case.decision_reason)
    if case.outcome == Outcome.REDIRECTED:
        detail = _said(_last(entries, "redirect"), "destination_detail")
        destination = REDIRECT_DESTINATIONS.label(case.redirect_destination)
        where = f"{destination} ({detail})" if detail else destination
        return PartnerStatus(
            _(
                "The ministry has sent this request on to %(destination)s, which is better suited to it. Its reason:",
                destination=where,
            ),
            case.decision_reason,
        )
    return PartnerStatus(_("Your organisation withdrew this request. Its reason:"), case.decision_reason)


def follow_up_values(origin: ExpertiseRequest) -> dict:
    """A new request's form, prefilled from the closed request it follows up."""
    return {
        "follow_up_of": origin.id,
        "title": _("Follow-up: %(title)s", title=origin.title)[:150],
        "field": origin.field,
        "country": origin.country,
        "assistance_type": origin.assistance_type,
        "instrument": origin.instrument,
        "context": _(
            "This request follows up %(reference)s (%(title)s).", reference=origin.reference, title=origin.title
        )
        + "\n\n"
        + origin.context,
        "objectives": origin.objectives,
        "expected_results": origin.expected_results,
        "working_languages": list(origin.working_languages or []),
    }


@dataclass(frozen=True)
class CarriedFilter:
    """A filter of the list that its form has no field for (one of the overview's links asks it,
    say): the form keeps it as a hidden field, and the list shows it with a link that removes it."""

    name: str  # its name in the address
    value: str
    text: str  # what it says, in the user's language
    without: str  # the list's address without it


# The filters the list's form has a field for: the ministry's and a partner's.
FORM_FILTERS = {
    True: frozenset(
        {"view", "q", "state", "pause", "field", "country", "priority", "lead", "older_than"}
        | {"in_state_for", "assigned", "sort"}
    ),
    False: frozenset({"q", "state", "pause", "sort"}),
}


def carried_filters(filters: CaseFilters, staff: bool) -> list[CarriedFilter]:
    """The filters `filters` holds that the list's form (the ministry's if `staff`) does not show."""
    args = filters.to_args()
    carried = []
    for name, value in args.items():
        if name in FORM_FILTERS[staff]:
            continue
        rest = {other: kept for other, kept in args.items() if other != name}
        shown = _filter_text(name, value, staff)
        carried.append(CarriedFilter(name, value, shown, url_for("cases.index", **rest)))
    return carried


def due_label(due: str) -> str:
    """Where the `due` filter's requests stand against their service level, in the user's words."""
    if due == "past":
        return _("past its target")
    days = service_levels.SOON_WORKING_DAYS
    return ngettext("due within %(num)d working day", "due within %(num)d working days", days)


# What a carried filter is called, and how its value is written.
_FILTER_TEXTS = {
    "continent": (_l("Continent"), CONTINENTS.label),
    "instrument": (_l("Instrument"), INSTRUMENTS.label),
    "assistance_type": (_l("Type of assistance"), ASSISTANCE_TYPES.label),
    "outcome": (_l("Outcome"), OUTCOME_LABELS.label),
    "decline_reason": (_l("Reason for declining"), DECLINE_REASONS.label),
    "redirect_destination": (_l("Redirected to"), REDIRECT_DESTINATIONS.label),
    "reached": (_l("Reached"), STATE_LABELS.label),
    "from": (_l("Submitted from"), as_date),
    "to": (_l("Submitted until"), as_date),
    "field": (_l("Field"), FIELDS.label),
    "country": (_l("Country"), COUNTRIES.label),
    "language": (_l("Working languages"), LANGUAGES.label),
    "member": (_l("On the team of"), lambda value: _person_named(int(value))),
    "due": (_l("Service level"), due_label),
    "older_than": (_l("Submitted more than"), AGES.label),
    "in_state_for": (_l("In its state for more than"), AGES.label),
}


def _person_named(user_id: int) -> str:
    person = db.session.get(User, user_id)
    return person.name if person is not None else f"#{user_id}"


def filter_named(name: str, value: str, staff: bool = True) -> tuple[str, str]:
    """A filter's name and its value, as the user reads them."""
    title, shown = _FILTER_TEXTS[name]
    if name == "reached" and not staff:  # a partner reads the states in their words
        shown = PARTNER_STATE_LABELS.label
    return str(title), str(shown(value))


def _filter_text(name: str, value: str, staff: bool) -> str:
    title, value_text = filter_named(name, value, staff)
    return _("%(filter)s: %(value)s", filter=title, value=value_text)
