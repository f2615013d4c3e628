"""Several people firing at the same request at the same moment: exactly one wins.

The threaded tests need real concurrent connections and row locks, so they run on
PostgreSQL only (`postgres` marker, skipped with the reason elsewhere). The
deterministic test interleaves two sessions by hand and runs on every database.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from expertise_app.auth.models import ApiToken, Invitation, User
from expertise_app.cases import operations, saved_views
from expertise_app.cases.models import Event, ExpertiseRequest, SavedView
from expertise_app.cases.operations import StaleCase
from expertise_app.cases.queries import CaseFilters
from expertise_app.extensions import db
from expertise_app.feedback.models import ExpertRating, MissionFeedback

from .factories import Cast, Factory, request_data, snapshot, step_data, tallies_kept, tallies_of_the_facts
from .mailbox import sent_to
from .matrix import ACTIONS as PINNED
from .matrix import EDGES, combination_id

THREADS = 4


def race(app: Flask, case_id: int, attempts: list[tuple[str, int]], team_ids: list[int]) -> list[str]:
    """Each (trigger, actor id) in a thread of its own, all released together; what each one got."""
    barrier = threading.Barrier(len(attempts), timeout=30)
    results: list[str] = [""] * len(attempts)

    def attempt(index: int, trigger: str, actor_id: int) -> None:
        with app.app_context():  # its own session, so its own database connection
            try:
                case = db.session.get(ExpertiseRequest, case_id)
                actor = db.session.get(User, actor_id)
                team = [db.session.get(User, expert_id) for expert_id in team_ids]
                data = step_data(trigger, case, team=team)
                version = case.version_seen_by(actor)
            except BaseException as error:
                barrier.abort()
                results[index] = f"setup failed: {error!r}"
                return
            try:
                barrier.wait()
                operations.perform(case, trigger, actor, data, version)
                db.session.commit()
            except StaleCase:
                results[index] = "stale"
            except BaseException as error:
                results[index] = f"unexpected: {error!r}"
            else:
                results[index] = f"won: {trigger}"

    threads = [
        threading.Thread(target=attempt, args=(index, trigger, actor_id))
        for index, (trigger, actor_id) in enumerate(attempts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def posted_at_once(app: Flask, visitors: list, url: str, data: dict) -> list[int]:
    """The form at `url` posted by each visitor (its page read first, for the CSRF token), in a thread and
    a session of its own, all released together: the status each one got."""
    for visitor in visitors:
        visitor.get(url)
    barrier = threading.Barrier(len(visitors), timeout=30)
    statuses: list[int] = [0] * len(visitors)

    def send(index: int) -> None:
        with app.app_context():
            barrier.wait()
            statuses[index] = visitors[index].post(url, data).status_code

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(visitors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def assert_one_winner(results: list[str], case_id: int, before) -> None:
    outcomes = Counter("won" if result.startswith("won") else result for result in results)
    assert outcomes == Counter({"won": 1, "stale": len(results) - 1}), results
    [winner] = [result.removeprefix("won: ") for result in results if result.startswith("won")]
    after = snapshot(case_id)
    assert after.state == (PINNED[winner][1] or before.state)
    assert after.version > before.version
    assert after.events[: len(before.events)] == before.events
    assert [trigger for _id, trigger in after.events[len(before.events) :]] == [winner]


MANAGER_EDGES = [(state, name) for state, name in EDGES if "manager" in PINNED[name][2]]


@pytest.mark.postgres
@pytest.mark.parametrize(("state", "trigger"), MANAGER_EDGES, ids=combination_id)
def test_the_same_action_performed_at_once_wins_once(app, factory: Factory, cast: Cast, state, trigger):
    case = factory.ready_for(factory.cast_case(cast, state), trigger, cast.manager)
    before = snapshot(case.id)
    db.session.commit()

    results = race(app, case.id, [(trigger, cast.manager.id)] * THREADS, [expert.id for expert in cast.team])

    assert_one_winner(results, case.id, before)


@pytest.mark.parametrize(("trigger", "kept"), [("give_feedback", MissionFeedback), ("rate_expert", ExpertRating)])
def test_feedback_or_a_rating_sent_at_once_is_kept_once_and_the_others_told_so(
    app, factory, cast, signed_in, trigger, kept
):
    """A double click on the partner's form: the copies pass the "not given yet" guard before the first is
    written. One is kept; each other one is told that the request changed since its copy was read (409), or,
    read after the first was written, that it is given already (422): never a server error."""
    case = factory.cast_case(cast, "mission_delivered")
    data = {**step_data(trigger, case, team=cast.team), "version": case.version_seen_by(cast.partner)}
    before = snapshot(case.id)
    db.session.commit()
    visitors = [signed_in(cast.partner) for _ in range(THREADS)]

    statuses = posted_at_once(app, visitors, f"/cases/{case.id}/actions/{trigger}", data)

    assert statuses.count(302) == 1 and set(statuses) <= {302, 409, 422}, statuses
    assert db.session.scalar(sa.select(sa.func.count()).where(kept.request_id == case.id)) == 1
    assert [name for _id, name in snapshot(case.id).events[len(before.events) :]] == [trigger]


@pytest.mark.parametrize("who", ["one person, a double click", "colleagues of one organisation"])
def test_an_invitation_sent_twice_at_the_same_moment_is_sent_once(app, factory, signed_in, who):
    """Each copy found nobody invited yet, and each sent a working link."""
    partner = factory.partner()
    inviters = (
        [partner] * THREADS
        if who.startswith("one")
        else [partner] + [factory.partner(partner.organisation) for _ in range(THREADS - 1)]
    )
    address = f"twice-{who.split()[0]}@partner.example"  # the mail directory keeps the other case's
    db.session.commit()
    visitors = [signed_in(inviter) for inviter in inviters]

    statuses = posted_at_once(app, visitors, "/invitations", {"email": address, "language": "en"})

    assert sorted(statuses) == [302] + [422] * (THREADS - 1), statuses
    invited = sa.select(sa.func.count()).where(Invitation.email == address)
    assert db.session.scalar(invited) == 1
    assert len(sent_to(app, address)) == 1


def test_a_token_form_sent_twice_at_the_same_moment_makes_one_token(app, factory, signed_in):
    """Each copy found no token of that name yet, and each made one; only the last answer's secret reaches
    the screen."""
    user = factory.partner()
    db.session.commit()
    visitors = [signed_in(user) for _ in range(THREADS)]

    statuses = posted_at_once(app, visitors, "/account/tokens", {"name": "Project tracker"})

    assert sorted(statuses) == [201] + [422] * (THREADS - 1), statuses
    assert db.session.scalar(sa.select(sa.func.count()).where(ApiToken.user_id == user.id)) == 1


def test_a_time_away_sent_twice_even_at_the_same_moment_is_kept_once(app, factory, signed_in):
    """The expert's double click, then the same days sent again with a reason: one period, as last told."""
    expert = factory.expert()
    db.session.commit()
    url = f"/experts/{expert.id}/unavailability"
    away = {"starts_on": "2027-08-01", "ends_on": "2027-08-15", "reason": ""}

    statuses = posted_at_once(app, [signed_in(expert) for _ in range(THREADS)], url, away)
    visitor = signed_in(expert)
    again = visitor.post(url, {**away, "reason": "annual leave"}, token_from=f"/experts/{expert.id}")

    assert statuses == [302] * THREADS and again.status_code == 302
    db.session.expire_all()
    kept = [(period.starts_on, period.ends_on, period.reason) for period in expert.profile.unavailability]
    assert kept == [(date(2027, 8, 1), date(2027, 8, 15), "annual leave")]
    page = visitor.get(again.headers["Location"]).get_data(as_text=True)
    assert "This period was already recorded" in page


