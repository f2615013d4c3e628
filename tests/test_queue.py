"""The ministry's work queue: its views, taking a request on, full-text search, saved views,
the way from a case back to its list and to the next case, and similar requests."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from expertise_app.cases import saved_views
from expertise_app.cases.models import ExpertiseRequest, SavedView
from expertise_app.extensions import db

from .factories import Factory, snapshot, step_data
from .pages import form_posting_to, forms, main_content, references, text


@pytest.fixture
def work(factory: Factory):
    """Requests standing in each relation to the expert `me`, by name (see VIEWS below)."""
    me, other = factory.expert(), factory.expert()
    cases = {
        "unassigned": factory.case(title="Nobody leads this yet"),
        "led": factory.assign_lead(factory.case(title="Led by me"), me),
        "asked_to_join": factory.assign_lead(factory.case(title="I am asked to join"), other),
        "led_waiting": factory.assign_lead(factory.case(title="Led by me, the partner owes an answer"), me),
        "held": factory.assign_lead(factory.case(title="Led by someone else, on hold"), other),
        "led_closed": factory.assign_lead(factory.case(title="Led by me, withdrawn"), me),
    }
    factory.fire(cases["asked_to_join"], "assess")
    factory.fire(cases["asked_to_join"], "propose_experts", experts=[me.id])
    factory.fire(cases["led_waiting"], "ask_partner")
    factory.fire(cases["held"], "hold")
    factory.fire(cases["led_closed"], "withdraw", actor=cases["led_closed"].author)
    return me, cases


# Which of `work`'s requests each view shows, to the expert `me` and to a manager (written out by hand).
VIEWS = {
    "mine": ({"led", "asked_to_join", "led_waiting"}, None),
    "waiting_for_me": ({"led", "asked_to_join"}, {"unassigned", "held"}),
    "unassigned": ({"unassigned"}, {"unassigned"}),
    "waiting_for_partner": ({"led_waiting"}, {"led_waiting"}),
    "open": (
        {"unassigned", "led", "asked_to_join", "led_waiting", "held"},
        {"unassigned", "led", "asked_to_join", "led_waiting", "held"},
    ),
    "all": (
        {"unassigned", "led", "asked_to_join", "led_waiting", "held", "led_closed"},
        {"unassigned", "led", "asked_to_join", "led_waiting", "held", "led_closed"},
    ),
}


def listed(html: str) -> list[str]:
    """The references of the list's table (not those of the boxes above it)."""
    table = re.search(r'<table class="cases">.*?</table>', html, re.S)
    return references(table.group(0)) if table else []


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_of_the_queue_shows_what_it_says(work, factory, signed_in, view):
    me, cases = work
    for person, expected in zip((me, factory.manager()), VIEWS[view], strict=True):
        if expected is None:
            continue
        html = signed_in(person).get(f"/cases?view={view}").get_data(as_text=True)
        assert sorted(listed(html)) == sorted(cases[key].reference for key in expected), (person.role, view)


def test_an_expert_lands_on_their_open_work_and_a_manager_on_every_open_request(work, factory, signed_in):
    me, cases = work
    expert_page = signed_in(me).get("/cases").get_data(as_text=True)
    manager_page = signed_in(factory.manager()).get("/cases").get_data(as_text=True)

    assert sorted(listed(expert_page)) == sorted(cases[key].reference for key in VIEWS["mine"][0])
    assert 'aria-current="page">My open work<' in expert_page
    assert sorted(listed(manager_page)) == sorted(cases[key].reference for key in VIEWS["open"][1])


def test_a_link_with_filters_and_no_view_lists_all_that_match(work, signed_in):
    me, cases = work
    html = signed_in(me).get("/cases?state=closed").get_data(as_text=True)
    assert listed(html) == [cases["led_closed"].reference]


def test_a_partner_s_list_ignores_the_ministry_s_views_and_filters(factory, signed_in):
    partner = factory.partner()
    own = [factory.case(author=partner), factory.case(author=partner, title="Our second request")]
    factory.fire(own[0], "assess", priority="urgent")

    for query in ("view=unassigned", "view=mine", "priority=normal", "lead=none", "sort=priority", "sort=due"):
        html = signed_in(partner).get(f"/cases?{query}").get_data(as_text=True)
        assert sorted(listed(html)) == sorted(case.reference for case in own), query
    by_priority = signed_in(partner).get("/cases?sort=priority").get_data(as_text=True)
    assert listed(by_priority) == [own[1].reference, own[0].reference]  # newest first, not the urgent one
    by_due_date = signed_in(partner).get("/cases?sort=due").get_data(as_text=True)
    assert listed(by_due_date) == [own[1].reference, own[0].reference]  # the ministry's due dates say nothing


def test_the_queue_filters_by_priority_lead_and_age(factory, signed_in):
    me = factory.expert()
    urgent = factory.case(title="Urgent one")
    factory.fire(urgent, "assess", priority="urgent")
    mine = factory.assign_lead(factory.case(title="Mine to lead"), me)
    old = factory.case(title="Filed long ago")
    db.session.execute(
        sa.update(ExpertiseRequest)
        .where(ExpertiseRequest.id == old.id)
        .values(submitted_at=sa.func.now() - sa.text("INTERVAL '40 days'") if _postgres() else _days_ago_sqlite(40))
    )
    db.session.commit()
    visitor = signed_in(me)

    def shown(query: str) -> list[str]:
        return sorted(listed(visitor.get(f"/cases?view=all&{query}").get_data(as_text=True)))

    assert shown("priority=urgent") == [urgent.reference]
    assert shown(f"lead={me.id}") == [mine.reference]
    assert shown("lead=none") == sorted([urgent.reference, old.reference])
    assert shown("older_than=30") == [old.reference]
    assert shown("older_than=31") == sorted([urgent.reference, mine.reference, old.reference])  # not an age offered


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _days_ago_sqlite(days: int):
    return sa.func.strftime("%Y-%m-%d %H:%M:%f", "now", f"-{days} days")


