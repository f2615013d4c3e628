"""The app at 10,000 and 100,000 cases, beside its ceiling, in one run: `bench/RESULTS.md`.

    apt-get install wrk                      # the load generator (Debian's package)
    .venv/bin/python bench/scale.py          # PostgreSQL and SQLite, 10,000 and 100,000 cases
    .venv/bin/python bench/scale.py --databases postgresql --sizes 100000 --seconds 20

For each database and size it makes a fresh database (`flask db upgrade`, `flask seed-bulk N`),
serves the app (`wsgi:app`, production settings, emails queued on Redis) and the ceiling
(`bench/ceiling.py`: bare Flask and SQL) with gunicorn, two workers each, and loads each
page with wrk at concurrency 4, the page and its ceiling alternated in five slices each
(`--rounds`), so that both meet the same moments of a shared machine:

| page                                   | its ceiling                                  |
|----------------------------------------|----------------------------------------------|
| the expert's queue, *My open work*     | one indexed query, a 25-row table            |
| the queue filtered (one field's open)  | the same                                     |
| a search                               | the same                                     |
| a case page (many cases in turn)       | one query by primary key                     |
| an assess (a submitted case each time) | an UPDATE and an INSERT                      |
| filing a request                       | two INSERTs                                  |
| the overview                           | its figures' aggregates, run bare            |
| the overview for a period never asked  | the same                                     |

The overview keeps its figures, and its charts and tables once written in a language, a minute
under the version of the data (the first view after a change counts and writes them); "overview
counted" asks each time for a period not asked before, so that every request counts and writes them.
The ceiling's aggregates compute the same figures from the base tables (bench/raw_overview.py:
the requests and their steps, without the facts the app keeps), captured in this run, so the
ceiling is what the figures cost in SQL alone without a summary table.

An export of every case (CSV) is then downloaded once, timed, with the peak memory (VmHWM) of
the worker that served it.

Then, for the growth, the smallest and the largest size are served at once (two gunicorns, two
workers each) and each page is loaded at one size and the other in turns, in as many slices: the
two sizes meet the same moments of the machine, as a page and its ceiling do.

Each page is printed as its rate over its ceiling's, and the growth of its mean latency from
the smallest size to the largest; the whole is written to its section of `bench/RESULTS.md` (`--output`).
Needs PostgreSQL (`BENCH_POSTGRES_URL`, default the local server) and Redis (`BENCH_REDIS_URL`).
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import random
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.ceiling import prepare_tables  # noqa: E402
from bench.results import write_section  # noqa: E402

WORK = Path(os.environ.get("BENCH_WORK", "/tmp/passerelle-bench"))
RAW_AGGREGATES = "raw aggregates"  # the overview's ceiling: its figures from the base tables
SLOW_PAGES = {"overview counted"}  # seconds a request at 100,000 cases: measured in one slice each
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
APP_PORT, CEILING_PORT, GROWTH_PORT = 8101, 8102, 8103
PASSWORD = "bulk-passerelle-2026"  # noqa: S105 (the bulk data's published demo password)
MANAGER = "manager1@bulk.passerelle.example"
WRK_THREADS = 2
WARM_UP_CASES = 200  # submitted cases assessed during the warm-up, the others during the measure
ASSESSED_PER_SECOND = 200  # at most: the bench files more requests until there are enough to assess
TARGETS = {  # at the largest size on PostgreSQL (issue 10)
    "queue": 0.4,
    "queue filtered": 0.4,
    "case page": 0.3,
    "assess": 0.4,
    "filing": 0.3,
    "overview": 1.0,
    "overview counted": 1.0,
}
MAX_GROWTH = 1.3
TITLE = "Passerelle at scale, beside its ceiling"  # its section of RESULTS.md (the others are kept)
OLDEST = date(2000, 1, 1)  # before any bulk case: a period from then on counts them all


@dataclass
class Load:
    rate: float
    mean_ms: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int
    seconds: float = 0.0


def combined(slices: list[Load]) -> Load | None:
    """The slices of one page as one load: its rate over their whole time, its mean over all requests.

    The median of the slices' medians and the worst of their 99th percentiles stand for the whole.
    """
    if not slices:
        return None
    requests = sum(load.requests for load in slices)
    return Load(
        rate=requests / sum(load.seconds for load in slices),
        mean_ms=sum(load.mean_ms * load.requests for load in slices) / max(requests, 1),
        p50_ms=sorted(load.p50_ms for load in slices)[len(slices) // 2],
        p99_ms=max(load.p99_ms for load in slices),
        requests=requests,
        failures=sum(load.failures for load in slices),
        seconds=sum(load.seconds for load in slices),
    )


@dataclass
class Measure:
    page: str
    app: Load
    ceiling: Load | None
    ceiling_name: str
    round_ratios: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.app.rate / self.ceiling.rate if self.ceiling and self.ceiling.rate else None


@dataclass
class Run:
    database: str
    size: int
    measures: list[Measure] = field(default_factory=list)
    export: dict = field(default_factory=dict)
    seed_seconds: float = 0.0


# --- databases -------------------------------------------------------------------------------


def database_url(database: str, size: int) -> str:
    if database == "sqlite":
        return f"sqlite:///{WORK / f'cases-{size}.sqlite3'}"
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/passerelle_bench_{size}"


def fresh_database(database: str, size: int) -> None:
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(WORK / f"cases-{size}.sqlite3") + suffix).unlink(missing_ok=True)
        return
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS passerelle_bench_{size} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE passerelle_bench_{size}")
    admin.dispose()


def _seeded_name(database: str, size: int) -> str:
    """Where the database just seeded is kept, as it was before any page filed or assessed in it."""
    return str(WORK / f"cases-{size}-seeded.sqlite3") if database == "sqlite" else f"passerelle_bench_{size}_seeded"


def _sqlite_copy(source: str, target: str) -> None:
    """`source` copied whole to `target` by SQLite's backup API (a WAL database's file alone is not it)."""
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)


def keep_seeded(database: str, size: int) -> None:
    """Keep a copy of the freshly seeded database, which `restore_seeded` brings back."""
    if database == "sqlite":
        Path(_seeded_name(database, size)).unlink(missing_ok=True)
        _sqlite_copy(str(WORK / f"cases-{size}.sqlite3"), _seeded_name(database, size))
        return
    _postgres_copy(f"passerelle_bench_{size}", _seeded_name(database, size))


def restore_seeded(database: str, size: int) -> None:
    """Bring the database back to `size` seeded cases: each measure files and assesses requests, and a
    10,000-case database measured again would hold 13,000 (the growth measured, a reused run)."""
    seeded = _seeded_name(database, size)
    if database == "sqlite":
        if not Path(seeded).exists():
            raise SystemExit(f"No seeded copy at {seeded}: run once without --reuse.")
        fresh_database(database, size)
        _sqlite_copy(seeded, str(WORK / f"cases-{size}.sqlite3"))
        return
    _postgres_copy(seeded, f"passerelle_bench_{size}")


def _postgres_copy(source: str, target: str) -> None:
    """`target` made again as a copy of `source` (FILE_COPY: a copy of the files, not of their WAL)."""
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (source,)).first():
            raise SystemExit(f"No database {source}: run once without --reuse.")
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {target} TEMPLATE {source} STRATEGY FILE_COPY")
    admin.dispose()


def app_environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PASSERELLE_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "MAIL_FILE_PATH": str(WORK / "mail"),
        "SESSION_COOKIE_SECURE": "0",
        "PUBLIC_URL": f"http://127.0.0.1:{APP_PORT}",
        # One partner files tens of thousands of requests and one manager assesses thousands: the
        # writing limit is checked on each (its cost is measured), set so that it is never reached.
        "WRITES_PER_PERSON": "1000000 per minute",
    }


def seed(database: str, size: int) -> float:
    url = database_url(database, size)
    fresh_database(database, size)
    environment = {**app_environment(url), "PASSERELLE_ENV": "development"}
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=environment, cwd=ROOT, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([*flask, "seed-bulk", str(size), "--seed", "1"], env=environment, cwd=ROOT, check=True)
    seconds = time.perf_counter() - started
    engine = sa.create_engine(url)
    prepare_tables(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if database == "postgresql" else "ANALYZE")
    engine.dispose()
    return seconds


# --- servers -------------------------------------------------------------------------------


@contextmanager
def served(module: str, port: int, environment: dict[str, str]):
    command = [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "300", module]
    log = open(WORK / f"gunicorn-{port}.log", "a")  # noqa: SIM115 (closed with the server)
    server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
    try:
        for _ in range(200):
            try:  # a worker still booting (importing the app) may accept and answer late: wait for it
                requests.get(f"http://127.0.0.1:{port}/nowhere", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        log.close()


def worker_pids(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def peak_memory_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


# --- sessions and the requests of each page ---------------------------------------------------


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def signed_in(base: str, email: str) -> tuple[str, str]:
    """The Cookie header and the CSRF token of a fresh session of `email` on the server at `base`."""
    session = requests.Session()
    token = csrf_token(session.get(f"{base}/login").text)
    answer = session.post(
        f"{base}/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, allow_redirects=False
    )
    if answer.status_code != 302:
        raise SystemExit(f"Cannot sign in as {email}: {answer.status_code}")
    token = csrf_token(session.get(f"{base}/account").text)
    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    return cookie, token


def form_body(values: dict) -> str:
    return urllib.parse.urlencode(values, doseq=True)


def write_requests(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    path.write_text("".join("\t".join(line) + "\n" for line in lines))
    return path


def filing_body(token: str, number: int) -> str:
    start = date.today() + timedelta(days=120)
    return form_body(
        {
            "csrf_token": token,
            "submission_key": f"bench-{number}-{secrets.token_hex(6)}",
            "title": f"Inventory of a museum's storage rooms, batch {number}",
            "field": "MUS",
            "country": "TN",
            "assistance_type": "expert_mission",
            "instrument": "bilateral",
            "context": "The storage rooms hold some 20,000 objects that were never inventoried.",
            "objectives": "An inventory method and a trained team.",
            "expected_results": "A written method and twenty objects recorded together.",
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(days=5)).isoformat(),
            "working_languages": ["fr", "ar"],
            "participants_expected": "12",
        }
    )


def assess_body(token: str, version: int, field_code: str) -> str:
    values = {
        "csrf_token": token,
        "version": version,
        "acceptance": "as_filed",
        "field": field_code,
        "priority": "normal",
        "lead_expert": "",
        "eligibility_notes": "Eligible public body; within our fields.",
    }
    return form_body(values | {name: "yes" for name in checklist_names()})


def checklist_names() -> list[str]:
    from expertise_app.reference import ASSESSMENT_CRITERIA

    return [f"check_{code}" for code in ASSESSMENT_CRITERIA.codes]


def assess_line(cookie: str, token: str, case_id: int, version: int, field_code: str) -> tuple[str, str, str, str]:
    return ("POST", f"/cases/{case_id}/actions/assess", cookie, assess_body(token, version, field_code))


# --- measuring -------------------------------------------------------------------------------


def settle(base: str) -> None:
    """Wait until both workers of the server at `base` are free: wrk stops with requests still being
    answered, and the overview's raw aggregates take seconds at 100,000 cases; left running, they
    slowed the first seconds of the slice after them, the app's."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: requests.get(f"{base}/nowhere", timeout=600), range(2)))


