"""Read-side queries: the filtered, sorted, paged lists of requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.datastructures import MultiDict

from .. import policy
from ..auth.models import User
from ..db_types import utcnow, without_nul
from ..extensions import db
from ..reference import COUNTRIES, FIELDS
from .models import ExpertiseRequest
from .states import State

SORTS = {
    "newest": (ExpertiseRequest.submitted_at.desc(), ExpertiseRequest.id.desc()),
    "oldest": (ExpertiseRequest.submitted_at.asc(), ExpertiseRequest.id.asc()),
    "updated": (ExpertiseRequest.state_entered_at.desc(), ExpertiseRequest.id.desc()),
    "reference": (ExpertiseRequest.reference.asc(),),
}
DEFAULT_SORT = "newest"

# What a request may be paused by: the partner's answer (and whether it is overdue), or a hold.
PAUSES = ("waiting", "overdue", "on_hold")


def pause_filter(pause: str, today: date) -> sa.ColumnElement[bool]:
    if pause == "waiting":
        return ExpertiseRequest.waiting_since.isnot(None)
    if pause == "overdue":
        return sa.and_(ExpertiseRequest.waiting_since.isnot(None), ExpertiseRequest.question_due_on < today)
    return ExpertiseRequest.on_hold_since.isnot(None)


@dataclass(frozen=True)
class CaseFilters:
    """List filters from a query string; values that are not known codes are dropped."""

    state: str | None = None
    field: str | None = None
    country: str | None = None
    assigned_to_me: bool = False
    pause: str | None = None
    q: str | None = None
    sort: str = DEFAULT_SORT

    @classmethod
    def from_args(cls, args: MultiDict) -> CaseFilters:
        def known(name: str, allowed) -> str | None:
            value = (args.get(name) or "").strip()
            return value if value and value in allowed else None

        return cls(
            state=known("state", {str(state) for state in State}),
            field=known("field", FIELDS),
            country=known("country", COUNTRIES),
            assigned_to_me=args.get("assigned") == "me",
            pause=known("pause", PAUSES),
            q=without_nul(args.get("q") or "").strip()[:100] or None,
            sort=known("sort", SORTS) or DEFAULT_SORT,
        )

    @property
    def active(self) -> bool:
        return any((self.state, self.field, self.country, self.assigned_to_me, self.pause, self.q))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def visible_cases(user: User, filters: CaseFilters) -> sa.Select:
    """The requests `user` may see that match `filters`, sorted, with what lists show loaded."""
    query = filtered(sa.select(ExpertiseRequest), user, filters)
    return query.options(
        so.joinedload(ExpertiseRequest.organisation), so.joinedload(ExpertiseRequest.lead_expert)
    ).order_by(*SORTS[filters.sort])


def filtered(query: sa.Select, user: User, filters: CaseFilters) -> sa.Select:
    """`query` on requests, restricted to what `user` may see and what `filters` ask (lists and exports)."""
    query = query.where(policy.visible_requests_filter(user))
    if filters.state:
        query = query.where(ExpertiseRequest.state == filters.state)
    if filters.field:
        query = query.where(ExpertiseRequest.field == filters.field)
    if filters.country:
        query = query.where(ExpertiseRequest.country == filters.country)
    if filters.assigned_to_me:
        query = query.where(policy.assigned_to_filter(user))
    if filters.pause:
        query = query.where(pause_filter(filters.pause, utcnow().date()))
    if filters.q:
        pattern = "%" + _escape_like(filters.q.lower()) + "%"
        query = query.where(
            sa.or_(
                sa.func.lower(ExpertiseRequest.reference).like(pattern, escape="\\"),
                sa.func.lower(ExpertiseRequest.title).like(pattern, escape="\\"),
            )
        )
    return query


def follow_ups_of(user: User, case: ExpertiseRequest) -> list[ExpertiseRequest]:
    """The requests that follow `case` up, among those `user` may see."""
    return list(
        db.session.scalars(
            sa.select(ExpertiseRequest)
            .where(ExpertiseRequest.follow_up_of_id == case.id, policy.visible_requests_filter(user))
            .order_by(ExpertiseRequest.submitted_at)
        )
    )
