"""Rank 5,000 experts for one request: the application's ranking beside the same ranking in bare SQL.

    .venv/bin/python bench/ranking.py                      # SQLite (a temp file) and PostgreSQL
    .venv/bin/python bench/ranking.py --experts 20000      # another roster size
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ranking.py

For each database it builds a roster of N experts (fields, languages, countries,
regions, unavailable periods) and 400 requests whose confirmed teams make some of
them busy or loaded, through bulk inserts; then it times, in the same run and
interleaved, (a) `experts.ranking.suggest()` — the page's whole work: the ranked
query, the count, the clashes of the page's experts and the explained parts — and
(b) the same ranking and count written by hand in SQL and run as text. It checks
that both put the same experts on the first page, and prints the median of each and
their ratio (the goal is within 3×). PostgreSQL is used through a throwaway database
created on the server of BENCH_POSTGRES_URL (default: the local one); it is skipped
if that server cannot be reached.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PASSERELLE_ENV", "development")

from flask_migrate import upgrade

from expertise_app import create_app, transaction
from expertise_app.auth.models import User
from expertise_app.cases import operations
from expertise_app.cases.models import ExpertiseRequest
from expertise_app.db_types import utcnow
from expertise_app.experts import ranking
from expertise_app.extensions import db
from expertise_app.reference import FIELDS, REGIONS

REPEAT = 30
BUSY_REQUESTS = 400
LANGUAGES = ("fr", "en", "ar", "es", "pt", "ru", "de", "zh")
LEVELS = ("native", "fluent", "working", "basic")
COUNTRIES = ("JO", "LB", "EG", "TN", "MA", "DZ", "SN", "CI", "MX", "BR", "VN", "UA", "GE", "AL", "VU", "FR")
REGION_CODES = ("mashreq", "maghreb", "western_africa", "south_america", "eastern_partnership", "melanesia")

BARE_SQL = """
WITH covered AS (
    SELECT user_id, SUM(CASE WHEN level IN ('native', 'fluent', 'working') THEN 2 ELSE 1 END) AS halves
    FROM expert_languages WHERE language IN :langs GROUP BY user_id
), busy AS (
    SELECT a.expert_id FROM assignments a
    JOIN expertise_requests r ON r.id = a.request_id JOIN missions m ON m.request_id = a.request_id
    WHERE a.status = 'confirmed' AND (r.outcome IS NULL OR r.outcome = 'completed') AND a.request_id <> :case_id
      AND COALESCE(m.actual_start, m.planned_start) <= :end AND COALESCE(m.actual_end, m.planned_end) >= :start
    UNION
    SELECT user_id FROM expert_unavailability WHERE starts_on <= :end AND ends_on >= :start
), places AS (
    SELECT user_id, CASE WHEN country = :country THEN 15 WHEN country IN :near THEN 8 ELSE 4 END AS points
    FROM expert_countries WHERE country = :country OR country IN :near OR country IN :continent
    UNION ALL
    SELECT user_id, CASE WHEN region IN :near_regions THEN 8 ELSE 4 END AS points
    FROM expert_regions WHERE region IN :near_regions OR region = :continent_code
), region AS (
    SELECT user_id, MAX(points) AS points FROM places GROUP BY user_id
), workload AS (
    SELECT a.expert_id, COUNT(*) AS missions FROM assignments a JOIN expertise_requests r ON r.id = a.request_id
    WHERE a.status = 'confirmed' AND r.state IN ('assessed', 'skills_mobilised') GROUP BY a.expert_id
), scored AS (
    SELECT p.user_id, u.name,
        CASE f.level WHEN 'primary' THEN 40 WHEN 'secondary' THEN 20 ELSE 0 END AS field_points,
        (25 * COALESCE(c.halves, 0)) / :twice_langs AS language_points,
        COALESCE(g.points, 0) AS region_points,
        CASE WHEN b.expert_id IS NOT NULL THEN -40 ELSE 10 END AS availability_points,
        CASE WHEN COALESCE(w.missions, 0) >= p.max_concurrent_missions THEN -10
             ELSE (10 * (p.max_concurrent_missions - COALESCE(w.missions, 0))) / p.max_concurrent_missions
        END AS workload_points,
        CASE WHEN :taiex AND NOT p.public_official THEN -100 ELSE 0 END AS eligibility_points
    FROM expert_profiles p JOIN users u ON u.id = p.user_id
    LEFT JOIN expert_fields f ON f.user_id = p.user_id AND f.field = :field
    LEFT JOIN covered c ON c.user_id = p.user_id
    LEFT JOIN region g ON g.user_id = p.user_id
    LEFT JOIN busy b ON b.expert_id = p.user_id
    LEFT JOIN workload w ON w.expert_id = p.user_id
    WHERE u.role = 'expert' AND u.active AND p.active AND NOT EXISTS (
        SELECT 1 FROM assignments a
        WHERE a.request_id = :case_id AND a.expert_id = p.user_id AND a.status <> 'withdrawn'
    )
)
SELECT user_id, field_points + language_points + region_points + availability_points + workload_points
       + eligibility_points AS score
