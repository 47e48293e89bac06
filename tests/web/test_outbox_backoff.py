"""The outbox never stalls: a record whose send keeps failing (a 500, or no answer at all) backs
off on its own while the records queued after it are stored; it is shown to the officer with the
server's message, flagged after repeated failures, and stored exactly once when the failure ends.
A refusal (4xx) is not retried blindly: it is shown with its reason and can be edited and resent,
or discarded."""

import sqlite3
import uuid

import pytest

from . import world
from .conftest import (
    LANDSCAPE,
    PORTRAIT,
    cell_centre,
    fill_record,
    login,
    shot,
    tap_at,
    until,
    wait_queue,
)

pytestmark = pytest.mark.browser

SERVER_ERROR = '{"detail": [{"loc": [], "msg": "database is locked", "type": "internal"}]}'


def stored(server, text: str) -> list[tuple[str, str]]:  # noqa: ANN001
    """The rows of the records table (id, category) whose description is ``text``, read from
    the database file itself, not through the API."""
    path = server.db.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute(
            "SELECT id, category FROM records WHERE description = ?", (text,)
        ).fetchall()


def queue_offline(page, texts: list[str], first_cell: int = 13) -> None:  # noqa: ANN001
    """Save one incident per text while offline, in this order, each in its own cell."""
    page.context.set_offline(True)
    for i, text in enumerate(texts):
        tap_at(page, *cell_centre(f"{world.C1}{first_cell + i:03d}"))
        fill_record(page, "incident", text, [])
    wait_queue(page, len(texts))


def back_online(page) -> None:  # noqa: ANN001
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")


def failing_route(page, tag: str, fail):  # noqa: ANN001, ANN201
    """Route POST /records so that only the record containing ``tag`` gets ``fail(route)``; the
    others reach the server. Returns (handler, the list of failed requests)."""
    hits: list[str] = []

    def handler(route):  # noqa: ANN001, ANN202
        if route.request.method == "POST" and tag in (route.request.post_data or ""):
            hits.append(route.request.url)
            fail(route)
        else:
            route.continue_()

    page.route("**/api/v1/records", handler)
    return handler, hits


def test_a_record_answered_500_backs_off_while_the_others_are_stored(tablet, server):
    page = tablet(PORTRAIT)
    login(page)
    tag = uuid.uuid4().hex[:8]
    stuck, second, third = f"卡住 {tag}", f"第二条 {tag}", f"第三条 {tag}"
    queue_offline(page, [stuck, second, third])
    handler, hits = failing_route(
        page,
        stuck,
        lambda route: route.fulfill(status=500, content_type="application/json", body=SERVER_ERROR),
    )
    back_online(page)

    # The two records queued behind the failing one are stored, once each, in this same round.
    until(page, lambda: stored(server, second) and stored(server, third), what="records 2 and 3")
    wait_queue(page, 1)
    assert len(stored(server, second)) == 1 and len(stored(server, third)) == 1
    assert stored(server, stuck) == [] and len(hits) >= 1
    assert page.get_attribute("#sync-btn", "data-state") == "retrying"

    page.click("#sync-btn")
    entry = page.locator("#sheet .outbox-item")
    entry.wait_for()
    assert entry.get_attribute("data-health") == "retrying"
    assert "服务器暂时出错（500）" in entry.text_content()
    assert "database is locked" in entry.text_content()  # the server's own message
    assert "1 条发送失败" in page.text_content("#sheet .outbox-counts")
    shot(page, "outbox-retrying-portrait")

    # Failing again and again (here: "send now" pressed until then) flags it, never drops it.
    for _ in range(10):
        if entry.get_attribute("data-health") == "stuck":
            break
        page.click("#sheet .send-now")
        page.wait_for_timeout(400)
    assert entry.get_attribute("data-health") == "stuck"
    # the server saw every try; on a busy machine the last one's route may still be on its way
    until(page, lambda: len(hits) >= 5, what="five tries at the server")
    assert "已失败" in entry.text_content() and "database is locked" in entry.text_content()
    assert page.get_attribute("#sync-btn", "data-state") == "problem"
    assert entry.locator("[data-do=retry-now]").count() == 1
    shot(page, "outbox-stuck-portrait")
    page.click("#lang-btn")  # the English texts are complete
    entry.locator("text=Server error (500)").wait_for()
    assert entry.locator("[data-do=retry-now]").text_content() == "Retry now"
    page.set_viewport_size(LANDSCAPE)
    shot(page, "outbox-stuck-en-landscape")

    page.unroute("**/api/v1/records", handler)
    entry.locator("[data-do=retry-now]").click()
    wait_queue(page, 0)
    assert len(stored(server, stuck)) == 1
    assert len(stored(server, second)) == 1 and len(stored(server, third)) == 1


