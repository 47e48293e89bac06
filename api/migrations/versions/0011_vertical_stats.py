"""Leaders of vertical cells: a roster entry's code (leader assignments are the roster's leader
rows since 0010) holds a vertical cell's code (``<cell code>-NN``, 18 characters) as well as a 2D
cell's (15)

Revision ID: 0011_vertical_stats
Revises: 0010_roster
Create Date: 2026-12-04 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_vertical_stats"
down_revision = "0010_roster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Widen roster_entries.cell_code to 18 characters."""
    with op.batch_alter_table("roster_entries") as t:
        t.alter_column("cell_code", type_=sa.String(length=18),
                       existing_type=sa.String(length=15), existing_nullable=False)


def downgrade() -> None:
    """Drop the vertical cells' entries (they no longer fit), then narrow the column."""
    op.execute("DELETE FROM roster_entries WHERE length(cell_code) > 15")
    with op.batch_alter_table("roster_entries") as t:
        t.alter_column("cell_code", type_=sa.String(length=15),
                       existing_type=sa.String(length=18), existing_nullable=False)
