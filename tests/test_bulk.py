"""`flask --app wsgi seed-bulk N`: many cases written in bulk, which every rule and page of the app accepts."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from datetime import date

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from expertise_app import bulk
from expertise_app.auth.models import Organisation, Role, User
from expertise_app.cases import operations
from expertise_app.cases.models import (
    Assignment,
    CaseStep,
    Event,
    ExpertiseRequest,
    Mission,
    ReferenceCounter,
    TeamStatus,
    searched_text,
)
from expertise_app.cases.states import Outcome, State
from expertise_app.cases.workflow import ACTIONS
from expertise_app.db_types import utcnow
from expertise_app.experts.availability import ACTIVE_MISSION_STATES
from expertise_app.experts.models import ExpertProfile
from expertise_app.extensions import db
from expertise_app.feedback.models import ExpertRating, MissionFeedback
from expertise_app.notifications.models import Notification, OutboxEmail
from expertise_app.reference import (
    CONTINENTS,
    COUNTRIES,
    DECLINE_REASONS,
    FIELDS,
    LANGUAGES,
    PRIORITIES,
    REDIRECT_DESTINATIONS,
    REGIONS,
)

from .factories import (
    count,
    facts_kept,
    facts_of_the_requests,
    request_data,
    tallies_kept,
    tallies_of_the_facts,
    team_places_kept,
    team_places_of_the_requests,
)
from .matrix import PARTNER_READS

N = 300
REFERENCE = re.compile(r"EXP-(\d{4})-(\d{4,})")


@pytest.fixture
def seed_bulk(app):
    """Run `flask seed-bulk` and return its output."""

    def run(*args: str) -> str:
        result = app.test_cli_runner().invoke(args=["seed-bulk", *args])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        return result.output

    return run


def all_cases() -> list[ExpertiseRequest]:
    return list(db.session.scalars(sa.select(ExpertiseRequest).order_by(ExpertiseRequest.id)))


def history() -> dict[int, list[Event]]:
    events = defaultdict(list)
    for event in db.session.scalars(sa.select(Event).order_by(Event.request_id, Event.created_at, Event.id)):
        events[event.request_id].append(event)
    return events


def bulk_user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def bulk_visitor(visitor_factory):
    """`bulk_visitor(user)`: a visitor signed in as a bulk account, with the published password."""

    def sign_in(user: User):
        visitor = visitor_factory()
        assert visitor.login(user.email, bulk.PASSWORD).status_code == 302, user.email
        return visitor

    return sign_in


def test_loads_n_cases_in_every_state_and_outcome(seed_bulk):
    output = seed_bulk(str(N))

    assert f"Loaded {N} cases in " in output
    assert "Roster made" in output
    cases = all_cases()
    assert len(cases) == N
    assert {case.state for case in cases} == {str(state) for state in State}
    assert {case.outcome for case in cases if case.is_closed} == {str(outcome) for outcome in Outcome}
    assert {case.field for case in cases} <= set(FIELDS.codes)
    assert {case.priority for case in cases} == set(PRIORITIES.codes)
    for case in cases:
        assert (case.outcome is not None) == case.is_closed == (case.closed_at is not None), case.reference
        assert (case.decline_reason is not None) == (case.outcome == "declined"), case.reference
        assert (case.redirect_destination is not None) == (case.outcome == "redirected"), case.reference
        assert case.decline_reason is None or case.decline_reason in DECLINE_REASONS
        assert case.redirect_destination is None or case.redirect_destination in REDIRECT_DESTINATIONS
        assert case.decision_reason or case.outcome in (None, "completed")
        assert (
            case.country in COUNTRIES and case.working_languages and set(case.working_languages) <= set(LANGUAGES.codes)
        )
        assert case.continent == REGIONS.continent(case.country)
        assert case.period_start >= case.submitted_at.date() and case.period_end >= case.period_start
        assert case.search_text == searched_text(case), case.reference
    # Ten years, more in recent ones; old cases mostly closed.
    years = sorted(case.submitted_at.year for case in cases)
    assert years[-1] - years[0] >= 9
    old = [case for case in cases if (utcnow() - case.submitted_at).days > 365]
    assert sum(case.is_closed for case in old) / len(old) > 0.95
    recent = sum(1 for case in cases if (utcnow() - case.submitted_at).days <= 5 * 365)
    assert recent > N * 0.55
    # Texts in French, English and Arabic.
    texts = " ".join(case.title + " " + case.context for case in cases)
    assert "musée" in texts.lower() and "patrimoine" in texts and "archives" in texts and "متحف" in texts
    assert "heritage" in texts


def test_the_overview_s_facts_and_monthly_tallies_are_loaded_with_the_requests(seed_bulk):
    seed_bulk("300")
    kept = facts_kept()
    assert len(kept) == 300
    assert kept == facts_of_the_requests()
    assert tallies_kept() == tallies_of_the_facts()
    seed_bulk("50")  # a second load sums the requests of both
    assert len(facts_kept()) == 350
    assert tallies_kept() == tallies_of_the_facts()


def test_every_place_on_a_loaded_team_is_marked_open_exactly_while_its_request_is(seed_bulk):
    seed_bulk("300")
    places = team_places_kept()
    assert places == team_places_of_the_requests()
    assert {still_open for _place, still_open in places} == {True, False}


def test_the_roster_spans_every_continent_with_profiles(seed_bulk):
    seed_bulk(str(N))

    organisations = db.session.scalars(sa.select(Organisation)).all()
    continents = {REGIONS.continent(organisation.country) for organisation in organisations}
    assert continents >= set(CONTINENTS.codes) - {"antarctica"}
    assert "FR" not in {organisation.country for organisation in organisations}
    partners = db.session.scalars(sa.select(User).where(User.role == Role.PARTNER)).all()
    assert {partner.organisation_id for partner in partners} == {organisation.id for organisation in organisations}
    experts = db.session.scalars(sa.select(User).where(User.role == Role.EXPERT)).all()
    assert len(experts) >= 40
    for expert in experts:
        profile = expert.profile
        assert profile is not None and profile.primary_fields and profile.languages and profile.countries
        assert profile.language_levels.get("fr") == "native"
        assert profile.institution != "independent" or not profile.public_official
    assert db.session.scalar(sa.select(sa.func.count()).where(User.role == Role.MANAGER)) >= 1


def test_every_history_is_ordered_and_leads_to_the_request_as_it_stands(seed_bulk):
    seed_bulk(str(N))
    events = history()
    now = utcnow()

    for case in all_cases():
        steps = events[case.id]
        assert steps[0].trigger == "submit" and steps[0].from_state is None, case.reference
        assert steps[0].created_at == case.submitted_at == case.created_at
        assert steps[0].actor_id == case.author_id
        moments = [event.created_at for event in steps]
        assert moments == sorted(moments) and len(set(moments)) == len(moments), case.reference
        assert moments[-1] < now
        state = State.SUBMITTED
        entered = case.submitted_at
        for event in steps[1:]:
            action = ACTIONS[event.trigger]
            assert event.from_state == state and state in action.sources, (case.reference, event.trigger)
            if action.dest is not None:
                state, entered = action.dest, event.created_at
            assert event.to_state == state
        assert steps[-1].to_state == case.state == state
        assert case.state_entered_at == entered, case.reference
        assert case.version == len(steps) and case.updated_at == moments[-1]
        # A partner's version counts the entries they read, not the ministry's own (tests/matrix.py).
        read = [event for event in steps[1:] if PARTNER_READS[event.trigger] is not None]
        assert case.partner_version == 1 + len(read), case.reference
        if case.is_closed:
            closing = next(event for event in steps if ACTIONS.get(event.trigger) and ACTIONS[event.trigger].outcome)
            assert case.closed_at == closing.created_at and str(ACTIONS[closing.trigger].outcome) == case.outcome
        _check_pauses(case, steps)
        assessed = "assess" in [event.trigger for event in steps]
        assert (case.checklist is not None) == assessed == (case.eligibility_notes is not None), case.reference
    # Not assessed: SQL NULL, as the app leaves it (not a JSON null).
    unassessed = db.session.scalar(sa.select(sa.func.count()).where(ExpertiseRequest.checklist.is_(None)))
    assert unassessed == sum(1 for steps in events.values() if "assess" not in [e.trigger for e in steps]) > 0


def _check_pauses(case: ExpertiseRequest, steps: list[Event]) -> None:
    """waiting_since / on_hold_since: the open question or hold of the history, if any."""
    question = hold = None
    for event in steps:
        if event.trigger == "ask_partner":
            question = event
        elif event.trigger in ("answer", "cancel_question"):
            question = None
        elif event.trigger == "hold":
            hold = event
        elif event.trigger == "resume":
            hold = None
    if case.is_closed:
        question = hold = None
    assert case.waiting_since == (question.created_at if question else None), case.reference
    assert case.question_due_on == (date.fromisoformat(question.data["due_on"]) if question else None)
    assert case.on_hold_since == (hold.created_at if hold else None), case.reference


def test_values_are_stored_as_the_app_stores_them(seed_bulk, factory):
    """Compared in SQL with the app's own values: dates and times in the same format, booleans."""
    seed_bulk("40")
    factory_case = operations.file_request(factory.partner(), request_data()).case
    db.session.commit()

    for case in all_cases():
        found = db.session.scalar(
            sa.select(sa.func.count()).where(
                ExpertiseRequest.submitted_at == case.submitted_at,
                ExpertiseRequest.state_entered_at == case.state_entered_at,
                ExpertiseRequest.period_start == case.period_start,
            )
        )
        assert found == 1, case.reference
        events = db.session.scalar(
            sa.select(sa.func.count()).where(Event.request_id == case.id, Event.created_at == case.state_entered_at)
        )
        assert events == 1, case.reference
    if db.engine.dialect.name == "sqlite":  # text there: the bulk ones as the one filed through the service
        stored = sa.select(sa.cast(ExpertiseRequest.submitted_at, sa.String))
        formats = {re.sub(r"\d", "9", text) for text in db.session.scalars(stored)}
        assert len(formats) == 1, formats
    assert factory_case.id in set(db.session.scalars(sa.select(ExpertiseRequest.id)))
    assert db.session.scalar(sa.select(sa.func.count()).where(User.active.is_(True))) == count(User)
    assert db.session.scalar(sa.select(sa.func.count()).where(ExpertProfile.public_official.is_(True))) > 0