def test_a_record_without_answer_backs_off_and_goes_on_the_next_retry(tablet, server):
    page = tablet(LANDSCAPE)
    login(page)
    tag = uuid.uuid4().hex[:8]
    lost, second, third = f"无应答 {tag}", f"第二条 {tag}", f"第三条 {tag}"
    queue_offline(page, [lost, second, third], first_cell=20)
    handler, hits = failing_route(page, lost, lambda route: route.abort("connectionreset"))
    back_online(page)

    until(page, lambda: stored(server, second) and stored(server, third), what="records 2 and 3")
    wait_queue(page, 1)
    assert stored(server, lost) == [] and len(hits) >= 1
    page.click("#sync-btn")
    entry = page.locator("#sheet .outbox-item")
    entry.wait_for()
    assert entry.get_attribute("data-health") == "retrying"
    assert "没有连上服务器" in entry.text_content()
    shot(page, "outbox-no-answer-landscape")

    # The network is fine again: the background retry (5 s ± jitter) sends it, once.
    page.unroute("**/api/v1/records", handler)
    wait_queue(page, 0, timeout=30000)
    assert len(stored(server, lost)) == 1
    assert len(stored(server, second)) == 1 and len(stored(server, third)) == 1


def spoil_category(page, text: str) -> None:  # noqa: ANN001
    """Give the queued record ``text`` a category the server does not know (as an older app
    version, or a catalogue changed on the server, would)."""
    page.evaluate(
        """(text) => new Promise((resolve, reject) => {
        const open = indexedDB.open("wangge");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
            const tx = open.result.transaction("outbox", "readwrite");
            const store = tx.objectStore("outbox");
            const all = store.getAll();
            all.onsuccess = () => {
                for (const item of all.result) {
                    if (item.body?.description !== text) continue;
                    store.put({ ...item, body: { ...item.body, category: "retired_category" } });
                }
            };
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
        };
    })""",
        text,
    )


def test_a_refused_record_is_shown_with_its_reason_and_can_be_edited_or_discarded(tablet, server):
    page = tablet(PORTRAIT)
    login(page)
    tag = uuid.uuid4().hex[:8]
    refused, fine, dropped = f"被拒 {tag}", f"正常 {tag}", f"放弃 {tag}"
    queue_offline(page, [refused, fine, dropped], first_cell=25)
    spoil_category(page, refused)
    spoil_category(page, dropped)
    sent: list[str] = []

    def count(route):  # noqa: ANN001, ANN202
        if route.request.method == "POST" and refused in (route.request.post_data or ""):
            sent.append(route.request.url)
        route.continue_()

    page.route("**/api/v1/records", count)
    back_online(page)
    until(page, lambda: stored(server, fine), what="the good record")
    page.wait_for_selector("#sync-btn[data-state=problem]")
    page.click("#sync-btn")
    entries = page.locator("#sheet .outbox-item.rejected")
    entries.nth(1).wait_for()
    first = entries.nth(0)
    assert "类别：类别无效，请重新选择" in first.text_content()
    assert "retired_category" in first.text_content()  # the server's own words, for support
    assert "2 条需要您处理" in page.text_content("#sheet .outbox-counts")
    shot(page, "outbox-refused-portrait")

    # Not retried blindly: "send now" leaves a refusal alone.
    page.click("#sheet .send-now")
    page.wait_for_timeout(500)
    assert len(sent) == 1 and stored(server, refused) == []

    first.locator("[data-do=edit]").click()
    form = page.locator("#sheet form.outbox-edit")
    form.wait_for()
    assert form.locator("select[name=category][aria-invalid=true]").count() == 1
    shot(page, "outbox-edit-refused-portrait")
    form.locator("select[name=category]").select_option(index=1)
    form.locator("button[type=submit]").click()
    until(page, lambda: stored(server, refused), what="the corrected record")
    wait_queue(page, 1)
    [(_, category)] = stored(server, refused)
    assert category != "retired_category"

    page.once("dialog", lambda d: d.accept())
    page.locator("#sheet .outbox-item.rejected [data-do=discard]").click()
    wait_queue(page, 0)
    assert stored(server, dropped) == []
    assert len(stored(server, fine)) == 1


