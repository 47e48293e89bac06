"""Duty roster: leader assignments become the leader entries of each cell's roster, absences of
leaders (the backup covers), and the assignee of a dispatched case on the record

Revision ID: 0010_roster
Revises: 0009_visits
Create Date: 2026-12-04 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

revision = "0010_roster"
down_revision = "0009_visits"
branch_labels = None
depends_on = None

_MOVED = "id, cell_code, user_id, started_at, ended_at"
_ASSIGNEE_KEYS = (
    ("fk_records_assigned_user_id_users", "users", "assigned_user_id"),
    ("fk_records_assigned_member_id_roster_entries", "roster_entries", "assigned_member_id"),
)


def _bump_sequence(table: str) -> None:
    """On PostgreSQL, move ``table``'s id sequence past the ids copied into it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
        )


def upgrade() -> None:
    """Create roster_entries holding every leader assignment (same ids) as role 'leader', drop
    leader_assignments, create absences and add the assignee columns to records."""
    op.create_table(
        "roster_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cell_code", sa.String(length=15), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("duty_phone", sa.String(length=32), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.Integer(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_roster_entries_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_roster_entries_building_id_buildings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_entries")),
    )
    op.create_index(op.f("ix_roster_entries_cell_code"), "roster_entries", ["cell_code"])
    op.create_index(op.f("ix_roster_entries_user_id"), "roster_entries", ["user_id"])
    op.create_index("ix_roster_entries_cell_role", "roster_entries", ["cell_code", "role"])
    op.execute(
        f"INSERT INTO roster_entries ({_MOVED}, role) "
        f"SELECT {_MOVED}, 'leader' FROM leader_assignments"
    )
    _bump_sequence("roster_entries")
    op.drop_index(op.f("ix_leader_assignments_user_id"), table_name="leader_assignments")
    op.drop_index(op.f("ix_leader_assignments_cell_code"), table_name="leader_assignments")
    op.drop_table("leader_assignments")
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cell_code", sa.String(length=15), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_absences_user_id_users")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_absences_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    op.create_index(op.f("ix_absences_cell_code"), "absences", ["cell_code"])
    op.create_index(op.f("ix_absences_user_id"), "absences", ["user_id"])
    op.add_column("records", sa.Column("assigned_user_id", sa.Integer(), nullable=True))
    op.add_column("records", sa.Column("assigned_member_id", sa.Integer(), nullable=True))
    op.add_column("records", sa.Column("assigned_department", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_records_assigned_user_id"), "records", ["assigned_user_id"])
    if op.get_bind().dialect.name == "postgresql":  # SQLite cannot add a constraint in place
        for name, table, col in _ASSIGNEE_KEYS:
            op.create_foreign_key(op.f(name), "records", table, [col], ["id"])


def downgrade() -> None:
    """Put the leader entries back into leader_assignments and drop the rest of the roster,
    the absences and the assignees."""
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in _ASSIGNEE_KEYS:
            op.drop_constraint(op.f(name), "records", type_="foreignkey")
    op.drop_index(op.f("ix_records_assigned_user_id"), table_name="records")
    for col in ("assigned_department", "assigned_member_id", "assigned_user_id"):
        op.drop_column("records", col)
    op.drop_index(op.f("ix_absences_user_id"), table_name="absences")
    op.drop_index(op.f("ix_absences_cell_code"), table_name="absences")
    op.drop_table("absences")
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
    op.create_index(op.f("ix_leader_assignments_cell_code"), "leader_assignments", ["cell_code"])
    op.create_index(op.f("ix_leader_assignments_user_id"), "leader_assignments", ["user_id"])
    op.execute(
        f"INSERT INTO leader_assignments ({_MOVED}) SELECT {_MOVED} FROM roster_entries "
        "WHERE role = 'leader' AND user_id IS NOT NULL"
    )
    _bump_sequence("leader_assignments")
    op.drop_index("ix_roster_entries_cell_role", table_name="roster_entries")
    op.drop_index(op.f("ix_roster_entries_user_id"), table_name="roster_entries")
    op.drop_index(op.f("ix_roster_entries_cell_code"), table_name="roster_entries")
    op.drop_table("roster_entries")
