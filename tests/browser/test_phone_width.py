"""Every page at phone width (390 px), in English, French and Arabic: no page is wider than the
screen, nor does anything in it scroll sideways but a wide table, nor does a filter cut the choice
it shows; every list of requests shows
each request's reference, title and state, and the account page each API token's name, status and
Revoke button, without sideways scrolling (the columns marked `optional` give way). Long French
titles and names are what overflowed first, so the data is made of them. Lists are also checked
with axe."""

from __future__ import annotations

from pprint import pformat

import pytest

from expertise_app import transaction
from expertise_app.auth import invitations
from expertise_app.auth.models import Role
from expertise_app.auth.tokens import create_token
from expertise_app.cases import saved_views
from tests.browser.test_journeys import assert_accessible
from tests.factories import Factory, expert_profile

PHONE = {"width": 390, "height": 844}
LANGUAGES = ["en", "fr", "ar"]

ORGANISATION = "Direction générale des antiquités et du patrimoine culturel"
TITLES = [
    "Plan de gestion des flux de visiteurs du site archéologique de Carthage",
    "Restauration des mosaïques romaines du musée national du Bardo et formation des restaurateurs",
    "Numérisation et conservation préventive des archives photographiques de l’Institut national du patrimoine",
    "خطة لإدارة تدفق الزوار في موقع قرطاج الأثري",
]

# How wide the page is, and the elements sticking out of the screen (to say what overflows).
OVERFLOW = """
() => {
  const width = window.innerWidth;
  const out = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    // A wide table may scroll in its .table-wrap; what is visually hidden must stay inside it.
    const inScrollingBox = e.closest('.table-wrap, .skip-link') && !e.matches('.visually-hidden');
    if (r.width && (r.right > width + 1 || r.left < -1) && !inScrollingBox) {
      const classes = e.className ? '.' + String(e.className).trim().replace(/\\s+/g, '.') : '';
      const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + classes;
      out.push(`${name} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, out: out.slice(0, 8)};
}
"""

# Boxes that scroll sideways inside the page (a table in its .table-wrap and code aside): a list of
# choices laid out in columns of a fixed height ran 7,700 px to the side, out of sight.
SIDEWAYS = """
() => Array.from(document.body.querySelectorAll('*')).filter(e => {
  const style = getComputedStyle(e);
  const scrolls = ['auto', 'scroll'].includes(style.overflowX);
  return scrolls && e.scrollWidth > e.clientWidth + 1 && !e.matches('.table-wrap, pre');
}).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ` scrolls ${e.scrollWidth} px in ${e.clientWidth}`)
"""

# The filters' selects whose chosen choice is wider than the select: the width the browser gives a copy
# of the select that holds that choice alone and is sized to it, against the select's own. "Plus
# récentes d'a…" two by two on a phone, "Tous les instrumen…" six to a row on a desktop.
CUT_CHOICES = """
() => Array.from(document.querySelectorAll('.filters select')).filter(select => {
  if (!select.getBoundingClientRect().width || select.selectedIndex < 0) return false;
  const copy = select.cloneNode(false);
  copy.removeAttribute('id');
  copy.appendChild(select.options[select.selectedIndex].cloneNode(true));
  Object.assign(copy.style, {fieldSizing: 'content', inlineSize: 'auto', minInlineSize: '0', maxInlineSize: 'none',
                             position: 'absolute', visibility: 'hidden'});
  select.parentNode.appendChild(copy);
  const needed = copy.getBoundingClientRect().width;
  copy.remove();
  return needed > select.getBoundingClientRect().width + 1;
}).map(select => `${select.name} cuts "${select.options[select.selectedIndex].text}" at ${select.clientWidth} px`)
"""

