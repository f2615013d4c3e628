"""Who may see and do what: the one permission policy for pages and the API.

Every view and every service asks here. A partner only ever sees its own
organisation's requests; asking for another one is answered as if it did not
exist (404), never 403.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from .auth.models import Invitation, Role, User
from .cases.models import Assignment, Event, ExpertiseRequest, TeamStatus
from .cases.states import PARTNER_STATE_LABELS, STATE_LABELS, Outcome, State
from .cases.workflow import ACTIONS, Action, Actor
from .extensions import db
from .translation import gettext as _


def visible_requests_filter(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause restricting ExpertiseRequest to what `user` may see."""
    if user.is_staff:
        return sa.true()
    if user.is_partner and user.organisation_id is not None:
        return ExpertiseRequest.organisation_id == user.organisation_id
    return sa.false()


ON_TEAM = (TeamStatus.PROPOSED, TeamStatus.ACCEPTED, TeamStatus.CONFIRMED)


def assigned_to_filter(user: User, statuses: tuple[str, ...] = ON_TEAM) -> sa.ColumnElement[bool]:
    """Requests where `user` is the lead expert, or on the team with one of `statuses` (by default
    proposed, accepted or confirmed: not withdrawn or declined).

    One indexed lookup each, joined as a UNION: an OR with a correlated EXISTS is served by no index.
    """
    led = sa.select(ExpertiseRequest.id).where(ExpertiseRequest.lead_expert_id == user.id)
    joined = sa.select(Assignment.request_id).where(Assignment.expert_id == user.id, Assignment.status.in_(statuses))
    return ExpertiseRequest.id.in_(sa.union(led, joined))


def can_view(user: User, case: ExpertiseRequest) -> bool:
    if user.is_staff:
        return True
    return user.is_partner and case.organisation_id == user.organisation_id


def can_see_internal(user: User) -> bool:
    """Eligibility notes, priority, internal history data: ministry staff only."""
    return user.is_staff


def can_file_request(user: User) -> bool:
    return user.is_partner and user.organisation_id is not None


def sees_ministry_areas(user: User) -> bool:
    """The overview exists only for the ministry's staff: to anyone else it is not found (404), as a
    record they may not see, on the page and the API alike, and an expert is told it is for managers
    (403). The directory (`can_view_experts`) answers the same to partners."""
    return user.is_staff


def can_view_dashboard(user: User) -> bool:
    return user.is_manager


def can_view_queue(user: User) -> bool:
    return user.is_staff


def can_see_plan(user: User, case: ExpertiseRequest) -> bool:
    """The team and the mission plan: staff always; the partner once the team is mobilised."""
    return user.is_staff or partner_sees_plan(case)


def partner_sees_plan(case: ExpertiseRequest) -> bool:
    """Whether the request's partner sees its team and mission plan: once the team is mobilised
    (until then they are a draft: who is asked, who declined, dates that may move). A request
    closed before that (declined, redirected, withdrawn) keeps its draft the ministry's own."""
    if case.state in (State.SUBMITTED, State.ASSESSED):
        return False
    if case.state != State.CLOSED or case.outcome == Outcome.COMPLETED:
        return True
    mobilised = sa.exists().where(Event.request_id == case.id, Event.to_state == State.SKILLS_MOBILISED)
    return bool(db.session.scalar(sa.select(mobilised)))


def can_view_experts(user: User) -> bool:
    """The expert directory, profiles and suggestions: ministry staff; partners never."""
    return user.is_staff


def can_edit_profile(user: User, expert: User) -> bool:
    """Experts edit their own profile; managers edit any."""
    return user.is_manager or (user.is_expert and user.id == expert.id)


def can_deactivate_expert(user: User) -> bool:
    return user.is_manager


def can_manage_accounts(user: User) -> bool:
    """The list of accounts, and disabling or enabling one: managers only."""
    return user.is_manager


def invitable_roles(user: User) -> tuple[str, ...]:
    """Whom `user` may invite: a manager invites experts and partners (of any organisation); a
    partner invites colleagues of its own organisation; an expert invites nobody."""
    if user.is_manager:
        return (Role.EXPERT, Role.PARTNER)
    if user.is_partner and user.organisation_id is not None:
        return (Role.PARTNER,)
    return ()


def can_invite(user: User) -> bool:
    return bool(invitable_roles(user))


def invitations_filter(user: User) -> sa.ColumnElement[bool]:
    """The invitations `user` sees, resends and revokes: a manager's, all; a partner's, its organisation's."""
    if user.is_manager:
        return sa.true()
    if user.is_partner and user.organisation_id is not None:
        return sa.and_(Invitation.role == Role.PARTNER, Invitation.organisation_id == user.organisation_id)
    return sa.false()


def can_manage_invitation(user: User, invitation: Invitation) -> bool:
    if user.is_manager:
        return True
    return (
        user.is_partner
        and user.organisation_id is not None
        and invitation.role == Role.PARTNER
        and invitation.organisation_id == user.organisation_id
    )


