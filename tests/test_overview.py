"""The manager's overview: its figures agree with counts made here from the requests' own data,
for each combination of filters tried; its charts link to the lists they count."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from expertise_app import transaction
from expertise_app.cases import operations
from expertise_app.cases.models import ExpertiseRequest, RequestFacts
from expertise_app.experts.services import apply_profile
from expertise_app.extensions import db

from .factories import (
    expert_profile,
    request_data,
    step_data,
    tallies_kept,
    tallies_of_the_facts,
    team_places_kept,
    team_places_of_the_requests,
)
from .pages import references, text

# The requests of the overview's tests: what each is, and the steps it reached (written out by hand).
KEYS = ("field", "country", "instrument", "assistance_type", "end")
SPEC = [
    dict(zip(KEYS, values, strict=True))
    for values in (
        ("MUS", "TN", "bilateral", "expert_mission", "submitted"),
        ("MUS", "JO", "taiex", "workshop", "assessed"),
        ("HER", "TN", "taiex", "expert_mission", "declined"),
        ("HER", "MX", "bilateral", "training", "completed"),
        ("ARC", "JO", "bilateral", "workshop", "withdrawn"),
        ("MUS", "MX", "unesco", "remote_advice", "skills_mobilised"),
        ("HER", "JO", "taiex", "workshop", "redirected"),
    )
]
CONTINENT = {"TN": "africa", "JO": "asia", "MX": "americas"}
# How each end is reached: the state it leaves the request in, its outcome, the steps it went through.
ENDS = {
    "submitted": ("submitted", None, ("submitted",)),
    "assessed": ("assessed", None, ("submitted", "assessed")),
    "skills_mobilised": ("skills_mobilised", None, ("submitted", "assessed", "skills_mobilised")),
    "completed": ("closed", "completed", ("submitted", "assessed", "skills_mobilised", "mission_delivered")),
    "declined": ("closed", "declined", ("submitted",)),
    "withdrawn": ("closed", "withdrawn", ("submitted",)),
    "redirected": ("closed", "redirected", ("submitted",)),
}
STATE_LABEL = {
    "submitted": "Submitted",
    "assessed": "Assessed",
    "skills_mobilised": "Skills mobilised",
    "mission_delivered": "Mission delivered",
    "closed": "Closed",
}
OUTCOME_LABEL = {"completed": "Completed", "declined": "Declined", "redirected": "Redirected", "withdrawn": "Withdrawn"}
FIELD_LABEL = {"MUS": "Museums and collections", "HER": "Monuments and sites", "ARC": "Archaeology"}
CONTINENT_LABEL = {"africa": "Africa", "asia": "Asia", "americas": "Americas"}
DECLINE_LABEL = "Out of the ministry's scope"  # the reason code of the factories' declines
REDIRECT_LABEL = "EU TAIEX or Twinning, through the EU Delegation"  # the destination of their redirections
INSTRUMENT_LABEL = {"bilateral": "Bilateral cooperation", "taiex": "TAIEX", "unesco": "UNESCO"}

FILTER_COMBINATIONS = [
    {},
    {"field": "MUS"},
    {"continent": "asia"},
    {"instrument": "taiex"},
    {"outcome": "declined"},
    {"field": "HER", "continent": "asia"},
    {"assistance_type": "workshop", "instrument": "bilateral"},
    {"country": "TN"},
    {"field": "ARC", "country": "MX"},  # nothing
]


@pytest.fixture
def spec_cases(factory):
    cases = []
    for entry in SPEC:
        end = entry["end"]
        state, outcome, _steps = ENDS[end]
        fields = {key: entry[key] for key in ("field", "country", "instrument", "assistance_type")}
        cases.append(factory.case(state, outcome=outcome, **fields))
    return cases


def selected(filters: dict) -> list[dict]:
    """The entries of SPEC the filters select, decided here from the entries' own values."""

    def matches(entry: dict) -> bool:
        _state, outcome, _steps = ENDS[entry["end"]]
        values = {**entry, "continent": CONTINENT[entry["country"]], "outcome": outcome}
        return all(values[key] == value for key, value in filters.items())

    return [entry for entry in SPEC if matches(entry)]


