"""Stored cross-site scripting: markup typed into any text a person writes is shown as text on every
page that shows it (lists, the request page, the overview, the directory, notifications, accounts,
audit log, invitations, the pages of emailed links), kept as data in the API's JSON and the exports,
and sent as plain text in emails (of requests, invitations and password resets);
a spreadsheet formula typed into a text is written to the exports as text."""

from __future__ import annotations

import csv
import email
import io
import re
from datetime import date, timedelta
from email import policy as email_policy
from pathlib import Path

import openpyxl
import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from expertise_app import transaction
from expertise_app.auth.models import Invitation
from expertise_app.auth.tokens import create_token
from expertise_app.cases import operations
from expertise_app.cases.models import SavedView
from expertise_app.experts.models import Unavailability
from expertise_app.extensions import db

from .factories import expert_profile, step_data
from .files import PDF
from .mailbox import link_sent_to
from .pages import form_posting_to, text
from .security import NEW_PASSWORD

ATTACK = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
# What a browser would run if any of it came through unescaped (in text, or breaking out of an attribute).
RUNNABLE = ("<script>alert(1)", "<img src=x", 'onerror=alert(1)>"', "'><img")


def typed(field: str) -> str:
    """What a person typed into `field`: its name (to find it on the page), then the attack."""
    return f"{field.upper()} {ATTACK}"


def _files(name: str) -> MultiDict:
    return MultiDict([("attachments", FileStorage(io.BytesIO(PDF), filename=name, content_type="application/pdf"))])


def _perform(case, name, actor, **data):
    operations.perform(case, name, actor, data, case.version_seen_by(actor))
    transaction.commit()


@pytest.fixture
def hostile(factory, app):
    """Every text a person writes holds the attack: one request walked to its end, one declined,
    one redirected, one withdrawn; profiles, names, a saved view, a token, an unavailable period."""
    mail_before = set(Path(app.config["MAIL_FILE_PATH"]).iterdir())
    organisation = factory.organisation(name=typed("organisation"))
    partner = factory.partner(organisation=organisation, name=typed("partner name"))
    manager = factory.manager(name=typed("manager name"))
    profile = expert_profile(department=typed("department"), biography=typed("biography"))
    lead = factory.expert(name=typed("lead name"), profile=profile)
    member = factory.expert(name=typed("member name"))
    texts = {
        "title": typed("title"),
        "context": typed("context") + " The site receives more visitors every year.",
        "objectives": typed("objectives"),
        "expected_results": typed("expected results"),
    }
    case = factory.case(author=partner, **texts)
    case_id = case.id
    _perform(case, "edit", partner, **step_data("edit", case, title=typed("edited title"), context=texts["context"]))
    operations.perform(
        case,
        "post_message",
        partner,
        {"body": typed("message")},
        case.partner_version,
        files=_files(typed("file") + ".pdf"),
    )
    _perform(case, "post_note", lead, body=typed("note"))
    _perform(case, "ask_partner", manager, **step_data("ask_partner", case, question=typed("question")))
    _perform(case, "answer", partner, answer=typed("answer"))
    _perform(case, "hold", manager, reason=typed("hold reason"))
    _perform(case, "resume", manager, note=typed("resume note"))
    _perform(
        case,
        "assess",
        manager,
        **step_data("assess", case, team=[lead], eligibility_notes=typed("eligibility notes")),
    )
    _perform(case, "plan_mission", manager, **step_data("plan_mission", case, place=typed("place")))
    _perform(case, "propose_experts", manager, experts=[lead.id, member.id], note=typed("proposal note"))
    _perform(case, "accept_proposal", lead, no_conflict=True, declared_interests=typed("interests"))
    _perform(case, "decline_proposal", member, reason=typed("proposal declined"))
    _perform(case, "confirm_expert", manager, expert=lead.id)
    _perform(case, "mobilise", manager, lead_expert=lead.id)
    _perform(case, "deliver", manager, **step_data("deliver", case, report=typed("mission report")))
    _perform(case, "close", manager, **step_data("close", case, closing_summary=typed("closing summary")))
    _perform(case, "give_feedback", partner, **step_data("give_feedback", case, comments=typed("feedback comment")))
    _perform(case, "rate_expert", partner, expert=lead.id, score="4", comment=typed("rating comment"))

    declined = factory.case(author=partner, title="A request the ministry declines")
    _perform(declined, "decline", manager, decline_reason="out_of_scope", reason=typed("decline reason"))
    redirected = factory.case(author=partner, title="A request sent to TAIEX instead")
    _perform(
        redirected, "redirect", manager, **step_data("redirect", redirected, destination_detail=typed("destination"))
    )
    withdrawn = factory.case(author=partner, title="A request the partner withdraws")
    _perform(withdrawn, "withdraw", partner, reason=typed("withdraw reason"))

    start = date.today() + timedelta(days=300)
    lead.profile.unavailability.append(
        Unavailability(starts_on=start, ends_on=start + timedelta(days=2), reason=typed("leave"))
    )
    view = SavedView(user_id=manager.id, name=typed("view"), query="state=closed")
    db.session.add(view)
    create_token(manager, typed("token"))
    transaction.commit()
    factory.case(author=partner, state="assessed", team=[lead], title="An open request, on the overview's workload")
    return {
        "case_id": case_id,
        "view_id": view.id,
        "declined_id": declined.id,
        "partner": partner,
        "manager": manager,
        "lead": lead,
        "redirected_id": redirected.id,
        "withdrawn_id": withdrawn.id,
        "emails": sorted(set(Path(app.config["MAIL_FILE_PATH"]).iterdir()) - mail_before),
    }


