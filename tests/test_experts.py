"""Skills mobilisation: the ranked suggestions and their parts, the team's confirmations and
their clashes, the directory's permissions and the profile, on every channel.

Expected scores are written out here from the rules the README states (field primary 40 /
secondary 20; languages 25 shared among the working languages, basic half; country 15,
region 8, continent 4; free 10 / busy −40; workload 10 scaled down to the limit, −10 at
it; TAIEX −100 for anyone who is not a public official), not computed by the code under test.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from expertise_app import transaction
from expertise_app.cases import operations, presenters
from expertise_app.cases.models import Event, TeamStatus
from expertise_app.cases.operations import InvalidData, TransitionNotAllowed
from expertise_app.experts import ranking
from expertise_app.experts.models import Unavailability
from expertise_app.extensions import db

from .conftest import assert_problem
from .factories import expert_profile, snapshot, step_data
from .pages import offered_actions, text

TODAY = date.today()
PERIOD = (TODAY + timedelta(days=60), TODAY + timedelta(days=80))


def museum_request(factory, instrument="bilateral", **overrides):
    """An assessed request for a museum-conservation workshop in Jordan, in Arabic."""
    return factory.case(
        "assessed",
        field="MUS",
        country="JO",
        assistance_type="workshop",
        instrument=instrument,
        working_languages=["ar"],
        period_start=PERIOD[0].isoformat(),
        period_end=PERIOD[1].isoformat(),
        **overrides,
    )


def expert(factory, name, **profile):
    """An expert of the default limit of two missions at once (what the expected workload points assume)."""
    return factory.expert(name=name, profile=expert_profile(**{"max_concurrent_missions": 2, **profile}))


@pytest.fixture
def roster(factory):
    """Four experts, each standing for one reason to rank higher or lower."""
    return {
        "arabic_museum": expert(factory, "Amal", primary_fields=["MUS"], languages={"ar": "native"}, countries=["JO"]),
        "busy_museum": expert(factory, "Basma", primary_fields=["MUS"], languages={"ar": "fluent"}, countries=["JO"]),
        "french_museum": expert(
            factory,
            "Claire",
            primary_fields=["HER"],
            secondary_fields=["MUS"],
            languages={"fr": "native", "ar": "basic"},
            countries=["FR"],
        ),
        "arabic_archaeology": expert(
            factory, "Dalia", primary_fields=["ARC"], languages={"ar": "native"}, countries=["LB"]
        ),
    }


def put_on_a_mission(factory, member, start, days=5):
    """`member` confirmed on another request's mission from `start`."""
    other = factory.case("assessed")
    factory.fire(
        other,
        "plan_mission",
        planned_start=start.isoformat(),
        planned_end=(start + timedelta(days=days - 1)).isoformat(),
    )
    factory.build_team(other, [member])
    return other


def parts_of(page, member) -> dict[str, int]:
    item = next(item for item in page.items if item.expert_id == member.id)
    return {part.name: part.points for part in item.parts}


def test_arabic_speaking_museum_experts_free_on_the_dates_come_first_and_the_parts_say_why(factory, roster):
    case = museum_request(factory)
    other = put_on_a_mission(factory, roster["busy_museum"], PERIOD[0] + timedelta(days=3))

    page = ranking.suggest(case)

    assert [item.name for item in page.items] == ["Amal", "Dalia", "Claire", "Basma"]
    assert [item.score for item in page.items] == [100, 53, 52, 45]
    assert parts_of(page, roster["arabic_museum"]) == {
        "field": 40,
        "languages": 25,
        "region": 15,
        "availability": 10,
        "workload": 10,
    }
    assert parts_of(page, roster["arabic_archaeology"]) == {
        "field": 0,
        "languages": 25,
        "region": 8,  # Lebanon: the Mashreq, like Jordan
        "availability": 10,
        "workload": 10,
    }
    assert parts_of(page, roster["busy_museum"]) == {
        "field": 40,
        "languages": 25,
        "region": 15,
        "availability": -40,
        "workload": 5,  # one mission ahead, of at most two
    }
    assert parts_of(page, roster["french_museum"]) == {
        "field": 20,  # a secondary field
        "languages": 12,  # Arabic, but basic: half of 25
        "region": 0,  # France is in another continent than Jordan
        "availability": 10,
        "workload": 10,
    }
    explained = {item.name: [part.explanation for part in item.parts] for item in page.items}
    assert "Speaks Arabic (native)." in explained["Amal"]
    assert any(other.reference in reason and "Busy" in reason for reason in explained["Basma"])
    assert page.total == 4