def figures(client, filters: dict) -> dict[tuple[str, str], tuple[str, str]]:
    response = client.get("/dashboard/figures.csv", query_string=filters)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return {(section, item): (value, open_) for section, item, value, open_ in rows[1:]}


def combination_id(filters: dict) -> str:
    return "&".join(f"{key}={value}" for key, value in filters.items()) or "all"


@pytest.mark.parametrize("filters", FILTER_COMBINATIONS, ids=combination_id)
def test_the_overview_s_figures_agree_with_counts_made_from_the_requests(spec_cases, factory, signed_in, filters):
    chosen = selected(filters)
    got = figures(signed_in(factory.manager()), filters)

    def is_open(entry):
        return ENDS[entry["end"]][0] != "closed"

    assert got[("Requests", "requests in all")] == (str(len(chosen)), str(sum(map(is_open, chosen))))
    states = Counter(ENDS[entry["end"]][0] for entry in chosen)
    for state, label in STATE_LABEL.items():
        assert got[("Requests by state", label)][0] == str(states[state]), label
    outcomes = Counter(ENDS[entry["end"]][1] for entry in chosen)
    for outcome, label in OUTCOME_LABEL.items():
        assert got[("Outcome", label)][0] == str(outcomes[outcome]), label
    reached = Counter(step for entry in chosen for step in ENDS[entry["end"]][2])
    for state in ("submitted", "assessed", "skills_mobilised", "mission_delivered"):
        assert got[("Funnel", STATE_LABEL[state])][0] == str(reached[state]), state
    assert got[("Funnel", "Completed")][0] == str(outcomes["completed"])
    # Every declined request of the tests gives the same reason code, every redirected one the same destination.
    reasons = {item: value for (section, item), value in got.items() if section == "Reasons for declining"}
    assert reasons == ({DECLINE_LABEL: (str(outcomes["declined"]), "")} if outcomes["declined"] else {})
    destinations = {item: value for (section, item), value in got.items() if section == "Redirected to"}
    assert destinations == ({REDIRECT_LABEL: (str(outcomes["redirected"]), "")} if outcomes["redirected"] else {})
    for section, key, labels in (
        ("Requests by field", "field", FIELD_LABEL),
        ("Requests by continent", "continent", CONTINENT_LABEL),
        ("Requests by instrument", "instrument", INSTRUMENT_LABEL),
    ):
        values = [entry[key] if key != "continent" else CONTINENT[entry["country"]] for entry in chosen]
        totals, open_counts = Counter(values), Counter(v for v, e in zip(values, chosen, strict=True) if is_open(e))
        shown = {item: value for (sec, item), value in got.items() if sec == section}
        assert shown == {labels[code]: (str(totals[code]), str(open_counts[code])) for code in totals}, section


def test_each_bar_of_a_chart_links_to_the_list_it_counts(spec_cases, factory, signed_in):
    visitor = signed_in(factory.manager())
    page = visitor.get("/dashboard?continent=asia").get_data(as_text=True)
    chart = re.search(r'<h2 id="by-field">.*?</svg>', page, re.S).group(0)
    link = re.search(
        r'<a href="([^"]+)">\s*<rect[^>]*class="target"></rect>\s*<text[^>]*>Monuments and sites</text>', chart
    )

    assert link, "the field's bar is a link"
    listing = visitor.get(unescape(link.group(1))).get_data(as_text=True)
    expected = [case.reference for entry, case in zip(SPEC, spec_cases, strict=True)
                if entry["field"] == "HER" and CONTINENT[entry["country"]] == "asia"]  # fmt: skip
    assert sorted(references(listing)) == sorted(expected)


def test_the_overview_draws_its_charts_without_scripts_or_inline_styles(spec_cases, factory, signed_in):
    html = signed_in(factory.manager()).get("/dashboard").get_data(as_text=True)
    assert html.count('<svg class="chart') >= 7
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert re.search(r'<svg class="chart bars"[^>]*role="group" aria-label="Requests by field"', html)


