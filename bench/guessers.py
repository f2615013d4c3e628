"""Wrong passwords beside a signed-in page: how much ten guessers slow it (`bench/RESULTS.md`).

    .venv/bin/python bench/guessers.py                      # 20 s alone, then 20 s with the guessers
    .venv/bin/python bench/guessers.py --seconds 30 --guessers 10 --database passerelle_bench_guessers

Serves the app as in production (`wsgi:app`, PASSERELLE_ENV=production, the production argon2
parameters, sign-in failures counted in Redis) under gunicorn, two sync workers, on a fresh
PostgreSQL database with `seed-bulk` data (1,000 cases). A manager signed in asks for the case list
(`/cases`) one request after the other, first alone, then while ten clients (wrk, ten connections:
bench/wrk_guessers.lua) post wrong passwords to /login as fast as they are answered. They try the
bulk accounts and unknown addresses in turn, and their address changes every 25 tries: the app
trusts one proxy here (TRUSTED_PROXIES=1, as behind a reverse proxy) and each request says where it
comes from in X-Forwarded-For, as guessers with many addresses would; so the limits per account and
per address (10 and 30 failures in 15 minutes) do not stop the guessing, which costs password
checks for the whole measure. wrk, written in C, keeps the load generator's own CPU small on the
two cores the server uses too.

Prints the page's latency alone and with the guessers (median, mean, 90th percentile) and their
ratio, what the guessers were answered, and writes the section "Wrong passwords beside a signed-in
page" of `bench/RESULTS.md` (`--output`), keeping the other sections. The target (issue 11): the page
no more than twice as slow (the mean, which counts the waits behind the guessers, and the median).

Needs wrk (`apt-get install wrk`), PostgreSQL (`BENCH_POSTGRES_URL`, default the local server) and Redis
(`BENCH_GUESSERS_REDIS_URL`, default db 12 of the local server, emptied at the start).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import redis
import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.results import write_section  # noqa: E402
from bench.scale import (  # noqa: E402
    MANAGER,
    PASSWORD,
    POSTGRES_URL,
    WORK,
    app_environment,
    csrf_token,
    machine,
    served,
)

REDIS_URL = os.environ.get("BENCH_GUESSERS_REDIS_URL", "redis://127.0.0.1:6379/12")
PORT = 8111
CASES = 1000
PAGE = "/cases"
TARGET = 2.0
SECTION = "Wrong passwords beside a signed-in page"


def database_url(name: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


def seed(name: str, environment: dict[str, str]) -> None:
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
    seeding = {**environment, "PASSERELLE_ENV": "development"}
    subprocess.run([*flask, "db", "upgrade"], env=seeding, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*flask, "seed-bulk", str(CASES), "--seed", "1"], env=seeding, cwd=ROOT, check=True)


def environment_for(url: str) -> dict[str, str]:
    """The settings of bench/scale.py's app, with a Redis of its own, behind one trusted proxy."""
    return {
        **app_environment(url),
        "REDIS_URL": REDIS_URL,
        "TRUSTED_PROXIES": "1",  # the guessers' addresses come in X-Forwarded-For, as behind a proxy
        "PUBLIC_URL": f"http://127.0.0.1:{PORT}",
    }


@dataclass
class Latencies:
    milliseconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.milliseconds)

    @property
    def p90(self) -> float:
        ordered = sorted(self.milliseconds)
        return ordered[int(len(ordered) * 0.9)]

    def __str__(self) -> str:
        return (
            f"{len(self.milliseconds)} requests: median {self.median:.1f} ms, mean {self.mean:.1f} ms, "
            f"p90 {self.p90:.1f} ms"
        )