def test_an_expert_on_a_mission_over_the_dates_cannot_be_confirmed_and_the_message_names_the_clash(factory, roster):
    case = museum_request(factory)
    busy = roster["busy_museum"]
    other = put_on_a_mission(factory, busy, PERIOD[0] + timedelta(days=3))
    factory.fire(case, "plan_mission", planned_start=PERIOD[0].isoformat(), planned_end=PERIOD[1].isoformat())
    factory.fire(case, "propose_experts", experts=[busy.id])
    factory.fire(case, "accept_proposal", actor=busy)
    before = snapshot(case.id)

    with pytest.raises(InvalidData) as refused:
        operations.perform(case, "confirm_expert", factory.manager(), {"expert": busy.id}, case.version)

    message = " ".join(refused.value.errors["expert"])
    assert "Basma cannot be confirmed: Basma is on the mission of" in message
    assert other.reference in message and other.title in message
    db.session.rollback()
    assert snapshot(case.id) == before


def test_an_unavailable_period_over_the_dates_also_prevents_confirming(factory, roster):
    case = museum_request(factory)
    away = roster["arabic_museum"]
    away.profile.unavailability.append(
        Unavailability(starts_on=PERIOD[0], ends_on=PERIOD[0] + timedelta(days=2), reason="Annual leave")
    )
    transaction.commit()
    assert parts_of(ranking.suggest(case), away)["availability"] == -40
    factory.fire(case, "plan_mission", planned_start=PERIOD[0].isoformat(), planned_end=PERIOD[1].isoformat())
    factory.fire(case, "propose_experts", experts=[away.id])
    factory.fire(case, "accept_proposal", actor=away)

    with pytest.raises(InvalidData) as refused:
        operations.perform(case, "confirm_expert", factory.manager(), {"expert": away.id}, case.version)
    assert "Annual leave" in " ".join(refused.value.errors["expert"])


def test_on_a_taiex_request_an_independent_expert_is_ranked_down_and_cannot_be_confirmed(factory):
    independent = expert(
        factory, "Ines", primary_fields=["MUS"], languages={"ar": "native"}, countries=["JO"], public_official=False
    )
    official = expert(factory, "Omar", primary_fields=["MUS"], languages={"ar": "native"}, countries=["JO"])
    case = museum_request(factory, instrument="taiex")

    page = ranking.suggest(case)
    assert [item.name for item in page.items] == ["Omar", "Ines"]
    assert parts_of(page, independent)["eligibility"] == -100
    assert ranking.suggest(case, ranking.Filters(eligible_only=True)).total == 1
    factory.build_team(case, [official])
    factory.fire(case, "propose_experts", experts=[independent.id])
    factory.fire(case, "accept_proposal", actor=independent)

    with pytest.raises(InvalidData) as refused:
        operations.perform(case, "confirm_expert", factory.manager(), {"expert": independent.id}, case.version)
    assert "TAIEX engages public officials only" in " ".join(refused.value.errors["expert"])