def wrk(base: str, requests_file: Path, seconds: int, concurrency: int) -> Load:
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{concurrency}", f"-d{seconds}s", "--latency", "--timeout", "60s",
        "-s", str(ROOT / "bench/wrk_requests.lua"), base, "--", str(requests_file), str(WRK_THREADS),
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    settle(base)

    def milliseconds(pattern: str) -> float:
        value, unit = re.search(pattern + r"\s+([\d.]+)(us|ms|s)\b", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return Load(
        rate=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        mean_ms=milliseconds(r"Latency"),
        p50_ms=milliseconds(r"50%"),
        p99_ms=milliseconds(r"99%"),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        seconds=_seconds(re.search(r"requests in ([\d.]+)(ms|s|m)\b", output).groups()),
        failures=(int(failures.group(1)) if failures else 0) + (sum(map(int, errors.groups())) if errors else 0),
    )


def capture_overview_sql(url: str, path: Path) -> None:
    """Write to `path` the statements (and parameters) that compute the overview's figures from the
    base tables (bench/raw_overview.py) for a manager, unfiltered; in a process of its own, since
    the app reads its settings at import."""
    environment = {**os.environ, "DATABASE_URL": url, "PASSERELLE_ENV": "development"}
    command = [sys.executable, __file__, "--capture", str(path)]
    subprocess.run(command, env=environment, cwd=ROOT, check=True)


def _capture(path: Path) -> None:
    from bench import raw_overview
    from expertise_app import create_app
    from expertise_app.auth.models import User
    from expertise_app.cases.queries import CaseFilters
    from expertise_app.extensions import db

    app = create_app()
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.email == MANAGER))
        sa.event.listen(db.engine, "before_cursor_execute", record)
        raw_overview.overview(manager, CaseFilters())
        sa.event.remove(db.engine, "before_cursor_execute", record)
    path.write_bytes(pickle.dumps(statements))


