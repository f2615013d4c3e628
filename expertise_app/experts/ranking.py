"""Ranked suggestions: every active expert scored against one request, with the score's parts.

The rules live here and nowhere else (the README repeats them). Each part is
a whole number of points, computed in one SQL query over the association tables
of experts/models.py, so that 5,000 experts rank in one round trip on SQLite and
PostgreSQL (bench/ranking.py measures it against the same ranking in bare SQL):

- field: the request's field is a primary field of the expert (40) or a secondary one (20);
- languages: 25 shared among the request's working languages, for each one the expert
  speaks at working level or better (a basic level counts half);
- region: the expert knows the country (15), its sub-region or one of its groups,
  such as the Maghreb or the Eastern Partnership (8), or its continent (4);
- availability: free over the dates (10), or busy on another mission or unavailable
  for part of them (-40): the mission's planned dates once planned, else the
  request's desired period (experts/availability.py says what "busy" is);
- workload: 10 when no mission is ahead of them, less as their confirmed missions near
  their limit, -10 at the limit;
- eligibility: a TAIEX request engages public officials only: anyone else gets -100,
  and cannot be confirmed on its team.

Ties go to the expert the partners rated better after their missions, then to the better
field, then by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..auth.models import Role, User
from ..cases.models import Assignment, ExpertiseRequest, TeamStatus
from ..extensions import db
from ..feedback.models import ExpertRating
from ..pagination import within_pages
from ..reference import FIELDS, LANGUAGE_LEVELS, LANGUAGES, MISSION_LANGUAGE_LEVELS, REGIONS
from ..translation import as_list
from ..translation import gettext as _
from . import availability
from .availability import public_officials_only
from .models import ExpertCountry, ExpertField, ExpertLanguage, ExpertProfile, ExpertRegion
from .queries import RowPage

FIELD_POINTS = {"primary": 40, "secondary": 20}
LANGUAGE_POINTS = 25
REGION_POINTS = {"country": 15, "near": 8, "continent": 4}
FREE_POINTS = 10
BUSY_POINTS = -40
WORKLOAD_POINTS = 10
FULL_POINTS = -10
INELIGIBLE_POINTS = -100

PER_PAGE = 20
UNRATED = 3  # an expert no partner has rated yet ranks as an average one: above a poor rating, below a good one


def rules_summary() -> str:
    """The rules above in one sentence, from the same figures, for the page that shows the ranking."""
    return _(
        "How the score is made: field (primary %(primary)d, secondary %(secondary)d), working languages "
        "spoken (up to %(languages)d), experience of the country (%(country)d), its region (%(near)d) or "
        "continent (%(continent)d), free over the dates (%(free)d, busy %(busy)d), workload (up to "
        "%(workload)d, at the limit %(full)d), and for TAIEX %(ineligible)d for anyone who is not a public official.",
        primary=FIELD_POINTS["primary"],
        secondary=FIELD_POINTS["secondary"],
        languages=LANGUAGE_POINTS,
        country=REGION_POINTS["country"],
        near=REGION_POINTS["near"],
        continent=REGION_POINTS["continent"],
        free=FREE_POINTS,
        busy=BUSY_POINTS,
        workload=WORKLOAD_POINTS,
        full=FULL_POINTS,
        ineligible=INELIGIBLE_POINTS,
    )


def dates_considered(case: ExpertiseRequest) -> tuple[date, date]:
    """The mission's planned dates once planned, else the period the partner asked for."""
    if case.mission is not None:
        return case.mission.planned_start, case.mission.planned_end
    return case.period_start, case.period_end


@dataclass(frozen=True)
class Filters:
    """What the person choosing narrows the suggestions to."""

    field: str | None = None  # has this field (primary or secondary)
    language: str | None = None  # speaks it at working level or better
    institution: str | None = None
    region: str | None = None  # knows a country of this region, or declares it
    free_only: bool = False
    eligible_only: bool = False
    name: str | None = None