def may_know_account(user: User, account: User) -> bool:
    """Whether `user` may be told that `account` exists: a manager knows every account; a partner
    only its own organisation's (inviting anyone else's email gets the answer of any invitation)."""
    if user.is_manager:
        return True
    return user.is_partner and account.is_partner and account.organisation_id == user.organisation_id


def actors_of(user: User, case: ExpertiseRequest) -> set[Actor]:
    """The relations `user` has to `case`, which the workflow's steps name."""
    actors: set[Actor] = set()
    if user.is_manager:
        actors.add(Actor.MANAGER)
    elif user.is_expert:
        actors.add(Actor.EXPERT)
        if case.lead_expert_id == user.id:
            actors.add(Actor.LEAD_EXPERT)
        member = case.membership(user.id)
        if member is not None and member.status == TeamStatus.CONFIRMED:
            actors.add(Actor.TEAM_EXPERT)
        if member is not None and member.status == TeamStatus.PROPOSED:
            actors.add(Actor.PROPOSED_EXPERT)
    elif user.is_partner and case.organisation_id == user.organisation_id:
        actors.add(Actor.PARTNER_ORGANISATION)
    return actors


class Refusal:
    """Why an action may not be performed: the state or a guard (409), or the user (403)."""

    STATE = "state"
    PERMISSION = "permission"
    GUARD = "guard"

    def __init__(self, kind: str, message: str | Callable[[], str]):
        self.kind = kind
        self._message = message

    @property
    def message(self) -> str:
        """Written when first read: a page asks of each of some thirty actions whether it is allowed,
        and wants to know why not for a few at most."""
        if callable(self._message):
            self._message = self._message()
        return self._message

    def __repr__(self) -> str:
        return f"<Refusal {self.kind}: {self.message}>"


def refusal(user: User, case: ExpertiseRequest, action: Action) -> Refusal | None:
    """None if `user` may perform `action` on `case` now, else why not.

    The state is checked first, then who asks, then the action's guards.
    """
    if case.state not in action.sources:
        state = case.state
        return Refusal(
            Refusal.STATE,
            lambda: _(
                "“%(action)s” is not possible while the request is “%(state)s”.",
                action=action.label,
                state=(STATE_LABELS if can_see_internal(user) else PARTNER_STATE_LABELS).label(state),  # their words
            ),
        )
    if not actors_of(user, case) & set(action.actors):
        return Refusal(Refusal.PERMISSION, lambda: permission_message(action))
    for guard in action.guards:
        reason = guard(case)
        if reason:
            return Refusal(Refusal.GUARD, str(reason))
    return None


def refusals(user: User, case: ExpertiseRequest) -> dict[str, Refusal | None]:
    """Each action's refusal to `user` now (None: allowed), by name in declaration order: a page asks once."""
    return {name: refusal(user, case, action) for name, action in ACTIONS.items()}


def allowed_actions(user: User, case: ExpertiseRequest) -> list[Action]:
    """The actions `user` may perform on `case` now, in declaration order."""
    return [ACTIONS[name] for name, refused in refusals(user, case).items() if refused is None]


def waiting_on_others(user: User, case: ExpertiseRequest) -> list[tuple[Action, str]]:
    """The state changes possible now that `user` may not make, each with who can.

    So that a page never leaves someone without an action and without a word why.
    """
    waiting = []
    for action in ACTIONS.values():
        if not action.changes_state or action.danger or case.state not in action.sources:
            continue
        found = refusal(user, case, action)
        if found is None:
            continue
        message = found.message
        if found.kind == Refusal.PERMISSION and Actor.LEAD_EXPERT in action.actors and case.lead_expert_id is None:
            message = _("%(message)s No lead expert has been named yet: a manager can name one.", message=found.message)
        waiting.append((action, message))
    return waiting


def held_back(refused: dict[str, Refusal | None]) -> list[tuple[Action, str]]:
    """Of `refusals`, the steps people look for (`say_why_not`) that a guard holds back from someone who may
    take them in this state, each with why: a manager looking for "Hand over the lead" is told whom the
    team lacks."""
    return [
        (ACTIONS[name], found.message)
        for name, found in refused.items()
        if ACTIONS[name].say_why_not and found is not None and found.kind == Refusal.GUARD
    ]


def permission_message(action: Action) -> str:
    names = {
        Actor.MANAGER: _("a manager"),
        Actor.EXPERT: _("an expert"),
        Actor.LEAD_EXPERT: _("the lead expert"),
        Actor.TEAM_EXPERT: _("an expert of the team"),
        Actor.PROPOSED_EXPERT: _("the expert proposed for the team"),
        Actor.PARTNER_ORGANISATION: _("the requesting organisation"),
    }
    who = _(" or ").join(names[actor] for actor in action.actors)
    return _("“%(action)s”: only %(who)s may do this.", who=who, action=action.label)
