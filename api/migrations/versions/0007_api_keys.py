"""API keys: long-lived keys of service accounts for the OGC API

Revision ID: 0007_api_keys
Revises: 0006_vertical_cells
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

revision = "0007_api_keys"
down_revision = "0006_vertical_cells"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create api_keys (the SHA-256 of each key, never the key)."""
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_user_id"), "api_keys", ["user_id"], unique=False)


def downgrade() -> None:
    """Drop api_keys (every key stops working)."""
    op.drop_index(op.f("ix_api_keys_user_id"), table_name="api_keys")
    op.drop_table("api_keys")
