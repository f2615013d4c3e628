"""Error pages: HTML for people, problem+json (RFC 9457) for API clients."""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import force_locale, get_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as database_errors
from werkzeug.exceptions import HTTPException, InternalServerError

from . import transaction
from .auth.passwords import ChecksBusy
from .documents.files import size_label
from .extensions import limiter
from .i18n import visitor_language
from .translation import gettext as _
from .translation import lazy_gettext as _l
from .translation import ngettext

log = logging.getLogger(__name__)

# The database cannot be reached, or cannot serve now (a lost connection, no free connection in the
# pool, SQLite locked): the request may succeed if sent again in a few seconds.
DATABASE_UNAVAILABLE = (database_errors.OperationalError, database_errors.InterfaceError, database_errors.TimeoutError)
RETRY_AFTER_SECONDS = 5

# Titles and explanations people read, in their language; other codes fall back to werkzeug's.
ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    401: (_l("Sign-in required"), _l("Please sign in to continue.")),
    403: (_l("Not allowed"), _l("You are not allowed to do this.")),
    404: (_l("Not found"), _l("There is nothing here. The address may be wrong, or the page is not yours to see.")),
    405: (_l("Method not allowed"), _l("This address does not accept this kind of request.")),
    409: (_l("Conflict"), _l("The request conflicts with the current state of the resource.")),
    413: (_l("Too large"), _l("What you sent is larger than the server accepts.")),
    415: (_l("Unsupported media type"), _l("Send JSON with Content-Type: application/json.")),
    422: (_l("Invalid data"), _l("Please correct the errors below.")),
    429: (_l("Too many attempts"), _l("Too many attempts to sign in failed. Wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Please try again later.")),
}


def status_title(status: int) -> str:
    return str(ERROR_TEXTS.get(status, (ERROR_TEXTS[400][0],))[0])


def wants_problem_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, **extra):
    """An application/problem+json response."""
    body = {"type": "about:blank", "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def error_response(status: int, title: str | None = None, detail: str | None = None, headers=None):
    default_title, default_detail = ERROR_TEXTS.get(status, (None, None))
    title = title or default_title or str(status)
    detail = detail or default_detail or ""
    if wants_problem_json():
        response = problem(status, title, detail)
    else:
        response = make_response(
            render_template("errors/error.html", status=status, title=title, detail=detail), status
        )
    response.headers.update(headers or {})
    return response


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
    field_errors = _field_errors(error)
    if field_errors and wants_problem_json():
        return problem(status, status_title(status), _("Please correct the errors below."), errors=field_errors)
    detail = error.description if status in (400, 401, 403, 415, 422) and _is_ours(error) else None
    if status == 429 and limiter.current_limit is not None:
        detail = _too_many_attempts(limiter.current_limit.reset_at)
        headers["Retry-After"] = str(max(int(limiter.current_limit.reset_at - time.time()), 1))
    if status == 413 and request.path.startswith("/api/") and request.endpoint != "api.upload_documents":
        detail = _("The body is larger than the API accepts (1 MB); files go to POST /api/v1/requests/{id}/documents.")
    elif status == 413:
        detail = _(
            "What you sent is larger than the server accepts: a file can be at most %(size)s. "
            "Go back: choose a smaller file; what you typed is still in the form.",
            size=size_label(current_app.config["UPLOAD_MAX_BYTES"]),
        )
    if status in ERROR_TEXTS:
        return error_response(status, detail=detail, headers=headers)
    return error_response(status, error.name, error.description, headers)


SIGN_IN_ENDPOINTS = ("auth.login", "auth.change_password")  # their limits count failed passwords


def _too_many_attempts(reset_at: float) -> str:
    """How long to wait, in minutes, until the limit that was hit lets go (Retry-After says it in seconds)."""
    minutes = max(round((reset_at - time.time()) / 60), 1)
    if request.endpoint not in SIGN_IN_ENDPOINTS:  # reset links asked for, invitations sent
        return ngettext(
            "Too many requests of this kind. Try again in %(num)d minute.",
            "Too many requests of this kind. Try again in %(num)d minutes.",
            minutes,
        )
    return ngettext(
        "Too many attempts to sign in failed. Try again in %(num)d minute.",
        "Too many attempts to sign in failed. Try again in %(num)d minutes.",
        minutes,
    )


def _is_ours(error: HTTPException) -> bool:
    """A description written by this app (not werkzeug's generic English one)."""
    return error.description != type(error).description


def _field_errors(error: HTTPException) -> dict[str, list[str]] | None:
    """webargs' validation messages ({"query": {"state": [...]}}), flattened per field."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    if not isinstance(messages, dict):
        return None
    flat: dict[str, list[str]] = {}
    for location in messages.values():
        for name, field_messages in location.items() if isinstance(location, dict) else []:
            flat[name] = [str(m) for m in field_messages] if isinstance(field_messages, list) else [str(field_messages)]
    return flat or None


def handle_csrf_error(error: CSRFError):
    return error_response(
        400,
        _("Your form expired"),
        _("The page you sent was too old or came from elsewhere. Please go back, reload the page and try again."),
    )


def handle_unexpected_error(error: InternalServerError):
    # Flask has logged the traceback; the client only learns that it failed.
    if isinstance(error.original_exception, DATABASE_UNAVAILABLE):  # raised while committing, after the view
        return handle_database_unavailable(error.original_exception)
    # A statement that failed leaves the session unusable until rolled back: the error page itself reads
    # the signed-in user, and would fail in turn. Nothing of the failed request is kept either way.
    try:
        transaction.rollback()
    except Exception:
        log.debug("rollback after an unexpected error failed", exc_info=True)
    return error_response(500)


def handle_database_unavailable(error: Exception):
    """503 with Retry-After, written without the database: not even the signed-in user is loaded
    (their language is the visitor's cookie or browser's), so the page itself cannot fail."""
    log.error("database unavailable: %s", type(error).__name__)
    try:
        transaction.rollback()
    except Exception:  # the connection is gone; the pool replaces it once the database is back
        log.debug("rollback after a database error failed", exc_info=True)
    with force_locale(visitor_language()):
        title = _("Temporarily unavailable")
        detail = _("Passerelle cannot reach its database just now. Nothing you sent was saved: try again in a minute.")
        if wants_problem_json():
            response = problem(503, title, detail)
        else:
            locale = get_locale()
            page = current_app.jinja_env.get_template("errors/unavailable.html").render(
                title=title, detail=detail, language=locale.language, direction=locale.text_direction
            )
            response = make_response(page, 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_checks_busy(error: ChecksBusy):
    """Every place for a password check is taken (auth/passwords.py): nothing was checked, try again."""
    transaction.rollback()
    return error_response(
        503,
        _("Busy"),
        _("Many sign-ins are being checked at this moment. Wait a few seconds and try again."),
        headers={"Retry-After": str(error.retry_after)},
    )


def init_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(ChecksBusy, handle_checks_busy)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, handle_database_unavailable)