FROM scored ORDER BY score DESC, field_points DESC, name, user_id LIMIT 20
"""
BARE_COUNT = """
SELECT COUNT(*) FROM expert_profiles p JOIN users u ON u.id = p.user_id
WHERE u.role = 'expert' AND u.active AND p.active AND NOT EXISTS (
    SELECT 1 FROM assignments a WHERE a.request_id = :case_id AND a.expert_id = p.user_id AND a.status <> 'withdrawn'
)
"""


def _insert(table: str, rows: list[dict]) -> None:
    if rows:
        db.session.execute(db.metadata.tables[table].insert(), rows)


def build_roster(size: int, rng: random.Random) -> ExpertiseRequest:
    """N experts and the busy requests, in bulk; returns the request to rank for."""
    organisations = db.metadata.tables["organisations"]
    partner_org = db.session.execute(
        organisations.insert()
        .values(name="Department of Antiquities", country="JO", kind="heritage_agency", created_at=utcnow())
        .returning(organisations.c.id)
    ).scalar_one()
    users, profiles, fields, languages, countries, regions, away = [], [], [], [], [], [], []
    base = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(User.id), 0)))
    today = date.today()
    codes = FIELDS.codes
    for index in range(1, size + 1):
        user_id = base + index
        users.append(
            {
                "id": user_id,
                "email": f"expert{index}@bench.example",
                "name": f"Expert {index:05d}",
                "role": "expert",
                "password_hash": "x",
                "session_token": uuid.uuid4().hex,
                "active": True,
            }
        )
        profiles.append(
            {
                "user_id": user_id,
                "institution": rng.choice(("central_service", "operator", "independent")),
                "department": "",
                "public_official": rng.random() > 0.15,
                "seniority": "experienced",
                "biography": "",
                "max_concurrent_missions": rng.choice((1, 2, 3)),
                "active": rng.random() > 0.02,
                "updated_at": utcnow(),
            }
        )
        primary, *others = rng.sample(codes, 3)
        fields.append({"user_id": user_id, "field": primary, "level": "primary"})
        fields += [{"user_id": user_id, "field": code, "level": "secondary"} for code in others[: rng.randint(0, 2)]]
        languages += [
            {"user_id": user_id, "language": code, "level": rng.choice(LEVELS)}
            for code in rng.sample(LANGUAGES, rng.randint(1, 3))
        ]
        countries += [{"user_id": user_id, "country": code} for code in rng.sample(COUNTRIES, rng.randint(1, 3))]
        if rng.random() < 0.4:
            regions.append({"user_id": user_id, "region": rng.choice(REGION_CODES)})
        if rng.random() < 0.1:
            start = today + timedelta(days=rng.randint(0, 120))
            away.append({"user_id": user_id, "starts_on": start, "ends_on": start + timedelta(days=14), "reason": ""})
    _bulk_users(users)
    for table, rows in (
        ("expert_profiles", profiles),
        ("expert_fields", fields),
        ("expert_languages", languages),
        ("expert_countries", countries),
        ("expert_regions", regions),
        ("expert_unavailability", away),
    ):
        _insert(table, rows)
    partner = base + size + 1
    _bulk_users(
        [
            {
                "id": partner,
                "email": "partner@bench.example",
                "name": "Partner",
                "role": "partner",
                "organisation_id": partner_org,
                "password_hash": "x",
                "session_token": uuid.uuid4().hex,
                "active": True,
            }
        ]
    )
    _busy_requests(partner_org, partner, base, size, rng, today)
    author = db.session.get(User, partner)
    case = operations.file_request(
        author,
        {
            "title": "Preventive conservation workshop for regional museums",
            "field": "MUS",
            "country": "JO",
            "assistance_type": "workshop",
            "instrument": "bilateral",
            "context": "Regional museums keep collections without climate control; curators ask for a workshop.",
            "objectives": "Train curators in preventive conservation.",
            "expected_results": "Twenty trained curators.",
            "period_start": (today + timedelta(days=40)).isoformat(),
            "period_end": (today + timedelta(days=70)).isoformat(),
            "working_languages": ["ar", "en"],
        },
    ).case
    transaction.commit()
    return case


def _bulk_users(rows: list[dict]) -> None:
    table = db.metadata.tables["users"]
    stamped = [{"organisation_id": None, "locale": None, **row, "created_at": utcnow()} for row in rows]
    db.session.execute(table.insert(), stamped)


def _busy_requests(organisation: int, author: int, base: int, size: int, rng: random.Random, today: date) -> None:
    """Requests with a planned mission and a confirmed team of three: busy and loaded experts."""
    now = utcnow()
    requests, missions, assignments = [], [], []
    for number in range(1, BUSY_REQUESTS + 1):
        start = today + timedelta(days=rng.randint(-30, 150))
        requests.append(
            {
                "id": number,
                "reference": f"EXP-1999-{number:04d}",
                "organisation_id": organisation,
                "author_id": author,
                "title": f"Busy request {number}",
                "field": rng.choice(FIELDS.codes),
                "country": rng.choice(COUNTRIES),
                "assistance_type": "expert_mission",
                "instrument": "bilateral",
                "context": "x" * 60,
                "objectives": "x",
                "expected_results": "x",
                "period_start": start,
                "period_end": start + timedelta(days=30),
                "working_languages": ["fr"],
                "state": rng.choice(("assessed", "skills_mobilised")),
                "priority": "normal",
                "version": 1,
                "created_at": now,
                "submitted_at": now,
                "state_entered_at": now,
                "updated_at": now,
            }
        )
        missions.append(
            {
                "request_id": number,
                "format": "on_site",
                "place": "x",
                "planned_start": start,
                "planned_end": start + timedelta(days=rng.randint(2, 10)),
            }
        )
        for expert in rng.sample(range(base + 1, base + size + 1), 3):
            assignments.append({"request_id": number, "expert_id": expert, "status": "confirmed", "created_at": now})
    for table, rows in (("expertise_requests", requests), ("missions", missions), ("assignments", assignments)):
        _insert(table, rows)
    counters = db.metadata.tables["reference_counters"]
    db.session.execute(counters.insert(), [{"year": 1999, "last": BUSY_REQUESTS}])
    if db.engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
        for table in ("users", "expertise_requests"):
            db.session.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608 (fixed names)
            )


def bare_parameters(case: ExpertiseRequest) -> dict:
    start, end = ranking.dates_considered(case)
    continent = REGIONS.continent(case.country)
    return {
        "langs": list(case.working_languages),
        "twice_langs": 2 * len(case.working_languages),
        "case_id": case.id,
        "start": start,
        "end": end,
        "country": case.country,
        "near": sorted(REGIONS.countries_near(case.country)),
        "near_regions": sorted(REGIONS.near(case.country)),
        "continent": sorted(REGIONS.countries_on_continent(case.country)),
        "continent_code": continent,
        "field": case.field,
        "taiex": ranking.public_officials_only(case),
    }


def run_bare(parameters: dict) -> list[int]:
    statement = sa.text(BARE_SQL).bindparams(
        sa.bindparam("langs", expanding=True),
        sa.bindparam("near", expanding=True),
        sa.bindparam("near_regions", expanding=True),
        sa.bindparam("continent", expanding=True),
    )
    rows = db.session.execute(statement, parameters).all()
    db.session.execute(sa.text(BARE_COUNT), {"case_id": parameters["case_id"]}).scalar_one()
    return [row.user_id for row in rows]


def measure(url: str, size: int) -> tuple[float, float]:
    app = create_app(SQLALCHEMY_DATABASE_URI=url)
    with app.test_request_context():
        upgrade()
        started = time.perf_counter()
        case = build_roster(size, random.Random(2026))
        built = time.perf_counter() - started
        # The statistics autovacuum keeps on a live database (and SQLite's ANALYZE), for the bulk-loaded tables.
        db.session.execute(sa.text("ANALYZE"))
        transaction.commit()
        case = db.session.get(ExpertiseRequest, case.id)
        parameters = bare_parameters(case)
        ours = [item.expert_id for item in ranking.suggest(case).items]
        bare = run_bare(parameters)
        assert ours == bare, "the application's ranking and the bare SQL disagree on the first page"
        app_times, bare_times = [], []
        for _ in range(REPEAT):  # interleaved, so that both see the same machine
            db.session.expire_all()
            started = time.perf_counter()
            ranking.suggest(case)
            app_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            run_bare(parameters)
            bare_times.append(time.perf_counter() - started)
        db.session.remove()
        db.engine.dispose()
    print(f"  roster of {size} experts built in {built:.1f} s")
    return statistics.median(app_times) * 1000, statistics.median(bare_times) * 1000


def _postgres_database(base_url: str):
    """A throwaway database on the server of `base_url`, or None if the server cannot be reached."""
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"bench_ranking_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        return None, None, None
    return admin, name, sa.engine.make_url(base_url).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experts", type=int, default=5000)
    arguments = parser.parse_args()
    results = []
    sqlite_url = f"sqlite:///{tempfile.mkdtemp()}/ranking.sqlite3"
    print("SQLite")
    results.append(("SQLite", *measure(sqlite_url, arguments.experts)))
    base = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    admin, name, url = _postgres_database(base)
    if url is None:
        print("PostgreSQL: not reachable, skipped")
    else:
        print("PostgreSQL")
        try:
            results.append(("PostgreSQL", *measure(url, arguments.experts)))
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    print(
        f"\nRanking {arguments.experts} experts for one request, median of {REPEAT} (first page of 20 and the count):"
    )
    print(f"{'database':12} {'application ms':>15} {'bare SQL ms':>12} {'ratio':>6}")
    for database, ours, bare in results:
        print(f"{database:12} {ours:15.1f} {bare:12.1f} {ours / bare:6.2f}")


if __name__ == "__main__":
    main()
