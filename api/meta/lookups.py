"""Seed the lookup tables (``terms``, ``roles``) from grid/domain/catalog.py and
grid/domain/caseflow.py.

Run by the migrations and at every server start, so the database always mirrors the one source of
truth in grid/ without repeating any of its literals.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert

from api.models import Role, Term
from grid.domain import caseflow, catalog, mediation, rectification, residents


def term_rows() -> list[dict[str, Any]]:
    """Every coded term of grid/ as rows of the ``terms`` table."""
    rows: list[dict[str, Any]] = []

    def add(vocab: str, term: catalog.Term, parent: str = "", **data: Any) -> None:
        rows.append(
            {
                "vocabulary": vocab,
                "parent": parent,
                "code": term.code,
                "zh": term.zh,
                "en": term.en,
                "data": data,
            }
        )

    for t in catalog.PLACE_KINDS.values():
        add("place_kind", t)
    for t in catalog.RECORD_KINDS.values():
        add("record_kind", t)
    for t in catalog.RISK_LEVELS.values():
        add("risk_level", t)
    for t in catalog.HAZARD_CATEGORIES:
        add("hazard_category", t)
    for kind, terms in catalog.CATEGORIES.items():
        for t in terms:
            add("category", t, parent=kind.value)
    for info in caseflow.STATUSES.values():
        add("status", info.term, is_open=info.is_open, is_closed=info.is_closed)
    for prio, t in caseflow.PRIORITIES.items():
        add("priority", t, deadline_hours=caseflow.DEADLINE_HOURS[prio])
    for tr in caseflow.TRANSITIONS:
        add(
            "transition",
            tr.term,
            parent=tr.source.value,
            target=tr.target.value,
            roles=sorted(r.value for r in tr.roles),
        )
    _case_terms(add)
    return rows


def _case_terms(add: Any) -> None:
    """The terms of issue 13's loops: rectification stages and steps, escalation targets,
    mediation outcomes and referrals, channels, ratings and rating sources."""
    for stage in rectification.STAGES.values():
        add("rect_stage", stage.term, is_open=stage.is_open, is_closed=stage.is_closed)
    for st in rectification.STEPS:
        add("rect_step", st.term, parent=st.source.value, target=st.target.value)
    for t in rectification.ESCALATION_TARGETS:
        add("escalation_target", t)
    for o in mediation.OUTCOMES:
        add("mediation_outcome", o.term, resolved=o.resolved, referral=o.referral)
    for t in mediation.REFERRAL_TARGETS:
        add("referral_target", t)
    for t in residents.CHANNELS.values():
        add("channel", t)
    for r in residents.RATINGS:
        add("rating", r.term, satisfied=r.satisfied)
    for t in residents.RATING_SOURCES:
        add("rating_source", t)


def seed_lookups(conn: Connection) -> None:
    """Replace the lookup rows with the current vocabulary (roles are only ever added)."""
    # declarative stubs type __table__ as any FromClause; a mapped class's is always a Table
    roles, terms = cast(Table, Role.__table__), cast(Table, Term.__table__)
    existing = {r for (r,) in conn.execute(roles.select().with_only_columns(Role.code))}
    missing = [{"code": r.value} for r in caseflow.Role if r.value not in existing]
    if missing:
        conn.execute(insert(roles), missing)
    conn.execute(delete(terms))
    conn.execute(insert(terms), term_rows())
