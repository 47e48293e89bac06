"""Residents' reports and satisfaction as data (DESIGN §3b: 随手拍, 满意度; Open311 GeoReport v2).

Which categories residents may report (the Open311 services), the channels a case comes in by,
the rating scale, the policy target (居民满意率达90%以上) and how case statuses map to Open311's
open/closed — one table each, read by the API, the public page and the KPIs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from grid.domain.caseflow import STATUSES, Status
from grid.domain.catalog import CATEGORIES, HAZARD_CATEGORIES, RecordKind, Term


class Channel(StrEnum):
    """How a case entered the loop: an officer's tablet, the public page, or an Open311 client."""

    OFFICER = "officer"
    RESIDENT = "resident"
    OPEN311 = "open311"


CHANNELS: dict[Channel, Term] = {
    Channel.OFFICER: Term("officer", "网格员采集", "Officer"),
    Channel.RESIDENT: Term("resident", "居民随手拍", "Resident report"),
    Channel.OPEN311: Term("open311", "Open311 接入", "Open311 client"),
}

# Residents' reports are incidents; the reportable categories are the Open311 services.
RESIDENT_KIND = RecordKind.INCIDENT
RESIDENT_CATEGORIES: tuple[Term, ...] = tuple(
    t for t in CATEGORIES[RESIDENT_KIND] if t.code != "vulnerable_person"
)


@dataclass(frozen=True)
class ServiceAttribute:
    """An extra question of an Open311 service (``services/{code}``): a single-value list."""

    code: str
    term: Term
    values: tuple[Term, ...]
    required: bool = False


@dataclass(frozen=True)
class Service:
    """An Open311 service: a reportable category and its extra questions."""

    term: Term
    attributes: tuple[ServiceAttribute, ...] = field(default=())

    @property
    def code(self) -> str:
        """The Open311 ``service_code`` (the category code)."""
        return self.term.code


_HAZARD_KIND = ServiceAttribute(
    "hazard_category", Term("hazard_category", "隐患类别", "Hazard type"), HAZARD_CATEGORIES
)
SERVICES: dict[str, Service] = {
    t.code: Service(t, (_HAZARD_KIND,) if t.code == "hazard" else ()) for t in RESIDENT_CATEGORIES
}


@dataclass(frozen=True)
class Rating:
    """A point of the satisfaction scale; ``satisfied`` counts toward the satisfaction rate."""

    term: Term
    satisfied: bool


RATINGS: tuple[Rating, ...] = (
    Rating(Term("satisfied", "满意", "Satisfied"), satisfied=True),
    Rating(Term("basic", "基本满意", "Mostly satisfied"), satisfied=True),
    Rating(Term("dissatisfied", "不满意", "Dissatisfied"), satisfied=False),
)

RATING_SOURCES: tuple[Term, ...] = (
    Term("resident", "居民评价", "Resident's rating"),
    Term("callback", "电话回访", "Phone call-back"),
)

# The policy target: 居民满意率达90%以上.
SATISFACTION_TARGET = 0.9


def rating_codes() -> frozenset[str]:
    """The codes of the rating scale."""
    return frozenset(r.term.code for r in RATINGS)


def satisfied_codes() -> frozenset[str]:
    """The ratings that count as satisfied."""
    return frozenset(r.term.code for r in RATINGS if r.satisfied)


def open311_status(status: Status | str) -> str:
    """Open311's ``open`` or ``closed`` for a case status, from the case flow table: a case that
    still needs work is open; closed, evaluated and cancelled cases are closed."""
    return "open" if STATUSES[Status(status)].is_open else "closed"


def may_rate(status: Status | str) -> bool:
    """Whether a case in ``status`` may be rated (once it is closed)."""
    return STATUSES[Status(status)].is_closed
