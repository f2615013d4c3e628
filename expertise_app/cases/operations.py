"""Use cases on expertise requests: filing one, and performing any action on one.

Pages and the API call these functions and nothing else to change a request.
`perform` is the one write path for every action declared in cases/workflow.py:
it checks the version, asks the policy (state, person, guards), validates the
data with the action's form (the one the page shows), runs the machine and the
action's effects, and appends one history event. Services flush and never
commit: the request (or the command) commits once at its end, see
expertise_app/transaction.py. On any refusal a `CaseError` says why, and the
caller's rollback leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.exc import StaleDataError
from transitions import MachineError
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from .. import policy
from ..audit import services as audit
from ..auth.models import User
from ..db_types import MAX_ID, insert_for_dialect, is_duplicate, utcnow, without_nul
from ..documents import services as documents
from ..extensions import db
from ..forms import document_fields
from ..notifications import recipients
from ..notifications import services as notifications
from ..translation import gettext as _
from . import service_levels
from .forms import RequestForm
from .models import Event, ExpertiseRequest, IdempotencyKey, ReferenceCounter
from .workflow import ACTIONS, INITIAL_STATE, MACHINE, Action, all_values

MAX_IDEMPOTENCY_KEY = 200

log = logging.getLogger(__name__)


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


class UnknownAction(CaseError):
    status = 404


class TransitionNotAllowed(CaseError):
    """The action does not apply to the request's current state, or a guard fails."""

    status = 409


class StaleCase(CaseError):
    """The request changed since this copy was read (by someone else, or in another tab)."""

    status = 409


class BadVersion(CaseError):
    """The form or body names no version of the request, or one it never had (a page of ours
    always names the one it shows: the form was cut short or written by hand)."""

    status = 422


class NothingToDo(CaseError):
    """The data asks for no change (an edit that changes nothing)."""

    status = 422


class KeyReused(CaseError):
    """An idempotency key sent again with other data."""

    status = 422


class InvalidData(CaseError):
    """The data does not validate; `form.errors` has one list of messages per field."""

    status = 422

    def __init__(self, form):
        super().__init__(_("Please correct the errors below."))
        self.form = form

    @property
    def errors(self) -> dict[str, list[str]]:
        return {name: _messages(messages) for name, messages in self.form.errors.items()}


class FileTooLarge(InvalidData):
    """A file over the upload limit: 413, with the form and its message."""

    status = 413


def _messages(messages) -> list[str]:
    """A field's messages as text; a list of rows (a FieldList) gives "Row 2: …" for each row's."""
    texts: list[str] = []
    for number, message in enumerate(messages, start=1):
        if isinstance(message, dict):
            texts += [
                _("Row %(number)d: %(message)s", number=number, message=text)
                for row_messages in message.values()
                for text in _messages(row_messages)
            ]
        else:
            texts.append(str(message))
    return texts


