"""A request's version as a partner sees it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:30:00

The version a partner's forms and the API named counted the ministry's internal actions too, so a
partner could tell that the ministry had acted where they cannot see. `partner_version` moves only
with what a partner sees (cases/operations.py). A request filed before starts at the number of
history entries its partner reads, which tells them nothing they cannot count. A partner's form
open during the upgrade names the old count: it is refused as stale and shown again as the request
stands, unless the two counts happen to agree, when it is taken as read (for that one upgrade).

Plain ADD and DROP COLUMN, not a batch: on SQLite a batch copies the table and drops the
full-text search triggers with it (0008).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# The actions whose history entry a partner reads, as the workflow declared them at this revision.
SEEN_BY_PARTNERS = (
    "submit",
    "assess",
    "decline",
    "redirect",
    "mobilise",
    "deliver",
    "close",
    "withdraw",
    "ask_partner",
    "answer",
    "cancel_question",
    "hold",
    "resume",
    "edit",
    "post_message",
    "give_feedback",
    "rate_expert",
)


def upgrade():
    op.add_column("expertise_requests", sa.Column("partner_version", sa.Integer(), nullable=False, server_default="1"))
    events = sa.table("events", sa.column("request_id", sa.Integer), sa.column("trigger", sa.String))
    requests = sa.table("expertise_requests", sa.column("id", sa.Integer), sa.column("partner_version", sa.Integer))
    # Every request has its "submit" entry; none is counted lower than a new request's 1.
    seen = (
        sa.select(sa.func.count())
        .where(events.c.request_id == requests.c.id, events.c.trigger.in_(SEEN_BY_PARTNERS))
        .scalar_subquery()
    )
    op.execute(requests.update().values(partner_version=sa.case((seen > 1, seen), else_=1)))


def downgrade():
    op.drop_column("expertise_requests", "partner_version")
