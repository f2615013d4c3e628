"""API tokens may expire

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:20:00

A token made from the account page lasts 30, 90 (the default) or 365 days, or until revoked;
the tokens made before keep working until revoked (no expiry).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