@dataclass
class Visitors:
    """Who the bench signs in on one server, and the facts of its database they are picked from."""

    facts: dict
    manager_cookie: str
    manager_token: str
    expert_cookie: str
    partner_cookie: str
    partner_token: str


def visitors(base: str, engine: sa.Engine) -> Visitors:
    facts = pick(engine)
    manager_cookie, manager_token = signed_in(base, MANAGER)
    expert_cookie, _ = signed_in(base, facts["expert"])
    partner_cookie, partner_token = signed_in(base, facts["partner"])
    return Visitors(facts, manager_cookie, manager_token, expert_cookie, partner_cookie, partner_token)


@dataclass
class Page:
    """A page's requests; with `consumed`, each may be sent once, and `warm` holds the warm-up's own."""

    name: str
    lines: list
    warm: list | None = None
    consumed: bool = False


def read_pages(people: Visitors, oldest: date = OLDEST) -> list[Page]:
    # The most common field's open requests: full pages, counted, at 10,000 cases as at 100,000 (with a
    # state as well, a page held 9 rows at 10,000 and 20 at 100,000: a growth of what it showed).
    filtered = f"/cases?view=open&field={people.facts['field']}"
    # "overview counted": each request with a period of its own, from `oldest` on (before every case),
    # never counted before, so that the figures are counted every time.
    periods = [("GET", f"/dashboard?from={oldest + timedelta(days=n)}", people.manager_cookie, "") for n in range(6000)]
    return [
        Page("queue", [("GET", "/cases", people.expert_cookie, "")]),
        Page("queue filtered", [("GET", filtered, people.manager_cookie, "")]),
        Page("search", [("GET", "/cases?view=all&q=musee", people.manager_cookie, "")]),
        Page(
            "case page", [("GET", f"/cases/{case_id}", people.manager_cookie, "") for case_id in people.facts["cases"]]
        ),
        Page("overview", [("GET", "/dashboard", people.manager_cookie, "")]),
        Page("overview counted", periods[:3000], periods[3000:], consumed=True),
    ]


