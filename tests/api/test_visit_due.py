"""Due visits on both backends: computed from tags, the group rules and visits; a changed rule
in the data table changes them at once; names masked unless read with a purpose (audited); the
police see counts per cell and identities only for the groups their access rule allows."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import func, select
from visits_helpers import CELL, household, person, tag, visit

from api.db import session_scope
from api.models import AuditEntry
from api.register.rules import today
from grid.register import catalog


def _family(api) -> dict[str, str]:  # noqa: ANN001
    """A household of three key-group members with different rules; their ids by group."""
    h = household(api)
    ids = {
        "elderly_alone": person(api, h, name="赵桂兰"),
        "community_correction": person(api, h, name="钱建国"),
        "low_income": person(api, h, name="孙丽"),
    }
    t = today()
    tag(api, ids["elderly_alone"], "elderly_alone", t - timedelta(days=30))
    tag(api, ids["community_correction"], "community_correction", t - timedelta(days=3))
    tag(api, ids["low_income"], "low_income", t - timedelta(days=10))
    visit(api, t - timedelta(days=10), household_id=h, person_ids=[ids["elderly_alone"]])
    return ids


def _items(answer: dict) -> dict[str, dict]:
    """Due items by person id."""
    return {i["person_id"]: i for i in answer["items"]}


def _audits(api) -> int:  # noqa: ANN001
    """Audit rows of unmasked person reads."""
    with session_scope(api.store.sessions) as s:
        q = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "read_personal")
        return s.scalar(q) or 0


def test_due_states_counts_and_masking(api):
    ids = _family(api)
    t = today()
    r = api.get("/visits/due", "officer", params={"within_days": 7})
    assert r.status_code == 200, r.text
    out = r.json()
    items = _items(out)
    old = items[ids["elderly_alone"]]
    assert (old["state"], old["due_on"]) == ("overdue", (t - timedelta(days=3)).isoformat())
    assert old["last_visit"] == (t - timedelta(days=10)).isoformat()
    assert old["name"] == "赵**" and old["cell_code"] == CELL and old["lon"] is not None
    assert items[ids["community_correction"]]["state"] == "due"
    assert items[ids["low_income"]]["state"] == "upcoming"
    assert out["counts"]["overdue"] == sum(i["state"] == "overdue" for i in out["items"])
    assert out["counts"]["due"] == sum(i["state"] == "due" for i in out["items"])
    mine = {c["cell_code"]: c for c in out["cells"]}
    assert mine[CELL]["overdue"] == sum(
        i["state"] == "overdue" and i["cell_code"] == CELL for i in out["items"]
    )
    before = _audits(api)
    full = _items(api.get("/visits/due", "officer", params={"purpose": "走访"}).json())
    assert full[ids["elderly_alone"]]["name"] == "赵桂兰"
    assert _audits(api) - before == len(full)  # one audit row per person shown in full
    # a visit closes the item it satisfies: a key-group follow-up to the household
    visit(api, t, household_id=old["household_id"], purpose="key_group")
    after = _items(api.get("/visits/due", "officer").json())
    assert after[ids["elderly_alone"]]["state"] == "due"
    assert after[ids["elderly_alone"]]["last_visit"] == t.isoformat()
    bad = api.get("/visits/due", "officer", params={"cell": "120101001002001"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "cell"]


def _with_rule(monkeypatch, code: str, **changes) -> None:  # noqa: ANN001, ANN003
    """The data table with group ``code``'s rule changed."""
    groups = tuple(
        dataclasses.replace(g, **changes) if g.code == code else g for g in catalog.KEY_GROUPS
    )
    monkeypatch.setattr(catalog, "KEY_GROUPS", groups)


def test_rule_change_in_the_table_changes_due_dates(api, monkeypatch):
    ids = _family(api)
    t = today()
    before = _items(api.get("/visits/due", "officer").json())[ids["low_income"]]
    assert before["due_on"] == (t + timedelta(days=80)).isoformat()
    _with_rule(monkeypatch, "low_income", visit_every_days=5)
    after = _items(api.get("/visits/due", "officer").json())[ids["low_income"]]
    assert (after["due_on"], after["state"]) == ((t - timedelta(days=5)).isoformat(), "overdue")
    _with_rule(monkeypatch, "low_income", visit_every_days=None)  # no schedule: no item
    assert ids["low_income"] not in _items(api.get("/visits/due", "officer").json())


def test_police_counts_per_cell_and_identities_by_access_rule(api, monkeypatch):
    ids = _family(api)
    officer = api.get("/visits/due", "officer").json()
    police = api.get("/visits/due", "police", params={"purpose": "核查"}).json()
    seen = _items(police)
    assert ids["community_correction"] in seen  # its access rule names the police
    assert seen[ids["community_correction"]]["name"] == "钱建国"
    assert ids["elderly_alone"] not in seen and ids["low_income"] not in seen
    assert all(i["group"] in catalog.police_identity_groups() for i in police["items"])
    # counts per cell cover every group
    cell = {c["cell_code"]: c for c in police["cells"]}[CELL]
    assert cell == {c["cell_code"]: c for c in officer["cells"]}[CELL]
    masked = _items(api.get("/visits/due", "police").json())
    assert masked[ids["community_correction"]]["name"] == "钱**"
    _with_rule(monkeypatch, "elderly_alone", identity_roles=catalog.WITH_POLICE)
    assert ids["elderly_alone"] in _items(api.get("/visits/due", "police").json())
    person = api.get(f"/persons/{ids['elderly_alone']}", "police", params={"purpose": "核查"})
    assert person.json()["masked"] is False  # the register follows the same rule
