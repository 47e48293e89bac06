"""Shared tablets: what one officer queued offline stays theirs. After they log out, the next
officer's sync never sends it under their own token; it is sent once when its owner is back."""

import uuid

import pytest

from . import world
from .conftest import (
    PORTRAIT,
    cell_centre,
    fill_record,
    login,
    queue_count,
    records_with,
    tap_at,
    wait_queue,
)

pytestmark = pytest.mark.browser

OUTBOX = "import('/js/db.js').then((db) => db.all('outbox'))"
SYNC = "import('/js/sync.js').then((s) => s.syncNow())"


def _logout(page) -> None:  # noqa: ANN001
    page.click("#logout-btn")
    page.wait_for_selector("body[data-view=login]")


def test_queued_items_wait_for_their_owner(tablet, server):
    tag = uuid.uuid4().hex[:8]
    page = tablet(PORTRAIT)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    login(page, "officer")
    page.wait_for_selector("body[data-offline-ready=true]")
    page.context.set_offline(True)
    tap_at(page, *cell_centre(world.C1 + "003"))
    fill_record(page, "incident", f"共享平板 {tag}", [])
    wait_queue(page, 1)
    [item] = page.evaluate(OUTBOX)
    assert item["owner"] == "officer"

    _logout(page)  # offline: the shell comes from the service worker
    assert len(dialogs) == 1 and "1" in dialogs[0]  # warned that one record waits; confirmed

    page.context.set_offline(False)
    login(page, "officer2")
    page.evaluate(SYNC)
    assert queue_count(page) == 0  # officer2 sees only their own (none)
    [kept] = page.evaluate(OUTBOX)
    assert kept["id"] == item["id"] and kept["state"] == "waiting" and kept["owner"] == "officer"
    assert records_with(server, tag, "admin") == []

    _logout(page)
    assert len(dialogs) == 1  # officer2 had nothing waiting: no warning

    login(page, "officer")
    wait_queue(page, 0, timeout=30000)
    [rec] = records_with(server, tag, "admin")
    assert rec["author"] == "officer" and rec["cell_code"] == world.C1 + "003"
    assert page.evaluate(OUTBOX) == []
