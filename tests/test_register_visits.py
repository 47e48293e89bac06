"""Key-group visit rules as data and the pure due-date, on-time and 帮教 functions of
grid.register.visits."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from grid.register import catalog
from grid.register.visits import (
    TARGETS,
    VISIT_PURPOSES,
    Rule,
    TagSpan,
    due_items,
    figures,
    schedule,
    until,
    visit_rules,
    visits_meta,
)

D0 = date(2026, 1, 1)
WEEKLY = Rule(7, None)


def test_rules_and_access_are_data():
    rules = visit_rules()
    assert rules["community_correction"].every_days == 7
    assert rules["released"] == Rule(30, 5)
    assert rules["low_income"].every_days == 90
    assert "police" in catalog.key_group("released").identity_roles
    assert "police" not in catalog.key_group("elderly_alone").identity_roles
    assert catalog.identity_groups("police") == catalog.police_identity_groups()
    meta = visits_meta()
    assert [p["code"] for p in meta["purposes"]] == [p.code for p in VISIT_PURPOSES]
    assert {t["code"] for t in meta["targets"]} == {"helped_rate", "reoffence_rate"}
    assert TARGETS[0].met(1.0) and not TARGETS[0].met(0.99) and TARGETS[1].met(0.04)


def test_due_item_after_last_visit_and_states():
    tag = TagSpan("p", "elderly_alone", D0)
    on = D0 + timedelta(days=20)
    [item] = due_items([tag], {"p": [D0 + timedelta(days=10)]}, on, 7)
    assert item.due_on == D0 + timedelta(days=17) and item.state == "overdue"
    assert item.last_visit == D0 + timedelta(days=10)
    [item] = due_items([tag], {"p": [D0 + timedelta(days=18)]}, on, 7)
    assert item.due_on == D0 + timedelta(days=25) and item.state == "due"
    [item] = due_items([tag], {"p": [on]}, on, 3)
    assert item.state == "upcoming"
    # a visit after the day asked, or before the membership started, closes nothing
    [item] = due_items([tag], {"p": [D0 - timedelta(days=1), on + timedelta(days=1)]}, on, 7)
    assert item.last_visit is None and item.due_on == D0 + timedelta(days=7)


def test_rule_change_moves_due_dates_and_ended_tags_drop_out():
    tag = TagSpan("p", "low_income", D0)
    on = D0 + timedelta(days=40)
    assert due_items([tag], {}, on, 7)[0].state == "upcoming"  # quarterly: due on day 90
    monthly = visit_rules() | {"low_income": Rule(30, None)}
    assert due_items([tag], {}, on, 7, monthly)[0].state == "overdue"
    assert due_items([TagSpan("p", "low_income", D0, on)], {}, on, 7) == []
    # the 5-year 帮教 term ends the membership even without an end date
    released = TagSpan("r", "released", D0)
    assert until(released, visit_rules()["released"]) == date(2031, 1, 1)
    assert due_items([released], {}, date(2031, 1, 1), 7) == []
    assert len(due_items([released], {}, date(2030, 12, 31), 7)) == 1


@given(
    every=st.integers(1, 60),
    gaps=st.lists(st.integers(1, 90), max_size=30),
    span=st.integers(1, 800),
)
def test_schedule_counts(every: int, gaps: list[int], span: int):
    days, d = [], D0
    for g in gaps:
        d += timedelta(days=g)
        days.append(d)
    rule = Rule(every, None)
    tag = TagSpan("p", "x", D0)
    end = D0 + timedelta(days=span)
    slots = schedule(tag, days, rule, D0, end)
    assert all(D0 < due < end for due, _ in slots)
    assert [s[0] for s in slots] == sorted({s[0] for s in slots})
    # every window is at most ``every`` days, so at least span/every - 1 slots fall in the period
    assert len(slots) >= (span - 1) // every
    # an on-time slot has a visit in the ``every`` days before its due day
    for due, ok in slots:
        seen = any(due - timedelta(days=every) <= v <= due for v in days)
        if ok:
            assert seen
    # visits at least every ``every`` days: every slot on time
    regular = [D0 + timedelta(days=k * every) for k in range(1, span // every + 2)]
    assert all(ok for _, ok in schedule(tag, regular, rule, D0, end))
    # no visits: slots every ``every`` days, none on time
    bare = schedule(tag, [], rule, D0, end)
    assert len(bare) == (span - 1) // every and not any(ok for _, ok in bare)


def test_figures_helped_and_reoffended():
    rules = visit_rules()
    start, end = date(2026, 3, 1), date(2026, 4, 1)
    tags = [
        TagSpan("a", "released", date(2024, 1, 1)),
        TagSpan("b", "released", date(2025, 6, 1), reoffended_on=date(2026, 3, 10)),
        TagSpan("c", "released", date(2020, 1, 1)),  # term over on 2025-01-01
        TagSpan("d", "released", date(2026, 5, 1)),  # starts after the period
        TagSpan("e", "elderly_alone", date(2026, 1, 1)),
    ]
    visits = {"a": [date(2026, 3, 5)], "c": [date(2026, 3, 5)], "e": [date(2026, 3, 2)]}
    f = figures(tags, visits, start, end, rules)
    assert (f.in_term, f.helped, f.reoffended) == (2, 1, 1)
    weekly = schedule(tags[4], visits["e"], rules["elderly_alone"], start, end)
    assert f.due_visits == sum(
        len(schedule(t, visits.get(t.person_id, []), rules[t.group], start, end)) for t in tags
    )
    assert weekly[0][1] is True and all(not ok for _, ok in weekly[1:])
