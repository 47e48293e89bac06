"""Who leads which cell at a given time: the one query behind the cells layer and the KPIs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import Cell, LeaderAssignment, User


def leaders_at(
    session: Session, at: datetime, codes: Collection[str] | None = None
) -> dict[str, User]:
    """The leader of each cell at ``at``, keyed by cell code; only of ``codes`` when given."""
    if codes is not None and not codes:
        return {}
    q = (
        select(LeaderAssignment.cell_code, User)
        .join(User, User.id == LeaderAssignment.user_id)
        .where(LeaderAssignment.active_at(at))
        # where assignments overlap (a hand-edited history), the latest started wins, every time
        .order_by(LeaderAssignment.started_at, LeaderAssignment.id)
    )
    if codes is not None:
        q = q.where(LeaderAssignment.cell_code.in_(codes))
    return dict(session.execute(q).all())


def leader_names(session: Session, at: datetime) -> dict[str, str]:
    """The username leading each cell at ``at``: how the KPIs and the table group by leader."""
    return {code: user.username for code, user in leaders_at(session, at).items()}


def community_leaders(session: Session, at: datetime, community_code: str) -> dict[str, User]:
    """The users leading a current cell of ``community_code`` at ``at``, by username: whom a case
    of that community may be dispatched to."""
    codes = select(Cell.code).where(Cell.community_code == community_code, Cell.valid_at(at))
    q = (
        select(User)
        .join(LeaderAssignment, LeaderAssignment.user_id == User.id)
        .where(LeaderAssignment.active_at(at), LeaderAssignment.cell_code.in_(codes))
    )
    return {u.username: u for u in session.scalars(q)}
