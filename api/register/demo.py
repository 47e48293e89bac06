"""The demo's register: a fictitious, seeded one (``grid.register.demo``) with each stored
building's household count, loaded through the import's own check and load, so the demo's
registered households agree with the sample's counts."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import insert, select

from api.models import Building, RegisterAddress
from api.register.counts import refresh_households
from api.register.crypto import cipher_for
from api.register.imports import load, stored_buildings
from api.store import Store
from grid.register.addresses import normalise_addresses
from grid.register.demo import demo_addresses, demo_register
from grid.register.rows import check_register


def seed_register(store: Store, seed: int = 0) -> dict[str, int]:
    """Give every stored building a fictitious standard address and load a generated register
    for it; what was loaded (refuses to load a generated file with problems)."""
    cipher = cipher_for(store.settings)
    with store.sessions() as s:
        buildings = stored_buildings(s)
        stored = pd.DataFrame(
            s.execute(select(Building.id, Building.households, Building.levels)).all(),
            columns=["id", "households", "levels"],
        ).set_index("id")
        for col in ("households", "levels"):
            buildings[col] = stored[col].reindex(buildings["id"]).to_numpy()
        written = demo_addresses(buildings)
        buildings["address"] = normalise_addresses(written)
        s.execute(
            insert(RegisterAddress.__table__),  # type: ignore[arg-type]
            [
                {"building_id": int(b), "address": a, "text": t}
                for b, a, t in zip(buildings["id"], buildings["address"], written, strict=True)
            ],
        )
        rows = demo_register(buildings, seed=seed).reset_index(drop=True)
        rows.insert(0, "row", range(2, len(rows) + 2))
        check = check_register(
            rows.astype({c: object for c in rows.columns if c != "row"}), buildings
        )
        if check.problems:
            raise RuntimeError(f"generated register has problems: {check.problems[:3]}")
        loaded = load(s, cipher, check, buildings)
        refresh_households(s)
        s.commit()
    return {"households": loaded.households, "persons": loaded.persons}