def enqueue_incident(page, text: str, cell: str) -> str:  # noqa: ANN001
    """Queue an incident through the app's own outbox (queue.js) and return its id."""
    lon, lat = cell_centre(cell)
    return page.evaluate(
        """async ([text, lon, lat]) => {
            const queue = await import("/js/queue.js");
            const id = crypto.randomUUID();
            await queue.enqueue({ id, op: "record", label: text, body: {
                id, kind: "incident", category: "public_order", priority: "routine",
                description: text, lon, lat, occurred_at: new Date().toISOString(), photos: [] } });
            return id;
        }""",
        [text, lon, lat],
    )


def test_a_case_action_waits_behind_its_failing_record_while_others_go(tablet, server):
    page = tablet(LANDSCAPE)
    login(page)
    tag = uuid.uuid4().hex[:8]
    failing, other = f"先建 {tag}", f"无关 {tag}"
    handler, hits = failing_route(
        page,
        failing,
        lambda route: route.fulfill(status=502, content_type="text/plain", body="Bad Gateway"),
    )
    rid = enqueue_incident(page, failing, world.C1 + "028")
    page.evaluate(
        """async (rid) => {
            const queue = await import("/js/queue.js");
            await queue.enqueue({ op: "transition", target: rid, label: "受理",
                body: { action: "register", version: 1, note: "" } });
        }""",
        rid,
    )
    enqueue_incident(page, other, world.C1 + "029")
    page.evaluate("import('/js/sync.js').then((s) => s.syncNow())")

    until(page, lambda: stored(server, other), what="the unrelated record")
    wait_queue(page, 2)
    assert stored(server, failing) == [] and len(hits) >= 1
    page.click("#sync-btn")
    held = page.locator("#sheet .outbox-item[data-health=held]")
    held.wait_for()
    assert failing in held.text_content()  # it says what it waits for
    assert "Bad Gateway" in page.text_content("#sheet .outbox-item[data-health=retrying]")
    shot(page, "outbox-held-landscape")

    page.unroute("**/api/v1/records", handler)
    page.locator("#sheet [data-do=retry-now]").click()
    wait_queue(page, 0)
    assert len(stored(server, failing)) == 1
    assert server.get(f"/records/{rid}", "officer").json()["status"] == "registered"