def filing_page(people: Visitors) -> Page:
    filings = [
        ("POST", "/cases/new", people.partner_cookie, filing_body(people.partner_token, n)) for n in range(30000)
    ]
    return Page("filing", filings[:20000], filings[20000:], consumed=True)


def assessable(engine: sa.Engine, base: str, people: Visitors, seconds: int, concurrency: int) -> list:
    """Submitted cases enough for a warm-up and `seconds` of assessing, filing more until there are."""
    submitted = pick_submitted(engine)
    while len(submitted) < WARM_UP_CASES + ASSESSED_PER_SECOND * seconds:
        more = [
            ("POST", "/cases/new", people.partner_cookie, filing_body(people.partner_token, n)) for n in range(2000)
        ]
        wrk(base, write_requests(WORK / "app-more.tsv", more), 5, concurrency)
        submitted = pick_submitted(engine)
    return submitted


def assess_page(people: Visitors, submitted: list) -> Page:
    lines = [assess_line(people.manager_cookie, people.manager_token, *case) for case in submitted]
    return Page("assess", lines[WARM_UP_CASES:], lines[:WARM_UP_CASES], consumed=True)


def alternated(servers: list[tuple[str, str, Page]], seconds: int, concurrency: int, rounds: int) -> list[list[Load]]:
    """Warm each (label, base, page) up, then load them in turn in `rounds` slices of equal length.

    Taking turns (in one order in one round, the reverse in the next) exposes each to the same
    moments of a shared machine, whose load drifts within seconds. A consumed page gives every
    slice, and its warm-up, lines of its own.
    """
    length = max(1, round(seconds / rounds))
    for label, base, page in servers:
        wrk(base, write_requests(WORK / f"{label}-warm.tsv", page.warm or page.lines), 2, concurrency)
    slices: list[list[Load]] = [[] for _ in servers]
    for index in range(rounds):
        order = list(range(len(servers))) if index % 2 == 0 else list(reversed(range(len(servers))))
        for position in order:
            label, base, page = servers[position]
            part = page.lines[index::rounds] if page.consumed else page.lines
            slices[position].append(wrk(base, write_requests(WORK / f"{label}.tsv", part), length, concurrency))
    return slices


