"""The request owns the transaction: services never commit, each request commits once,
and work registered with `after_commit` runs only once the commit succeeded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from expertise_app import transaction
from expertise_app.auth import accounts, tokens
from expertise_app.auth.models import Organisation
from expertise_app.cases import operations
from expertise_app.extensions import db
from expertise_app.notifications import jobs

from .factories import count, request_data, snapshot, step_data
from .matrix import ACTIONS as PINNED
from .matrix import NAMES, performer

PACKAGE = Path(__file__).resolve().parent.parent / "expertise_app"


@pytest.fixture
def commits():
    """The number of commits made while the test runs (any session)."""
    made = []

    def count_commit(session):
        made.append(session)

    sa.event.listen(sa.orm.Session, "before_commit", count_commit)
    yield made
    sa.event.remove(sa.orm.Session, "before_commit", count_commit)


# --- the mechanism -----------------------------------------------------------------------------


def test_registered_work_runs_after_the_commit_in_order(factory):
    seen = []

    def record(label):
        seen.append((label, count(Organisation)))  # what another connection sees when it runs

    db.session.add(Organisation(name="Archives nationales", country="SN"))
    transaction.after_commit(record, "first")
    transaction.after_commit(record, label="second")
    db.session.flush()
    assert seen == []
    transaction.commit()
    assert seen == [("first", 1), ("second", 1)]  # it ran after the commit, and saw the data


def test_registered_work_is_dropped_when_the_transaction_rolls_back(factory):
    seen = []
    transaction.after_commit(seen.append, "sent")
    transaction.rollback()
    transaction.commit()
    assert seen == []


def test_registered_work_is_dropped_when_the_database_rolls_back(factory):
    seen = []
    db.session.add(Organisation(name="Archives nationales", country="SN"))
    db.session.flush()
    transaction.after_commit(seen.append, "sent")
    db.session.rollback()
    transaction.commit()
    assert (seen, count(Organisation)) == ([], 0)


def test_a_rolled_back_savepoint_drops_only_the_work_registered_inside_it(factory):
    seen = []
    transaction.after_commit(seen.append, "outside")
    savepoint = db.session.begin_nested()
    transaction.after_commit(seen.append, "inside")
    savepoint.rollback()
    kept = db.session.begin_nested()
    transaction.after_commit(seen.append, "inside a savepoint that is kept")
    kept.commit()
    transaction.commit()
    assert seen == ["outside", "inside a savepoint that is kept"]


def test_last_writes_are_made_once_at_the_commit_after_the_flush_savepoints_and_rollbacks_heeded(factory):
    batches = []

    def write(items):
        batches.append((items, not db.session.new))  # the changes of the transaction were flushed first

    transaction.write_at_commit(write, "outside")
    savepoint = db.session.begin_nested()
    transaction.write_at_commit(write, "inside")
    savepoint.rollback()
    kept = db.session.begin_nested()
    transaction.write_at_commit(write, "inside a savepoint that is kept")
    kept.commit()
    assert batches == []  # a savepoint released is not the commit
    db.session.add(Organisation(name="Flushed before", country="TN"))
    transaction.commit()
    assert batches == [(["outside", "inside a savepoint that is kept"], True)]

    transaction.write_at_commit(write, "rolled back")
    transaction.rollback()
    transaction.commit()
    assert len(batches) == 1


def test_a_failing_callback_does_not_stop_the_others(factory):
    seen = []
    transaction.after_commit(lambda: 1 / 0)
    transaction.after_commit(seen.append, "still sent")
    transaction.commit()
    assert seen == ["still sent"]


def test_nothing_registered_runs_when_the_commit_fails(factory):
    seen = []
    transaction.after_commit(seen.append, "sent")

    def refuse(session):
        raise RuntimeError("the database refuses the commit")

    sa.event.listen(sa.orm.Session, "before_commit", refuse)
    try:
        with pytest.raises(RuntimeError):
            transaction.commit()
    finally:
        sa.event.remove(sa.orm.Session, "before_commit", refuse)
    db.session.rollback()
    assert seen == []


# --- through a request ---------------------------------------------------------------------------


@pytest.fixture
def queued_emails(monkeypatch):
    """The emails handed to the sender after the commit (their delivery, which commits each
    outbox row on its own, is tested in tests/test_notifications.py)."""
    handed = []
    monkeypatch.setattr(jobs, "dispatch", lambda ids: handed.extend(ids))
    return handed


@pytest.fixture
def sending(monkeypatch):
    """Every action performed registers an 'email' with after_commit; returns what was sent."""
    sent = []
    perform = operations.perform

    def perform_and_notify(case, name, *args, **kwargs):
        result = perform(case, name, *args, **kwargs)
        transaction.after_commit(lambda case_id=case.id: sent.append((name, snapshot(case_id).state)))
        return result

    monkeypatch.setattr(operations, "perform", perform_and_notify)
    return sent


def test_a_request_that_succeeds_sends_its_work_once_after_its_one_commit(
    factory, cast, signed_in, sending, commits, queued_emails
):
    case = factory.cast_case(cast, "submitted")
    visitor = signed_in(cast.manager)
    visitor.get(f"/cases/{case.id}")
    commits.clear()
    sending.clear()
    queued_emails.clear()

    response = visitor.post(
        f"/cases/{case.id}/actions/assess", {**step_data("assess", case), "version": case.version}, token_from="/cases"
    )

    assert response.status_code == 302
    assert len(commits) == 1
    assert sending == [("assess", "assessed")]  # sent after the commit: the new state was visible
    assert len(queued_emails) == 3  # the partner, the lead and the team are told, after the commit


def test_a_request_that_is_refused_sends_nothing(factory, cast, signed_in, sending):
    case = factory.cast_case(cast, "submitted")
    sending.clear()
    response = signed_in(cast.manager).post(
        f"/cases/{case.id}/actions/hold", {"reason": "", "version": case.version}, token_from="/cases"
    )
    assert response.status_code == 422
    assert sending == []


def test_a_request_whose_commit_fails_sends_nothing_and_changes_nothing(factory, cast, signed_in, sending):
    case = factory.cast_case(cast, "submitted")
    before = snapshot(case.id)
    visitor = signed_in(cast.manager)
    visitor.get(f"/cases/{case.id}")
    sending.clear()

    def refuse(session):
        raise RuntimeError("the database went away at the commit")

    sa.event.listen(sa.orm.Session, "before_commit", refuse)
    try:
        with pytest.raises(RuntimeError):  # the test client re-raises what would be a 500
            visitor.post(
                f"/cases/{case.id}/actions/hold",
                {"reason": "Budget pending.", "version": case.version},
                token_from="/cases",
            )
    finally:
        sa.event.remove(sa.orm.Session, "before_commit", refuse)

    assert sending == []
    assert snapshot(case.id) == before


def test_an_api_request_commits_once_and_a_refused_one_not_at_all(api, cast, factory, commits, queued_emails):
    case = factory.cast_case(cast, "submitted")
    client = api(cast.manager)
    commits.clear()
    assert client.fire(case.id, "hold", case.version, reason="").status_code == 422
    assert commits == []
    assert client.fire(case.id, "hold", case.version, reason="Budget pending.").status_code == 200
    assert len(commits) == 1


# --- no service commits ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_no_action_commits(factory, cast, commits, name):
    case = factory.ready_for(factory.cast_case(cast, PINNED[name][0][0]), name, cast.manager)
    person = cast[performer(name)]
    commits.clear()
    operations.perform(case, name, person, step_data(name, case, team=cast.team), case.version_seen_by(person))
    assert commits == []
    db.session.rollback()


def test_no_account_token_or_filing_service_commits(factory, commits):
    partner = factory.partner()
    commits.clear()
    operations.file_request(partner, request_data())
    operations.file_request(partner, request_data(), idempotency_key="once")
    accounts.authenticate(partner.email, factory.PASSWORD)
    accounts.create_user("new@example.org", "a long enough password", "expert")
    token, secret = tokens.create_token(partner, "t")
    db.session.flush()
    tokens.user_for_token(secret)
    tokens.revoke_token(partner, token.id)
    accounts.log_out_everywhere(partner)
    assert commits == []
    db.session.rollback()


def test_only_the_transaction_module_commits():
    """A second place that commits would be a second write path; the source says there is none."""
    committing = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"session(\(\))?\.commit\(", path.read_text()) and path.name != "transaction.py"
    ]
    assert committing == []