def _as_multidict(data: Mapping[str, Any] | None) -> MultiDict:
    """A submitted form (MultiDict) or plain JSON-like data (lists for multi-values), as form data.

    NUL characters are dropped: no text has a use for them, and PostgreSQL refuses them.
    """
    if isinstance(data, MultiDict):
        return MultiDict((key, without_nul(value)) for key, value in data.items(multi=True))
    pairs: list[tuple[str, Any]] = []
    for key, value in (data or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((key, _as_text(item)) for item in values)
    return MultiDict(pairs)


def _as_text(item: Any) -> str:
    """One value as a form would send it: a yes/no as a ticked or unticked box."""
    if isinstance(item, bool):
        return "y" if item else ""
    return without_nul("" if item is None else str(item))


def validated(form_class, data, files: MultiDict | None = None, **form_kwargs):
    """The form of `form_class` filled with `data` (and uploaded `files`), validated; else InvalidData."""
    formdata = _as_multidict(data)
    uploads = _document_files(form_class, files)
    if uploads:
        formdata = CombinedMultiDict([uploads, formdata])
    form = form_class(formdata=formdata, **form_kwargs)
    if not form.validate():
        raise (FileTooLarge if form.upload_too_large else InvalidData)(form)
    return form


def _document_files(form_class, files: MultiDict | None) -> MultiDict | None:
    """The uploaded files sent under the names of the form's document fields; any other file
    (one sent in the place of a text field) is ignored, never taken for the text."""
    if not files:
        return None
    names = document_fields(form_class)
    return MultiDict((key, file) for key, file in files.items(multi=True) if key in names)


# What the request's page, its permissions and every action read: loaded with it, in one query.
CASE_LOADED = (
    so.joinedload(ExpertiseRequest.organisation),
    so.joinedload(ExpertiseRequest.mission),
    so.joinedload(ExpertiseRequest.assignments),
)


def get_visible_case(user: User, case_id: int) -> ExpertiseRequest:
    """The request if `user` may see it; NotFound otherwise (also for other organisations).

    Both refusals are logged alike: one that took longer (the log written) would tell which ids
    are another organisation's requests."""
    case = db.session.get(ExpertiseRequest, case_id, options=CASE_LOADED) if 0 < case_id <= MAX_ID else None
    if case is None:
        audit.record("refused", audit.REFUSED, f"request:{case_id}", "no such request")
        raise NotFound(_("No such request."))
    if not policy.can_view(user, case):
        audit.record("refused", audit.REFUSED, f"request:{case.id}", "not theirs to see")
        raise NotFound(_("No such request."))
    return case


def _next_reference(year: int) -> str:
    """`EXP-2026-0042`: one atomic upsert of the year's counter, safe against concurrent filings."""
    table = ReferenceCounter.__table__
    statement = insert_for_dialect(table).values(year=year, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.year], set_={"last": table.c.last + 1}
    ).returning(table.c.last)
    number = db.session.execute(statement).scalar_one()
    return f"EXP-{year}-{number:04d}"


def _check_origin(author: User, form) -> None:
    """A follow-up starts from a closed request the author's organisation may see."""
    origin_id = form.follow_up_of.data
    if origin_id is None:
        return
    origin = db.session.get(ExpertiseRequest, origin_id)
    if origin is None or not policy.can_view(author, origin) or not origin.is_closed:
        form.follow_up_of.errors = [_("A follow-up starts from a closed request of your organisation.")]
        form._errors = None
        raise InvalidData(form)


@dataclass(frozen=True)
class Filing:
    case: ExpertiseRequest
    replayed: bool  # the same submission was sent before: nothing new was filed