def measure_size(database: str, size: int, seconds: int, concurrency: int, reuse: bool, rounds: int) -> Run:
    url = database_url(database, size)
    run = Run(database, size)
    if reuse:
        restore_seeded(database, size)
    else:
        run.seed_seconds = seed(database, size)
        keep_seeded(database, size)
    engine = sa.create_engine(url)
    aggregates = WORK / f"aggregates-{database}-{size}.pickle"
    capture_overview_sql(url, aggregates)
    app_env = app_environment(url)
    ceiling_env = {**app_env, "AGGREGATES_FILE": str(aggregates)}
    app_base, ceiling_base = f"http://127.0.0.1:{APP_PORT}", f"http://127.0.0.1:{CEILING_PORT}"
    ceiling = served("bench.ceiling:from_environment()", CEILING_PORT, ceiling_env)
    with served("wsgi:app", APP_PORT, app_env) as app_server, ceiling:
        people = visitors(app_base, engine)

        def load(page: Page, ceiling_page: Page, ceiling_name: str, slices: int | None = None) -> None:
            """The page and its ceiling in turns. A ceiling that answers in seconds (the overview's
            raw aggregates at 100,000 cases) needs `slices=1`: a short slice would end before its
            first answer."""
            pair = [("app", app_base, page), ("ceiling", ceiling_base, ceiling_page)]
            app_slices, ceiling_slices = alternated(pair, seconds, concurrency, slices or rounds)
            measure = Measure(page.name, combined(app_slices), combined(ceiling_slices), ceiling_name)
            measure.round_ratios = [a.rate / c.rate for a, c in zip(app_slices, ceiling_slices, strict=True) if c.rate]
            run.measures.append(measure)
            print_measure(database, size, measure)

        list_ceiling = Page("25-row list", [("GET", f"/list/{people.facts['organisation']}", "", "")])
        aggregates_ceiling = Page(RAW_AGGREGATES, [("GET", "/aggregates", "", "")])
        case_ceiling = Page(
            "one-query page", [("GET", f"/case/{case_id}", "", "") for case_id in people.facts["cases"]]
        )
        ceilings = {
            "queue": list_ceiling,
            "queue filtered": list_ceiling,
            "search": list_ceiling,
            "case page": case_ceiling,
            "overview": aggregates_ceiling,
            "overview counted": aggregates_ceiling,
        }
        for page in read_pages(people):
            ceiling_page = ceilings[page.name]
            load(page, ceiling_page, ceiling_page.name, slices=1 if ceiling_page is aggregates_ceiling else None)
        run.export = measure_export(app_server, app_base, people.manager_cookie)
        print(f"{database} {size:>7}: export {run.export}")
        two_inserts = [
            ("POST", "/two-inserts", "", form_body({"reference": f"B-{n}", "title": "t"})) for n in range(30000)
        ]
        load(filing_page(people), Page("", two_inserts[:20000], two_inserts[20000:], consumed=True), "two INSERTs")
        submitted = assessable(engine, app_base, people, seconds, concurrency)
        update_insert = [("POST", f"/update-insert/{case[0]}", "", "note=x") for case in submitted]
        ceiling_page = Page("", update_insert[WARM_UP_CASES:], update_insert[:WARM_UP_CASES], consumed=True)
        load(assess_page(people, submitted), ceiling_page, "UPDATE + INSERT")
    engine.dispose()
    return run