def test_mobilising_needs_a_planned_mission_and_a_confirmed_team_with_its_lead(factory, cast):
    case = factory.case("assessed", author=cast.partner)
    manager = cast.manager
    with pytest.raises(TransitionNotAllowed, match="Plan the mission first"):
        operations.perform(case, "mobilise", manager, {"lead_expert": cast.lead_expert.id}, case.version)
    factory.fire(case, "plan_mission", actor=manager)
    with pytest.raises(TransitionNotAllowed, match="No expert of the team is confirmed yet"):
        operations.perform(case, "mobilise", manager, {"lead_expert": cast.lead_expert.id}, case.version)
    db.session.rollback()
    factory.build_team(case, [cast.team_expert])
    with pytest.raises(InvalidData) as refused:
        operations.perform(case, "mobilise", manager, {"lead_expert": cast.lead_expert.id}, case.version)
    assert refused.value.errors == {"lead_expert": ["The lead expert must be a confirmed member of the team."]}
    db.session.rollback()

    factory.fire(case, "mobilise", actor=manager, lead_expert=cast.team_expert.id)

    assert snapshot(case.id).state == "skills_mobilised"
    assert case.lead_expert_id == cast.team_expert.id


def test_a_declined_expert_is_replaced_and_the_replacement_is_asked_in_turn(factory, cast):
    case = factory.case("assessed", author=cast.partner)
    factory.fire(case, "plan_mission")
    factory.fire(case, "propose_experts", experts=[cast.team_expert.id])
    factory.fire(case, "decline_proposal", actor=cast.team_expert, reason="On leave that month.")
    assert case.membership(cast.team_expert.id).decline_reason == "On leave that month."

    factory.fire(case, "replace_expert", expert=cast.team_expert.id, replacement=cast.unrelated_expert.id)

    statuses = {member.expert_id: member.status for member in case.assignments}
    assert statuses == {cast.team_expert.id: TeamStatus.WITHDRAWN, cast.unrelated_expert.id: TeamStatus.PROPOSED}
    assert [event.trigger for event in case.events][-2:] == ["decline_proposal", "replace_expert"]


def test_a_mission_under_way_keeps_its_start_but_cannot_be_re_planned_to_have_ended_already(factory, cast):
    case = factory.cast_case(cast, "skills_mobilised")
    mission = case.mission
    plan = {"mission_format": mission.format, "planned_start": mission.planned_start.isoformat()}
    under_way = datetime.combine(mission.planned_start + timedelta(days=1), time(9), tzinfo=UTC)
    before = snapshot(case.id)

    ended = {**plan, "place": "Sousse", "planned_end": mission.planned_start.isoformat()}
    with pytest.raises(InvalidData) as refused:
        operations.perform(case, "replan_mission", factory.manager(), ended, case.version, at=under_way)
    assert refused.value.errors["planned_end"] == ["This date is in the past."]
    db.session.rollback()
    assert snapshot(case.id) == before

    moved = {**plan, "place": "Sousse", "planned_end": mission.planned_end.isoformat()}
    operations.perform(case, "replan_mission", factory.manager(), moved, case.version, at=under_way)
    assert (case.mission.place, case.mission.planned_start) == ("Sousse", mission.planned_start)


def test_re_planning_keeps_the_confirmations_unless_the_new_dates_clash(factory, cast):
    case = factory.case("assessed", author=cast.partner)
    factory.build_team(case, [cast.team_expert])
    later = TODAY + timedelta(days=200)
    factory.fire(case, "plan_mission", planned_start=later.isoformat(), planned_end=(later + timedelta(4)).isoformat())
    assert case.membership(cast.team_expert.id).status == TeamStatus.CONFIRMED
    other = put_on_a_mission(factory, cast.team_expert, TODAY + timedelta(days=300))
    before = snapshot(case.id)

    clash = TODAY + timedelta(days=301)
    with pytest.raises(InvalidData) as refused:
        operations.perform(
            case,
            "plan_mission",
            factory.manager(),
            step_data("plan_mission", case, planned_start=clash.isoformat(), planned_end=clash.isoformat()),
            case.version,
        )
    assert other.reference in " ".join(refused.value.errors["planned_end"])
    db.session.rollback()
    assert snapshot(case.id) == before