def test_column_headers_sort_the_list_and_say_how(factory, signed_in):
    titles = ["Zeugma mosaics", "« Étude » des stèles", "aksum stelae", "Écoles d'art", "Esquisse du plan"]
    by_reference = {factory.case(title=title).reference: title for title in titles}
    visitor = signed_in(factory.manager())

    by_title = visitor.get("/cases?sort=title").get_data(as_text=True)
    header = re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="([^"]+)">Title', by_title)

    # Whatever their case, accents and quotes, as a reader sorts them.
    in_order = ["aksum stelae", "Écoles d'art", "Esquisse du plan", "« Étude » des stèles", "Zeugma mosaics"]
    assert [by_reference[reference] for reference in listed(by_title)] == in_order
    assert header, "the sorted column says so"
    reversed_page = visitor.get(unescape(header.group(1))).get_data(as_text=True)
    assert [by_reference[reference] for reference in listed(reversed_page)] == in_order[::-1]
    assert 'aria-sort="descending"' in reversed_page
    # The other sortable columns show they sort too, before they are clicked; the others show nothing.
    state = re.search(
        r'<th scope="col" >\s*<a href="[^"]+">State&nbsp;<span class="sortable" aria-hidden="true">', by_title
    )
    assert state and "Partner&nbsp;" not in by_title


def test_an_expert_takes_an_unassigned_request_from_the_queue(factory, signed_in):
    me = factory.expert()
    case = factory.case()
    visitor = signed_in(me)
    page = visitor.get("/cases?view=unassigned").get_data(as_text=True)
    assert f'action="/cases/{case.id}/actions/take?list=view%3Dunassigned"' in page

    response = visitor.post(f"/cases/{case.id}/actions/take", {"version": case.version})

    assert response.status_code == 302
    assert snapshot(case.id).lead_expert_id == me.id
    assert snapshot(case.id).events[-1][1] == "take"
    assert listed(visitor.get("/cases?view=mine").get_data(as_text=True)) == [case.reference]


def test_a_request_taken_from_a_list_leads_back_to_that_list(factory, signed_in):
    cases = [factory.case(field="MUS") for _ in range(3)]
    visitor = signed_in(factory.expert())
    listing = visitor.get("/cases?view=unassigned&field=MUS&sort=oldest&per_page=2&page=2").get_data(as_text=True)
    take = next(form for form in forms(listing) if f"/cases/{cases[2].id}/actions/take" in form.action)

    taken = visitor.post(take.action, {"version": take.value("version")}, follow_redirects=True)

    assert snapshot(cases[2].id).events[-1][1] == "take"
    assert (
        _links(taken.get_data(as_text=True))["back"] == "/cases?view=unassigned&field=MUS&sort=oldest&page=2&per_page=2"
    )


def test_a_page_past_the_end_of_a_list_shows_its_last_page(factory, signed_in):
    cases = [factory.case(field="MUS") for _ in range(5)]
    visitor = signed_in(factory.manager())

    past = visitor.get("/cases?view=all&field=MUS&sort=oldest&per_page=2&page=9")
    last = visitor.get(past.headers["Location"])

    assert past.status_code == 302
    assert past.headers["Location"] == "/cases?view=all&field=MUS&sort=oldest&per_page=2&page=3"
    assert listed(last.get_data(as_text=True)) == [cases[4].reference]
    nothing = visitor.get("/cases?view=all&field=EDU&page=9")  # an empty list has no last page to go to
    assert nothing.status_code == 200 and listed(nothing.get_data(as_text=True)) == []


def test_a_request_taken_meanwhile_cannot_be_taken_again(factory, signed_in):
    first, second = factory.expert(), factory.expert()
    case = factory.case()
    version = case.version
    assert signed_in(first).post(f"/cases/{case.id}/actions/take", {"version": version}).status_code == 302
    before = snapshot(case.id)

    late = signed_in(second).post(f"/cases/{case.id}/actions/take", {"version": version}, token_from="/cases")

    assert late.status_code == 409
    assert "This request has changed since your page was loaded" in text(late.get_data(as_text=True))
    assert snapshot(case.id) == before


def test_a_request_taken_in_another_tab_shows_it_taken_and_stays_theirs(factory, signed_in):
    me = factory.expert()
    case = factory.case()
    version = case.version
    visitor = signed_in(me)
    assert visitor.post(f"/cases/{case.id}/actions/take", {"version": version}).status_code == 302
    before = snapshot(case.id)

    again = visitor.post(f"/cases/{case.id}/actions/take", {"version": version}, token_from="/cases")

    assert again.status_code == 409
    said = text(again.get_data(as_text=True))
    assert "The page now shows it as it stands" in said  # not "reload", which would send the form again
    assert f"Lead expert {me.name}" in said
    assert snapshot(case.id) == before and before.lead_expert_id == me.id


def test_a_stale_form_reads_the_same_to_a_partner_whoever_made_it_stale(factory, cast, signed_in, api):
    """Whether the partner's own message or the ministry's made their copy stale, the refusal reads
    the same, on the page and in the API: it never says who acted."""
    case = factory.cast_case(cast, "submitted")
    partner = signed_in(cast.partner)
    first = case.partner_version

    def message(version: int) -> dict:
        return {"body": "A word about our request.", "version": version}

    page = f"/cases/{case.id}"
    assert partner.post(f"{page}/actions/post_message", message(first), token_from=page).status_code == 302
    after_theirs = partner.post(f"{page}/actions/post_message", message(first), token_from=page)
    api_after_theirs = api(cast.partner).post(
        f"/requests/{case.id}/actions", {"action": "post_message", **message(first)}
    )
    factory.fire(case, "post_message", actor=cast.manager, body="Could you tell us the dates?")
    after_ministry = partner.post(f"{page}/actions/post_message", message(first + 1), token_from=page)
    api_after_ministry = api(cast.partner).post(
        f"/requests/{case.id}/actions", {"action": "post_message", **message(first + 1)}
    )

    assert after_theirs.status_code == after_ministry.status_code == 409
    assert _refusal(after_theirs) == _refusal(after_ministry)
    assert api_after_theirs.status_code == api_after_ministry.status_code == 409
    assert api_after_theirs.get_json()["detail"] == api_after_ministry.get_json()["detail"]


