"""A saved view's query holds the longest list a person can ask for

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 14:00:00

A search of 100 characters outside the Latin alphabet is up to 1,200 characters once written in an
address (each is 2 to 4 bytes, each byte %XX), and every filter besides it adds up to some 400:
1,000 was too few, and PostgreSQL refused to save such a view.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("saved_views") as batch:
        batch.alter_column("query", existing_type=sa.String(length=1000), type_=sa.String(length=2000))


def downgrade():
    with op.batch_alter_table("saved_views") as batch:
        batch.alter_column("query", existing_type=sa.String(length=2000), type_=sa.String(length=1000))
