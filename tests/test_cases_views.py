"""The pages of each role, used through a visitor that posts forms with their CSRF token."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from html import unescape

import pytest

from expertise_app.cases import operations
from expertise_app.cases.models import Event, ExpertiseRequest
from expertise_app.cases.workflow import ACTIONS
from expertise_app.db_types import utcnow
from expertise_app.extensions import db

from .factories import Cast, Factory, count, request_data, snapshot, step_data
from .matrix import ACTIONS as PINNED
from .matrix import (
    EDGES,
    NAMES,
    RELATIONS,
    STAFF_AND_OWN_PARTNER,
    STATES,
    allowed_actions,
    combination_id,
)
from .matrix import PARTNER_READS as PINNED_PARTNER_READS
from .pages import form_posting_to, forms, offered_actions, references, text


def case_url(case_id: int, action: str = "") -> str:
    return f"/cases/{case_id}{action}"


def action_url(case_id: int, name: str) -> str:
    return case_url(case_id, f"/actions/{name}")


def post_action(visitor, case_id: int, name: str, data: dict):
    """Post the form that performs `name`, as shown on the request page or on the action's own
    page (for those that close a request, and the suggestions for the team), with the version
    that page shows."""
    page = visitor.get(case_url(case_id)).get_data(as_text=True)
    if action_url(case_id, name) not in [form.action for form in forms(page)]:
        page = visitor.get(action_url(case_id, name), follow_redirects=True).get_data(as_text=True)
    form = form_posting_to(page, action_url(case_id, name))
    return visitor.post(action_url(case_id, name), {**data, "version": form.value("version")}, token_from="/cases")


# --- signing in lands each role in its workspace ----------------------------------------


# What tells each workspace apart: the partner's list offers to file a request, the
# queue filters by field, the overview counts requests per state.
WORKSPACES = {
    "partner": ("/cases", 'href="/cases/new"', 'id="filter-field"'),
    "expert": ("/cases", 'id="filter-field"', 'href="/cases/new"'),
    "manager": ("/dashboard", 'id="filter-continent"', 'href="/cases/new"'),
}


@pytest.mark.parametrize("role", list(WORKSPACES))
def test_signing_in_lands_each_role_in_its_workspace(factory, visitor, role):
    workspace, present, absent = WORKSPACES[role]
    user = factory.user(role)
    response = visitor.login(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == workspace
    assert visitor.get("/").headers["Location"] == workspace
    page = visitor.get(workspace)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert present in html
    assert absent not in html


def test_the_partner_list_is_their_organisation_s_and_the_expert_queue_is_everyone_s(factory, signed_in):
    partner = factory.partner()
    colleague = factory.partner(organisation=partner.organisation)
    own = [factory.case(author=partner), factory.case("assessed", author=colleague)]
    other = factory.case()

    partner_page = signed_in(partner).get("/cases").get_data(as_text=True)
    queue = signed_in(factory.expert()).get("/cases?view=all").get_data(as_text=True)

    assert sorted(references(partner_page)) == sorted(case.reference for case in own)
    assert sorted(references(queue)) == sorted(case.reference for case in [*own, other])


# --- filing a request -------------------------------------------------------------------


def test_a_partner_files_a_request_through_the_form(factory, signed_in):
    partner = factory.partner()
    visitor = signed_in(partner)
    assert visitor.get("/cases/new").status_code == 200

    visitor.get("/cases/new")
    key = form_posting_to(visitor.get("/cases/new").get_data(as_text=True), "").value("submission_key")
    response = visitor.post(
        "/cases/new", {**request_data(title="Inventory of the national museum's textiles"), "submission_key": key}
    )

    assert response.status_code == 302
    case = db.session.scalars(db.select(ExpertiseRequest)).one()
    assert response.headers["Location"] == case_url(case.id)
    assert (case.state, case.organisation_id, case.author_id) == ("submitted", partner.organisation_id, partner.id)
    assert case.title == "Inventory of the national museum's textiles"
    assert case.working_languages == ["fr", "ar"]
    assert [event.trigger for event in case.events] == ["submit"]
    page = visitor.get(case_url(case.id)).get_data(as_text=True)
    assert case.reference in page
    assert 'class="flash flash-success"' in page
    assert references(visitor.get("/cases").get_data(as_text=True)) == [case.reference]


@pytest.mark.parametrize("role", ["expert", "manager"])
def test_only_partners_may_file_a_request(factory, signed_in, role):
    visitor = signed_in(factory.user(role))
    assert visitor.get("/cases/new").status_code == 403
    assert visitor.post("/cases/new", request_data(), token_from="/cases").status_code == 403
    assert count(ExpertiseRequest) == 0


# --- the request page offers exactly what the user may do -----------------------------


@pytest.mark.parametrize("actor", STAFF_AND_OWN_PARTNER)
@pytest.mark.parametrize("state", STATES)
def test_the_request_page_offers_only_the_actions_the_user_may_perform(factory, cast, signed_in, state, actor):
    case = factory.cast_case(cast, state)
    page = signed_in(cast[actor]).get(case_url(case.id))
    assert page.status_code == 200
    html = page.get_data(as_text=True)

    assert sorted(offered_actions(html)) == sorted(allowed_actions(state, actor))


def test_a_step_whose_guard_fails_is_not_offered_and_posting_it_says_why(factory, cast, signed_in):
    case = factory.cast_case(cast, "skills_mobilised")
    db.session.delete(case.mission)
    db.session.commit()
    before = snapshot(case.id)
    visitor = signed_in(cast.manager)
    html = visitor.get(case_url(case.id)).get_data(as_text=True)
    assert "deliver" not in offered_actions(html)

    response = visitor.post(
        action_url(case.id, "deliver"),
        {**step_data("deliver", case), "version": before.version},
        token_from="/cases",
    )

    assert response.status_code == 409
    assert "No mission has been planned for this request." in text(response.get_data(as_text=True))
    assert snapshot(case.id) == before


# The people who would naturally perform each action (the manager may perform most).
NATURAL_ACTOR = {
    "assess": "unrelated_expert",
    "decline": "manager",
    "redirect": "manager",
    "mobilise": "lead_expert",
    "deliver": "team_expert",
    "close": "lead_expert",
    "withdraw": "partner",
    "take": "unrelated_expert",
    "assign_lead": "manager",
    "hand_over_lead": "manager",
    "ask_partner": "unrelated_expert",
    "answer": "partner",
    "cancel_question": "lead_expert",
    "hold": "manager",
    "resume": "manager",
    "edit": "partner",
    "post_message": "partner",
    "post_note": "unrelated_expert",
    "plan_mission": "lead_expert",
    "replan_mission": "lead_expert",
    "propose_experts": "lead_expert",
    "accept_proposal": "proposed_expert",
    "decline_proposal": "proposed_expert",
    "confirm_expert": "lead_expert",
    "add_to_team": "lead_expert",
    "remove_from_team": "manager",
    "withdraw_proposal": "manager",
    "replace_expert": "lead_expert",
    "give_feedback": "partner",
    "rate_expert": "partner",
}
# The history's title for each action (what people read there), written out here.
HISTORY_TITLES = {
    "assess": "Assessed",
    "decline": "Declined",
    "redirect": "Redirected",
    "mobilise": "Team mobilised",
    "deliver": "Mission delivered",
    "close": "Closed",
    "withdraw": "Withdrawn",
    "take": "Request taken on",
    "assign_lead": "Lead expert assigned",
    "hand_over_lead": "Lead expert changed",
    "ask_partner": "Question to the partner",
    "answer": "Answer from the partner",
    "cancel_question": "Question withdrawn",
    "hold": "Put on hold",
    "resume": "Resumed",
    "edit": "Request edited",
    "post_message": "Message",
    "post_note": "Internal note",
    "plan_mission": "Mission planned",
    "replan_mission": "Mission plan changed",
    "propose_experts": "Experts proposed",
    "accept_proposal": "Proposal accepted",
    "decline_proposal": "Proposal declined",
    "confirm_expert": "Expert confirmed",
    "add_to_team": "Expert joined the team",
    "remove_from_team": "Expert left the team",
    "withdraw_proposal": "Withdrawn from the team",
    "replace_expert": "Expert replaced",
    "give_feedback": "Feedback on the mission",
    "rate_expert": "Expert rated",
}
# What a partner reads instead for the steps that move a request on: the words of their list and of
# the stepper above the history, not the ministry's.
PARTNER_HISTORY_TITLES = HISTORY_TITLES | {
    "assess": "Accepted",
    "mobilise": "Experts found",
    "deliver": "Mission done",
    # and the exchange of a question from their side of it
    "ask_partner": "Question from the ministry",
    "answer": "Answer to the ministry",
}
# A value of each action the partner reads in the history, and one that stays internal.
PARTNER_READS = {
    "decline": "reason",
    "redirect": "destination_detail",
    "close": "closing_summary",
    "withdraw": "reason",
    "ask_partner": "question",
    "answer": "answer",
    "cancel_question": "reason",
    "hold": "reason",
    "resume": "note",
    "edit": "title",
    "replan_mission": "place",
}
STAFF_ONLY = {"assess": "eligibility_notes", "remove_from_team": "reason"}


@pytest.mark.parametrize(("state", "name"), EDGES, ids=combination_id)
def test_each_action_posted_through_the_page_does_its_work_and_shows_on_the_timelines(
    factory, cast, signed_in, state, name
):
    case = factory.ready_for(factory.cast_case(cast, state), name, cast.manager)
    before = snapshot(case.id)
    _sources, dest, who, _outcome = PINNED[name]
    actor = NATURAL_ACTOR[name]
    assert RELATIONS[actor] & who
    data = step_data(name, case, team=cast.team)
    visitor = signed_in(cast[actor])

    response = post_action(visitor, case.id, name, data)

    assert response.status_code == 302, text(response.get_data(as_text=True))
    assert response.headers["Location"] == case_url(case.id)
    after = snapshot(case.id)
    assert after.state == (dest or state)
    assert after.events[:-1] == before.events
    assert after.events[-1][1] == name
    staff_page = signed_in(cast.manager).get(case_url(case.id)).get_data(as_text=True)
    assert HISTORY_TITLES[name] in text(staff_page.split('id="history-title"', 1)[1])

    partner_page = signed_in(cast.partner).get(case_url(case.id)).get_data(as_text=True)
    history = text(partner_page.split('id="history-title"', 1)[1])
    if PINNED_PARTNER_READS[name] is None:  # an internal entry
        assert HISTORY_TITLES[name] not in history
    else:
        assert PARTNER_HISTORY_TITLES[name] in history
        if PARTNER_HISTORY_TITLES[name] != HISTORY_TITLES[name]:
            assert HISTORY_TITLES[name] not in history
    if name in PARTNER_READS:
        assert data[PARTNER_READS[name]] in history
    if name in STAFF_ONLY:
        assert data[STAFF_ONLY[name]] not in partner_page


def test_internal_notes_stay_with_the_ministry(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    notes = step_data("assess", case)["eligibility_notes"]

    staff_page = signed_in(cast.unrelated_expert).get(case_url(case.id)).get_data(as_text=True)
    partner_page = signed_in(cast.partner).get(case_url(case.id)).get_data(as_text=True)

    assert notes in staff_page
    assert notes not in partner_page


# --- transitions refused through the page ------------------------------------------------


def _wrong_state(name: str) -> str:
    return next(state for state in STATES if state not in PINNED[name][0])


def _wrong_actor(name: str) -> str:
    return next(actor for actor in STAFF_AND_OWN_PARTNER if not RELATIONS[actor] & PINNED[name][2])


REFUSED_THROUGH_THE_PAGE = [
    *[
        (_wrong_state(name), name, "manager", 409, "is not possible while the request is")
        for name in NAMES
        if set(STATES) - set(PINNED[name][0])  # a message can be written in every state
    ],
    *[
        (PINNED[name][0][0], name, _wrong_actor(name), 403, "only ")
        for name in NAMES
        if any(not RELATIONS[actor] & PINNED[name][2] for actor in STAFF_AND_OWN_PARTNER)  # anyone may write
    ],
]


@pytest.mark.parametrize(("state", "name", "actor", "status", "says"), REFUSED_THROUGH_THE_PAGE, ids=combination_id)
def test_an_action_not_allowed_posted_through_the_page_changes_nothing_and_says_why(
    factory, cast, signed_in, state, name, actor, status, says
):
    case = factory.cast_case(cast, state)
    if state in PINNED[name][0]:
        factory.ready_for(case, name, cast.manager)
    before = snapshot(case.id)
    visitor = signed_in(cast[actor])

    response = visitor.post(
        action_url(case.id, name),
        {**step_data(name, case, team=cast.team), "version": before.version_seen_by(cast[actor])},
        token_from="/cases",
    )

    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert says in text(html)
    assert str(ACTIONS[name].label) in text(html)
    assert case.reference in html  # the request page, so the user can see why and go on
    assert snapshot(case.id) == before


def test_a_form_from_a_page_that_is_out_of_date_is_refused_as_stale(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    manager = signed_in(cast.manager)
    old_page = manager.get(case_url(case.id)).get_data(as_text=True)
    old_version = form_posting_to(old_page, action_url(case.id, "hold")).value("version")
    partner = signed_in(cast.partner)
    assert post_action(partner, case.id, "withdraw", step_data("withdraw", case)).status_code == 302
    before = snapshot(case.id)

    response = manager.post(
        action_url(case.id, "decline"),
        {**step_data("decline", case), "version": old_version},
        token_from="/cases",
    )

    assert response.status_code == 409
    assert "This request has changed since your page was loaded" in text(response.get_data(as_text=True))
    assert snapshot(case.id) == before
    assert (before.state, before.outcome) == ("closed", "withdrawn")


@pytest.mark.parametrize("version", [None, "", "abc", "1.5"], ids=["absent", "empty", "a-word", "a-fraction"])
def test_a_form_without_a_version_it_was_made_from_is_bad_input_and_changes_nothing(factory, cast, signed_in, version):
    case = factory.cast_case(cast, "submitted")
    before = snapshot(case.id)
    data = step_data("decline", case) | ({} if version is None else {"version": version})

    response = signed_in(cast.manager).post(action_url(case.id, "decline"), data, token_from="/cases")

    assert response.status_code == 422
    assert "The form did not say which version of the request it was made from" in text(response.get_data(as_text=True))
    assert snapshot(case.id) == before


def test_an_unknown_action_is_not_found(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    before = snapshot(case.id)
    response = signed_in(cast.manager).post(
        action_url(case.id, "approve"), {"version": before.version}, token_from="/cases"
    )
    assert response.status_code == 404
    assert snapshot(case.id) == before


# --- the queue: filters and pages --------------------------------------------------------

QUEUE = [
    {"key": "medina", "state": "submitted", "field": "HER", "country": "TN", "title": "Restoring the MEDINA walls"},
    {"key": "museum", "state": "assessed", "field": "MUS", "country": "MA", "title": "Museum inventory 100% online"},
    {"key": "archives", "state": "closed", "field": "HER", "country": "SN", "title": "Saving the colonial archives"},
    {"key": "festival", "state": "submitted", "field": "PER", "country": "TN", "title": "A festival for the medina"},
    {"key": "library", "state": "skills_mobilised", "field": "BOO", "country": "JO", "title": "Library of Irbid"},
]
LEAD = {"medina", "archives"}  # the signed-in expert leads these
TEAM = {"library"}  # and is on this team without leading it

FILTERS = [
    ("state=submitted", lambda c: c["state"] == "submitted"),
    ("state=closed", lambda c: c["state"] == "closed"),
    ("field=HER", lambda c: c["field"] == "HER"),
    ("country=TN", lambda c: c["country"] == "TN"),
    ("assigned=me", lambda c: c["key"] in LEAD | TEAM),
    ("q=medina", lambda c: "medina" in c["title"].lower()),
    ("q=MUSÉE", lambda c: c["field"] == "MUS"),  # not in a title, but the start of the field's name, "Musées…"
    ("q=medina%20musee", lambda c: False),  # every word must match: no title has both, nor has a museum "medina"
    ("q=muse", lambda c: c["key"] == "museum"),  # the start of a word finds the word
    ("q=%25", lambda c: False),  # a search without a word finds nothing: "%" is no wildcard
    ("q=_", lambda c: False),
    ("state=submitted&country=TN&q=walls", lambda c: c["key"] == "medina"),
    ("field=HER&assigned=me", lambda c: c["field"] == "HER" and c["key"] in LEAD | TEAM),
    ("state=nonsense&field=XXX", lambda c: True),  # unknown codes are ignored, not an error
    ("", lambda c: True),
]


@pytest.fixture
def queue(factory: Factory):
    """The cases of QUEUE, by key, and the expert who leads or joins some of them."""
    me = factory.expert()
    cases = {}
    for spec in QUEUE:
        key = spec["key"]
        team = [me] if key in LEAD else [factory.expert(), me] if key in TEAM else None
        case = factory.case(spec["state"], team=team, field=spec["field"], country=spec["country"], title=spec["title"])
        if key in LEAD and spec["state"] in ("submitted", "assessed"):
            factory.assign_lead(case, me)
        cases[key] = case
    return me, cases


@pytest.mark.parametrize(("query", "matches"), FILTERS, ids=[query or "none" for query, _ in FILTERS])
def test_queue_filters(queue, signed_in, query, matches):
    me, cases = queue
    expected = {cases[spec["key"]].reference for spec in QUEUE if matches(spec)}

    response = signed_in(me).get(f"/cases?view=all&{query}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert sorted(references(html)) == sorted(expected)
    assert re.search(rf"\b{len(expected)} requests?\b", text(html))


def test_queue_sorts(queue, signed_in):
    me, cases = queue
    visitor = signed_in(me)
    by_reference = sorted(case.reference for case in cases.values())
    assert references(visitor.get("/cases?view=all&sort=reference").get_data(as_text=True)) == by_reference
    assert references(visitor.get("/cases?view=all").get_data(as_text=True)) == by_reference[::-1]  # newest first
    assert references(visitor.get("/cases?view=all&sort=oldest").get_data(as_text=True)) == by_reference
    assert references(visitor.get("/cases?view=all&sort=-reference").get_data(as_text=True)) == by_reference[::-1]


@pytest.mark.parametrize(
    ("query", "expected_slice"),
    [
        ("per_page=2&page=1", slice(0, 2)),
        ("per_page=2&page=2", slice(2, 4)),
        ("per_page=2&page=3", slice(4, 5)),
        ("per_page=2&page=4", slice(4, 5)),  # beyond the last page: the last page, not an error
        ("per_page=2&page=999", slice(4, 5)),
        ("per_page=2&page=0", slice(0, 2)),
        ("per_page=2&page=-3", slice(0, 2)),
        ("per_page=2&page=two", slice(0, 2)),
        ("per_page=0", slice(0, 5)),
        ("per_page=-1", slice(0, 5)),
        ("per_page=many", slice(0, 5)),
        ("per_page=100000", slice(0, 5)),
    ],
)
def test_queue_pages(factory, signed_in, query, expected_slice):
    cases = [factory.case() for _ in range(5)]
    newest_first = [case.reference for case in reversed(cases)]

    # A manager's list opens on all open ones; a page past the end leads to the last.
    response = signed_in(factory.manager()).get(f"/cases?{query}", follow_redirects=True)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert references(html) == newest_first[expected_slice]
    assert "5 requests" in text(html)


def test_pages_link_to_each_other_keeping_the_filters(factory, signed_in):
    for _ in range(3):
        factory.case(field="MUS")
    factory.case(field="HER")
    visitor = signed_in(factory.expert())

    first = visitor.get("/cases?field=MUS&per_page=2").get_data(as_text=True)
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = visitor.get(next_link).get_data(as_text=True)

    assert "field=MUS" in next_link
    assert len(references(first)) == 2
    assert len(references(second)) == 1
    assert not set(references(first)) & set(references(second))


# --- the manager's overview --------------------------------------------------------------

OVERVIEW = [
    ("submitted", None, "HER"),
    ("submitted", None, "MUS"),
    ("submitted", None, "HER"),
    ("assessed", None, "HER"),
    ("skills_mobilised", None, "ARV"),
    ("mission_delivered", None, "HER"),
    ("closed", "completed", "MUS"),
    ("closed", "declined", "HER"),
    ("closed", "withdrawn", "ARV"),
]


def test_the_manager_overview_counts_match_the_data(factory, signed_in):
    for state, outcome, field in OVERVIEW:
        factory.case(state, outcome=outcome, field=field)

    html = signed_in(factory.manager()).get("/dashboard").get_data(as_text=True)

    by_state = {
        state: int(number)
        for state, number in re.findall(
            r'href="/cases\?view=all&amp;state=(\w+)">[^<]*</a></th>\s*<td class="num"><a href="[^"]+">(\d+)</a></td>',
            html,
        )
    }
    assert by_state == {state: sum(1 for s, _o, _f in OVERVIEW if s == state) for state in STATES}
    by_field = {
        field: (int(open_count), int(total))
        for field, open_count, total in re.findall(
            r'href="/cases\?view=all&amp;field=(\w+)">[^<]*</a></th>\s*'
            r'<td class="num"><a href="[^"]+">(\d+)</a></td>\s*<td class="num"><a href="[^"]+">(\d+)</a></td>',
            html,
        )
    }
    totals = Counter(field for _s, _o, field in OVERVIEW)
    still_open = Counter(field for state, _o, field in OVERVIEW if state != "closed")
    assert by_field == {field: (still_open[field], totals[field]) for field in totals}
    kpis = dict(
        (label, int(value))
        for value, label in re.findall(r'kpi-value">(\d+)</span>\s*<span class="kpi-label">([^<]+)<', html)
    )
    assert kpis["requests in all"] == len(OVERVIEW)
    assert kpis["open"] == sum(still_open.values())
    outcomes = Counter(outcome for _s, outcome, _f in OVERVIEW if outcome)
    closed = dict(re.findall(r'outcome=(\w+)">[^<]*</a></th><td class="num"><a href="[^"]+">(\d+)</a>', html))
    assert (int(closed["completed"]), int(closed["declined"]), int(closed["withdrawn"])) == (
        outcomes["completed"],
        outcomes["declined"],
        outcomes["withdrawn"],
    )


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", ("request in all", "answer overdue"), ("requests in all", "answers overdue")),
        ("fr", ("demande au total", "réponse en retard"), ("demandes au total", "réponses en retard")),
        ("ar", ("مجموع الطلبات", "ردّ متأخّر"), ("مجموع الطلبات", "ردّان متأخّران")),
    ],
)
def test_the_overview_s_figures_are_named_in_the_grammar_of_their_number(factory, signed_in, language, one, two):
    """ "1 réponses en retard" was on the French overview."""
    boss = factory.manager()
    manager = signed_in(boss)
    shown = []
    for _ in range(2):
        case = factory.case("assessed")
        question = {
            "question": "Please send the official letter.",
            "due_on": (date.today() - timedelta(days=6)).isoformat(),
        }
        operations.perform(case, "ask_partner", boss, question, case.version, at=utcnow() - timedelta(days=20))
        db.session.commit()
        html = manager.get("/dashboard", headers={"Accept-Language": language}).get_data(as_text=True)
        kpis = dict(
            (label, int(value))
            for value, label in re.findall(r'kpi-value">(\d+)</span>\s*<span class="kpi-label">([^<]+)<', html)
        )
        shown.append(kpis)
    assert [(shown[0].get(one[0]), shown[0].get(one[1])), (shown[1].get(two[0]), shown[1].get(two[1]))] == [
        (1, 1),
        (2, 2),
    ]


@pytest.mark.parametrize(("role", "status"), [("partner", 404), ("expert", 403)])
def test_only_managers_see_the_overview(factory, signed_in, role, status):
    """An expert is told the overview is for managers; to a partner it does not exist."""
    assert signed_in(factory.user(role)).get("/dashboard").status_code == status


# --- the manager assigns the lead expert -------------------------------------------------


def test_the_manager_assigns_a_lead_expert_through_the_page(factory, cast, signed_in):
    case = factory.case(author=cast.partner)
    before = snapshot(case.id)

    response = post_action(signed_in(cast.manager), case.id, "assign_lead", {"lead_expert": cast.unrelated_expert.id})

    assert response.status_code == 302
    after = snapshot(case.id)
    assert (after.state, after.lead_expert_id) == ("submitted", cast.unrelated_expert.id)
    assert after.version == before.version + 1
    assert after.events[:-1] == before.events
    assert after.events[-1][1] == "assign_lead"
    queue = signed_in(cast.unrelated_expert).get("/cases?assigned=me").get_data(as_text=True)
    assert references(queue) == [case.reference]


@pytest.mark.parametrize(
    ("state", "actor", "status", "says"),
    [
        ("submitted", "unrelated_expert", 403, "“Assign the lead expert”: only a manager may do this."),
        ("submitted", "lead_expert", 403, "“Assign the lead expert”: only a manager may do this."),
        ("submitted", "partner", 403, "“Assign the lead expert”: only a manager may do this."),
        ("closed", "manager", 409, "“Assign the lead expert” is not possible while the request is “Closed”."),
    ],
    ids=combination_id,
)
def test_assigning_the_lead_is_refused_through_the_page(factory, cast, signed_in, state, actor, status, says):
    case = factory.cast_case(cast, state)
    before = snapshot(case.id)

    response = signed_in(cast[actor]).post(
        action_url(case.id, "assign_lead"),
        {"lead_expert": cast.unrelated_expert.id, "version": before.version},
        token_from="/cases",
    )

    assert response.status_code == status
    assert says in text(response.get_data(as_text=True))
    assert snapshot(case.id) == before


@pytest.mark.parametrize(
    ("actor", "says"),
    [
        ("partner", "“Edit the request” is not possible while the request is “Experts found”."),
        ("manager", "is not possible while the request is “Skills mobilised”."),
    ],
)
def test_a_refusal_names_the_state_in_the_words_its_reader_reads_it(factory, cast, signed_in, actor, says):
    """The partner's list says "Experts found", never the ministry's "Skills mobilised"."""
    case = factory.cast_case(cast, "skills_mobilised")
    action = "edit" if actor == "partner" else "assign_lead"
    response = signed_in(cast[actor]).post(
        action_url(case.id, action), {"version": case.version_seen_by(cast[actor])}, token_from="/cases"
    )
    assert response.status_code == 409
    assert says in text(response.get_data(as_text=True))


def test_a_manager_looking_for_the_hand_over_is_told_whom_the_team_lacks(factory, cast, signed_in):
    """With the lead alone on the mobilised team, "Hand over the lead" is not offered: the page says why."""
    case = factory.cast_case(cast, "skills_mobilised")
    said = "Hand over the lead: Nobody else on the team can take the lead: add an expert to the team first"

    assert said not in text(signed_in(cast.manager).get(f"/cases/{case.id}").get_data(as_text=True))
    factory.fire(case, "remove_from_team", actor=cast.manager, expert=cast.team_expert.id)

    page = signed_in(cast.manager).get(f"/cases/{case.id}").get_data(as_text=True)
    assert said in text(page) and "hand_over_lead" not in offered_actions(page)
    for other in ("lead_expert", "partner"):  # neither may hand it over: nothing is held back from them
        assert "Not possible yet" not in text(signed_in(cast[other]).get(f"/cases/{case.id}").get_data(as_text=True))


# --- CSRF ----------------------------------------------------------------------------------


def _new_request(cast: Cast, case_id: int):
    return cast.partner, "/cases/new", request_data()


def _transition(cast: Cast, case_id: int):
    return cast.manager, action_url(case_id, "decline"), {"reason": "Not in our remit at all.", "version": 1}


def _withdraw(cast: Cast, case_id: int):
    return cast.partner, action_url(case_id, "withdraw"), {"reason": "Budget cut.", "version": 1}


def _lead(cast: Cast, case_id: int):
    return cast.manager, action_url(case_id, "assign_lead"), {"lead_expert": cast.unrelated_expert.id, "version": 1}


def _logout(cast: Cast, case_id: int):
    return cast.partner, "/logout", {}


@pytest.mark.parametrize("forged", [_new_request, _transition, _withdraw, _lead, _logout], ids=lambda f: f.__name__)
def test_a_post_without_the_csrf_token_is_rejected_and_changes_nothing(factory, cast, signed_in, forged):
    case = factory.case(author=cast.partner)
    user, url, data = forged(cast, case.id)
    visitor = signed_in(user)
    before = (snapshot(case.id), count(ExpertiseRequest), count(Event), user.session_token)

    response = visitor.post(url, data, with_csrf=False)

    assert response.status_code == 400
    assert "Your form expired" in text(response.get_data(as_text=True))
    db.session.refresh(user)
    assert (snapshot(case.id), count(ExpertiseRequest), count(Event), user.session_token) == before
    assert visitor.get("/cases").status_code == 200  # still signed in


def test_signing_in_without_the_csrf_token_is_rejected(factory, visitor):
    user = factory.partner()
    response = visitor.post("/login", {"email": user.email, "password": Factory.PASSWORD}, with_csrf=False)
    assert response.status_code == 400
    assert visitor.get("/cases").status_code == 302


def test_a_token_from_another_session_is_rejected(factory, cast, signed_in):
    case = factory.case(author=cast.partner)
    before = snapshot(case.id)
    stolen = signed_in(cast.manager).csrf_token("/cases")
    response = signed_in(cast.partner).post(
        action_url(case.id, "withdraw"),
        {"reason": "Budget cut.", "version": before.partner_version, "csrf_token": stolen},
    )
    assert response.status_code == 400
    assert snapshot(case.id) == before


OPTION = re.compile(r"<option ([^>]*)>([^<]*)</option>")


def _options(html: str, form_action: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of each option of the select `name` in the form posting to `form_action`."""
    form_html = html.split(f'action="{form_action}"', 1)[1].split("</form>", 1)[0]
    select = form_html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return [
        (re.search(r'value="([^"]*)"', attributes).group(1), unescape(label), "selected" in attributes.split())
        for attributes, label in OPTION.findall(select)
    ]