def test_an_expert_finds_the_proposal_in_their_workspace_and_accepts_it_with_the_declaration(factory, cast, signed_in):
    case = factory.case("assessed", author=cast.partner)
    factory.fire(case, "propose_experts", experts=[cast.team_expert.id])
    visitor = signed_in(cast.team_expert)

    workspace = visitor.get("/cases").get_data(as_text=True)
    assert "Proposals waiting for your answer" in text(workspace)
    assert f'href="/cases/{case.id}#action-accept_proposal"' in workspace
    page = visitor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="accept_proposal-no_conflict"' in page

    undeclared = visitor.post(f"/cases/{case.id}/actions/accept_proposal", {"version": case.version})
    assert undeclared.status_code == 422
    assert "Tick the declaration to accept." in text(undeclared.get_data(as_text=True))
    assert case.membership(cast.team_expert.id).status == TeamStatus.PROPOSED

    accepted = visitor.post(
        f"/cases/{case.id}/actions/accept_proposal",
        {"version": case.version, "no_conflict": "y", "declared_interests": "A lecture there in 2021."},
    )
    assert accepted.status_code == 302
    db.session.expire_all()
    member = case.membership(cast.team_expert.id)
    assert (member.status, member.declared_interests) == (TeamStatus.ACCEPTED, "A lecture there in 2021.")
    assert "Proposals waiting for your answer" not in text(visitor.get("/cases").get_data(as_text=True))


def test_the_suggestions_page_proposes_the_ticked_experts(factory, cast, signed_in, roster):
    case = museum_request(factory, author=cast.partner)
    visitor = signed_in(cast.manager)
    page = visitor.get(f"/cases/{case.id}/suggestions")
    assert page.status_code == 200
    html = text(page.get_data(as_text=True))
    assert "Amal" in html and "Speaks Arabic (native)." in html

    response = visitor.post(
        f"/cases/{case.id}/actions/propose_experts",
        {"version": case.version, "experts": [roster["arabic_museum"].id, roster["arabic_archaeology"].id]},
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert {member.expert_id for member in case.members} == {
        roster["arabic_museum"].id,
        roster["arabic_archaeology"].id,
    }
    refused = visitor.post(
        f"/cases/{case.id}/actions/propose_experts", {"version": case.version, "experts": [cast.partner.id]}
    )
    assert refused.status_code == 422
    assert "Only an active expert can be proposed." in text(refused.get_data(as_text=True))


# --- the directory: who sees it, who edits it ------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/experts", "/experts/{expert}", "/experts/{expert}/edit", "/cases/{case}/suggestions"]
)
def test_partners_never_see_the_directory_not_even_for_their_own_request(factory, cast, signed_in, url):
    case = factory.case("assessed", author=cast.partner)
    response = signed_in(cast.partner).get(url.format(expert=cast.team_expert.id, case=case.id))
    assert response.status_code == 404


def test_partners_get_nothing_from_the_experts_api(factory, cast, api):
    case = factory.case("assessed", author=cast.partner)
    client = api(cast.partner)
    assert_problem(client.get("/experts"), 404)
    assert_problem(client.get(f"/experts/{cast.team_expert.id}"), 404)
    assert_problem(client.get(f"/requests/{case.id}/suggestions"), 404)
    assert "members" not in client.get(f"/requests/{case.id}").get_json()


def test_the_api_ranks_with_each_part_and_filters_the_directory(factory, api, roster):
    case = museum_request(factory)
    client = api(factory.manager())

    body = client.get(f"/requests/{case.id}/suggestions").get_json()
    first = body["items"][0]
    assert (first["expert"]["name"], first["score"], first["can_be_confirmed"]) == ("Amal", 100, True)
    assert [part["name"] for part in first["parts"]] == ["field", "languages", "region", "availability", "workload"]
    assert body["total"] == 4 and (body["starts_on"], body["ends_on"]) == tuple(day.isoformat() for day in PERIOD)

    arabic = client.get("/experts", query_string={"language": "ar", "field": "MUS"}).get_json()
    assert sorted(item["name"] for item in arabic["items"]) == ["Amal", "Basma"]
    mashreq = client.get("/experts", query_string={"region": "mashreq"}).get_json()
    assert sorted(item["name"] for item in mashreq["items"]) == ["Amal", "Basma", "Dalia"]
    detail = client.get(f"/experts/{roster['arabic_museum'].id}").get_json()
    assert detail["languages"] == [{"code": "ar", "level": "native"}]
    assert_problem(client.get("/experts", query_string={"region": "atlantis"}), 422)


