"""Whom an action concerns, from its declaration (`Action.concerns`): the people to tell."""

from __future__ import annotations

import sqlalchemy as sa

from ..auth.models import Role, User
from ..cases.models import ExpertiseRequest
from ..cases.workflow import Action, Audience
from ..extensions import db

# The fields of an action's data that name experts (proposed, confirmed, withdrawn, replacing).
NAMING_FIELDS = ("experts", "expert", "replacement")


def _named_experts(data: dict) -> set[int]:
    ids: set[int] = set()
    for name in NAMING_FIELDS:
        value = data.get(name)
        ids.update(value if isinstance(value, list) else [value] if value else [])
    return {int(expert_id) for expert_id in ids}


def recipients(case: ExpertiseRequest, audiences: tuple[Audience, ...], actor: User, data: dict, *, internal: bool):
    """The active people of `audiences` for this request, the actor apart.

    A partner is never among them for an internal entry, whatever the declaration says.
    """
    conditions = []
    if Audience.PARTNER_ORGANISATION in audiences and not internal:
        conditions.append(sa.and_(User.role == Role.PARTNER, User.organisation_id == case.organisation_id))
    if Audience.MANAGERS in audiences:
        conditions.append(User.role == Role.MANAGER)
    experts: set[int] = set()
    if Audience.LEAD in audiences and case.lead_expert_id:
        experts.add(case.lead_expert_id)
    if Audience.TEAM in audiences:
        experts |= case.team_ids
    if Audience.NAMED_EXPERTS in audiences:
        experts |= _named_experts(data)
    if experts:
        conditions.append(sa.and_(User.id.in_(experts), User.role.in_(Role.STAFF)))
    if not conditions:
        return []
    query = sa.select(User).where(sa.or_(*conditions), User.active.is_(True), User.id != actor.id).order_by(User.id)
    return list(db.session.scalars(query))


def of_action(case: ExpertiseRequest, action: Action, actor: User, data: dict) -> list[User]:
    return recipients(case, action.concerns, actor, data, internal=action.internal)


def of_filing(case: ExpertiseRequest, actor: User) -> list[User]:
    """A new request concerns the managers, who assess it or name a lead."""
    return recipients(case, (Audience.MANAGERS,), actor, {}, internal=False)