def page_latencies(base: str, cookie: str, seconds: float) -> Latencies:
    session = requests.Session()
    times: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        answer = session.get(f"{base}{PAGE}", headers={"Cookie": cookie}, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{PAGE} answered {answer.status_code}")
    return Latencies(times)


def signed_in(base: str) -> str:
    session = requests.Session()
    token = csrf_token(session.get(f"{base}/login").text)
    answer = session.post(
        f"{base}/login", data={"email": MANAGER, "password": PASSWORD, "csrf_token": token}, allow_redirects=False
    )
    if answer.status_code != 302:
        raise SystemExit(f"Cannot sign in as {MANAGER}: {answer.status_code}")
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def accounts(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        known = connection.execute(sa.text("SELECT email FROM users ORDER BY id LIMIT 200")).scalars().all()
    unknown = [f"nobody{number}@example.org" for number in range(len(known))]
    return [email for pair in zip(known, unknown, strict=True) for email in pair]


def guessing(base: str, emails: list[str], guessers: int, seconds: float) -> subprocess.Popen:
    """wrk posting wrong passwords from `guessers` connections for `seconds` (bench/wrk_guessers.lua)."""
    session = requests.Session()
    token = csrf_token(session.get(f"{base}/login", timeout=60).text)
    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    accounts_file = WORK / "guessed-accounts.txt"
    accounts_file.write_text("\n".join(emails) + "\n")
    command = [
        "wrk", f"-t{min(2, guessers)}", f"-c{guessers}", f"-d{seconds:.0f}s", "--timeout", "60s",
        "-s", str(ROOT / "bench/wrk_guessers.lua"), base, "--", cookie, token, str(accounts_file),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def answers_of(wrk: subprocess.Popen) -> Counter:
    output = wrk.communicate(timeout=120)[0]
    return Counter({int(status): int(count) for status, count in re.findall(r"^status (\d+) (\d+)$", output, re.M)})


def measure(database: str, seconds: int, guessers: int, reuse: bool) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    url = database_url(database)
    environment = environment_for(url)
    if not reuse:
        seed(database, environment)
    redis.Redis.from_url(REDIS_URL).flushdb()  # no failure counted by an earlier run
    engine = sa.create_engine(url)
    emails = accounts(engine)
    engine.dispose()
    base = f"http://127.0.0.1:{PORT}"
    with served("wsgi:app", PORT, environment):
        cookie = signed_in(base)
        page_latencies(base, cookie, 2)  # warm-up
        alone = page_latencies(base, cookie, seconds)
        print(f"{PAGE} alone:          {alone}", flush=True)
        wrk = guessing(base, emails, guessers, seconds + 3)
        time.sleep(2)  # the guessers are at it
        loaded = page_latencies(base, cookie, seconds)
        answers = answers_of(wrk)
    print(f"{PAGE} with {guessers} guessers: {loaded}", flush=True)
    hashed = answers.get(401, 0)
    print(
        f"guessers answered: {dict(sorted(answers.items()))} ({hashed / (seconds + 3):.1f} passwords checked a second)"
    )
    ratios = {"median": loaded.median / alone.median, "mean": loaded.mean / alone.mean, "p90": loaded.p90 / alone.p90}
    print("ratio: " + ", ".join(f"{name} {value:.2f}" for name, value in ratios.items()))
    return {"alone": alone, "loaded": loaded, "answers": answers, "ratios": ratios}


def report(result: dict, seconds: int, guessers: int, command: str) -> str:
    ratios = result["ratios"]
    met = ratios["median"] <= TARGET and ratios["mean"] <= TARGET
    answers = ", ".join(f"{count:,} × {status}" for status, count in sorted(result["answers"].items()))
    return "\n".join(
        [
            f"# {SECTION}",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; production settings (argon2id "
            f"t=3, m=64 MiB, p=4; failures counted in Redis), PostgreSQL with {CASES:,} `seed-bulk` cases.",
            "",
            f"Reproduce: `{command}` (see the docstring of `bench/guessers.py`).",
            "",
            f"A signed-in manager's case list (`{PAGE}`), one request after the other for {seconds} s, alone and",
            f"then while {guessers} clients post wrong passwords as fast as they are answered, from an address",
            "that changes every 25 tries (X-Forwarded-For, one proxy trusted): the limits per account and per",
            "address do not stop them.",
            "",
            "| | requests | median ms | mean ms | p90 ms |",
            "|---|---|---|---|---|",
            *(
                f"| {label} | {latencies.milliseconds.__len__()} | {latencies.median:.1f} | "
                f"{latencies.mean:.1f} | {latencies.p90:.1f} |"
                for label, latencies in (("alone", result["alone"]), (f"{guessers} guessers", result["loaded"]))
            ),
            f"| **ratio** | | **{ratios['median']:.2f}** | **{ratios['mean']:.2f}** | {ratios['p90']:.2f} |",
            "",
            f"Target (issue 11): no more than {TARGET:g} times slower (median and mean): "
            f"**{'met' if met else 'NOT met'}**.",
            "",
            f"The guessers (wrk, {guessers} connections, for the measure and 3 s around it) were answered: {answers}",
            "(401: a wrong password, checked; 429: an address or account held; 503: every place for a",
            "password check taken, refused without checking).",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--guessers", type=int, default=10)
    parser.add_argument("--database", default="passerelle_bench_guessers")
    parser.add_argument("--reuse", action="store_true", help="Keep the database of an earlier run (no seeding).")
    parser.add_argument("--output", default=str(ROOT / "bench/RESULTS.md"))
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    result = measure(arguments.database, arguments.seconds, arguments.guessers, arguments.reuse)
    command = "python bench/guessers.py " + " ".join(sys.argv[1:])
    write_section(
        Path(arguments.output), SECTION, report(result, arguments.seconds, arguments.guessers, command.strip())
    )
    print(f"Written to {arguments.output}")


if __name__ == "__main__":
    main()
