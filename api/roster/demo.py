"""The demo's duty rosters: every led cell of the sample district gets a full team (backup,
police, mediator, building and unit leaders, a volunteer), so notice boards and the tablet's
dispatch list are not empty; one demo case is dispatched to a roster member ("派给我的")."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from api.accounts.access import load_scope
from api.db import session_scope
from api.models import Building, LeaderAssignment, Record, RosterEntry, User, utcnow
from api.records.schemas import TransitionIn
from api.records.service import apply_transition
from api.roster.schemas import MemberIn
from api.roster.service import add_member
from api.store import Store

# made-up contacts (names only: a contact's own phone is never stored)
MEDIATORS = ("赵淑华", "钱国强", "孙丽萍")
BUILDING_LEADERS = ("周建国", "吴秀英", "郑志明", "冯桂兰")
VOLUNTEERS = ("陈思远", "褚晓雯", "卫嘉豪")
MEDIATION_PHONE = "022-2730 1200"  # the community mediation room's published number


def _team(s, code: str, i: int, users: dict[str, int], leader: str) -> None:  # noqa: ANN001
    """A whole team for cell ``code`` (the ``i``-th led cell), the other officer as backup."""
    other = "officer2" if leader == "officer" else "officer"
    members: list[dict] = [
        {"role": "backup", "user_id": users[other]},
        {"role": "police", "user_id": users["police"]},
        {
            "role": "mediator",
            "contact_name": MEDIATORS[i % len(MEDIATORS)],
            "duty_phone": MEDIATION_PHONE,
        },
        {"role": "volunteer", "contact_name": VOLUNTEERS[i % len(VOLUNTEERS)]},
    ]
    buildings = s.scalars(
        select(Building.id).where(Building.cell_code == code).order_by(Building.id).limit(2)
    ).all()
    for j, b in enumerate(buildings):
        name = BUILDING_LEADERS[(2 * i + j) % len(BUILDING_LEADERS)]
        members.append({"role": "building_leader", "contact_name": name, "building_id": b})
    if buildings:
        members.append(
            {
                "role": "unit_leader",
                "contact_name": VOLUNTEERS[(i + 1) % 3],
                "building_id": buildings[0],
                "unit": 1,
            }
        )
    for body in members:
        add_member(s, None, code, MemberIn(**body))


def seed_rosters(store: Store) -> int:
    """A team on every currently led cell, and the officer's first demo case dispatched to
    officer2 (that cell's backup on the roster); returns the number of roster entries."""
    with session_scope(store.sessions) as s:
        users = {u.username: u.id for u in s.scalars(select(User))}
        led = s.execute(
            select(LeaderAssignment.cell_code, User.username)
            .join(User, User.id == LeaderAssignment.user_id)
            .where(LeaderAssignment.active_at(utcnow()))
            .order_by(LeaderAssignment.cell_code)
        ).all()
        for i, (code, leader) in enumerate(led):
            _team(s, code, i, users, leader)
        added = s.query(RosterEntry).count()
    _dispatch_one(store)
    return added


def _dispatch_one(store: Store) -> None:
    """The officer's first demo incident registered and dispatched to officer2 (the cell's
    backup on the roster), so officer2's tablet shows it under "派给我的"."""
    rid = uuid.uuid5(uuid.UUID(int=1), "record")
    with store.sessions() as s:
        rec = s.get(Record, rid)
        if rec is None:
            return
        officer = s.scalars(select(User).where(User.username == "officer")).one()
        backup = s.scalar(
            select(RosterEntry.id)
            .join(User, User.id == RosterEntry.user_id)
            .where(
                RosterEntry.cell_code == rec.cell_code,
                RosterEntry.role == "backup",
                User.username == "officer2",
            )
        )
        scope = load_scope(s, officer)
        apply_transition(s, scope, rid, TransitionIn(action="register", version=rec.version))
        rec = s.get(Record, rid)
        assert rec is not None
        apply_transition(
            s,
            scope,
            rid,
            TransitionIn(
                action="dispatch",
                version=rec.version,
                receiver=f"roster:{backup}",
                note="示例：派给后备网格员",
            ),
        )