def shown(html: str) -> set[str]:
    """The fields whose typed text the page shows, as text."""
    return set(re.findall(r"([A-Z][A-Z ]+) " + re.escape(ATTACK), text(html)))


def runnable(html: str) -> list[str]:
    return [piece for piece in RUNNABLE if piece in html]


# Each page, and the fields whose typed text it shows (the partner's never the ministry's internal ones).
CASE_PAGE_FOR_STAFF = {
    "TITLE", "EDITED TITLE", "CONTEXT", "OBJECTIVES", "EXPECTED RESULTS", "ORGANISATION", "PARTNER NAME",
    "MANAGER NAME", "LEAD NAME", "MEMBER NAME", "MESSAGE", "NOTE", "QUESTION", "ANSWER", "HOLD REASON",
    "RESUME NOTE", "ELIGIBILITY NOTES", "PLACE", "PROPOSAL NOTE", "INTERESTS", "PROPOSAL DECLINED",
    "MISSION REPORT", "CLOSING SUMMARY", "FEEDBACK COMMENT", "RATING COMMENT",
}  # fmt: skip
INTERNAL = {"NOTE", "ELIGIBILITY NOTES", "PROPOSAL NOTE", "INTERESTS", "PROPOSAL DECLINED", "MEMBER NAME"}
PAGES = [
    ("manager", "/cases?view=all", {"EDITED TITLE", "ORGANISATION", "LEAD NAME", "MANAGER NAME", "VIEW"}),
    ("partner", "/cases", {"EDITED TITLE", "ORGANISATION", "PARTNER NAME"}),
    ("manager", "/cases/{case_id}", CASE_PAGE_FOR_STAFF),
    ("partner", "/cases/{case_id}", CASE_PAGE_FOR_STAFF - INTERNAL),
    ("partner", "/cases/{declined_id}", {"DECLINE REASON", "ORGANISATION", "PARTNER NAME", "MANAGER NAME"}),
    ("partner", "/cases/{redirected_id}", {"DESTINATION", "ORGANISATION", "PARTNER NAME", "MANAGER NAME"}),
    # (the staff's page of a request lists similar ones: the first request's title shows there)
    (
        "manager",
        "/cases/{withdrawn_id}",
        {"WITHDRAW REASON", "ORGANISATION", "PARTNER NAME", "MANAGER NAME", "EDITED TITLE"},
    ),
    ("manager", "/dashboard", {"MANAGER NAME", "LEAD NAME"}),
    ("manager", "/experts", {"LEAD NAME", "MEMBER NAME", "DEPARTMENT", "MANAGER NAME"}),
    (
        "manager",
        "/experts/{lead_id}",
        {"LEAD NAME", "DEPARTMENT", "BIOGRAPHY", "LEAVE", "RATING COMMENT", "EDITED TITLE", "MANAGER NAME"},
    ),
    ("lead", "/notifications", {"EDITED TITLE", "LEAD NAME"}),
    ("manager", "/accounts", {"ORGANISATION", "PARTNER NAME", "MANAGER NAME", "LEAD NAME", "MEMBER NAME"}),
    ("manager", "/account", {"TOKEN", "MANAGER NAME"}),
    ("manager", "/audit", {"MANAGER NAME"}),
    ("manager", "/cases/saved-views/{view_id}/delete", {"VIEW", "MANAGER NAME"}),
]


