"""Languages: which one a page is served in, right-to-left Arabic, and coded values
shown in the user's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from wtforms.i18n import messages_path

from expertise_app import transaction
from expertise_app.auth.models import User
from expertise_app.cases import operations
from expertise_app.documents.files import size_label
from expertise_app.extensions import db
from expertise_app.forms import WTFORMS_MESSAGES

from .factories import request_data
from .mailbox import sent_to
from .pages import form_posting_to, select_options
from .translations import translated


def html_attributes(page: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', page)
    assert match, "no <html lang dir> on the page"
    return match.group(1), match.group(2)


def test_english_is_the_default(visitor):
    page = visitor.get("/login").get_data(as_text=True)
    assert html_attributes(page) == ("en", "ltr")
    assert "Sign in to Passerelle" in page


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [("fr-FR,fr;q=0.9,en;q=0.5", ("fr", "ltr")), ("ar-TN,ar;q=0.9", ("ar", "rtl")), ("de-DE,de;q=0.9", ("en", "ltr"))],
)
def test_the_browser_language_is_used_when_nothing_was_chosen(visitor, accept_language, expected):
    page = visitor.get("/login", headers={"Accept-Language": accept_language}).get_data(as_text=True)
    assert html_attributes(page) == expected


def test_the_switcher_remembers_a_visitors_choice_in_a_cookie(app, visitor):
    response = visitor.post("/language", {"lang": "ar", "next": "/login"}, token_from="/login")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    page = visitor.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert html_attributes(page) == ("ar", "rtl")
    assert translated(app, "ar", "Sign in to Passerelle") in page


def test_the_switcher_ignores_an_unknown_language_and_a_foreign_next(visitor):
    response = visitor.post("/language", {"lang": "xx", "next": "https://evil.example/"}, token_from="/login")
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
    assert html_attributes(visitor.get("/login").get_data(as_text=True)) == ("en", "ltr")


def test_a_users_saved_preference_wins_over_cookie_and_browser(visitor, factory):
    partner = factory.partner()
    visitor.login(partner.email)
    visitor.post("/language", {"lang": "fr", "next": "/cases"}, token_from="/cases")
    assert db.session.get(User, partner.id).locale == "fr"
    visitor.client.set_cookie("lang", "ar")
    page = visitor.get("/cases", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert html_attributes(page) == ("fr", "ltr")


def test_signing_in_is_confirmed_in_the_person_s_own_language(visitor_factory, factory):
    """The visitor's browser speaks English; the person chose Arabic: the message after signing in is
    already theirs (it was written before the request knew who was signing in)."""
    partner = factory.partner(locale="ar")
    visitor = visitor_factory()
    answer = visitor.login(partner.email)
    page = visitor.get(answer.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_attributes(page) == ("ar", "rtl")
    assert "تم تسجيل الدخول بنجاح." in page and "You are signed in." not in page


def test_the_switcher_needs_a_csrf_token(visitor):
    response = visitor.client.post("/language", data={"lang": "fr"})
    assert response.status_code == 400


def test_coded_values_and_countries_are_shown_in_the_users_language(visitor, factory):
    partner = factory.partner(locale="ar")
    case = factory.case(author=partner, field="MUS", country="TN", working_languages=["fr"])
    visitor.login(partner.email)
    page = visitor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert html_attributes(page) == ("ar", "rtl")
    assert "المتاحف والمجموعات" in page  # Museums and collections, as in DOMAIN.md
    assert "تونس" in page  # Tunisia, from Babel's locale data
    assert "الفرنسية" in page  # French (the working language)


def test_dates_are_formatted_for_the_locale(visitor, factory):
    partner = factory.partner(locale="fr")
    case = factory.case(author=partner)
    visitor.login(partner.email)
    page = visitor.get(f"/cases/{case.id}").get_data(as_text=True)
    months = "janv.|févr.|mars|avr.|mai|juin|juil.|août|sept.|oct.|nov.|déc."
    assert re.search(rf"\d{{1,2}} ({months}) \d{{4}}", page), "no French-formatted date on the page"


def test_form_errors_are_translated(app, visitor, factory):
    partner = factory.partner(locale="fr")
    visitor.login(partner.email)
    page = visitor.post("/cases/new", {"title": ""}).get_data(as_text=True)
    assert translated(app, "fr", "Please correct the errors below.") in page
    assert "This field is required." not in page  # WTForms' own messages come translated too


@pytest.mark.parametrize(
    ("language", "between", "at_most"),
    [
        ("en", "Field must be between 5 and 150 characters long.", "Field cannot be longer than 4000 characters."),
        ("fr", "Entre 5 et 150 caractères.", "4000 caractères au plus."),
        ("ar", "يجب أن يتراوح طول الحقل بين 5 و150 حرفًا.", "لا يمكن أن يتجاوز طول الحقل 4000 حرف."),
    ],
)
def test_a_length_limit_is_said_in_the_page_s_language(factory, signed_in, language, between, at_most):
    """WTForms' Arabic catalogue has no "at most" limit: too long objectives were refused in English."""
    partner = signed_in(factory.partner())
    data = request_data(title="t" * 151, objectives="o" * 4001)
    errors = form_posting_to(
        partner.post("/cases/new", data, headers={"Accept-Language": language}).get_data(as_text=True), ""
    ).errors
    assert (errors["title"], errors["objectives"]) == (between, at_most)