def test_some_cases_wait_for_the_partner_or_are_on_hold(seed_bulk):
    seed_bulk(str(N))

    cases = all_cases()
    assert any(case.is_waiting_for_partner for case in cases)
    assert any(case.is_on_hold for case in cases)
    assert any(case.is_waiting_for_partner and case.question_is_overdue(date.today()) for case in cases)


def test_teams_missions_and_feedback_are_what_the_app_would_have_confirmed(seed_bulk):
    seed_bulk(str(N))
    events = history()
    profiles = {profile.user_id: profile for profile in db.session.scalars(sa.select(ExpertProfile))}

    for case in all_cases():
        steps = events[case.id]
        triggers = [event.trigger for event in steps]
        mission = db.session.get(Mission, case.id)
        assert (mission is not None) == ("plan_mission" in triggers), case.reference
        assert (mission is not None and mission.actual_start is not None) == ("deliver" in triggers)
        if mission is not None:
            assert mission.planned_end >= mission.planned_start
            assert mission.actual_start is None or mission.actual_end >= mission.actual_start
        if mission is not None and mission.actual_end is not None:
            delivered = next(event for event in steps if event.trigger == "deliver")
            assert mission.actual_end < delivered.created_at.date() and mission.report
        statuses = {member.expert_id: member.status for member in case.assignments}
        if case.state in (State.SKILLS_MOBILISED, State.MISSION_DELIVERED) or case.outcome == "completed":
            assert case.lead_expert_id is not None and statuses.get(case.lead_expert_id) == TeamStatus.CONFIRMED
        for member in case.assignments:
            assert profiles[member.expert_id].user.role == Role.EXPERT
            if member.status == TeamStatus.CONFIRMED:
                assert member.confirmed_at is not None and member.answered_at <= member.confirmed_at
                assert member.created_at <= member.answered_at
                if case.instrument == "taiex":
                    assert profiles[member.expert_id].public_official, case.reference
        feedback = db.session.get(MissionFeedback, case.id)
        ratings = db.session.scalars(sa.select(ExpertRating).where(ExpertRating.request_id == case.id)).all()
        assert (feedback is not None) == ("give_feedback" in triggers)
        assert len(ratings) == triggers.count("rate_expert")
        if feedback is not None or ratings:
            assert mission is not None and mission.actual_start is not None
        for rating in ratings:
            assert statuses[rating.expert_id] == TeamStatus.CONFIRMED
            assert rating.author_id == case.author_id
    assert count(MissionFeedback) > 0 and count(ExpertRating) > 0
    assert {member.status for case in all_cases() for member in case.assignments} >= {
        TeamStatus.CONFIRMED,
        TeamStatus.WITHDRAWN,
    }
    _check_no_expert_is_booked_twice(profiles)