def test_the_overview_reads_right_to_left_in_arabic(spec_cases, factory, signed_in):
    visitor = signed_in(factory.manager())
    visitor.post("/language", {"lang": "ar"}, token_from="/dashboard")
    html = visitor.get("/dashboard").get_data(as_text=True)
    chart = re.search(r'<svg class="chart bars" viewBox="0 0 (\d+) .*?</svg>', html, re.S)
    first_bar = re.search(r'<rect x="([\d.]+)"[^>]*width="([\d.]+)"[^>]*class="bar"', chart.group(0))
    label = re.search(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)" class="label"', chart.group(0))

    assert 'dir="rtl"' in html
    assert chart.group(1) == "400"
    assert float(first_bar.group(1)) + float(first_bar.group(2)) == pytest.approx(400)  # bars start on the right
    assert (float(label.group(1)), label.group(2)) == (397, "end")  # and so do their labels, above them, 3 units in


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


def test_lead_times_leave_pauses_out(factory, signed_in):
    """Three requests assessed after 4, 10 (of which 5 waiting for the partner) and 12 working days."""
    manager = factory.manager()
    for filed, question, answered, assessed in (
        ("2026-01-05", None, None, "2026-01-09"),  # Mon → Fri: 4 working days
        ("2026-01-05", "2026-01-06", "2026-01-13", "2026-01-19"),  # 10 working days, 5 of them waiting
        ("2026-01-05", None, None, "2026-01-21"),  # 12 working days
    ):
        case = operations.file_request(factory.partner(), request_data(), at=at(filed)).case
        transaction.commit()
        if question:
            data = step_data("ask_partner", case, due_on="2026-01-30")
            operations.perform(case, "ask_partner", manager, data, case.version, at=at(question))
            transaction.commit()
            operations.perform(
                case, "answer", case.author, step_data("answer", case), case.partner_version, at=at(answered)
            )
            transaction.commit()
        operations.perform(case, "assess", manager, step_data("assess", case), case.version, at=at(assessed))
        transaction.commit()

    got = figures(signed_in(manager), {})

    assert got[("Lead time, median (working days)", "Submitted")][0] == "5"  # 4, 5, 12: the median is 5
    assert got[("Lead time, 90th percentile (working days)", "Submitted")][0] == "12"
    assert got[("Lead time, median (working days)", "Assessed")][0] == ""  # none has left that step


def test_figures_are_counted_once_for_each_version_of_the_data_and_again_after_any_change(
    spec_cases, factory, signed_in
):
    client = signed_in(factory.manager())
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    def aggregates(run: list[str]) -> list[str]:
        counted = ("request_facts", "overview_tallies", "GROUP BY")
        return [statement for statement in run if any(word in statement for word in counted)]

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        first = figures(client, {})
        counted_first = len(statements)
        assert figures(client, {}) == first
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(aggregates(statements[:counted_first])) >= 5  # counts, months, lead times, workload, gaps
    assert aggregates(statements[counted_first:]) == []  # no aggregate is run again

    submitted = spec_cases[0]  # MUS, TN, still submitted
    operations.perform(
        submitted, "withdraw", submitted.author, step_data("withdraw", submitted), submitted.partner_version
    )
    transaction.commit()

    after = figures(client, {})
    assert first[("Requests by state", "Submitted")][0] == "1"
    assert after[("Requests by state", "Submitted")][0] == "0"
    assert after[("Outcome", "Withdrawn")][0] == str(int(first[("Outcome", "Withdrawn")][0]) + 1)
    assert after[("Requests", "requests in all")] == ("7", "2")