# For each row of a list: where the cells that say what it is are on the screen (None: not found).
ROWS = """
(list) => Array.from(document.querySelectorAll(list.rows)).map(row => {
  const place = e => {
    if (!e) return null;
    const r = e.getBoundingClientRect();
    const style = getComputedStyle(e);
    return {left: r.left, right: r.right, shown: r.width > 0 && r.height > 0 && style.visibility !== 'hidden'};
  };
  const parts = {};
  for (const [part, selector] of Object.entries(list.cells)) {
    const e = row.querySelector(selector);
    if (e || !list.optional.includes(part)) parts[part] = place(e);
  }
  return parts;
})
"""
# A list of requests: each row's reference, title and state (and "Take" button, in the unassigned view).
CASES = {
    "rows": "table.cases tbody tr",
    "cells": {
        "reference": "td:first-child a",
        "title": "td:nth-child(2)",
        "state": ".badge[class*=state-]",
        "take": "form button",
    },
    "optional": ["take"],
}
# The API tokens of the account page: each one's name, status and Revoke button.
TOKENS = {
    "rows": "table.tokens tbody tr",
    "cells": {"name": "td:first-child", "status": "td:nth-child(5)", "revoke": "form button"},
    "optional": [],
}
# The directory of experts: each row's name.
EXPERTS = {"rows": "table.experts tbody tr", "cells": {"name": "td:first-child a"}, "optional": []}


