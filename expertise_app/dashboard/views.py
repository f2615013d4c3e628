"""The manager's overview, and its figures as CSV, for the requests its filters select."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import policy
from ..audit import services as audit
from ..cases import service_levels
from ..cases.presenters import due_label, filter_named
from ..cases.queries import CaseFilters
from ..cases.states import OUTCOME_LABELS, STATE_LABELS
from ..db_types import utcnow
from ..downloads import as_download, csv_stream, named_after
from ..reference import (
    CONTINENTS,
    DECLINE_REASONS,
    FEEDBACK_MEASURES,
    FIELDS,
    INSTRUMENTS,
    LANGUAGES,
    REDIRECT_DESTINATIONS,
)
from ..translation import gettext as _
from ..translation import ngettext
from . import charts, queries

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

GAPS_SHOWN = 15  # the largest coverage gaps on the page; the figures (CSV) have them all
# The list filters the overview offers (the others, such as the queue's views, are not its own).
OVERVIEW_FILTERS = ("from", "to", "field", "country", "continent", "instrument", "assistance_type", "outcome")


@bp.before_request
@login_required
def require_manager():
    audit.not_found_unless(policy.sees_ministry_areas(current_user))
    if not policy.can_view_dashboard(current_user):
        abort(403)


def _filters() -> CaseFilters:
    args = {name: request.args[name] for name in OVERVIEW_FILTERS if request.args.get(name)}
    return CaseFilters.from_args(args)


# What a figure's list may ask besides the overview's own filters without contradicting them: a view of
# its requests, and a period within the overview's (a month's, see ListLinks.month).
NARROWING = ("view", "from", "to")


class ListLinks:
    """The list of the requests a figure counts: the overview's filters, and the figure's own.

    An overview links every figure, some hundreds of them: the filters are read once.
    """

    def __init__(self, filters: CaseFilters):
        self.path = url_for("cases.index")
        self.filters = filters
        self.args = {**filters.to_args(), "view": "all"}

    def __call__(self, **changes) -> str | None:
        """The list of a figure narrowed by `changes` as well; None if one of them contradicts a
        filter of the overview (the outcome "withdrawn" under the filter "completed"): such a figure
        counts nothing, and no list holds what it counts."""
        asked = {key: str(value) for key, value in changes.items() if value is not None}
        if any(key not in NARROWING and self.args.get(key, value) != value for key, value in asked.items()):
            return None
        return self.path + "?" + urlencode({**self.args, **asked})

    def month(self, month: str, **changes) -> str | None:
        """The list of a figure of `month`: the requests submitted in that month, within the
        overview's period when it has one (a period from the 30th of June counts one day of June)."""
        year, number = (int(part) for part in month.split("-"))
        start = max(date(year, number, 1), self.filters.submitted_from or date.min)
        end = min(date(year, number, monthrange(year, number)[1]), self.filters.submitted_to or date.max)
        return self(**changes, **{"from": start, "to": end}) if start <= end else None


@bp.route("")
def overview():
    """The figures' charts and tables are the same for every manager: written once per language and
    version of the figures, and kept with them (some hundreds of links and bars, most of the page's time)."""
    filters = _filters()
    key = queries.figures_key(current_user, filters)
    body = queries.remembered(key and f"{key}:page:{get_locale()}", lambda: _overview_body(filters, key))
    return render_template("dashboard/overview.html", body=Markup(body))  # noqa: S704 (our template's output)  # nosec B704


def _overview_body(filters: CaseFilters, key: str | None) -> str:
    data = queries.overview(current_user, filters, key)
    list_url = ListLinks(filters)
    locale = get_locale()
    rtl = bool(locale) and locale.text_direction == "rtl"
    return render_template(
        "dashboard/_overview_body.html",
        data=data,
        filters=filters,
        charts=_charts(data, list_url, rtl),
        list_url=list_url,
        gaps_shown=GAPS_SHOWN,
        targets=_target_texts(),
        soon_working_days=service_levels.SOON_WORKING_DAYS,
        series_filter=_series_filter,
        stage_filter=_stage_filter,
        figures_url=url_for("dashboard.figures") + ("?" + urlencode(_overview_args(filters)) if filters.active else ""),
    )