def _check_no_expert_is_booked_twice(profiles: dict[int, ExpertProfile]) -> None:
    """Confirmed on two missions that go ahead over the same days: never (experts/availability.py)."""
    first, second = so.aliased(Assignment), so.aliased(Assignment)
    first_mission, second_mission = so.aliased(Mission), so.aliased(Mission)
    first_case, second_case = so.aliased(ExpertiseRequest), so.aliased(ExpertiseRequest)

    def goes_ahead(case):
        return sa.or_(case.outcome.is_(None), case.outcome == "completed")

    def starts(mission):
        return sa.func.coalesce(mission.actual_start, mission.planned_start)

    def ends(mission):
        return sa.func.coalesce(mission.actual_end, mission.planned_end)

    clashes = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(first)
        .join(second, sa.and_(second.expert_id == first.expert_id, second.request_id > first.request_id))
        .join(first_mission, first_mission.request_id == first.request_id)
        .join(second_mission, second_mission.request_id == second.request_id)
        .join(first_case, first_case.id == first.request_id)
        .join(second_case, second_case.id == second.request_id)
        .where(
            first.status == TeamStatus.CONFIRMED,
            second.status == TeamStatus.CONFIRMED,
            goes_ahead(first_case),
            goes_ahead(second_case),
            starts(first_mission) <= ends(second_mission),
            ends(first_mission) >= starts(second_mission),
        )
    )
    assert clashes == 0
    ahead = db.session.execute(
        sa.select(Assignment.expert_id, sa.func.count())
        .join(ExpertiseRequest, ExpertiseRequest.id == Assignment.request_id)
        .where(Assignment.status == TeamStatus.CONFIRMED, ExpertiseRequest.state.in_(ACTIVE_MISSION_STATES))
        .group_by(Assignment.expert_id)
    ).all()
    for expert_id, missions in ahead:
        assert missions <= profiles[expert_id].max_concurrent_missions