# What a partner sees of each action, as the design declares it: these leave no trace they can read.
UNSEEN_BY_PARTNERS = [
    ("post_note", {"body": "Internal: check the budget first."}),
    ("assign_lead", None),  # the lead is named by the test
    ("take", {}),
]


@pytest.mark.parametrize(("action", "data"), UNSEEN_BY_PARTNERS, ids=[action for action, _ in UNSEEN_BY_PARTNERS])
def test_what_the_ministry_does_unseen_leaves_the_partner_s_version_and_copy_as_they_were(
    factory, cast, signed_in, api, action, data
):
    """A partner's copy names the version they read; the ministry acting where they cannot see
    neither moves it (page or API) nor makes their form stale, so neither tells them it acted."""
    case = factory.case(author=cast.partner)
    partner = signed_in(cast.partner)
    page_before = partner.get(f"/cases/{case.id}").get_data(as_text=True)
    api_before = api(cast.partner).get(f"/requests/{case.id}").get_json()["version"]
    staff_before = api(cast.manager).get(f"/requests/{case.id}").get_json()["version"]
    actor = cast.lead_expert if action == "take" else cast.manager
    extra = {"lead_expert": cast.lead_expert.id} if action == "assign_lead" else data
    factory.fire(case, action, actor=actor, **extra)

    assert api(cast.manager).get(f"/requests/{case.id}").get_json()["version"] == staff_before + 1
    assert api(cast.partner).get(f"/requests/{case.id}").get_json()["version"] == api_before
    page_after = partner.get(f"/cases/{case.id}").get_data(as_text=True)
    assert _versions(page_after) == _versions(page_before) == {str(api_before)}
    sent = partner.post(
        f"/cases/{case.id}/actions/post_message",
        {"body": "A word about our request.", "version": api_before},
        token_from=f"/cases/{case.id}",
    )
    assert sent.status_code == 302
    assert snapshot(case.id).events[-1][1] == "post_message"


def test_what_the_ministry_says_to_the_partner_makes_their_older_copy_stale(factory, cast, signed_in, api):
    case = factory.case(author=cast.partner)
    read = api(cast.partner).get(f"/requests/{case.id}").get_json()["version"]
    factory.fire(case, "post_message", actor=cast.manager, body="Could you tell us the dates?")
    before = snapshot(case.id)

    late = signed_in(cast.partner).post(
        f"/cases/{case.id}/actions/post_message",
        {"body": "We had not seen your question.", "version": read},
        token_from=f"/cases/{case.id}",
    )

    assert late.status_code == 409
    assert api(cast.partner).get(f"/requests/{case.id}").get_json()["version"] == read + 1
    assert snapshot(case.id) == before


# Once the team is mobilised the partner sees it, its lead and the mission plan: what changes them moves
# their version (each of these entries is theirs to read), and an internal note does not.
ONCE_MOBILISED = [
    ("replan_mission", {"place": "Sfax"}, 1),  # the place the partner reads moves
    ("hand_over_lead", "team_expert", 1),  # the lead the team shows changes
    ("remove_from_team", {"expert": "team_expert"}, 1),  # someone leaves the team shown
    ("post_note", {"body": "Internal: the embassy called."}, 0),
]


@pytest.mark.parametrize(("action", "data", "moved"), ONCE_MOBILISED, ids=[action for action, *_ in ONCE_MOBILISED])
def test_once_mobilised_what_changes_the_plan_or_team_the_partner_sees_moves_their_version(
    factory, cast, signed_in, api, action, data, moved
):
    case = factory.cast_case(cast, "skills_mobilised")
    read = api(cast.partner).get(f"/requests/{case.id}").get_json()["version"]
    overrides = {"lead_expert": cast[data].id} if isinstance(data, str) else data
    overrides = {name: cast[value].id if value in cast.__dict__ else value for name, value in overrides.items()}
    factory.fire(case, action, actor=cast.manager, **overrides)

    seen = api(cast.partner).get(f"/requests/{case.id}").get_json()
    assert seen["version"] == read + moved
    sent = signed_in(cast.partner).post(
        f"/cases/{case.id}/actions/post_message",
        {"body": "About the mission.", "version": read},
        token_from=f"/cases/{case.id}",
    )
    assert sent.status_code == (409 if moved else 302)


CLOSED_BEFORE_MOBILISATION = [("decline", "manager"), ("redirect", "manager"), ("withdraw", "partner")]


