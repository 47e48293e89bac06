"""Residents' phones encrypted: the reporter's phone sealed with the register's field cipher and
its rate-limit hash replaced by the cipher's blind index

Revision ID: 0008_resident_phone
Revises: 0007_api_keys
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.register.crypto import DataCipher, cipher_for
from api.residents.limits import PHONE_FIELD, keyed
from api.settings import Settings

revision = "0008_resident_phone"
down_revision = "0007_api_keys"
branch_labels = None
depends_on = None

PLAIN = sa.table(  # before the upgrade, after the downgrade
    "resident_reports",
    sa.column("ticket", sa.String),
    sa.column("phone", sa.String),
    sa.column("phone_hash", sa.String),
    sa.column("phone_new", sa.LargeBinary),
)
SEALED = sa.table(  # after the upgrade, before the downgrade
    "resident_reports",
    sa.column("ticket", sa.String),
    sa.column("phone", sa.LargeBinary),
    sa.column("phone_hash", sa.String),
    sa.column("phone_old", sa.String),
)


def _settings() -> Settings:
    """The settings the caller passed (the server's), else the environment's."""
    given = op.get_context().config.attributes.get("settings")  # type: ignore[union-attr]
    return given if isinstance(given, Settings) else Settings()


def _cipher() -> DataCipher:
    """The data cipher (the key is read, or made, only when there is a phone to convert)."""
    return cipher_for(_settings())


def upgrade() -> None:
    """Seal every stored phone and re-key its rate-limit hash as the blind index."""
    with op.batch_alter_table("resident_reports") as batch:
        batch.add_column(sa.Column("phone_new", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(PLAIN.c.ticket, PLAIN.c.phone).where(PLAIN.c.phone.is_not(None))
    ).all()
    if rows:
        cipher = _cipher()
        for ticket, phone in rows:
            conn.execute(
                PLAIN.update()
                .where(PLAIN.c.ticket == ticket)
                .values(
                    phone_new=cipher.encrypt(PHONE_FIELD, phone), phone_hash=cipher.index(phone)
                )
            )
    with op.batch_alter_table("resident_reports") as batch:
        batch.drop_column("phone")
        batch.alter_column("phone_new", new_column_name="phone")


def downgrade() -> None:
    """Put the phones back in plain text, with the older hash keyed by the server secret."""
    with op.batch_alter_table("resident_reports") as batch:
        batch.add_column(sa.Column("phone_old", sa.String(length=32), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(SEALED.c.ticket, SEALED.c.phone).where(SEALED.c.phone.is_not(None))
    ).all()
    if rows:
        settings = _settings()
        cipher, secret = cipher_for(settings), settings.jwt_secret()
        for ticket, blob in rows:
            phone = cipher.decrypt(PHONE_FIELD, blob)
            assert phone is not None
            conn.execute(
                SEALED.update()
                .where(SEALED.c.ticket == ticket)
                .values(phone_old=phone, phone_hash=keyed(secret, "phone", phone))
            )
    with op.batch_alter_table("resident_reports") as batch:
        batch.drop_column("phone")
        batch.alter_column("phone_old", new_column_name="phone")
