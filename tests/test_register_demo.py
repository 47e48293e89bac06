"""The demo register for the whole Heping sample: every row passes the import's checks, each
building has exactly its household count, ID numbers are valid and distinct, same seed same
register; the demo organisations pass too."""

from pathlib import Path

import pytest

from grid.input.prepare import prepare
from grid.register.demo import demo_organisations, demo_register
from grid.register.organisations import check_organisations
from grid.register.rows import check_register

DATA = Path(__file__).resolve().parents[1] / "data" / "boundaries"


@pytest.fixture(scope="module")
def heping():
    """The sample's buildings with household counts, as the demo loads them."""
    ready = prepare(DATA / "heping_communities.geojson", DATA / "heping_buildings.geojson")
    return ready.buildings


@pytest.mark.slow
def test_demo_register_passes_with_the_samples_household_counts(heping):
    rows = demo_register(heping, seed=0)
    rows.insert(0, "row", range(2, len(rows) + 2))
    got = check_register(rows, heping)
    assert got.problems == [], got.problems[:5]
    per_building = got.people.groupby("building_id")["household_key"].nunique()
    expected = heping.set_index("id")["households"].astype(int)
    assert per_building.reindex(expected.index, fill_value=0).tolist() == expected.tolist()
    assert got.summary["households"] == int(expected.sum())
    assert not got.people["id_number"].duplicated().any()
    assert set(got.people["person_type"]) == {"registered", "resident", "floating", "foreign"}
    again = demo_register(heping.head(50), seed=0)
    assert again.equals(demo_register(heping.head(50), seed=0))
    assert not again.equals(demo_register(heping.head(50), seed=1))


def test_demo_organisations_pass(heping):
    orgs = demo_organisations(heping, seed=0)
    orgs.insert(0, "row", range(2, len(orgs) + 2))
    got = check_organisations(orgs, heping)
    assert got.problems == [], got.problems[:5]
    assert len(orgs) == len(heping) // 20
    assert orgs["credit_code"].is_unique
