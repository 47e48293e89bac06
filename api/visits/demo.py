"""The demo's key-group care: a few more fictitious key-group members (released prisoners in
their 帮教 term, community correction) among the officer's residents, and a month of seeded
visits to them and to other households, stored through the API's own write paths, so the due
list, the 民情日志, the statistics and the notice board have something to show."""

from __future__ import annotations

import uuid
from datetime import timedelta

import numpy as np
from sqlalchemy import select

from api.accounts.access import load_scope
from api.models import Person, PersonTag, User, utcnow
from api.register.rules import today
from api.store import Store
from api.visits.schemas import NeedIn, VisitIn
from api.visits.service import create_visit

NEW_TAGS = (("released", 0.03, 365 * 4), ("community_correction", 0.015, 180))
ROUTINE_VISITS = 40
DAYS_BACK = 25  # the demo's leaders took their cells 30 days before the load
NEEDS = ("希望加装楼道扶手", "咨询低保续办手续", "反映邻居噪音扰民", "需要上门助餐服务")


def seed_visits(store: Store, seed: int = 0, officer: str = "officer") -> dict[str, int]:
    """Tag some of ``officer``'s residents and record a month of visits by them; counts of
    what was added."""
    rng = np.random.default_rng(seed)
    with store.sessions() as s:
        user = s.scalars(select(User).where(User.username == officer)).one()
        scope = load_scope(s, user)
        people = list(
            s.execute(
                select(Person.id, Person.household_id)
                .where(Person.cell_code.in_(sorted(scope.cells or ())), Person.moved_out.is_(None))
                .order_by(Person.id)
            )
        )
        if not people:
            return {"tags": 0, "visits": 0}
        day = today()
        tags = 0
        for group, share, span in NEW_TAGS:
            for i in np.flatnonzero(rng.random(len(people)) < share):
                start = day - timedelta(days=int(rng.integers(30, span)))
                s.add(PersonTag(person_id=people[i][0], group=group, start=start, note="示例"))
                tags += 1
        s.commit()
        tagged = sorted(set(s.scalars(select(PersonTag.person_id))) & {p for p, _ in people})
        home = dict(people)
        now, visits = utcnow(), 0
        plans = [(p, "key_group") for p in tagged if rng.random() < 0.7]
        picks = rng.choice(len(people), min(ROUTINE_VISITS, len(people)), replace=False)
        plans += [(people[i][0], "routine") for i in picks]
        for n, (pid, purpose) in enumerate(plans):
            at = now - timedelta(days=float(rng.uniform(0.2, DAYS_BACK)))
            need = (
                [NeedIn(text=NEEDS[n % len(NEEDS)], follow_up=bool(n % 2))]
                if rng.random() < 0.2
                else []
            )
            body = VisitIn(
                id=uuid.uuid5(uuid.UUID(int=seed + 12), f"visit/{n}"),
                household_id=home[pid],
                person_ids=[pid],
                purpose=purpose,
                visited_at=at,
                notes="示例走访：了解近况" if purpose == "key_group" else "示例走访",
                needs=need,
            )
            _, created = create_visit(s, store, scope, body)
            visits += created
    return {"tags": tags, "visits": visits}
