"""The overview's summary of each request (request_facts), and indexes for similar requests

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 14:00:00

One narrow row per request: the columns the overview filters and groups by, and the working days
of each step the request left, filled here from the requests and their steps. From then on the
write path keeps it (cases/facts.py). The similar requests of a case are found among those of its
field and its organisation or country: one index for each pair; the queue narrowed to a state and
a field has one too (created without a batch, which on SQLite would copy the requests' table and
lose its search triggers).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COPIED = (
    "submitted_at, state, outcome, field, country, continent, instrument, assistance_type, "
    "decline_reason, redirect_destination"
)
STEPS = ("submitted", "assessed", "skills_mobilised", "mission_delivered")


def _days(state: str) -> str:
    where = f"case_steps.request_id = expertise_requests.id AND case_steps.state = '{state}'"
    return f"(SELECT working_days FROM case_steps WHERE {where} LIMIT 1)"  # noqa: S608 (constants only)


def upgrade():
    op.create_table(
        "request_facts",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("field", sa.String(length=8), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("continent", sa.String(length=12), nullable=True),
        sa.Column("instrument", sa.String(length=32), nullable=False),
        sa.Column("assistance_type", sa.String(length=32), nullable=False),
        sa.Column("decline_reason", sa.String(length=32), nullable=True),
        sa.Column("redirect_destination", sa.String(length=32), nullable=True),
        *(sa.Column(f"{state}_days", sa.Integer(), nullable=True) for state in STEPS),
        sa.ForeignKeyConstraint(
            ["request_id"], ["expertise_requests.id"], name=op.f("fk_request_facts_request_id_expertise_requests")
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_request_facts")),
    )
    with op.batch_alter_table("request_facts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_facts_submitted_at"), ["submitted_at"], unique=False)
    op.create_index(
        "ix_expertise_requests_field_org", "expertise_requests", ["field", "organisation_id", "submitted_at"]
    )
    op.create_index("ix_expertise_requests_field_country", "expertise_requests", ["field", "country", "submitted_at"])
    op.create_index("ix_expertise_requests_state_field", "expertise_requests", ["state", "field", "submitted_at"])
    days = ", ".join(f"{state}_days" for state in STEPS)
    op.execute(
        f"INSERT INTO request_facts (request_id, {COPIED}, {days}) "  # noqa: S608 (constants only)
        f"SELECT id, {COPIED}, {', '.join(_days(state) for state in STEPS)} FROM expertise_requests"
    )


def downgrade():
    op.drop_index("ix_expertise_requests_state_field", table_name="expertise_requests")
    op.drop_index("ix_expertise_requests_field_country", table_name="expertise_requests")
    op.drop_index("ix_expertise_requests_field_org", table_name="expertise_requests")
    with op.batch_alter_table("request_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_facts_submitted_at"))
    op.drop_table("request_facts")
