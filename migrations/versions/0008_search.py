"""Full-text search, saved views, service levels and the steps behind lead times

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:10:00

The SQLite index is an FTS5 table over `expertise_requests.search_text`, kept in step by
triggers. A later batch migration of `expertise_requests` on SQLite copies and drops the
table, and its triggers with it: such a migration must create them again (SQLITE_TRIGGERS).

Requests filed before this migration get their continent, the due date of their current step,
and one step row for every state they left, read from their history; the pauses of those steps
are not replayed (they count as working time).
"""

from alembic import op
import sqlalchemy as sa

from types import SimpleNamespace

from expertise_app.cases import service_levels
from expertise_app.db_types import UTCDateTime
from expertise_app.folding import indexed
from expertise_app.reference import REGIONS


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE request_search USING fts5(search_text, content='expertise_requests', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER request_search_insert AFTER INSERT ON expertise_requests BEGIN "
    "INSERT INTO request_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER request_search_delete AFTER DELETE ON expertise_requests BEGIN "
    "INSERT INTO request_search(request_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER request_search_update AFTER UPDATE OF search_text ON expertise_requests BEGIN "
    "INSERT INTO request_search(request_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO request_search(rowid, search_text) VALUES (new.id, new.search_text); END",
)
POSTGRESQL_INDEX = (
    "CREATE INDEX ix_expertise_requests_search ON expertise_requests USING gin (to_tsvector('simple', search_text))"
)


def _backfill(connection) -> None:
    rows = connection.execute(sa.text("SELECT id, reference, title, context, objectives FROM expertise_requests"))
    values = [{"id": row.id, "text": indexed(row.reference, row.title, row.context, row.objectives)} for row in rows]
    if values:
        connection.execute(sa.text("UPDATE expertise_requests SET search_text = :text WHERE id = :id"), values)


REQUESTS = sa.table(
    "expertise_requests",
    sa.column("id", sa.Integer),
    sa.column("country", sa.String),
    sa.column("state", sa.String),
    sa.column("state_entered_at", UTCDateTime),
    sa.column("period_start", sa.Date),
    sa.column("period_end", sa.Date),
)
MISSIONS = sa.table(
    "missions",
    sa.column("request_id", sa.Integer),
    sa.column("planned_start", sa.Date),
    sa.column("planned_end", sa.Date),
)
EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("request_id", sa.Integer),
    sa.column("from_state", sa.String),
    sa.column("to_state", sa.String),
    sa.column("created_at", UTCDateTime),
)
STEPS = sa.table(
    "case_steps",
    sa.column("request_id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("entered_at", UTCDateTime),
    sa.column("left_at", UTCDateTime),
    sa.column("working_days", sa.Integer),
    sa.column("paused_days", sa.Integer),
)


def _backfill_service_levels(connection) -> None:
    query = sa.select(REQUESTS, MISSIONS.c.planned_start, MISSIONS.c.planned_end).select_from(
        REQUESTS.outerjoin(MISSIONS, MISSIONS.c.request_id == REQUESTS.c.id)
    )
    for row in connection.execute(query):
        mission = SimpleNamespace(planned_start=row.planned_start, planned_end=row.planned_end)
        case = SimpleNamespace(**row._mapping, mission=mission if row.planned_start else None)
        connection.execute(
            sa.update(REQUESTS)
            .where(REQUESTS.c.id == row.id)
            .values(continent=REGIONS.continent(row.country), due_on=service_levels.due_on(case, 0))
        )
    changes = connection.execute(
        sa.select(EVENTS)
        .where(EVENTS.c.from_state.is_distinct_from(EVENTS.c.to_state))
        .order_by(EVENTS.c.request_id, EVENTS.c.created_at, EVENTS.c.id)
    )
    entered: dict[int, object] = {}
    steps = []
    for event in changes:
        if event.from_state is not None and event.request_id in entered:
            start = entered[event.request_id]
            days = service_levels.working_days_between(start.date(), event.created_at.date())
            steps.append(
                {
                    "request_id": event.request_id,
                    "state": event.from_state,
                    "entered_at": start,
                    "left_at": event.created_at,
                    "working_days": days,
                    "paused_days": 0,
                }
            )
        entered[event.request_id] = event.created_at
    if steps:
        connection.execute(sa.insert(STEPS), steps)


def upgrade():
    op.create_table(
        "case_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["expertise_requests.id"], name=op.f("fk_case_steps_request_id_expertise_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_steps")),
    )
    with op.batch_alter_table("case_steps", schema=None) as batch_op:
        batch_op.create_index("ix_case_steps_state_days", ["state", "working_days"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_steps_request_id"), ["request_id"], unique=False)
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_saved_views_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_views_user_name"),
    )
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_views_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("expertise_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("continent", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("paused_working_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index(batch_op.f("ix_expertise_requests_continent"), ["continent"], unique=False)
        batch_op.create_index(batch_op.f("ix_expertise_requests_due_on"), ["due_on"], unique=False)
    with op.batch_alter_table("expertise_requests", schema=None) as batch_op:
        batch_op.alter_column("search_text", server_default=None)
        batch_op.alter_column("paused_working_days", server_default=None)
    connection = op.get_bind()
    _backfill(connection)
    _backfill_service_levels(connection)
    if connection.dialect.name == "sqlite":
        op.execute(SQLITE_TABLE)
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO request_search(request_search) VALUES ('rebuild')")
    else:
        op.execute(POSTGRESQL_INDEX)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS request_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS request_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_expertise_requests_search")
    with op.batch_alter_table("expertise_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expertise_requests_due_on"))
        batch_op.drop_index(batch_op.f("ix_expertise_requests_continent"))
        batch_op.drop_column("paused_working_days")
        batch_op.drop_column("due_on")
        batch_op.drop_column("continent")
        batch_op.drop_column("search_text")
    with op.batch_alter_table("case_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_steps_request_id"))
        batch_op.drop_index("ix_case_steps_state_days")
    op.drop_table("case_steps")
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_views_user_id"))
    op.drop_table("saved_views")