def test_the_api_s_pages_past_the_last_are_empty_so_that_a_client_reading_them_in_turn_stops(factory, api, roster):
    case = museum_request(factory)
    client = api(factory.manager())

    for address in ("/experts", f"/requests/{case.id}/suggestions"):
        everyone = client.get(address, query_string={"per_page": 2}).get_json()
        assert everyone["total"] > 2 and everyone["pages"] == 2, address
        read, page = [], 1
        while items := client.get(address, query_string={"per_page": 2, "page": page}).get_json()["items"]:
            read += items
            page += 1
        assert page == 3 and len(read) == everyone["total"], address
        past = client.get(address, query_string={"per_page": 2, "page": 10000}).get_json()
        assert (past["items"], past["page"], past["total"]) == ([], 10000, everyone["total"]), address


def test_the_directory_filters_by_availability_over_a_period(factory, signed_in, roster):
    put_on_a_mission(factory, roster["busy_museum"], PERIOD[0])
    visitor = signed_in(factory.manager())
    free = text(
        visitor.get(
            "/experts",
            query_string={"field": "MUS", "free_from": PERIOD[0].isoformat(), "free_to": PERIOD[1].isoformat()},
        ).get_data(as_text=True)
    )
    assert "Amal" in free and "Basma" not in free


def test_an_expert_edits_their_own_profile_and_nobody_else_s(factory, cast, signed_in):
    visitor = signed_in(cast.team_expert)
    form = {
        "primary_fields": ["MUS"],
        "secondary_fields": ["ARC"],
        "languages-0-language": "ar",
        "languages-0-level": "fluent",
        "countries": ["JO", "LB"],
        "regions": ["mashreq"],
        "institution": "operator",
        "department": "Louvre",
        "public_official": "y",
        "seniority": "senior",
        "max_concurrent_missions": "3",
        "biography": "Conservator.",
    }
    saved = visitor.post(f"/experts/{cast.team_expert.id}/edit", form)
    assert saved.status_code == 302
    db.session.expire_all()
    profile = cast.team_expert.profile
    assert (profile.primary_fields, profile.secondary_fields, profile.language_levels) == (
        ["MUS"],
        ["ARC"],
        {"ar": "fluent"},
    )
    assert visitor.post(f"/experts/{cast.lead_expert.id}/edit", form).status_code == 403
    both = visitor.post(f"/experts/{cast.team_expert.id}/edit", {**form, "secondary_fields": ["MUS"]})
    assert both.status_code == 422
    assert "A field is either primary or secondary, not both." in text(both.get_data(as_text=True))
    no_level = visitor.post(f"/experts/{cast.team_expert.id}/edit", {**form, "languages-0-level": ""})
    assert "Choose the level for this language." in text(no_level.get_data(as_text=True))


def test_a_deactivated_expert_is_neither_suggested_nor_proposed(factory, cast, signed_in):
    case = factory.case("assessed", author=cast.partner)
    manager = signed_in(cast.manager)
    assert (
        signed_in(cast.lead_expert).post(f"/experts/{cast.team_expert.id}/active", {"active": "0"}).status_code == 403
    )

    assert manager.post(f"/experts/{cast.team_expert.id}/active", {"active": "0"}).status_code == 302

    db.session.expire_all()
    assert cast.team_expert.id not in [item.expert_id for item in ranking.suggest(case, per_page=100).items]
    with pytest.raises(InvalidData):
        operations.perform(case, "propose_experts", cast.manager, {"experts": [cast.team_expert.id]}, case.version)


def test_a_partner_or_manager_account_is_not_an_expert_to_propose(factory, cast):
    case = factory.case("assessed", author=cast.partner)
    for person in (cast.partner, cast.manager):
        with pytest.raises(InvalidData) as refused:
            operations.perform(case, "propose_experts", cast.manager, {"experts": [person.id]}, case.version)
        assert refused.value.errors == {"experts": ["Only an active expert can be proposed."]}
        db.session.rollback()