def measure_growth(database: str, sizes: tuple[int, int], seconds: int, concurrency: int, rounds: int) -> dict:
    """Each page's mean latency at both sizes, the two served at once and loaded in turns.

    Measured apart, minutes from each other, the two sizes met a different machine: a page that
    runs the same statements at both sizes grew 0.65 times in one run and 1.38 in the next. Taking
    turns in short slices, as a page does with its ceiling, both sizes meet the same moments.
    Returns {page: (load at the smaller size, load at the larger)}.
    """
    for size in sizes:  # as seeded: the measures beside the ceiling filed thousands of requests
        restore_seeded(database, size)
    engines = [sa.create_engine(database_url(database, size)) for size in sizes]
    bases = [f"http://127.0.0.1:{port}" for port in (APP_PORT, GROWTH_PORT)]
    growth = {}
    with (
        served("wsgi:app", APP_PORT, app_environment(database_url(database, sizes[0]))),
        served("wsgi:app", GROWTH_PORT, app_environment(database_url(database, sizes[1]))),
    ):
        people = [visitors(base, engine) for base, engine in zip(bases, engines, strict=True)]
        # Periods of their own for "overview counted", other than those just counted beside the ceiling.
        earlier = OLDEST - timedelta(days=6000)
        pages = [[*read_pages(person, earlier), filing_page(person)] for person in people]

        def in_turns(both: tuple[Page, Page]) -> None:
            pair = [(f"size-{size}", base, page) for size, base, page in zip(sizes, bases, both, strict=True)]
            # An overview counted afresh takes seconds at 100,000 cases on SQLite: a slice of 2 s
            # would end before its first answer.
            slices = 1 if both[0].name in SLOW_PAGES else rounds
            small, large = map(combined, alternated(pair, seconds, concurrency, slices))
            growth[both[0].name] = (small, large)
            print_growth(database, sizes, both[0].name, small, large)

        for both in zip(*pages, strict=True):
            in_turns(both)
        submitted = [
            assessable(engine, base, person, seconds, concurrency)
            for engine, base, person in zip(engines, bases, people, strict=True)
        ]
        in_turns(tuple(assess_page(person, cases) for person, cases in zip(people, submitted, strict=True)))
    for engine in engines:
        engine.dispose()
    return growth


def growth_of(in_turns: tuple[Load, Load] | None) -> float | None:
    """The larger size's mean latency over the smaller's; None if not measured, or if either size
    gave no answer within its slices."""
    if not in_turns or not (in_turns[0].requests and in_turns[1].requests):
        return None
    small, large = in_turns
    return large.mean_ms / small.mean_ms


def print_growth(database: str, sizes: tuple[int, int], page: str, small: Load, large: Load) -> None:
    growth = growth_of((small, large))
    growth = f"{growth:.2f}×" if growth is not None else "no answer"
    print(
        f"{database:<10} growth {page:<17} {sizes[0]:>7}: {small.mean_ms:7.1f} ms   {sizes[1]:>7}: "
        f"{large.mean_ms:7.1f} ms   {growth}",
        flush=True,
    )


