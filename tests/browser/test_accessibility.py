"""An accessibility scan of every page people use, in English and in Arabic (right to left).

For each role, in each language, a browser signs in, switches language (the page must then say
lang="ar" dir="rtl"), and visits the pages listed below, with every folded action form of a
request open, each page on its own for the actions asked on a page of their own, and the forms
that show errors after a submit. axe-core (bundled by axe-playwright-python) checks each page:
no serious or critical violation is allowed. A full-page screenshot of each is kept under
test-artifacts/screenshots/a11y-<language>-<role>-<page>.png.

The data is built once for the module (one browser context per role and language).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from expertise_app import transaction
from expertise_app.auth.tokens import create_token
from expertise_app.extensions import cache, db, limiter
from tests.browser.test_journeys import AXE, SERIOUS
from tests.conftest import empty_database
from tests.factories import Factory, expert_profile

LANGUAGES = ["en", "ar"]
DIRECTION = {"en": "ltr", "ar": "rtl"}

# Opens every folded part of a page: the action forms of a request, "save this view"…
OPEN_ALL = "document.querySelectorAll('details').forEach(d => { d.open = true; })"


@dataclass(frozen=True)
class World:
    """Who signs in (emails) and the requests and profiles they look at (ids)."""

    partner: str
    expert: str  # the lead expert of the partner's requests
    manager: str
    expert_id: int
    other_expert_id: int
    waiting: int  # submitted, a question to the partner open
    submitted: int  # submitted, a lead named
    unassigned: int  # submitted, nobody has taken it
    proposed: int  # assessed, `expert` proposed for its team (to accept or decline)
    assessed: int  # assessed, the team being built
    mobilised: int
    delivered: int  # feedback to give, a request to close
    closed: int


@pytest.fixture(scope="module")
def world(app) -> Iterator[World]:
    """The requests at every step, built once for the module, emptied after it."""
    with app.app_context():
        factory = Factory()
        cast = factory.cast()
        other = factory.expert(
            name="Amal Haddad", profile=expert_profile(primary_fields=["TOU", "MUS"], languages={"ar": "native"})
        )
        waiting = factory.cast_case(cast, "submitted")
        factory.fire(waiting, "ask_partner", actor=cast.manager)
        proposed = factory.case("assessed", author=cast.partner, team=[other])
        factory.fire(proposed, "propose_experts", actor=cast.manager, experts=[cast.lead_expert.id])
        world = World(
            partner=cast.partner.email,
            expert=cast.lead_expert.email,
            manager=cast.manager.email,
            expert_id=cast.lead_expert.id,
            other_expert_id=other.id,
            waiting=waiting.id,
            submitted=factory.cast_case(cast, "submitted").id,
            unassigned=factory.case("submitted", author=cast.partner).id,
            proposed=proposed.id,
            assessed=factory.cast_case(cast, "assessed").id,
            mobilised=factory.cast_case(cast, "skills_mobilised").id,
            delivered=factory.cast_case(cast, "mission_delivered").id,
            closed=factory.case("closed", outcome="declined", author=cast.partner).id,
        )
        for user in (cast.partner, cast.lead_expert, cast.manager):
            create_token(user, "Document system")
        transaction.commit()
        yield world
        empty_database()


@pytest.fixture(autouse=True)
def _clean_database(app, world) -> Iterator[None]:
    """Replaces the suite's emptying after each test: the module's data stay until its end."""
    with app.app_context():
        yield
        db.session.remove()
        cache.clear()
        limiter.reset()


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": True, "viewport": {"width": 1280, "height": 900}}  # axe injects


class Scan:
    """Visits pages as one person in one language, checks each with axe and photographs it."""

    def __init__(self, page, base: str, screenshot, language: str, role: str):
        self.page, self.base, self.screenshot = page, base, screenshot
        self.language, self.role = language, role
        self.violations: dict[str, list[str]] = {}
        self.scanned: list[str] = []
        self.actions_seen: set[str] = set()

    def visit(self, path: str, name: str) -> None:
        response = self.page.goto(self.base + path)
        assert response.status == 200, (path, response.status)
        self.check(name)

    def check(self, name: str) -> None:
        """Scan the page as it is now, every folded part open."""
        page = self.page
        assert page.get_attribute("html", "lang") == self.language, name
        assert page.get_attribute("html", "dir") == DIRECTION[self.language], name
        page.evaluate(OPEN_ALL)
        found = [v for v in AXE.run(page).response["violations"] if v["impact"] in SERIOUS]
        if found:
            self.violations[name] = [
                f"{v['id']} ({v['impact']}): {v['help']} — {[node['target'] for node in v['nodes']][:4]}" for v in found
            ]
        self.scanned.append(name)
        self.screenshot(page, f"a11y-{self.language}-{self.role}-{name}")

    def submit(self, form: str, name: str) -> None:
        """Send `form` as it is (empty: it comes back with its errors) and scan the answer."""
        with self.page.expect_navigation():
            self.page.click(f"{form} button[type=submit]")
        assert self.page.locator(".error-summary, .error, .alert-error").count() >= 1, name
        self.check(name)

    def case(self, case_id: int, name: str) -> None:
        """A request's page with all its forms open, then each action asked on a page of its own
        (the first time it is offered: the page is the same for every request)."""
        self.visit(f"/cases/{case_id}", name)
        links = self.page.eval_on_selector_all(
            "a[data-action]", "links => links.map(a => [a.dataset.action, a.getAttribute('href')])"
        )
        for action, href in links:
            if action not in self.actions_seen:
                self.actions_seen.add(action)
                self.visit(href, f"{name}-{action}")

    def sign_in(self, email: str) -> None:
        """Sign in, then choose the language from the header (kept as the person's preference)."""
        page = self.page
        page.goto(f"{self.base}/login")
        page.fill("#email", email)
        page.fill("#password", Factory.PASSWORD)
        with page.expect_navigation():
            page.click("form:not(.language-switcher) button[type=submit]")
        self.switch_language()

    def switch_language(self) -> None:
        """Choose the language with the header's buttons (the page comes back in it: `check` looks)."""
        with self.page.expect_navigation():
            self.page.click(f"form.language-switcher button[value={self.language}]")

    def tabs(self, name: str) -> None:
        """Each tab of the list shown."""
        for href in self.page.eval_on_selector_all("nav.tabs a", "links => links.map(a => a.getAttribute('href'))"):
            view = href.split("view=")[1].split("&")[0]
            self.visit(href, f"{name}-{view}")

    def assert_accessible(self) -> None:
        report = "\n".join(f"{name}:\n  " + "\n  ".join(problems) for name, problems in sorted(self.violations.items()))
        assert not self.violations, f"serious or critical violations ({self.language}, {self.role}):\n{report}"


@pytest.fixture
def scan(page, live_server, screenshot):
    return lambda language, role: Scan(page, live_server, screenshot, language, role)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_page(scan, world, language):
    pages = scan(language, "visitor")
    pages.page.goto(f"{pages.base}/login")
    pages.switch_language()
    pages.check("login")
    pages.submit("form:not(.language-switcher)", "login-errors")
    assert pages.scanned == ["login", "login-errors"]
    pages.assert_accessible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_partner_s_pages(scan, world, language):
    pages = scan(language, "partner")
    pages.sign_in(world.partner)
    pages.visit("/cases", "requests")
    pages.visit("/cases/new", "new-request")
    pages.submit("form.request-form", "new-request-errors")
    pages.case(world.waiting, "case-question")  # the answer form, messages, edit and withdraw
    pages.case(world.delivered, "case-delivered")  # the feedback questionnaire, rating the experts
    pages.case(world.closed, "case-closed")
    pages.visit("/notifications", "notifications")
    account(pages)
    assert {"case-question-edit", "case-question-withdraw"} <= set(pages.scanned)
    pages.assert_accessible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_expert_s_pages(scan, world, language):
    pages = scan(language, "expert")
    pages.sign_in(world.expert)
    pages.visit("/cases", "queue")
    pages.tabs("queue")
    pages.case(world.submitted, "case-submitted")
    pages.submit("#action-ask_partner", "case-submitted-question-errors")
    pages.case(world.proposed, "case-proposed")  # the proposal to accept or decline
    pages.case(world.assessed, "case-assessed")  # the team and the mission to plan
    pages.case(world.mobilised, "case-mobilised")
    pages.visit(f"/cases/{world.assessed}/suggestions", "suggestions")
    pages.visit("/experts", "directory")
    pages.visit("/experts/me", "profile")
    pages.submit(f"form[action$='/experts/{world.expert_id}/unavailability']", "profile-unavailability-errors")
    pages.visit(f"/experts/{world.expert_id}/edit", "profile-edit")
    pages.visit("/notifications", "notifications")
    account(pages)
    assert {"queue-unassigned", "case-proposed", "case-submitted-question-errors"} <= set(pages.scanned)
    pages.assert_accessible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_manager_s_pages(scan, world, language):
    pages = scan(language, "manager")
    pages.sign_in(world.manager)
    pages.visit("/dashboard", "overview")
    pages.visit("/cases", "queue")
    pages.tabs("queue")
    pages.case(world.unassigned, "case-unassigned")  # assess, decline, redirect, assign a lead…
    pages.page.goto(f"{pages.base}/cases/{world.unassigned}/actions/decline")  # scanned above
    pages.submit("#action-form", "case-unassigned-decline-errors")
    pages.case(world.waiting, "case-question")  # cancel the question
    pages.case(world.assessed, "case-assessed")
    pages.case(world.mobilised, "case-mobilised")
    pages.case(world.delivered, "case-delivered")
    assert pages.page.locator("#action-close form").count() == 1
    pages.case(world.closed, "case-closed")
    pages.visit("/experts", "directory")
    pages.visit(f"/experts/{world.other_expert_id}", "profile")
    pages.visit(f"/experts/{world.other_expert_id}/edit", "profile-edit")
    pages.visit("/accounts", "accounts")
    pages.visit("/audit", "audit")
    account(pages)
    assert {"case-unassigned-decline", "case-unassigned-redirect"} <= set(pages.scanned)
    pages.assert_accessible()


def account(pages: Scan) -> None:
    """The account page, its password form sent with errors, and a new token shown."""
    pages.visit("/account", "account")
    pages.submit("form[action$='/account/password']", "account-password-errors")
    pages.page.goto(f"{pages.base}/account")
    pages.page.fill("form[action$='/account/tokens'] input[name=name]", f"Sync {pages.language}")
    with pages.page.expect_navigation():
        pages.page.click("form[action$='/account/tokens'] button[type=submit]")
    assert pages.page.locator("code.secret").count() == 1
    pages.check("account-new-token")