# --- what the outside review found -------------------------------------------------------------


def test_an_expert_cannot_make_themselves_a_public_official_nor_raise_their_limit(factory, cast, signed_in):
    independent = expert(factory, "Ines", primary_fields=["MUS"], public_official=False, institution="independent")
    form = {
        "primary_fields": ["MUS"],
        "languages-0-language": "ar",
        "languages-0-level": "native",
        "institution": "central_service",
        "public_official": "y",
        "seniority": "senior",
        "max_concurrent_missions": "20",
    }
    assert signed_in(independent).post(f"/experts/{independent.id}/edit", form).status_code == 302
    db.session.expire_all()
    profile = independent.profile
    assert (profile.institution, profile.public_official, profile.max_concurrent_missions) == ("independent", False, 2)
    assert profile.language_levels == {"ar": "native"}  # the rest of the form was saved

    assert signed_in(cast.manager).post(f"/experts/{independent.id}/edit", form).status_code == 302
    db.session.expire_all()
    assert (profile.institution, profile.public_official, profile.max_concurrent_missions) == (
        "central_service",
        True,
        20,
    )


def test_mobilising_checks_the_confirmed_team_again(factory, cast, signed_in):
    case = factory.case("assessed", author=cast.partner)
    factory.build_team(case, [cast.team_expert])
    assert signed_in(cast.manager).post(f"/experts/{cast.team_expert.id}/active", {"active": "0"}).status_code == 302
    db.session.expire_all()

    with pytest.raises(InvalidData) as refused:
        operations.perform(case, "mobilise", cast.manager, step_data("mobilise", case), case.version)

    assert "is deactivated" in " ".join(refused.value.errors["lead_expert"])


def test_a_deactivated_expert_or_one_at_their_limit_cannot_be_confirmed(factory, cast):
    limited = expert(factory, "Lina", primary_fields=["MUS"], max_concurrent_missions=1)
    put_on_a_mission(factory, limited, TODAY + timedelta(days=500))
    case = factory.case("assessed", author=cast.partner)
    factory.fire(case, "plan_mission")
    factory.fire(case, "propose_experts", experts=[limited.id, cast.team_expert.id])
    factory.fire(case, "accept_proposal", actor=limited)
    factory.fire(case, "accept_proposal", actor=cast.team_expert)
    cast.team_expert.profile.active = False
    transaction.commit()

    at_limit = "already has 1 missions ahead, the most their profile allows: a manager can raise this limit"
    for member, says in ((limited, at_limit), (cast.team_expert, "is deactivated")):
        with pytest.raises(InvalidData) as refused:
            operations.perform(case, "confirm_expert", cast.manager, {"expert": member.id}, case.version)
        assert says in " ".join(refused.value.errors["expert"])
        db.session.rollback()
    limited_item = next(item for item in ranking.suggest(factory.case("assessed")).items if item.name == "Lina")
    assert (limited_item.at_limit, limited_item.can_be_confirmed) == (True, False)


@pytest.mark.parametrize("replacement", ["abc", "1.5", "", "99999999999"])
def test_a_replacement_that_is_not_an_expert_id_is_refused_with_a_message(factory, cast, api, replacement):
    case = factory.case("assessed", author=cast.partner)
    factory.fire(case, "propose_experts", experts=[cast.team_expert.id])
    factory.fire(case, "decline_proposal", actor=cast.team_expert)
    before = snapshot(case.id)
    response = api(cast.manager).fire(
        case.id, "replace_expert", case.version, expert=cast.team_expert.id, replacement=replacement
    )
    assert_problem(response, 422)
    assert "replacement" in response.get_json()["errors"]
    assert snapshot(case.id) == before