def pick(engine: sa.Engine) -> dict:
    with engine.connect() as connection:
        expert = connection.execute(
            sa.text(
                "SELECT u.email FROM users u JOIN expertise_requests r ON r.lead_expert_id = u.id "
                "WHERE r.state <> 'closed' GROUP BY u.email ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()
        partner, organisation = connection.execute(
            sa.text(
                "SELECT u.email, u.organisation_id FROM users u JOIN expertise_requests r "
                "ON r.organisation_id = u.organisation_id WHERE u.role = 'partner' "
                "GROUP BY u.email, u.organisation_id ORDER BY count(*) DESC LIMIT 1"
            )
        ).one()
        field_code = connection.execute(
            sa.text("SELECT field FROM expertise_requests GROUP BY field ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()
        ids = connection.execute(sa.text("SELECT id FROM expertise_requests")).scalars().all()
    return {
        "expert": expert,
        "partner": partner,
        "organisation": organisation,
        "field": field_code,
        "cases": random.Random(1).sample(ids, min(2000, len(ids))),
    }


def pick_submitted(engine: sa.Engine) -> list[tuple[int, int, str]]:
    """Submitted cases that can be assessed: not waiting for the partner, not on hold."""
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.text(
                    "SELECT id, version, field FROM expertise_requests WHERE state = 'submitted' "
                    "AND waiting_since IS NULL AND on_hold_since IS NULL ORDER BY id"
                )
            )
        ]


def measure_export(server: subprocess.Popen, base: str, cookie: str) -> dict:
    before = {pid: peak_memory_kib(pid) for pid in worker_pids(server)}
    started = time.perf_counter()
    size = rows = 0
    with requests.get(
        f"{base}/cases/export.csv?view=all", headers={"Cookie": cookie}, stream=True, timeout=600
    ) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_content(1 << 16):
            size += len(chunk)
            rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    after = {pid: peak_memory_kib(pid) for pid in worker_pids(server)}
    return {
        "rows": rows - 1,
        "megabytes": round(size / 1e6, 1),
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(max(after.values()) / 1024),
        "peak_growth_mib": round(max(after[pid] - before.get(pid, after[pid]) for pid in after) / 1024),
    }


# --- reporting -------------------------------------------------------------------------------


def _seconds(value_and_unit: tuple[str, str]) -> float:
    value, unit = value_and_unit
    return float(value) * {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]


def print_measure(database: str, size: int, measure: Measure) -> None:
    ceiling = f"{measure.ceiling.rate:8.1f}/s" if measure.ceiling else "       -  "
    ratio = f"{measure.ratio:5.2f} {_spread(measure)}" if measure.ratio is not None else "   - "
    failed = f"  ({measure.app.failures} failed)" if measure.app.failures else ""
    print(
        f"{database:<10} {size:>7} {measure.page:<15} {measure.app.rate:8.1f}/s "
        f"{measure.app.mean_ms:7.1f} ms   ceiling {ceiling}  ratio {ratio}{failed}",
        flush=True,
    )


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // (1024 * 1024)
    with sa.create_engine(POSTGRES_URL).connect() as connection:
        postgres = connection.exec_driver_sql("SHOW server_version").scalar_one()
    import sqlite3

    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}, "
        f"PostgreSQL {postgres}, SQLite {sqlite3.sqlite_version}, gunicorn 2 sync workers per server, "
        f"wrk {WRK_THREADS} threads"
    )


def _spread(measure: Measure) -> str:
    """The lowest and highest ratio of the rounds: how much the shared machine moved it."""
    ratios = measure.round_ratios
    return f"({min(ratios):.2f}–{max(ratios):.2f})" if len(ratios) > 1 else ""


def _growth(in_turns: tuple[Load, Load] | None) -> str:
    """The growth measured with the sizes in turns, and the two mean latencies it compares."""
    growth = growth_of(in_turns)
    if growth is None:
        return "–"
    small, large = in_turns
    return f"{growth:.2f}× ({small.mean_ms:.1f} → {large.mean_ms:.1f} ms)"


def _rate(rate: float) -> str:
    return f"{rate:.0f}" if rate >= 10 else f"{rate:.1f}"