def test_every_page_shows_typed_markup_as_text(hostile, signed_in):
    visitors = {who: signed_in(hostile[who]) for who in ("manager", "partner", "lead")}
    ids = {name: value for name, value in hostile.items() if name.endswith("_id")} | {"lead_id": hostile["lead"].id}
    seen = {}
    for who, url, _fields in PAGES:
        response = visitors[who].get(url.format(**ids))
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        seen[(who, url)] = (sorted(shown(html)), runnable(html))
    assert seen == {(who, url): (sorted(fields), []) for who, url, fields in PAGES}


def test_a_file_name_with_markup_is_cleaned_and_shown_as_text(hostile, signed_in):
    html = signed_in(hostile["manager"]).get(f"/cases/{hostile['case_id']}").get_data(as_text=True)
    # Its path is cut at the last slash (that of "</script>"), and the characters no file name holds replaced.
    assert "script__'__img src=x onerror=alert(1)_.pdf" in text(html)
    assert runnable(html) == []


def test_the_api_gives_typed_markup_back_as_data(hostile, api):
    client = api(hostile["manager"])
    answer = client.get(f"/requests/{hostile['case_id']}")
    assert answer.mimetype == "application/json"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    body = answer.get_json()
    assert (body["title"], body["context"].split(" The site")[0]) == (typed("edited title"), typed("context"))
    messages = client.get(f"/requests/{hostile['case_id']}/messages").get_json()["items"]
    assert [(item["kind"], item["body"]) for item in messages] == [
        ("message", typed("message")),
        ("note", typed("note")),
        ("question", typed("question")),
        ("answer", typed("answer")),
    ]


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:])))


def _xlsx_rows(response) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    return [tuple("" if cell is None else str(cell) for cell in row) for row in sheet.iter_rows(values_only=True)]


def test_the_exports_keep_typed_markup_as_plain_text(hostile, signed_in):
    visitor = signed_in(hostile["manager"])
    for rows in (
        _csv_rows(visitor.get("/cases/export.csv?view=all&sort=oldest")),
        _xlsx_rows(visitor.get("/cases/export.xlsx?view=all&sort=oldest")),
    ):
        header, first, *_others = rows
        assert first[header.index("Title")] == typed("edited title")
        assert first[header.index("Partner")] == typed("organisation")


def test_emails_are_plain_text_with_one_line_subjects(hostile):
    assert hostile["emails"], "the actions told people by email"
    for path in hostile["emails"]:
        message = email.message_from_bytes(path.read_bytes())
        assert [part.get_content_type() for part in message.walk()] == ["text/plain"], path.name
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    bodies = "".join(
        email.message_from_bytes(path.read_bytes()).get_payload(decode=True).decode() for path in hostile["emails"]
    )
    assert typed("edited title") in bodies  # as the text it is, in a message no client renders as HTML


