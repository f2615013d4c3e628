"""What every page owes its readers: no attribute written as "None" (screen readers then
announce every field as invalid), a language switch that keeps what was typed, and a
number of SQL queries that does not grow with the rows shown."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from expertise_app.cases.models import ExpertiseRequest
from expertise_app.extensions import db

from .factories import count, request_data
from .matrix import NAMES
from .pages import form_posting_to, text

NONE_ATTRIBUTE = re.compile(r'\s[\w-]+="None"')


def _pages_of(cast, case_ids: dict[str, int]) -> dict[str, list[str]]:
    cases = [f"/cases/{case_id}" for case_id in case_ids.values()]
    return {
        "partner": [
            "/cases",
            "/cases/new",
            "/account",
            "/invitations",
            *cases,
            f"/cases/{case_ids['submitted']}/actions/edit",
        ],
        "manager": [
            "/dashboard",
            "/cases",
            "/accounts",
            "/invitations",
            *cases,
            *(f"/cases/{case_ids['submitted']}/actions/{n}" for n in NAMES),
        ],
        "unrelated_expert": ["/cases", *cases],
    }


def test_no_page_writes_an_attribute_as_none(factory, cast, signed_in, visitor):
    case_ids = {state: factory.cast_case(cast, state).id for state in ("submitted", "assessed", "closed")}
    for anonymous in ("/login", "/forgot-password"):
        assert not NONE_ATTRIBUTE.findall(visitor.get(anonymous).get_data(as_text=True))
    assert not NONE_ATTRIBUTE.findall(visitor.post("/login", {"email": "x", "password": ""}).get_data(as_text=True))
    for person, urls in _pages_of(cast, case_ids).items():
        session = signed_in(cast[person])
        for url in urls:
            response = session.get(url)
            html = response.get_data(as_text=True)
            assert response.status_code in (200, 403, 409), (person, url)
            assert not NONE_ATTRIBUTE.findall(html), (person, url, NONE_ATTRIBUTE.findall(html)[:3])


@pytest.mark.parametrize("path", ["/cases", "/dashboard", "/api/docs"])
def test_every_page_names_the_app_s_icon_which_is_served(factory, signed_in, path):
    visitor = signed_in(factory.manager())
    page = visitor.get(path).get_data(as_text=True)
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page)

    assert icon, path
    served = visitor.get(icon.group(1))
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert served.get_data(as_text=True).startswith("<svg")


def test_a_form_with_errors_marks_only_the_fields_in_error(factory, signed_in):
    response = signed_in(factory.partner()).post("/cases/new", request_data(title=""))
    html = response.get_data(as_text=True)
    invalid = re.findall(r'<(?:input|select|textarea)[^>]*aria-invalid="true"[^>]*>', html)
    assert len(invalid) == 1 and 'name="title"' in invalid[0]


@pytest.mark.parametrize(
    ("language", "line"),
    [("en", '<a href="#title">Title</a>: This field is required.'), ("fr", '<a href="#title">Titre</a> : Ce champ')],
)
def test_the_summary_of_a_form_s_errors_takes_the_focus_and_names_each_field_in_its_language(
    factory, signed_in, language, line
):
    """Focus left on the page, a keyboard user started from its top; French puts a space before its colon."""
    response = signed_in(factory.partner()).post(
        "/cases/new", request_data(title=""), headers={"Accept-Language": language}
    )
    summary = re.search(r'<div class="error-summary"([^>]*)>(.*?)</div>', response.get_data(as_text=True), re.S)
    assert summary and "autofocus" in summary.group(1)
    assert line in summary.group(2)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_required_list_of_checkboxes_says_so_once_and_no_box_is_required(factory, signed_in, language):
    """One ticked box is enough: a `required` on each would have a screen reader announce every one of
    the 184 working languages as required, and a browser that validates ask for all of them."""
    visitor = signed_in(factory.partner())
    html = visitor.get("/cases/new", headers={"Accept-Language": language}).get_data(as_text=True)
    fieldset = next(part for part in html.split("<fieldset")[1:] if 'id="working_languages"' in part)
    legend, boxes = re.search(r"<legend>(.*?)</legend>(.*?)</fieldset>", fieldset, re.S).groups()
    said = {"en": "(required: tick at least one)", "ar": "(مطلوب: اختر خانة واحدة على الأقل)"}[language]
    assert said in text(legend)
    checkboxes = re.findall(r'<input [^>]*type="checkbox"[^>]*>', boxes)
    assert len(checkboxes) > 100
    assert not [box for box in checkboxes if re.search(r"\srequired[\s>=]", box)]


# --- switching the language keeps what was typed ------------------------------------------------


def test_switching_language_in_the_new_request_form_keeps_everything_typed(factory, signed_in):
    partner = factory.partner()
    visitor = signed_in(partner)
    key = form_posting_to(visitor.get("/cases/new").get_data(as_text=True), "").value("submission_key")
    typed = request_data(title="Inventaire des textiles du musée national")

    response = visitor.post("/cases/new", {**typed, "submission_key": key, "switch_language": "fr"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr"' in html
    form = form_posting_to(html, "")
    assert form.value("title") == typed["title"]
    assert form.value("context") == typed["context"]
    assert sorted(form.values["working_languages"]) == ["ar", "fr"]
    assert form.value("submission_key") == key
    assert "error-summary" not in html  # nothing was validated: no error is shown
    assert count(ExpertiseRequest) == 0  # switching files nothing
    db.session.refresh(partner)
    assert partner.locale == "fr"
    assert visitor.post("/cases/new", {**typed, "submission_key": key}).status_code == 302
    assert count(ExpertiseRequest) == 1


def test_the_language_buttons_of_a_form_page_send_that_form(factory, signed_in):
    html = signed_in(factory.partner()).get("/cases/new").get_data(as_text=True)
    buttons = re.findall(r'<button [^>]*name="switch_language"[^>]*>', html)
    assert len(buttons) == 3
    assert all('form="request-form"' in button and "formnovalidate" in button for button in buttons)


def test_switching_language_in_the_edit_form_keeps_the_changes_and_saves_nothing(factory, cast, signed_in):
    case = factory.cast_case(cast, "submitted")
    visitor = signed_in(cast.partner)
    url = f"/cases/{case.id}/actions/edit"
    response = visitor.post(
        url,
        {
            **request_data(title="A changed title, not yet saved"),
            "version": case.partner_version,
            "switch_language": "ar",
        },
        token_from="/cases",
    )
    assert response.status_code == 200
    assert 'dir="rtl"' in response.get_data(as_text=True)
    assert form_posting_to(response.get_data(as_text=True), url).value("title") == "A changed title, not yet saved"
    db.session.expire_all()
    assert db.session.get(ExpertiseRequest, case.id).title == request_data()["title"]


def test_a_form_shown_again_in_another_language_still_names_the_version_it_was_made_from(factory, cast, signed_in):
    """Else a copy read before someone else's change would come back looking fresh, and overwrite it."""
    case = factory.cast_case(cast, "submitted")
    read = case.partner_version
    factory.fire(case, "post_message", actor=cast.manager, body="We corrected your title's typo.")
    visitor = signed_in(cast.partner)
    url = f"/cases/{case.id}/actions/edit"
    typed = {**request_data(objectives="Objectives typed before the language was switched."), "version": read}

    switched = visitor.post(url, {**typed, "switch_language": "fr"}, token_from="/cases")

    form = form_posting_to(switched.get_data(as_text=True), url)
    assert form.value("version") == str(read)
    sent = visitor.post(url, {**typed, "version": form.value("version")}, token_from="/cases")
    assert sent.status_code == 409
    db.session.expire_all()
    assert db.session.get(ExpertiseRequest, case.id).objectives == request_data()["objectives"]


