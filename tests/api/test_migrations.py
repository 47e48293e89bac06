"""Alembic migrations create, downgrade and re-create the schema on both backends."""

from __future__ import annotations

import pytest
from conftest import fresh_database
from sqlalchemy import inspect, text

from api.db import make_engine
from api.lookups import term_rows
from api.migrate import downgrade, upgrade
from api.models import Base
from grid.domain import caseflow


@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_upgrade_downgrade_upgrade(backend, tmp_path):
    gen = fresh_database(backend, tmp_path)
    url = next(gen)
    try:
        upgrade(url)
        engine = make_engine(url, pool_size=1)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM terms")).scalar_one() == len(term_rows())
            roles = {r for (r,) in conn.execute(text("SELECT code FROM roles"))}
            assert roles == {r.value for r in caseflow.Role}
            cols = {c["name"] for c in inspect(conn).get_columns("records")}
            assert {"geom", "track", "h3", "cell_code", "version", "deadline"} <= cols
        engine.dispose()
        downgrade(url, "base")
        engine = make_engine(url, pool_size=1)
        assert not set(Base.metadata.tables) & set(inspect(engine).get_table_names())
        engine.dispose()
        upgrade(url)
    finally:
        gen.close()