def _without_tokens(html: str) -> str:
    """The page without its CSRF tokens, which are signed with the second they were written in."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', html)


def test_the_overview_page_is_written_once_per_language_and_version_of_the_data(spec_cases, factory, signed_in):
    """The charts and tables are kept once written, for each language apart, and written again after a change."""
    client = signed_in(factory.manager())
    statements = []

    def record(*_args):
        statements.append(1)

    client.get("/dashboard")  # with the "you are signed in" message
    first = client.get("/dashboard").get_data(as_text=True)
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        again = client.get("/dashboard").get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert _without_tokens(again) == _without_tokens(first)
    assert len(statements) <= 4  # the user, the header's count, the version of the data: no aggregate again

    client.post("/language", {"lang": "fr"}, token_from="/dashboard")
    french = client.get("/dashboard").get_data(as_text=True)
    assert "Télécharger les chiffres (CSV)" in french and "Download the figures (CSV)" not in french

    client.post("/language", {"lang": "en"}, token_from="/dashboard")
    assert "<title>Submitted: 1</title>" in client.get("/dashboard").get_data(as_text=True)  # the state's bar
    submitted = spec_cases[0]  # MUS, TN, still submitted
    operations.perform(
        submitted, "withdraw", submitted.author, step_data("withdraw", submitted), submitted.partner_version
    )
    transaction.commit()
    assert "<title>Submitted: 0</title>" in client.get("/dashboard").get_data(as_text=True)


GAPS = "Coverage gaps (no available expert)"
LED, ON_TEAMS = "Open requests led, by expert", "Open requests as a team member, by expert"


def test_coverage_gaps_and_workload_count_open_requests_and_follow_the_roster(factory, signed_in):
    manager = factory.manager()
    fluent = factory.expert(name="Amina", profile=expert_profile(primary_fields=["MUS"], languages={"fr": "fluent"}))
    factory.expert(name="Basile", profile=expert_profile(primary_fields=["MUS"], languages={"ar": "basic"}))
    colleague = factory.expert(name="Chloé")
    factory.case("skills_mobilised", field="MUS", working_languages=["fr", "ar"], team=[fluent, colleague])
    factory.case("submitted", field="MUS", working_languages=["fr", "ar"])  # the same languages: counted twice
    factory.case("submitted", field="MUS", working_languages=["ar", "fr"])
    factory.case("submitted", field="HER", working_languages=["ar"])
    factory.case("assessed", field="MUS", working_languages=["fr"])  # covered: in the field's list, not in the gap's
    factory.case("closed", outcome="declined", field="MUS", working_languages=["es"])  # closed: asks nothing now
    factory.case("closed", outcome="completed", field="HER", team=[colleague])  # closed: no load now
    client = signed_in(manager)

    def section(name: str) -> dict:
        return {item: value for (title, item), value in figures(client, {}).items() if title == name}

    assert section(GAPS) == {  # a basic level covers nothing
        "Museums and collections · Arabic": ("3", "3"),
        "Monuments and sites · Arabic": ("1", "1"),
    }
    assert section(LED) == {"Amina": ("1", ""), "Chloé": ("0", "")}  # Amina leads one
    assert section(ON_TEAMS) == {"Amina": ("0", ""), "Chloé": ("1", "")}  # Chloé is on the team of one
    html = client.get("/dashboard").get_data(as_text=True)
    gaps = re.search(r'<section aria-labelledby="gaps-title">(.*?)</section>', html, re.S).group(1)
    linked = sorted((int(value), unescape(url)) for url, value in TABLE_FIGURE.findall(gaps))
    assert [figure for figure, _url in linked] == [1, 3]
    for figure, url in linked:  # each gap's list: the open requests of its field that ask for its language
        listing = text(client.get(url).get_data(as_text=True))
        assert int(re.search(r"(\d+) requests?\b", listing).group(1)) == figure, url
        assert "Working languages: Arabic" in listing  # the filter the list's form has no field for, shown

    apply_profile(fluent.profile, expert_profile(primary_fields=["MUS"], languages={"fr": "fluent", "ar": "working"}))
    transaction.commit()

    assert section(GAPS) == {"Monuments and sites · Arabic": ("1", "1")}  # counted again after the change


def test_an_overview_whose_filters_select_no_open_request_claims_no_coverage(factory, signed_in):
    """Nothing open in Tunisia: the coverage section says there is nothing to cover, not that all is covered."""
    factory.case("closed", outcome="completed", country="TN", field="MUS", working_languages=["ar"])
    factory.case("submitted", country="MA", field="MUS", working_languages=["ar"])
    client = signed_in(factory.manager())

    def coverage(query: str) -> str:
        html = client.get(f"/dashboard?{query}").get_data(as_text=True)
        return text(re.search(r'<section aria-labelledby="gaps-title">(.*?)</section>', html, re.S).group(1))

    assert "none to cover" in coverage("country=TN") and "is covered" not in coverage("country=TN")
    assert "Museums and collections" in coverage("country=MA")  # the open Moroccan one: no expert speaks Arabic


def test_each_figure_of_the_workload_links_to_the_open_requests_it_counts(factory, signed_in):
    amina, chloe = factory.expert(name="Amina"), factory.expert(name="Chloé")
    factory.case("skills_mobilised", team=[amina, chloe])  # the first of a team leads it
    factory.case("skills_mobilised", team=[chloe, amina])
    factory.case("skills_mobilised", team=[factory.expert(name="Basile"), chloe])
    factory.case("closed", outcome="completed", team=[chloe, amina])  # closed: no load now
    client = signed_in(factory.manager())
    html = client.get("/dashboard").get_data(as_text=True)
    workload = re.search(r'<section aria-labelledby="workload-title">(.*?)</section>', html, re.S).group(1)

    linked = [(unescape(url), int(value)) for url, value in TABLE_FIGURE.findall(workload)]

    assert sorted(value for _url, value in linked) == [0, 1, 1, 1, 1, 2]  # led and on teams: Amina 1 + 1, Chloé 1 + 2
    for url, figure in linked:
        listing = text(client.get(url).get_data(as_text=True))
        assert int(re.search(r"(\d+) requests?\b", listing).group(1)) == figure, url
    on_teams = next(url for url, figure in linked if "member=" in url and figure == 2)
    assert "On the team of: Chloé" in text(client.get(on_teams).get_data(as_text=True))


# The overview's figures that count requests, each with the link to its list: the charts' bars and
# segments (their <title> says the figure) and the tables' numbers.
CHART_BAR = re.compile(r'<g class="bar-row">\s*<title>[^<]*: ([\d,]+)</title>\s*<a href="([^"]+)">')
CHART_SEGMENT = re.compile(r'<a href="([^"]+)">\s*<rect [^>]*class="segment[^"]*"><title>[^<]*: ([\d,]+)</title>')
TABLE_FIGURE = re.compile(r'<td class="num"><a href="([^"]+)">([\d,]+)</a></td>')
LISTED_FIGURE = re.compile(r'<span class="num"><a href="([^"]+)">([\d,]+)</a></span>')  # the reasons for closures
COUNTED_CHARTS = ("by-state", "funnel-title", "monthly-title", "by-field", "by-continent", "by-instrument")
COUNTED_CHARTS += ("closures-title", "service-levels-title")


def linked_figures(html: str) -> list[tuple[int, str]]:
    sections = re.findall(r'<section aria-labelledby="([\w-]+)">(.*?)</section>', html, re.S)
    figures_found = []
    for section_id, section in sections:
        if section_id not in COUNTED_CHARTS:
            continue
        figures_found += [(int(value.replace(",", "")), url) for value, url in CHART_BAR.findall(section)]
        figures_found += [(int(value.replace(",", "")), url) for url, value in CHART_SEGMENT.findall(section)]
        figures_found += [(int(value.replace(",", "")), url) for url, value in TABLE_FIGURE.findall(section)]
        figures_found += [(int(value.replace(",", "")), url) for url, value in LISTED_FIGURE.findall(section)]
    return figures_found


def _today_only_with_a_request_filed_another_day_of_the_month(cases) -> dict[str, str]:
    """Moves the first request to another day of this month, and asks for today only: the month's
    figures then count the others, and their lists must not hold the one moved."""
    today = datetime.now(UTC).date()
    other_day = today - timedelta(days=1) if today.day > 1 else today + timedelta(days=1)
    moved = datetime.combine(other_day, datetime.min.time(), UTC) + timedelta(hours=12)
    for model, key in ((ExpertiseRequest, ExpertiseRequest.id), (RequestFacts, RequestFacts.request_id)):
        db.session.execute(sa.update(model).where(key == cases[0].id).values(submitted_at=moved))
    db.session.commit()
    return {"from": today.isoformat(), "to": today.isoformat()}


@pytest.mark.parametrize(
    "filters",
    [{}, {"outcome": "completed"}, {"continent": "asia", "field": "HER"}, "today, one request filed another day"],
    ids=lambda filters: combination_id(filters) if isinstance(filters, dict) else filters,
)
def test_every_figure_of_the_overview_links_to_a_list_of_as_many_requests(spec_cases, factory, signed_in, filters):
    if not isinstance(filters, dict):
        filters = _today_only_with_a_request_filed_another_day_of_the_month(spec_cases)
    visitor = signed_in(factory.manager())
    html = visitor.get("/dashboard", query_string=filters).get_data(as_text=True)
    found = linked_figures(html)
    assert found
    if not filters:  # every count of a table is a link (none is ruled out), the reasons of closures among them
        for section_id, section in re.findall(r'<section aria-labelledby="([\w-]+)">(.*?)</section>', html, re.S):
            if section_id in COUNTED_CHARTS:
                assert not re.findall(r'<td class="num">[\d,]+</td>', section), section_id
        assert {"decline_reason=", "redirect_destination="} <= {
            key for _f, url in found for key in re.findall(r"\w+=", url)
        }
    for figure, url in found:
        listing = text(visitor.get(unescape(url)).get_data(as_text=True))
        shown = re.search(r"(\d+) requests?\b", listing)
        assert int(shown.group(1)) == figure, (url, figure)


def test_a_figure_the_overview_s_filters_rule_out_has_no_list(spec_cases, factory, signed_in):
    html = signed_in(factory.manager()).get("/dashboard?outcome=completed").get_data(as_text=True)
    closures = re.search(r'<section aria-labelledby="closures-title">.*?</section>', html, re.S).group(0)
    assert "outcome=withdrawn" not in closures and "outcome=completed" in closures


# Requests filed on these days (field, and the day each was assessed, if it was), for periods
# that hold some months whole and cut others short.
FILED = (
    ("2025-01-20", "MUS", None),
    ("2025-02-03", "HER", "2025-02-10"),  # Monday → Monday: 5 working days
    ("2025-02-27", "MUS", None),  # declined on 2025-03-05
    ("2025-03-10", "ARC", "2025-03-12"),  # 2 working days
    ("2025-04-02", "MUS", None),
)
PERIODS = {  # what each period holds, by the day its requests were filed
    "2025-01-25 to 2025-03-15: February whole, a day of March": (
        {"from": "2025-01-25", "to": "2025-03-15"},
        ("2025-02-03", "2025-02-27", "2025-03-10"),
    ),
    "from 2025-02-01: every month whole": (
        {"from": "2025-02-01"},
        ("2025-02-03", "2025-02-27", "2025-03-10", "2025-04-02"),
    ),
    "until 2025-02-10: January whole, a day of February": ({"to": "2025-02-10"}, ("2025-01-20", "2025-02-03")),
    "2025-03-01 to 2025-03-31: March whole": ({"from": "2025-03-01", "to": "2025-03-31"}, ("2025-03-10",)),
}


@pytest.mark.parametrize("period", PERIODS, ids=list(PERIODS))
def test_a_period_s_figures_are_summed_from_its_whole_months_and_counted_on_the_days_it_cuts_short(
    factory, signed_in, period
):
    manager = factory.manager()
    for filed, field, assessed in FILED:
        case = operations.file_request(factory.partner(), request_data(field=field), at=at(filed)).case
        transaction.commit()
        if assessed:
            operations.perform(case, "assess", manager, step_data("assess", case), case.version, at=at(assessed))
            transaction.commit()
        if filed == "2025-02-27":
            operations.perform(case, "decline", manager, step_data("decline", case), case.version, at=at("2025-03-05"))
            transaction.commit()
    filters, held = PERIODS[period]
    chosen = [entry for entry in FILED if entry[0] in held]
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        got = figures(signed_in(manager), filters)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert any("overview_tallies" in statement for statement in statements)  # the months held whole are summed

    declined = [entry for entry in chosen if entry[0] == "2025-02-27"]
    assessed = [entry for entry in chosen if entry[2]]
    assert got[("Requests", "requests in all")] == (str(len(chosen)), str(len(chosen) - len(declined)))
    assert got[("Requests by state", "Assessed")][0] == str(len(assessed))
    assert got[("Requests by state", "Closed")][0] == str(len(declined))
    assert got[("Outcome", "Declined")][0] == str(len(declined))
    assert got[("Funnel", "Assessed")][0] == str(len(assessed))
    by_field = {item: value for (section, item), value in got.items() if section == "Requests by field"}
    fields = Counter(entry[1] for entry in chosen)
    assert {item: int(value[0]) for item, value in by_field.items()} == {FIELD_LABEL[f]: n for f, n in fields.items()}
    for month in ("2025-01", "2025-02", "2025-03", "2025-04"):
        filed_then = [entry for entry in chosen if entry[0].startswith(month)]
        shown = got.get(("New requests by month", f"{month} · Declined"))
        if shown is not None:
            assert int(shown[0]) == sum(entry[0] == "2025-02-27" for entry in filed_then), month
    # The working days each spent submitted: assessed, or declined (Thursday 27 → Wednesday 5: 4).
    left = {"2025-02-03": 5, "2025-02-27": 4, "2025-03-10": 2}
    days = sorted(left[entry[0]] for entry in chosen if entry[0] in left)
    median = got[("Lead time, median (working days)", "Submitted")][0]
    p90 = got[("Lead time, 90th percentile (working days)", "Submitted")][0]
    if days:  # by nearest rank: the ⌈n/2⌉-th and the ⌈0.9·n⌉-th of the days sorted
        assert (median, p90) == (str(days[(len(days) + 1) // 2 - 1]), str(days[(len(days) * 9 + 9) // 10 - 1]))
    else:
        assert (median, p90) == ("", "")


def test_tallies_changed_outside_the_app_are_found_and_made_again_by_a_command(app, spec_cases, factory, signed_in):
    db.session.execute(sa.text("UPDATE overview_tallies SET requests = requests + 5 WHERE measure = 'state'"))
    db.session.execute(sa.text("DELETE FROM overview_tallies WHERE measure = 'field' AND value = 'ARC'"))
    db.session.execute(sa.text("UPDATE assignments SET request_open = NOT request_open"))
    db.session.commit()
    assert tallies_kept() != tallies_of_the_facts()
    assert team_places_kept() != team_places_of_the_requests()
    places = len(team_places_kept())

    result = app.test_cli_runner().invoke(args=["rebuild-tallies"])

    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"(\d+) of the overview's monthly tallies differed from the requests; all \d+ made again\.\n"
        rf"{places} places on teams were marked open or closed against their request's state; marked again\.\n",
        result.output,
    )
    assert tallies_kept() == tallies_of_the_facts()
    assert team_places_kept() == team_places_of_the_requests()
    assert figures(signed_in(factory.manager()), {})[("Requests", "requests in all")] == ("7", "3")
    again = app.test_cli_runner().invoke(args=["rebuild-tallies"])
    assert re.fullmatch(r"The overview's \d+ monthly tallies agreed with the requests\.\n", again.output)


def test_a_period_that_ends_before_it_starts_counts_nothing(spec_cases, factory, signed_in):
    response = signed_in(factory.manager()).get("/dashboard/figures.csv?from=2026-03-01&to=2026-01-31")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["Requests", "requests in all", "0", "0"] in rows
    page = signed_in(factory.manager()).get("/dashboard?from=2026-03-01&to=2026-01-31")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="filter-to-error">The period ends before it starts' in html
    assert re.search(r'<input id="filter-to"[^>]*aria-invalid="true" aria-describedby="filter-to-error"', html)
    ordered = signed_in(factory.manager()).get("/dashboard?from=2026-01-01&to=2026-01-31").get_data(as_text=True)
    assert "filter-to-error" not in ordered and "aria-invalid" not in ordered


def _months_back(months: int) -> str:
    """The first day of the month `months` before this one."""
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01"


@pytest.mark.parametrize(
    ("period", "months"),
    [
        (lambda: {}, 12),
        (lambda: {"from": _months_back(119)}, 120),
        (lambda: {"from": "2000-01-01"}, 120),
        (lambda: {"to": datetime.now(UTC).date().isoformat()}, 120),
        (lambda: {"from": _months_back(11)}, 12),
    ],
    ids=["no period: the last twelve months", "ten years", "26 years: the last ten", "an end only", "one year"],
)
def test_a_monthly_chart_writes_at_most_eight_months_under_its_columns_the_latest_always(
    spec_cases, factory, signed_in, period, months
):
    html = signed_in(factory.manager()).get("/dashboard", query_string=period()).get_data(as_text=True)
    chart = re.search(r'aria-labelledby="monthly-title".*?</svg>', html, re.S).group(0)
    named = re.findall(r"<g>\s*<title>([A-Z][a-z]{2} \d{4}): ", chart)  # "Jan 2026"
    columns = [datetime.strptime(month, "%b %Y").strftime("%Y-%m") for month in named]
    written = re.findall(r'class="label">(\d{2})/(\d{2})</text>', chart)
    assert len(columns) == months
    assert columns[-1] == datetime.now(UTC).strftime("%Y-%m")  # the months shown end with the period
    assert (columns[-1][5:], columns[-1][2:4]) == written[-1]
    assert len(written) == {12: 6, 120: 8}[months]  # every other month of 12, one in 15 of 120


def test_the_figures_file_first_says_what_its_figures_were_counted_over(factory, signed_in):
    """Figures handed on to the ministry without their filters would read as the whole ministry's."""
    manager = signed_in(factory.manager())
    asked = {"from": "2026-01-01", "to": "2026-06-30", "continent": "asia", "field": "MUS"}

    filtered = list(
        csv.reader(
            io.StringIO(
                manager.get("/dashboard/figures.csv", query_string=asked).get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    whole = list(csv.reader(io.StringIO(manager.get("/dashboard/figures.csv").get_data(as_text=True).lstrip("\ufeff"))))

    assert filtered[1:5] == [
        ["Filter", "Submitted from", "Jan 1, 2026", ""],
        ["Filter", "Submitted until", "Jun 30, 2026", ""],
        ["Filter", "Field", "Museums and collections", ""],
        ["Filter", "Continent", "Asia", ""],
    ]
    assert filtered[5][0] != "Filter"
    assert whole[1] == ["Filter", "None: every request", "", ""] and whole[2][0] != "Filter"
    disposition = manager.get("/dashboard/figures.csv", query_string=asked).headers["Content-Disposition"]
    assert "_from-2026-01-01_to-2026-06-30_field-MUS_continent-asia.csv" in disposition


def test_the_monthly_chart_gives_its_scale_the_tallest_month_s_figure(spec_cases, factory, signed_in):
    html = signed_in(factory.manager()).get("/dashboard").get_data(as_text=True)
    chart = re.search(r'<section aria-labelledby="monthly-title">.*?</svg>', html, re.S).group(0)
    months = [int(total) for total in re.findall(r"<g>\s*<title>[A-Z][a-z]{2} \d{4}: (\d+)</title>", chart)]
    scale = re.search(r'<text x="0" y="-4" text-anchor="start" class="value">(\d+)</text>', chart)
    assert len(months) == 12 and scale and int(scale.group(1)) == max(months) > 0


def test_the_overview_s_less_used_filters_fold_away_until_one_is_in_use(factory, signed_in):
    """On a phone the eight filters took the first screen; the period and the field stay in view."""
    visitor = signed_in(factory.manager())

    def folded(url: str) -> tuple[str, str]:
        html = visitor.get(url).get_data(as_text=True)
        form = re.search(r'<form method="get" class="filters".*?</form>', html, re.S).group(0)
        before, details = form.split('<details class="more-filters"', 1)
        return before, re.search(r"^[^>]*>\s*<summary>([^<]+)</summary>", details).group(0)

    shown, closed = folded("/dashboard")
    assert {'name="from"', 'name="to"', 'name="field"'} <= set(re.findall(r'name="\w+"', shown))
    assert 'name="country"' not in shown
    assert " open>" not in closed and "More filters</summary>" in closed
    _shown, in_use = folded("/dashboard?country=TN&outcome=completed")
    assert " open>" in in_use and "More filters · in use: 2" in in_use
