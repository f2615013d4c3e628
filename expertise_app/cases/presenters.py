"""How a request's history reads on its page, for staff and for partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField

from .. import policy
from ..auth.models import User
from ..extensions import db
from ..forms import VocabularyMultiSelect, VocabularySelect
from ..templating import as_date, as_list
from .forms import AssignLeadForm, RequestForm
from .models import Event, ExpertiseRequest
from .states import STATE_LABELS
from .workflow import STEPS

# History entries that are not workflow transitions.
OTHER_ENTRIES = {
    "submit": (_l("Submitted"), RequestForm, ()),
    "assign_lead": (_l("Lead expert assigned"), AssignLeadForm, None),  # None: staff only
}
EXPERT_FIELDS = {"lead_expert", "team"}


@dataclass
class TimelineEntry:
    event: Event
    title: str
    when: datetime
    actor: str
    to_state: str
    details: list[tuple[str, str, bool]]  # (label, value, whether the value is someone's free text)


def _entry_spec(trigger: str):
    """(title, form class, fields the partner may see, or None if the whole entry is internal)."""
    if trigger in STEPS:
        step = STEPS[trigger]
        return step.label, step.form, step.public_fields
    return OTHER_ENTRIES.get(trigger, (trigger, None, None))


def _field_label(form_class, name: str) -> str:
    unbound = getattr(form_class, name, None)
    return str(unbound.args[0]) if unbound is not None and unbound.args else name


def _format_value(form_class, name: str, value, names: dict[int, str]) -> str:
    unbound = getattr(form_class, name, None)
    kind = unbound.field_class if unbound is not None else None
    if name in EXPERT_FIELDS:
        ids = value if isinstance(value, list) else [value]
        return as_list(names.get(expert_id, "?") for expert_id in ids if expert_id)
    if kind is not None and issubclass(kind, VocabularySelect | VocabularyMultiSelect):
        vocabulary = unbound.kwargs["vocabulary"]
        codes = value if isinstance(value, list) else [value]
        return as_list(vocabulary.label(code) for code in codes)
    if kind is not None and issubclass(kind, DateField):
        return as_date(value)
    return "" if value is None else str(value)


def _is_free_text(form_class, name: str) -> bool:
    """Text people wrote (or their names), shown with dir=auto rather than translated."""
    if name in EXPERT_FIELDS:
        return True
    unbound = getattr(form_class, name, None)
    return unbound is not None and issubclass(unbound.field_class, StringField)


def _expert_names(events: list[Event]) -> dict[int, str]:
    ids: set[int] = set()
    for event in events:
        for name in EXPERT_FIELDS:
            value = event.data.get(name)
            ids.update(value if isinstance(value, list) else [value] if value else [])
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).tuples()
    return dict(rows.all())


def visible_history(case: ExpertiseRequest, viewer: User) -> list[tuple[Event, dict]]:
    """The events `viewer` may read, each with the part of its data they may read.

    Ministry staff read everything; partners read the public fields the workflow
    declares for each step, and no internal entry at all. Pages and the API both
    show history through this function.
    """
    internal = policy.can_see_internal(viewer)
    visible = []
    for event in case.events:
        _, _, public = _entry_spec(event.trigger)
        if public is None and not internal:
            continue
        names = event.data.keys() if internal else public
        visible.append((event, {name: event.data[name] for name in names if name in event.data}))
    return visible


def timeline(case: ExpertiseRequest, viewer: User) -> list[TimelineEntry]:
    """The history as the viewer may read it on a page."""
    history = visible_history(case, viewer)
    names = _expert_names([event for event, _ in history])
    entries = []
    for event, data in history:
        title, form_class, _ = _entry_spec(event.trigger)
        details = [
            (
                _field_label(form_class, name),
                _format_value(form_class, name, value, names),
                _is_free_text(form_class, name),
            )
            for name, value in data.items()
            if event.trigger != "submit" and value not in (None, "", [])
        ]
        entries.append(
            TimelineEntry(
                event=event,
                title=str(title),
                when=event.created_at,
                actor=event.actor.name if event.actor else "",
                to_state=STATE_LABELS.label(event.to_state),
                details=details,
            )
        )
    return entries
