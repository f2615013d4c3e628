"""Every action through the one write path (cases/operations.perform): every allowed and
every forbidden (state, action, person) combination of the literal tables in
tests/matrix.py, plus stale copies, guards, the append-only history and the one machine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import transitions

from expertise_app import policy
from expertise_app.cases import operations
from expertise_app.cases.models import Event, ExpertiseRequest
from expertise_app.cases.operations import (
    BadVersion,
    InvalidData,
    NotFound,
    PermissionDenied,
    StaleCase,
    TransitionNotAllowed,
    UnknownAction,
)
from expertise_app.cases.workflow import ACTIONS, MACHINE
from expertise_app.extensions import db

from .factories import count, request_data, snapshot, step_data
from .matrix import ACTIONS as PINNED
from .matrix import ALLOWED, EDGES, FORBIDDEN, PARTNER_READS, PEOPLE, RELATIONS, STATES, combination_id, performer

# Actions whose entry the partner does not read but which change what they see of the team or the
# mission plan once it is mobilised, on the cast's request (tests/factories.py: cast_case, step_data).
# None: a proposal withdrawn, accepted, declined or replaced was never on the team shown, and who
# joins, leaves or leads the mobilised team is told (add_to_team, remove_from_team, hand_over_lead).
CHANGES_WHAT_THE_PARTNER_SEES: set[tuple[str, str]] = set()


def perform(case, name, user, data, version, **kwargs):
    """The service, then the commit that the request would make."""
    operations.perform(case, name, user, data, version, **kwargs)
    db.session.commit()
    return case


def as_text(value):
    """Submitted and stored values compared as the text a form carries."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [as_text(item) for item in value]
    return str(value)


@pytest.mark.parametrize("state", STATES)
def test_each_person_of_the_cast_has_the_declared_relations(factory, cast, state):
    case = factory.cast_case(cast, state)
    for actor in PEOPLE:
        assert {str(relation) for relation in policy.actors_of(cast[actor], case)} == RELATIONS[actor], actor


@pytest.mark.parametrize(("state", "name", "actor"), ALLOWED, ids=combination_id)
def test_allowed_combination_does_what_is_pinned_and_writes_one_event(factory, cast, state, name, actor):
    case = factory.ready_for(factory.cast_case(cast, state), name, cast.manager)
    _sources, dest, _who, outcome = PINNED[name]
    before = snapshot(case.id)
    entered_before = case.state_entered_at
    closed_before = case.closed_at
    user = cast[actor]
    data = step_data(name, case, team=cast.team)
    at = datetime.now(UTC)

    perform(case, name, user, data, case.version_seen_by(user), at=at)

    after = snapshot(case.id)
    assert after.state == (dest or state)
    assert after.outcome == (outcome or before.outcome)
    assert after.version == before.version + 1
    # A partner's version moves with an entry they read, or with the team or plan they see changing;
    # else it would tell them the ministry acted.
    seen = PARTNER_READS[name] is not None or (state, name) in CHANGES_WHAT_THE_PARTNER_SEES
    assert after.partner_version == before.partner_version + seen
    assert after.events[: len(before.events)] == before.events
    assert len(after.events) == len(before.events) + 1
    event = db.session.get(Event, after.events[-1][0])
    assert (event.actor_id, event.trigger, event.from_state, event.to_state) == (user.id, name, state, dest or state)
    assert event.created_at == at
    if name == "edit":
        assert event.data == {"changes": {"title": {"from": request_data()["title"], "to": data["title"]}}}
    else:
        assert {key: as_text(event.data[key]) for key in data} == {key: as_text(value) for key, value in data.items()}
    reloaded = db.session.get(ExpertiseRequest, case.id)
    assert reloaded.state_entered_at == (at if dest else entered_before)
    assert reloaded.closed_at == (at if outcome else closed_before)  # a message on a closed case keeps its date


@pytest.mark.parametrize(("state", "name", "actor", "error"), FORBIDDEN, ids=combination_id)
def test_forbidden_combination_is_refused_and_changes_nothing(factory, cast, state, name, actor, error):
    case = factory.cast_case(cast, state)
    if state in PINNED[name][0]:
        factory.ready_for(case, name, cast.manager)
    before = snapshot(case.id)

    with pytest.raises(error) as refused:
        operations.perform(
            case, name, cast[actor], step_data(name, case, team=cast.team), case.version_seen_by(cast[actor])
        )

    assert refused.value.message
    assert type(refused.value) is error
    db.session.commit()  # whatever the service may have left pending would be written now
    assert snapshot(case.id) == before