def test_the_lead_picker_offers_each_active_expert_once_and_marks_the_lead(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    odd = factory.expert(name="Ana <b>Bold</b> & Co")
    retired = factory.expert(name="Retired Expert")
    retired.profile.active = False
    db.session.commit()

    page = signed_in(cast.manager).get(f"/cases/{case.id}").get_data(as_text=True)
    offered = _options(page, f"/cases/{case.id}/actions/assign_lead", "lead_expert")

    values = [value for value, _label, _selected in offered]
    assert len(values) == len(set(values))
    assert [value for value, _label, selected in offered if selected] == [str(cast.lead_expert.id)]
    labels = {value: label for value, label, _selected in offered}
    assert labels[str(odd.id)].startswith("Ana <b>Bold</b> & Co")  # written as text, not as markup
    assert str(retired.id) not in labels and "" in labels
    assert "<b>Bold</b>" not in page


def test_the_ministry_reads_the_partner_s_answer_as_an_answer_and_the_partner_as_theirs(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    factory.fire(case, "ask_partner", actor=cast.manager)
    factory.fire(case, "answer", actor=cast.partner)

    staff = text(signed_in(cast.manager).get(case_url(case.id)).get_data(as_text=True).split('id="history-title"')[1])
    partner = text(signed_in(cast.partner).get(case_url(case.id)).get_data(as_text=True).split('id="history-title"')[1])

    answered = "Answer The letter is attached to our email of today."
    assert "Answer from the partner" in staff and f"· {cast.partner.name} {answered}" in staff
    assert "Your answer" not in staff
    assert "Answer to the ministry" in partner and "Question from the ministry" in partner and answered in partner
    assert "Question to the partner" not in partner