# --- invitations and emailed links ---------------------------------------------------------------

# Addresses that email accepts and that markup would break on: an apostrophe, an ampersand, a backtick.
JOINS = "joins'&`{x}@example.org"  # invited by the manager as an expert, who joins
WAITS = "waits'&`{x}@example.org"  # invited by the partner, still waiting
JOIN_FORM = {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD, "language": "en"}


@pytest.fixture
def invited(factory, app, signed_in, visitor_factory):
    """Every text of an invitation holds the attack: the inviters' names, the organisation, the name
    each inviter typed for the invitee, the name the invitee chose on joining; the one who joined then
    asks for a new password. The pages of the links are kept as the invitees saw them."""
    mail_before = set(Path(app.config["MAIL_FILE_PATH"]).iterdir())
    organisation = factory.organisation(name=typed("organisation"))
    partner = factory.partner(organisation=organisation, name=typed("partner name"))
    manager = factory.manager(name=typed("manager name"))
    staff, colleague = signed_in(manager), signed_in(partner)
    expert = {"email": JOINS, "name": typed("invitation name"), "role": "expert", "language": "en"}
    fellow = {"email": WAITS, "name": typed("colleague name"), "language": "en"}
    answers = {  # the list, with what was just done said above it
        "manager, invited": staff.post("/invitations", expert, token_from="/invitations", follow_redirects=True),
        "partner, invited": colleague.post("/invitations", fellow, token_from="/invitations", follow_redirects=True),
    }
    waiting = db.session.scalar(db.select(Invitation.id).where(Invitation.email == WAITS))
    answers["partner, sent again"] = colleague.post(f"/invitations/{waiting}/resend", follow_redirects=True)
    invitee = visitor_factory()
    join = link_sent_to(app, JOINS)
    answers["join (manager's)"] = invitee.get(join)
    answers["join (partner's)"] = visitor_factory().get(link_sent_to(app, WAITS))
    assert invitee.post(join, JOIN_FORM | {"name": typed("joined name")}).status_code == 302
    asker = visitor_factory()
    asker.get("/forgot-password")
    answers["forgot, sent"] = asker.post("/forgot-password", {"email": JOINS})
    answers["reset"] = asker.get(link_sent_to(app, JOINS))
    return {
        "manager": staff,
        "partner": colleague,
        "joined": invitee,
        "answers": answers,
        "emails": sorted(set(Path(app.config["MAIL_FILE_PATH"]).iterdir()) - mail_before),
    }


# Each page, the fields whose typed text it shows, the addresses it shows (as text, never as written).
INVITATION_PAGES = [
    ("manager", "/invitations", {"MANAGER NAME", "PARTNER NAME", "ORGANISATION", "COLLEAGUE NAME"}, {WAITS}),
    ("partner", "/invitations", {"PARTNER NAME", "ORGANISATION", "COLLEAGUE NAME"}, {WAITS}),
    ("manager", "/accounts", {"MANAGER NAME", "PARTNER NAME", "ORGANISATION", "JOINED NAME"}, {JOINS}),
    ("manager", "/audit", {"MANAGER NAME"}, {JOINS, WAITS}),
    ("joined", "/account", {"JOINED NAME"}, {JOINS}),
]
# The answers seen on the way: the list after inviting; the pages of the links, seen signed out
# (the name the inviter typed fills the name field).
ANSWERS = {
    "manager, invited": ({"MANAGER NAME", "INVITATION NAME", "ORGANISATION"}, {JOINS}, None),  # (to choose from)
    "partner, invited": ({"PARTNER NAME", "ORGANISATION", "COLLEAGUE NAME"}, {WAITS}, None),
    "partner, sent again": ({"PARTNER NAME", "ORGANISATION", "COLLEAGUE NAME"}, {WAITS}, None),
    "join (manager's)": ({"MANAGER NAME"}, set(), typed("invitation name")),
    "join (partner's)": ({"PARTNER NAME", "ORGANISATION"}, set(), typed("colleague name")),
    "forgot, sent": (set(), {JOINS}, None),
    "reset": (set(), {JOINS}, None),
}


