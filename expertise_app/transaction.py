"""The request (or the command) owns the transaction: one commit at its end.

Services change objects and flush; they never commit. Flask calls
`finish_request` after every view: a response under 400 is committed, anything
else is rolled back. Command-line tools call `commit()` once when they are done.

Work that leaves the process (an email, a job) must not happen for a change
that is then rolled back. Services register it with `after_commit(callback)`;
the callbacks run, in order, only after the commit succeeded, and are dropped
when the transaction rolls back. This is the only module that commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response

from .extensions import db

log = logging.getLogger(__name__)

PENDING_KEY = "passerelle.after_commit"
LAST_WRITES_KEY = "passerelle.write_at_commit"


def _pending(session) -> list[tuple[Callable[..., Any], tuple, dict, Any]]:
    return session.info.setdefault(PENDING_KEY, [])


def after_commit(callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `callback(*args, **kwargs)` once the current transaction has been committed.

    Pass ids, not ORM objects: the callback runs after the commit, when the
    objects of the transaction are expired.
    """
    session = db.session()
    # Remember the savepoint it was registered in (if any): rolling that back drops it.
    _pending(session).append((callback, args, kwargs, session.get_nested_transaction()))


def write_at_commit(write: Callable[[list], None], item: Any) -> None:
    """Have `write` called once, as the transaction's last writes before its commit (after a flush),
    with every `item` registered with it in the transaction, in order (those registered in a
    savepoint rolled back since are left out).

    For rows that many transactions update (the overview's monthly tallies): written at the end,
    they are locked for the moment of the commit only, and each transaction locks them in the
    order one call of `write` chooses, never in the order its changes happened.
    """
    session = db.session()
    session.info.setdefault(LAST_WRITES_KEY, []).append((write, item, session.get_nested_transaction()))


@sa.event.listens_for(sa.orm.Session, "before_commit")
def _write_last(session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint released: the transaction goes on
        return
    registered = session.info.pop(LAST_WRITES_KEY, None)
    if not registered:
        return
    session.flush()
    items: dict[Callable[[list], None], list] = {}
    for write, item, _savepoint in registered:
        items.setdefault(write, []).append(item)
    for write, written in items.items():
        write(written)


def commit() -> None:
    """Commit the session, then run what was registered with `after_commit`.

    If the commit fails, nothing registered runs and the error propagates. A
    callback that fails is logged; the others still run (the data is saved).
    """
    session = db.session()
    session.commit()
    callbacks = session.info.pop(PENDING_KEY, [])
    for callback, args, kwargs, _savepoint in callbacks:
        try:
            callback(*args, **kwargs)
        except Exception:
            log.exception("after-commit callback %r failed", callback)


def rollback() -> None:
    """Roll back the session and drop what was registered (even if nothing reached the database)."""
    session = db.session()
    session.info.pop(PENDING_KEY, None)
    session.info.pop(LAST_WRITES_KEY, None)
    session.rollback()


def _inside(transaction, savepoint) -> bool:
    while transaction is not None:
        if transaction is savepoint:
            return True
        transaction = transaction.parent
    return False


@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _drop_pending_work(session, previous_transaction) -> None:
    """A rolled-back transaction sends and writes nothing it registered; a rolled-back savepoint
    drops what was registered inside it and keeps what was registered outside it."""
    if not previous_transaction.nested:
        session.info.pop(PENDING_KEY, None)
        session.info.pop(LAST_WRITES_KEY, None)
        return
    pending = session.info.get(PENDING_KEY, [])
    pending[:] = [entry for entry in pending if not _inside(entry[3], previous_transaction)]
    last = session.info.get(LAST_WRITES_KEY, [])
    last[:] = [entry for entry in last if not _inside(entry[2], previous_transaction)]


def finish_request(response: Response) -> Response:
    """Commit a successful request; roll back one that answers with an error.

    A database lost at the commit itself makes the answer the 503 of any other moment: nothing was
    saved, and the view's answer (a redirect saying it was done) must not reach the client.
    """
    from .errors import DATABASE_UNAVAILABLE, handle_database_unavailable

    if response.status_code >= 400:
        rollback()
        return response
    try:
        commit()
    except DATABASE_UNAVAILABLE as error:
        return handle_database_unavailable(error)
    return response


def init_transactions(app: Flask) -> None:
    app.after_request(finish_request)
