"""Expert directory and team proposals: profiles in association tables, unavailable
periods, and each team member's status (proposed, accepted, declined, confirmed, withdrawn)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:57:00.641628

"""

import datetime
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATUSES = "status IN ('proposed', 'accepted', 'declined', 'confirmed', 'withdrawn')"


def _profile_table(name: str, column: sa.Column, *extra: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("user_id", sa.Integer(), nullable=False),
        column,
        *extra,
        sa.ForeignKeyConstraint(
            ["user_id"], ["expert_profiles.user_id"], name=op.f(f"fk_{name}_user_id_expert_profiles")
        ),
        sa.PrimaryKeyConstraint("user_id", column.name, name=op.f(f"pk_{name}")),
    )


def upgrade():
    _profile_table(
        "expert_fields",
        sa.Column("field", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.CheckConstraint("level IN ('primary', 'secondary')", name=op.f("ck_expert_fields_level")),
    )
    op.create_index("ix_expert_fields_field_level", "expert_fields", ["field", "level"])
    _profile_table(
        "expert_languages",
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.CheckConstraint("level IN ('native', 'fluent', 'working', 'basic')", name=op.f("ck_expert_languages_level")),
    )
    op.create_index("ix_expert_languages_language_level", "expert_languages", ["language", "level"])
    _profile_table("expert_countries", sa.Column("country", sa.String(length=2), nullable=False))
    op.create_index(op.f("ix_expert_countries_country"), "expert_countries", ["country"])
    _profile_table("expert_regions", sa.Column("region", sa.String(length=32), nullable=False))
    op.create_index(op.f("ix_expert_regions_region"), "expert_regions", ["region"])
    op.create_table(
        "expert_unavailability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_expert_unavailability_period_order")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["expert_profiles.user_id"], name=op.f("fk_expert_unavailability_user_id_expert_profiles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_unavailability")),
    )
    op.create_index(
        "ix_expert_unavailability_user_period", "expert_unavailability", ["user_id", "starts_on", "ends_on"]
    )
    _move_profiles_out_of_json()

    with op.batch_alter_table("expert_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("institution", sa.String(32), nullable=False, server_default="central_service"))
        batch_op.add_column(sa.Column("public_official", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("seniority", sa.String(16), nullable=False, server_default="experienced"))
        batch_op.add_column(sa.Column("biography", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("max_concurrent_missions", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(
            sa.Column(
                "updated_at", sa.DateTime(timezone=True), nullable=False, server_default="2026-12-02 00:00:00+00:00"
            )
        )
        batch_op.create_index(batch_op.f("ix_expert_profiles_active"), ["active"])
        batch_op.create_index(batch_op.f("ix_expert_profiles_institution"), ["institution"])
        batch_op.create_check_constraint(
            op.f("ck_expert_profiles_max_missions"), "max_concurrent_missions BETWEEN 1 AND 20"
        )
        batch_op.drop_column("fields")
        batch_op.drop_column("regions")
        batch_op.drop_column("languages")
        batch_op.drop_column("availability")

    # The teams mobilised so far were confirmed teams.
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="confirmed"))
        batch_op.add_column(sa.Column("proposed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("declared_interests", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("decline_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_assignments_expert_status", ["expert_id", "status"])
        batch_op.create_foreign_key(
            batch_op.f("fk_assignments_proposed_by_id_users"), "users", ["proposed_by_id"], ["id"]
        )
        batch_op.create_check_constraint(op.f("ck_assignments_status"), STATUSES)


def _as_list(value) -> list:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or [])


def _move_profiles_out_of_json() -> None:
    """Fields (the first one primary), languages (fluent) and countries, from the JSON arrays to their tables;
    an expert marked unavailable is unavailable for the year ahead, until they say otherwise."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT user_id, fields, languages, regions, availability FROM expert_profiles")
    ).all()
    today = datetime.date.today()
    for user_id, fields, languages, countries, availability in rows:
        if availability == "unavailable":
            connection.execute(
                sa.text(
                    "INSERT INTO expert_unavailability (user_id, starts_on, ends_on, reason) VALUES (:u, :s, :e, :r)"
                ),
                {"u": user_id, "s": today, "e": today + datetime.timedelta(days=365), "r": "Unavailable (before 0004)"},
            )
        for position, code in enumerate(dict.fromkeys(_as_list(fields))):
            connection.execute(
                sa.text("INSERT INTO expert_fields (user_id, field, level) VALUES (:u, :c, :l)"),
                {"u": user_id, "c": code, "l": "primary" if position == 0 else "secondary"},
            )
        for code in dict.fromkeys(_as_list(languages)):
            connection.execute(
                sa.text("INSERT INTO expert_languages (user_id, language, level) VALUES (:u, :c, 'fluent')"),
                {"u": user_id, "c": code},
            )
        for code in dict.fromkeys(_as_list(countries)):
            connection.execute(
                sa.text("INSERT INTO expert_countries (user_id, country) VALUES (:u, :c)"), {"u": user_id, "c": code}
            )


def downgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_assignments_status"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_assignments_proposed_by_id_users"), type_="foreignkey")
        batch_op.drop_index("ix_assignments_expert_status")
        for column in (
            "confirmed_at",
            "decline_reason",
            "declared_interests",
            "answered_at",
            "proposed_by_id",
            "status",
        ):
            batch_op.drop_column(column)

    with op.batch_alter_table("expert_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("availability", sa.String(16), nullable=False, server_default="available"))
        batch_op.add_column(sa.Column("languages", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("regions", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("fields", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.drop_constraint(op.f("ck_expert_profiles_max_missions"), type_="check")
        batch_op.drop_index(batch_op.f("ix_expert_profiles_institution"))
        batch_op.drop_index(batch_op.f("ix_expert_profiles_active"))
        for column in (
            "updated_at",
            "active",
            "max_concurrent_missions",
            "biography",
            "seniority",
            "public_official",
            "institution",
        ):
            batch_op.drop_column(column)

    for table in ("expert_unavailability", "expert_regions", "expert_countries", "expert_languages", "expert_fields"):
        op.drop_table(table)