def _languages_covered(working: list[str]) -> sa.Subquery:
    """Per expert, the request's working languages they speak, in half points (2 good, 1 basic)."""
    halves = sa.case((ExpertLanguage.level.in_(MISSION_LANGUAGE_LEVELS), 2), else_=1)
    return (
        sa.select(
            ExpertLanguage.user_id,
            sa.func.sum(halves).label("halves"),
            sa.func.aggregate_strings(ExpertLanguage.language + ":" + ExpertLanguage.level, ",").label("spoken"),
        )
        .where(ExpertLanguage.language.in_(working or ["--"]))
        .group_by(ExpertLanguage.user_id)
        .subquery("covered")
    )


def _knows_any(countries: frozenset[str], regions: frozenset[str]) -> sa.ColumnElement[bool]:
    """The expert has worked in one of `countries`, or declares one of `regions` (a directory filter)."""
    by_country = (
        sa.exists()
        .where(ExpertCountry.user_id == ExpertProfile.user_id, ExpertCountry.country.in_(sorted(countries)))
        .correlate(ExpertProfile)
    )
    by_region = (
        sa.exists()
        .where(ExpertRegion.user_id == ExpertProfile.user_id, ExpertRegion.region.in_(sorted(regions)))
        .correlate(ExpertProfile)
    )
    return sa.or_(by_country, by_region) if regions else by_country


def _region_points(country: str) -> sa.Subquery:
    """Per expert, the best of their countries and regions for `country` (`user_id`, `points`).

    One pass over each association table, rather than a lookup per expert.
    """
    near, continent = REGIONS.countries_near(country), REGIONS.countries_on_continent(country)
    continent_code = REGIONS.continent(country)
    by_country = sa.select(
        ExpertCountry.user_id,
        sa.case(
            (ExpertCountry.country == country, REGION_POINTS["country"]),
            (ExpertCountry.country.in_(sorted(near) or ["--"]), REGION_POINTS["near"]),
            else_=REGION_POINTS["continent"],
        ).label("points"),
    ).where(ExpertCountry.country.in_(sorted({country} | near | continent)))
    by_region = sa.select(
        ExpertRegion.user_id,
        sa.case(
            (ExpertRegion.region.in_(sorted(REGIONS.near(country)) or ["--"]), REGION_POINTS["near"]),
            else_=REGION_POINTS["continent"],
        ).label("points"),
    ).where(ExpertRegion.region.in_(sorted(REGIONS.near(country) | {continent_code or "--"})))
    places = sa.union_all(by_country, by_region).subquery("places")
    return (
        sa.select(places.c.user_id, sa.func.max(places.c.points).label("points"))
        .group_by(places.c.user_id)
        .subquery("region")
    )


def ranked_query(case: ExpertiseRequest, filters: Filters | None = None) -> sa.Select:
    """Every active expert not already on the team, with each part of their score, best first."""
    filters = filters or Filters()
    start, end = dates_considered(case)
    working = list(case.working_languages or [])
    covered = _languages_covered(working)
    busy = availability.busy_experts(start, end, exclude_request_id=case.id)
    workload = availability.active_missions()
    own_field = so.aliased(ExpertField)
    missions = sa.func.coalesce(workload.c.missions, 0)

    field_points = sa.case(
        *((own_field.level == level, points) for level, points in FIELD_POINTS.items()), else_=0
    ).label("field_points")
    language_points = (
        (LANGUAGE_POINTS * sa.func.coalesce(covered.c.halves, 0)) // (2 * len(working)) if working else sa.literal(0)
    ).label("language_points")
    region = _region_points(case.country)
    region_points = sa.func.coalesce(region.c.points, 0).label("region_points")
    is_busy = busy.c.expert_id.is_not(None)
    availability_points = sa.case((is_busy, BUSY_POINTS), else_=FREE_POINTS).label("availability_points")
    workload_points = sa.case(
        (missions >= ExpertProfile.max_concurrent_missions, FULL_POINTS),
        else_=(WORKLOAD_POINTS * (ExpertProfile.max_concurrent_missions - missions))
        // ExpertProfile.max_concurrent_missions,
    ).label("workload_points")
    ineligible = sa.and_(sa.literal(public_officials_only(case)), ExpertProfile.public_official.is_(False))
    eligibility_points = sa.case((ineligible, INELIGIBLE_POINTS), else_=0).label("eligibility_points")
    ratings = (
        sa.select(
            ExpertRating.expert_id,
            sa.func.avg(ExpertRating.score).label("rating"),
            sa.func.count().label("ratings"),
        )
        .group_by(ExpertRating.expert_id)
        .subquery("ratings")
    )
    rating = ratings.c.rating
    score = (
        field_points + language_points + region_points + availability_points + workload_points + eligibility_points
    ).label("score")
    query = (
        sa.select(
            ExpertProfile.user_id,
            User.name,
            ExpertProfile.institution,
            ExpertProfile.department,
            ExpertProfile.public_official,
            ExpertProfile.max_concurrent_missions,
            own_field.level.label("field_level"),
            covered.c.spoken,
            is_busy.label("busy"),
            missions.label("missions"),
            field_points,
            language_points,
            region_points,
            availability_points,
            workload_points,
            eligibility_points,
            score,
            rating.label("rating"),
            sa.func.coalesce(ratings.c.ratings, 0).label("ratings"),
        )
        .join(User, User.id == ExpertProfile.user_id)
        .outerjoin(own_field, sa.and_(own_field.user_id == ExpertProfile.user_id, own_field.field == case.field))
        .outerjoin(covered, covered.c.user_id == ExpertProfile.user_id)
        .outerjoin(region, region.c.user_id == ExpertProfile.user_id)
        .outerjoin(busy, busy.c.expert_id == ExpertProfile.user_id)
        .outerjoin(workload, workload.c.expert_id == ExpertProfile.user_id)
        .outerjoin(ratings, ratings.c.expert_id == ExpertProfile.user_id)
        .where(*candidates(case, filters))
    )
    return query.order_by(
        score.desc(), sa.func.coalesce(rating, UNRATED).desc(), field_points.desc(), User.name, ExpertProfile.user_id
    )


