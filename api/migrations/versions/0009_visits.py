"""Visits and key-group care (issue 12): visits with the persons met and the needs raised, and
key-group tags with a re-offence day, a note and a version

Revision ID: 0009_visits
Revises: 0008_resident_phone
Create Date: 2026-12-04 21:40:00
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

from api.models.base import UTCDateTime

revision = "0009_visits"
down_revision = "0008_resident_phone"
branch_labels = None
depends_on = None

# GeoAlchemy2's alembic helpers are added to op at run time (see 0001_initial)
geo_op = cast(Any, op)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    """A foreign key named by the naming convention."""
    other = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{other}"))


def upgrade() -> None:
    """Create visits, visit_persons and visit_needs; add the new tag columns."""
    geo_op.create_geospatial_table(
        "visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("cell_code", sa.String(length=15), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("visited_at", UTCDateTime(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        _fk("visits", "household_id", "households.id"),
        _fk("visits", "building_id", "buildings.id"),
        _fk("visits", "place_id", "places.id"),
        _fk("visits", "author_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    geo_op.create_geospatial_index(
        "idx_visits_geom",
        "visits",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_visits_cell_visited", "visits", ["cell_code", "visited_at"])
    for column in ("community_code", "household_id", "visited_at", "author_id"):
        op.create_index(op.f(f"ix_visits_{column}"), "visits", [column], unique=False)
    op.create_table(
        "visit_persons",
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        _fk("visit_persons", "visit_id", "visits.id"),
        _fk("visit_persons", "person_id", "persons.id"),
        sa.PrimaryKeyConstraint("visit_id", "person_id", name=op.f("pk_visit_persons")),
    )
    op.create_index(op.f("ix_visit_persons_person_id"), "visit_persons", ["person_id"])
    op.create_table(
        "visit_needs",
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        _fk("visit_needs", "visit_id", "visits.id"),
        _fk("visit_needs", "record_id", "records.id"),
        sa.PrimaryKeyConstraint("visit_id", "n", name=op.f("pk_visit_needs")),
        sa.UniqueConstraint("record_id", name=op.f("uq_visit_needs_record_id")),
    )
    with op.batch_alter_table("person_tags") as batch:
        batch.add_column(sa.Column("reoffended_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("note", sa.String(length=500), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    """Drop the visit tables and the new tag columns."""
    with op.batch_alter_table("person_tags") as batch:
        batch.drop_column("version")
        batch.drop_column("note")
        batch.drop_column("reoffended_on")
    op.drop_table("visit_needs")
    op.drop_index(op.f("ix_visit_persons_person_id"), table_name="visit_persons")
    op.drop_table("visit_persons")
    for column in ("community_code", "household_id", "visited_at", "author_id"):
        op.drop_index(op.f(f"ix_visits_{column}"), table_name="visits")
    op.drop_index("ix_visits_cell_visited", table_name="visits")
    geo_op.drop_geospatial_index(
        "idx_visits_geom", table_name="visits", postgresql_using="gist", column_name="geom"
    )
    geo_op.drop_geospatial_table("visits")
