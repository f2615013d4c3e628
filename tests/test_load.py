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
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from expertise_app.auth.tokens import create_token
from expertise_app.cases.models import Event, ExpertiseRequest, IdempotencyKey
from expertise_app.extensions import db

from .factories import Factory, request_data
from .servers import browser, gunicorn, new_session

CLIENTS = 20
ROUNDS = 50
DECLINE = {"decline_reason": "out_of_scope", "reason": "Outside the ministry's fields of expertise."}


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

    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=2, threads=4) as base:
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
