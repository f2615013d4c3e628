"""An API token remembers the form that made it

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 07:00:00

A token's secret is shown once, by the answer to the form that made it. When the same form is sent
twice (a double click, a reload), the browser shows the answer to the last copy: the token the first
copy made, whose secret nobody saw, is known by the form's key and replaced.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("submission_key", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("submission_key")