def report(runs: list[Run], growths: dict, seconds: int, concurrency: int, rounds: int, command: str) -> str:
    lines = [
        f"# {TITLE}",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
        f"concurrency {concurrency}, {seconds} s per page and as much for its ceiling, in {rounds} alternated "
        "slices each, after a 2 s warm-up.",
        "",
        f"Reproduce: `{command}` (see the docstring of `bench/scale.py`).",
        "",
        "*Ratio* is the page's requests per second over its ceiling's (`bench/ceiling.py`), under the same",
        "gunicorn on the same database, the two alternated in slices so that both meet the same moments of",
        "a shared machine; in brackets, the lowest and highest ratio of the slices. *Growth* is the page's",
        "mean latency at the largest size over the smallest, on the same database, the two sizes served at",
        "once and loaded in turns, in as many slices as the ratios, after the sizes were measured one by one",
        "(the targets are checked on it); *sizes apart*, the same from the two sizes' measures beside their",
        "ceilings, minutes apart, when the shared machine itself may have sped up or slowed down. The ceiling's pages",
        "render a template compiled once, as a Flask app keeps its templates; until 2026-12-06 they",
        "compiled it on every request (70% of their time), and the ratios recorded before were about",
        "twice what they would have been.",
        "",
    ]
    for database in dict.fromkeys(run.database for run in runs):
        ours = [run for run in runs if run.database == database]
        smallest, largest = ours[0], ours[-1]
        lines += [f"## {'PostgreSQL' if database == 'postgresql' else 'SQLite'}", ""]
        header = "| page | ceiling |"
        rule = "|---|---|"
        for run in ours:
            header += f" {run.size:,} cases: req/s · mean ms · ratio |"
            rule += "---|"
        lines += [header + " growth | sizes apart | target |", rule + "---|---|---|"]
        for index, measure in enumerate(largest.measures):
            row = f"| {measure.page} | {measure.ceiling_name} |"
            for run in ours:
                other = run.measures[index]
                ratio = f"{other.ratio:.2f}" if other.ratio is not None else "–"
                failed = f" ({other.app.failures} failed)" if other.app.failures else ""
                row += f" {other.app.rate:.1f} · {other.app.mean_ms:.1f} · **{ratio}** {_spread(other)}{failed} |"
            apart = largest.measures[index].app.mean_ms / smallest.measures[index].app.mean_ms
            in_turns = growths.get(database, {}).get(measure.page)
            growth = growth_of(in_turns) or apart
            target = TARGETS.get(measure.page)
            verdict = ""
            if database == "postgresql" and target is not None:
                met = measure.ratio is not None and measure.ratio >= target and growth <= MAX_GROWTH
                verdict = f"≥ {target} and ≤ {MAX_GROWTH}×: {'met' if met else 'NOT met'}"
            lines.append(row + f" {_growth(in_turns)} | {apart:.2f}× | {verdict} |")
        lines += ["", "Ceilings (requests per second): " + "; ".join(
            f"{run.size:,}: " + ", ".join(f"{m.page} {_rate(m.ceiling.rate)}" for m in run.measures if m.ceiling)
            for run in ours
        ), ""]  # fmt: skip
        lines += ["Export of every case as CSV, one download:", ""]
        for run in ours:
            export = run.export
            lines.append(
                f"- {run.size:,} cases: {export['rows']:,} rows, {export['megabytes']} MB in {export['seconds']} s; "
                f"the worker's peak memory {export['peak_rss_mib']} MiB (grew {export['peak_growth_mib']} MiB)"
            )
        seeded = [f"{run.size:,} in {run.seed_seconds:.0f} s" for run in ours if run.seed_seconds]
        if seeded:
            lines += ["", "`seed-bulk`: " + ", ".join(seeded) + "."]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="Slices of each page, alternated with its ceiling's")
    parser.add_argument(
        "--reuse", action="store_true", help="Start from the databases an earlier run seeded, as seeded (no seeding)."
    )
    parser.add_argument("--output", default=str(ROOT / "bench/RESULTS.md"))
    parser.add_argument("--capture", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.capture:
        return _capture(Path(arguments.capture))
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    WORK.mkdir(parents=True, exist_ok=True)
    sizes = sorted(int(size) for size in arguments.sizes.split(","))
    runs, growths = [], {}
    for database in arguments.databases.split(","):
        runs += [
            measure_size(database, size, arguments.seconds, arguments.concurrency, arguments.reuse, arguments.rounds)
            for size in sizes
        ]
        if len(sizes) > 1:
            extremes = (sizes[0], sizes[-1])
            growths[database] = measure_growth(
                database, extremes, arguments.seconds, arguments.concurrency, arguments.rounds
            )
    command = "python bench/scale.py " + " ".join(sys.argv[1:])
    write_section(
        Path(arguments.output),
        TITLE,
        report(runs, growths, arguments.seconds, arguments.concurrency, arguments.rounds, command.strip()),
    )
    print(f"Written to {arguments.output}")


if __name__ == "__main__":
    main()