@pytest.mark.parametrize(
    ("closing", "actor"), CLOSED_BEFORE_MOBILISATION, ids=[c for c, _ in CLOSED_BEFORE_MOBILISATION]
)
def test_a_request_closed_before_its_mobilisation_keeps_the_draft_team_and_plan_from_the_partner(
    factory, cast, signed_in, api, closing, actor
):
    case = factory.cast_case(cast, "assessed")  # its team built, the lead and another confirmed
    factory.fire(case, "plan_mission", actor=cast.manager, place="Sfax")
    factory.fire(case, closing, actor=cast[actor])

    seen = api(cast.partner).get(f"/requests/{case.id}").get_json()
    assert (seen["state"], seen["team"], seen["mission"]) == ("closed", [], None)
    page = text(signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Confirmed team" not in page and "Sfax" not in page
    assert cast.lead_expert.name not in page and cast.team_expert.name not in page


def test_a_request_withdrawn_once_mobilised_still_shows_its_partner_the_team_they_saw(factory, cast, api):
    case = factory.cast_case(cast, "skills_mobilised")
    before = api(cast.partner).get(f"/requests/{case.id}").get_json()
    factory.fire(case, "withdraw", actor=cast.partner)

    after = api(cast.partner).get(f"/requests/{case.id}").get_json()
    assert after["state"] == "closed" and after["team"] == before["team"] != []
    assert after["mission"] == before["mission"] is not None


def _versions(page: str) -> set[str]:
    return set(re.findall(r'name="version" value="(\d+)"', page))


def _refusal(response) -> str:
    return re.search(r'role="alert"[^>]*>(.*?)</', response.get_data(as_text=True), re.S).group(1).strip()


# --- full-text search ------------------------------------------------------------------------

FILLER = "We explain why we ask, and why now, in a few words."  # a context is 50 characters or more
SEARCHED = {
    "musee": {"title": "Réserves du Musée national", "context": "Les collections sont à l'étroit. " + FILLER},
    "archives": {"title": "Digital preservation", "objectives": "Keep the ARCHIVES of the State safe."},
    "arabic": {"title": "تقييم المَتْحَف الوطني", "context": "المتحف بحاجة إلى خطة. " + FILLER},
    # Arabic writes the article and some prepositions joined to the noun: "for the library", "and the manuscripts".
    "arabic_joined": {"title": "ترميم مخطوطات للمكتبة الوطنية", "context": "والمخطوطات بحاجة إلى عناية. " + FILLER},
    # Words that start as the stems of words with a hamza'd alef would ("آلات" is no article + "ات").
    "arabic_lookalikes": {"title": "اتفاقية تعاون", "context": "الدراسات الدولية وانتاج الوثائق. " + FILLER},
    "context_only": {"title": "Training", "context": "Curators of the museo de Antioquia. " + FILLER},
    # Its field's name, "Museums and collections" (French "Musées et collections", Arabic
    # "المتاحف والمجموعات"), is in none of its own words.
    "museum_field": {"title": "Storage rooms survey", "field": "MUS", "context": "Our stores are full. " + FILLER},
}
SEARCHES = [
    ("musee", {"musee", "museum_field"}),  # no accent typed, an accent written; the start of "Musées"
    ("MUSÉE", {"musee", "museum_field"}),
    ("musée national", {"musee"}),
    ("national musée", {"musee"}),  # every word, in any order
    ("musee absent", set()),
    ("archives", {"archives"}),  # in the objectives
    ("etroit", {"musee"}),  # in the context
    ("patrimoine", set()),
    ("المتحف", {"arabic", "museum_field"}),  # without diacritics, the title has them; "the museum" names the field
    ("المَتْحَف", {"arabic", "museum_field"}),  # with them
    ("متحف", {"arabic", "museum_field"}),  # without the article the text writes; the singular of the field's name
    ("بالمتحف", {"arabic", "museum_field"}),  # with "in the", which the text does not write
    ("متح", {"arabic"}),  # the start of the word, article or not
    ("مكتبة", {"arabic_joined"}),
    ("آلات", set()),  # "instruments": its alef carries a madda, it has no article to drop
    ("ألوان", set()),  # "colours": a hamza
    ("والد", set()),  # "father": و is the word's own, not "and"
    # the text writes "للمكتبة", "for the library"
    ("المخطوطات", {"arabic_joined"}),  # the title writes "مخطوطات", the context "والمخطوطات"
    ("muse", {"musee", "context_only", "museum_field"}),  # the start of a word, of the field's name too
    ("museum", {"museum_field"}),  # a word of the field's name in English
    ("musees", {"museum_field"}),  # in French
    ("المتاحف", {"museum_field"}),  # in Arabic
    ("collections", {"musee", "museum_field"}),  # in a request's context, or its field's name
    ("museum storage", {"museum_field"}),  # one word names the field, the other is in the title
    ("museum absent", set()),
    ("متاحف", {"museum_field"}),  # an Arabic word of the field's name without its article
    ("مُتَاحِف", {"museum_field"}),  # and with its short vowels
    ("musee\tnational", {"musee"}),  # a tab, pasted from a spreadsheet's row, parts words as a space does
    ("museum\nstorage", {"museum_field"}),
    ('"; DROP TABLE', set()),
    ('"musee*', {"musee", "museum_field"}),  # FTS5 syntax is not passed through
    ("NEAR(musee", set()),  # nor its operators: "near" is a word like the others
]


# A query word and the field it names, by a word of the field's name in English, French or Arabic.
FIELDS_NAMED = [
    ("musee", "MUS"),  # "Musées et collections"
    ("museum", "MUS"),
    ("المتاحف", "MUS"),
    ("archiv", "ARV"),
    ("musique", "MSC"),
    ("mus", None),  # too short to tell museums from music
    ("culture", None),  # starts words of five fields' names
    ("arts", None),  # of three
    ("patrimoine", None),  # of two
    ("and", None),  # a grammar word of a field's name
    ("متاحف", "MUS"),  # "المتاحف" without its article
    ("للمتاحف", "MUS"),  # "for the museums"
    ("متحف", "MUS"),  # "museum": the name writes the plural, which is not the singular with an ending
    ("المكتبه", "BOO"),  # "the library", folded as a search reads it (ة as ه): the name writes "المكتبات"
    ("zebra", None),
]


@pytest.mark.parametrize(("term", "field"), FIELDS_NAMED, ids=[term for term, _ in FIELDS_NAMED])
def test_a_word_of_one_field_s_name_names_that_field(app, term, field):
    from expertise_app.cases import search

    assert search.field_named(term) == field


@pytest.mark.parametrize("name", ["Museums and collections", "Musées et collections", "المتاحف والمجموعات"])
def test_a_field_s_whole_name_finds_its_requests_whatever_their_language(factory, signed_in, name):
    """As the list's Field column writes it, grammar words and all: a request in French holds no "and"."""
    french = factory.case(
        field="MUS",
        title="Réserves du musée de Sfax",
        context="Les réserves débordent depuis dix ans : il faut un plan pour les ranger.",
    )
    english = factory.case(
        field="MUS",
        title="Storage of the Sfax museum",
        context="Our stores overflow with objects; we need a plan to keep them safe.",
    )
    factory.case(
        field="ARV",
        title="Archives of the Sfax museum",
        context="The archives overflow with boxes; we need a plan to keep them safe.",
    )

    html = signed_in(factory.manager()).get("/cases", query_string={"q": name, "view": "all"}).get_data(as_text=True)

    assert sorted(listed(html)) == sorted([french.reference, english.reference])


def test_a_search_of_more_words_than_are_looked_for_says_which_were_left_out(factory, signed_in):
    case = factory.case(title="One two three four five six seven eight")
    visitor = signed_in(factory.manager())

    html = visitor.get("/cases?view=all&q=one two three four five six seven eight nine ten").get_data(as_text=True)

    assert listed(html) == [case.reference]  # found by its first eight
    assert "Only the first 8 words are looked for; left out: nine ten." in text(html)
    assert "left out" not in text(visitor.get("/cases?view=all&q=one two").get_data(as_text=True))


@pytest.fixture
def searchable(factory: Factory):
    return {key: factory.case(**fields) for key, fields in SEARCHED.items()}


@pytest.mark.parametrize(("query", "expected"), SEARCHES, ids=[query for query, _ in SEARCHES])
def test_search_ignores_case_and_accents_in_french_english_and_arabic(searchable, factory, signed_in, query, expected):
    html = signed_in(factory.manager()).get("/cases", query_string={"q": query, "view": "all"}).get_data(as_text=True)
    assert sorted(listed(html)) == sorted(searchable[key].reference for key in expected)


@pytest.mark.parametrize("common_from", [1, 1000], ids=["as-common-words", "as-rare-words"])
def test_a_search_finds_the_same_requests_in_the_list_s_order_whether_its_words_are_common_or_rare(
    factory, signed_in, monkeypatch, common_from
):
    """SQLite looks a common word's matches up another way (along the list's order) than a rare
    word's: the list is the same, newest first, on the first page and the second."""
    from expertise_app.cases import search

    monkeypatch.setattr(search, "SQLITE_COMMON_MATCHES", common_from)
    musees = [factory.case(title=f"Musée régional {number}") for number in range(5)]
    factory.case(title="Archives of the State")
    manager = signed_in(factory.manager())

    first = manager.get("/cases?view=all&q=musee&per_page=3&sort=newest").get_data(as_text=True)
    second = manager.get("/cases?view=all&q=musee&per_page=3&sort=newest&page=2").get_data(as_text=True)

    newest_first = [
        case.reference for case in sorted(musees, key=lambda case: (case.submitted_at, case.id), reverse=True)
    ]
    assert listed(first) + listed(second) == newest_first
    assert "5 requests" in text(main_content(first))


def test_search_finds_a_request_by_its_reference(searchable, factory, signed_in):
    case = searchable["archives"]
    html = signed_in(factory.manager()).get("/cases", query_string={"q": case.reference}).get_data(as_text=True)
    assert listed(html) == [case.reference]


def test_an_edited_request_is_found_by_its_new_words_only(factory, signed_in):
    partner = factory.partner()
    case = factory.case(author=partner, title="Visitor paths at Carthage")
    factory.fire(case, "edit", actor=partner, title="Visitor paths at Dougga")
    manager = signed_in(factory.manager())

    assert listed(manager.get("/cases?q=dougga").get_data(as_text=True)) == [case.reference]
    assert listed(manager.get("/cases?q=carthage").get_data(as_text=True)) == []


def test_the_api_searches_the_same_way(searchable, factory, api):
    items = api(factory.manager()).get("/requests", query_string={"q": "musee"}).get_json()["items"]
    expected = sorted(searchable[key].reference for key in ("musee", "museum_field"))
    assert sorted(item["reference"] for item in items) == expected


def test_search_never_reaches_another_organisation_s_requests(searchable, factory, signed_in):
    outsider = factory.partner()
    html = signed_in(outsider).get("/cases?q=musee").get_data(as_text=True)
    assert listed(html) == []


def test_a_search_matching_more_than_it_counts_says_so_and_a_list_without_words_counts_all(
    factory, signed_in, monkeypatch
):
    """A search stops counting at its limit (3 here, 1,000 in use) and says "more than"; the same
    requests listed without a search are counted exactly."""
    from expertise_app.cases import views

    monkeypatch.setattr(views, "SEARCH_COUNT_LIMIT", 3)
    for number in range(5):
        factory.case(title=f"Musée régional {number}")
    manager = signed_in(factory.manager())

    searched = text(main_content(manager.get("/cases?view=all&q=musee&per_page=2").get_data(as_text=True)))
    assert "More than 3 requests match: add a word to narrow the search." in searched
    assert "Page 1 of more than 2" in searched
    second = manager.get("/cases?view=all&q=musee&per_page=2&page=2").get_data(as_text=True)
    assert len(listed(second)) == 2

    listed_all = text(main_content(manager.get("/cases?view=all&per_page=2").get_data(as_text=True)))
    assert "5 requests" in listed_all and "requests match" not in listed_all and "Page 1 of 3" in listed_all
    few = text(main_content(manager.get("/cases?view=all&q=musee+regional+4").get_data(as_text=True)))
    assert "1 request" in few and "requests match" not in few


# --- saved views -----------------------------------------------------------------------------


def test_a_saved_view_is_found_again_and_opens_the_same_list(searchable, factory, signed_in):
    manager = factory.manager()
    visitor = signed_in(manager)
    visitor.get("/cases?q=musee&view=all&sort=oldest")

    response = visitor.post("/cases/saved-views", {"name": "Museums", "query": "q=musee&view=all&sort=oldest"})
    visitor.post(
        "/cases/saved-views", {"name": "Museums", "query": "q=musee&view=all&sort=oldest"}, token_from="/cases"
    )

    assert response.status_code == 302
    views = db.session.scalars(sa.select(SavedView).where(SavedView.user_id == manager.id)).all()
    assert [(view.name, view.query) for view in views] == [("Museums", "view=all&q=musee&sort=oldest")]
    page = visitor.get("/cases").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" dir="auto">Museums</a>', page)
    assert link
    oldest_first = [searchable["musee"].reference, searchable["museum_field"].reference]
    opened = visitor.get(unescape(link.group(1))).get_data(as_text=True)
    assert listed(opened) == oldest_first
    # The chip of the view the list is shows it is the current one; on another list, none does.
    assert re.search(r'<a href="[^"]+" dir="auto" aria-current="true">Museums</a>', opened)
    assert 'aria-current="true">Museums' not in page


def test_saving_a_list_already_saved_under_another_name_says_so(factory, signed_in):
    visitor = signed_in(factory.manager())
    visitor.post("/cases/saved-views", {"name": "Museums", "query": "field=MUS&view=all"}, token_from="/cases")

    def saved(name: str, query: str) -> str:
        answer = visitor.post("/cases/saved-views", {"name": name, "query": query}, token_from="/cases")
        return text(visitor.get(answer.headers["Location"]).get_data(as_text=True))

    said = saved("Musées", "field=MUS&view=all")
    assert "The view “Musées” is saved." in said and "Your view “Museums” shows the same list." in said
    said = saved("Archives", "field=ARV&view=all")
    assert "The view “Archives” is saved." in said and "shows the same list" not in said


def test_a_saved_view_keeps_only_known_filters_and_needs_a_name(factory, signed_in):
    manager = factory.manager()
    visitor = signed_in(manager)
    visitor.post(
        "/cases/saved-views", {"name": "Odd", "query": "state=submitted&evil=1&sort=DROP"}, token_from="/cases"
    )
    nameless = visitor.post("/cases/saved-views", {"name": "  ", "query": "state=closed"}, token_from="/cases")

    queries = db.session.scalars(sa.select(SavedView.query).where(SavedView.user_id == manager.id)).all()
    assert queries == ["view=all&state=submitted"]
    assert nameless.status_code == 302
    assert "Give the view a name." in text(visitor.get(nameless.location).get_data(as_text=True))


def test_nobody_sees_or_deletes_another_person_s_saved_view(factory, signed_in):
    owner, other = factory.manager(), factory.manager()
    signed_in(owner).post("/cases/saved-views", {"name": "Mine only", "query": "state=closed"}, token_from="/cases")
    view_id = db.session.scalar(sa.select(SavedView.id).where(SavedView.user_id == owner.id))
    intruder = signed_in(other)

    assert "Mine only" not in intruder.get("/cases").get_data(as_text=True)
    assert intruder.get(f"/cases/saved-views/{view_id}/delete").status_code == 404
    assert intruder.post(f"/cases/saved-views/{view_id}/delete", {}, token_from="/cases").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).where(SavedView.id == view_id)) == 1
    assert signed_in(owner).post(f"/cases/saved-views/{view_id}/delete", {}, token_from="/cases").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).where(SavedView.id == view_id)) == 0


