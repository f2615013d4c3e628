"""Factories: users, organisations and requests in any state, built through the
same services the application uses (so every request has its real history)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from expertise_app import transaction
from expertise_app.auth.accounts import create_user, get_or_create_organisation
from expertise_app.auth.models import Organisation, Role, User
from expertise_app.auth.passwords import hash_password
from expertise_app.cases import operations
from expertise_app.cases.models import Assignment, Event, ExpertiseRequest, Mission, TeamStatus
from expertise_app.experts.models import ExpertProfile
from expertise_app.experts.services import ProfileValues, new_profile
from expertise_app.extensions import db

# The path through the workflow to reach each state, and the outcome-closing triggers.
PATH_TO = {
    "submitted": [],
    "assessed": ["assess"],
    "skills_mobilised": ["assess", "mobilise"],
    "mission_delivered": ["assess", "mobilise", "deliver"],
    "closed": ["assess", "mobilise", "deliver", "close"],
}


def request_data(**overrides) -> dict:
    """Valid data for the new-request form."""
    start = date.today() + timedelta(days=90)
    data = {
        "title": "Visitor flow plan for an archaeological site",
        "field": "TOU",
        "country": "TN",
        "assistance_type": "expert_mission",
        "instrument": "bilateral",
        "context": "The site receives more visitors every year and the paths are eroding; we need a plan.",
        "objectives": "Design a visitor-flow plan.",
        "expected_results": "A written plan and a trained site team.",
        "period_start": start.isoformat(),
        "period_end": (start + timedelta(days=5)).isoformat(),
        "working_languages": ["fr", "ar"],
        "participants_expected": "12",
    }
    data.update(overrides)
    return data


PLANNED_START_DAYS, PLANNED_DAYS, PLANNED_WEEKS = 30, 5, 200


def expert_profile(**overrides) -> ProfileValues:
    """A plain profile: tourism, French, Tunisia; free, public official, and as many missions at once
    as a profile allows, so that a test's requests can share their experts (tests of the limit set it)."""
    values = {
        "primary_fields": ["TOU"],
        "languages": {"fr": "native"},
        "countries": ["TN"],
        "department": "Heritage",
        "max_concurrent_missions": 20,
    }
    values.update(overrides)
    return ProfileValues(**values)


def _member(case: ExpertiseRequest, *statuses: str, besides_lead: bool = False) -> int | str:
    """The id of the first team member with one of `statuses` (the lead left out if asked), or ""."""
    for member in case.assignments:
        if member.status in statuses and not (besides_lead and member.expert_id == case.lead_expert_id):
            return member.expert_id
    return ""


def _outsider(case: ExpertiseRequest) -> int | str:
    """An active expert who is not on the case's team: someone to propose."""
    members = {member.expert_id for member in case.members}
    experts = db.session.scalars(
        sa.select(User.id).join(ExpertProfile).where(User.role == Role.EXPERT, ExpertProfile.active.is_(True))
    )
    return next((expert_id for expert_id in experts if expert_id not in members), "")


