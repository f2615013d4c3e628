"""Service levels in working days, with the clock stopped while a request waits for the partner
or is on hold; the steps the overview's lead times are made of. Dates are written out by hand."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from expertise_app import transaction
from expertise_app.cases import operations
from expertise_app.cases.models import CaseStep, ExpertiseRequest
from expertise_app.cases.queries import due_filter
from expertise_app.cases.service_levels import add_working_days, due_soon_until, working_days_between
from expertise_app.db_types import utcnow
from expertise_app.extensions import db

from .factories import request_data, step_data
from .pages import references, text


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-01-05", 0, "2026-01-05"),  # a Monday
        ("2026-01-05", 1, "2026-01-06"),
        ("2026-01-05", 5, "2026-01-12"),
        ("2026-01-05", 15, "2026-01-26"),
        ("2026-01-09", 1, "2026-01-12"),  # Friday → Monday
        ("2026-01-10", 1, "2026-01-12"),  # Saturday → Monday
        ("2026-01-10", 5, "2026-01-16"),
        ("2026-01-07", 7, "2026-01-16"),  # Wednesday + 7 = Friday of the next week
    ],
)
def test_adding_working_days_skips_weekends(start, days, expected):
    assert add_working_days(date.fromisoformat(start), days) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-01-05", "2026-01-05", 0),
        ("2026-01-05", "2026-01-12", 5),
        ("2026-01-09", "2026-01-12", 1),  # Friday to Monday: the Monday
        ("2026-01-10", "2026-01-11", 0),  # a weekend
        ("2026-01-07", "2026-01-14", 5),
        ("2026-01-05", "2026-02-02", 20),
        ("2026-01-12", "2026-01-05", 0),  # backwards: nothing
    ],
)
def test_working_days_between_two_dates(start, end, expected):
    assert working_days_between(date.fromisoformat(start), date.fromisoformat(end)) == expected


def file_on(factory, day: str, **fields) -> ExpertiseRequest:
    partner = factory.partner()
    case = operations.file_request(partner, request_data(**fields), at=at(day)).case
    transaction.commit()
    return case


def act(case: ExpertiseRequest, name: str, actor, day: str, **overrides) -> None:
    data = step_data(name, case, **overrides)
    operations.perform(case, name, actor, data, case.version_seen_by(actor), at=at(day))
    transaction.commit()


def due(case: ExpertiseRequest) -> date | None:
    db.session.expire_all()
    return db.session.get(ExpertiseRequest, case.id).due_on


def steps(case: ExpertiseRequest) -> list[tuple[str, int, int]]:
    rows = db.session.execute(
        sa.select(CaseStep.state, CaseStep.working_days, CaseStep.paused_days)
        .where(CaseStep.request_id == case.id)
        .order_by(CaseStep.id)
    )
    return [tuple(row) for row in rows]


def test_an_assessment_is_due_fifteen_working_days_after_submission(factory):
    case = file_on(factory, "2026-01-05")
    assert due(case) == date(2026, 1, 26)


def test_the_partner_s_answer_stops_the_clock_for_the_working_days_it_took(factory):
    manager = factory.manager()
    case = file_on(factory, "2026-01-05")
    act(case, "ask_partner", manager, "2026-01-07", due_on="2026-01-30")
    assert due(case) == date(2026, 1, 26)  # not moved yet: the clock is stopped, the case is not late
    act(case, "answer", case.author, "2026-01-14")

    assert due(case) == date(2026, 2, 2)  # five working days later
    act(case, "assess", manager, "2026-01-20")
    assert steps(case) == [("submitted", 11 - 5, 5)]


def test_a_paused_case_says_its_step_s_clock_is_stopped_not_that_it_is_due(factory, signed_in):
    manager = factory.manager()
    case = file_on(factory, "2026-01-05")
    page = signed_in(manager)
    assert "This step is due Jan 26, 2026" in text(page.get(f"/cases/{case.id}").get_data(as_text=True))
    act(case, "ask_partner", manager, "2026-01-07", due_on="2026-01-30")

    paused = text(page.get(f"/cases/{case.id}").get_data(as_text=True))

    assert "This step is due" not in paused
    assert "The clock of this step is stopped while the case is paused; it was due Jan 26, 2026" in paused


def test_an_assessed_case_on_hold_is_still_due_when_the_mission_s_date_says(factory, signed_in):
    """The team's target is four weeks before the mission: a pause does not move it."""
    manager = factory.manager()
    start = date(2026, 4, 6)
    case = file_on(factory, "2026-01-05", period_start=start.isoformat(), period_end="2026-04-10")
    act(case, "assess", manager, "2026-01-08")
    act(case, "hold", manager, "2026-01-09")

    held = text(signed_in(manager).get(f"/cases/{case.id}").get_data(as_text=True))

    assert "This step is due Mar 9, 2026" in held and "The clock of this step is stopped" not in held