def test_a_planned_mission_with_nobody_confirmed_says_so_under_its_team(factory, cast, signed_in):
    case = factory.case("assessed", author=cast.partner)
    factory.fire(case, "plan_mission")
    manager = signed_in(cast.manager)

    def mission_box() -> str:
        page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
        return text(page.split('id="mission-title"', 1)[1].split("</dl>", 1)[0])

    assert "Confirmed team Nobody is confirmed yet. Format" in mission_box()
    factory.build_team(case, [cast.team_expert])
    assert f"Confirmed team {cast.team_expert.name} lead Format" in mission_box()


def test_the_history_of_the_team_reads_as_a_record_not_as_the_form_that_wrote_it(factory, cast):
    """The labels speak to whoever fills the form in: in the history, "Why you cannot join" headed another
    expert's reason, a past proposal read "Experts to propose" and an acceptance repeated the whole
    declaration before its "Yes"."""
    case = factory.case("assessed", author=cast.partner)
    factory.fire(case, "propose_experts", experts=[cast.team_expert.id, cast.unrelated_expert.id])
    factory.fire(case, "accept_proposal", actor=cast.team_expert)
    factory.fire(case, "decline_proposal", actor=cast.unrelated_expert, reason="I am on leave then.")
    events = db.session.scalars(sa.select(Event).where(Event.request_id == case.id).order_by(Event.id)).all()

    read = {event.trigger: presenters.describe(event, cast.manager) for event in events}

    assert read["propose_experts"][1][0][:2] == (
        "Experts",
        f"\u2068{cast.team_expert.name}\u2069 and \u2068{cast.unrelated_expert.name}\u2069",  # each name isolated
    )
    assert read["accept_proposal"][1][0][:2] == ("No conflict of interest declared", "Yes")
    assert read["decline_proposal"][1][0][:2] == ("Reason", "I am on leave then.")


def test_an_expert_asked_to_join_hears_before_accepting_what_would_keep_the_lead_from_confirming_them(
    factory, cast, signed_in
):
    """Accepting said nothing of the expert's mission over the same dates; the lead's confirmation was then refused."""
    case = factory.case("assessed", author=cast.partner)
    start = TODAY + timedelta(days=120)
    end = start + timedelta(days=4)
    factory.fire(case, "plan_mission", planned_start=start.isoformat(), planned_end=end.isoformat())
    factory.fire(case, "propose_experts", experts=[cast.unrelated_expert.id, cast.proposed_expert.id])
    other = put_on_a_mission(factory, cast.unrelated_expert, start + timedelta(days=2))

    busy = text(signed_in(cast.unrelated_expert).get(f"/cases/{case.id}").get_data(as_text=True))
    free = text(signed_in(cast.proposed_expert).get(f"/cases/{case.id}").get_data(as_text=True))

    assert "Before you accept: the lead cannot confirm you while this holds." in busy
    # The reference and the title set apart from the sentence (unseen), which reads in either direction.
    assert f"{cast.unrelated_expert.name} is on the mission of \u2068{other.reference}\u2069" in busy
    assert "Before you accept" not in free and "Accept" in free


@pytest.mark.parametrize(
    ("language", "answers"),
    [("en", ["Accepted", "Declined"]), ("fr", ["A accepté", "A décliné"]), ("ar", ["قَبِل", "اعتذر"])],
)
def test_what_each_expert_answered_is_said_of_a_person_not_of_a_request(factory, cast, signed_in, language, answers):
    """ "Declined" is one English word for a request the ministry declined and an expert who declined to join:
    Arabic read the expert as rejected (مرفوض), French as a declined request (Refusée)."""
    case = factory.case("assessed", author=cast.partner)
    factory.fire(case, "propose_experts", experts=[cast.team_expert.id, cast.unrelated_expert.id])
    factory.fire(case, "accept_proposal", actor=cast.team_expert)
    factory.fire(case, "decline_proposal", actor=cast.unrelated_expert, reason="I am on leave then.")

    page = signed_in(cast.manager).get(f"/cases/{case.id}", headers={"Accept-Language": language})
    statuses = re.findall(r'<span class="team-status team-(\w+)">([^<]+)</span>', page.get_data(as_text=True))

    assert sorted(statuses) == sorted(zip(["accepted", "declined"], answers, strict=True))