def candidates(case: ExpertiseRequest, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """Who is ranked: active experts not already on the team, narrowed by `filters`.

    Conditions on ExpertProfile and User alone, so that counting them needs none of the scoring joins.
    """
    on_team = (
        sa.exists()
        .where(
            Assignment.request_id == case.id,
            Assignment.expert_id == ExpertProfile.user_id,
            Assignment.status != TeamStatus.WITHDRAWN,
        )
        .correlate(ExpertProfile)
    )
    conditions = [User.role == Role.EXPERT, User.active.is_(True), ExpertProfile.active.is_(True), ~on_team]
    return conditions + _narrowed(filters, case)


def _narrowed(filters: Filters, case: ExpertiseRequest) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.field:
        conditions.append(
            sa.exists().where(ExpertField.user_id == ExpertProfile.user_id, ExpertField.field == filters.field)
        )
    if filters.language:
        conditions.append(
            sa.exists().where(
                ExpertLanguage.user_id == ExpertProfile.user_id,
                ExpertLanguage.language == filters.language,
                ExpertLanguage.level.in_(MISSION_LANGUAGE_LEVELS),
            )
        )
    if filters.institution:
        conditions.append(ExpertProfile.institution == filters.institution)
    if filters.region:
        countries = REGIONS.countries_of.get(filters.region, frozenset())
        conditions.append(_knows_any(countries or frozenset({"--"}), frozenset({filters.region})))
    if filters.free_only:
        start, end = dates_considered(case)
        busy = availability.busy_experts(start, end, exclude_request_id=case.id)
        conditions.append(ExpertProfile.user_id.not_in(sa.select(busy.c.expert_id)))
    if filters.eligible_only and public_officials_only(case):
        conditions.append(ExpertProfile.public_official.is_(True))
    if filters.name:
        conditions.append(sa.func.lower(User.name).contains(filters.name.lower(), autoescape=True))
    return conditions


# --- what the page and the API show --------------------------------------------------------


@dataclass(frozen=True)
class Part:
    name: str  # field, languages, region, availability, workload, eligibility
    points: int
    explanation: str


@dataclass
class Suggestion:
    expert_id: int
    name: str
    institution: str
    department: str
    public_official: bool
    score: int
    parts: list[Part]
    busy: bool
    eligible: bool
    at_limit: bool
    clashes: list[availability.Clash] = field(default_factory=list)
    profile: ExpertProfile | None = None
    rating: float | None = None  # the partners' average rating after missions, 1–5
    ratings: int = 0

    @property
    def can_be_confirmed(self) -> bool:
        return self.eligible and not self.clashes and not self.at_limit


@dataclass
class SuggestionPage(RowPage):
    starts_on: date | None = None  # the dates the availability is checked over
    ends_on: date | None = None


def suggest(
    case: ExpertiseRequest,
    filters: Filters | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    *,
    past_the_end: bool = False,
) -> SuggestionPage:
    """One page of ranked suggestions, explained: the ranking, the count, and the clashes of the page's experts
    (past the last page, the last one, or none with `past_the_end`: pagination.within_pages)."""
    filters = filters or Filters()
    query = ranked_query(case, filters)
    total = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ExpertProfile)
        .join(User, User.id == ExpertProfile.user_id)
        .where(*candidates(case, filters))
    )
    page = within_pages(page, total, per_page, past_the_end=past_the_end)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    start, end = dates_considered(case)
    found = availability.clashes([row.user_id for row in rows if row.busy], start, end, exclude_request_id=case.id)
    items = [_suggestion(row, case, found.get(row.user_id, [])) for row in rows]
    return SuggestionPage(items, total, page, per_page, start, end)


