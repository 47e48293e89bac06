"""Dispute mediation and screening as data (DESIGN §3b: 调解, 信访, 排查).

A dispute's mediation has sessions and ends in an outcome; a referred dispute names where it went.
A screening round (排查) is a scheduled check of a cell for disputes, and "nothing found" is a
result that counts, so a quiet cell is told apart from a cell never screened.
"""

from __future__ import annotations

from dataclasses import dataclass

from grid.domain.catalog import Term


@dataclass(frozen=True)
class Outcome:
    """How a mediation ended; ``resolved`` counts toward the mediation success rate and
    ``referral`` means a target must be named."""

    term: Term
    resolved: bool
    referral: bool


OUTCOMES: tuple[Outcome, ...] = (
    Outcome(Term("success", "调解成功", "Settled"), resolved=True, referral=False),
    Outcome(Term("partial", "部分达成", "Partly settled"), resolved=False, referral=False),
    Outcome(Term("failed", "调解失败", "Failed"), resolved=False, referral=False),
    Outcome(Term("referred", "转交", "Referred"), resolved=False, referral=True),
)

REFERRAL_TARGETS: tuple[Term, ...] = (
    Term("mediation_committee", "人民调解委员会", "People's mediation committee"),
    Term("court", "人民法院", "Court"),
    Term("petition_office", "信访部门", "Petition office"),
)

# A dispute involving at least this many people is flagged as a mass incident (群体性) by default.
MASS_INCIDENT_HEADCOUNT = 5
# How often each cell should be screened (排查), in days.
SCREENING_INTERVAL_DAYS = 30


def outcome(code: str) -> Outcome | None:
    """The outcome with ``code``, or None when there is no such outcome."""
    return next((o for o in OUTCOMES if o.term.code == code), None)


def referral_codes() -> frozenset[str]:
    """The codes a referred dispute may be referred to."""
    return frozenset(t.code for t in REFERRAL_TARGETS)
