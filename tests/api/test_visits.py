"""Visits and key-group tags over HTTP on both backends: a visit stored once however often it is
sent, the due items it closes, the 民情日志 of a day, a follow-up need becoming a case, and bad
input refused field by field with nothing changed."""

from __future__ import annotations

import uuid
from datetime import timedelta

from conftest import C2
from visits_helpers import CELL, building_in, household, person, tag, visit, visit_body

from api.register.rules import today


def test_visit_is_stored_once_and_closes_due_items(api):
    h = household(api)
    p = person(api, h)
    tag(api, p, "elderly_alone", today() - timedelta(days=30))
    day = today() - timedelta(days=1)
    body = visit_body(
        day,
        household_id=h,
        person_ids=[p],
        needs=[{"text": "需要助餐服务", "follow_up": True}, {"text": "反映楼道灯坏"}],
    )
    r = api.post("/visits", "officer", json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["cell_code"] == CELL and out["author"] == "officer"
    assert out["person_ids"] == [p] and out["closes"] == [
        {"person_id": p, "group": "elderly_alone"}
    ]
    assert [n["n"] for n in out["needs"]] == [0, 1] and out["needs"][0]["record_id"] is None
    n = api.count("visits")
    again = api.post("/visits", "officer", json=body)
    assert again.status_code == 200 and again.json() == out
    changed = api.post("/visits", "officer", json=body | {"notes": "另一次"})
    assert changed.status_code == 409 and changed.json()["current"]["id"] == out["id"]
    assert api.count("visits") == n
    # the 民情日志: the officer's visits of that local day
    log = api.get("/visits", "officer", params={"user": "officer", "day": day.isoformat()})
    assert log.status_code == 200
    assert out["id"] in [v["id"] for v in log.json()["visits"]]
    other = api.get("/visits", "officer2", params={"day": day.isoformat()}).json()["visits"]
    assert out["id"] not in [v["id"] for v in other]  # another cell's officer does not see it


def test_meta_serves_visit_rules(api):
    m = api.get("/meta", "officer").json()
    assert [p["code"] for p in m["visits"]["purposes"]][:2] == ["routine", "key_group"]
    groups = {g["code"]: g for g in m["register"]["key_groups"]}
    assert "police" in groups["released"]["identity_roles"]
    assert groups["released"]["term_years"] == 5
    assert "police" not in groups["low_income"]["identity_roles"]


def test_household_follow_up_closes_every_member_but_routine_does_not(api):
    h = household(api)
    a, b = person(api, h), person(api, h, name="张伟")
    tag(api, a, "community_correction", today() - timedelta(days=20))
    tag(api, b, "low_income", today() - timedelta(days=20))
    routine = visit(api, today(), household_id=h)
    assert routine["closes"] == []
    follow = visit(api, today(), household_id=h, purpose="key_group")
    assert sorted((c["person_id"], c["group"]) for c in follow["closes"]) == sorted(
        [(a, "community_correction"), (b, "low_income")]
    )
    # membership is personal: the police see only the groups their access rule allows
    listed = api.get("/visits", "police", params={"day": today().isoformat(), "cell": CELL})
    [seen] = [v for v in listed.json()["visits"] if v["id"] == follow["id"]]
    assert seen["closes"] == [{"person_id": a, "group": "community_correction"}]


def test_follow_up_need_becomes_a_linked_case_once(api):
    h = household(api)
    v = visit(
        api,
        today(),
        household_id=h,
        purpose="hazard_recheck",
        needs=[{"text": "楼道堆放杂物", "follow_up": True}, {"text": "只是反映"}],
    )
    r = api.post(f"/visits/{v['id']}/needs/0/case", "officer")
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["kind"] == "incident" and case["category"] == "hazard"
    assert case["status"] and case["cell_code"] == CELL
    again = api.post(f"/visits/{v['id']}/needs/0/case", "officer")
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    listed = api.get("/visits", "officer", params={"day": today().isoformat()}).json()["visits"]
    [mine] = [x for x in listed if x["id"] == v["id"]]
    assert mine["needs"][0]["record_id"] == case["id"]
    n = api.count("records")
    not_follow = api.post(f"/visits/{v['id']}/needs/1/case", "officer")
    assert not_follow.status_code == 422 and not_follow.json()["detail"][0]["loc"] == ["path", "n"]
    assert api.post(f"/visits/{v['id']}/needs/7/case", "officer").status_code == 404
    assert api.post(f"/visits/{v['id']}/needs/0/case", "officer2").status_code == 404
    assert api.count("records") == n


def _loc(r) -> list:  # noqa: ANN001
    """The first refused field of an error answer."""
    return r.json()["detail"][0]["loc"]


def test_bad_visits_are_refused_by_field_and_change_nothing(api):
    mine, theirs = household(api), household(api, "officer2", C2 + "002")
    stranger = person(api, theirs, "officer2")
    before = (api.count("visits"), api.count("visit_persons"), api.count("visit_needs"))
    day = today()
    cases = [
        ({"household_id": theirs}, ["body", "household_id"]),
        ({"household_id": str(uuid.uuid4())}, ["body", "household_id"]),
        ({"building_id": building_in(api, C2 + "002")}, ["body", "building_id"]),
        ({"household_id": mine, "building_id": building_in(api, CELL)}, ["body", "household_id"]),
        ({}, ["body", "household_id"]),
        ({"household_id": mine, "purpose": "gossip"}, ["body", "purpose"]),
        ({"household_id": mine, "person_ids": [stranger]}, ["body", "person_ids", 0]),
        ({"household_id": mine, "visited_at": "2099-01-01T10:00:00+08:00"}, ["body", "visited_at"]),
        ({"household_id": mine, "photos": ["0" * 64]}, ["body", "photos", 0]),
        ({"household_id": mine, "lon": 500.0, "lat": 39.1}, ["body", "lon"]),
    ]
    for over, loc in cases:
        r = api.post("/visits", "officer", json=visit_body(day, **over))
        assert r.status_code == 422, (over, r.text)
        assert _loc(r) == loc, (over, r.json())
    assert api.post("/visits", "police", json=visit_body(day, household_id=mine)).status_code == 403
    after = (api.count("visits"), api.count("visit_persons"), api.count("visit_needs"))
    assert after == before


def test_tags_written_once_checked_and_versioned(api):
    h = household(api)
    p = person(api, h)
    start = today() - timedelta(days=400)
    t = tag(api, p, "released", start, note="2025年刑满释放")
    assert t["group"] == "released" and t["end"] is None and t["version"] == 1
    same = api.post(
        f"/persons/{p}/tags",
        "officer",
        json={"group": "released", "start": start.isoformat(), "note": "2025年刑满释放"},
    )
    assert same.status_code == 200 and same.json()["id"] == t["id"]
    n = api.count("person_tags")
    bad = [
        ({"group": "nobody", "start": start.isoformat()}, ["body", "group"]),
        ({"group": "drug", "start": start.isoformat(), "end": start.isoformat()}, ["body", "end"]),
        (
            {
                "group": "drug",
                "start": start.isoformat(),
                "end": (start - timedelta(1)).isoformat(),
            },
            ["body", "end"],
        ),
        ({"group": "drug", "start": "2999-01-01"}, ["body", "start"]),
    ]
    for body, loc in bad:
        r = api.post(f"/persons/{p}/tags", "officer", json=body)
        assert r.status_code == 422 and _loc(r) == loc, (body, r.text)
    assert api.post(f"/persons/{p}/tags", "officer2", json=bad[1][0]).status_code == 404
    assert api.count("person_tags") == n
    path = f"/persons/{p}/tags/{t['id']}"
    r = api.patch(path, "officer", json={"reoffended_on": today().isoformat(), "version": 1})
    assert r.status_code == 200 and r.json()["reoffended_on"] == today().isoformat()
    assert r.json()["version"] == 2
    stale = api.patch(path, "officer", json={"note": "x", "version": 1})
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 2
    early = api.patch(path, "officer", json={"end": (start - timedelta(days=1)).isoformat()})
    assert early.status_code == 422 and _loc(early) == ["body", "end"]
    assert api.patch(f"/persons/{p}/tags/999999", "officer", json={"note": "x"}).status_code == 404
    # the person's own tags list keeps the re-offence day of a tag it keeps
    full = api.get(f"/persons/{p}", "officer", params={"purpose": "走访"}).json()
    version = full["version"]
    tags = [{"group": "released", "start": start.isoformat()}]
    r = api.patch(f"/persons/{p}", "officer", json={"version": version, "tags": tags})
    assert r.status_code == 200, r.text
    full = api.get(f"/persons/{p}", "officer", params={"purpose": "走访"}).json()
    assert full["tags"][0]["reoffended_on"] == today().isoformat()


def test_demo_seeds_tags_and_visits_through_the_write_paths(api):
    from api.visits.demo import seed_visits

    homes = [household(api) for _ in range(3)]
    for h in homes:
        person(api, h)
    before = api.count("visits")
    added = seed_visits(api.store, seed=7)
    assert added["visits"] > 0 and api.count("visits") == before + added["visits"]
    log = api.get("/visits", "officer", params={"user": "officer"}).json()["visits"]
    assert any(v["notes"].startswith("示例走访") for v in log)


def test_visit_photos_follow_their_visit(api):
    data = b"\x89PNG\r\n\x1a\n" + b"visit-photo".ljust(200, b"\x00")
    up = api.post("/photos", "officer", files={"file": ("v.png", data, "image/png")})
    assert up.status_code in (200, 201), up.text
    sha = up.json()["sha256"]
    assert api.get(f"/photos/{sha}", "street").status_code == 404  # not linked yet
    v = visit(api, today(), household_id=household(api), photos=[sha])
    assert v["photos"] == [sha]
    assert api.get(f"/photos/{sha}", "street").content == data  # the visit's community
    assert api.get(f"/photos/{sha}", "officer2").status_code == 404  # another cell's officer
