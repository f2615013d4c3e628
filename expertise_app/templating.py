"""Template globals and filters: labels of coded values, dates, the page direction."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

from babel import dates
from flask import Flask, request, url_for
from flask_babel import format_datetime, format_decimal, format_percent, format_time, to_user_timezone
from flask_login import current_user
from markupsafe import Markup, escape

from . import policy, reference
from .cases.states import OUTCOME_LABELS, PARTNER_STATE_LABELS, STATE_LABELS
from .documents.files import size_label
from .forms import options
from .i18n import LANGUAGE_NAMES
from .translation import as_list, current_locale, isolated

VOCABULARIES = {
    vocabulary.name: vocabulary
    for vocabulary in (
        reference.FIELDS,
        reference.ASSISTANCE_TYPES,
        reference.INSTRUMENTS,
        reference.PRIORITIES,
        reference.AGES,
        reference.MISSION_FORMATS,
        reference.ORGANISATION_KINDS,
        reference.INSTITUTIONS,
        reference.FIELD_LEVELS,
        reference.LANGUAGE_LEVELS,
        reference.SENIORITY,
        reference.TEAM_STATUSES,
        reference.REGIONS,
        reference.CONTINENTS,
        reference.ROLES,
        reference.COUNTRIES,
        reference.LANGUAGES,
        reference.FOLLOW_UPS,
        reference.DOCUMENT_KINDS,
        reference.FEEDBACK_ITEMS,
        reference.FEEDBACK_MEASURES,
        reference.SCORES,
        reference.QUALITY_SCORES,
        reference.DECLINE_REASONS,
        reference.REDIRECT_DESTINATIONS,
        reference.ASSESSMENT_CRITERIA,
        reference.CHECK_ANSWERS,
        reference.ACCEPTANCE,
        STATE_LABELS,
        PARTNER_STATE_LABELS,
        OUTCOME_LABELS,
    )
}


def label(code: str | None, vocabulary: str) -> str:
    """`{{ case.field|label('field') }}`: the coded value's label in the user's language."""
    return VOCABULARIES[vocabulary].label(code)


def as_date(value: date | datetime | str | None, format: str = "medium") -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return _formatted_date(value, format, current_locale())


@lru_cache(maxsize=8192)
def _formatted_date(day: date, format: str, locale) -> str:
    """Babel's own function (a date has no time zone to convert, and Flask-Babel's wrapper costs
    twice the formatting), kept: a day is written the same way every time in a language, lists show
    two dates a row, and Babel takes 7-12 µs for each."""
    return dates.format_date(day, format, locale=locale)


def as_month(month: str) -> str:
    """`"2026-01"` → "Jan 2026", "janv. 2026", "يناير 2026": a month as the user's language names it
    (the figures CSV keeps `2026-01`, which a spreadsheet sorts)."""
    year, number = (int(part) for part in month.split("-"))
    return _formatted_month(date(year, number, 1), current_locale())


@lru_cache(maxsize=1024)
def _formatted_month(first_day: date, locale) -> str:
    return dates.format_skeleton("yMMM", first_day, locale=locale)


def date_range(start: date | None, end: date | None) -> Markup:
    """`{{ start|date_range(end) }}`: both days, each isolated from the text around it, so that a
    right-to-left page shows "2027/01/31 – 2027/02/01" whole rather than its parts mixed with the
    Latin text beside it."""
    return Markup("<bdi>%s</bdi> – <bdi>%s</bdi>") % (as_date(start), as_date(end))  # nosec B704 (escaped by %)


def as_datetime(value: datetime | None, format: str = "medium") -> str:
    """`short`: the day as every page writes it (`as_date`), then the time to the minute, in the
    locale's own order ("Nov 18, 2026, 12:17 PM"; Babel's short form is "11/18/26, 12:17 PM")."""
    if not value:
        return ""
    if format != "short":
        return format_datetime(value, format)
    local = to_user_timezone(value)
    pattern = current_locale().datetime_formats["medium"]
    return pattern.replace("{1}", as_date(local.date())).replace("{0}", format_time(local, "short"))


def as_name_list(names) -> str:
    """People's names as a list in the page's language, each isolated in its own direction (Unicode's
    isolates, which a page and a plain-text email both follow): in Arabic, "Julien Moreau وCamille
    Laurent" read as one left-to-right run, the names in the wrong order and "و" stuck to the second."""
    names = [str(name) for name in names if name]
    if len(names) < 2:
        return as_list(names)
    return as_list(isolated(name) for name in names)


LINK = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}»”’"


def linkify(text: str | None) -> Markup:
    """Someone's plain text, escaped, with its http(s) addresses made into links.

    No HTML a user wrote is ever rendered: every piece of the text is escaped, and the
    only markup added is an `<a>` whose address is the escaped address itself (quotes
    included, so no attribute can be broken out of), opening with no referrer and
    marked as not endorsed.
    """
    text = text or ""
    pieces, last = [], 0
    for match in LINK.finditer(text):
        address = match.group(0).rstrip(TRAILING_PUNCTUATION)
        if len(address) <= len("https://"):
            continue
        safe = escape(address)
        pieces += [
            escape(text[last : match.start()]),
            f'<a href="{safe}" rel="nofollow noopener noreferrer">{safe}</a>',
        ]
        last = match.start() + len(address)
    pieces.append(escape(text[last:]))
    return Markup("".join(str(piece) for piece in pieces))  # noqa: S704 (every piece escaped, or our tag around it)  # nosec B704


UNREAD_SHOWN = 99  # the header says "99+" beyond


def unread_notifications() -> int:
    """The header's count: one indexed COUNT, for the signed-in user only, stopped past UNREAD_SHOWN."""
    from .notifications.services import unread_count

    return unread_count(current_user, at_most=UNREAD_SHOWN + 1) if current_user.is_authenticated else 0


def url_with(**changes) -> str:
    """The current page's path and query with some arguments changed (for filters and pages)."""
    return _with_query(request.path, changes)


def export_url(kind: str) -> str:
    """The export of the list on this page, with its filters (every page of it, so no page number)."""
    return _with_query(url_for("cases.export", kind=kind), {"page": None, "per_page": None})


def _with_query(path: str, changes: dict) -> str:
    """`path` with the current query, some arguments changed (None or "": removed).

    The query is encoded here rather than handed to url_for, whose reserved
    arguments (_external, _anchor, …) must not be reachable from a query string.
    """
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value in (None, ""):
            args.pop(key, None)
        else:
            args[key] = [value]
    query = urlencode(args, doseq=True)
    return f"{path}?{query}" if query else path


def current_page() -> str:
    """Where the language switcher returns to: this page, or for a POST the page it came from."""
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("auth.home")


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        label=label,
        as_date=as_date,
        as_month=as_month,
        date_range=date_range,
        as_datetime=as_datetime,
        as_list=as_list,
        as_number=format_decimal,
        as_percent=format_percent,  # the locale's sign and spacing: 12 %, 12%…
        linkify=linkify,
        options=options,
        file_size=size_label,
        isolated=isolated,  # someone's words inside a sentence of ours: its direction stays its own
    )
    app.jinja_env.globals.update(
        unread_notifications=unread_notifications,
        unread_shown=UNREAD_SHOWN,
        url_with=url_with,
        export_url=export_url,
        current_page=current_page,
        policy=policy,
        vocabularies=VOCABULARIES,
    )

    @app.context_processor
    def locale_context():
        locale = current_locale()
        return {
            "current_locale": locale,
            "text_direction": locale.text_direction if locale else "ltr",
            "languages": [(code, LANGUAGE_NAMES[code]) for code in app.config["LANGUAGES"]],
        }
