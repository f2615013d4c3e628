"""Notifications found by request and reader

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:30:00

Opening a request marks the reader's notifications of it read. The lookup went through the reader's
unread notifications (thousands for a manager told of every filing) and kept those of the request;
an index on (request, reader) finds the few directly, and serves what the index on the request
alone did.
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_notifications_request_user", "notifications", ["request_id", "user_id"])
    op.drop_index("ix_notifications_request_id", table_name="notifications")


def downgrade():
    op.create_index("ix_notifications_request_id", "notifications", ["request_id"])
    op.drop_index("ix_notifications_request_user", table_name="notifications")