def _addresses(html: str) -> set[str]:
    """The invitees' addresses the page shows as text."""
    return {address for address in (JOINS, WAITS) if address in text(html)}


def test_every_page_of_invitations_and_links_shows_typed_markup_as_text(invited):
    seen = {}
    for who, url, _fields, _addresses_shown in INVITATION_PAGES:
        response = invited[who].get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        seen[(who, url)] = (sorted(shown(html)), _addresses(html), runnable(html), JOINS in html or WAITS in html)
    for name, response in invited["answers"].items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        prefilled = form_posting_to(html, "").value("name") if name.startswith("join") else None
        seen[name] = (sorted(shown(html)), _addresses(html), runnable(html), JOINS in html or WAITS in html, prefilled)
    expected = {(who, url): (sorted(fields), addresses, [], False) for who, url, fields, addresses in INVITATION_PAGES}
    expected |= {
        name: (sorted(fields), addresses, [], False, prefilled)
        for name, (fields, addresses, prefilled) in ANSWERS.items()
    }
    assert seen == expected


# The emails of invitations and resets, in the order sent, and the fields whose typed text each holds, as typed.
INVITATION_EMAILS = [
    ("Invitation", JOINS, ["INVITATION NAME", "MANAGER NAME"]),
    ("Invitation", WAITS, ["COLLEAGUE NAME", "ORGANISATION", "PARTNER NAME"]),
    ("Invitation", WAITS, ["COLLEAGUE NAME", "ORGANISATION", "PARTNER NAME"]),
    ("Reset", JOINS, ["JOINED NAME"]),
]


def test_emails_of_invitations_and_resets_are_plain_text_with_what_was_typed(invited):
    found = []
    for path in invited["emails"]:
        message = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        assert [part.get_content_type() for part in message.walk()] == ["text/plain"], path.name
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
        kind = "Reset" if "new password" in message["Subject"] else "Invitation"
        whole = message["Subject"] + "\n" + message.get_content()
        found.append((kind, message["To"], sorted(set(re.findall(r"([A-Z][A-Z ]+) " + re.escape(ATTACK), whole)))))
    assert found == INVITATION_EMAILS


FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\tTAB=1+1"]
# The request's title as the exports show it: a title is one line, so a tab before it is not kept
# (forms.one_line); the names below, written without a form, keep it and are escaped.
TITLE_CELLS = {
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0 title of the request",
    "+SUM(1,2)": "'+SUM(1,2) title of the request",
    "-2+3": "'-2+3 title of the request",
    "@SUM(A1)": "'@SUM(A1) title of the request",
    "\tTAB=1+1": "TAB=1+1 title of the request",
}


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_formula_typed_anywhere_is_written_to_the_exports_as_text(factory, signed_in, formula):
    organisation = factory.organisation(name=f"{formula} Heritage agency")
    partner = factory.partner(organisation=organisation, name=f"{formula} partner")
    lead = factory.expert(name=f"{formula} lead")
    factory.case(author=partner, state="assessed", team=[lead], title=f"{formula} title of the request")
    for who in (partner, factory.manager()):
        visitor = signed_in(who)
        cells = [cell for row in _csv_rows(visitor.get("/cases/export.csv"))[1:] for cell in row]
        assert TITLE_CELLS[formula] in cells
        assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
        # In XLSX, shown as written, in cells typed as text: no formula anywhere, no apostrophe to see.
        sheet = openpyxl.load_workbook(io.BytesIO(visitor.get("/cases/export.xlsx").data)).active
        written = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
        assert TITLE_CELLS[formula].removeprefix("'") in [cell.value for cell in written]
        assert [cell.value for cell in written if cell.data_type == "f"] == []