@pytest.mark.parametrize("state", STATES)
def test_a_partner_of_another_organisation_cannot_even_see_the_case(factory, cast, state):
    case = factory.cast_case(cast, state)
    with pytest.raises(NotFound):
        operations.get_visible_case(cast.other_partner, case.id)
    for actor in PEOPLE:
        if actor != "other_partner":
            assert operations.get_visible_case(cast[actor], case.id).id == case.id


def test_an_unknown_action_is_refused_and_changes_nothing(factory, cast):
    case = factory.cast_case(cast, "submitted")
    before = snapshot(case.id)
    with pytest.raises(UnknownAction):
        operations.perform(case, "approve", cast.manager, {}, case.version)
    assert snapshot(case.id) == before


@pytest.mark.parametrize(("state", "name"), EDGES, ids=combination_id)
def test_a_stale_version_is_refused_and_changes_nothing(factory, cast, state, name):
    case = factory.ready_for(factory.cast_case(cast, state), name, cast.manager)
    person = cast[performer(name)]
    read = case.version_seen_by(person)
    factory.fire(case, "post_message", actor=cast.manager, body="Everyone reads this: every copy is now older.")
    before = snapshot(case.id)

    with pytest.raises(StaleCase):
        operations.perform(case, name, person, step_data(name, case, team=cast.team), read)

    db.session.commit()
    assert snapshot(case.id) == before


@pytest.mark.parametrize(
    "version", [2, None, "2", 0, -1], ids=["newer", "missing", "newer-as-text", "zero", "negative"]
)
def test_a_version_the_request_never_had_is_bad_input(factory, version):
    case = factory.case("submitted")
    before = snapshot(case.id)
    assert before.version == 1

    with pytest.raises(BadVersion) as refused:
        operations.perform(case, "assess", factory.manager(), step_data("assess", case), version)

    assert refused.value.status == 422

    db.session.commit()
    assert snapshot(case.id) == before


def _drop_mission(case):
    db.session.delete(case.mission)


def _drop_team(case):
    case.assignments.clear()


def _drop_report(case):
    case.mission.report = None


@pytest.mark.parametrize(
    ("state", "trigger", "break_case", "reason"),
    [
        ("skills_mobilised", "deliver", _drop_mission, "No mission has been planned for this request."),
        ("skills_mobilised", "deliver", _drop_team, "No expert has been mobilised for this request."),
        ("mission_delivered", "close", _drop_report, "The mission report has not been written."),
    ],
    ids=["deliver-without-mission", "deliver-without-team", "close-without-report"],
)
def test_a_failing_guard_refuses_with_its_reason(factory, cast, state, trigger, break_case, reason):
    case = factory.cast_case(cast, state)
    break_case(case)
    db.session.commit()
    before = snapshot(case.id)

    with pytest.raises(TransitionNotAllowed) as refused:
        operations.perform(case, trigger, cast.manager, step_data(trigger, case), case.version)

    assert refused.value.message == reason
    assert ACTIONS[trigger] not in policy.allowed_actions(cast.manager, case)
    db.session.commit()
    assert snapshot(case.id) == before


@pytest.mark.parametrize(
    "invalid",
    [
        {"trigger": "decline", "data": {"reason": ""}, "fields": {"decline_reason", "reason"}},
        {"trigger": "redirect", "data": {"destination": "NATO", "reason": "x"}, "fields": {"destination", "reason"}},
        {"trigger": "hold", "data": {"reason": ""}, "fields": {"reason"}},
        {"trigger": "assess", "data": {"eligibility_notes": "", "priority": "never", "field": "XXX"}, "fields": None},
        {"trigger": "withdraw", "data": None, "fields": {"reason"}},
    ],
    ids=[
        "decline-empty-reason",
        "redirect-unknown-destination",
        "hold-empty-reason",
        "assess-bad-codes",
        "withdraw-no-data",
    ],
)
def test_invalid_data_is_refused_field_by_field_and_changes_nothing(factory, cast, invalid):
    case = factory.cast_case(cast, "submitted")
    before = snapshot(case.id)
    with pytest.raises(InvalidData) as refused:
        operations.perform(case, invalid["trigger"], cast.manager, invalid["data"], case.version)
    expected_fields = invalid["fields"] or {"eligibility_notes", "priority", "field"}
    assert set(refused.value.errors) == expected_fields
    assert all(refused.value.errors[name] for name in expected_fields)
    db.session.commit()
    assert snapshot(case.id) == before


