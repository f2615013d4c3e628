"""Read a message's translation from the catalogues, so tests do not hard-code wording."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale, gettext


def translated(app: Flask, locale: str, message: str) -> str:
    """`message` as the catalogue of `locale` has it (checked to differ from the English)."""
    with app.test_request_context(), force_locale(locale):
        text = gettext(message)
    assert text != message, f"{message!r} is not translated in {locale}"
    return text