def test_the_same_token_form_sent_several_times_at_once_leaves_one_token_in_use(app, factory, signed_in):
    """A double (or triple) click: every copy carries the form's key; each answer shows a secret, and only
    the token of the last one written is left in use."""
    user = factory.partner()
    db.session.commit()
    visitors = [signed_in(user) for _ in range(THREADS)]
    form = {"name": "Project tracker", "lifetime": "90", "submission_key": "one-form-shown-once"}

    statuses = posted_at_once(app, visitors, "/account/tokens", form)

    assert statuses == [201] * THREADS
    tokens = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert len(tokens) == THREADS and sum(token.revoked_at is None for token in tokens) == 1


# Every state where several people may act at once, with who would act.
COMPETING = {
    "submitted": [("assess", "unrelated_expert"), ("decline", "manager"), ("withdraw", "partner")],
    "assessed": [("mobilise", "lead_expert"), ("decline", "manager"), ("withdraw", "partner")],
    "skills_mobilised": [("deliver", "team_expert"), ("withdraw", "partner"), ("withdraw", "manager")],
    "mission_delivered": [("close", "lead_expert"), ("hold", "manager"), ("ask_partner", "team_expert")],
}


@pytest.mark.postgres
@pytest.mark.parametrize("state", list(COMPETING))
def test_competing_triggers_fired_at_once_let_one_win(app, factory: Factory, cast: Cast, state):
    case = factory.cast_case(cast, state)
    before = snapshot(case.id)
    db.session.commit()
    attempts = [(trigger, cast[actor].id) for trigger, actor in COMPETING[state]]

    results = race(app, case.id, attempts, [expert.id for expert in cast.team])

    assert_one_winner(results, case.id, before)