def _target_texts() -> dict[str, str]:
    """Each step's service level as configured (config.py's SERVICE_LEVELS), in the user's words."""
    days = service_levels.targets()
    return {
        "submitted": ngettext(
            "Assessed within %(num)d working day",
            "Assessed within %(num)d working days",
            days["assessment_working_days"],
        ),
        "assessed": ngettext(
            "Team mobilised %(num)d day before the mission",
            "Team mobilised %(num)d days before the mission",
            days["team_days_before_mission"],
        ),
        "skills_mobilised": ngettext(
            "Delivered, with the report, within %(num)d working day of the mission’s end",
            "Delivered, with the report, within %(num)d working days of the mission’s end",
            days["report_working_days"],
        ),
        "mission_delivered": ngettext(
            "Closed within %(num)d working day of the delivery",
            "Closed within %(num)d working days of the delivery",
            days["closure_working_days"],
        ),
    }


def _overview_args(filters: CaseFilters) -> dict[str, str]:
    """The overview's filters `filters` holds, in the order of the overview's form."""
    args = filters.to_args()
    return {name: args[name] for name in OVERVIEW_FILTERS if name in args}


def _charts(data: dict, list_url: ListLinks, rtl: bool) -> dict:
    def bars(rows, label_of, **url_of) -> charts.BarChart:
        return charts.bar_chart(
            [charts.Bar(str(label_of(code)), total, list_url(**{url_of["key"]: code})) for code, _o, total in rows],
            rtl,
        )

    month_urls = {}
    for month in data["monthly"]:
        for series in (queries.STILL_OPEN, *queries.OUTCOMES):
            month_urls[(month, series)] = list_url.month(month, **_series_filter(series))
    states = [(state, count, count) for state, count in data["states"].items()]
    funnel = [(stage, count, count) for stage, count in data["funnel"]]
    lead_bars = [
        charts.Bar(_step_label(row.step), row.p90 or 0, None, inner=row.median or 0, shown=_lead_text(row))
        for row in data["lead_times"]
        if row.count
    ]
    return {
        "states": bars(states, STATE_LABELS.label, key="state"),
        "funnel": charts.bar_chart(
            [charts.Bar(_stage_label(stage), count, list_url(**_stage_filter(stage))) for stage, count, _ in funnel],
            rtl,
        ),
        "monthly": charts.stacked_columns(data["monthly"], [queries.STILL_OPEN, *queries.OUTCOMES], month_urls, rtl),
        "lead_times": charts.bar_chart(lead_bars, rtl),
        "fields": bars(data["fields"], FIELDS.label, key="field"),
        "continents": bars(data["continents"], CONTINENTS.label, key="continent"),
        "instruments": bars(data["instruments"], INSTRUMENTS.label, key="instrument"),
    }


def _series_filter(series: str) -> dict[str, str]:
    """What the list of a series of the monthly chart is narrowed by: the open requests, or an outcome."""
    return {"view": "open"} if series == queries.STILL_OPEN else {"outcome": series}


def _stage_label(stage: str) -> str:
    return OUTCOME_LABELS.label("completed") if stage == "completed" else STATE_LABELS.label(stage)


def _stage_filter(stage: str) -> dict[str, str]:
    return {"outcome": "completed"} if stage == "completed" else {"reached": stage}


def _step_label(step: str) -> str:
    return _("Submission to closure") if step == "end_to_end" else STATE_LABELS.label(step)


def _lead_text(row: queries.LeadTime) -> str:
    return _("%(median)s / %(p90)s", median=row.median, p90=row.p90)


@bp.route("/figures.csv")
def figures():
    """Every figure of the overview as rows (section, item, value, …), labelled in the user's language."""
    filters = _filters()
    rows = figure_rows(queries.overview(current_user, filters))
    body = "".join(csv_stream([rows[0], *_filter_rows(filters), *rows[1:]]))
    # The file's name says its filters too: two downloads of one day are told apart.
    named = named_after(_overview_args(filters))
    return as_download(Response(body, mimetype="text/csv"), f"passerelle-overview-{utcnow():%Y-%m-%d}{named}.csv")


