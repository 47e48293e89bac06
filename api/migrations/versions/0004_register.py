"""The register (一标三实): standard addresses, rooms, households, persons, key-group tags and
organisations; personal fields as ciphertexts, ID numbers and phones as blind indexes

Revision ID: 0004_register
Revises: 0003
Create Date: 2026-12-04 18:30:27
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

revision = "0004_register"
down_revision = "0003"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    """A foreign key named by the store's naming convention."""
    ref = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{ref}"))


def _keyed() -> list[Any]:
    """The columns of a client-keyed, versioned row (``api.models.keyed.Keyed``)."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
    ]


def _located() -> list[Any]:
    """The cell and community columns of a register row."""
    return [
        sa.Column("cell_code", sa.String(length=15), nullable=True),
        sa.Column("community_code", sa.String(length=12), nullable=True),
    ]


def _indexes(table: str, *columns: str) -> None:
    """Plain indexes named ``ix_<table>_<column>``."""
    for c in columns:
        op.create_index(op.f(f"ix_{table}_{c}"), table, [c], unique=False)


def upgrade() -> None:
    """Create the register's tables."""
    op.create_table(
        "reg_addresses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        _fk("reg_addresses", "building_id", "buildings.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_addresses")),
    )
    _indexes("reg_addresses", "address", "building_id")
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("floor", sa.String(length=10), nullable=False),
        sa.Column("room", sa.String(length=20), nullable=False),
        sa.Column("use", sa.String(length=16), nullable=False),
        sa.Column("place_id", sa.Uuid(), nullable=True),
        *_located(),
        _fk("rooms", "building_id", "buildings.id"),
        _fk("rooms", "place_id", "places.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint(
            "building_id", "unit", "floor", "room", name=op.f("uq_rooms_building_id")
        ),
    )
    _indexes("rooms", "building_id", "cell_code", "community_code")
    op.create_table(
        "households",
        *_keyed(),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("household_no", sa.String(length=40), nullable=False),
        *_located(),
        sa.Column("moved_in", sa.Date(), nullable=True),
        sa.Column("moved_out", sa.Date(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _fk("households", "author_id", "users.id"),
        _fk("households", "building_id", "buildings.id"),
        _fk("households", "room_id", "rooms.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    _indexes("households", "building_id", "cell_code", "community_code", "room_id")
    op.create_table(
        "persons",
        *_keyed(),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        *_located(),
        sa.Column("person_type", sa.String(length=16), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("moved_in", sa.Date(), nullable=True),
        sa.Column("moved_out", sa.Date(), nullable=True),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("id_number", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("birth_date", sa.LargeBinary(), nullable=True),
        sa.Column("id_index", sa.String(length=64), nullable=True),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _fk("persons", "author_id", "users.id"),
        _fk("persons", "building_id", "buildings.id"),
        _fk("persons", "household_id", "households.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    _indexes(
        "persons",
        "building_id",
        "cell_code",
        "community_code",
        "household_id",
        "id_index",
        "phone_index",
    )
    op.create_table(
        "person_tags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("group", sa.String(length=32), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        _fk("person_tags", "person_id", "persons.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_tags")),
    )
    _indexes("person_tags", "person_id")
    op.create_table(
        "organisations",
        *_keyed(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("org_type", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("contact", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.Uuid(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        *_located(),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _fk("organisations", "author_id", "users.id"),
        _fk("organisations", "building_id", "buildings.id"),
        _fk("organisations", "place_id", "places.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    _indexes("organisations", "cell_code", "community_code", "credit_code")


def downgrade() -> None:
    """Drop the register's tables (and with them every register row)."""
    for table in (
        "organisations",
        "person_tags",
        "persons",
        "households",
        "rooms",
        "reg_addresses",
    ):
        op.drop_table(table)
