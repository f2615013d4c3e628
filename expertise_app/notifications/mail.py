"""Writing an email in its recipient's language, and sending one from the outbox.

The text is written when the action happens (in the transaction, so it says what
the recipient may read then) and kept in the outbox; sending only hands it to
Flask-Mailman, whose headers refuse line breaks (no header injection).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMessage

from ..auth.models import User

MAX_SUBJECT = 250


def language_of(user: User) -> str:
    """The language the person chose; else the app's default."""
    return spoken(user.locale)


def spoken(language: str | None) -> str:
    """`language` if the app speaks it; else the app's default."""
    languages = current_app.config["LANGUAGES"]
    return language if language in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def public_url(endpoint: str, _anchor: str | None = None, **values) -> str:
    """An absolute link into the app (PUBLIC_URL), built without a request, as a worker must."""
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{_anchor}" if _anchor else url


def one_line(text: str) -> str:
    """A header's text: people's words (a request's title) never bring a line break into it."""
    return " ".join(str(text).split())[:MAX_SUBJECT]


def render(user: User, template: str, **context) -> tuple[str, str]:
    """(subject, body) of `template` (emails/<name>.txt, its first line the subject) in the user's language."""
    return render_in(language_of(user), template, user=user, **context)


def render_in(language: str, template: str, **context) -> tuple[str, str]:
    """(subject, body) of `template` in `language` (for someone who has no account yet)."""
    with force_locale(spoken(language)):
        text = render_template(f"emails/{template}.txt", **context)
    subject, _sep, body = text.strip().partition("\n")
    return one_line(subject), body.strip() + "\n"


def send(to_address: str, subject: str, body: str) -> None:
    """Hand one email to the configured backend (SMTP, or .eml files); raises if it fails."""
    message = EmailMessage(
        subject=one_line(subject),
        body=body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to_address],
    )
    message.send(fail_silently=False)