def step_data(trigger: str, case: ExpertiseRequest, team: list[User] | None = None, **overrides) -> dict:
    """Valid data for each action."""
    today = date.today()
    data: dict
    if trigger == "assess":
        data = {
            "eligibility_notes": "Eligible public body; within our fields.",
            "priority": "normal",
            "field": case.field,
            "lead_expert": team[0].id if team else "",
        }
    elif trigger == "decline":
        data = {"decline_reason": "out_of_scope", "reason": "Outside the ministry's fields of expertise."}
    elif trigger == "redirect":
        data = {
            "destination": "eu_taiex_twinning",
            "destination_detail": "EU Delegation in Tunis",
            "reason": "Transposing EU law is what TAIEX is for.",
        }
    elif trigger == "mobilise":
        data = {"lead_expert": case.lead_expert_id or (team[0].id if team else "")}
    elif trigger == "post_message":
        data = {"body": "Could you tell us who will lead the mission?\nThank you."}
    elif trigger == "post_note":
        data = {"body": "The embassy supports this request (call of today)."}
    elif trigger in ("plan_mission", "replan_mission"):
        # A week of its own for each request, so that the same experts can be confirmed on several (ids
        # keep growing over a run on PostgreSQL: the weeks start again after four years, the furthest a
        # plan may be is five); planned again, the mission moves to another place.
        start = today + timedelta(days=PLANNED_START_DAYS + 7 * (case.id % PLANNED_WEEKS))
        data = {
            "mission_format": "on_site",
            "place": "Tunis" if trigger == "plan_mission" else "Sfax",
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(days=PLANNED_DAYS - 1)).isoformat(),
        }
    elif trigger == "propose_experts":
        data = {"experts": [_outsider(case)], "note": "Your museum work."}
    elif trigger == "accept_proposal":
        data = {"no_conflict": True, "declared_interests": ""}
    elif trigger == "decline_proposal":
        data = {"reason": "I am on leave then."}
    elif trigger in ("confirm_expert", "add_to_team"):
        data = {"expert": _member(case, TeamStatus.ACCEPTED)}
    elif trigger == "remove_from_team":
        data = {"expert": _member(case, TeamStatus.CONFIRMED, besides_lead=True), "reason": "Taken ill."}
    elif trigger == "withdraw_proposal":
        data = {"expert": _member(case, TeamStatus.PROPOSED) or _member(case, *TeamStatus.ALL, besides_lead=True)}
        data["reason"] = ""
    elif trigger == "replace_expert":
        data = {"expert": _member(case, TeamStatus.DECLINED), "replacement": _outsider(case)}
    elif trigger == "deliver":
        data = {
            "actual_start": (today - timedelta(days=5)).isoformat(),
            "actual_end": (today - timedelta(days=1)).isoformat(),
            "report": "Five days on site with the heritage team; the plan is agreed.",
            "participants_reached": "14",
        }
    elif trigger == "close":
        data = {"closing_summary": "Mission delivered as planned.", "follow_up": "training"}
    elif trigger == "withdraw":
        data = {"reason": "Our budget was cut."}
    elif trigger == "assign_lead":
        data = {"lead_expert": team[0].id if team else ""}
    elif trigger == "hand_over_lead":
        data = {"lead_expert": _member(case, TeamStatus.CONFIRMED, besides_lead=True)}
    elif trigger == "take":
        data = {}
    elif trigger == "ask_partner":
        data = {
            "question": "Please send the official request letter.",
            "due_on": (today + timedelta(days=14)).isoformat(),
        }
    elif trigger == "answer":
        data = {"answer": "The letter is attached to our email of today."}
    elif trigger == "cancel_question":
        data = {"reason": "The letter came by post."}
    elif trigger == "hold":
        data = {"reason": "Waiting for the budget decision."}
    elif trigger == "resume":
        data = {"note": "The budget is confirmed."}
    elif trigger == "give_feedback":
        items = ("objectives", "knowledge", "experts", "organisation", "use", "further_support")
        data = {f"score_{item}": "4" for item in items}
        data["comments"] = "A useful week; the follow-up training is what we need next."
    elif trigger == "rate_expert":
        data = {"expert": min(case.team_ids), "score": "5", "comment": "Clear and patient."}
    elif trigger == "edit":
        data = {**request_data(), "title": "Visitor flow plan for two archaeological sites"}
    else:
        raise ValueError(trigger)
    data.update(overrides)
    return data