# --- the lead expert ------------------------------------------------------------------


# Before the mobilisation any expert may be named lead, and the partner is not told; once the team is
# mobilised, the lead is handed over to another of its confirmed members, and the partner is told.
LEAD_NAMED_BY = {
    "submitted": "assign_lead",
    "assessed": "assign_lead",
    "skills_mobilised": "hand_over_lead",
    "mission_delivered": "hand_over_lead",
}


@pytest.mark.parametrize(("state", "action"), LEAD_NAMED_BY.items())
def test_a_manager_names_the_lead_expert_without_moving_the_case(factory, cast, state, action):
    case = factory.cast_case(cast, state)
    before = snapshot(case.id)
    perform(case, action, cast.manager, {"lead_expert": cast.team_expert.id}, case.version)
    after = snapshot(case.id)
    assert (after.state, after.lead_expert_id, after.version) == (state, cast.team_expert.id, before.version + 1)
    event = db.session.get(Event, after.events[-1][0])
    assert (event.trigger, event.from_state, event.to_state, event.actor_id) == (
        action,
        state,
        state,
        cast.manager.id,
    )
    assert event.data == {"lead_expert": cast.team_expert.id}
    other = "hand_over_lead" if action == "assign_lead" else "assign_lead"
    with pytest.raises(TransitionNotAllowed):
        operations.perform(case, other, cast.manager, {"lead_expert": cast.lead_expert.id}, case.version)


@pytest.mark.parametrize("state", ["skills_mobilised", "mission_delivered"])
@pytest.mark.parametrize("lead", ["unrelated_expert", "proposed_expert", "lead_expert"])
def test_once_a_team_is_mobilised_the_lead_is_handed_to_another_of_its_members(factory, cast, state, lead):
    case = factory.cast_case(cast, state)
    before = snapshot(case.id)
    with pytest.raises(InvalidData) as refused:
        operations.perform(case, "hand_over_lead", cast.manager, {"lead_expert": cast[lead].id}, case.version)
    assert refused.value.errors == {
        "lead_expert": ["The new lead expert must be another confirmed member of the team."]
    }
    assert snapshot(case.id) == before


@pytest.mark.parametrize("inactive", ["account", "profile"])
def test_the_lead_is_not_handed_to_a_member_no_longer_active_nor_offered_when_nobody_else_can_take_it(
    factory, cast, inactive
):
    case = factory.cast_case(cast, "skills_mobilised")  # the lead and the team expert confirmed
    if inactive == "account":
        cast.team_expert.active = False
    else:
        cast.team_expert.profile.active = False
    db.session.commit()
    before = snapshot(case.id)
    with pytest.raises(TransitionNotAllowed) as refused:
        operations.perform(case, "hand_over_lead", cast.manager, {"lead_expert": cast.team_expert.id}, case.version)
    assert "Nobody else on the team can take the lead" in str(refused.value)
    assert "hand_over_lead" not in [action.name for action in policy.allowed_actions(cast.manager, case)]
    assert snapshot(case.id) == before


def test_before_mobilisation_any_expert_may_be_named_lead(factory, cast):
    case = factory.case("assessed", author=cast.partner)
    perform(case, "assign_lead", cast.manager, {"lead_expert": cast.unrelated_expert.id}, case.version)
    assert snapshot(case.id).lead_expert_id == cast.unrelated_expert.id


