"""Visits (走访) and key-group care as data and pure functions: visit purposes, what a raised
need becomes as a case, the policy targets, and the due dates, on-time rate, 帮教率 and
重新犯罪率 computed from tag periods, the group rules (``catalog.KEY_GROUPS``) and visit days.

Nothing here is stored: due dates are computed whenever asked, so changing a group's rule in the
table changes every due date at once (issue 12). The functions take plain values (no database),
so the API, the demo and the tests call the same rules.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from grid.domain.catalog import RecordKind, Term
from grid.register import catalog


@dataclass(frozen=True)
class Purpose:
    """Why a visit was made; ``household_closes``: a visit to a household with this purpose
    closes the due items of every tagged member living there (a key-group follow-up), whoever
    was met; ``case``: the record kind and category a follow-up need raised on it becomes."""

    term: Term
    household_closes: bool
    case: tuple[RecordKind, str]

    @property
    def code(self) -> str:
        """The stable code stored and served."""
        return self.term.code


VISIT_PURPOSES: tuple[Purpose, ...] = (
    Purpose(Term("routine", "日常走访", "Routine visit"), False, (RecordKind.INCIDENT, "other")),
    Purpose(
        Term("key_group", "重点人群回访", "Key-group follow-up"),
        True,
        (RecordKind.INCIDENT, "vulnerable_person"),
    ),
    Purpose(
        Term("dispute_followup", "矛盾纠纷回访", "Dispute follow-up"),
        False,
        (RecordKind.DISPUTE, "other"),
    ),
    Purpose(
        Term("hazard_recheck", "隐患复查", "Hazard re-check"),
        False,
        (RecordKind.INCIDENT, "hazard"),
    ),
    Purpose(
        Term("service", "便民服务", "Service"), False, (RecordKind.INCIDENT, "vulnerable_person")
    ),
)


@dataclass(frozen=True)
class Target:
    """A policy target on a rate (share 0..1): at least ``least`` or at most ``most``."""

    term: Term
    least: float | None = None
    most: float | None = None

    def met(self, value: float | None) -> bool | None:
        """Whether ``value`` meets the target (None when there is nothing to measure)."""
        if value is None:
            return None
        return (self.least is None or value >= self.least) and (
            self.most is None or value <= self.most
        )


# "刑释解教人员安置帮教…5年内帮教率达100%、重新犯罪率不超过4%"
TARGETS: tuple[Target, ...] = (
    Target(Term("helped_rate", "帮教率", "Helped rate"), least=1.0),
    Target(Term("reoffence_rate", "重新犯罪率", "Re-offence rate"), most=0.04),
)


def purpose(code: str) -> Purpose:
    """The visit purpose with ``code`` (KeyError when unknown)."""
    return {p.code: p for p in VISIT_PURPOSES}[code]


@dataclass(frozen=True)
class Rule:
    """A key group's visit rule (every ``every_days``; None: no schedule) and term in years."""

    every_days: int | None
    term_years: int | None


def visit_rules() -> dict[str, Rule]:
    """Each key group's rules, read from ``catalog.KEY_GROUPS`` at every call (so a changed
    table applies everywhere at once)."""
    return {g.code: Rule(g.visit_every_days, g.term_years) for g in catalog.KEY_GROUPS}


@dataclass(frozen=True)
class TagSpan:
    """A person's membership of a key group: from ``start`` until ``end`` (exclusive; None:
    open), and the day they re-offended, when recorded."""

    person_id: Hashable
    group: str
    start: date
    end: date | None = None
    reoffended_on: date | None = None