def _real_histories(factory) -> dict[str, set[frozenset[str]]]:
    """The data keys each action records, fired through the services on a few requests."""
    partner = factory.partner()
    team = [factory.expert(), factory.expert()]
    completed = factory.case("closed", outcome="completed", author=partner, team=team)
    factory.fire(completed, "give_feedback", actor=partner)
    factory.fire(completed, "rate_expert", actor=partner)
    for outcome in ("declined", "redirected", "withdrawn"):
        factory.case("closed", outcome=outcome, author=partner)
    asked = factory.case(author=partner)
    for trigger, actor in (
        ("edit", partner),
        ("ask_partner", None),
        ("answer", partner),
        ("ask_partner", None),
        ("cancel_question", None),
        ("hold", None),
        ("resume", None),
        ("post_message", partner),
        ("post_note", None),
        ("take", team[0]),
    ):
        factory.fire(asked, trigger, actor=actor)
    assessed = factory.case("assessed", author=partner)
    factory.fire(assessed, "assign_lead", team=[team[0]])
    factory.fire(assessed, "plan_mission")
    factory.fire(assessed, "propose_experts", experts=[team[1].id])
    factory.fire(assessed, "decline_proposal", actor=team[1])
    factory.fire(assessed, "replace_expert", replacement=factory.expert().id)
    keys = defaultdict(set)
    for event in db.session.scalars(sa.select(Event)):
        keys[event.trigger].add(frozenset(event.data))
    return keys


def test_history_data_are_shaped_like_what_the_actions_record(seed_bulk, factory):
    real = _real_histories(factory)
    real_ids = set(db.session.scalars(sa.select(ExpertiseRequest.id)))

    seed_bulk(str(N))

    written = defaultdict(set)
    for event in db.session.scalars(sa.select(Event).where(Event.request_id.not_in(real_ids))):
        written[event.trigger].add(frozenset(event.data))
    assert set(written) <= set(real), set(written) - set(real)
    for trigger, shapes in written.items():
        assert shapes == real[trigger], trigger


