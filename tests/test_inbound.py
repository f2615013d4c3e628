"""What comes in is checked at one place: control characters and over-long texts are refused with
a 422 that says why, on pages, forms and the API, and nothing is written; `next=` never carries a
line break into a header; every answer but a static file is kept by no cache."""

from __future__ import annotations

import io

import pytest

from expertise_app.cases.models import ExpertiseRequest
from expertise_app.extensions import db

from .conftest import assert_problem
from .factories import count, request_data, snapshot

# One of each kind the rule is about: NUL (PostgreSQL cannot store it), another C0 control, DEL.
CONTROLS = ["\x00", "\x07", "\x1b", "\x7f"]


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_in_a_search_is_refused_with_a_message(cast, signed_in, control):
    response = signed_in(cast.manager).get("/cases", query_string={"q": f"mus{control}ee"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "control character" in page and f"U+{ord(control):04X}" in page and "“q”" in page


@pytest.mark.parametrize("target", ["/cases\r\nSet-Cookie: x=1", "/\t/evil.example"])
def test_a_control_character_in_next_is_refused_in_an_address_and_never_followed_from_a_form(visitor, target):
    assert visitor.get("/login", query_string={"next": target}).status_code == 422
    visitor.get("/login")
    response = visitor.post("/language", {"lang": "fr", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/" and "Set-Cookie: x" not in str(response.headers)


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_in_a_form_is_refused_and_nothing_is_filed(cast, signed_in, control):
    partner = signed_in(cast.partner)
    partner.get("/cases/new")
    before = count(ExpertiseRequest)
    data = request_data() | {"title": f"Inventory{control} of the storage rooms"}
    response = partner.post("/cases/new", data)
    assert response.status_code == 422
    assert "“title”" in response.get_data(as_text=True)
    assert count(ExpertiseRequest) == before


def test_a_text_longer_than_any_field_takes_is_refused_without_being_shown_back(cast, signed_in):
    partner = signed_in(cast.partner)
    partner.get("/cases/new")
    before = count(ExpertiseRequest)
    response = partner.post("/cases/new", request_data() | {"context": "x" * 3_000_000})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "3,000,000 characters" in page and "20,000" in page
    assert len(page) < 20_000  # the text itself is not echoed
    assert count(ExpertiseRequest) == before


def test_a_text_of_the_longest_field_s_size_still_goes_through(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    lead = signed_in(cast.lead_expert)
    lead.get(f"/cases/{case.id}")
    response = lead.post(
        f"/cases/{case.id}/actions/post_note", {"version": case.version, "body": "Une note longue. " * 580}
    )
    assert response.status_code == 302


def test_a_control_character_in_an_uploaded_file_s_name_is_refused(factory, cast, signed_in):
    case = factory.cast_case(cast, "assessed")
    partner = signed_in(cast.partner)
    partner.get(f"/cases/{case.id}")
    before = snapshot(case.id)
    upload = (io.BytesIO(b"%PDF-1.4 letter"), "lettre\x00.pdf")
    response = partner.post(
        f"/cases/{case.id}/actions/post_message",
        {"version": case.partner_version, "body": "Voici la lettre.", "attachments": upload},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert snapshot(case.id) == before


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Inventory\x00"},
        {"context": "Storage rooms\x1b[31m"},
        {"working_languages": ["fr", "ar\x00"]},
        {"title\x00": "Inventory"},
    ],
)
def test_a_control_character_anywhere_in_an_api_body_is_refused(api, cast, body):
    before = count(ExpertiseRequest)
    response = api(cast.partner).post("/requests", request_data() | body)
    problem = assert_problem(response, 422)
    assert "control character" in problem["detail"]
    assert count(ExpertiseRequest) == before


# What no text may hold, controls apart: the noncharacters XML forbids (an XLSX holding one does not open).
UNSTORABLE = ["\uffff", "\ufffe"]


@pytest.mark.parametrize("character", UNSTORABLE, ids=lambda character: f"U+{ord(character):04X}")
def test_a_character_no_text_may_hold_is_refused_in_an_api_body_and_nothing_is_filed(api, cast, character):
    before = count(ExpertiseRequest)
    response = api(cast.partner).post("/requests", request_data() | {"title": f"Noncharacter {character} title"})
    problem = assert_problem(response, 422)
    assert f"holds a character (U+{ord(character):04X}) that no text may hold" in problem["detail"]
    assert count(ExpertiseRequest) == before


@pytest.mark.parametrize("character", UNSTORABLE, ids=lambda character: f"U+{ord(character):04X}")
def test_a_character_no_text_may_hold_is_refused_in_a_form_and_in_an_address(cast, signed_in, character):
    partner = signed_in(cast.partner)
    partner.get("/cases/new")
    before = count(ExpertiseRequest)
    response = partner.post("/cases/new", request_data() | {"title": f"Noncharacter {character} title"})
    assert response.status_code == 422
    assert f"U+{ord(character):04X}" in response.get_data(as_text=True)
    assert count(ExpertiseRequest) == before
    assert partner.get("/cases", query_string={"q": f"a{character}"}).status_code == 422


def test_a_control_character_in_an_api_query_is_refused(api, cast):
    problem = assert_problem(api(cast.manager).get("/requests", query_string={"q": "a\x00b"}), 422)
    assert "“q”" in problem["detail"]


def test_every_answer_but_a_static_file_is_kept_by_no_cache(app, cast, signed_in, api, visitor):
    assert visitor.get("/login").headers["Cache-Control"] == "no-store"
    assert signed_in(cast.manager).get("/cases").headers["Cache-Control"] == "no-store"
    answer = api(cast.manager).get("/requests")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert api(cast.manager).get("/requests/999999").headers["Cache-Control"] == "no-store"
    static = visitor.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_the_same_working_language_sent_many_times_is_kept_once(cast, signed_in):
    partner = signed_in(cast.partner)
    partner.get("/cases/new")
    response = partner.post("/cases/new", request_data() | {"working_languages": ["fr"] * 10_000 + ["ar"]})
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.query(ExpertiseRequest).order_by(ExpertiseRequest.id.desc()).first()
    assert case.working_languages == ["fr", "ar"]


@pytest.mark.parametrize("name", [b'"\r"', b"\r"])
def test_a_multipart_part_whose_name_cannot_be_read_is_no_500(factory, cast, api, name):
    """A line break in a part's name: werkzeug gives the part no name; the upload says what it needs."""
    case = factory.case("submitted", author=cast.partner)
    body = b"--XX\r\nContent-Disposition: form-data; name=" + name + b"\r\n\r\nnull\r\n--XX--\r\n"
    response = api(cast.partner).call(
        "POST",
        f"/requests/{case.id}/documents",
        data=body,
        headers={"Content-Type": "multipart/form-data; boundary=XX"},
    )
    assert "file" in assert_problem(response, 422)["errors"]