def add_years(day: date, years: int) -> date:
    """``day`` ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def until(tag: TagSpan, rule: Rule | None) -> date | None:
    """The (exclusive) last day of a membership: its end, or the end of the group's term
    counted from its start, whichever comes first (None: open)."""
    ends = [tag.end] if tag.end is not None else []
    if rule is not None and rule.term_years is not None:
        ends.append(add_years(tag.start, rule.term_years))
    return min(ends) if ends else None


def active(tag: TagSpan, rule: Rule | None, on: date) -> bool:
    """Whether the membership holds on day ``on``."""
    last = until(tag, rule)
    return tag.start <= on and (last is None or on < last)


@dataclass(frozen=True)
class DueItem:
    """A visit a person of a key group is due (``due_on``), with their last visit, and its
    state on the day asked: ``overdue`` (before that day), ``due`` (within the window asked)
    or ``upcoming`` (later)."""

    person_id: Hashable
    group: str
    due_on: date
    last_visit: date | None
    state: str


def state_of(due_on: date, on: date, within_days: int) -> str:
    """``overdue``, ``due`` or ``upcoming`` for an item due on ``due_on`` seen on day ``on``."""
    if due_on < on:
        return "overdue"
    return "due" if due_on <= on + timedelta(days=within_days) else "upcoming"


def due_items(
    tags: Iterable[TagSpan],
    visits: Mapping[Hashable, Sequence[date]],
    on: date,
    within_days: int,
    rules: Mapping[str, Rule] | None = None,
) -> list[DueItem]:
    """The due visits of every membership holding on day ``on`` whose group has a schedule: the
    next visit is due ``every_days`` after the last visit since the membership started (or
    after its start, before any), ``visits`` being each person's visit days (those that close
    their items: met in person, or their household visited on a key-group follow-up). One item
    per person and group (the earliest due), ordered by due day."""
    rules = visit_rules() if rules is None else rules
    best: dict[tuple[Hashable, str], DueItem] = {}
    for tag in tags:
        rule = rules.get(tag.group)
        if rule is None or rule.every_days is None or not active(tag, rule, on):
            continue
        days = sorted(visits.get(tag.person_id, ()))
        since = days[bisect_left(days, tag.start) : bisect_right(days, on)]
        last = since[-1] if since else None
        due_on = (last or tag.start) + timedelta(days=rule.every_days)
        item = DueItem(tag.person_id, tag.group, due_on, last, state_of(due_on, on, within_days))
        key = (tag.person_id, tag.group)
        if key not in best or item.due_on < best[key].due_on:
            best[key] = item
    return sorted(best.values(), key=lambda i: (i.due_on, i.group, str(i.person_id)))


def schedule(
    tag: TagSpan, days: Sequence[date], rule: Rule, start: date, end: date
) -> list[tuple[date, bool]]:
    """The visits a membership was due in the days [start, end), each with whether it was made on
    time. Each due visit has a window: from the membership's start (or the last visit, or the
    previous missed due day) to ``every_days`` later; it is on time when a visit falls in it.
    A visit restarts the clock; a missed one leaves the clock running."""
    if rule.every_days is None:
        return []
    last = until(tag, rule)
    limit = min(end, last) if last is not None else end
    marks = sorted(days)
    anchor, first, out = tag.start, True, []
    step = timedelta(days=rule.every_days)
    while (due := anchor + step) < limit:
        i = bisect_left(marks, anchor) if first else bisect_right(marks, anchor)
        seen = marks[i] if i < len(marks) else None
        if due >= start:
            out.append((due, seen is not None and seen <= due))
        anchor = seen if seen is not None and seen <= due else due
        first = False
    return out


@dataclass(frozen=True)
class Figures:
    """Visit figures of one group of memberships (a cell's, an officer's) over a period."""

    due_visits: int
    on_time_visits: int
    in_term: int
    helped: int
    reoffended: int


def figures(
    tags: Iterable[TagSpan],
    visits: Mapping[Hashable, Sequence[date]],
    start: date,
    end: date,
    rules: Mapping[str, Rule] | None = None,
) -> Figures:
    """Due and on-time visits in the days [start, end) of ``tags``' schedules, and for groups with
    a term (帮教): the persons in their term during the period, those visited in it (helped)
    and those who re-offended in their term before the period's end."""
    rules = visit_rules() if rules is None else rules
    due = on_time = 0
    in_term: set[Hashable] = set()
    helped: set[Hashable] = set()
    reoffended: set[Hashable] = set()
    for tag in tags:
        rule = rules.get(tag.group)
        if rule is None:
            continue
        days = visits.get(tag.person_id, ())
        slots = schedule(tag, days, rule, start, end)
        due += len(slots)
        on_time += sum(ok for _, ok in slots)
        last = until(tag, rule)
        if rule.term_years is None or tag.start >= end or (last is not None and last <= start):
            continue
        in_term.add(tag.person_id)
        lo, hi = max(start, tag.start), min(end, last) if last is not None else end
        if any(lo <= d < hi for d in days):
            helped.add(tag.person_id)
        if tag.reoffended_on is not None and tag.start <= tag.reoffended_on < hi:
            reoffended.add(tag.person_id)
    return Figures(due, on_time, len(in_term), len(helped), len(reoffended))


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places; None when there is nothing to measure."""
    return round(part / whole, 4) if whole else None


def _term(t: Term) -> dict[str, str]:
    """A term as /meta serves it."""
    return {"code": t.code, "zh": t.zh, "en": t.en}


def targets_meta() -> list[dict[str, Any]]:
    """The policy targets as served (``least``/``most``: shares 0..1)."""
    return [{**_term(t.term), "least": t.least, "most": t.most} for t in TARGETS]


def visits_meta() -> dict[str, Any]:
    """Visit purposes, the case a need becomes per purpose, the states of due items and the
    policy targets, for ``/meta`` under ``visits``."""
    return {
        "purposes": [
            {
                **_term(p.term),
                "household_closes": p.household_closes,
                "case_kind": p.case[0].value,
                "case_category": p.case[1],
            }
            for p in VISIT_PURPOSES
        ],
        "due_states": ["overdue", "due", "upcoming"],
        "targets": targets_meta(),
    }
