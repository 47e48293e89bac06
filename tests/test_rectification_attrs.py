"""The hazard attributes the rectification loop owns: statuses from the catalog, overdue by day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from grid.domain import rectification as loop
from grid.domain.catalog import RECTIFICATION_STATUSES, PlaceKind, place_attrs


def test_loop_attrs_are_catalog_attributes_and_statuses():
    fields = place_attrs(PlaceKind.HAZARD)
    assert set(loop.LOOP_ATTRS) <= set(fields)
    codes = {t.code for t in RECTIFICATION_STATUSES}
    assert set(loop.STAGE_STATUS.values()) | {loop.OVERDUE_STATUS} <= codes
    assert set(loop.STAGE_STATUS) == set(loop.Stage)


def test_deadline_is_the_local_day_and_overdue_starts_the_day_after():
    late_evening_utc = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Beijing
    attrs = loop.loop_attrs("ordered", late_evening_utc)
    assert attrs == {"rectification_deadline": "2026-03-02", "rectification_status": "rectifying"}
    assert loop.shown_status(attrs, date(2026, 3, 2)) == "rectifying"
    assert loop.shown_status(attrs, date(2026, 3, 3)) == "overdue"
    closed = loop.loop_attrs("closed", late_evening_utc)
    assert loop.shown_status(closed, date(2027, 1, 1)) == "rectified"
    assert loop.loop_attrs("found", None)["rectification_deadline"] is None
