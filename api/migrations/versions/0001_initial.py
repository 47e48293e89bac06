"""Initial store: hierarchy, cells, places, records, accounts, audit, lookups

Revision ID: 0001
Revises:
Create Date: 2026-11-22 06:37:52.403408
"""

from typing import Any, cast

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

from api.meta.lookups import seed_lookups
from api.models.base import UTCDateTime

# GeoAlchemy2's alembic_helpers add the *_geospatial_* operations to alembic's op at run time;
# alembic's stubs cannot list them, so they are called through an untyped alias of op
geo_op = cast(Any, op)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Initial store: hierarchy, cells, places, records, accounts, audit, lookups"""
    geo_op.create_geospatial_table(
        "buildings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("cell_code", sa.String(length=15), nullable=True),
        sa.Column("community_code", sa.String(length=12), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("households_estimated", sa.Boolean(), nullable=False),
        sa.Column("levels", sa.Float(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
    )
    geo_op.create_geospatial_index(
        "idx_buildings_geom",
        "buildings",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_buildings_cell_code"), "buildings", ["cell_code"], unique=False)
    op.create_index(
        op.f("ix_buildings_community_code"), "buildings", ["community_code"], unique=False
    )
    geo_op.create_geospatial_table(
        "districts",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_districts")),
    )
    geo_op.create_geospatial_index(
        "idx_districts_geom",
        "districts",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "generations",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_generations")),
    )
    op.create_table(
        "roles",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_roles")),
    )
    op.create_table(
        "terms",
        sa.Column("vocabulary", sa.String(length=32), nullable=False),
        sa.Column("parent", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("zh", sa.Text(), nullable=False),
        sa.Column("en", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("vocabulary", "parent", "code", name=op.f("pk_terms")),
    )
    geo_op.create_geospatial_table(
        "streets",
        sa.Column("code", sa.String(length=9), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_streets_district_code_districts")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_streets")),
    )
    geo_op.create_geospatial_index(
        "idx_streets_geom",
        "streets",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_streets_district_code"), "streets", ["district_code"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("street_code", sa.String(length=9), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["role"], ["roles.code"], name=op.f("fk_users_role_roles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("diff", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_entity_id"), "audit_log", ["entity_id"], unique=False)
    geo_op.create_geospatial_table(
        "communities",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["street_code"], ["streets.code"], name=op.f("fk_communities_street_code_streets")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_communities")),
    )
    geo_op.create_geospatial_index(
        "idx_communities_geom",
        "communities",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        op.f("ix_communities_street_code"), "communities", ["street_code"], unique=False
    )
    op.create_table(
        "leader_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cell_code", sa.String(length=15), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_leader_assignments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader_assignments")),
    )
    op.create_index(
        op.f("ix_leader_assignments_cell_code"), "leader_assignments", ["cell_code"], unique=False
    )
    op.create_index(
        op.f("ix_leader_assignments_user_id"), "leader_assignments", ["user_id"], unique=False
    )
    op.create_table(
        "photos",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_photos_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_photos")),
    )
    geo_op.create_geospatial_table(
        "places",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("risk_level", sa.String(length=16), nullable=False),
        sa.Column("attrs", sa.JSON(), nullable=False),
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
        sa.Column("cell_code", sa.String(length=15), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("h3", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_places_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
    )
    geo_op.create_geospatial_index(
        "idx_places_geom",
        "places",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_places_cell_code"), "places", ["cell_code"], unique=False)
    op.create_index(op.f("ix_places_community_code"), "places", ["community_code"], unique=False)
    op.create_index(op.f("ix_places_kind"), "places", ["kind"], unique=False)
    geo_op.create_geospatial_table(
        "records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
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
        sa.Column("cell_code", sa.String(length=15), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("h3", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=True),
        sa.Column("dispatched_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column(
            "track",
            Geometry(
                geometry_type="LINESTRING",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("track_times", sa.JSON(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_records_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
    )
    geo_op.create_geospatial_index(
        "idx_records_geom",
        "records",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    geo_op.create_geospatial_index(
        "idx_records_track",
        "records",
        ["track"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(op.f("ix_records_author_id"), "records", ["author_id"], unique=False)
    op.create_index(
        "ix_records_cell_occurred", "records", ["cell_code", "occurred_at"], unique=False
    )
    op.create_index(op.f("ix_records_community_code"), "records", ["community_code"], unique=False)
    op.create_index(op.f("ix_records_h3"), "records", ["h3"], unique=False)
    op.create_index(op.f("ix_records_kind"), "records", ["kind"], unique=False)
    op.create_index(op.f("ix_records_occurred_at"), "records", ["occurred_at"], unique=False)
    op.create_index(op.f("ix_records_status"), "records", ["status"], unique=False)
    geo_op.create_geospatial_table(
        "cells",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=15), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("n_buildings", sa.Integer(), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_to", UTCDateTime(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["communities.code"],
            name=op.f("fk_cells_community_code_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cells")),
    )
    geo_op.create_geospatial_index(
        "idx_cells_geom",
        "cells",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_cells_code_valid", "cells", ["code", "valid_from"], unique=False)
    op.create_index(op.f("ix_cells_community_code"), "cells", ["community_code"], unique=False)
    op.create_index(op.f("ix_cells_valid_to"), "cells", ["valid_to"], unique=False)
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("place_id", sa.Uuid(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("cell_code", sa.String(length=15), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_checkins_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_checkins_place_id_places")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_checkins_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
    )
    op.create_index(op.f("ix_checkins_cell_code"), "checkins", ["cell_code"], unique=False)
    op.create_index(op.f("ix_checkins_record_id"), "checkins", ["record_id"], unique=False)
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("place_id", sa.Uuid(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_parties_place_id_places")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_parties_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
    )
    op.create_index(op.f("ix_parties_place_id"), "parties", ["place_id"], unique=False)
    op.create_index(op.f("ix_parties_record_id"), "parties", ["record_id"], unique=False)
    op.create_table(
        "record_photos",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_photos_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["photos.sha256"], name=op.f("fk_record_photos_sha256_photos")
        ),
        sa.PrimaryKeyConstraint("record_id", "sha256", name=op.f("pk_record_photos")),
    )
    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_transitions_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_transitions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transitions")),
    )
    op.create_index(op.f("ix_transitions_record_id"), "transitions", ["record_id"], unique=False)
    op.execute(sa.text("INSERT INTO generations (name, value) VALUES ('cells', 0), ('leaders', 0)"))
    seed_lookups(op.get_bind())


def downgrade() -> None:
    """Undo: Initial store: hierarchy, cells, places, records, accounts, audit, lookups"""
    op.drop_index(op.f("ix_transitions_record_id"), table_name="transitions")
    op.drop_table("transitions")
    op.drop_table("record_photos")
    op.drop_index(op.f("ix_parties_record_id"), table_name="parties")
    op.drop_index(op.f("ix_parties_place_id"), table_name="parties")
    op.drop_table("parties")
    op.drop_index(op.f("ix_checkins_record_id"), table_name="checkins")
    op.drop_index(op.f("ix_checkins_cell_code"), table_name="checkins")
    op.drop_table("checkins")
    op.drop_index(op.f("ix_cells_valid_to"), table_name="cells")
    op.drop_index(op.f("ix_cells_community_code"), table_name="cells")
    op.drop_index("ix_cells_code_valid", table_name="cells")
    geo_op.drop_geospatial_index(
        "idx_cells_geom", table_name="cells", postgresql_using="gist", column_name="geom"
    )
    geo_op.drop_geospatial_table("cells")
    op.drop_index(op.f("ix_records_status"), table_name="records")
    op.drop_index(op.f("ix_records_occurred_at"), table_name="records")
    op.drop_index(op.f("ix_records_kind"), table_name="records")
    op.drop_index(op.f("ix_records_h3"), table_name="records")
    op.drop_index(op.f("ix_records_community_code"), table_name="records")
    op.drop_index("ix_records_cell_occurred", table_name="records")
    op.drop_index(op.f("ix_records_author_id"), table_name="records")
    geo_op.drop_geospatial_index(
        "idx_records_track", table_name="records", postgresql_using="gist", column_name="track"
    )
    geo_op.drop_geospatial_index(
        "idx_records_geom", table_name="records", postgresql_using="gist", column_name="geom"
    )
    geo_op.drop_geospatial_table("records")
    op.drop_index(op.f("ix_places_kind"), table_name="places")
    op.drop_index(op.f("ix_places_community_code"), table_name="places")
    op.drop_index(op.f("ix_places_cell_code"), table_name="places")
    geo_op.drop_geospatial_index(
        "idx_places_geom", table_name="places", postgresql_using="gist", column_name="geom"
    )
    geo_op.drop_geospatial_table("places")
    op.drop_table("photos")
    op.drop_index(op.f("ix_leader_assignments_user_id"), table_name="leader_assignments")
    op.drop_index(op.f("ix_leader_assignments_cell_code"), table_name="leader_assignments")
    op.drop_table("leader_assignments")
    op.drop_index(op.f("ix_communities_street_code"), table_name="communities")
    geo_op.drop_geospatial_index(
        "idx_communities_geom",
        table_name="communities",
        postgresql_using="gist",
        column_name="geom",
    )
    geo_op.drop_geospatial_table("communities")
    op.drop_index(op.f("ix_audit_log_entity_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("users")
    op.drop_index(op.f("ix_streets_district_code"), table_name="streets")
    geo_op.drop_geospatial_index(
        "idx_streets_geom", table_name="streets", postgresql_using="gist", column_name="geom"
    )
    geo_op.drop_geospatial_table("streets")
    op.drop_table("terms")
    op.drop_table("roles")
    op.drop_table("generations")
    geo_op.drop_geospatial_index(
        "idx_districts_geom", table_name="districts", postgresql_using="gist", column_name="geom"
    )
    geo_op.drop_geospatial_table("districts")
    op.drop_index(op.f("ix_buildings_community_code"), table_name="buildings")
    op.drop_index(op.f("ix_buildings_cell_code"), table_name="buildings")
    geo_op.drop_geospatial_index(
        "idx_buildings_geom", table_name="buildings", postgresql_using="gist", column_name="geom"
    )
    geo_op.drop_geospatial_table("buildings")
