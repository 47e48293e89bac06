"""The record-kind table in grid.domain.catalog: one rule per kind, consistent with itself."""

from __future__ import annotations

from grid.domain import catalog
from grid.domain.catalog import RECORD_KIND_RULES, RecordKind, kind_names, kinds_with


def test_every_record_kind_has_exactly_one_rule() -> None:
    """Each RecordKind has one rule, keyed by its own kind, and no rule names an unknown kind."""
    assert list(RECORD_KIND_RULES) == list(RecordKind)
    assert all(rule.kind is kind for kind, rule in RECORD_KIND_RULES.items())
    assert set(catalog.RECORD_KINDS) == set(RECORD_KIND_RULES) == set(catalog.CATEGORIES)


def test_rules_are_consistent() -> None:
    """Cases have a priority (the deadline depends on it), and at least one kind is a case and
    one records a track (the tablet's patrol)."""
    for rule in RECORD_KIND_RULES.values():
        assert rule.priority == rule.case_loop, rule
    assert kinds_with("case_loop") and kinds_with("track")


def test_kind_names_reads_as_english() -> None:
    """Messages built from the table read as the ones written by hand before."""
    assert kind_names([RecordKind.PATROL]) == "patrols"
    assert kind_names([RecordKind.INCIDENT, RecordKind.DISPUTE]) == "incidents and disputes"
    assert f"only {kind_names(kinds_with('track'))} carry a track" == "only patrols carry a track"
