"""The overview's monthly tallies (overview_tallies)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 10:00:00

The overview's figures over the history were counted on every request's facts, in a time that grew
with the requests (its counts, months, lead times and feedback: 195 ms at 100,000 requests on
PostgreSQL, 29 ms at 10,000). They are now sums of monthly tallies: for each month of submission,
how many requests hold each value of what the overview counts. The write path keeps them from here
on (cases/tallies.py, whose rules they follow); they are made here from the facts and the feedback
as they are at this revision, in SQL of its own, so that a later change of the app's rules or
columns cannot change what this migration does.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

COUNTED_BY = ("state", "outcome", "decline_reason", "redirect_destination", "field", "continent", "instrument")
STEPS = ("submitted", "assessed", "skills_mobilised", "mission_delivered")
FEEDBACK_ITEMS = ("objectives", "knowledge", "experts", "organisation", "use", "further_support")


def _contributions(month: str) -> str:
    """Each request's contributions to the tallies, one row each (constants only)."""
    opened = "CASE WHEN r.state <> 'closed' THEN 1 ELSE 0 END"

    def row(measure: str, value: str, days: str = "0", where: str = "") -> str:
        condition = f" WHERE {where}" if where else ""
        return (
            f"SELECT '{measure}' AS measure, {month} AS month, {value} AS value, {days} AS days, "  # noqa: S608
            f"1 AS requests, {opened} AS open FROM request_facts r{condition}"
        )

    rows = [row("everything", "''")]
    rows += [row(column, f"COALESCE(r.{column}, '')") for column in COUNTED_BY]
    rows += [row("reached", f"'{step}'", where=f"r.state = '{step}' OR r.{step}_days IS NOT NULL") for step in STEPS]
    rows += [row("days", f"'{step}'", f"r.{step}_days", f"r.{step}_days IS NOT NULL") for step in STEPS]
    whole = " + ".join(f"COALESCE(r.{step}_days, 0)" for step in STEPS)
    rows.append(row("days", "'end_to_end'", whole, "r.outcome = 'completed'"))
    rows += [
        f"SELECT 'feedback', {month}, '{item}', f.{item}, 1, 0 FROM mission_feedback f "  # noqa: S608
        f"JOIN request_facts r ON r.request_id = f.request_id"
        for item in FEEDBACK_ITEMS
    ]
    return " UNION ALL ".join(rows)


def upgrade():
    op.create_table(
        "overview_tallies",
        sa.Column("measure", sa.String(length=24), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("days", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "month", "value", "days", name=op.f("pk_overview_tallies")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    month = (
        "to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM')" if postgresql else "strftime('%Y-%m', r.submitted_at)"
    )
    op.execute(
        "INSERT INTO overview_tallies (measure, month, value, days, requests, open) "  # noqa: S608
        "SELECT measure, month, value, days, SUM(requests), SUM(open) "
        f"FROM ({_contributions(month)}) AS contributions GROUP BY measure, month, value, days"
    )
    if postgresql:
        op.execute("ANALYZE overview_tallies")  # without statistics, its sums were sorted as text (twice as slow)


def downgrade():
    op.drop_table("overview_tallies")
