"""Each cell's duty roster (issue 12): members with history, the leader as the roster's leader
entry, bad input refused with nothing changed, the backup covering only while the leader is away,
and cases dispatched to a roster member or a department and listed as theirs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from conftest import C1, C2, PASSWORDS, X0, Y0, Api, fresh_database, record_body, seed
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text

from api.db import make_engine, session_scope
from api.io.loaders import add_user, update_user
from api.main import create_app
from api.migrate import upgrade
from api.models import Building, LeaderAssignment, User, utcnow
from api.settings import Settings
from api.store import make_store
from grid.domain.roster import DEPARTMENTS, ROSTER_ROLES

CELL, OTHER = C1 + "001", C2 + "002"
PHONES = {"officer": "022-2330 1234", "police": "022-110 0001"}
EXTRA = {"backup1": "b1-pass", "mediator1": "m1-pass", "gone": "g-pass", "cop": "c-pass"}


@pytest.fixture(scope="module", params=["sqlite", "postgis"])
def team(request, tmp_path_factory) -> Iterator[Api]:  # noqa: ANN001
    """The app over its own fixture data (these tests change leaders), with duty phones
    configured and a backup, a mediator, a police officer and a disabled account."""
    tmp = tmp_path_factory.mktemp("roster-" + request.param)
    gen = fresh_database(request.param, tmp)
    url = next(gen)
    settings = Settings(
        database_url=url,
        secret_key="test-secret-0123456789abcdef0123456789",
        photo_dir=tmp / "photos",
        data_key_file=tmp / "data_key",
        web_dir=tmp / "no-web",
        generation_ttl=0.0,
        duty_phones=PHONES,
    )
    store = make_store(settings)
    seed(store)
    with session_scope(store.sessions) as s:
        add_user(
            s, "backup1", EXTRA["backup1"], "officer", display_name="李后备", phone="13700000001"
        )
        add_user(s, "mediator1", EXTRA["mediator1"], "officer", display_name="赵调解")
        add_user(s, "cop", EXTRA["cop"], "police", display_name="周民警")
        add_user(s, "gone", EXTRA["gone"], "officer")
        update_user(s, "gone", active=False)
    PASSWORDS.update(EXTRA)
    try:
        with TestClient(create_app(settings, store)) as client:
            yield Api(client, store, request.param)
    finally:
        store.engine.dispose()
        gen.close()


def uid(api: Api, username: str) -> int:
    """The account id of ``username``."""
    with api.store.sessions() as s:  # type: ignore[attr-defined]
        return s.scalar(select(User.id).where(User.username == username))


def building_of(api: Api, cell: str) -> int:
    """A building in ``cell``."""
    with api.store.sessions() as s:  # type: ignore[attr-defined]
        return s.scalar(select(Building.id).where(Building.cell_code == cell))


def roster(api: Api, cell: str, user: str = "officer", **params) -> dict:  # noqa: ANN003
    """The roster of ``cell`` as ``user`` reads it."""
    r = api.get(f"/cells/{cell}/roster", user, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def add(api: Api, cell: str, body: dict, user: str = "admin") -> dict:
    """Put a member on ``cell``'s roster, which must succeed."""
    r = api.post(f"/cells/{cell}/roster", user, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_roles_are_data_served_by_meta(team):
    meta = team.client.get("/api/v1/meta").json()["roster"]
    assert [r["code"] for r in meta["roles"]] == [r.code for r in ROSTER_ROLES]
    assert {r["code"]: r["per"] for r in meta["roles"]}["unit_leader"] == "unit"
    assert [d["code"] for d in meta["departments"]] == [d.code for d in DEPARTMENTS]


def test_the_leader_on_the_roster_is_the_leader_assignment(team):
    """Seeded leaders show on the roster; a new leader posted on the roster is the cell's leader
    everywhere (the map's leader, the scope) and the previous one is kept in the history."""
    before = utcnow()
    leaders = [m for m in roster(team, OTHER)["members"] if m["role"] == "leader"]
    assert [m["user"]["username"] for m in leaders] == ["officer2"]
    assert leaders[0]["duty_phone"] == PHONES["officer"]  # the configured default
    new = add(
        team,
        OTHER,
        {"role": "leader", "user_id": uid(team, "officer"), "duty_phone": "022-2330 9999"},
    )
    assert new["duty_phone"] == "022-2330 9999"  # the entry's own published number
    cells = team.get("/cells", "admin").json()["features"]
    assert {f["id"]: f["properties"]["leader"]["username"] for f in cells}[OTHER] == "officer"
    with team.store.sessions() as s:  # type: ignore[attr-defined]
        rows = s.scalars(
            select(LeaderAssignment)
            .where(LeaderAssignment.cell_code == OTHER)
            .order_by(LeaderAssignment.started_at)
        ).all()
        assert [(r.id, r.ended_at is None) for r in rows][-1] == (new["id"], True)
        assert rows[-2].ended_at is not None
    then = roster(team, OTHER, at=before.isoformat())["members"]
    assert [m["user"]["username"] for m in then if m["role"] == "leader"] == ["officer2"]
    add(team, OTHER, {"role": "leader", "user_id": uid(team, "officer2")})  # hand it back


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "captain", "contact_name": "张三"}, "role"),
        ({"role": "volunteer", "user_id": "GONE"}, "user_id"),  # a disabled account
        ({"role": "leader", "contact_name": "张三"}, "user_id"),  # leaders are accounts
        ({"role": "volunteer", "user_id": 999999}, "user_id"),
        ({"role": "volunteer"}, "user_id"),
        ({"role": "police", "user_id": "OFFICER"}, "user_id"),  # police must be a police account
        ({"role": "building_leader", "contact_name": "张三"}, "building_id"),
        (
            {"role": "building_leader", "contact_name": "张三", "building_id": "THERE"},
            "building_id",
        ),
        ({"role": "unit_leader", "contact_name": "张三", "building_id": "HERE"}, "unit"),
        ({"role": "volunteer", "contact_name": "张三", "unit": 2}, "unit"),
        ({"role": "volunteer", "contact_name": "张三", "duty_phone": "022-1"}, "duty_phone"),
        (
            {"role": "mediator", "contact_name": "张三", "started_at": "1999-01-01T00:00:00Z"},
            "started_at",
        ),
        ({"role": "mediator", "contact_name": "张三", "extra": 1}, "extra"),
    ],
)
def test_bad_roster_input_is_a_field_error_and_changes_nothing(team, body, field):
    names = {
        "GONE": uid(team, "gone"),
        "OFFICER": uid(team, "officer"),
        "HERE": building_of(team, CELL),
        "THERE": building_of(team, OTHER),
    }
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    rows, audits = team.count("roster_entries"), team.count("audit_log")
    r = team.post(f"/cells/{CELL}/roster", "admin", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == field
    assert (team.count("roster_entries"), team.count("audit_log")) == (rows, audits)


def test_only_admin_and_the_street_office_change_a_roster(team):
    rows = team.count("roster_entries")
    for user in ("officer", "police"):
        r = team.post(
            f"/cells/{CELL}/roster", user, json={"role": "volunteer", "contact_name": "张三"}
        )
        assert r.status_code == 403, r.text
    assert (
        team.post(
            "/cells/999/roster", "admin", json={"role": "volunteer", "contact_name": "张三"}
        ).status_code
        == 404
    )
    assert team.count("roster_entries") == rows


def test_the_whole_team_with_published_phones_and_history(team):
    street = "street"
    b = building_of(team, CELL)
    cop = add(team, CELL, {"role": "police", "user_id": uid(team, "cop")}, street)
    med = add(
        team,
        CELL,
        {"role": "mediator", "contact_name": "孙调解", "duty_phone": "022-5555 0101"},
        street,
    )
    bl = add(team, CELL, {"role": "building_leader", "contact_name": "钱楼长", "building_id": b})
    ul = add(
        team, CELL, {"role": "unit_leader", "contact_name": "吴单元", "building_id": b, "unit": 2}
    )
    vol = add(team, CELL, {"role": "volunteer", "contact_name": "郑志愿"})
    dup = team.post(
        f"/cells/{CELL}/roster", "admin", json={"role": "volunteer", "contact_name": "郑志愿"}
    )
    assert dup.status_code == 422 and dup.json()["detail"][0]["loc"][-1] == "contact_name"
    assert cop["duty_phone"] == PHONES["police"] and med["duty_phone"] == "022-5555 0101"
    assert bl["duty_phone"] is None and (ul["building_id"], ul["unit"]) == (b, 2)
    now = roster(team, CELL, "officer2")  # every signed-in user reads it, as residents do
    roles = [m["role"] for m in now["members"]]
    assert roles == sorted(roles, key=[r.code for r in ROSTER_ROLES].index)
    assert {"leader", "police", "mediator", "building_leader", "unit_leader", "volunteer"} <= set(
        roles
    )
    assert "13812345678" not in str(now)  # the leader's private phone is never shown
    # ending an entry keeps it in the history
    early = team.patch(f"/roster/{vol['id']}", "admin", json={"ended_at": "2001-01-01T00:00:00Z"})
    assert early.status_code == 422 and early.json()["detail"][0]["loc"][-1] == "ended_at"
    at = datetime.now(UTC)
    ended = team.patch(f"/roster/{vol['id']}", "admin", json={"ended_at": at.isoformat()})
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None
    again = team.patch(f"/roster/{vol['id']}", "admin", json={"ended_at": at.isoformat()})
    assert again.status_code == 422
    assert vol["id"] not in [m["id"] for m in roster(team, CELL)["members"]]
    past = roster(team, CELL, at=(at - timedelta(milliseconds=1)).isoformat())
    assert vol["id"] in [m["id"] for m in past["members"]]
    assert (
        team.patch("/roster/99999999", "admin", json={"ended_at": at.isoformat()}).status_code
        == 404
    )


def _case(api: Api, user: str = "officer") -> dict:
    """A registered case in the officer's cell (dated now, so a backup covering now may act)."""
    body = record_body(occurred_at=datetime.now(UTC).isoformat(), lon=X0 + 0.004, lat=Y0 + 0.007)
    rec = api.post("/records", user, json=body).json()
    move = f"/records/{rec['id']}/transitions"
    reg = api.post(move, user, json={"action": "register", "version": rec["version"]})
    assert reg.status_code == 200, reg.text
    return reg.json()


def test_the_backup_covers_the_cell_only_while_the_leader_is_away(team):
    add(team, CELL, {"role": "backup", "user_id": uid(team, "backup1")})
    rec = _case(team)
    seen = lambda: team.get(f"/records/{rec['id']}", "backup1").status_code  # noqa: E731
    assert seen() == 404
    now = datetime.now(UTC)
    absences = team.count("absences")
    bad = team.post(
        f"/cells/{CELL}/absences",
        "admin",
        json={"from": now.isoformat(), "to": (now - timedelta(hours=1)).isoformat()},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "to"
    assert team.count("absences") == absences  # a refused absence writes nothing
    later = team.post(
        f"/cells/{CELL}/absences",
        "street",
        json={
            "from": (now + timedelta(days=2)).isoformat(),
            "to": (now + timedelta(days=3)).isoformat(),
            "reason": "培训",
        },
    )
    assert later.status_code == 201 and later.json()["covered_by"]["username"] == "backup1"
    assert seen() == 404  # an absence to come gives nothing yet
    assert (
        team.post(
            f"/cells/{CELL}/absences",
            "officer",
            json={"from": now.isoformat(), "to": (now + timedelta(hours=1)).isoformat()},
        ).status_code
        == 403
    )
    away = team.post(
        f"/cells/{CELL}/absences",
        "admin",
        json={
            "from": (now - timedelta(minutes=1)).isoformat(),
            "to": (now + timedelta(seconds=4)).isoformat(),
            "reason": "病假",
        },
    )
    assert away.status_code == 201, away.text
    assert away.json()["user"]["username"] == "officer"
    assert [a["id"] for a in roster(team, CELL)["away"]] == [away.json()["id"]]
    # while the leader is away: the backup sees the cell's cases, acts on them and reports there
    assert seen() == 200
    listed = team.get("/records", "backup1", params={"cell": CELL}).json()
    assert rec["id"] in [r["id"] for r in listed]
    go = team.post(
        f"/records/{rec['id']}/transitions",
        "backup1",
        json={"action": "dispatch", "version": rec["version"], "receiver": "officer"},
    )
    assert go.status_code == 200, go.text
    mine = team.get("/records", "backup1", params={"assigned": "me"}).json()
    assert rec["id"] in [r["id"] for r in mine]  # dispatched to the leader they cover
    new = team.post(
        "/records",
        "backup1",
        json=record_body(occurred_at=datetime.now(UTC).isoformat(), lon=X0 + 0.004, lat=Y0 + 0.007),
    )
    assert new.status_code == 201, new.text
    # the absence ends: the cached scope lapses by the calendar, no write needed
    time.sleep(max(0.0, (now + timedelta(seconds=4.2) - datetime.now(UTC)).total_seconds()))
    assert seen() == 404
    assert team.get("/records", "backup1", params={"cell": CELL}).json() == []
    late = team.post(
        "/records",
        "backup1",
        json=record_body(occurred_at=datetime.now(UTC).isoformat(), lon=X0 + 0.004, lat=Y0 + 0.007),
    )
    assert late.status_code == 403


def test_dispatch_to_a_roster_member_or_a_department(team):
    med = add(team, CELL, {"role": "mediator", "user_id": uid(team, "mediator1")})
    far = add(team, OTHER, {"role": "volunteer", "contact_name": "外社区"})
    cop = [m for m in roster(team, CELL)["members"] if m["role"] == "police"]
    cop = cop[0] if cop else add(team, CELL, {"role": "police", "user_id": uid(team, "cop")})
    rec = _case(team, "officer")
    move = f"/records/{rec['id']}/transitions"
    assert team.get(f"/records/{rec['id']}", "mediator1").status_code == 404
    for bad in (
        "roster:99999999",
        "roster:abc",
        f"roster:{far['id']}",  # on the roster of another community
        f"roster:{cop['id']}",  # a police account is read-only: it could not handle the case
        "dept:nope",
        "nobody",
        "roster:" + "9" * 40,
    ):
        r = team.post(
            move, "street", json={"action": "dispatch", "version": rec["version"], "receiver": bad}
        )
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "receiver"], bad
    assert team.get(f"/records/{rec['id']}", "admin").json()["assignee"] is None
    ok = team.post(
        move,
        "street",
        json={"action": "dispatch", "version": rec["version"], "receiver": f"roster:{med['id']}"},
    )
    assert ok.status_code == 200, ok.text
    who = ok.json()["assignee"]
    assert who == {
        "kind": "member",
        "name": "赵调解",
        "member_id": med["id"],
        "role": "mediator",
        "cell_code": CELL,
        "username": "mediator1",
        "department": None,
    }
    # the mediator leads no cell, yet the case is theirs: listed, readable, workable
    mine = team.get("/records", "mediator1", params={"assigned": "me"}).json()
    assert [r["id"] for r in mine] == [rec["id"]] and mine[0]["assignee"]["member_id"] == med["id"]
    assert team.get("/records", "officer2", params={"assigned": "me"}).json() == []
    done = team.post(move, "mediator1", json={"action": "handle", "version": ok.json()["version"]})
    assert done.status_code == 200, done.text
    other = _case(team, "officer")
    dept = team.post(
        f"/records/{other['id']}/transitions",
        "admin",
        json={
            "action": "dispatch",
            "version": other["version"],
            "receiver": "dept:urban_management",
        },
    )
    assert dept.status_code == 200 and dept.json()["assignee"]["kind"] == "department"
    assert dept.json()["assignee"]["name"] == "城管执法"
    legacy = _case(team, "officer")
    lead = team.post(
        f"/records/{legacy['id']}/transitions",
        "officer",
        json={"action": "dispatch", "version": legacy["version"], "receiver": "officer"},
    )
    assert lead.json()["assignee"]["role"] == "leader"
    assert team.get("/records", "officer", params={"assigned": "bad"}).status_code == 422


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_0010_moves_leader_assignments_into_the_roster(backend, tmp_path):
    """Upgrading a store with leader assignments keeps them (same ids) as the roster's leader
    entries, and new entries get fresh ids after them."""
    gen = fresh_database(backend, tmp_path)
    url = next(gen)
    try:
        upgrade(url, "0008_resident_phone")
        engine = make_engine(url, pool_size=1)
        at = datetime(2024, 1, 1, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                insert(User.__table__),
                {
                    "id": 7,
                    "username": "o",
                    "password_hash": "x",
                    "role": "officer",
                    "display_name": "o",
                    "active": True,
                    "created_at": at,
                },
            )
            conn.execute(
                text(
                    "INSERT INTO leader_assignments (id, cell_code, user_id, started_at) "
                    "VALUES (41, '120101001001001', 7, :at)"
                ),
                {"at": at},
            )
        upgrade(url)
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT id, role, user_id FROM roster_entries")).all()
            assert [tuple(r) for r in rows] == [(41, "leader", 7)]
            conn.execute(
                text(
                    "INSERT INTO roster_entries (cell_code, role, contact_name, "
                    "started_at) VALUES ('120101001001001', 'volunteer', 'v', :at)"
                ),
                {"at": at},
            )
            ids = [i for (i,) in conn.execute(text("SELECT id FROM roster_entries ORDER BY id"))]
            assert ids[0] == 41 and ids[1] > 41
        engine.dispose()
    finally:
        gen.close()
