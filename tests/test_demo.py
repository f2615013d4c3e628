"""The demo data: `flask seed-demo` loads a complete, lived-in data set, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from expertise_app import demo, policy
from expertise_app.auth.accounts import authenticate, find_user_by_email
from expertise_app.auth.models import Organisation, Role, User
from expertise_app.cases import operations
from expertise_app.cases.models import Assignment, Event, ExpertiseRequest, Mission
from expertise_app.cases.states import Outcome, State
from expertise_app.db_types import utcnow
from expertise_app.experts.models import ExpertProfile
from expertise_app.extensions import db
from expertise_app.reference import FIELDS

from .factories import (
    count,
    facts_kept,
    facts_of_the_requests,
    tallies_kept,
    tallies_of_the_facts,
    team_places_kept,
    team_places_of_the_requests,
)
from .matrix import ACTIONS as PINNED

LOADED = "Demo data loaded."
NOTHING_CHANGED = "Demo data already present; nothing changed."


@pytest.fixture
def seed(app):
    """Run `flask seed-demo` and return its output."""

    def run() -> str:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        return result.output

    return run


def counts() -> dict[str, int]:
    models = (Organisation, User, ExpertProfile, ExpertiseRequest, Assignment, Mission, Event)
    return {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in models}


def requests() -> list[ExpertiseRequest]:
    return list(db.session.scalars(sa.select(ExpertiseRequest).order_by(ExpertiseRequest.id)))


def demo_login(role: str) -> demo.DemoAccount:
    return next(account for account in demo.DEMO_ACCOUNTS if account.role == role)


def test_seed_demo_covers_every_state_field_and_outcome(seed):
    output = seed()

    assert LOADED in output
    cases = requests()
    assert len(cases) >= 35
    assert {case.state for case in cases} == {str(state) for state in State}
    assert {case.field for case in cases} == set(FIELDS.codes)
    assert {case.outcome for case in cases if case.is_closed} == {str(outcome) for outcome in Outcome}
    assert len({case.country for case in cases}) >= 15
    assert any(case.priority == "emergency" for case in cases)


def test_the_overview_s_facts_and_monthly_tallies_kept_by_every_action_agree_with_the_requests(seed):
    seed()
    kept = facts_kept()
    assert len(kept) == count(ExpertiseRequest) > 40
    assert kept == facts_of_the_requests()
    assert any(row[-1] is not None for row in kept)  # some reached mission_delivered and left it
    tallied = tallies_kept()
    assert tallied == tallies_of_the_facts()
    assert {row[0] for row in tallied} == {"state", "field", "outcome", "days", "feedback"}


def test_every_place_on_a_team_is_marked_open_exactly_while_its_request_is(seed):
    seed()
    places = team_places_kept()
    assert places == team_places_of_the_requests()
    assert {still_open for _place, still_open in places} == {True, False}  # teams of open and closed requests


def test_every_demo_login_authenticates(seed):
    output = seed()

    assert {account.role for account in demo.DEMO_ACCOUNTS} == set(Role.ALL)
    for account in demo.DEMO_ACCOUNTS:
        assert len(account.password) >= 10
        assert account.email in output and account.password in output
        user = authenticate(account.email, account.password)
        assert user is not None, account.email
        assert (user.role, user.name) == (account.role, account.name)
    partners = [find_user_by_email(account.email) for account in demo.DEMO_ACCOUNTS if account.role == Role.PARTNER]
    assert len({partner.organisation_id for partner in partners}) == len(partners) >= 2


def test_second_run_changes_nothing(seed):
    seed()
    before = counts()
    versions = db.session.scalar(sa.select(sa.func.sum(ExpertiseRequest.version)))

    output = seed()

    assert NOTHING_CHANGED in output
    assert LOADED not in output
    assert counts() == before
    assert db.session.scalar(sa.select(sa.func.sum(ExpertiseRequest.version))) == versions


def test_history_is_dated_over_the_last_eighteen_months_by_the_right_people(seed):
    seed()
    now = utcnow()

    for case in requests():
        dates = [event.created_at for event in case.events]
        assert case.events[0].trigger == "submit"
        assert dates == sorted(dates) and len(set(dates)) == len(dates), case.reference
        assert now - timedelta(days=demo.HISTORY_DAYS) <= dates[0] and dates[-1] < now, case.reference
        assert case.period_start >= case.submitted_at.date()
        if case.mission is not None and case.mission.actual_start is not None:
            delivered = next(event for event in case.events if event.trigger == "deliver")
            assert case.mission.actual_end < delivered.created_at.date()
        for event in case.events:
            if event.trigger in ("submit", "withdraw", "answer", "edit", "give_feedback", "rate_expert") or (
                event.trigger == "post_message" and event.actor.is_partner
            ):
                assert event.actor.is_partner and event.actor.organisation_id == case.organisation_id
            elif event.trigger in ("decline", "redirect", "hold", "resume"):
                assert event.actor.is_manager
            else:
                assert event.actor.is_staff


def test_demo_logins_have_something_to_do(seed):
    seed()
    partner = find_user_by_email(demo_login(Role.PARTNER).email)
    expert = find_user_by_email(demo_login(Role.EXPERT).email)

    own = list(db.session.scalars(sa.select(ExpertiseRequest).where(policy.visible_requests_filter(partner))))
    assert partner.organisation.country == "TN"
    assert len({case.state for case in own}) >= 4
    assert len(own) < len(requests())  # the other organisations' requests stay hidden

    assigned = list(db.session.scalars(sa.select(ExpertiseRequest).where(policy.assigned_to_filter(expert))))
    assert len(assigned) >= 3
    can_do = {action.name for case in requests() for action in policy.allowed_actions(expert, case)}
    assert {"assess", "mobilise", "deliver", "close", "ask_partner", "cancel_question"} <= can_do
    assert any("assess" in {action.name for action in policy.allowed_actions(expert, case)} for case in own), (
        "the demo expert can assess one of the demo partner's requests"
    )
    assert any("answer" in {action.name for action in policy.allowed_actions(partner, case)} for case in own), (
        "the demo partner has a question of the ministry to answer"
    )


def test_the_demo_shows_the_lifecycle_as_the_ministry_runs_it(seed):
    seed()
    cases = requests()
    today = utcnow().date()
    waiting = [case for case in cases if case.is_waiting_for_partner]
    assert any(case.question_is_overdue(today) for case in waiting)
    assert any(not case.question_is_overdue(today) for case in waiting)
    assert any(case.is_on_hold for case in cases)
    triggers = {event.trigger for case in cases for event in case.events}
    assert {"ask_partner", "answer", "hold", "resume", "edit", "redirect", "hand_over_lead"} <= triggers
    assert {case.decline_reason for case in cases if case.outcome == "declined"} >= {"duplicate", "out_of_scope"}
    assert any(case.outcome == "redirected" and case.redirect_destination == "eu_taiex_twinning" for case in cases)
    edits = [event for case in cases for event in case.events if event.trigger == "edit"]
    assert edits and all(event.data["changes"] for event in edits)


def _final_state(path: tuple[str, ...]) -> str:
    state = "submitted"
    for name in path:
        state = PINNED[name][1] or state if name in PINNED else state  # building the team keeps it
    return state


def test_an_interrupted_run_leaves_nothing_half_done_and_the_next_one_loads_everything(app, seed, monkeypatch):
    perform = operations.perform
    calls = 0

    def fails_after_twenty(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls > 20:
            raise RuntimeError("database went away")
        return perform(*args, **kwargs)

    monkeypatch.setattr(operations, "perform", fails_after_twenty)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    db.session.rollback()  # the command's process ends here, without its commit
    assert count(ExpertiseRequest) == count(Event) == count(User) == 0
    monkeypatch.setattr(operations, "perform", perform)

    assert LOADED in seed()
    assert NOTHING_CHANGED in seed()
    assert counts()["expertise_requests"] == len(demo.SCENARIOS)
    expected = {scenario.title: _final_state(scenario.path) for scenario in demo.SCENARIOS}
    assert {case.title: case.state for case in requests()} == expected


def test_seed_demo_refuses_production_unless_told(app):
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 1
        assert "refusing" in result.output
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    finally:
        app.config["ENV_NAME"] = "testing"
