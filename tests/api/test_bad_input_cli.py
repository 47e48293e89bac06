"""The bad-input table of issue 9 for the ``wangge`` command: bad rows in the files ``wangge
import`` reads (bowtie polygons, numbers and text their columns cannot hold, bad or repeated ids)
and bad arguments exit 2 with a message naming the file (or command), the row and the reason,
and write nothing; on SQLite and PostGIS alike (the API's table is in test_bad_input.py)."""

from __future__ import annotations

import json
import uuid

from conftest import X0, Y0, W

from api.cli.main import main as wangge

# ---------------------------------------------------------------------------------------------
# Bowtie (self-intersecting) polygons in the files ``wangge import`` reads: exit status 2, a
# message naming the file, the row and the reason, and nothing written.


def square(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    """A closed square ring."""
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def bowtie(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    """A closed ring over the same square whose edges cross in its middle."""
    return [[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]


def layer(path, rows: list[tuple[dict, list]]):  # noqa: ANN001, ANN201
    """Write (properties, ring) rows as a GeoJSON file at ``path``."""
    features = [
        {"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": [r]}}
        for p, r in rows
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def stored(url: str) -> tuple[int, ...]:
    """Rows of every table an import or account command writes."""
    from sqlalchemy import text

    from api.db import make_engine

    engine = make_engine(url, pool_size=1)
    tables = ("communities", "cells", "buildings", "places", "users", "audit_log")
    try:
        with engine.connect() as conn:
            return tuple(
                conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables
            )
    finally:
        engine.dispose()


def test_bowtie_polygons_in_imported_files_are_refused(cli_database, tmp_path, capsys):
    c1, c2, mid = "120101001001", "120101001002", Y0 + W / 2
    bad = layer(
        tmp_path / "bow_communities.geojson",
        [
            ({"code": c1}, square(X0, Y0, X0 + W, Y0 + W)),
            ({"code": c2}, bowtie(X0 + W, Y0, X0 + 2 * W, Y0 + W)),
        ],
    )
    good = layer(
        tmp_path / "communities.geojson",
        [
            ({"code": c1}, square(X0, Y0, X0 + W, Y0 + W)),
            ({"code": c2}, square(X0 + W, Y0, X0 + 2 * W, Y0 + W)),
        ],
    )
    cells = layer(
        tmp_path / "bow_cells.geojson",
        [
            ({"code": c1 + "001", "households": 150}, square(X0, mid, X0 + W, Y0 + W)),
            ({"code": c1 + "002", "households": 150}, bowtie(X0, Y0, X0 + W, mid)),
        ],
    )
    buildings = layer(
        tmp_path / "bow_buildings.geojson",
        [
            ({"households": 10}, square(X0 + 0.001, Y0 + 0.001, X0 + 0.002, Y0 + 0.002)),
            ({"households": 10}, bowtie(X0 + 0.003, Y0 + 0.001, X0 + 0.004, Y0 + 0.002)),
        ],
    )
    assert wangge(["db", "upgrade"]) == 0
    capsys.readouterr()
    for kind, path in (("communities", bad), ("cells", cells), ("buildings", buildings)):
        if kind == "cells":
            assert wangge(["import", "communities", str(good)]) == 0
            capsys.readouterr()
        before = stored(cli_database)
        assert wangge(["import", kind, str(path)]) == 2, kind
        err = capsys.readouterr().err
        assert err.startswith(f"{path}: ") and "row 2" in err and "Self-intersection" in err, err
        assert stored(cli_database) == before, kind


# ---------------------------------------------------------------------------------------------
# Other bad rows in the files ``wangge import`` reads, and bad ``wangge`` arguments: exit status
# 2, a message naming the file (or command), the row and the reason, and nothing written (each
# a driver's crash, or a value PostgreSQL refuses, before).


def point_layer(path, rows: list[tuple[dict, list[float]]]):  # noqa: ANN001, ANN201
    """Write (properties, [lon, lat]) rows as a GeoJSON file of points at ``path``."""
    features = [
        {"type": "Feature", "properties": p, "geometry": {"type": "Point", "coordinates": c}}
        for p, c in rows
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_cli_refuses_bad_rows_and_arguments(cli_database, tmp_path, capsys):
    c1, mid = "120101001001", Y0 + W / 2
    comms = layer(tmp_path / "c.geojson", [({"code": c1}, square(X0, Y0, X0 + W, Y0 + W))])
    cells = layer(
        tmp_path / "cells.geojson",
        [
            ({"code": c1 + "001", "households": 150}, square(X0, mid, X0 + W, Y0 + W)),
            ({"code": c1 + "002", "households": 150}, square(X0, Y0, X0 + W, mid)),
        ],
    )
    place = {"kind": "rental", "name": "出租屋", "id": "6b0c6f3e-0000-4000-8000-0000000000bb"}
    here = [X0 + 0.001, Y0 + 0.001]
    places = point_layer(tmp_path / "places.geojson", [(place, here)])
    assert wangge(["import", "places", str(places)]) == 2
    err = capsys.readouterr().err
    assert "create an admin account first" in err and "row 0" not in err, err
    assert wangge(["import", "communities", str(comms)]) == 0
    assert wangge(["import", "cells", str(cells)]) == 0
    assert wangge(["users", "add", "root", "--role", "admin", "--password", "pw-root"]) == 0
    assert wangge(["import", "places", str(places)]) == 0
    capsys.readouterr()
    box = square(X0 + 0.001, Y0 + 0.001, X0 + 0.002, Y0 + 0.002)
    c2 = "120101001002"
    east = square(X0 + W, Y0, X0 + 2 * W, Y0 + W)
    cases = [
        (
            "communities",
            layer(tmp_path / "a.geojson", [({"code": c2, "name": "名" * 101}, east)]),
            "row 1: name is longer than 100",
        ),
        (
            "cells",
            layer(
                tmp_path / "b.geojson",
                [({"code": c1 + "001", "households": 10**20}, square(X0, Y0, X0 + W, Y0 + W))],
            ),
            "row 1: households",
        ),
        (
            "cells",
            layer(
                tmp_path / "b2.geojson",
                [({"code": c1 + "001", "households": -3}, square(X0, Y0, X0 + W, Y0 + W))],
            ),
            "row 1: households",
        ),
        (
            "buildings",
            layer(tmp_path / "d.geojson", [({"households": 10**20}, box)]),
            "row 1: households",
        ),
        (
            "buildings",
            layer(tmp_path / "e.geojson", [({"households": 3, "name": "楼" * 201}, box)]),
            "row 1: name is longer than 200",
        ),
        (
            "places",
            point_layer(tmp_path / "f.geojson", [({**place, "id": "nope"}, here)]),
            "row 1: id",
        ),
        (
            "places",
            point_layer(
                tmp_path / "g.geojson",
                [({**place, "id": None}, here), ({**place, "id": None}, here)],
            ),
            None,
        ),  # two rows without an id are two places: fine (checked below)
        (
            "places",
            point_layer(
                tmp_path / "h.geojson",
                [({**place, "id": str(uuid.uuid4())}, here), ({**place, "name": "x" * 201}, here)],
            ),
            "row 2: name",
        ),
        ("places", places, "row 1: place 6b0c6f3e-0000-4000-8000-0000000000bb is already stored"),
    ]
    dup = str(uuid.uuid4())
    cases.append(
        (
            "places",
            point_layer(
                tmp_path / "i.geojson", [({**place, "id": dup}, here), ({**place, "id": dup}, here)]
            ),
            f"row 2: id {dup} is also row 1",
        )
    )
    for kind, path, expected in cases:
        before = stored(cli_database)
        status = wangge(["import", kind, str(path)])
        err = capsys.readouterr().err
        if expected is None:
            assert status == 0, err
            continue
        assert status == 2 and err.startswith(f"{path}: ") and expected in err, (kind, err)
        assert stored(cli_database) == before, (kind, expected)
    before = stored(cli_database)
    assert wangge(["users", "add", "u" * 65, "--role", "officer", "--password", "pw"]) == 2
    assert "username is longer than 64" in capsys.readouterr().err
    street = ["users", "add", "jie", "--role", "street", "--password", "pw"]
    street += ["--street", "999999999"]
    assert wangge(street) == 2  # a mistyped street office: an account that would see nothing
    assert "no community belongs to street office '999999999'" in capsys.readouterr().err
    out = tmp_path / "no-such-dir" / "records.geojson"
    assert wangge(["export", "records", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith(f"{out}: cannot write")
    for args, reason in (
        (["apikeys", "add", "nobody"], "no user 'nobody'"),
        (["apikeys", "add"], "give the service account's username"),
        (["apikeys", "revoke", "x"], "give the key's id"),
        (["apikeys", "revoke", "999"], "no API key 999"),
    ):
        assert wangge(args) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"apikeys {args[1]}: ") and reason in err, err
    assert stored(cli_database) == before