def test_each_wtforms_message_said_our_way_is_still_one_of_wtforms(app):
    """A message WTForms renamed would quietly go back to WTForms' own words: each one we say is still theirs."""
    catalogue = read_po((Path(messages_path()) / "fr" / "LC_MESSAGES" / "wtforms.po").open("rb"))
    theirs = {message.id[0] if isinstance(message.id, tuple) else message.id for message in catalogue}
    ours = {message if isinstance(message, str) else message[0] for message in WTFORMS_MESSAGES}
    assert ours <= theirs, ours - theirs


@pytest.mark.parametrize(
    ("language", "size", "expected"),
    [("en", 20 * 1024 * 1024, "20 MB"), ("fr", 20 * 1024 * 1024, "20 Mo"), ("fr", 3 * 1024, "3 Ko"),
     ("ar", 20 * 1024 * 1024, "20 ميغابايت")],
)  # fmt: skip
def test_file_sizes_are_written_in_the_language_s_units(app, language, size, expected):
    with app.test_request_context(), force_locale(language):
        assert size_label(size) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "(7 days)."), ("fr", "(7 jours)."), ("ar", "(7 أيام).")],
)
def test_an_invitation_says_its_days_in_the_grammar_of_its_language(app, cast, signed_in, language, expected):
    manager = signed_in(cast.manager)
    manager.get("/invitations")
    sent = manager.post("/invitations", {"email": "someone@example.org", "role": "expert", "language": language})
    assert sent.status_code == 302
    assert expected in sent_to(app, "someone@example.org")[-1].get_body().get_content()


def test_a_period_s_two_days_are_each_kept_whole_in_a_right_to_left_page(visitor, factory):
    partner = factory.partner(locale="ar")
    case = factory.case(author=partner)
    visitor.login(partner.email)
    page = visitor.get(f"/cases/{case.id}").get_data(as_text=True)
    period = re.search(r"<dd><bdi>([^<]+)</bdi> – <bdi>([^<]+)</bdi></dd>", page)
    assert period, "the desired period's days are not isolated from the text around them"
    assert re.search(r"\d", period.group(1)) and re.search(r"\d", period.group(2))


def test_a_history_keeps_names_to_the_page_s_side_and_lets_paragraphs_read_in_their_own_direction(
    factory, cast, signed_in
):
    """In an Arabic page a name or a place written in Latin letters is isolated in its line, aligned
    with the other values; only what people wrote at length takes the direction of its own text."""
    cast.partner.locale = "ar"
    case = factory.cast_case(cast, "skills_mobilised")
    factory.fire(case, "hand_over_lead", actor=cast.manager, lead_expert=cast.team_expert.id)
    factory.fire(case, "post_message", actor=cast.manager, body="Nous arrivons lundi.\nMerci.")
    page = signed_in(cast.partner).get(f"/cases/{case.id}").get_data(as_text=True)
    history = page.split('id="history-title"', 1)[1]

    assert f"<dd><bdi>{cast.team_expert.name}</bdi></dd>" in history  # the new lead
    assert f"<dd><bdi>{case.mission.place}</bdi></dd>" in history  # where the mobilised mission goes
    assert '<dd dir="auto" class="prose">Nous arrivons lundi.\nMerci.</dd>' in history


def test_names_in_a_select_each_take_their_own_direction_in_an_arabic_page(factory, cast, signed_in):
    """A select takes the page's direction for its text: in an Arabic page a Latin name read right to
    left, and where the select was too narrow for it, Chromium cut its beginning ("…istine
    Delacroix-Beaumont"). Each option that is someone's or an organisation's name takes its own."""
    cast.manager.locale = "ar"
    db.session.commit()
    manager = signed_in(cast.manager)
    submitted = select_options(manager.get(f"/cases/{factory.cast_case(cast, 'submitted').id}").get_data(as_text=True))
    assessed = select_options(manager.get(f"/cases/{factory.cast_case(cast, 'assessed').id}").get_data(as_text=True))
    invitations = select_options(manager.get("/invitations").get_data(as_text=True))
    names = {
        "every expert, to lead": submitted["lead_expert"],
        "the team's members": assessed["expert"],
        "the organisations": invitations["organisation"],
    }

    for select, options in names.items():
        named = [option for option in options if option.get("value")]
        assert named, f"{select}: no name to choose"
        assert all(option.get("dir") == "auto" for option in named), (select, named)
    assert all(option.get("dir") is None for option in submitted["field"])  # words of the page's language


