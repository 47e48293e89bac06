"""Cell codes: community code + 3-digit sequence, bands north→south, west→east within a band."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from grid.domain.codes import band_order, sequence_codes
from grid.errors import PartitionError


def grid_cells(rows: int, cols: int, jitter: float = 0.0, seed: int = 0) -> np.ndarray:
    """Unit-ish squares in ``rows`` × ``cols``, row 0 northmost, shuffled, centroids jittered."""
    rng = np.random.default_rng(seed)
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    x = c.ravel() * 100.0 + rng.uniform(-jitter, jitter, r.size)
    y = -r.ravel() * 100.0 + rng.uniform(-jitter, jitter, r.size)
    cells = shapely.box(x, y, x + 100.0, y + 100.0)
    order = rng.permutation(r.size)
    return cells[order], (r.ravel() * cols + c.ravel())[order]


def test_rows_are_read_north_to_south_and_west_to_east() -> None:
    cells, reading = grid_cells(3, 4)
    codes = sequence_codes(cells, "120101001001")
    expected = [f"120101001001{k + 1:03d}" for k in reading]
    assert codes.tolist() == expected


def test_jittered_rows_stay_in_their_band() -> None:
    cells, reading = grid_cells(4, 5, jitter=20.0, seed=7)
    seq = np.array([int(c[-3:]) for c in sequence_codes(cells, "120101001001")])
    assert (seq == reading + 1).all()


def test_numbering_is_a_permutation_and_deterministic() -> None:
    cells, _ = grid_cells(6, 7, jitter=45.0, seed=3)
    a = sequence_codes(cells, "120101001001")
    b = sequence_codes(cells.copy(), "120101001001")
    assert a.tolist() == b.tolist()
    assert sorted(int(c[-3:]) for c in a) == list(range(1, len(cells) + 1))
    assert sorted(band_order(cells)) == list(range(len(cells)))


def test_bad_community_code_is_refused() -> None:
    cells, _ = grid_cells(1, 2)
    with pytest.raises(PartitionError, match="12 digits"):
        sequence_codes(cells, "12010100100A")


def test_more_than_999_cells_are_refused() -> None:
    cells, _ = grid_cells(20, 50)
    with pytest.raises(PartitionError, match="3-digit"):
        sequence_codes(cells, "120101001001")


def test_every_public_verb_resolves() -> None:
    import grid

    for name in grid.__all__:
        assert callable(getattr(grid, name)), name


def test_verbs_named_like_their_module_leave_the_module_usable() -> None:
    import grid
    import grid.analysis.heat
    from grid.partition import partition

    assert callable(partition)
    assert callable(grid.analysis.heat.bin_resolutions)


def test_codes_read_from_files_and_their_parents() -> None:
    import pandas as pd

    from grid.domain.codes import code_texts, parent_codes

    codes = code_texts(pd.Series([" 120101001001 ", 120101001002, None, "", "120101002001"]))
    assert codes.tolist() == ["120101001001", "120101001002", None, None, "120101002001"]
    given = code_texts(pd.Series([float("nan"), "120101009", None, "120101003", None]))
    assert parent_codes(codes, given, 9).tolist() == [
        "120101001", "120101009", None, "120101003", "120101002"]
