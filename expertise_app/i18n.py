"""Which language a request is served in."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The user's saved preference, else the visitor's cookie, else Accept-Language."""
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line, background jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in supported:
        return cookie
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]
