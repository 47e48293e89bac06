"""Photo uploads: every user who uploaded a photo's bytes, not only the first

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create photo_uploads and record each existing photo's first uploader in it."""
    op.create_table(
        "photo_uploads",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["photos.sha256"], name=op.f("fk_photo_uploads_sha256_photos")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_photo_uploads_user_id_users")
        ),
        sa.PrimaryKeyConstraint("sha256", "user_id", name=op.f("pk_photo_uploads")),
    )
    op.execute(
        "INSERT INTO photo_uploads (sha256, user_id, at) "
        "SELECT sha256, uploaded_by, created_at FROM photos WHERE uploaded_by IS NOT NULL"
    )


def downgrade() -> None:
    """Drop photo_uploads (photos.uploaded_by still names each photo's first uploader)."""
    op.drop_table("photo_uploads")
