"""The overview's monthly tallies (overview_tallies)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 10:00:00

The overview's figures over the history were counted on every request's facts, in a time that grew
with the requests (585 ms at 100,000). They are now sums of monthly tallies: for each month of
submission, how many requests hold each value of what the overview counts. The write path keeps
them from here on (cases/tallies.py); they are made here from the facts and the feedback, by the
same statement that `seed-bulk` uses, which reads only columns these tables had at this revision.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    from expertise_app.cases import tallies

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
    tallies.rebuild(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE overview_tallies")  # without statistics, its sums were sorted as text (twice as slow)


def downgrade():
    op.drop_table("overview_tallies")
