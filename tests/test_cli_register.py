"""``partition --households-from register``: registered households per building replace the
estimate where the register has them; the rest keep theirs, marked; a bad register is refused
with its rows named and nothing written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from grid.cli import main as grid_main
from grid.register.idnumbers import make_id
from tests.test_cli import args, building_layer, inputs  # noqa: F401 (inputs is a fixture)


def register_csv(path: Path, households: dict[int, int], bad: bool = False) -> Path:
    """A register with ``households[id]`` two-person households in building ``id`` (by lon/lat)."""
    blds = building_layer().set_index("id")
    rows, serial = [], 0
    for bid, n in households.items():
        p = blds.geometry.loc[bid].representative_point()
        for h in range(n):
            for rel in ("户主", "配偶"):
                serial += 1
                pid = make_id("120101", date(1970, 1, 1) + pd.Timedelta(days=serial), serial)
                rows.append([f"B{bid}-{h}", f"居民{serial}", pid, "户籍", rel, p.x, p.y])
    if bad:
        rows[1][2] = rows[1][2][:-1] + ("1" if rows[1][2][-1] != "1" else "2")
    cols = ["户号", "姓名", "身份证号", "人员类型", "与户主关系", "lon", "lat"]
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    return path


def test_registered_households_replace_the_estimate(inputs, tmp_path, capsys):  # noqa: F811
    register = register_csv(tmp_path / "reg.csv", {1: 7, 2: 3, 5: 12})
    out = tmp_path / "cells.gpkg"
    status = grid_main(
        args(inputs, out, "--households-from", "register", "--register", str(register))
    )
    assert status == 0, capsys.readouterr().err
    assert "Households from the register: 3 buildings, 22 households" in capsys.readouterr().out
    bld = pyogrio.read_dataframe(out, layer="buildings").set_index("id")
    assert bld.loc[[1, 2, 5], "households"].tolist() == [7, 3, 12]
    assert not bld.loc[[1, 2, 5], "households_estimated"].any()
    assert (bld.loc[[1, 2, 5], "households_source"] == "register").all()
    given = building_layer().set_index("id")["hh"]
    rest = bld.drop(index=[1, 2, 5])
    assert (rest["households_estimated"] == np.isnan(given.loc[rest.index])).all()
    kept = rest[~rest["households_estimated"]]
    assert (kept["households"] == given.loc[kept.index]).all()


def test_bad_register_exits_2_naming_the_row(inputs, tmp_path, capsys):  # noqa: F811
    register = register_csv(tmp_path / "reg.csv", {1: 2}, bad=True)
    out = tmp_path / "cells.gpkg"
    status = grid_main(
        args(inputs, out, "--households-from", "register", "--register", str(register))
    )
    err = capsys.readouterr().err
    assert status == 2
    assert "reg.csv: register not imported (1 problem)" in err
    assert "row 3: id_number: invalid ID checksum" in err
    assert not out.exists()


def test_register_option_needs_the_other(inputs, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "cells.gpkg"
    assert grid_main(args(inputs, out, "--households-from", "register")) == 2
    assert "needs --register" in capsys.readouterr().err
    reg = register_csv(tmp_path / "reg.csv", {1: 1})
    assert grid_main(args(inputs, out, "--register", str(reg))) == 2
    assert "needs --households-from register" in capsys.readouterr().err
