"""Heat counting is switched on explicitly by ``api.store.make_store`` (issue 10), not as a side
effect of importing ``api.analytics.heatagg``; every write path then counts through
``heatagg.added``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
from sqlalchemy import event
from api.analytics import heatagg
from api.models import Record
print(event.contains(Record, "after_insert", heatagg._on_insert))
from api.settings import Settings
from api.store import make_store
make_store(Settings(database_url="sqlite:///" + {db!r}, secret_key="k" * 40, web_dir={tmp!r}))
print(event.contains(Record, "after_insert", heatagg._on_insert))
"""


def test_importing_heatagg_installs_nothing_and_make_store_installs_it(tmp_path):
    code = PROBE.format(db=str(tmp_path / "w.sqlite"), tmp=str(tmp_path))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]


def test_added_is_the_rows_the_mapper_and_core_paths_write():
    """One record's heat rows: one ``heat_counts`` row and a daily and a monthly ``heat_bins`` row
    per serving resolution, all +1 in the record's local hour (``added`` with n=-1 undoes it)."""
    import uuid
    from datetime import UTC, datetime

    import h3

    from api.analytics import heatagg

    cell = h3.latlng_to_cell(30.25, 120.15, 12)
    rec = {
        "id": uuid.UUID(int=7),
        "h3": cell,
        "cell_code": "330106001001001",
        "kind": "incident",
        "category": "fire",
        "occurred_at": datetime(2024, 5, 1, 0, 30, tzinfo=UTC),  # 08:30 in Shanghai
    }
    fine, bins = heatagg.added(rec).rows()
    assert (fine["count"], fine["h08"], heatagg.added(rec).slot.hour) == (1, 1, 8)
    assert [b["monthly"] for b in bins] == [False, True] * (len(bins) // 2) and bins
    undo_fine, _ = heatagg.added(rec, -1).rows()
    assert undo_fine["count"] == -1
