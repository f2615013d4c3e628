"""A request's version as a partner sees it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:30:00

The version a partner's forms and the API named counted the ministry's internal actions too, so a
partner could tell that the ministry had acted where they cannot see. `partner_version` moves only
with what a partner sees; it starts where `version` stands, and a copy read before stays current.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("expertise_requests") as batch:
        batch.add_column(sa.Column("partner_version", sa.Integer(), nullable=False, server_default="1"))
    op.execute("UPDATE expertise_requests SET partner_version = version")


def downgrade():
    with op.batch_alter_table("expertise_requests") as batch:
        batch.drop_column("partner_version")