def sign_in(page, base: str, email: str, language: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.click(f"button[name=lang][value={language}]")
    page.fill("#email", email)
    page.fill("#password", Factory.PASSWORD)
    page.click("form:not(.language-switcher) button[type=submit]")
    assert page.get_attribute("html", "lang") == language


def overflow(page) -> list:
    """What makes the page wider than the screen (nothing, if it fits)."""
    width = page.evaluate(OVERFLOW)
    return [] if width["scrollWidth"] <= width["innerWidth"] + 1 else [width]


def unreadable_rows(page, kind: dict) -> list:
    """The rows of the list whose telling cells (reference, title, state…) are missing, hidden or off the screen."""
    rows = page.evaluate(ROWS, kind)
    if not rows:
        return [f"no row in {kind['rows']}"]
    problems = []
    for number, row in enumerate(rows, 1):
        for part, place in row.items():
            if place is None or not place["shown"] or place["left"] < 0 or place["right"] > PHONE["width"]:
                problems.append((number, part, place))
    return problems


class Pages:
    """Visits pages, photographs them and notes what does not fit, to assert on all at once."""

    def __init__(self, page, base: str, screenshot, prefix: str):
        self.page, self.base, self.screenshot, self.prefix = page, base, screenshot, prefix
        self.problems: dict[str, list] = {}

    def visit(self, path: str, name: str, *, rows: dict | None = None) -> None:
        name = f"{self.prefix}-{name}"
        response = self.page.goto(self.base + path)
        assert response.ok, (name, response.status)
        # The folded parts too: the action forms, "save this view".
        self.page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        problems = overflow(self.page) + self.page.evaluate(SIDEWAYS) + self.page.evaluate(CUT_CHOICES)
        problems += unreadable_rows(self.page, rows) if rows else []
        if problems:
            self.problems[name] = problems
        self.screenshot(self.page, name)


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": True, "viewport": PHONE}  # axe injects its script


@pytest.fixture
def world(factory):
    """A partner organisation with a long French name, its requests at every step with long
    titles (one waiting for the partner's answer, one closed), staff with long names."""
    organisation = factory.organisation(ORGANISATION)
    partner = factory.partner(organisation, name="Leïla Ben Salah-Abdelkader")
    expert = factory.expert(
        name="Marie-Christine Delacroix-Beaumont",
        profile=expert_profile(
            primary_fields=["TOU", "MUS"],
            languages={"fr": "native", "ar": "fluent", "en": "working"},
            department="Département des antiquités grecques, étrusques et romaines",
        ),
    )
    manager = factory.manager(name="Jean-Baptiste Montgolfier-Durand")
    cases = [
        factory.case("submitted", author=partner, title=TITLES[0]),
        factory.case("assessed", author=partner, title=TITLES[1]),
        factory.case("skills_mobilised", author=partner, title=TITLES[2], team=[expert]),
        factory.case("closed", outcome="declined", author=partner, title=TITLES[3]),
    ]
    factory.assign_lead(cases[1], expert)
    factory.fire(cases[1], "ask_partner", actor=manager)
    for user in (partner, expert, manager):
        create_token(user, "Synchronisation avec le système d’information documentaire du ministère")
        saved_views.save(
            user, "Demandes urgentes de Tunisie en attente du partenaire", saved_views.filters_of("pause=waiting")
        )
    colleague = "sonia.ben-ammar.direction-du-patrimoine@culture-tunisie.example"
    invitations.invite(partner, colleague, Role.PARTNER, None, "fr", name="Sonia Ben Ammar-Trabelsi")
    transaction.commit()
    return partner, expert, manager, cases


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_partner_s_pages_fit_a_phone(page, live_server, world, screenshot, language):
    partner, _, _, cases = world
    pages = Pages(page, live_server, screenshot, f"phone-{language}-partner")
    page.goto(f"{live_server}/login")
    page.click(f"button[name=lang][value={language}]")
    pages.visit("/login", "login")
    pages.visit("/forgot-password", "forgot-password")
    assert_accessible(page, f"{language} forgotten password on a phone")
    sign_in(page, live_server, partner.email, language)
    pages.visit("/cases", "requests", rows=CASES)
    assert_accessible(page, f"{language} partner's requests on a phone")
    pages.visit(f"/cases/{cases[1].id}", "case-question")
    pages.visit(f"/cases/{cases[3].id}", "case-closed")
    pages.visit("/cases/new", "new-request")
    pages.visit("/account", "account", rows=TOKENS)
    pages.visit("/invitations", "invitations")
    assert_accessible(page, f"{language} partner's invitations on a phone")
    pages.visit("/notifications", "notifications")
    assert not pages.problems, pformat(pages.problems, width=110)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_expert_s_pages_fit_a_phone(page, live_server, world, screenshot, language):
    _, expert, _, cases = world
    sign_in(page, live_server, expert.email, language)
    pages = Pages(page, live_server, screenshot, f"phone-{language}-expert")
    for path, name in (("/cases", "queue"), ("/cases?view=all", "queue-all"), ("/cases?view=unassigned", "unassigned")):
        pages.visit(path, name, rows=CASES)
        assert_accessible(page, f"{language} expert's {name} on a phone")
    pages.visit(f"/cases/{cases[2].id}", "case")
    pages.visit(f"/cases/{cases[0].id}", "case-submitted")
    pages.visit("/experts", "directory", rows=EXPERTS)
    assert_accessible(page, f"{language} expert directory on a phone")
    pages.visit("/experts/me", "profile", rows=CASES)
    pages.visit(f"/experts/{expert.id}/edit", "profile-edit")
    pages.visit("/account", "account", rows=TOKENS)
    pages.visit("/notifications", "notifications")
    assert not pages.problems, pformat(pages.problems, width=110)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_manager_s_pages_fit_a_phone(page, live_server, world, screenshot, language):
    _, expert, manager, cases = world
    sign_in(page, live_server, manager.email, language)
    pages = Pages(page, live_server, screenshot, f"phone-{language}-manager")
    pages.visit("/cases", "queue", rows=CASES)
    assert_accessible(page, f"{language} manager's queue on a phone")
    pages.visit("/dashboard", "overview")
    pages.visit("/experts", "directory", rows=EXPERTS)
    pages.visit(f"/experts/{expert.id}", "profile", rows=CASES)
    pages.visit(f"/cases/{cases[1].id}", "case")
    pages.visit("/invitations", "invitations")
    assert_accessible(page, f"{language} manager's invitations on a phone")
    assert not pages.problems, pformat(pages.problems, width=110)


@pytest.mark.parametrize("width", [1024, 1280])
def test_the_filters_show_their_choices_whole_on_a_desktop(page, live_server, world, screenshot, width):
    """French, the longest of the three, where six filters to a row cut "Tous les instruments", and
    every filter a fifth of the row cut "Situation d'urgence (catastrophe ou conflit)"."""
    _, _, manager, _ = world
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, manager.email, "fr")
    pages = Pages(page, live_server, screenshot, f"desktop-{width}-fr-manager")
    pages.visit("/cases", "queue")
    pages.visit("/cases?view=all&field=VIS&priority=emergency&country=GS", "queue-long-choices")
    pages.visit("/dashboard", "overview")
    pages.visit("/dashboard?field=VIS&instrument=taiex", "overview-long-choices")
    pages.visit("/experts", "directory")
    assert not pages.problems, pformat(pages.problems, width=110)
