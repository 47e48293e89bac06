"""The grid officer's day on the tablet, as they would do it (issue 17): record an incident, a
patrol in which they barely moved, cancel a case with a reason, dispatch one to a receiver, work
offline and come back online. Each step asserts what the officer sees and what the server
stored, counts the taps and times the step; every screen passes axe-core and the 44 px
touch-target rule; the screenshots (800×1280 and 1280×800) under test-artifacts/web/ are looked
at by a person."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import pytest

from . import world
from .a11y import assert_accessible
from .conftest import (
    ARTIFACTS,
    LANDSCAPE,
    PORTRAIT,
    cell_centre,
    login,
    records_with,
    shot,
    tap_at,
    until,
    wait_queue,
)

pytestmark = pytest.mark.browser

# Touch targets the officer can hit that are smaller than 44 px (visible ones only).
SMALL_TARGETS = """[...document.querySelectorAll('button, select, input, summary, a.chip')]
    .filter(e => e.offsetParent !== null && e.type !== 'file')
    .map(e => [e.dataset.do || e.dataset.action || e.id || e.className || e.tagName,
               e.getBoundingClientRect()])
    .filter(([, r]) => r.height < 44 || r.width < 44).map(([n]) => n)"""


class Day:
    """Counts the officer's taps and times each step of the day; written to day_officer.json."""

    def __init__(self, page, size: str) -> None:  # noqa: ANN001
        self.page, self.size = page, size
        self.steps: list[dict] = []
        self.taps = 0
        self.started = time.monotonic()

    def tap(self, selector: str) -> None:
        """One tap on an element of the page."""
        self.page.click(selector)
        self.taps += 1

    def tap_map(self, lon: float, lat: float) -> None:
        """One tap on the map at a WGS84 point."""
        tap_at(self.page, lon, lat)
        self.taps += 1

    def type(self, selector: str, text: str) -> None:
        """Typing into a field counts as one tap (focusing it); the keystrokes are not taps."""
        self.page.fill(selector, text)
        self.taps += 1

    def choose(self, selector: str, index: int = 1) -> None:
        """Picking an option of a select: one tap to open, one to pick."""
        self.page.select_option(selector, index=index)
        self.taps += 2

    def end(self, name: str) -> None:
        """Close a step: its taps and seconds; a screen check and a screenshot."""
        self.steps.append({"step": name, "taps": self.taps,
                           "seconds": round(time.monotonic() - self.started, 2)})
        self.taps, self.started = 0, time.monotonic()

    def check_screen(self, name: str) -> None:
        """axe-core finds nothing serious, every target is ≥ 44 px; then a screenshot."""
        assert_accessible(self.page)
        assert self.page.evaluate(SMALL_TARGETS) == [], name
        shot(self.page, f"day-officer-{self.size}-{name}")

    def write(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"day_officer_{self.size}.json"
        path.write_text(json.dumps(self.steps, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nofficer's day at {self.size}:")
        for s in self.steps:
            print(f"  {s['step']:<28} {s['taps']:>3} taps {s['seconds']:>6.2f} s")


def in_view(page, selector: str) -> bool:  # noqa: ANN001
    """Whether the element is inside the viewport without scrolling the page."""
    return page.evaluate("""(sel) => {
        const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }""", selector)


def card(page, record_id: str):  # noqa: ANN001, ANN201
    return page.locator(f"#sheet li.case[data-id='{record_id}']")


def record_incident(day: Day, code: str, text: str) -> None:
    """Tap the map, choose 事件, check the form's own checks, fill it and save."""
    page = day.page
    day.tap_map(*cell_centre(code))
    day.tap("#sheet [data-record=incident]")
    assert in_view(page, "#sheet button[type=submit]"), "the save button is below the fold"
    day.tap("#sheet button[type=submit]")  # empty: the form says what is missing
    assert page.locator("#sheet [aria-invalid=true]").count() >= 2
    day.choose("#sheet select[name=category]")
    # a fixed field is no longer marked, the others still are
    assert page.get_attribute("#sheet select[name=category]", "aria-invalid") is None
    assert page.get_attribute("#sheet textarea[name=description]", "aria-invalid") == "true"
    day.type("#sheet textarea[name=description]", text)
    assert page.locator("#sheet [aria-invalid=true]").count() == 0


def day_of(page, server, size: str) -> Day:  # noqa: ANN001, C901, PLR0915
    day = Day(page, size)
    bodies: list[dict] = []
    page.on("request", lambda r: bodies.append(json.loads(r.post_data))
            if r.method == "POST" and r.url.endswith("/transitions") else None)
    login(page)
    labels = page.evaluate("""[...document.querySelectorAll('.cell-label-box')].map(e => {
        const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")
    overlaps = [(a, b) for i, a in enumerate(labels) for b in labels[i + 1:]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert labels and not overlaps, f"{len(overlaps)} cell labels overlap"
    assert all(len(e) <= 12 for e in page.locator(".cell-label-box b").all_text_contents())
    assert page.locator(".map-legend").count() == 1
    day.check_screen("01-map")
    day.end("log in")

    # 1. Record an incident: it shows at once on the map and in 我的案件, then as sent ✓.
    tag = uuid.uuid4().hex[:6]
    record_incident(day, world.C1 + "010", f"楼道堆物 {tag}")
    day.check_screen("02-incident-form")
    day.tap("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")
    [incident] = until(page, lambda: records_with(server, f"楼道堆物 {tag}"), what="the incident")
    wait_queue(page, 0)
    day.tap("#cases-btn")
    card(page, incident["id"]).wait_for()
    page.wait_for_selector(f"#sheet li.case[data-id='{incident['id']}'][data-sync=sent]")
    assert "已发送 ✓" in card(page, incident["id"]).text_content()
    day.check_screen("03-my-cases-sent")
    day.end("record an incident")

    # 2. Cancel it: the case loop asks for a reason; the reason is stored with the step.
    day.tap(f"#sheet li.case[data-id='{incident['id']}'] [data-action=cancel]")
    page.wait_for_selector("#sheet form.ask-form[data-action=cancel]")
    day.tap("#sheet form.ask-form button[type=submit]")
    assert page.get_attribute("#sheet textarea[name=note]", "aria-invalid") == "true"
    assert "原因" in page.text_content("#sheet .err")
    day.check_screen("04-cancel-reason")
    day.type("#sheet textarea[name=note]", "重复上报，已由物业处理")
    day.tap("#sheet form.ask-form button[type=submit]")
    got = until(page, lambda: (r := server.get(f"/records/{incident['id']}", "officer").json())
                ["status"] == "cancelled" and r, what="the cancellation")
    assert got["transitions"][-1]["note"] == "重复上报，已由物业处理"
    day.end("cancel with a reason")

    # 3. Dispatch a registered case: the receiver is chosen from the community's leaders.
    lon, lat = cell_centre(world.C1 + "012")
    case = server.post("/records", "officer", json={
        "id": str(uuid.uuid4()), "kind": "incident", "category": "fire", "priority": "hazard",
        "description": f"消防通道堵塞 {tag}", "lon": lon, "lat": lat,
        "occurred_at": datetime.now(UTC).isoformat()}).json()
    page.evaluate("import('/js/cases.js').then((c) => c.loadCases())")
    page.click("#sheet .icon-btn")
    day.tap("#cases-btn")
    day.tap(f"#sheet li.case[data-id='{case['id']}'] [data-action=register]")
    until(page, lambda: server.get(f"/records/{case['id']}", "officer").json()["status"]
          == "registered", what="the registration")
    page.wait_for_selector(f"#sheet li.case[data-id='{case['id']}'] [data-action=dispatch]")
    day.tap(f"#sheet li.case[data-id='{case['id']}'] [data-action=dispatch]")
    page.wait_for_selector("#sheet form.ask-form[data-action=dispatch]")
    options = page.locator("#sheet select[name=receiver] option").all_text_contents()
    assert any("王网格" in o for o in options), options
    assert page.input_value("#sheet select[name=receiver]") == "officer"  # the cell's leader
    day.check_screen("05-dispatch-receiver")
    day.tap("#sheet form.ask-form button[type=submit]")
    until(page, lambda: server.get(f"/records/{case['id']}", "officer").json()["status"]
          == "dispatched", what="the dispatch")
    assert {"action": "dispatch", "receiver": "officer"}.items() <= bodies[-1].items()
    day.end("dispatch to a receiver")

    # 4. A patrol without moving: one fix only. The summary says so and sends it without a
    # route (the server would refuse a one-point track); the check-in shows the building's name.
    page.click("#sheet .icon-btn")
    day.tap("#patrol-btn")
    page.wait_for_selector("body.patrolling")
    target = page.evaluate("""(code) => {  // the middle of the cell's first building
        const b = wangge.buildings.find((f) => f.properties.cell_code === code).geometry;
        const ring = b.type === 'MultiPolygon' ? b.coordinates[0][0] : b.coordinates[0];
        const xs = ring.map((p) => p[0]), ys = ring.map((p) => p[1]);
        return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    }""", world.C1 + "010")
    day.tap_map(*target)
    day.tap("#sheet [data-checkin=building]")
    day.tap("#patrol-btn")
    page.wait_for_selector("#sheet form.patrol-form")
    assert page.locator("#patrol-short").count() == 1
    assert page.text_content("#sheet button[type=submit]") == "不带路线提交"
    checkin = page.text_content("#sheet .checkin-list li")
    assert "号楼" in checkin, checkin  # a name, not a building id
    day.check_screen("06-patrol-short")
    day.tap("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")
    wait_queue(page, 0)
    listed = server.get("/records", "officer", params={"kind": "patrol", "limit": 500}).json()
    assert listed, "the patrol was not stored"
    assert page.get_attribute("#sync-btn", "data-state") == "clear"  # nothing refused
    day.end("patrol without moving")

    # 5. Offline: the record is queued and shows at once; online again it is sent ✓.
    page.context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    record_incident(day, world.C1 + "015", f"离线事件 {tag}")
    day.tap("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")
    wait_queue(page, 1)
    assert int(page.get_attribute("#map", "data-queued")) >= 1  # on the map at once
    day.tap("#cases-btn")
    queued = page.locator("#sheet li.case[data-sync=queued]")
    queued.first.wait_for()
    assert "待发送" in queued.first.text_content()
    day.check_screen("07-offline-queued")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_queue(page, 0, timeout=30000)
    [late] = until(page, lambda: records_with(server, f"离线事件 {tag}"), what="the offline record")
    page.wait_for_selector(f"#sheet li.case[data-id='{late['id']}'][data-sync=sent]")
    day.end("offline, then online")

    # 6. A refused new record (a one-point track queued by an older app): the reason is
    # translated, the fix is offered, and "resend as is" is not.
    page.click("#sheet .icon-btn")
    lon, lat = cell_centre(world.C1 + "016")
    now = datetime.now(UTC).isoformat()
    page.evaluate("""([lon, lat, now]) => import('/js/queue.js').then((q) => q.enqueue({
        op: 'record', label: 'old patrol', body: { id: crypto.randomUUID(), kind: 'patrol',
        category: 'routine', description: '', occurred_at: now, lon, lat, photos: [],
        track: [[lon, lat, now]], started_at: now, ended_at: now, checkins: [] } }))
        .then(() => import('/js/sync.js')).then((s) => s.syncNow())""", [lon, lat, now])
    page.wait_for_selector("#sync-btn[data-state=problem]")
    day.tap("#sync-btn")
    item = page.locator("#sheet .outbox-item.rejected")
    item.wait_for()
    assert "路线" in item.text_content()
    assert "track" not in item.locator("ul.refusal").text_content()  # translated
    assert item.locator("[data-do=retry]").count() == 0  # the same body would be refused again
    day.check_screen("08-outbox-refused")
    day.tap("#sheet .outbox-item.rejected [data-do=drop-track]")
    wait_queue(page, 0)
    day.end("fix a refused patrol")
    day.write()
    return day


def test_officer_day_portrait(tablet, server):
    day = day_of(tablet(PORTRAIT), server, "800x1280")
    taps = {s["step"]: s["taps"] for s in day.steps}
    # map, kind, (a refused save), category ×2, text, save, my cases
    assert taps["record an incident"] <= 9
    assert taps["cancel with a reason"] <= 4


def test_officer_day_landscape(tablet, server):
    day_of(tablet(LANDSCAPE), server, "1280x800")


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["800x1280", "1280x800"])
def test_the_other_officer_screens_are_accessible(tablet, viewport):
    """Sign-in, the tap sheet, the hazard and place forms and the outbox, in Chinese and English:
    no serious axe-core violation and no target under 44 px."""
    page = tablet(viewport)
    size = f"{viewport['width']}x{viewport['height']}"
    page.goto("/")
    page.wait_for_selector("#login-form")
    assert_accessible(page)
    login(page)
    for lang in ("zh", "en"):
        if lang == "en":
            page.click("#lang-btn")
        tap_at(page, *cell_centre(world.C1 + "020"))
        page.wait_for_selector("#sheet[data-name=tap]")
        screens = [("tap", None), ("hazard", "#sheet [data-place=hazard]"),
                   ("place", "#sheet [data-place='']")]
        for name, opener in screens:
            if opener:
                tap_at(page, *cell_centre(world.C1 + "020"))
                page.click(opener)
                page.wait_for_selector("#sheet form")
            assert_accessible(page)
            assert page.evaluate(SMALL_TARGETS) == [], (lang, name)
            shot(page, f"day-officer-{size}-screen-{name}-{lang}")
        page.click("#sync-btn")
        page.wait_for_selector("#sheet[data-name=outbox]")
        assert_accessible(page)
        assert page.evaluate(SMALL_TARGETS) == [], (lang, "outbox")
        page.click("#sheet .icon-btn")


def test_a_conflicting_new_record_is_kept_as_a_new_one(tablet, server):
    """A new record whose id the server holds with other content is not offered "retry": the
    officer keeps it as a new record (a fresh id) or drops it."""
    lon, lat = cell_centre(world.C1 + "021")
    taken = str(uuid.uuid4())
    server.post("/records", "officer", json={
        "id": taken, "kind": "incident", "category": "fire", "priority": "routine",
        "description": "已有的记录", "lon": lon, "lat": lat,
        "occurred_at": datetime.now(UTC).isoformat()}).raise_for_status()
    page = tablet(PORTRAIT)
    login(page)
    page.evaluate("""([id, lon, lat, now]) => import('/js/queue.js').then((q) => q.enqueue({
        id, op: 'record', label: 'same id', body: { id, kind: 'incident', category: 'fire',
        priority: 'routine', description: '我的新记录', occurred_at: now, lon, lat, photos: [] } }))
        .then(() => import('/js/sync.js')).then((s) => s.syncNow())""",
                  [taken, lon, lat, datetime.now(UTC).isoformat()])
    page.wait_for_selector("#sync-btn[data-state=problem]")
    page.click("#sync-btn")
    item = page.locator("#sheet .outbox-item.conflict")
    item.wait_for()
    assert item.locator("[data-do=retry]").count() == 0
    assert item.locator("[data-do=discard]").text_content() == "放弃这条记录"
    shot(page, "day-officer-800x1280-09-outbox-conflict-new")
    item.locator("[data-do=save-as-new]").click()
    wait_queue(page, 0)
    [mine] = until(page, lambda: records_with(server, "我的新记录"), what="the record kept as new")
    assert mine["id"] != taken
