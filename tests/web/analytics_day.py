"""Helpers for the analytics users' days (tests/web/test_day_*.py): sign in at a desktop size,
count clicks and time each step, and write the tally next to the screenshots."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from . import world
from .conftest import ARTIFACTS

DESKTOP = {"width": 1440, "height": 900}


class Day:
    """One user's day in the page: clicks counted, steps timed, no request leaving localhost."""

    def __init__(self, page, name: str) -> None:  # noqa: ANN001
        self.page, self.name = page, name
        self.clicks = 0
        self.steps: list[tuple[str, float, int]] = []
        self.outside: list[str] = []
        page.on("request", self._watch)

    def _watch(self, r) -> None:  # noqa: ANN001
        if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            self.outside.append(r.url)

    def click(self, selector: str, **kw) -> None:  # noqa: ANN003
        """Click ``selector`` as the user would, counting it."""
        self.clicks += 1
        self.page.click(selector, **kw)

    def tap_xy(self, x: float, y: float) -> None:
        """Click at a page position (a map or a chart), counting it."""
        self.clicks += 1
        self.page.mouse.click(x, y)

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        """Time one step of the day and note the clicks it took."""
        start, clicks = time.monotonic(), self.clicks
        yield
        self.steps.append((what, round(time.monotonic() - start, 3), self.clicks - clicks))

    def ready(self) -> None:
        """Wait until the view has drawn (the page sets data-ready) and nothing is loading."""
        self.page.wait_for_function(
            "document.body.dataset.ready === 'true'"
            " && !document.getElementById('status').textContent.includes('加载中')"
        )

    def save(self) -> dict:
        """Write the tally to test-artifacts/web/day-<name>.json and return it."""
        tally = {"user": self.name, "clicks": self.clicks, "steps": self.steps}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        text = json.dumps(tally, ensure_ascii=False, indent=1)
        (ARTIFACTS / f"day-{self.name}.json").write_text(text)
        return tally


def open_view(make, user: str, view: str, viewport: dict = DESKTOP) -> Day:  # noqa: ANN001
    """Sign ``user`` in on the analytics page at ``view``: three inputs, one click."""
    page = make(viewport=viewport)
    day = Day(page, f"{user}-{viewport['width']}x{viewport['height']}")
    page.goto(f"/analytics.html?view={view}")
    page.fill("#a-user", user)
    page.fill("#a-pass", world.PASSWORDS[user])
    day.click("#a-login button[type=submit]")
    day.ready()
    return day


def incidents(server, n: int, seed: int, tag: str) -> list[dict]:  # noqa: ANN001
    """``n`` recent incidents in C1 (a third crowded into the south-west corner), half fires."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        corner = i % 3 == 0
        lon = world.X0 + (rng.uniform(0.0002, 0.0015) if corner
                          else rng.uniform(0.0002, world.COLS * world.DX - 0.0002))
        lat = world.Y0 + (rng.uniform(0.0002, 0.0015) if corner
                          else rng.uniform(0.0002, world.ROWS * world.DY - 0.0002))
        r = server.post("/records", "officer", json={
            "id": str(uuid.uuid4()), "kind": "incident", "category": ("fire", "traffic")[i % 2],
            "priority": "routine", "description": f"{tag}{i}",
            "occurred_at": (now - timedelta(days=1 + i % 20, hours=i % 5)).isoformat(),
            "lon": lon, "lat": lat,
        })
        assert r.status_code == 201, r.text
        out.append(r.json())
    return out


def small_targets(page) -> list[str]:  # noqa: ANN001
    """Visible buttons, pickers, inputs and links of the page smaller than 44 px high (touch
    targets); a checkbox counts by its label."""
    return page.evaluate("""() => [...document.querySelectorAll(
        'button, select, input:not([type=checkbox]), a[href], label:has(input[type=checkbox])')]
      .filter((el) => el.offsetParent !== null && !el.closest('.leaflet-control-attribution'))
      .filter((el) => el.getBoundingClientRect().height < 43.5)
      .map((el) => el.id || el.className || el.tagName + ':' + el.textContent.slice(0, 20))""")