def test_a_list_of_names_in_an_arabic_history_reads_right_to_left_each_name_kept_whole(factory, cast, signed_in):
    """ "Julien Moreau وCamille Laurent" isolated as one run read left to right: the names in the wrong
    order and "و" stuck to the second. Each name is isolated, the list takes the page's direction."""
    cast.manager.locale = "ar"
    case = factory.cast_case(cast, "skills_mobilised")
    history = signed_in(cast.manager).get(f"/cases/{case.id}").get_data(as_text=True).split('id="history-title"')[1]
    first, second = (expert.name for expert in cast.team[:2])

    assert f"<dd>\u2068{first}\u2069 و\u2068{second}\u2069" in history


def test_a_date_after_a_latin_name_in_an_arabic_line_is_kept_whole(factory, signed_in):
    """A similar request's line, in Arabic: "Bibliothèque nationale · 22‏/03‏/2026" read as one run, the
    day beside the name and the year at the other end of the line."""
    expert = factory.expert(locale="ar")
    earlier = factory.case("closed", outcome="declined", field="MUS", country="JO", title="Museum inventory")
    repeat = factory.case(field="MUS", country="JO", title="Museum inventory again")
    html = signed_in(expert).get(f"/cases/{repeat.id}").get_data(as_text=True)
    section = re.search(r'<section aria-labelledby="similar-title">.*?</section>', html, re.S).group(0)

    assert earlier.reference in section
    assert re.search(r"<bdi>[^<]*</bdi> · <bdi>[^<]*\d{4}[^<]*</bdi>", section), section


@pytest.mark.parametrize(("language", "month"), [("en", "Mar 2026"), ("fr", "mars 2026"), ("ar", "مارس 2026")])
def test_the_overview_names_its_months_in_the_manager_s_language(factory, signed_in, language, month):
    """ "2026-03" in every language was a code, not a month a manager reads; the figures CSV keeps it."""
    manager = factory.manager(locale=language)
    operations.file_request(factory.partner(), request_data(), at=datetime(2026, 3, 10, 9, tzinfo=UTC))
    transaction.commit()
    html = signed_in(manager).get("/dashboard?from=2026-01-01&to=2026-06-30").get_data(as_text=True)
    table = re.search(r'<section aria-labelledby="monthly-title">.*?</section>', html, re.S).group(0)

    assert f'<th scope="row" class="month">{month}</th>' in table
    assert f"<title>{month}: 1</title>" in table


def test_lists_sort_as_a_reader_looks_names_up_accents_aside(factory, signed_in):
    """In French "Égypte" and "Îles Cook" stood after "Zimbabwe", and "Élodie" after "Zoé" in the
    pickers of experts: an accented first letter sorted after every plain one."""
    from expertise_app.cases.forms import expert_choices

    for name in ("Zoé Almeida", "Élodie Delmas", "Eric Martin", "Émile Aubert"):
        factory.expert(name=name)
    html = signed_in(factory.partner(locale="fr")).get("/cases/new").get_data(as_text=True)
    countries = [option["value"] for option in select_options(html)["country"] if option.get("value")]

    assert countries.index("DM") < countries.index("EG") < countries.index("ES") < countries.index("ZW")
    assert countries.index("CK") < countries.index("IN") < countries.index("IS")  # Îles Cook, Inde, Islande
    names = [label.split(" — ")[0] for _id, label in expert_choices()]
    in_order = ["Élodie Delmas", "Émile Aubert", "Eric Martin", "Zoé Almeida"]
    assert [name for name in names if name[0] in "EÉÈZ"] == in_order


def test_a_language_chosen_on_the_way_in_becomes_the_person_s(visitor_factory, factory):
    """A partner who saved French picks Arabic on the sign-in page: the app opened in French, as if she
    had not. A cookie left from another visit is no choice made now: the saved language stays."""
    partner = factory.partner(locale="fr")
    chooser = visitor_factory()
    chooser.post("/language", {"lang": "ar", "next": "/login"}, token_from="/login")
    signed = chooser.login(partner.email)

    assert html_attributes(chooser.get(signed.headers["Location"]).get_data(as_text=True)) == ("ar", "rtl")
    assert db.session.get(User, partner.id).locale == "ar"

    chooser.post("/logout", {}, token_from="/cases")
    returning = visitor_factory()
    returning.client.set_cookie("lang", "fr")
    signed = returning.login(partner.email)
    assert html_attributes(returning.get(signed.headers["Location"]).get_data(as_text=True)) == ("ar", "rtl")
