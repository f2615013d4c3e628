"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from sqlalchemy.exc import SQLAlchemyError

from .extensions import csrf, db

bp = Blueprint("health", __name__)
csrf.exempt(bp)


@bp.route("/healthz")
def healthz():
    """The process is up."""
    return {"status": "ok"}, 200


@bp.route("/readyz")
def readyz():
    """The process can serve: the database answers."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200