def test_deleting_a_saved_view_asks_first_and_then_goes_back_to_the_list_it_was_deleted_from(factory, signed_in):
    visitor = signed_in(factory.manager())
    visitor.post("/cases/saved-views", {"name": "Tunisian museums", "query": "country=TN"}, token_from="/cases")
    listing = visitor.get("/cases?view=open&field=MUS").get_data(as_text=True)
    chip = unescape(re.search(r'href="(/cases/saved-views/\d+/delete[^"]*)"', listing).group(1))
    view_id = int(re.search(r"/saved-views/(\d+)/", chip).group(1))

    asked = visitor.get(chip)  # the chip's × asks, and deletes nothing
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Delete the view “ Tunisian museums ”?" in text(page)  # the name in <bdi>
    assert re.search(r'<a href="([^"]+)">Keep it</a>', page).group(1) == "/cases?view=open&amp;field=MUS"
    assert db.session.scalar(sa.select(sa.func.count()).where(SavedView.id == view_id)) == 1

    form = next(form for form in forms(page) if "/delete" in form.action)
    deleted = visitor.post(unescape(form.action), {}, token_from=chip)
    assert deleted.status_code == 302 and deleted.headers["Location"] == "/cases?view=open&field=MUS"
    assert "The view “Tunisian museums” is deleted." in text(
        visitor.get(deleted.headers["Location"]).get_data(as_text=True)
    )
    assert db.session.scalar(sa.select(sa.func.count()).where(SavedView.id == view_id)) == 0


