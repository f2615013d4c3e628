"""Twenty people at once against two real app processes on PostgreSQL, fifty times over: no action
is lost and none is done twice.

The app runs under gunicorn, two worker processes (each with its own engine and four threads), on
the test database; the clients are HTTP clients: twenty managers, half of them signed in through the
login form (with its CSRF token, like a browser), each holding an API token, and a partner with two
browser sessions and a token. In each of fifty rounds, released together:

- the twenty managers decline the same submitted request, half from the page, half through the
  API, each with the version they read: exactly one is done (the page redirects to the request,
  the API answers 200), the nineteen others are refused with 409;
- each manager posts a message of their own through the API on a request of their own: all twenty
  are stored;
- the partner sends the same new-request form from two sessions (one submission key), and the same
  API filing twice (one Idempotency-Key): each files one request.

What happened is then counted in the database, not taken from the answers.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
import sqlalchemy as sa
from flask_migrate import upgrade

from config import TestingConfig
from expertise_app import create_app
from expertise_app.auth.tokens import create_token
from expertise_app.cases.models import Event, ExpertiseRequest, IdempotencyKey
from expertise_app.extensions import db

from .factories import Factory, request_data
from .servers import PrivatePostgreSQL, browser, gunicorn, new_session
from .test_outage import Forwarder

CLIENTS = 20
ROUNDS = 50
DECLINE = {"decline_reason": "out_of_scope", "reason": "Outside the ministry's fields of expertise."}

# Load, not the writing limit (tests/test_writing_limits.py), is what these tests are about.
UNLIMITED_WRITING = {"WRITES_PER_PERSON": "1000000 per minute"}


@pytest.mark.postgres
def test_twenty_clients_on_two_processes_lose_and_double_nothing(app, factory: Factory, tmp_path):
    managers = [factory.manager() for _ in range(CLIENTS)]
    partner = factory.partner()
    declined = [factory.case("submitted", author=partner) for _ in range(ROUNDS)]
    written_to = [factory.case("submitted", author=partner) for _ in range(CLIENTS)]
    manager_tokens = [create_token(manager, "load")[1] for manager in managers]
    partner_token = create_token(partner, "load")[1]
    db.session.commit()
    prepared = {case.id: case.version for case in declined + written_to}
    versions = [case.version for case in written_to]  # each manager's own request, as they last read it

    # Each manager writes a hundred times in a minute or so: far past a person's writing limit.
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=2, threads=4, **UNLIMITED_WRITING) as base:
        sessions = [browser(base, manager.email, Factory.PASSWORD) for manager in managers[::2]]
        partner_sessions = [browser(base, partner.email, Factory.PASSWORD) for _ in range(2)]
        api = new_session()

        def decline(index: int, case_id: int) -> str:
            """Half of the managers from the page, half through the API: "done", or the refusal's status."""
            if index % 2:
                answer = api.post(
                    f"{base}/api/v1/requests/{case_id}/actions",
                    json={**DECLINE, "action": "decline", "version": prepared[case_id]},
                    headers={"Authorization": f"Bearer {manager_tokens[index]}"},
                    timeout=60,
                )
                return "done" if answer.status_code == 200 else str(answer.status_code)
            session, token = sessions[index // 2]
            data = {**DECLINE, "csrf_token": token, "version": prepared[case_id]}
            answer = session.post(
                f"{base}/cases/{case_id}/actions/decline", data=data, allow_redirects=False, timeout=60
            )
            done = answer.status_code == 302 and answer.headers["Location"].endswith(f"/cases/{case_id}")
            return "done" if done else str(answer.status_code)

        def post_message(index: int, round_: int) -> int:
            body = {"action": "post_message", "version": versions[index], "body": message(round_, index)}
            answer = api.post(
                f"{base}/api/v1/requests/{written_to[index].id}/actions",
                json=body,
                headers={"Authorization": f"Bearer {manager_tokens[index]}"},
                timeout=60,
            )
            if answer.status_code == 200:
                versions[index] = answer.json()["version"]
            return answer.status_code

        def file_from_page(index: int, round_: int) -> tuple[int, str]:
            session, token = partner_sessions[index]
            data = {**request_data(title=f"Round {round_}, from the form"), "csrf_token": token}
            answer = session.post(
                f"{base}/cases/new",
                data={**data, "submission_key": f"form-{round_}"},
                allow_redirects=False,
                timeout=60,
            )
            return answer.status_code, answer.headers.get("Location", "")

        def file_from_api(round_: int) -> tuple[int, str]:
            answer = api.post(
                f"{base}/api/v1/requests",
                json={**request_data(title=f"Round {round_}, from the API")},
                headers={"Authorization": f"Bearer {partner_token}", "Idempotency-Key": f"api-{round_}"},
                timeout=60,
            )
            return answer.status_code, answer.headers.get("Location", "")

        outcomes: dict[str, Counter] = {name: Counter() for name in ("decline", "message", "form", "api")}
        filings: list[tuple[str, list[tuple[int, str]]]] = []
        tasks = CLIENTS * 2 + 4
        with ThreadPoolExecutor(tasks) as pool:
            for round_ in range(ROUNDS):
                barrier = threading.Barrier(tasks, timeout=60)

                def together(call, *args, barrier=barrier):
                    barrier.wait()
                    return call(*args)

                case_id = declined[round_].id
                declines = [pool.submit(together, decline, index, case_id) for index in range(CLIENTS)]
                messages = [pool.submit(together, post_message, index, round_) for index in range(CLIENTS)]
                forms = [pool.submit(together, file_from_page, index, round_) for index in range(2)]
                apis = [pool.submit(together, file_from_api, round_) for _ in range(2)]
                outcomes["decline"][tuple(sorted(Counter(f.result() for f in declines).items()))] += 1
                outcomes["message"].update(f.result() for f in messages)
                filings.append((f"form-{round_}", [f.result() for f in forms]))
                filings.append((f"api-{round_}", [f.result() for f in apis]))

    # Every round: one decline done (the page redirects to the request, the API answers 200 with it),
    # nineteen refused as stale (409).
    assert outcomes["decline"] == Counter({(("409", CLIENTS - 1), ("done", 1)): ROUNDS})
    assert outcomes["message"] == Counter({200: CLIENTS * ROUNDS})
    for key, answers in filings:
        # Both sends answered with the one request (302 to it, or 201 with its address), or the later one
        # told that the first is still being processed (409).
        done = {location for status, location in answers if status in (201, 302)}
        assert len(done) == 1 and all(status in (201, 302, 409) for status, _ in answers), (key, answers)

    db.session.expire_all()
    # Counted in the database: each request declined once, from the version it had.
    rows = db.session.execute(
        sa.select(
            ExpertiseRequest.id, ExpertiseRequest.state, ExpertiseRequest.outcome, ExpertiseRequest.version
        ).where(ExpertiseRequest.id.in_([case.id for case in declined]))
    ).all()
    assert (
        sorted((state, outcome, version - prepared[id_]) for id_, state, outcome, version in rows)
        == [("closed", "declined", 1)] * ROUNDS
    )
    decline_events = Counter(db.session.scalars(sa.select(Event.request_id).where(Event.trigger == "decline")).all())
    assert decline_events == Counter({case.id: 1 for case in declined})
    # Each message stored once, on its request; each request's version moved once per message.
    stored = Counter(
        (request_id, data["body"])
        for request_id, data in db.session.execute(
            sa.select(Event.request_id, Event.data).where(Event.trigger == "post_message")
        )
    )
    expected = Counter(
        {(written_to[index].id, message(round_, index)): 1 for round_ in range(ROUNDS) for index in range(CLIENTS)}
    )
    assert stored == expected, f"lost: {expected - stored}, doubled: {stored - expected}"
    moved = dict(
        db.session.execute(
            sa.select(ExpertiseRequest.id, ExpertiseRequest.version).where(
                ExpertiseRequest.id.in_([case.id for case in written_to])
            )
        ).all()
    )
    assert {id_: version - prepared[id_] for id_, version in moved.items()} == {case.id: ROUNDS for case in written_to}
    # One request filed per key, two keys a round: nothing else was filed.
    keys = dict(
        db.session.execute(
            sa.select(IdempotencyKey.key, IdempotencyKey.request_id).where(IdempotencyKey.user_id == partner.id)
        ).all()
    )
    new = db.session.scalars(sa.select(ExpertiseRequest.id).where(ExpertiseRequest.id.not_in(list(prepared)))).all()
    assert sorted(keys) == sorted(key for key, _ in filings)
    assert sorted(keys.values()) == sorted(new) and len(new) == 2 * ROUNDS


def message(round_: int, index: int) -> str:
    return f"Round {round_}: a message from manager {index}."


LOADED_CLIENTS = 6
UP_SECONDS, DOWN_SECONDS, BACK_SECONDS = 1.5, 4.0, 7.0
RECOVERED_WITHIN = 5.0  # seconds after the database returns, every answer is a 200 again
ANSWERED_WITHIN = 10.0  # no answer takes longer, the outage included


@dataclass
class Answer:
    started: float
    ended: float
    what: str
    status: int  # 0: no answer (the connection failed or timed out)
    retry_after: str | None


@dataclass
class Seeded:
    """What the loaded clients need: a manager to sign in as, a case each, an API token."""

    email: str
    case_ids: list[int]
    secret: str


def seed_for_outage(factory: Factory) -> Seeded:
    manager = factory.manager()
    partner = factory.partner()
    case_ids = [factory.case("submitted", author=partner).id for _ in range(LOADED_CLIENTS)]
    secret = create_token(manager, "load")[1]
    db.session.commit()
    return Seeded(manager.email, case_ids, secret)


@pytest.mark.postgres
def test_under_load_a_lost_database_gets_503s_and_the_app_serves_again_without_a_restart(app, factory, tmp_path):
    """The database's connection is cut (a network gone) and restored, the server untouched."""
    seeded = seed_for_outage(factory)
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    relay = Forwarder((url.host or "127.0.0.1", url.port or 5432))
    try:
        through_relay = url.set(port=relay.port).render_as_string(hide_password=False)
        load_through_an_outage(through_relay, seeded, tmp_path, go_down=relay.cut, come_back=relay.restore)
    finally:
        relay.close()


@pytest.mark.postgres
def test_under_load_postgresql_stopped_gets_503s_and_the_app_serves_again_once_it_starts(tmp_path):
    """PostgreSQL itself is stopped (`pg_ctl stop`: connections ended, new ones refused) and started
    again: a server of the test's own, so that the machine's is left alone."""
    server = PrivatePostgreSQL()
    if not server.available():
        pytest.fail("PostgreSQL's server programs (initdb, pg_ctl) are needed: pg_config --bindir names none")
    try:
        server.create()
        private = create_app(
            TestingConfig,
            SQLALCHEMY_DATABASE_URI=server.url,
            SQLALCHEMY_ENGINE_OPTIONS={},
            MAIL_FILE_PATH=str(tmp_path),
        )
        with private.app_context():
            upgrade()
            seeded = seed_for_outage(Factory())
            db.engine.dispose()
        load_through_an_outage(server.url, seeded, tmp_path, go_down=server.stop, come_back=server.start)
    finally:
        server.remove()


def load_through_an_outage(database_url: str, seeded: Seeded, tmp_path, go_down, come_back) -> None:
    """Six clients read pages, read the API and post messages through two worker processes while the
    database goes (`go_down`) and comes back (`come_back`): only 200s before, only 503s with
    Retry-After while it is away, never a 500 nor an answer slower than ANSWERED_WITHIN, and only
    200s again within RECOVERED_WITHIN of its return."""
    answers: list[Answer] = []
    stop = threading.Event()
    try:
        with gunicorn(database_url, tmp_path, workers=2, **UNLIMITED_WRITING) as base:
            page_sessions = [browser(base, seeded.email, Factory.PASSWORD)[0] for _ in range(LOADED_CLIENTS)]

            def client(index: int) -> None:
                session, api = page_sessions[index], new_session()
                api.headers["Authorization"] = f"Bearer {seeded.secret}"
                case_url = f"{base}/api/v1/requests/{seeded.case_ids[index]}"
                calls = [
                    ("queue page", lambda: session.get(f"{base}/cases", timeout=20)),
                    ("case page", lambda: session.get(f"{base}/cases/{seeded.case_ids[index]}", timeout=20)),
                    ("API list", lambda: api.get(f"{base}/api/v1/requests", timeout=20)),
                    ("API message", lambda: post_message(api, case_url)),
                ]
                while not stop.is_set():
                    for what, call in calls:
                        started = time.monotonic()
                        try:
                            answer = call()
                            status, retry_after = answer.status_code, answer.headers.get("Retry-After")
                        except requests.RequestException:
                            status, retry_after = 0, None
                        answers.append(Answer(started, time.monotonic(), what, status, retry_after))

            threads = [threading.Thread(target=client, args=(index,)) for index in range(LOADED_CLIENTS)]
            for thread in threads:
                thread.start()
            time.sleep(UP_SECONDS)
            cutting = time.monotonic()
            go_down()
            cut = time.monotonic()  # every connection to the database is gone by now
            time.sleep(DOWN_SECONDS)
            restored = time.monotonic()
            come_back()
            time.sleep(BACK_SECONDS)
            stop.set()
            for thread in threads:
                thread.join()
    finally:
        stop.set()

    def summary(selected: list[Answer]) -> Counter:
        return Counter((answer.what, answer.status) for answer in selected)

    assert all(answer.ended - answer.started < ANSWERED_WITHIN for answer in answers), max(
        answers, key=lambda answer: answer.ended - answer.started
    )
    before = [answer for answer in answers if answer.ended < cutting]
    assert before and {answer.status for answer in before} == {200}, summary(before)
    # Every answer to a request sent while the database was away: 503 with Retry-After.
    down = [answer for answer in answers if cut < answer.started and answer.ended < restored]
    assert len(down) >= LOADED_CLIENTS, summary(down)
    assert {(answer.status, answer.retry_after) for answer in down} == {(503, "5")}, summary(down)
    # A request under way when the database went: answered, either way, never a 500.
    assert {answer.status for answer in answers} <= {200, 503}, summary(answers)
    # Back within seconds, without a restart: from then on every answer is a 200.
    late = [answer for answer in answers if answer.started > restored and answer.status != 200]
    back = max((answer.ended for answer in late), default=restored) - restored
    assert back < RECOVERED_WITHIN, summary(late)
    after = [answer for answer in answers if answer.started > restored + RECOVERED_WITHIN]
    assert after and {answer.status for answer in after} == {200}, summary(after)


def post_message(api, case_url: str):
    """A message posted on the version just read; the read's answer if the read failed."""
    read = api.get(case_url, timeout=20)
    if read.status_code != 200:
        return read
    body = {"action": "post_message", "version": read.json()["version"], "body": "Still there?"}
    return api.post(f"{case_url}/actions", json=body, timeout=20)