@pytest.mark.parametrize(
    ("state", "first", "second"),
    [
        ("submitted", ("assess", "unrelated_expert"), ("assess", "manager")),
        ("submitted", ("withdraw", "partner"), ("decline", "manager")),
        ("assessed", ("decline", "manager"), ("mobilise", "lead_expert")),
        ("assessed", ("mobilise", "manager"), ("mobilise", "lead_expert")),
        ("assessed", ("mobilise", "lead_expert"), ("mobilise", "manager")),
        ("skills_mobilised", ("withdraw", "partner"), ("deliver", "team_expert")),
        ("mission_delivered", ("close", "manager"), ("close", "lead_expert")),
        ("submitted", ("edit", "partner"), ("assess", "unrelated_expert")),
        ("assessed", ("hold", "manager"), ("mobilise", "lead_expert")),
        ("assessed", ("ask_partner", "unrelated_expert"), ("assign_lead", "manager")),
    ],
    ids=combination_id,
)
def test_a_copy_read_before_someone_else_s_change_is_stale(app, factory: Factory, cast: Cast, state, first, second):
    """Two sessions read the same version; the first one commits; the second one is refused."""
    case = factory.cast_case(cast, state)
    before = snapshot(case.id)
    team = [expert.id for expert in cast.team]

    with app.app_context():  # the second person's session reads the request now ...
        late_case = db.session.get(ExpertiseRequest, case.id)
        late_actor = db.session.get(User, cast[second[1]].id)
        late_data = step_data(second[0], late_case, team=[db.session.get(User, expert_id) for expert_id in team])
        late_version = late_case.version_seen_by(late_actor)

        with app.app_context():  # ... the first person changes it in a session of their own ...
            early_case = db.session.get(ExpertiseRequest, case.id)
            early_team = [db.session.get(User, expert_id) for expert_id in team]
            early_actor = db.session.get(User, cast[first[1]].id)
            operations.perform(
                early_case,
                first[0],
                early_actor,
                step_data(first[0], early_case, team=early_team),
                early_case.version_seen_by(early_actor),
            )
            db.session.commit()
        after_first = snapshot(case.id)

        with pytest.raises(StaleCase):  # ... and the second person's copy is now stale.
            operations.perform(late_case, second[0], late_actor, late_data, late_version)

    assert after_first.state == (PINNED[first[0]][1] or state)
    assert after_first.events[:-1] == before.events
    assert snapshot(case.id) == after_first