def test_references_are_unique_and_the_next_request_gets_the_next_number(seed_bulk, factory):
    seed_bulk(str(N))

    numbers = defaultdict(list)
    for case in all_cases():
        year, number = REFERENCE.fullmatch(case.reference).groups()
        assert int(year) == case.submitted_at.year
        numbers[int(year)].append(int(number))
    for year, taken in numbers.items():
        assert sorted(taken) == list(range(1, len(taken) + 1))
        assert db.session.get(ReferenceCounter, year).last == len(taken)
    this_year = date.today().year
    filed = operations.file_request(factory.partner(), request_data()).case
    db.session.commit()
    assert filed.reference == f"EXP-{this_year}-{len(numbers[this_year]) + 1:04d}"
    assert filed.id == max(case.id for case in all_cases())


def test_case_pages_and_lists_render_for_those_who_may_see_them(seed_bulk, bulk_visitor, signed_in, factory):
    seed_bulk(str(N))
    cases = all_cases()
    partner = bulk_user(f"partner0001@{bulk.DOMAIN}")
    as_manager, as_partner = bulk_visitor(bulk_user(f"manager1@{bulk.DOMAIN}")), bulk_visitor(partner)
    as_stranger = signed_in(factory.partner())
    own = [case for case in cases if case.organisation_id == partner.organisation_id]
    others = [case for case in cases if case.organisation_id != partner.organisation_id]
    samples = {}
    for case in cases:
        samples.setdefault((case.state, case.outcome, case.is_waiting_for_partner, case.is_on_hold), case)
    assert len(samples) >= 9

    for case in samples.values():
        assert as_manager.get(f"/cases/{case.id}").status_code == 200, case.reference
        owner = db.session.get(User, case.author_id)
        assert bulk_visitor(owner).get(f"/cases/{case.id}").status_code == 200, case.reference
        assert as_stranger.get(f"/cases/{case.id}").status_code == 404
    for case in own[:5]:
        assert as_partner.get(f"/cases/{case.id}").status_code == 200
    assert as_partner.get(f"/cases/{others[0].id}").status_code == 404

    for url in ("/cases", "/cases?view=all", "/cases?pause=waiting", "/cases?q=musee", "/cases?q=متحف", "/dashboard"):
        assert as_manager.get(url).status_code == 200, url
    page = as_partner.get("/cases")
    assert page.status_code == 200
    listed = page.get_data(as_text=True)
    assert any(case.reference in listed for case in own)
    assert not any(case.reference in listed for case in others)
    expert = db.session.scalar(sa.select(Assignment.expert_id).where(Assignment.status == TeamStatus.CONFIRMED))
    assert as_manager.get(f"/experts/{expert}").status_code == 200


def test_search_finds_the_bulk_texts_in_every_language(seed_bulk, bulk_visitor):
    seed_bulk(str(N))

    for query in ("musee", "Musée national", "patrim", "archives", "متحف", "heritage"):
        assert _matching(query) >= 1, query
    case = next(case for case in all_cases() if "متحف" in case.title)
    page = bulk_visitor(bulk_user(f"manager1@{bulk.DOMAIN}")).get(f"/cases?view=all&q={case.reference}")
    assert page.status_code == 200 and case.reference in page.get_data(as_text=True)
    assert _matching(case.reference) == 1


def _matching(query: str) -> int:
    from expertise_app.cases import search

    return db.session.scalar(sa.select(sa.func.count()).select_from(ExpertiseRequest).where(search.matching(query)))


def test_nothing_is_notified(seed_bulk):
    seed_bulk("50")

    assert count(Notification) == 0 and count(OutboxEmail) == 0


def _fingerprint() -> list[tuple]:
    cases = [
        (case.reference, case.title, case.state, case.outcome, case.submitted_at, case.lead_expert_id, case.version)
        for case in all_cases()
    ]
    events = [
        (event.request_id, event.trigger, event.created_at, event.actor_id, event.data)
        for event in db.session.scalars(sa.select(Event).order_by(Event.request_id, Event.created_at))
    ]
    return cases + events


