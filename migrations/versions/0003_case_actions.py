"""Case actions: decisions with reasons, pauses, the assessment checklist, reference
counters and idempotency keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:44:31.016088

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OUTCOMES_BEFORE = "outcome IS NULL OR outcome IN ('completed', 'declined', 'withdrawn')"
OUTCOMES_AFTER = "outcome IS NULL OR outcome IN ('completed', 'declined', 'redirected', 'withdrawn')"


def upgrade():
    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_reference_counters")),
    )
    # Go on from the references already given: EXP-2026-0042 → (2026, 42).
    op.execute(
        "INSERT INTO reference_counters (year, last) "
        "SELECT CAST(substr(reference, 5, 4) AS INTEGER), MAX(CAST(substr(reference, 10) AS INTEGER)) "
        "FROM expertise_requests GROUP BY CAST(substr(reference, 5, 4) AS INTEGER)"
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["expertise_requests.id"], name=op.f("fk_idempotency_keys_request_id_expertise_requests")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
    )
    with op.batch_alter_table("expertise_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acceptance", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("checklist", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("decline_reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("redirect_destination", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("question_due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("on_hold_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_expertise_requests_on_hold_since"), ["on_hold_since"], unique=False)
        batch_op.create_index(batch_op.f("ix_expertise_requests_waiting_since"), ["waiting_since"], unique=False)
        batch_op.drop_constraint(op.f("ck_expertise_requests_outcome"), type_="check")
        batch_op.create_check_constraint(op.f("ck_expertise_requests_outcome"), OUTCOMES_AFTER)


def downgrade():
    with op.batch_alter_table("expertise_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_expertise_requests_outcome"), type_="check")
        batch_op.create_check_constraint(op.f("ck_expertise_requests_outcome"), OUTCOMES_BEFORE)
        batch_op.drop_index(batch_op.f("ix_expertise_requests_waiting_since"))
        batch_op.drop_index(batch_op.f("ix_expertise_requests_on_hold_since"))
        batch_op.drop_column("on_hold_since")
        batch_op.drop_column("question_due_on")
        batch_op.drop_column("waiting_since")
        batch_op.drop_column("redirect_destination")
        batch_op.drop_column("decline_reason")
        batch_op.drop_column("checklist")
        batch_op.drop_column("acceptance")

    op.drop_table("idempotency_keys")
    op.drop_table("reference_counters")
