"""Typed answers of the visit endpoints (the OpenAPI document's schemas)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from api.edge.responses import Out


class TagOut(Out):
    """A key-group membership of a person."""

    id: int
    person_id: str
    group: str
    start: dt.date
    end: dt.date | None
    reoffended_on: dt.date | None
    note: str
    version: int


class NeedOut(Out):
    """A need raised on a visit, with the case it became (``record_id``) once it did."""

    n: int
    text: str
    follow_up: bool
    record_id: str | None


class Closed(Out):
    """A due item a visit closed: the person and the key group."""

    person_id: str
    group: str


class VisitOut(Out):
    """A visit as stored."""

    id: str
    cell_code: str
    community_code: str
    household_id: str | None
    building_id: int | None
    place_id: str | None
    person_ids: list[str]
    purpose: str
    visited_at: dt.datetime
    notes: str
    needs: list[NeedOut]
    photos: list[str]
    lon: float
    lat: float
    author: str | None
    closes: list[Closed]
    version: int


class VisitList(Out):
    """Visits (a 民情日志: an officer's visits of a day)."""

    visits: list[VisitOut]


class DueItemOut(Out):
    """A visit a person of a key group is due; ``name`` masked unless the caller's role may see
    the group's identities and read with a purpose (then audited); null for the police where
    the group's access rule leaves them out (counts only)."""

    person_id: str | None
    name: str | None
    group: str
    household_id: str | None
    building_id: int | None
    cell_code: str
    lon: float | None
    lat: float | None
    due_on: dt.date
    last_visit: dt.date | None
    state: str


class DueCounts(Out):
    """Overdue and due items."""

    overdue: int
    due: int


class CellDue(Out):
    """Overdue and due items of one cell."""

    cell_code: str
    overdue: int
    due: int


class DueOut(Out):
    """The due visits of the caller's cells on ``on``, with counts in all and per cell."""

    on: dt.date
    within_days: int
    items: list[DueItemOut]
    counts: DueCounts
    cells: list[CellDue]


class TargetOut(Out):
    """A policy target on a share (0..1)."""

    code: str
    zh: str
    en: str
    least: float | None
    most: float | None


class VisitStatsRow(Out):
    """Visit figures of one cell, officer or community over the period."""

    key: str | None
    households: int
    households_visited: int
    visit_coverage: float | None
    due_visits: int
    on_time_visits: int
    on_time_rate: float | None
    in_term: int = Field(description="persons in a 帮教 term during the period")
    helped: int
    helped_rate: float | None
    reoffended: int
    reoffence_rate: float | None


class VisitStats(Out):
    """Visit coverage, on-time visits, 帮教率 and 重新犯罪率 per key, against the targets."""

    by: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    rows: list[VisitStatsRow]
    targets: list[TargetOut]