def _fingerprint(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _claim_key(author: User, key: str, fingerprint: str, at: datetime) -> IdempotencyKey | None:
    """Take `key` for this submission; or, if it was taken before, the earlier submission's row.

    An INSERT … ON CONFLICT DO NOTHING: a concurrent request with the same key waits
    for this one's commit (PostgreSQL's unique index, SQLite's write lock), then finds
    the key taken, so two copies of one form never both file a request.
    """
    table = IdempotencyKey.__table__
    statement = (
        insert_for_dialect(table)
        .values(user_id=author.id, key=key, fingerprint=fingerprint, created_at=at)
        .on_conflict_do_nothing(index_elements=[table.c.user_id, table.c.key])
        .returning(table.c.id)
    )
    if db.session.execute(statement).scalar() is not None:
        return None
    earlier = db.session.scalar(
        sa.select(IdempotencyKey).where(IdempotencyKey.user_id == author.id, IdempotencyKey.key == key)
    )
    if earlier.fingerprint != fingerprint:
        raise KeyReused(_("This key was already used for a request with other data. Use a new key."))
    return earlier


def file_request(
    author: User,
    data: Mapping[str, Any],
    *,
    at: datetime | None = None,
    idempotency_key: str | None = None,
    files: MultiDict | None = None,
) -> Filing:
    """A partner files a new request; it starts `submitted`.

    With an `idempotency_key` (the new-request form carries one; the API takes the
    `Idempotency-Key` header), the same submission sent again files nothing new and
    returns the request it filed the first time.
    """
    if not policy.can_file_request(author):
        raise PermissionDenied(_("Only a partner organisation's staff may file a request."))
    at = at or utcnow()
    form = validated(RequestForm, data, files, today=at.date())
    fields = form.values
    _check_origin(author, form)
    history = all_values(None, fields)
    if idempotency_key is not None:
        if not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY or not idempotency_key.isprintable():
            raise CaseError(_("An idempotency key has 1 to 200 printable characters."))
        earlier = _claim_key(author, idempotency_key, _fingerprint(history), at)
        if earlier is not None:
            case = db.session.get(ExpertiseRequest, earlier.request_id) if earlier.request_id else None
            if case is None or not policy.can_view(author, case):
                raise StaleCase(_("This submission is still being processed; reload in a moment."))
            return Filing(case, replayed=True)
    case = ExpertiseRequest(
        reference=_next_reference(at.year),
        organisation_id=author.organisation_id,
        author_id=author.id,
        state=str(INITIAL_STATE),
        created_at=at,
        submitted_at=at,
        state_entered_at=at,
        updated_at=at,
        **{name: value for name, value in fields.items() if name != "follow_up_of"},
        follow_up_of_id=fields["follow_up_of"],
    )
    service_levels.keep(case, None, at)
    db.session.add(case)
    db.session.flush()
    if idempotency_key is not None:
        db.session.execute(
            sa.update(IdempotencyKey)
            .where(IdempotencyKey.user_id == author.id, IdempotencyKey.key == idempotency_key)
            .values(request_id=case.id)
        )
    event = _append_event(case, author, "submit", None, case.state, history, at)
    documents.attach(case, event, author, form.uploads, internal=False)
    db.session.flush()
    notifications.notify(case, event, recipients.of_filing(case, author))
    return Filing(case, replayed=False)


def perform(
    case: ExpertiseRequest,
    name: str,
    actor: User,
    data: Mapping[str, Any] | None,
    expected_version: int | None,
    *,
    at: datetime | None = None,
    files: MultiDict | None = None,
) -> ExpertiseRequest:
    """Perform the action `name` on `case` for `actor` with `data`, or raise a CaseError; the case."""
    perform_recorded(case, name, actor, data, expected_version, at=at, files=files)
    return case


def perform_recorded(
    case: ExpertiseRequest,
    name: str,
    actor: User,
    data: Mapping[str, Any] | None,
    expected_version: int | None,
    *,
    at: datetime | None = None,
    files: MultiDict | None = None,
) -> Event:
    """`perform`, answering with the history entry the action wrote (what the messages API shows).

    `expected_version` is the version the actor saw; another one means the
    request changed meanwhile. The database check behind it (SQLAlchemy's
    version_id_col) decides between truly concurrent requests at the flush.
    """
    action = ACTIONS.get(name)
    if action is None:
        raise UnknownAction(_("There is no action “%(name)s”.", name=name))
    refusal = policy.refusal(actor, case, action)
    _check_permission(actor, case, action, refusal)
    _check_version(case, actor, expected_version)
    if refusal is not None:
        raise TransitionNotAllowed(refusal.message)
    at = at or utcnow()
    if action.partial and not isinstance(data, MultiDict):
        data = _with_current_values(case, action, data or {})
    form = validated(action.form, data, files, case=case, today=at.date())
    values = form.values
    record = action.record(case, values)
    if record is None:
        raise NothingToDo(_("Nothing has changed: there is nothing to save."))
    from_state = case.state
    before = service_levels.Before.of(case)
    seen_before = _plan_seen_by_partner(case)
    try:
        # No flush while the effects run: loading the team or the mission must not write
        # the half-changed request early (a concurrent change would then surface there as
        # a raw StaleDataError); everything is written, and checked, by the flush below.
        with db.session.no_autoflush:
            MACHINE.events[name].trigger(case, data=values, actor=actor, at=at)
    except MachineError as error:
        raise TransitionNotAllowed(str(error)) from error
    _apply_declared_consequences(case, action, at)
    if not action.internal or _plan_seen_by_partner(case) != seen_before:
        case.partner_version += 1  # the partner sees this entry, or what it changed: their copy is older
    service_levels.keep(case, before, at)
    event = _append_event(case, actor, name, from_state, case.state, record, at)
    documents.attach(case, event, actor, form.uploads, internal=action.internal)
    _flush_or_stale()
    notifications.notify(case, event, recipients.of_action(case, action, actor, values))
    return event


def _with_current_values(case: ExpertiseRequest, action: Action, data: Mapping[str, Any]) -> dict[str, Any]:
    """Data sent as JSON to a partial action: the fields it leaves out keep the case's values.

    (A page always sends every field of its form, so that an emptied field is seen as such.)
    """
    current = all_values(case, action.form(formdata=None, case=case).data)
    return {**current, **data}


def _apply_declared_consequences(case: ExpertiseRequest, action: Action, at: datetime) -> None:
    """What the declaration says of every action: a new version, a dated state, the outcome."""
    case.updated_at = at  # every action writes the row, so its version moves on
    if action.changes_state:
        case.state_entered_at = at
    if action.outcome is not None:
        case.outcome = str(action.outcome)
        case.closed_at = at
        with db.session.no_autoflush:  # loading the team must not write the half-changed request early
            for place in case.assignments:
                place.request_open = False


def _plan_seen_by_partner(case: ExpertiseRequest) -> tuple | None:
    """The team, its lead and the mission plan as the partner sees them (None while they see none
    of it, `policy.partner_sees_plan`). An action whose history entry is the ministry's own (the
    plan moved, a member confirmed or withdrawn, another lead) still changes what they see then."""
    if not policy.partner_sees_plan(case):
        return None
    plan = tuple(case.mission.as_shown().items()) if case.mission else None
    return plan, tuple(sorted(case.team_ids)), case.lead_expert_id


def _check_version(case: ExpertiseRequest, actor: User, expected_version: int | None) -> None:
    """The version the form was made from, as `actor` reads it (`version_seen_by`): one the request
    has had (1 up to now), else bad input.

    An older one is stale, whoever changed the request since: the message does not say who. A
    partner's version does not move with what they cannot see (an internal note), so neither its
    figure nor a refusal tells them the ministry acted there.
    """
    current = case.version_seen_by(actor)
    if expected_version is None:
        raise BadVersion(_("The form did not say which version of the request it was made from. Reload the page."))
    if not 1 <= int(expected_version) <= current:
        raise BadVersion(_("The form names a version this request never had. Reload the page."))
    if int(expected_version) != current:
        raise StaleCase(_stale_message())


def _check_permission(actor: User, case: ExpertiseRequest, action: Action, refusal: policy.Refusal | None) -> None:
    """A person who may never perform `action` here is told so (403) before anything of their form is read."""
    if refusal is not None and refusal.kind == policy.Refusal.PERMISSION:
        audit.record("refused", audit.REFUSED, f"request:{case.id}", f"action {action.name}")
        raise PermissionDenied(refusal.message)


def _append_event(case, actor, name, from_state, to_state, data, at) -> Event:
    event = Event(
        request_id=case.id,
        actor_id=actor.id,
        trigger=name,
        from_state=from_state,
        to_state=to_state,
        data=data,
        created_at=at,
    )
    db.session.add(event)
    audit.change(actor, f"request:{case.id}", f"{name}: {from_state or '-'} -> {to_state}")
    return event


def _flush_or_stale() -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleCase(_stale_message()) from error
    except sa.exc.IntegrityError as error:
        # The same form sent twice at the same moment: both passed the guards before either was written
        # (feedback given twice, an expert rated twice), and the row the first wrote holds the unique key.
        if not is_duplicate(error):
            raise
        log.info("a unique key refused a row at the flush, answered as a stale copy: %s", error.orig)
        raise StaleCase(_stale_message()) from error


def _stale_message() -> str:
    return _(
        "This request has changed since your copy of it was read (in another tab or window, by a form sent "
        "twice, or by someone else). Read it again to see where it stands, then try again."
    )


__all__ = [
    "BadVersion",
    "CaseError",
    "FileTooLarge",
    "Filing",
    "InvalidData",
    "KeyReused",
    "NotFound",
    "NothingToDo",
    "PermissionDenied",
    "StaleCase",
    "TransitionNotAllowed",
    "UnknownAction",
    "file_request",
    "get_visible_case",
    "perform",
    "perform_recorded",
]