def test_a_hold_during_a_question_stops_the_clock_once(factory):
    manager = factory.manager()
    case = file_on(factory, "2026-01-05")
    act(case, "ask_partner", manager, "2026-01-07", due_on="2026-01-30")  # stopped from Wednesday…
    act(case, "hold", manager, "2026-01-09")
    act(case, "answer", case.author, "2026-01-12")  # …still held…
    assert due(case) == date(2026, 1, 28)  # moved by the two working days the question alone stopped it
    act(case, "resume", manager, "2026-01-16")  # …until Friday of the next week: 7 working days

    assert due(case) == date(2026, 2, 4)


def test_leaving_a_step_while_paused_counts_the_pause_up_to_the_departure(factory):
    manager = factory.manager()
    case = file_on(factory, "2026-01-05")
    act(case, "hold", manager, "2026-01-07")
    act(case, "decline", manager, "2026-01-09")

    assert steps(case) == [("submitted", 2, 2)]  # worked Tuesday and Wednesday, held Thursday and Friday
    assert due(case) is None  # a closed request is due nothing


def test_the_team_is_due_four_weeks_before_the_mission_and_the_report_after_it(factory):
    manager, lead = factory.manager(), factory.expert()
    start = date(2026, 4, 6)  # a Monday
    case = file_on(
        factory, "2026-01-05", period_start=start.isoformat(), period_end=(start + timedelta(days=4)).isoformat()
    )
    act(case, "assess", manager, "2026-01-08", lead_expert=str(lead.id))
    assert due(case) == date(2026, 3, 9)  # 28 days before the start the partner asked for

    planned = {"planned_start": "2026-05-04", "planned_end": "2026-05-08"}
    act(case, "plan_mission", manager, "2026-01-09", **planned)
    assert due(case) == date(2026, 4, 6)  # the planned start now

    factory.build_team(case, [lead], manager)
    act(case, "mobilise", manager, "2026-02-02", lead_expert=str(lead.id))
    assert due(case) == date(2026, 5, 29)  # 15 working days after Friday 8 May

    assert [state for state, _days, _paused in steps(case)] == ["submitted", "assessed"]
    assert steps(case)[0] == ("submitted", 3, 0)


def test_the_late_view_lists_what_is_past_or_near_its_target_oldest_first(factory, signed_in):
    late = file_on(factory, "2025-01-06", title="Filed long ago")
    on_time = factory.case(title="Filed today")
    paused = file_on(factory, "2025-01-07", title="Old but waiting for the partner")
    act(paused, "ask_partner", factory.manager(), "2025-01-08", due_on="2025-02-28")
    older = file_on(factory, "2024-06-03", title="Filed even longer ago")

    html = signed_in(factory.expert()).get("/cases?view=late&sort=due").get_data(as_text=True)

    assert references(html.split('<table class="cases">', 1)[1]) == [older.reference, late.reference]
    assert on_time.reference not in html and paused.reference not in html
    assert "Late since" in html


def test_the_overview_counts_the_late_requests_the_late_view_lists(factory, signed_in):
    file_on(factory, "2025-01-06", title="Filed long ago")
    file_on(factory, "2024-06-03", title="Filed even longer ago")
    factory.case(title="Filed today")
    manager = signed_in(factory.manager())

    figures = manager.get("/dashboard/figures.csv").get_data(as_text=True)

    assert "Service levels,late or due soon,2," in figures
    assert '>2</span> <span class="kpi-label">late or due soon' in manager.get("/dashboard").get_data(as_text=True)


def filed_due_soon(factory, title: str) -> ExpertiseRequest:
    """A request filed on the day that makes its assessment due within the next few working days."""
    today = utcnow().date()
    day = next(
        today - timedelta(days=back)
        for back in range(60)
        if today <= add_working_days(today - timedelta(days=back), 15) <= due_soon_until(today)
    )
    return file_on(factory, day.isoformat(), title=title)


