"""The vocabulary and case loop for clients, straight from grid/domain/catalog.py and
grid/domain/caseflow.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.dependencies import StoreDep
from api.edge.responses import Meta, answers
from api.meta.cases import cases_meta
from grid.domain import caseflow, catalog
from grid.register.catalog import register_meta
from grid.register.visits import visits_meta

router = APIRouter(tags=["meta"])


def _terms(terms: Any) -> list[dict[str, str]]:
    """Terms as ``{code, zh, en}`` objects."""
    return [{"code": t.code, "zh": t.zh, "en": t.en} for t in terms]


def _attr_field(f: catalog.AttrField) -> dict[str, Any]:
    """A place attribute as the app builds its input from it (CONTRACTS.md, ``place_attrs``)."""
    return {
        **_terms([f.term])[0],
        "type": f.type.value,
        "options": _terms(f.options),
        "required": f.required,
        "personal": f.personal.value if f.personal else None,
        "min": f.min,
        "max": f.max,
        "max_length": f.max_length,
    }


def _record_kinds() -> list[dict[str, Any]]:
    """Record kinds with their labels and their rule (case loop, priority, track, check-ins,
    parties), so that the app names no kind itself (CONTRACTS.md, ``record_kinds``)."""
    out = []
    for kind, term in catalog.RECORD_KINDS.items():
        rule = catalog.record_rule(kind)
        out.append(
            {
                **_terms([term])[0],
                "case_loop": rule.case_loop,
                "priority": rule.priority,
                "track": rule.track,
                "checkins": rule.checkins,
                "parties": rule.parties,
                "min_track_points": rule.min_track_points,
            }
        )
    return out


@router.get("/meta", response_model=None, responses=answers(Meta))
def meta(store: StoreDep) -> dict[str, Any]:
    """Place kinds and attributes, record kinds and categories, risk levels, priorities, statuses,
    transitions, tiles."""
    s = store.settings
    return {
        "place_kinds": _terms(catalog.PLACE_KINDS.values()),
        "record_kinds": _record_kinds(),
        "categories": {k.value: _terms(v) for k, v in catalog.CATEGORIES.items()},
        "hazard_categories": _terms(catalog.HAZARD_CATEGORIES),
        "place_attrs": {
            k.value: [_attr_field(f) for f in fields] for k, fields in catalog.PLACE_ATTRS.items()
        },
        "common_attrs": [_attr_field(f) for f in catalog.COMMON_ATTRS],
        "risk_levels": _terms(catalog.RISK_LEVELS.values()),
        "priorities": [
            {**_terms([t])[0], "deadline_hours": caseflow.DEADLINE_HOURS[p]}
            for p, t in caseflow.PRIORITIES.items()
        ],
        "statuses": [
            {**_terms([i.term])[0], "is_open": i.is_open, "is_closed": i.is_closed}
            for i in caseflow.STATUSES.values()
        ],
        "initial_status": caseflow.INITIAL_STATUS.value,
        "clock_starts": caseflow.CLOCK_STARTS.value,
        "transitions": [
            {
                "action": t.action,
                "from": t.source.value,
                "to": t.target.value,
                "roles": sorted(r.value for r in t.roles),
                "asks": t.asks.value,
                "zh": t.term.zh,
                "en": t.term.en,
            }
            for t in caseflow.TRANSITIONS
        ],
        "roles": [r.value for r in caseflow.Role],
        "tiles": {
            "url": s.tile_url,
            "crs": s.tile_crs,
            "attribution": s.tile_attribution,
            "subdomains": s.tile_subdomains,
            "max_zoom": s.tile_max_zoom,
        },
        "h3_resolution": s.h3_resolution,
        "cases": cases_meta(),
        "register": register_meta(),
        "visits": visits_meta(),
    }