class Factory:
    PASSWORD = "correct-horse-battery"
    _counter = itertools.count(1)

    def _n(self) -> int:
        return next(self._counter)

    def organisation(self, name: str | None = None, country: str = "TN") -> Organisation:
        organisation = get_or_create_organisation(name or f"Heritage Agency {self._n()}", country)
        transaction.commit()
        return organisation

    def user(
        self,
        role: str,
        organisation: Organisation | None = None,
        name: str | None = None,
        profile: ProfileValues | None = None,
        **fields,
    ) -> User:
        n = self._n()
        if role == Role.PARTNER and organisation is None:
            organisation = self.organisation()
        user = create_user(
            f"{role}{n}@example.org",
            self.PASSWORD,
            role,
            name=name or f"{role.title()} {n}",
            organisation=organisation.name if organisation else None,
            country=organisation.country if organisation else None,
        )
        for key, value in fields.items():
            setattr(user, key, value)
        if role == Role.EXPERT:
            new_profile(user, profile or expert_profile())
        transaction.commit()
        return user

    def partner(self, organisation: Organisation | None = None, **fields) -> User:
        return self.user(Role.PARTNER, organisation, **fields)

    def expert(self, **fields) -> User:
        return self.user(Role.EXPERT, **fields)

    def manager(self, **fields) -> User:
        return self.user(Role.MANAGER, **fields)

    def case(
        self,
        state: str = "submitted",
        author: User | None = None,
        outcome: str | None = None,
        team: list[User] | None = None,
        **data,
    ) -> ExpertiseRequest:
        """A request in `state` (for `closed`, with `outcome`: completed, declined, redirected or withdrawn).

        `team` (its first member the lead) is mobilised on the way; by default one new expert.
        """
        author = author or self.partner()
        case = operations.file_request(author, request_data(**data)).case
        transaction.commit()
        if state == "closed" and outcome == "declined":
            return self.fire(case, "decline")
        if state == "closed" and outcome == "withdrawn":
            return self.fire(case, "withdraw", actor=author)
        if state == "closed" and outcome == "redirected":
            return self.fire(case, "redirect")
        for trigger in PATH_TO[state]:
            self.fire(case, trigger, team=team)
        return case

    def fire(
        self,
        case: ExpertiseRequest,
        trigger: str,
        actor: User | None = None,
        team: list[User] | None = None,
        **overrides,
    ) -> ExpertiseRequest:
        """Perform the action `trigger` as a manager (or `actor`) with valid data, and commit, as a request would."""
        actor = actor or self._manager()
        if trigger == "mobilise":
            team = team or case.team or [self.expert()]
            self.build_team(case, team, actor)
        data = step_data(trigger, case, team=team, **overrides)
        operations.perform(case, trigger, actor, data, case.version_seen_by(actor))
        transaction.commit()
        return case

    def build_team(self, case: ExpertiseRequest, team: list[User], actor: User | None = None) -> ExpertiseRequest:
        """What mobilising needs, through the actions: the mission planned, `team` proposed, accepted, confirmed.

        `team[0]` is named lead if the case has none. Members already confirmed are left as they are.
        """
        actor = actor or self._manager()
        if case.lead_expert_id is None:
            self.fire(case, "assign_lead", actor=self._manager(), team=[team[0]])
        if case.mission is None:
            self.fire(case, "plan_mission", actor=actor)
        newcomers = [expert for expert in team if case.membership(expert.id) is None]
        if newcomers:
            self.fire(case, "propose_experts", actor=actor, experts=[expert.id for expert in newcomers])
        for expert in team:
            if case.membership(expert.id).status == TeamStatus.PROPOSED:
                self.fire(case, "accept_proposal", actor=expert)
            if case.membership(expert.id).status == TeamStatus.ACCEPTED:
                self.fire(case, "confirm_expert", actor=actor, expert=expert.id)
        return case

    def assign_lead(self, case: ExpertiseRequest, expert: User) -> ExpertiseRequest:
        return self.fire(case, "assign_lead", team=[expert])

    def cast(self) -> Cast:
        """One person in each relation a user can have to a request (see tests/matrix.py).

        Written in one transaction straight into the tables: most tests start with a cast,
        and accounts are not what they test (create_user is tested through the CLI).
        """
        password_hash = hash_password(self.PASSWORD)
        own, other = (Organisation(name=f"Heritage Agency {self._n()}", country="TN") for _ in range(2))

        def person(role: str, organisation: Organisation | None = None) -> User:
            n = self._n()
            user = User(
                email=f"{role}{n}@example.org",
                name=f"{role.title()} {n}",
                role=role,
                organisation=organisation,
                password_hash=password_hash,
            )
            if role == Role.EXPERT:
                new_profile(user, expert_profile())
            return user

        cast = Cast(
            manager=person(Role.MANAGER),
            unrelated_expert=person(Role.EXPERT),
            lead_expert=person(Role.EXPERT),
            team_expert=person(Role.EXPERT),
            proposed_expert=person(Role.EXPERT),
            partner=person(Role.PARTNER, own),
            other_partner=person(Role.PARTNER, other),  # a partner of another organisation
        )
        db.session.add_all(vars(cast).values())
        transaction.commit()
        return cast

    def cast_case(self, cast: Cast, state: str) -> ExpertiseRequest:
        """A request of `cast.partner`'s organisation in `state`, walked there by the manager.

        Whatever the state, `cast.lead_expert` is its lead, both `cast.lead_expert` and
        `cast.team_expert` are confirmed on its team and `cast.proposed_expert` is proposed
        for it, so that the relation, and not how far the request has come, decides what
        each one may do. Where the workflow builds teams (assessed, skills mobilised) this
        is done through its actions; in the other states it is written directly.
        """
        case = operations.file_request(cast.partner, request_data()).case
        transaction.commit()
        if state == "submitted":
            self.fire(case, "assign_lead", actor=cast.manager, team=cast.team)
        for trigger in PATH_TO[state]:
            self.fire(case, trigger, actor=cast.manager, team=cast.team)
        if state == "assessed":
            self.build_team(case, cast.team, cast.manager)
        if state in ("assessed", "skills_mobilised"):
            self.fire(case, "propose_experts", actor=cast.manager, experts=[cast.proposed_expert.id])
        else:
            statuses = {expert.id: TeamStatus.CONFIRMED for expert in cast.team if case.membership(expert.id) is None}
            statuses[cast.proposed_expert.id] = TeamStatus.PROPOSED
            db.session.add_all(
                Assignment(request_id=case.id, expert_id=expert_id, status=status)
                for expert_id, status in statuses.items()
            )
            transaction.commit()
        db.session.expire_all()
        return case

    def ready_for(self, case: ExpertiseRequest, action: str, manager: User) -> ExpertiseRequest:
        """Set up what `action` needs besides the state: an open question to answer, a hold to resume,
        no lead (to take it on), a proposal accepted (to confirm) or declined (to replace)."""
        if action in ("answer", "cancel_question"):
            self.fire(case, "ask_partner", actor=manager)
        elif action == "resume":
            self.fire(case, "hold", actor=manager)
        elif action == "take":
            # No action takes a lead away: the request is set up as one nobody has taken yet.
            case.lead_expert_id = None
            db.session.commit()
        elif action in ("confirm_expert", "add_to_team", "replace_expert"):
            proposed = db.session.get(User, _member(case, TeamStatus.PROPOSED))
            self.fire(case, "decline_proposal" if action == "replace_expert" else "accept_proposal", actor=proposed)
        db.session.expire_all()
        return case

    def _manager(self) -> User:
        existing = db.session.scalar(db.select(User).where(User.role == Role.MANAGER).limit(1))
        return existing or self.manager()


