"""Factories: users, organisations and requests in any state, built through the
same services the application uses (so every request has its real history)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from expertise_app.auth.accounts import create_user, get_or_create_organisation
from expertise_app.auth.models import ExpertProfile, Organisation, Role, User
from expertise_app.cases import operations
from expertise_app.cases.models import ExpertiseRequest
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


def step_data(trigger: str, case: ExpertiseRequest, team: list[User] | None = None, **overrides) -> dict:
    """Valid data for each workflow trigger."""
    today = date.today()
    data: dict
    if trigger == "assess":
        data = {
            "eligibility_notes": "Eligible public body; within our fields.",
            "priority": "normal",
            "field": case.field,
        }
    elif trigger == "decline":
        data = {"reason": "Outside the ministry's fields of expertise."}
    elif trigger == "mobilise":
        members = team or []
        data = {
            "team": [expert.id for expert in members],
            "lead_expert": members[0].id if members else "",
            "mission_format": "on_site",
            "place": "Tunis",
            "planned_start": (today + timedelta(days=30)).isoformat(),
            "planned_end": (today + timedelta(days=34)).isoformat(),
        }
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
        db.session.commit()
        return organisation

    def user(self, role: str, organisation: Organisation | None = None, name: str | None = None, **fields) -> User:
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
            user.profile = ExpertProfile(fields=["TOU"], languages=["fr"], regions=["TN"], department="Heritage")
        db.session.commit()
        return user

    def partner(self, organisation: Organisation | None = None, **fields) -> User:
        return self.user(Role.PARTNER, organisation, **fields)

    def expert(self, **fields) -> User:
        return self.user(Role.EXPERT, **fields)

    def manager(self, **fields) -> User:
        return self.user(Role.MANAGER, **fields)

    def case(
        self, state: str = "submitted", author: User | None = None, outcome: str | None = None, **data
    ) -> ExpertiseRequest:
        """A request in `state` (for `closed`, with `outcome`: completed, declined or withdrawn)."""
        author = author or self.partner()
        case = operations.file_request(author, request_data(**data))
        if state == "closed" and outcome == "declined":
            return self.fire(case, "decline")
        if state == "closed" and outcome == "withdrawn":
            return self.fire(case, "withdraw", actor=author)
        for trigger in PATH_TO[state]:
            self.fire(case, trigger)
        return case

    def fire(self, case: ExpertiseRequest, trigger: str, actor: User | None = None, **overrides) -> ExpertiseRequest:
        """Fire `trigger` as a manager (or `actor`) with valid data."""
        actor = actor or self._manager()
        team = None
        if trigger == "mobilise":
            team = [self.expert()]
        return operations.fire(case, trigger, actor, step_data(trigger, case, team=team, **overrides), case.version)

    def _manager(self) -> User:
        existing = db.session.scalar(db.select(User).where(User.role == Role.MANAGER).limit(1))
        return existing or self.manager()
