"""Security headers on every kind of answer — a page, a form sent back, an API answer, an API
problem, an error page, a download, an export, a static file, a crash, the page of an emailed
link, a request refused as too frequent — and HSTS exactly when the request came over HTTPS
(directly, or through a proxy of ours that says so)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import BASE_DIR, TestingConfig
from expertise_app import create_app

from .security import build_world


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def assert_protected(response, *, private: bool = True) -> None:
    headers = response.headers
    policy = directives(headers["Content-Security-Policy"])
    scripts = policy.get("script-src", policy["default-src"])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts
    assert policy["frame-ancestors"] == ["'none'"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    if private:
        assert "no-store" in [value.strip() for value in headers["Cache-Control"].split(",")]
    assert "Strict-Transport-Security" not in headers  # these tests speak plain HTTP


def _asked_too_often(visitor, email: str):
    """The answer once a password reset is asked for `email` once too often (config: 3 per hour)."""
    for _ in range(3):
        assert visitor.post("/forgot-password", {"email": email}, token_from="/forgot-password").status_code == 200
    return visitor.post("/forgot-password", {"email": email})


def test_every_kind_of_answer_carries_the_headers(app, factory, signed_in, visitor, api):
    world = build_world(factory)
    manager, partner = signed_in(world.cast.manager), signed_in(world.cast.partner)
    client = api(world.cast.manager)
    answers = {
        "sign-in page": (visitor.get("/login"), 200),
        "page": (manager.get(f"/cases/{world.case.id}"), 200),
        "form sent back": (partner.post("/cases/new", {"title": "x"}, token_from="/cases/new"), 422),
        "forged form": (partner.post("/logout", {}, with_csrf=False), 400),
        "control character": (manager.get("/cases?q=%00"), 422),
        "not found page": (manager.get("/cases/999999"), 404),
        "not allowed page": (signed_in(world.cast.lead_expert).get("/dashboard"), 403),
        "wrong method": (manager.get("/logout"), 405),
        "document": (partner.get(f"/cases/{world.case.id}/documents/{world.public_document_id}"), 200),
        "export": (manager.get("/cases/export.xlsx"), 200),
        "api answer": (client.get(f"/requests/{world.case.id}"), 200),
        "api download": (client.get(f"/requests/{world.case.id}/documents/{world.public_document_id}"), 200),
        "api problem": (client.get("/requests/999999"), 404),
        "api without token": (visitor.get("/api/v1/requests"), 401),
        "api documentation": (visitor.get("/api/docs"), 200),
        "probe": (visitor.get("/healthz"), 200),
        # The pages of emailed links hold their secret in the address: never cached, never a referrer elsewhere.
        "forgotten password page": (visitor.get("/forgot-password"), 200),
        "reset link page": (visitor.get(f"/reset/{world.reset_secret}"), 200),
        "invitation link page": (visitor.get(f"/join/{world.invitation_secret}"), 200),
        "spent link": (visitor.get("/join/spent-or-unknown"), 404),
        "invitations page": (partner.get("/invitations"), 200),
        "too many requests": (_asked_too_often(visitor, world.cast.partner.email), 429),
    }
    assert {name: response.status_code for name, (response, _status) in answers.items()} == {
        name: status for name, (_response, status) in answers.items()
    }
    for name, (response, _status) in answers.items():
        try:
            assert_protected(response)
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{name}: {error}") from error


def test_a_static_file_is_protected_and_may_be_cached(visitor):
    response = visitor.get("/static/css/app.css")
    assert response.status_code == 200
    assert_protected(response, private=False)
    assert "no-store" not in response.headers.get("Cache-Control", "")


def _fresh_app(tmp_path, **settings):
    app = create_app(TestingConfig, MAIL_FILE_PATH=str(tmp_path), PROPAGATE_EXCEPTIONS=False, **settings)

    def crash():
        raise RuntimeError("a bug")

    app.add_url_rule("/crash", "crash", crash)
    return app


def test_a_crash_is_a_500_page_with_the_headers(tmp_path):
    app = _fresh_app(tmp_path)
    response = app.test_client().get("/crash")
    assert response.status_code == 500
    assert "a bug" not in response.get_data(as_text=True)
    assert_protected(response)


@pytest.mark.parametrize(
    ("proxies", "url", "headers", "strict"),
    [
        (0, "http://localhost/login", {}, False),
        (0, "https://localhost/login", {}, True),  # TLS ends at the app itself
        (0, "http://localhost/login", {"X-Forwarded-Proto": "https"}, False),  # said by the client: not believed
        (1, "http://localhost/login", {"X-Forwarded-Proto": "https"}, True),  # said by our proxy
        (1, "http://localhost/login", {"X-Forwarded-Proto": "http"}, False),
        (1, "http://localhost/api/v1/requests", {"X-Forwarded-Proto": "https"}, True),  # a 401 too
    ],
    ids=["http", "https", "spoofed-proto", "proxy-https", "proxy-http", "proxy-https-api"],
)
def test_hsts_is_sent_when_the_request_came_over_https(tmp_path, proxies, url, headers, strict):
    app = _fresh_app(tmp_path, TRUSTED_PROXIES=proxies)
    response = app.test_client().get(url, headers=headers)
    if strict:
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    else:
        assert "Strict-Transport-Security" not in response.headers


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"javascript:", re.I)


def test_no_template_holds_what_the_policy_would_block():
    """No inline script, event handler, style attribute or javascript: link: the policy blocks them,
    so a page that used one would silently break."""
    found = []
    for path in sorted(Path(BASE_DIR / "templates").rglob("*.html")):
        source = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_ATTRIBUTE, STYLE_ATTRIBUTE, JAVASCRIPT_URL):
            found += [f"{path.relative_to(BASE_DIR)}: {match.group()}" for match in pattern.finditer(source)]
    assert found == []