@pytest.mark.postgres
def test_requests_filed_at_once_each_get_their_own_reference(app, factory: Factory):
    partners = [factory.partner() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS, timeout=30)
    results: list[str] = [""] * THREADS

    def file(index: int, partner_id: int) -> None:
        with app.app_context():
            author = db.session.get(User, partner_id)
            try:
                barrier.wait()
                results[index] = operations.file_request(author, request_data()).case.reference
                db.session.commit()
            except BaseException as error:
                results[index] = f"unexpected: {error!r}"

    threads = [threading.Thread(target=file, args=(index, partner.id)) for index, partner in enumerate(partners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    year = results[0][4:8]
    assert sorted(results) == [f"EXP-{year}-{number:04d}" for number in range(1, THREADS + 1)], results
    rows = db.session.execute(
        sa.select(ExpertiseRequest.reference, sa.func.count(Event.id))
        .join(Event, Event.request_id == ExpertiseRequest.id)
        .group_by(ExpertiseRequest.reference)
    ).all()
    assert sorted(rows) == [(reference, 1) for reference in sorted(results)]


@pytest.mark.postgres
def test_one_expert_confirmed_for_two_overlapping_missions_at_the_same_moment_is_confirmed_once(app, factory, cast):
    """Two requests, one expert, the same dates, two leads confirming at once: one wins, the other is told why."""
    expert = cast.team_expert
    start = date.today() + timedelta(days=400)
    cases = [factory.case("assessed", author=cast.partner) for _ in range(2)]
    for case in cases:
        end = start + timedelta(days=3)
        factory.fire(case, "plan_mission", planned_start=start.isoformat(), planned_end=end.isoformat())
        factory.fire(case, "propose_experts", experts=[expert.id])
        factory.fire(case, "accept_proposal", actor=expert)
    barrier = threading.Barrier(len(cases), timeout=30)
    results: list[str] = [""] * len(cases)

    def confirm(index: int, case_id: int) -> None:
        with app.app_context():
            case = db.session.get(ExpertiseRequest, case_id)
            manager = db.session.get(User, cast.manager.id)
            version = case.version
            barrier.wait()
            try:
                operations.perform(case, "confirm_expert", manager, {"expert": expert.id}, version)
                db.session.commit()
                results[index] = "confirmed"
            except operations.InvalidData as error:
                db.session.rollback()
                results[index] = "refused: " + " ".join(error.errors["expert"])
            except BaseException as error:
                results[index] = f"unexpected: {error!r}"

    threads = [threading.Thread(target=confirm, args=(index, case.id)) for index, case in enumerate(cases)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(result.split(":")[0] for result in results) == ["confirmed", "refused"], results
    refused = next(result for result in results if result.startswith("refused"))
    assert "is on the mission of" in refused
    confirmed = [snapshot(case.id).team for case in cases]
    assert sorted(len([m for m in team if m[1] == "confirmed"]) for team in confirmed) == [0, 1]


@pytest.mark.postgres
def test_a_view_saved_twice_at_the_same_moment_is_saved_once(app, factory: Factory):
    """A double click: the second request finds no view of that name, then waits on the first's row."""
    manager_id = factory.manager().id
    filters = CaseFilters(field="MUS")
    outcome: dict[str, str] = {}

    def second() -> None:
        with app.app_context():
            try:
                saved_views.save(db.session.get(User, manager_id), "Museums", filters)
                db.session.commit()
                outcome["second"] = "saved"
            except BaseException as error:
                outcome["second"] = f"unexpected: {error!r}"

    with app.app_context():  # the first request: saved, not committed yet
        saved_views.save(db.session.get(User, manager_id), "Museums", filters)
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1)  # the second is waiting on the first's row
        db.session.commit()
    thread.join()

    assert outcome == {"second": "saved"}
    saved = db.session.execute(sa.select(SavedView.name, SavedView.query).where(SavedView.user_id == manager_id))
    assert saved.all() == [("Museums", "field=MUS")]


@pytest.mark.postgres
def test_views_saved_in_several_tabs_at_the_same_moment_stop_at_the_limit(app, factory: Factory):
    """One place left under the limit of 30 and four new names saved at once: one is saved, three are
    refused, and the person has 30 views, not 33."""
    partner = factory.partner()
    db.session.add_all(SavedView(user_id=partner.id, name=f"View {n}", query=f"q=w{n}") for n in range(29))
    db.session.commit()
    barrier = threading.Barrier(THREADS, timeout=30)
    outcomes: list[str] = [""] * THREADS

    def save(index: int) -> None:
        with app.app_context():
            try:
                user = db.session.get(User, partner.id)
                barrier.wait()
                saved_views.save(user, f"Tab {index}", CaseFilters(q=f"tab{index}"))
                db.session.commit()
                outcomes[index] = "saved"
            except saved_views.TooManyViews:
                outcomes[index] = "too many"
            except BaseException as error:
                outcomes[index] = f"unexpected: {error!r}"

    threads = [threading.Thread(target=save, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["saved"] + ["too many"] * (THREADS - 1), outcomes
    assert db.session.scalar(sa.select(sa.func.count()).where(SavedView.user_id == partner.id)) == 30


@pytest.mark.postgres
def test_an_action_not_committed_yet_holds_back_no_action_on_another_request_of_its_month(app, factory: Factory):
    """Both requests count in the same monthly tallies of the overview: these are written at the
    commit, so the second assessment is not kept waiting by the first one's until that one ends."""
    first, second = factory.case("submitted"), factory.case("submitted")
    ids = (first.id, second.id, factory.manager().id)
    db.session.commit()
    first_done, second_done = threading.Event(), threading.Event()
    outcome: list[str] = []

    def assess(case_id: int) -> None:
        case, manager = db.session.get(ExpertiseRequest, case_id), db.session.get(User, ids[2])
        operations.perform(case, "assess", manager, step_data("assess", case), case.version)
        db.session.flush()

    def first_assessment() -> None:
        with app.app_context():
            assess(ids[0])
            first_done.set()
            second_done.wait(timeout=30)
            db.session.commit()

    thread = threading.Thread(target=first_assessment)
    thread.start()
    try:
        assert first_done.wait(timeout=30)
        with app.app_context():
            db.session.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
            assess(ids[1])
            db.session.commit()
            outcome.append("committed while the first was open")
    finally:
        second_done.set()
        thread.join()

    assert outcome == ["committed while the first was open"]
    assert tallies_kept() == tallies_of_the_facts()