def test_saving_a_view_under_a_name_already_used_says_it_replaced_it(factory, signed_in):
    visitor = signed_in(factory.manager())
    visitor.post("/cases/saved-views", {"name": "Mine", "query": "country=TN"}, token_from="/cases")
    first = text(visitor.get("/cases").get_data(as_text=True))
    visitor.post("/cases/saved-views", {"name": "Mine", "query": "country=MA"}, token_from="/cases")
    second = text(visitor.get("/cases").get_data(as_text=True))
    visitor.post("/cases/saved-views", {"name": "Mine", "query": "country=MA"}, token_from="/cases")
    again = text(visitor.get("/cases").get_data(as_text=True))

    assert "The view “Mine” is saved." in first
    assert "The view “Mine” now shows this list (it showed another)." in second
    assert "The view “Mine” is saved." in again and "it showed another" not in again  # the same list saved again


def test_the_longest_list_a_person_can_ask_for_is_saved(factory, signed_in):
    manager = factory.manager()
    longest = {
        "view": "waiting_for_partner", "q": "𝕏" * 100, "state": "skills_mobilised", "field": "MUS",
        "country": "TN", "continent": "americas", "instrument": "bilateral", "assistance_type": "expert_mission",
        "outcome": "redirected", "reached": "mission_delivered", "from": "2026-01-01", "to": "2026-12-31",
        "priority": "emergency", "lead": "999999999", "older_than": "365", "in_state_for": "365",
        "assigned": "me", "pause": "overdue", "sort": "-reference",
    }  # fmt: skip
    query = urlencode(longest)
    saved = signed_in(manager).post("/cases/saved-views", {"name": "Long", "query": query}, token_from="/cases")
    assert saved.status_code == 302
    kept = db.session.scalar(sa.select(SavedView.query).where(SavedView.user_id == manager.id))
    assert saved_views.filters_of(kept) == saved_views.filters_of(query)


def test_deleting_a_view_no_view_can_be_is_not_found(factory, signed_in):
    visitor = signed_in(factory.manager())
    for view_id in ("0", "99999999999999999999"):
        assert visitor.post(f"/cases/saved-views/{view_id}/delete", {}, token_from="/cases").status_code == 404


def test_saving_a_view_without_the_form_s_token_is_refused(factory, signed_in):
    manager = factory.manager()
    response = signed_in(manager).post("/cases/saved-views", {"name": "x", "query": ""}, with_csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedView)) == 0


# --- from a case back to its list, and on to the next case ------------------------------------


