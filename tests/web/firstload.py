"""One start of the tablet app with a signed-in officer, measured: navigation to the app's own
"wangge-ready" mark (what the officer waits, without any polling), the API requests on the way,
and what was loaded. Shared by test_patrol_perf.py (functional checks, figures kept as an artifact)
and bench/first_load.py (the timed target)."""

from __future__ import annotations

import json
import time

LANDSCAPE = {"width": 1280, "height": 800}


def load_once(browser, base: str, token: str, warm: bool = False) -> dict:  # noqa: ANN001
    """Start the app in a fresh tablet context. ``warm``: a second start, shell and data from the
    service worker cache. Returns {ready_s, seen_s, counts, breakdown_ms}."""
    ctx = browser.new_context(viewport=LANDSCAPE, has_touch=True, is_mobile=True, base_url=base,
                              locale="zh-CN")
    try:
        ctx.add_init_script(f"localStorage.setItem('wangge.token', {json.dumps(token)})")
        page = ctx.new_page()
        if warm:
            page.goto("/")
            page.wait_for_selector("body[data-ready=true]", timeout=30000)
            page.wait_for_selector("body[data-offline-ready=true]", timeout=30000)
        t0 = time.monotonic()
        page.reload() if warm else page.goto("/")
        page.wait_for_selector("body[data-ready=true]", timeout=30000)
        page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
        seen = time.monotonic() - t0  # includes the polling of wait_for_selector
        ready_ms = page.evaluate("performance.getEntriesByName('wangge-ready')[0].startTime")
        return {
            "ready_s": round(ready_ms / 1000, 3),
            "seen_s": round(seen, 3),
            "counts": page.evaluate(
                "({cells: wangge.cells.length, buildings: wangge.buildings.length,"
                " places: wangge.places.length})"
            ),
            "breakdown_ms": page.evaluate("""() => Object.fromEntries([
                ...performance.getEntriesByType('resource')
                  .filter((e) => e.name.includes('/api/v1/'))
                  .map((e) => [new URL(e.name).pathname,
                               [Math.round(e.startTime), Math.round(e.responseEnd)]]),
                ['ready',
                 Math.round(performance.getEntriesByName('wangge-ready')[0].startTime)]])"""),
        }
    finally:
        ctx.close()
