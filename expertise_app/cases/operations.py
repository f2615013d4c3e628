"""Use cases on expertise requests: one transaction each.

Pages and the API call these functions and nothing else to change a request.
Each one checks permission through expertise_app/policy.py, validates the data
with the same form class the page shows, applies the change, appends a history
event and commits. On any refusal nothing is written and a `CaseError` says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from transitions import MachineError
from werkzeug.datastructures import MultiDict

from .. import policy
from ..auth.models import User
from ..db_types import utcnow
from ..extensions import db
from .forms import AssignLeadForm, RequestForm
from .models import Event, ExpertiseRequest
from .workflow import INITIAL_STATE, MACHINE, STEPS, Step

# Ids are 32-bit integers in PostgreSQL; a larger one names no request (and must not reach the driver).
MAX_ID = 2**31 - 1


class CaseError(Exception):
    """A refused operation; `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(CaseError):
    status = 404


class PermissionDenied(CaseError):
    status = 403


class TransitionNotAllowed(CaseError):
    """The trigger does not apply to the request's current state or a guard fails."""

    status = 409


class StaleCase(CaseError):
    """Someone else changed the request since this copy was read."""

    status = 409


class InvalidData(CaseError):
    """The data does not validate; `form.errors` has one list of messages per field."""

    status = 422

    def __init__(self, form):
        super().__init__(_("Please correct the errors below."))
        self.form = form

    @property
    def errors(self) -> dict[str, list[str]]:
        return {name: [str(message) for message in messages] for name, messages in self.form.errors.items()}


def _as_multidict(data: Mapping[str, Any] | None) -> MultiDict:
    """Accept a submitted form (MultiDict) or plain JSON-like data (lists for multi-values)."""
    if isinstance(data, MultiDict):
        return data
    pairs: list[tuple[str, Any]] = []
    for key, value in (data or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, "" if item is None else str(item)) for item in values)
    return MultiDict(pairs)


def _validated(form_class, data, **form_kwargs):
    form = form_class(formdata=_as_multidict(data), **form_kwargs)
    if not form.validate():
        raise InvalidData(form)
    return form


def _json_ready(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date | datetime) else value for key, value in data.items()}


def get_visible_case(user: User, case_id: int) -> ExpertiseRequest:
    """The request if `user` may see it; NotFound otherwise (also for other organisations)."""
    case = db.session.get(ExpertiseRequest, case_id) if 0 < case_id <= MAX_ID else None
    if case is None or not policy.can_view(user, case):
        raise NotFound(_("No such request."))
    return case


def _next_reference(year: int) -> str:
    prefix = f"EXP-{year}-"
    number = sa.cast(sa.func.substr(ExpertiseRequest.reference, len(prefix) + 1), sa.Integer)
    last = db.session.scalar(sa.select(sa.func.max(number)).where(ExpertiseRequest.reference.like(f"{prefix}%")))
    return f"{prefix}{(last or 0) + 1:04d}"


def file_request(author: User, data: Mapping[str, Any], *, at: datetime | None = None) -> ExpertiseRequest:
    """A partner files a new request; it starts `submitted`."""
    if not policy.can_file_request(author):
        raise PermissionDenied(_("Only a partner organisation's staff may file a request."))
    at = at or utcnow()
    form = _validated(RequestForm, data, today=at.date())
    fields = form.data
    for _attempt in range(5):
        case = ExpertiseRequest(
            reference=_next_reference(at.year),
            organisation_id=author.organisation_id,
            author_id=author.id,
            state=str(INITIAL_STATE),
            created_at=at,
            submitted_at=at,
            state_entered_at=at,
            **fields,
        )
        savepoint = db.session.begin_nested()
        db.session.add(case)
        try:
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()  # another request took this reference number: take the next
            continue
        # The history row goes in the same savepoint: on SQLite, releasing the outermost
        # savepoint commits, so the request must never be released without its history.
        _append_event(case, author, "submit", None, case.state, _json_ready(fields), at)
        savepoint.commit()
        db.session.commit()
        return case
    raise CaseError(_("The request could not be numbered; please try again."))


def fire(
    case: ExpertiseRequest,
    trigger: str,
    actor: User,
    data: Mapping[str, Any] | None,
    expected_version: int | None,
    *,
    at: datetime | None = None,
) -> ExpertiseRequest:
    """Fire `trigger` on `case` for `actor` with `data`, or raise a CaseError and change nothing.

    `expected_version` is the version the actor saw; another one means the
    request changed meanwhile. The database check behind it (SQLAlchemy's
    version_id_col) decides between truly concurrent commits.
    """
    step = STEPS.get(trigger)
    if step is None:
        raise TransitionNotAllowed(_("There is no action “%(trigger)s”.", trigger=trigger))
    _check_version(case, expected_version)
    _check_allowed(actor, case, step)
    at = at or utcnow()
    form = _validated(step.form, data, case=case, today=at.date())
    values = form.data
    from_state = case.state
    try:
        # No flush while the effects run: loading the team or the mission must not write
        # the half-changed request early (a concurrent change would then surface there as
        # a raw StaleDataError); everything is written, and checked, at the commit below.
        with db.session.no_autoflush:
            MACHINE.events[trigger].trigger(case, data=values, actor=actor, at=at)
    except MachineError as error:
        db.session.rollback()
        raise TransitionNotAllowed(str(error)) from error
    case.state_entered_at = at
    if step.outcome is not None:
        case.outcome = str(step.outcome)
        case.closed_at = at
    _append_event(case, actor, trigger, from_state, case.state, _json_ready(values), at)
    _commit_or_stale()
    return case


def assign_lead(
    case: ExpertiseRequest, actor: User, data: Mapping[str, Any], expected_version: int | None
) -> ExpertiseRequest:
    """A manager names (or changes) the lead expert without changing the state."""
    _check_version(case, expected_version)
    if not policy.can_assign_lead(actor, case):
        if case.is_closed:
            raise TransitionNotAllowed(_("This request is closed."))
        raise PermissionDenied(_("Only a manager may assign the lead expert."))
    form = _validated(AssignLeadForm, data, case=case)
    case.lead_expert_id = form.lead_expert.data
    case.updated_at = utcnow()
    _append_event(case, actor, "assign_lead", case.state, case.state, {"lead_expert": form.lead_expert.data}, utcnow())
    _commit_or_stale()
    return case


def _check_version(case: ExpertiseRequest, expected_version: int | None) -> None:
    if expected_version is None or int(expected_version) != case.version:
        raise StaleCase(_stale_message())


def _check_allowed(actor: User, case: ExpertiseRequest, step: Step) -> None:
    refusal = policy.refusal(actor, case, step)
    if refusal is None:
        return
    if refusal.kind == policy.Refusal.PERMISSION:
        raise PermissionDenied(refusal.message)
    raise TransitionNotAllowed(refusal.message)


def _append_event(case, actor, trigger, from_state, to_state, data, at) -> None:
    db.session.add(
        Event(
            request_id=case.id,
            actor_id=actor.id,
            trigger=trigger,
            from_state=from_state,
            to_state=to_state,
            data=data,
            created_at=at,
        )
    )


def _commit_or_stale() -> None:
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleCase(_stale_message()) from error


def _stale_message() -> str:
    return _("Someone else changed this request in the meantime. Reload it to see the changes, then try again.")


__all__ = [
    "CaseError",
    "InvalidData",
    "NotFound",
    "PermissionDenied",
    "StaleCase",
    "TransitionNotAllowed",
    "assign_lead",
    "file_request",
    "fire",
    "get_visible_case",
]