def test_retry_after_is_honoured(tablet, server):
    page = tablet(PORTRAIT)
    login(page)
    text = f"繁忙 {uuid.uuid4().hex[:8]}"
    busy = '{"detail": [{"loc": [], "msg": "the server is busy storing records", "type": "busy"}]}'
    handler, hits = failing_route(
        page,
        text,
        lambda route: route.fulfill(
            status=503, content_type="application/json", body=busy, headers={"Retry-After": "3"}
        ),
    )
    enqueue_incident(page, text, world.C1 + "030")
    page.evaluate("import('/js/sync.js').then((s) => s.syncNow())")
    page.wait_for_selector("#sync-btn[data-state=retrying]")
    [kept] = page.evaluate("import('/js/queue.js').then((q) => q.items())")
    assert kept["serverDelay"] is True and kept["status"] == 503 and kept["attempts"] >= 1
    assert 3000 <= kept["nextAt"] - kept["failedAt"] <= 3100
    page.click("#sync-btn")
    entry = page.locator("#sheet .outbox-item")
    assert "服务器繁忙（503）" in entry.text_content()
    assert "服务器要求稍后再发" in entry.text_content()
    page.unroute("**/api/v1/records", handler)
    wait_queue(page, 0)  # woken when the server said, without the officer
    assert len(stored(server, text)) == 1 and len(hits) >= 1


def test_backoff_doubles_from_5_s_to_a_5_min_cap_with_jitter(tablet):
    page = tablet(PORTRAIT)
    page.goto("/")
    got = page.evaluate("""async () => {
        const s = await import("/js/sync.js");
        const mid = [1, 2, 3, 4, 5, 6, 7, 20].map((n) => s.backoffMs(n, () => 0.5));
        const low = s.backoffMs(1, () => 0), high = s.backoffMs(1, () => 0.999999);
        const capped = s.backoffMs(30, () => 0.999999);
        const now = Date.parse("2026-01-01T00:00:00Z");
        const date = "Thu, 01 Jan 2026 00:01:00 GMT";
        const after = ["120", date, "soon", null, "999999"].map((v) => s.retryAfterMs(v, now));
        return { mid, low, high, capped, after };
    }""")
    assert got["mid"] == [5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000]
    assert got["low"] == 3750 and 6249 <= got["high"] <= 6250
    assert got["capped"] == 300000
    assert got["after"] == [120000, 60000, None, None, 3600000]


def test_refusal_reasons_are_translated_where_known_and_verbatim_otherwise(tablet):
    page = tablet(LANDSCAPE)
    login(page)
    items = [
        {
            "detail": [
                {
                    "loc": ["body", "occurred_at"],
                    "type": "value_error",
                    "msg": "occurred_at 2031-01-01T00:00:00+00:00 is in the future",
                }
            ]
        },
        {
            "detail": [
                {
                    "loc": ["body"],
                    "type": "forbidden",
                    "msg": "the point is in cell 120101001002001, outside your cells at 2026",
                }
            ]
        },
        {
            "detail": [
                {
                    "loc": ["body", "description"],
                    "type": "value_error",
                    "msg": "Value error, text must not contain the NUL character (\\u0000)",
                }
            ]
        },
        {
            "detail": [
                {"loc": ["body", "parties", 0, "name"], "type": "missing", "msg": "Field required"}
            ]
        },
        {"detail": [{"loc": ["body", "zzz"], "type": "brand_new", "msg": "something new"}]},
        {"detail": None, "error": None, "status": 418},
        {"error": "no record 0b6f", "status": 404},  # as kept by the outbox before this version
    ]
    got = page.evaluate(
        """async (items) => {
            const outbox = await import("/js/outbox.js");
            const i18n = await import("/js/i18n.js");
            const zh = items.map((i) => outbox.refusalLines(i));
            i18n.setLang("en");
            return { zh, en: items.map((i) => outbox.refusalLines(i)) };
        }""",
        items,
    )
    assert got["zh"] == [
        ["发生时间：时间晚于现在，请检查平板的时钟"],
        ["该位置在网格 120101001002001，不是您负责的网格"],
        ["情况说明：含有无法保存的字符"],
        ["当事人：必填"],
        ["something new"],
        ["服务器拒收（418）"],
        ["服务器上找不到这个案件（可能已被删除）"],
    ]
    assert got["en"][0] == ["When: The time is in the future; check the tablet's clock"]
    assert got["en"][1] == ["This spot is in cell 120101001002001, which is not yours"]
    assert got["en"][4] == ["something new"]