def _empty_database() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def test_the_same_seed_gives_the_same_data_whether_built_apart_or_not(app):
    bulk.seed_bulk(80, seed=7, build_apart=False)
    db.session.commit()
    first = _fingerprint()
    _empty_database()

    bulk.seed_bulk(80, seed=7, build_apart=True)
    db.session.commit()
    assert _fingerprint() == first
    _empty_database()

    bulk.seed_bulk(80, seed=8)
    db.session.commit()
    assert _fingerprint() != first


def test_it_appends_to_the_demo_and_to_an_earlier_run(seed_bulk, seed_demo, factory):
    seed_demo()
    demo_references = set(db.session.scalars(sa.select(ExpertiseRequest.reference)))

    assert "Roster made" in seed_bulk("60")
    bulk_accounts = db.session.scalar(sa.select(sa.func.count()).where(User.email.like(f"%@{bulk.DOMAIN}")))
    output = seed_bulk("60", "--seed", "5")

    assert "Roster reused" in output
    cases = all_cases()
    assert len(cases) == len(demo_references) + 120
    references = [case.reference for case in cases]
    assert len(set(references)) == len(references) and demo_references <= set(references)
    assert bulk_accounts == db.session.scalar(sa.select(sa.func.count()).where(User.email.like(f"%@{bulk.DOMAIN}")))
    filed = operations.file_request(factory.partner(), request_data()).case
    db.session.commit()
    assert filed.reference not in references and filed.id > max(case.id for case in cases)
    _check_no_expert_is_booked_twice({p.user_id: p for p in db.session.scalars(sa.select(ExpertProfile))})


@pytest.fixture
def seed_demo(app):
    def run() -> None:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()

    return run


def test_refused_in_production_without_the_flag(app):
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["seed-bulk", "10"])
    finally:
        app.config["ENV_NAME"] = "testing"

    assert result.exit_code == 1
    assert "refusing" in result.output
    assert count(ExpertiseRequest) == 0 and count(User) == 0


def test_service_levels_are_kept_as_the_write_path_keeps_them(seed_bulk):
    """Every state a request left has its step row, dated by its history; every open request
    has the due date of its step, and a closed one none."""
    seed_bulk(str(N))
    changes = defaultdict(list)
    for event in (event for events in history().values() for event in events):
        if event.from_state is not None and event.from_state != event.to_state:
            changes[event.request_id].append((event.from_state, event.created_at))
    steps = defaultdict(list)
    rows = db.session.execute(sa.select(CaseStep).order_by(CaseStep.request_id, CaseStep.id)).scalars()
    for row in rows:
        steps[row.request_id].append(row)

    for case in all_cases():
        left = changes[case.id]
        assert [(step.state, step.left_at) for step in steps[case.id]] == left, case.reference
        entered = case.submitted_at
        for step in steps[case.id]:
            assert step.entered_at == entered and step.working_days >= 0 and step.paused_days >= 0, case.reference
            entered = step.left_at
        assert case.state_entered_at == entered, case.reference
        assert (case.due_on is None) == (case.state == "closed"), case.reference


# The monthly chart's series as the overview's CSV names them.
MONTHLY_SERIES = {
    None: "Still open",
    "completed": "Completed",
    "declined": "Declined",
    "redirected": "Redirected",
    "withdrawn": "Withdrawn",
}


def test_the_overview_counts_the_requests_submitted_in_each_month_by_outcome(seed_bulk, bulk_visitor):
    seed_bulk(str(N))
    first_year = utcnow().year - 4  # two whole years in the middle of ten years of history
    period = {"from": f"{first_year}-01-01", "to": f"{first_year + 1}-12-31"}
    expected = Counter(
        (f"{case.submitted_at:%Y-%m}", case.outcome)
        for case in all_cases()
        if first_year <= case.submitted_at.year <= first_year + 1
    )
    assert sum(expected.values()) >= 20  # enough to spread over the months

    answer = bulk_visitor(bulk_user(f"manager1@{bulk.DOMAIN}")).get("/dashboard/figures.csv", query_string=period)
    assert answer.status_code == 200
    rows = csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff")))
    shown = {item: int(value) for section, item, value, _open in rows if section == "New requests by month"}
    months = [f"{year}-{month:02d}" for year in (first_year, first_year + 1) for month in range(1, 13)]
    assert shown == {
        f"{month} · {label}": expected[(month, outcome)]
        for month in months
        for outcome, label in MONTHLY_SERIES.items()
    }