@dataclass(frozen=True)
class Cast:
    manager: User
    unrelated_expert: User
    lead_expert: User
    team_expert: User
    proposed_expert: User
    partner: User
    other_partner: User

    @property
    def team(self) -> list[User]:
        """The team to mobilise, its lead first."""
        return [self.lead_expert, self.team_expert]

    def __getitem__(self, name: str) -> User:
        return getattr(self, name)


@dataclass(frozen=True)
class Snapshot:
    """What the database holds for one request, read through a connection of its own."""

    state: str
    outcome: str | None
    version: int
    partner_version: int
    lead_expert_id: int | None
    decision_reason: str | None
    team: tuple[tuple[int, str], ...]  # (expert, status)
    mission: tuple | None
    events: tuple[tuple[int, str], ...]

    def version_seen_by(self, person: User) -> int:
        """The version `person`'s forms name (`ExpertiseRequest.version_seen_by`)."""
        return self.version if person.is_staff else self.partner_version


def snapshot(case_id: int) -> Snapshot:
    """The committed state of a request: what any other request or process would see."""
    with db.engine.connect() as connection:
        row = connection.execute(
            sa.select(
                ExpertiseRequest.state,
                ExpertiseRequest.outcome,
                ExpertiseRequest.version,
                ExpertiseRequest.partner_version,
                ExpertiseRequest.lead_expert_id,
                ExpertiseRequest.decision_reason,
            ).where(ExpertiseRequest.id == case_id)
        ).one()
        team = connection.execute(
            sa.select(Assignment.expert_id, Assignment.status)
            .where(Assignment.request_id == case_id)
            .order_by(Assignment.expert_id)
        ).all()
        mission = connection.execute(sa.select(Mission.__table__).where(Mission.request_id == case_id)).first()
        events = connection.execute(
            sa.select(Event.id, Event.trigger).where(Event.request_id == case_id).order_by(Event.id)
        ).all()
    return Snapshot(
        *row,
        team=tuple(tuple(member) for member in team),
        mission=tuple(mission) if mission else None,
        events=tuple(tuple(event) for event in events),
    )


