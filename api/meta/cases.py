"""The ``cases`` part of ``/meta``: issue 13's loops and scales, straight from
grid/domain/rectification.py, mediation.py and residents.py."""

from __future__ import annotations

from typing import Any

from grid.domain import mediation, rectification, residents
from grid.domain.catalog import Term


def _term(t: Term) -> dict[str, str]:
    """A term as ``{code, zh, en}``."""
    return {"code": t.code, "zh": t.zh, "en": t.en}


def _rectification() -> dict[str, Any]:
    """The rectification loop: stages, steps with roles, deadline days by severity, targets."""
    return {
        "stages": [
            {**_term(i.term), "is_open": i.is_open, "is_closed": i.is_closed}
            for i in rectification.STAGES.values()
        ],
        "place_kinds": [k.value for k in rectification.RECTIFIED_KINDS],
        "initial_stage": rectification.INITIAL_STAGE.value,
        "clock_starts": rectification.CLOCK_STARTS.value,
        "steps": [
            {
                "action": s.action,
                "from": s.source.value,
                "to": s.target.value,
                "roles": sorted(r.value for r in s.roles),
                "photos": s.photos,
                "escalation": s.escalation,
                "zh": s.term.zh,
                "en": s.term.en,
            }
            for s in rectification.STEPS
        ],
        "deadline_days": dict(rectification.DEADLINE_DAYS),
        "escalation_targets": [_term(t) for t in rectification.ESCALATION_TARGETS],
        # the hazard attributes the loop owns (read-only on a hazard with a rectification)
        "loop_attrs": list(rectification.LOOP_ATTRS),
        "stage_status": {k.value: v for k, v in rectification.STAGE_STATUS.items()},
    }


def cases_meta() -> dict[str, Any]:
    """Rectification loop, mediation outcomes and referrals, screening, residents' channels,
    reportable categories, the rating scale and the satisfaction target."""
    return {
        "rectification": _rectification(),
        "mediation": {
            "outcomes": [
                {**_term(o.term), "resolved": o.resolved, "referral": o.referral}
                for o in mediation.OUTCOMES
            ],
            "referral_targets": [_term(t) for t in mediation.REFERRAL_TARGETS],
            "mass_incident_headcount": mediation.MASS_INCIDENT_HEADCOUNT,
            "screening_interval_days": mediation.SCREENING_INTERVAL_DAYS,
        },
        "residents": {
            "kind": residents.RESIDENT_KIND.value,
            "categories": [_term(t) for t in residents.RESIDENT_CATEGORIES],
            "channels": [_term(t) for t in residents.CHANNELS.values()],
            "ratings": [{**_term(r.term), "satisfied": r.satisfied} for r in residents.RATINGS],
            "rating_sources": [_term(t) for t in residents.RATING_SOURCES],
            "satisfaction_target": residents.SATISFACTION_TARGET,
        },
    }