def test_the_partner_sees_the_team_and_the_plan_only_once_mobilised(factory, cast, signed_in, api):
    case = factory.case("assessed", author=cast.partner)
    factory.build_team(case, [cast.team_expert])
    partner = signed_in(cast.partner)

    html = partner.get(f"/cases/{case.id}").get_data(as_text=True)
    body = api(cast.partner).get(f"/requests/{case.id}").get_json()
    assert cast.team_expert.name not in text(html)
    assert 'id="mission-title"' not in html
    assert (body["team"], body["team_lead"], body["mission"]) == ([], None, None)
    assert [event["trigger"] for event in body["history"]] == ["submit", "assess"]

    factory.fire(case, "mobilise")

    html = partner.get(f"/cases/{case.id}").get_data(as_text=True)
    body = api(cast.partner).get(f"/requests/{case.id}").get_json()
    assert cast.team_expert.name in text(html)
    assert 'id="mission-title"' in html
    assert body["team"] == [{"id": cast.team_expert.id, "name": cast.team_expert.name}]
    assert body["team_lead"] == {"id": cast.team_expert.id, "name": cast.team_expert.name}  # as the page tags them
    assert body["history"][-1]["data"]["place"] == "Tunis"


def test_nothing_of_the_team_moves_while_the_request_is_on_hold(factory, cast):
    case = factory.case("assessed", author=cast.partner)
    factory.fire(case, "hold")
    with pytest.raises(TransitionNotAllowed, match="on hold"):
        operations.perform(case, "propose_experts", cast.manager, {"experts": [cast.team_expert.id]}, case.version)


def test_withdrawing_from_the_team_never_offers_the_lead(factory, cast, signed_in):
    """The lead stays on the team: offered alone in the list, they were refused once chosen."""
    case = factory.case("assessed", author=cast.partner)
    factory.assign_lead(case, cast.team_expert)
    factory.fire(case, "propose_experts", experts=[cast.team_expert.id])
    manager = signed_in(cast.manager)

    assert "withdraw_proposal" not in offered_actions(manager.get(f"/cases/{case.id}").get_data(as_text=True))
    with pytest.raises(TransitionNotAllowed, match="Nobody but the lead expert is proposed for the team"):
        operations.perform(case, "withdraw_proposal", cast.manager, {"expert": cast.team_expert.id}, case.version)

    factory.fire(case, "propose_experts", experts=[cast.unrelated_expert.id])
    page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
    form = page.split(f'action="/cases/{case.id}/actions/withdraw_proposal"', 1)[1].split("</form>", 1)[0]
    assert re.findall(r'<option[^>]* value="(\d*)"', form) == ["", str(cast.unrelated_expert.id)]


def test_the_lead_who_declined_is_not_replaced_behind_the_manager_s_back(factory, cast):
    case = factory.case("assessed", author=cast.partner)
    factory.assign_lead(case, cast.team_expert)
    factory.fire(case, "propose_experts", experts=[cast.team_expert.id])
    factory.fire(case, "decline_proposal", actor=cast.team_expert)
    data = {"expert": cast.team_expert.id, "replacement": cast.unrelated_expert.id}
    with pytest.raises(InvalidData) as refused:
        operations.perform(case, "replace_expert", cast.manager, data, case.version)
    assert refused.value.errors == {"expert": ["The lead expert stays on the team: name another lead first."]}


def test_an_expert_s_languages_are_listed_as_the_reader_s_language_lists_them(factory, signed_in):
    """The directory joined languages with a Latin comma in Arabic too: each language's own list pattern."""
    expert(factory, "Salma", languages={"fr": "native", "ar": "fluent", "en": "working"})
    lists = {
        locale: text(signed_in(factory.manager(locale=locale)).get("/experts?q=Salma").get_data(as_text=True))
        for locale in ("en", "ar")
    }

    assert "Arabic (Fluent), English (Working knowledge), and French (Native)" in lists["en"]
    assert "العربية (إتقان) والإنجليزية (مستوى عملي) والفرنسية (لغة أم)" in lists["ar"]  # no Latin comma