def _links(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="case-nav".*?</nav>', html, re.S).group(0)
    found = {"back": re.search(r'class="breadcrumb"><a href="([^"]+)"', nav).group(1)}
    for rel in ("prev", "next"):
        match = re.search(rf'<a href="([^"]+)" rel="{rel}"', nav)
        if match:
            found[rel] = match.group(1)
    return {key: unescape(value) for key, value in found.items()}


def _opened_from(visitor, list_url: str, reference: str) -> dict[str, str]:
    """The links of the case `reference`, opened from the list at `list_url`."""
    listing = visitor.get(list_url).get_data(as_text=True)
    link = re.search(rf'<a href="([^"]+)">{reference}</a>', listing).group(1)
    return _links(visitor.get(unescape(link)).get_data(as_text=True))


def test_a_case_opened_from_a_list_leads_back_to_it_and_to_its_neighbours(factory, signed_in):
    cases = [factory.case(field="MUS", title=f"Museum {n}") for n in range(3)]
    factory.case(field="HER")
    visitor = signed_in(factory.manager())

    links = _opened_from(visitor, "/cases?field=MUS&sort=oldest", cases[1].reference)

    assert links["back"] == "/cases?view=all&field=MUS&sort=oldest"
    assert links["prev"].startswith(f"/cases/{cases[0].id}?")
    assert links["next"].startswith(f"/cases/{cases[2].id}?")
    last = _links(visitor.get(links["next"]).get_data(as_text=True))
    assert "next" not in last
    assert last["prev"].startswith(f"/cases/{cases[1].id}?")


@pytest.mark.parametrize("sort", ["newest", "reference", "-title", "state", "priority", "in_state"])
def test_walking_a_list_case_by_case_meets_every_case_in_its_order(factory, signed_in, sort):
    for title in ("B", "A", "C", "A"):
        factory.case(title=f"Request {title}")
    visitor = signed_in(factory.manager())
    expected = listed(visitor.get(f"/cases?view=all&sort={sort}").get_data(as_text=True))
    first = re.search(
        rf'<a href="([^"]+)">{expected[0]}</a>', visitor.get(f"/cases?view=all&sort={sort}").get_data(as_text=True)
    )

    walked, url = [], unescape(first.group(1))
    while url:
        html = visitor.get(url).get_data(as_text=True)
        walked.append(re.search(r'<p class="reference">([^<]+)</p>', html).group(1))
        url = _links(html).get("next")

    assert walked == expected


def test_the_list_a_case_remembers_cannot_widen_what_a_partner_sees(factory, signed_in):
    partner = factory.partner()
    own = factory.case(author=partner)
    factory.case()  # another organisation's, filed later
    html = signed_in(partner).get(f"/cases/{own.id}?list=view%3Dall").get_data(as_text=True)
    assert "next" not in _links(html) and "prev" not in _links(html)


# --- similar requests ------------------------------------------------------------------------


def test_a_request_that_repeats_an_earlier_one_in_other_words_lists_it_among_its_similar_requests(factory, signed_in):
    earlier = factory.case(
        "closed",
        outcome="declined",
        field="MUS",
        country="JO",
        title="Inventory of the collections of the Jordan Museum",
        context="The museum holds 20,000 objects without a digital inventory.",
        objectives="Train the curators to inventory and digitise the collections.",
    )
    unrelated = factory.case(
        field="MUS", country="JO", title="Lighting of the galleries", context="New lamps. " + FILLER
    )
    elsewhere = factory.case(
        field="MUS", country="MA", title="Inventory of collections", context="Digitise them. " + FILLER
    )
    repeat = factory.case(
        field="MUS",
        country="JO",
        title="Digitising our museum collections",
        context="Our curators need to learn how to inventory the collections.",
        objectives="A digital inventory of the objects.",
    )

    html = signed_in(factory.expert()).get(f"/cases/{repeat.id}").get_data(as_text=True)
    section = re.search(r'<section aria-labelledby="similar-title">.*?</section>', html, re.S).group(0)
    shown = references(section)

    assert shown[0] == earlier.reference  # closest in words first
    assert unrelated.reference in shown
    assert elsewhere.reference not in shown  # another country, another organisation
    assert repeat.reference not in shown


def test_an_arabic_request_finds_an_earlier_one_that_writes_the_same_words_with_their_articles(factory, signed_in):
    earlier = factory.case(
        "closed",
        outcome="declined",
        field="MUS",
        country="JO",
        title="جرد المجموعات في المتحف الأردني",
        context="يضم المتحف عشرين ألف قطعة بلا جرد رقمي. " + FILLER,
        objectives="تدريب الأمناء على الجرد والرقمنة.",
    )
    # Shares three words with the new request as they are both written, the earlier one two.
    lighting = factory.case(
        field="MUS", country="JO", title="إضاءة قاعات متحف", context="مصابيح لقاعات متحف عمان بتحكم رقمي. " + FILLER
    )
    repeat = factory.case(
        field="MUS",
        country="JO",
        title="رقمنة مجموعات متحف",
        context="يحتاج أمناء متحف عمان إلى تعلم الجرد. " + FILLER,
        objectives="جرد رقمي للمجموعات.",
    )

    html = signed_in(factory.expert()).get(f"/cases/{repeat.id}").get_data(as_text=True)
    section = re.search(r'<section aria-labelledby="similar-title">.*?</section>', html, re.S).group(0)

    assert references(section) == [earlier.reference, lighting.reference]


def test_a_partner_never_sees_similar_requests(factory, signed_in):
    partner = factory.partner()
    factory.case(title="Museum inventory")
    own = factory.case(author=partner, title="Museum inventory")
    html = main_content(signed_in(partner).get(f"/cases/{own.id}").get_data(as_text=True))
    assert "similar-title" not in html


def test_a_case_opened_from_a_later_page_of_its_list_leads_back_to_that_page(factory, signed_in):
    cases = [factory.case(field="MUS") for _ in range(3)]
    visitor = signed_in(factory.manager())

    links = _opened_from(visitor, "/cases?field=MUS&sort=oldest&per_page=2&page=2", cases[2].reference)

    assert links["back"] == "/cases?view=all&field=MUS&sort=oldest&page=2&per_page=2"
    assert links["prev"].startswith(f"/cases/{cases[1].id}?")
    # The case before it is the last of the first page: its way back leads there, and its next case back to page 2.
    before = _links(visitor.get(links["prev"]).get_data(as_text=True))
    assert before["back"] == "/cases?view=all&field=MUS&sort=oldest&per_page=2"
    assert _links(visitor.get(before["next"]).get_data(as_text=True))["back"] == links["back"]


@pytest.mark.parametrize("own_page", [False, True], ids=["on-the-case-page", "on-its-own-page"])
def test_an_action_done_on_a_case_opened_from_a_list_keeps_the_way_back_to_it(factory, signed_in, own_page):
    cases = [factory.case(field="MUS") for _ in range(3)]
    visitor = signed_in(factory.manager())
    listing = visitor.get("/cases?field=MUS&sort=oldest").get_data(as_text=True)
    case_page = unescape(re.search(rf'<a href="([^"]+)">{cases[1].reference}</a>', listing).group(1))
    html = visitor.get(case_page).get_data(as_text=True)
    name = "decline" if own_page else "post_note"
    if own_page:  # a decline is confirmed on a page of its own, linked from the case's
        link = re.search(rf'href="([^"]*/actions/{name}[^"]*)"', html).group(1)
        html = visitor.get(unescape(link)).get_data(as_text=True)
    form = form_posting_to(html, next(f.action for f in forms(html) if f"/actions/{name}" in f.action))
    data = {"body": "Checked the budget."} if name == "post_note" else step_data("decline", cases[1])

    done = visitor.post(form.action, {**data, "version": form.value("version")}, follow_redirects=True)

    assert done.status_code == 200 and snapshot(cases[1].id).events[-1][1] == name
    links = _links(done.get_data(as_text=True))
    assert links["back"] == "/cases?view=all&field=MUS&sort=oldest"
    assert links["prev"].startswith(f"/cases/{cases[0].id}?")


# --- filters the list's form has no field for ------------------------------------------------


def test_filters_of_an_overview_link_are_shown_kept_when_the_list_is_sorted_and_removable(factory, signed_in):
    asian = factory.case(country="JO", field="MUS")
    factory.case(country="TN", field="MUS")
    visitor = signed_in(factory.manager())
    html = visitor.get("/cases?view=all&continent=asia&field=MUS").get_data(as_text=True)
    assert references(html) == [asian.reference]
    chips = re.search(r'<div class="carried-filters">.*?</div>', html, re.S).group(0)
    assert "Continent: Asia" in text(chips)

    form = next(form for form in forms(html) if "q" in form.values)
    assert form.value("continent") == "asia" and form.value("field") == "MUS"
    form.values["sort"] = ["oldest"]  # the user sorts the list otherwise and applies
    resorted = visitor.get("/cases", query_string=form.values).get_data(as_text=True)
    assert references(resorted) == [asian.reference]

    removed = re.search(r'<a href="([^"]+)" class="remove-filter">', chips).group(1)
    assert unescape(removed) == "/cases?view=all&field=MUS"


def test_a_partner_s_list_keeps_the_filters_its_form_does_not_show(factory, signed_in):
    partner = factory.partner()
    museum = factory.case(author=partner, field="MUS")
    factory.case(author=partner, field="HER")
    html = signed_in(partner).get("/cases?field=MUS").get_data(as_text=True)
    assert references(html) == [museum.reference]
    assert "Field: Museums and collections" in text(html)
    form = next(form for form in forms(html) if "q" in form.values)
    assert form.value("field") == "MUS"
    reached = text(signed_in(partner).get("/cases?reached=assessed").get_data(as_text=True))
    assert "Reached: Accepted" in reached and "Assessed" not in reached  # the state in the partner's words


def test_a_search_that_finds_nothing_in_the_expert_s_own_work_shows_what_it_finds_among_all(factory, signed_in):
    expert = factory.expert()
    factory.assign_lead(factory.case(title="Visitor paths at Dougga"), expert)  # their own work
    elsewhere = factory.case(title="Musée des beaux-arts", state="closed", outcome="declined")  # not theirs, closed

    answer = signed_in(expert).get("/cases?view=mine&q=musee", follow_redirects=True)

    html = answer.get_data(as_text=True)
    assert references(html) == [elsewhere.reference]
    assert "No request of “My open work” matches “musee”: here are those of all requests, closed included." in text(
        html
    )
    assert re.search(r'<a href="[^"]+" aria-current="true">All, closed included</a>', html)
    assert "view=all" in answer.request.url and "q=musee" in answer.request.url  # what is saved, exported, shared
    # An address that says so of a view where the search does find requests is not believed.
    told = signed_in(expert).get("/cases?view=all&q=dougga&widened=mine").get_data(as_text=True)
    assert "No request of" not in text(told) and len(references(told)) == 1


def test_a_search_that_finds_nothing_anywhere_says_so_in_the_expert_s_own_work(factory, signed_in):
    expert = factory.expert()
    factory.assign_lead(factory.case(title="Visitor paths at Dougga"), expert)
    answer = signed_in(expert).get("/cases?view=mine&q=zzzz")

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and references(html) == []
    assert (
        "No request matches these filters, neither in “My open work” nor among all requests, closed included."
        in text(html)
    )
    assert re.search(r'<a href="[^"]+" aria-current="true">My open work</a>', html)
    assert "Look in all requests" not in html  # it would lead to another empty list
    assert "not the names of partners, countries or people. To see a country’s requests" in text(html)


def test_a_partner_s_search_is_never_widened_to_what_they_cannot_see(factory, signed_in):
    partner = factory.partner()
    factory.case(title="Musée des beaux-arts")  # another organisation's
    answer = signed_in(partner).get("/cases?view=mine&q=musee")
    assert answer.status_code == 200 and references(answer.get_data(as_text=True)) == []


def test_the_ministry_s_less_used_filters_fold_away_until_one_is_in_use(factory, signed_in):
    visitor = signed_in(factory.manager())

    def folded(url: str) -> str:
        html = visitor.get(url).get_data(as_text=True)
        return re.search(r'<details class="more-filters"[^>]*>\s*<summary>([^<]+)</summary>', html).group(0)

    closed = folded("/cases?view=open")
    assert " open>" not in closed and "More filters</summary>" in closed
    in_use = folded("/cases?view=open&field=MUS&priority=urgent")
    assert " open>" in in_use and "More filters · in use: 2" in in_use
