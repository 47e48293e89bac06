"""Record-kind behaviour is data: /meta serves grid.domain.catalog.RECORD_KIND_RULES and the API
checks records against that table, so changing a rule changes what the API accepts."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import X0, Y0, record_body

from grid.domain import catalog
from grid.domain.catalog import RecordKind

TRACK = [
    [X0 + 0.001, Y0 + 0.006, "2024-05-01T08:00:00+08:00"],
    [X0 + 0.002, Y0 + 0.006, "2024-05-01T08:01:00+08:00"],
]
FLAGS = ("case_loop", "priority", "track", "checkins", "parties")


def test_meta_serves_the_rule_table(api) -> None:  # noqa: ANN001
    """Each record kind in /meta carries its labels and every flag of its rule."""
    kinds = api.get("/meta", "officer").json()["record_kinds"]
    assert [k["code"] for k in kinds] == [k.value for k in RecordKind]
    for k in kinds:
        rule = catalog.record_rule(k["code"])
        assert {f: k[f] for f in FLAGS} == {f: getattr(rule, f) for f in FLAGS}


def _allow(monkeypatch: pytest.MonkeyPatch, kind: RecordKind, **flags: bool) -> None:
    """Change the rule of ``kind`` for this test only."""
    rule = dataclasses.replace(catalog.RECORD_KIND_RULES[kind], **flags)
    monkeypatch.setitem(catalog.RECORD_KIND_RULES, kind, rule)


def test_a_track_follows_the_table(api, monkeypatch) -> None:  # noqa: ANN001
    """An incident with a track is refused by today's table and accepted once its rule allows a
    track; /meta shows the changed rule too."""
    refused = api.post("/records", "officer", json=record_body(track=TRACK))
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["msg"] == "only patrols carry a track"
    tracks = api.count("records WHERE track IS NOT NULL")
    _allow(monkeypatch, RecordKind.INCIDENT, track=True)
    accepted = api.post("/records", "officer", json=record_body(track=TRACK))
    assert accepted.status_code == 201, accepted.text
    assert api.count("records WHERE track IS NOT NULL") == tracks + 1
    meta = api.get("/meta", "officer").json()["record_kinds"]
    assert next(k for k in meta if k["code"] == "incident")["track"] is True


def test_a_priority_follows_the_table(api, monkeypatch) -> None:  # noqa: ANN001
    """A patrol with a priority is refused until its rule gives it one; an incident without a
    priority in its rule is stored without one."""
    body = record_body(kind="patrol", category="routine", priority="urgent")
    refused = api.post("/records", "officer", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "priority"]
    assert refused.json()["detail"][0]["msg"] == "patrols have no priority"
    _allow(monkeypatch, RecordKind.PATROL, priority=True)
    accepted = api.post("/records", "officer", json=body)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["priority"] == "urgent"
    _allow(monkeypatch, RecordKind.INCIDENT, priority=False)
    plain = api.post("/records", "officer", json=record_body(priority=None))
    assert plain.status_code == 201, plain.text
    assert plain.json()["priority"] is None