# --- queries stay constant in the number of rows ----------------------------------------------


@pytest.fixture
def queries(app):
    """Count the SQL statements of a block: `with queries() as counted: …; counted[0]`."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counted = [0]

        def count_statement(*_args):
            counted[0] += 1

        sa.event.listen(db.engine, "before_cursor_execute", count_statement)
        try:
            yield counted
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count_statement)

    return counting


def _queries_of(visitor, url: str, queries) -> int:
    with queries() as counted:
        response = visitor.get(url)
    assert response.status_code == 200
    return counted[0]


@pytest.mark.parametrize("person", ["manager", "partner"])
def test_the_lists_run_as_many_queries_for_three_rows_as_for_twenty(factory, cast, signed_in, api, queries, person):
    for _ in range(3):
        factory.cast_case(cast, "submitted")
    visitor, client = signed_in(cast[person]), api(cast[person])
    visitor.get("/cases"), client.get("/requests")  # the first call also notes the token's use
    few_page = _queries_of(visitor, "/cases?per_page=50", queries)
    # Both lists fit on one page: a full page would also count the rows of the others.
    with queries() as few_api:
        client.get("/requests?per_page=50")
    for state in ("assessed", "skills_mobilised", "closed"):
        for _ in range(6):
            factory.cast_case(cast, state)
    many_page = _queries_of(visitor, "/cases?per_page=50", queries)
    with queries() as many_api:
        client.get("/requests?per_page=50")
    assert few_page == many_page
    assert few_api[0] == many_api[0]


def test_a_case_page_runs_as_many_queries_for_a_short_history_as_for_a_long_one(factory, cast, signed_in, queries):
    short = factory.cast_case(cast, "assessed")
    long = factory.cast_case(cast, "assessed")
    for _ in range(5):
        factory.fire(long, "ask_partner", actor=cast.manager)
        factory.fire(long, "answer", actor=cast.partner)
        factory.fire(long, "hold", actor=cast.manager)
        factory.fire(long, "resume", actor=cast.manager)
    for person in ("manager", "partner"):
        visitor = signed_in(cast[person])
        assert _queries_of(visitor, f"/cases/{short.id}", queries) == _queries_of(
            visitor, f"/cases/{long.id}", queries
        ), person
    assert "Resumed" in text(signed_in(cast.manager).get(f"/cases/{long.id}").get_data(as_text=True))


def test_the_directory_and_the_suggestions_run_as_many_queries_for_three_experts_as_for_twenty(
    factory, cast, signed_in, queries
):
    """No query per expert: profiles, workload, ranking and clashes are read for the whole page at once."""
    case = factory.case("assessed", author=cast.partner)  # desired: from 90 days on, for 5 days
    busy_case = factory.case("assessed", author=cast.partner)
    overlapping = (date.today() + timedelta(days=91)).isoformat()
    factory.fire(busy_case, "plan_mission", planned_start=overlapping, planned_end=overlapping)
    factory.build_team(busy_case, [cast.team_expert])  # busy over the request's dates
    visitor = signed_in(cast.manager)
    urls = ("/experts", f"/cases/{case.id}/suggestions", f"/api/v1/requests/{case.id}/suggestions")
    few = [_queries_of(visitor, url, queries) for url in urls]
    newcomers = [factory.expert() for _ in range(17)]
    factory.build_team(busy_case, newcomers[:3])  # more of them busy and loaded
    many = [_queries_of(visitor, url, queries) for url in urls]
    assert few == many
    assert "Busy" in visitor.get(f"/cases/{case.id}/suggestions").get_data(as_text=True)