@pytest.mark.parametrize(
    ("state", "actor", "version_shift", "error"),
    [
        *[("submitted", actor, 0, PermissionDenied) for actor in PEOPLE if actor != "manager"],
        ("closed", "manager", 0, TransitionNotAllowed),
        ("assessed", "manager", -1, StaleCase),
        ("assessed", "partner", -1, PermissionDenied),  # who may act is said before whether their copy is stale
        ("submitted", "manager", 1, BadVersion),  # a version still to come
    ],
    ids=combination_id,
)
def test_assigning_the_lead_is_refused_and_changes_nothing(factory, cast, state, actor, version_shift, error):
    case = factory.cast_case(cast, state)
    before = snapshot(case.id)
    with pytest.raises(error):
        operations.perform(
            case, "assign_lead", cast[actor], {"lead_expert": cast.unrelated_expert.id}, case.version + version_shift
        )
    db.session.commit()
    assert snapshot(case.id) == before


@pytest.mark.parametrize("lead", ["", "partner", "manager", "inactive_expert", "999999"])
def test_only_an_active_expert_can_be_named_lead(factory, cast, lead):
    case = factory.cast_case(cast, "submitted")
    before = snapshot(case.id)
    people = {"partner": cast.partner, "manager": cast.manager, "inactive_expert": factory.expert(active=False)}
    value = people[lead].id if lead in people else lead
    with pytest.raises(InvalidData) as refused:
        operations.perform(case, "assign_lead", cast.manager, {"lead_expert": value}, case.version)
    assert list(refused.value.errors) == ["lead_expert"]
    db.session.commit()
    assert snapshot(case.id) == before


# --- filing a request -----------------------------------------------------------------


def test_a_partner_files_a_request_that_starts_submitted_with_its_history(factory):
    partner = factory.partner()
    at = datetime(2031, 3, 14, 9, 30, tzinfo=UTC)
    data = request_data(period_start="2031-06-01", period_end="2031-06-05")
    first = operations.file_request(partner, data, at=at).case
    second = operations.file_request(partner, data, at=at).case
    db.session.commit()

    assert (first.reference, second.reference) == ("EXP-2031-0001", "EXP-2031-0002")
    assert (first.state, first.outcome, first.version) == ("submitted", None, 1)
    assert (first.organisation_id, first.author_id) == (partner.organisation_id, partner.id)
    [event] = first.events
    assert (event.trigger, event.from_state, event.to_state, event.actor_id) == (
        "submit",
        None,
        "submitted",
        partner.id,
    )
    assert event.data["title"] == request_data()["title"]
    assert event.data["working_languages"] == ["fr", "ar"]


@pytest.mark.parametrize("role", ["expert", "manager"])
def test_only_a_partner_may_file_a_request(factory, role):
    with pytest.raises(PermissionDenied):
        operations.file_request(factory.user(role), request_data())
    assert count(ExpertiseRequest) == 0


def test_filing_is_one_transaction_no_request_without_its_history(factory):
    """If the history row cannot be written, the request is not left behind either."""
    partner = factory.partner()

    def refuse(mapper, connection, target):
        raise RuntimeError("the history table refuses the row")

    db.event.listen(Event, "before_insert", refuse)
    try:
        with pytest.raises(RuntimeError):
            operations.file_request(partner, request_data())
    finally:
        db.event.remove(Event, "before_insert", refuse)
    db.session.rollback()
    assert (count(ExpertiseRequest), count(Event)) == (0, 0)


# --- history and machine --------------------------------------------------------------


def test_history_events_cannot_be_updated(factory):
    case = factory.case("assessed")
    before = snapshot(case.id)
    event = case.events[-1]
    event.trigger = "decline"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert snapshot(case.id) == before


def test_history_events_cannot_be_deleted(factory):
    case = factory.case("assessed")
    before = snapshot(case.id)
    db.session.delete(case.events[0])
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert snapshot(case.id) == before


@pytest.mark.parametrize("path", ["completed", "declined", "redirected", "withdrawn"])
def test_firing_neither_builds_a_machine_nor_attaches_the_case(factory, monkeypatch, path):
    def no_new_machine(*args, **kwargs):
        raise AssertionError("a Machine was built while firing")

    monkeypatch.setattr(transitions.Machine, "__init__", no_new_machine)
    case = factory.case("closed", outcome=path)

    assert case.state == "closed"
    assert case.outcome == path
    assert MACHINE.models == []
    assert not any(hasattr(case, name) for name in ACTIONS)