def _filter_rows(filters: CaseFilters) -> list[list]:
    """What the figures were counted over, first in the file: figures handed on without it read as the
    whole ministry's."""
    applied = _overview_args(filters)
    if not applied:
        return [[_("Filter"), _("None: every request"), "", ""]]
    return [[_("Filter"), *filter_named(name, value), ""] for name, value in applied.items()]


def figure_rows(data: dict) -> list[list]:
    totals = data["totals"]
    rows: list[list] = [[_("Section"), _("Item"), _("Value"), _("Open")]]
    rows += [[_("Requests"), _("requests in all"), totals["total"], totals["open"]]]
    rows += [[_("Service levels"), _("late or due soon"), totals["late"], ""]]
    rows += [
        [_("Service levels"), f"{STATE_LABELS.label(step)} · {due_label(due)}", count, ""]
        for step, counts in data["service_levels"].items()
        for due, count in counts.items()
    ]
    rows += [[_("Paused"), _("waiting for the partner"), totals["waiting"], ""]]
    rows += [[_("Paused"), _("answers overdue"), totals["overdue"], ""]]
    rows += [[_("Paused"), _("on hold"), totals["on_hold"], ""]]
    rows += [[_("Requests by state"), STATE_LABELS.label(state), count, ""] for state, count in data["states"].items()]
    rows += [[_("Funnel"), _stage_label(stage), count, ""] for stage, count in data["funnel"]]
    rows += [
        [_("New requests by month"), f"{month} · {_series_label(series)}", count, ""]
        for month, counts in data["monthly"].items()
        for series, count in counts.items()
    ]
    for row in data["lead_times"]:
        label = _step_label(row.step)
        rows += [[_("Lead time, median (working days)"), label, _blank(row.median), ""]]
        rows += [[_("Lead time, 90th percentile (working days)"), label, _blank(row.p90), ""]]
        rows += [[_("Lead time, requests counted"), label, row.count, ""]]
    closures = data["closures"]
    rows += _counted(_("Outcome"), OUTCOME_LABELS, closures["outcomes"].items())
    rows += _counted(_("Reasons for declining"), DECLINE_REASONS, closures["decline_reasons"])
    rows += _counted(_("Redirected to"), REDIRECT_DESTINATIONS, closures["redirections"])
    rows += _broken_down(_("Requests by field"), FIELDS, data["fields"])
    rows += _broken_down(_("Requests by continent"), CONTINENTS, data["continents"])
    rows += _broken_down(_("Requests by instrument"), INSTRUMENTS, data["instruments"])
    feedback = data["feedback"]
    rows += [[_("Partners’ feedback on missions"), _("Questionnaires"), feedback["answers"], ""]]
    rows += [
        [_("Partners’ feedback on missions"), FEEDBACK_MEASURES.label(item), _blank(feedback[item]), ""]
        for item in FEEDBACK_MEASURES.codes
    ]
    rows += [[_("Open requests led, by expert"), expert.name, lead, ""] for expert, lead, _team in data["workload"]]
    rows += [
        [_("Open requests as a team member, by expert"), expert.name, team, ""]
        for expert, _lead, team in data["workload"]
    ]
    rows += [
        [_("Coverage gaps (no available expert)"), f"{FIELDS.label(field)} · {LANGUAGES.label(language)}", count, count]
        for field, language, count in data["gaps"]
    ]
    return rows


def _blank(value) -> object:
    return "" if value is None else value


def _series_label(series: str) -> str:
    return _("Still open") if series == queries.STILL_OPEN else OUTCOME_LABELS.label(series)


def _counted(section: str, vocabulary, counts) -> list[list]:
    return [[section, vocabulary.label(code), count, ""] for code, count in counts]


def _broken_down(section: str, vocabulary, rows) -> list[list]:
    return [[section, vocabulary.label(code), total, open_count] for code, open_count, total in rows]
