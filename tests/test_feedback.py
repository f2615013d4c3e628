"""The partner's feedback after delivery: once per case, a rating per expert, shown on the case,
on each expert's profile and in the suggestions; a reminder after 14 days without it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from expertise_app.cases import operations
from expertise_app.db_types import utcnow
from expertise_app.extensions import db
from expertise_app.feedback.models import ExpertRating, MissionFeedback
from expertise_app.notifications.models import Notification
from expertise_app.notifications.services import remind_feedback

from .conftest import assert_problem
from .factories import count, step_data
from .pages import text

SCORES = {
    "score_objectives": "5",
    "score_knowledge": "4",
    "score_experts": "5",
    "score_organisation": "3",
    "score_use": "4",
    "score_further_support": "2",
}


def test_after_delivery_the_partner_rates_the_mission_and_its_experts(factory, cast, signed_in):
    case = factory.cast_case(cast, "mission_delivered")
    partner = signed_in(cast.partner)
    page = partner.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'action="/cases/{case.id}/actions/give_feedback"' in page

    response = partner.post(
        f"/cases/{case.id}/actions/give_feedback",
        {**SCORES, "comments": "Très utile.", "version": case.partner_version},
    )
    assert response.status_code == 302
    feedback = db.session.get(MissionFeedback, case.id)
    assert (feedback.objectives, feedback.organisation, feedback.further_support) == (5, 3, 2)
    partner.post(
        f"/cases/{case.id}/actions/rate_expert",
        {"expert": cast.lead_expert.id, "score": "5", "comment": "Remarquable.", "version": case.partner_version},
    )
    partner.post(
        f"/cases/{case.id}/actions/rate_expert",
        {"expert": cast.team_expert.id, "score": "3", "comment": "", "version": case.partner_version},
    )
    assert count(ExpertRating) == 2
    history = text(partner.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Rating 5 – excellent" in history and "Rating 3 – fair" in history  # an expert is good, not "fully"

    manager = signed_in(cast.manager)
    case_page = text(manager.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Feedback on the mission" in case_page and "Très utile." in case_page and "Remarquable." in case_page
    profile = text(manager.get(f"/experts/{cast.lead_expert.id}").get_data(as_text=True))
    assert "Ratings by partners 5 / 5 · 1 rating" in profile
    assert f"{case.reference} {case.title} · 5 / 5 · Remarquable." in profile  # which mission, by its title too
    team_profile = text(manager.get(f"/experts/{cast.team_expert.id}").get_data(as_text=True))
    assert "Ratings by partners 3 / 5 · 1 rating" in team_profile
    overview_html = manager.get("/dashboard").get_data(as_text=True)
    assert "Average of 1 questionnaire" in text(overview_html)
    # The ministry reads each question's average as a measure, not as a question put to it.
    feedback_box = text(overview_html.split('id="feedback-title"', 1)[1].split("</section>", 1)[0])
    assert "Objectives achieved 5" in feedback_box and "Further support needed 2" in feedback_box
    assert "You need further support" not in feedback_box and "Your team" not in feedback_box
    assert overview_html.count('id="feedback-title"') == 1
    assert "<section" not in overview_html.split("<title>", 1)[1].split("</title>", 1)[0]


def test_feedback_is_given_once_and_each_expert_is_rated_once(factory, cast, api):
    case = factory.cast_case(cast, "closed")
    client = api(cast.partner)
    assert client.fire(case.id, "give_feedback", case.partner_version, **SCORES).status_code == 200
    db.session.expire_all()
    assert_problem(client.fire(case.id, "give_feedback", case.partner_version, **SCORES), 409)
    assert (
        client.fire(case.id, "rate_expert", case.partner_version, expert=cast.lead_expert.id, score="4").status_code
        == 200
    )
    db.session.expire_all()
    problem = assert_problem(
        client.fire(case.id, "rate_expert", case.partner_version, expert=cast.lead_expert.id, score="2"), 422
    )
    assert "not rated yet" in problem["errors"]["expert"][0]
    # someone outside the team cannot be rated
    problem = assert_problem(
        client.fire(case.id, "rate_expert", case.partner_version, expert=cast.unrelated_expert.id, score="2"), 422
    )
    assert (count(MissionFeedback), count(ExpertRating)) == (1, 1)


@pytest.mark.parametrize("bad", ["0", "6", "", "five"])
def test_a_score_outside_1_to_5_is_refused(factory, cast, api, bad):
    case = factory.cast_case(cast, "mission_delivered")
    problem = assert_problem(
        api(cast.partner).fire(case.id, "give_feedback", case.partner_version, **{**SCORES, "score_use": bad}), 422
    )
    assert set(problem["errors"]) == {"score_use"}
    assert count(MissionFeedback) == 0


def test_staff_and_other_partners_cannot_give_the_partners_feedback(factory, cast, api):
    case = factory.cast_case(cast, "mission_delivered")
    assert_problem(api(cast.manager).fire(case.id, "give_feedback", case.partner_version, **SCORES), 403)
    assert_problem(api(cast.other_partner).fire(case.id, "give_feedback", case.partner_version, **SCORES), 404)


def test_ratings_break_ties_in_the_suggestions(factory, cast, api):
    # Three identical experts (by name they would come A, M, Z): well rated first, unrated, poorly rated.
    poor = factory.expert(name="Anne Ziegler")
    unrated = factory.expert(name="Marc Martin")
    good = factory.expert(name="Zoé Abadie")
    delivered = factory.cast_case(cast, "mission_delivered")
    db.session.add(ExpertRating(request_id=delivered.id, expert_id=good.id, author_id=cast.partner.id, score=5))
    db.session.add(ExpertRating(request_id=delivered.id, expert_id=poor.id, author_id=cast.partner.id, score=2))
    db.session.commit()
    case = factory.cast_case(cast, "assessed")
    items = api(cast.manager).get(f"/requests/{case.id}/suggestions?per_page=100").get_json()["items"]
    trio = (poor.id, unrated.id, good.id)
    order = [item["expert"]["id"] for item in items if item["expert"]["id"] in trio]
    assert order == [good.id, unrated.id, poor.id]
    first, second = poor, good
    ratings = {item["expert"]["id"]: (item["rating"], item["ratings"]) for item in items}
    assert ratings[second.id] == (5.0, 1) and ratings[first.id] == (2.0, 1) and ratings[unrated.id] == (None, 0)


def test_a_reminder_goes_out_once_14_days_after_delivery_without_feedback(factory, cast):
    case = factory.cast_case(cast, "mission_delivered")
    rated = factory.cast_case(cast, "mission_delivered")
    factory.fire(rated, "give_feedback", actor=cast.partner)
    now = utcnow()
    assert remind_feedback(now + timedelta(days=13)) == 0
    assert remind_feedback(now + timedelta(days=15)) == 1
    db.session.commit()
    reminders = Notification.query.filter_by(kind="feedback_reminder").all()
    assert {(n.user_id, n.request_id) for n in reminders} == {(cast.partner.id, case.id)}
    assert remind_feedback(now + timedelta(days=20)) == 0  # once


def test_feedback_through_the_service_needs_the_delivered_state(factory, cast):
    case = factory.cast_case(cast, "skills_mobilised")
    with pytest.raises(operations.TransitionNotAllowed):
        operations.perform(case, "give_feedback", cast.partner, step_data("give_feedback", case), case.partner_version)
