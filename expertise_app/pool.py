"""A pooled database connection is checked before use only if it sat idle: not on every request.

SQLAlchemy's `pool_pre_ping` sends a `SELECT 1` at every checkout, one more round trip for every
request (a case page makes a dozen). Only a connection that waited in the pool can have been cut
behind our back (the database restarted, a firewall or proxy dropped an idle connection); a busy
server takes each connection back within milliseconds of returning it. So a connection idle for
more than DATABASE_IDLE_PING_SECONDS is pinged first and replaced if dead (the pool's documented
pattern: a checkout listener raising DisconnectionError); a busy one is used as it is. If the
database goes away under load, the first statement fails instead: the request answers 503
(errors.py), SQLAlchemy discards every pooled connection on a disconnect, and the next requests
connect afresh as soon as the database is back.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

RETURNED_AT = "returned_at"


def ping_after_idle(engine: sa.Engine, idle_seconds: float | None) -> None:
    """Ping `engine`'s pooled connections that waited more than `idle_seconds` (None: never)."""
    if idle_seconds is None:
        return

    @sa.event.listens_for(engine, "checkin")
    def returned(_dbapi_connection, record) -> None:
        record.info[RETURNED_AT] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def taken(dbapi_connection, record, _proxy) -> None:
        returned_at = record.info.get(RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at <= idle_seconds:
            return  # just connected, or back from a request a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError("the pooled connection is gone") from error
