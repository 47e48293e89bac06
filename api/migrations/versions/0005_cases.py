"""Cases carried through: rectifications, mediations, screenings, resident reports, ratings,
Open311 clients

Revision ID: 0005_cases
Revises: 0004_register
Create Date: 2026-12-04 18:30:57.410887
"""

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

revision = "0005_cases"
down_revision = "0004_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables of issue 13 (hazard rectification, mediation, residents, Open311)."""
    op.create_table(
        "open311_clients",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_clients")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_clients_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_open311_clients_name")),
    )
    op.create_table(
        "screenings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cell_code", sa.String(length=15), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("disputes_found", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_screenings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
    )
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screenings_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_screenings_cell_code"), ["cell_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_screenings_community_code"), ["community_code"], unique=False
        )

    op.create_table(
        "mediation_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_mediation_sessions_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mediation_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_sessions")),
    )
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_sessions_record_id"), ["record_id"], unique=False
        )

    op.create_table(
        "mediations",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("mediator_id", sa.Integer(), nullable=True),
        sa.Column("mediator_name", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("referred_to", sa.String(length=32), nullable=True),
        sa.Column("agreement", sa.Text(), nullable=False),
        sa.Column("agreement_photo", sa.String(length=64), nullable=True),
        sa.Column("mass_incident", sa.Boolean(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediator_id"], ["users.id"], name=op.f("fk_mediations_mediator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_mediations_record_id_records")
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_mediations")),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_ratings_record_id_records")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ratings_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_record_id"), ["record_id"], unique=False)

    op.create_table(
        "rectifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("place_id", sa.Uuid(), nullable=False),
        sa.Column("cell_code", sa.String(length=15), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.Column("ordered_at", UTCDateTime(), nullable=True),
        sa.Column("deadline", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("escalated_to", sa.String(length=32), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_rectifications_officer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_rectifications_place_id_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectifications")),
    )
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rectifications_cell_code"), ["cell_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rectifications_community_code"), ["community_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rectifications_place_id"), ["place_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rectifications_stage"), ["stage"], unique=False)

    op.create_table(
        "resident_reports",
        sa.Column("ticket", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("ip_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["open311_clients.id"],
            name=op.f("fk_resident_reports_client_id_open311_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_resident_reports_record_id_records")
        ),
        sa.PrimaryKeyConstraint("ticket", name=op.f("pk_resident_reports")),
        sa.UniqueConstraint("record_id", name=op.f("uq_resident_reports_record_id")),
    )
    with op.batch_alter_table("resident_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_reports_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_resident_reports_ip_hash"), ["ip_hash"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resident_reports_phone_hash"), ["phone_hash"], unique=False
        )

    op.create_table(
        "rectification_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rectification_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=False),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rectification_id"],
            ["rectifications.id"],
            name=op.f("fk_rectification_steps_rectification_id_rectifications"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rectification_steps_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_steps")),
    )
    with op.batch_alter_table("rectification_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rectification_steps_rectification_id"),
            ["rectification_id"],
            unique=False,
        )


def downgrade() -> None:
    """Drop the tables of issue 13."""
    with op.batch_alter_table("rectification_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_steps_rectification_id"))

    op.drop_table("rectification_steps")
    with op.batch_alter_table("resident_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_reports_phone_hash"))
        batch_op.drop_index(batch_op.f("ix_resident_reports_ip_hash"))
        batch_op.drop_index(batch_op.f("ix_resident_reports_created_at"))

    op.drop_table("resident_reports")
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectifications_stage"))
        batch_op.drop_index(batch_op.f("ix_rectifications_place_id"))
        batch_op.drop_index(batch_op.f("ix_rectifications_community_code"))
        batch_op.drop_index(batch_op.f("ix_rectifications_cell_code"))

    op.drop_table("rectifications")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_record_id"))

    op.drop_table("ratings")
    op.drop_table("mediations")
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_sessions_record_id"))

    op.drop_table("mediation_sessions")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenings_community_code"))
        batch_op.drop_index(batch_op.f("ix_screenings_cell_code"))
        batch_op.drop_index(batch_op.f("ix_screenings_at"))

    op.drop_table("screenings")
    op.drop_table("open311_clients")
