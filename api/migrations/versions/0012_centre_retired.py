"""Service centres are retired, not deleted: when each came into service, when it was retired and
by whom, so coverage as of a past date uses the centres in service then

Revision ID: 0012_centre_retired
Revises: 0011_vertical_stats
Create Date: 2026-12-04 22:00:00
"""

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

revision = "0012_centre_retired"
down_revision = "0011_vertical_stats"
branch_labels = None
depends_on = None

FK = "fk_centres_retired_by_users"


def upgrade() -> None:
    """Add in_service_from (null: in service since before it was recorded), retired_at and
    retired_by to centres; every existing centre stays in service. Plain column adds (no table
    rebuild, which SpatiaLite refuses for a table with a geometry column); SQLite adds the
    reference inline, PostgreSQL as a named constraint."""
    op.add_column("centres", sa.Column("in_service_from", UTCDateTime(), nullable=True))
    op.add_column("centres", sa.Column("retired_at", UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":  # alembic cannot add a constraint there
        op.execute(
            sa.text(
                f"ALTER TABLE centres ADD COLUMN retired_by INTEGER CONSTRAINT {FK} "
                "REFERENCES users (id)"
            )
        )
    else:
        op.add_column("centres", sa.Column("retired_by", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "centres", "users", ["retired_by"], ["id"])


def downgrade() -> None:
    """Delete the retired centres (the schema before could not keep them) and drop the columns."""
    op.execute(sa.text("DELETE FROM centres WHERE retired_at IS NOT NULL"))
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK, "centres", type_="foreignkey")
    for col in ("retired_by", "retired_at", "in_service_from"):
        op.drop_column("centres", col)