def test_the_overview_gives_each_step_s_target_and_links_its_late_and_due_soon_requests(factory, signed_in):
    late = file_on(factory, "2025-01-06", title="Filed long ago")
    soon = filed_due_soon(factory, "Due in a few days")
    factory.case(title="Filed today")
    paused = file_on(factory, "2025-01-07", title="Old but waiting for the partner")
    act(paused, "ask_partner", factory.manager(), "2025-01-08", due_on="2025-02-28")
    manager = signed_in(factory.manager())

    html = manager.get("/dashboard").get_data(as_text=True)
    section = re.search(r'<section aria-labelledby="service-levels-title">(.*?)</section>', html, re.S).group(1)
    rows = {
        text(step): (text(target), [int(figure) for _url, figure in re.findall(r'<a href="([^"]+)">(\d+)</a>', row)])
        for step, target, row in re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>(.*?)</tr>', section, re.S)
    }
    assert rows == {
        "Submitted": ("Assessed within 15 working days", [1, 1]),
        "Assessed": ("Team mobilised 28 days before the mission", [0, 0]),
        "Skills mobilised": ("Delivered, with the report, within 15 working days of the mission’s end", [0, 0]),
        "Mission delivered": ("Closed within 10 working days of the delivery", [0, 0]),
    }
    submitted_row = section.split("Submitted", 1)[1].split("</tr>", 1)[0]
    links = dict(zip(("past", "soon"), re.findall(r'href="([^"]+due=[^"]+)"', submitted_row), strict=True))
    assert references(manager.get(unescape(links["past"])).get_data(as_text=True)) == [late.reference]
    assert references(manager.get(unescape(links["soon"])).get_data(as_text=True)) == [soon.reference]
    listing = text(manager.get(unescape(links["past"])).get_data(as_text=True))
    assert "Service level: past its target" in listing  # the filter the list's form has no field for, shown
    figures = manager.get("/dashboard/figures.csv").get_data(as_text=True)
    assert "Service levels,Submitted · past its target,1," in figures
    assert "Service levels,Submitted · due within 3 working days,1," in figures


def test_a_partner_s_list_is_not_narrowed_by_the_ministry_s_service_levels(factory, signed_in):
    late = file_on(factory, "2025-01-06", title="Filed long ago")
    partner = signed_in(late.author)
    assert references(partner.get("/cases?due=soon").get_data(as_text=True)) == [late.reference]
    assert "Service level" not in text(partner.get("/cases?due=soon").get_data(as_text=True))


def test_the_api_lists_the_requests_past_their_target_for_staff_only(factory, api):
    late = file_on(factory, "2025-01-06", title="Filed long ago")
    factory.case(title="Filed today")

    listed = api(factory.manager()).get("/requests", query_string={"due": "past"}).get_json()
    refused = api(factory.manager()).get("/requests", query_string={"due": "late"})
    partner = api(late.author).get("/requests", query_string={"due": "soon"}).get_json()

    assert [item["reference"] for item in listed["items"]] == [late.reference]
    assert refused.status_code == 422
    assert [item["reference"] for item in partner["items"]] == [late.reference]  # not narrowed for a partner


def test_past_and_due_soon_are_counted_from_today_the_day_itself_due_soon(factory):
    """Friday 6 March 2026: "due soon" runs to Wednesday 11 March, three working days on; a request due
    the day before is past its target, one due that Friday is not yet."""
    for filed, title in (
        ("2026-02-12", "due Thursday 5 March"),  # fifteen working days after its filing
        ("2026-02-13", "due Friday 6 March"),
        ("2026-02-18", "due Wednesday 11 March"),
        ("2026-02-19", "due Thursday 12 March"),
    ):
        file_on(factory, filed, title=title)
    friday = date(2026, 3, 6)

    def titles(due: str) -> list[str]:
        query = sa.select(ExpertiseRequest.title).where(due_filter(due, friday)).order_by(ExpertiseRequest.due_on)
        return list(db.session.scalars(query))

    assert titles("past") == ["due Thursday 5 March"]
    assert titles("soon") == ["due Friday 6 March", "due Wednesday 11 March"]
