"""Vertical cells (楼栋网格): the stacks of unit or floor ranges below tall buildings' cells,
and a record's floor, unit and vertical cell

Revision ID: 0006_vertical_cells
Revises: 0005_cases
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

revision = "0006_vertical_cells"
down_revision = "0005_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create vertical_cells with its indexes (code and version, cell, community, valid_to), and
    give records a floor, a unit and a vertical cell."""
    op.create_table(
        "vertical_cells",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("cell_code", sa.String(length=15), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("building", sa.String(length=64), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("split", sa.String(length=8), nullable=False),
        sa.Column("unit_from", sa.Integer(), nullable=True),
        sa.Column("unit_to", sa.Integer(), nullable=True),
        sa.Column("floor_from", sa.Integer(), nullable=True),
        sa.Column("floor_to", sa.Integer(), nullable=True),
        sa.Column("others", sa.Integer(), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_to", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vertical_cells")),
    )
    op.create_index("ix_vertical_cells_code_valid", "vertical_cells", ["code", "valid_from"])
    for col in ("cell_code", "community_code", "valid_to"):
        op.create_index(op.f(f"ix_vertical_cells_{col}"), "vertical_cells", [col])
    # Plain ALTER TABLE (no batch copy on SQLite: the table carries SpatiaLite geometry).
    op.add_column("records", sa.Column("floor", sa.Integer(), nullable=True))
    op.add_column("records", sa.Column("unit", sa.Integer(), nullable=True))
    op.add_column("records", sa.Column("vertical_code", sa.String(length=18), nullable=True))
    op.create_index(op.f("ix_records_vertical_code"), "records", ["vertical_code"])


def downgrade() -> None:
    """Drop vertical_cells and the records' floor, unit and vertical cell."""
    op.drop_index(op.f("ix_records_vertical_code"), table_name="records")
    for col in ("vertical_code", "unit", "floor"):
        op.drop_column("records", col)
    for col in ("cell_code", "community_code", "valid_to"):
        op.drop_index(op.f(f"ix_vertical_cells_{col}"), table_name="vertical_cells")
    op.drop_index("ix_vertical_cells_code_valid", table_name="vertical_cells")
    op.drop_table("vertical_cells")
