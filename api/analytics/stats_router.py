"""``/stats/counts`` and ``/stats/kpis``: thin endpoints over ``api.analytics.stats``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.analytics import stats
from api.analytics.stats import CountBy, KpiBy
from api.dependencies import PeriodDep, ScopeDep, SessionDep
from api.edge.responses import SIGNED_IN, Counts, Kpis, answers
from grid.domain.caseflow import Status
from grid.domain.catalog import RecordKind

router = APIRouter(tags=["stats"])


@router.get("/stats/counts", response_model=None, responses=answers(Counts, *SIGNED_IN))
def counts(
    scope: ScopeDep,
    session: SessionDep,
    period: PeriodDep,
    by: CountBy = CountBy.CELL,
    kind: RecordKind | None = None,
    category: str | None = None,
    status: Status | None = None,
) -> dict[str, Any]:
    """Records per cell (or community) in the period, over the cells valid then (zeros included)."""
    return stats.counts(scope, session, period, by, kind, category, status)


@router.get("/stats/kpis", response_model=None, responses=answers(Kpis, *SIGNED_IN))
def kpis(
    scope: ScopeDep,
    session: SessionDep,
    period: PeriodDep,
    by: KpiBy = KpiBy.CELL,
    days: Annotated[
        int, Query(ge=1, le=3660, description="period length when from is not given")
    ] = 30,
) -> dict[str, Any]:
    """Closure rate, on-time closure rate and patrol coverage per cell, leader or community."""
    return stats.kpis(scope, session, period, by, days)