def _suggestion(row, case: ExpertiseRequest, clashes: list[availability.Clash]) -> Suggestion:
    parts = [
        Part("field", row.field_points, _field_explanation(row.field_level, case.field)),
        Part("languages", row.language_points, _language_explanation(row.spoken, case.working_languages or [])),
        Part("region", row.region_points, _region_explanation(row.region_points)),
        Part("availability", row.availability_points, _availability_explanation(clashes)),
        Part("workload", row.workload_points, _workload_explanation(row.missions, row.max_concurrent_missions)),
    ]
    eligible = row.eligibility_points == 0
    if not eligible:
        parts.append(Part("eligibility", row.eligibility_points, _("TAIEX engages public officials only.")))
    return Suggestion(
        expert_id=row.user_id,
        name=row.name,
        institution=row.institution,
        department=row.department,
        public_official=row.public_official,
        score=int(row.score),
        parts=parts,
        busy=bool(row.busy),
        eligible=eligible,
        at_limit=row.missions >= row.max_concurrent_missions,
        clashes=clashes,
        rating=round(float(row.rating), 1) if row.rating is not None else None,
        ratings=row.ratings,
    )


def _field_explanation(level: str | None, field_code: str) -> str:
    name = FIELDS.label(field_code)
    if level == "primary":
        return _("%(field)s is a primary field.", field=name)
    if level == "secondary":
        return _("%(field)s is a secondary field.", field=name)
    return _("Does not work in %(field)s.", field=name)


def _language_explanation(spoken: str | None, working: list[str]) -> str:
    levels = dict(item.split(":", 1) for item in (spoken or "").split(",") if ":" in item)
    if not working:
        return _("The request names no working language.")
    said = [
        f"{LANGUAGES.label(code)} ({LANGUAGE_LEVELS.label(levels[code]).lower()})" for code in working if code in levels
    ]
    missing = [LANGUAGES.label(code) for code in working if code not in levels]
    if not said:
        return _("Speaks none of the working languages (%(missing)s).", missing=as_list(missing))
    if missing:
        return _("Speaks %(spoken)s; not %(missing)s.", spoken=as_list(said), missing=as_list(missing))
    return _("Speaks %(spoken)s.", spoken=as_list(said))


def _region_explanation(points: int) -> str:
    return {
        REGION_POINTS["country"]: _("Has worked in this country."),
        REGION_POINTS["near"]: _("Knows the region."),
        REGION_POINTS["continent"]: _("Knows the continent."),
    }.get(points, _("No experience of the country or its region."))


def _availability_explanation(clashes: list[availability.Clash]) -> str:
    if not clashes:
        return _("Free over these dates.")
    return _("Busy: %(clashes)s.", clashes="; ".join(clash.describe() for clash in clashes))


def _workload_explanation(missions: int, limit: int) -> str:
    if missions >= limit:
        return _("At the limit of %(limit)d missions ahead.", limit=limit)
    return _("%(missions)d of at most %(limit)d missions ahead.", missions=missions, limit=limit)