def count(model) -> int:
    """Committed rows of `model`."""
    with db.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(model))


# The overview's facts of each request, as its own row and its steps give them (written out here).
FACTS_COLUMNS = (
    "submitted_at, state, outcome, field, country, continent, instrument, assistance_type, "
    "decline_reason, redirect_destination"
)
STEP_DAYS = ("submitted", "assessed", "skills_mobilised", "mission_delivered")


def facts_kept() -> list[tuple]:
    """Every row of request_facts, in the order of the requests."""
    days = ", ".join(f"{state}_days" for state in STEP_DAYS)
    query = f"SELECT request_id, {FACTS_COLUMNS}, {days} FROM request_facts ORDER BY request_id"  # noqa: S608
    return [tuple(row) for row in db.session.execute(sa.text(query))]


def facts_of_the_requests() -> list[tuple]:
    """What request_facts should hold: each request's columns and the working days of its steps."""
    days = ", ".join(
        f"(SELECT working_days FROM case_steps s WHERE s.request_id = r.id AND s.state = '{state}')"  # noqa: S608
        for state in STEP_DAYS
    )
    query = f"SELECT r.id, {FACTS_COLUMNS}, {days} FROM expertise_requests r ORDER BY r.id"  # noqa: S608
    return [tuple(row) for row in db.session.execute(sa.text(query))]


def team_places_kept() -> list[tuple]:
    """(place, request_open) of every place on a team: whether it is marked as on an open request."""
    query = "SELECT id, request_open FROM assignments ORDER BY id"
    return [(place, bool(request_open)) for place, request_open in db.session.execute(sa.text(query))]


def team_places_of_the_requests() -> list[tuple]:
    """What request_open should be: whether the place's request is not closed."""
    query = (
        "SELECT a.id, r.state <> 'closed' FROM assignments a "
        "JOIN expertise_requests r ON r.id = a.request_id ORDER BY a.id"
    )
    return [(place, bool(still_open)) for place, still_open in db.session.execute(sa.text(query))]


# The overview's monthly tallies, as the facts give them (written out here, for some of the measures).
TALLIED_COLUMNS = ("state", "field", "outcome")


def _month_sql() -> str:
    if db.session.get_bind().dialect.name == "sqlite":
        return "strftime('%Y-%m', r.submitted_at)"
    return "to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM')"


def tallies_kept() -> set[tuple]:
    """(measure, month, value, days, requests, open) of the tallies of TALLIED_COLUMNS, the steps'
    days and the feedback on objectives that count some request."""
    query = "SELECT measure, month, value, days, requests, open FROM overview_tallies WHERE requests <> 0 OR open <> 0"
    kept = {tuple(row) for row in db.session.execute(sa.text(query))}
    return {row for row in kept if row[0] in (*TALLIED_COLUMNS, "days") and row[2] != "end_to_end"} | {
        row for row in kept if row[0] == "feedback" and row[2] == "objectives"
    }


def tallies_of_the_facts() -> set[tuple]:
    """What those tallies should hold, counted from request_facts and mission_feedback."""
    month, opened = _month_sql(), "SUM(CASE WHEN r.state <> 'closed' THEN 1 ELSE 0 END)"
    queries = [
        f"SELECT '{column}', {month}, COALESCE(r.{column}, ''), 0, COUNT(*), {opened} "  # noqa: S608
        f"FROM request_facts r GROUP BY {month}, COALESCE(r.{column}, '')"
        for column in TALLIED_COLUMNS
    ]
    queries += [
        f"SELECT 'days', {month}, '{step}', r.{step}_days, COUNT(*), {opened} FROM request_facts r "  # noqa: S608
        f"WHERE r.{step}_days IS NOT NULL GROUP BY {month}, r.{step}_days"
        for step in STEP_DAYS
    ]
    queries.append(
        f"SELECT 'feedback', {month}, 'objectives', f.objectives, COUNT(*), 0 FROM mission_feedback f "  # noqa: S608
        f"JOIN request_facts r ON r.request_id = f.request_id GROUP BY {month}, f.objectives"
    )
    return {tuple(row) for query in queries for row in db.session.execute(sa.text(query))}
