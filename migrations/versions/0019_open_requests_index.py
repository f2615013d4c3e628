"""Indexes of the open requests alone, and of their confirmed teams

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 14:00:00

The overview's figures on the open requests (workload, coverage gaps, late and paused) found them
by the index on the state, then read each in the table, where the open requests of ten years lie
about one to a page: 3,000 pages for 4,200 open requests at 100,000. Its workload then read every
team of ten years (108,000 places) to keep those of the open requests. Both grew with the history.

- A partial index holds the open requests only, ordered by submission, and on PostgreSQL also the
  columns those figures read, so that they are answered from the index alone.
- `assignments.request_open`, false once the request is closed (the closing action sets it from
  here on), and a partial index of the confirmed places on open requests.
- Both tables analysed again where they had been, so that the planners know the new indexes' sizes.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

OPEN_REQUESTS = "state IN ('submitted', 'assessed', 'skills_mobilised', 'mission_delivered')"
READ = ("id", "state", "lead_expert_id", "field", "working_languages", "due_on")
READ += ("waiting_since", "question_due_on", "on_hold_since")
OPEN_CONFIRMED = {
    "postgresql": "request_open AND status = 'confirmed'",
    "sqlite": "request_open = 1 AND status = 'confirmed'",
}


def upgrade():
    op.create_index(
        "ix_expertise_requests_open",
        "expertise_requests",
        ["submitted_at"],
        postgresql_where=sa.text(OPEN_REQUESTS),
        sqlite_where=sa.text(OPEN_REQUESTS),
        postgresql_include=list(READ),
    )
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("request_open", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute(
        "UPDATE assignments SET request_open = false "
        "WHERE request_id IN (SELECT id FROM expertise_requests WHERE state = 'closed')"
    )
    op.create_index(
        "ix_assignments_open_confirmed",
        "assignments",
        ["request_id"],
        postgresql_where=sa.text(OPEN_CONFIRMED["postgresql"]),
        sqlite_where=sa.text(OPEN_CONFIRMED["sqlite"]),
        postgresql_include=["expert_id"],
    )
    _analyse_again("expertise_requests", "assignments")


def _analyse_again(*tables: str) -> None:
    """The new indexes given statistics like the rest. On SQLite only where the tables were analysed
    before (`seed-bulk` does): there every index but these had statistics, and SQLite kept a scan of
    every request rather than read the smaller index it knew nothing of (seen at 10,000 requests).
    A database never analysed is left so: its planner keeps its defaults for every table."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        analysed = bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
        if analysed is None:
            return
    for table in tables:
        op.execute(f"ANALYZE {table}")


def downgrade():
    op.drop_index("ix_assignments_open_confirmed", table_name="assignments")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("request_open")
    op.drop_index("ix_expertise_requests_open", table_name="expertise_requests")
