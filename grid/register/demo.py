"""A seeded, fictitious register for demos and benchmarks: households, people, organisations.

Names are drawn from common surnames and given-name characters, ID numbers are valid by checksum
(Tianjin regions 1201xx) and phones have the mobile shape; none belongs to a real person. Each
building gets exactly its ``households`` count of households, so registered counts agree with
the sample. Everything is drawn as numpy arrays from one generator: same seed, same register.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from grid.register.creditcodes import CHARSET, make_credit_code
from grid.register.idnumbers import make_ids

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红鹏辉宇浩然欣怡子涵梓轩雨婷晨阳佳琪思远"
    "志国建文海燕春梅秀云凤德福宁安庆顺利嘉诚博宏俊峰晓东丹蕾颖瑶琳慧婉清"
)
REGIONS = np.array(["120101", "120102", "120103", "120104", "120105", "120106"])
ROADS = tuple(
    "和顺路 安宁道 长乐里 丰泰街 兴华道 春晖路 平安里 同心街 吉祥道 福源路 康宁里 新民街".split()
)
PERSON_TYPE_WORDS = np.array(["户籍", "常住", "流动", "境外"])
PERSON_TYPE_SHARE = np.array([0.70, 0.15, 0.13, 0.02])
HOUSEHOLD_SIZE_SHARE = np.array([0.18, 0.32, 0.30, 0.15, 0.05])  # 1–5 people
ORG_WORDS = tuple(
    "和信 恒达 金泰 宏图 安康 众诚 瑞丰 新华 国安 嘉和 百川 联创 天和 泰昌 永兴".split()
)
ORG_KINDS = (  # type word, name ending, credit code's first two characters
    ("商铺", "便利店", "92"),
    ("企业", "商贸有限公司", "91"),
    ("企业", "科技有限公司", "91"),
    ("网吧", "网咖", "92"),
    ("烧烤店", "烧烤", "92"),
    ("学校", "幼儿园", "52"),
    ("医疗机构", "诊所", "52"),
    ("社会组织", "志愿者协会", "51"),
)
BUILDINGS_PER_ORGANISATION = 20
ROOMS_PER_FLOOR = 2
DEFAULT_LEVELS = 6
DAY = np.timedelta64(1, "D")


def demo_addresses(buildings: gpd.GeoDataFrame) -> pd.Series:
    """A fictitious standard address for each building ("和顺路12号"), unique, by its position."""
    pos = np.arange(len(buildings))
    roads = np.array(ROADS, dtype=object)[pos % len(ROADS)]
    doors = (pos // len(ROADS) + 1).astype(str)
    return pd.Series(roads + doors + "号", index=buildings.index, dtype=object)


def demo_register(
    buildings: gpd.GeoDataFrame,
    seed: int = 0,
    today: np.datetime64 | None = None,
    size_share: tuple[float, ...] | None = None,
) -> pd.DataFrame:
    """A fictitious register in the import's columns with exactly each building's
    ``households`` households (address from the building's ``address`` or ``demo_addresses``,
    lon/lat a point inside its footprint); ``size_share`` gives the shares of households of
    1, 2, ... people."""
    rng = np.random.default_rng(seed)
    now = today if today is not None else np.datetime64("today", "D")
    hh = _households(buildings)
    share = np.asarray(size_share or HOUSEHOLD_SIZE_SHARE, dtype=float)
    sizes = rng.choice(np.arange(1, len(share) + 1), size=len(hh), p=share / share.sum())
    return _people(hh, sizes, rng, now)


def _households(buildings: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per household: building id, address, lon/lat, unit, floor, room, household no."""
    count = pd.to_numeric(buildings["households"], errors="coerce").fillna(0).round()
    count = count.astype(np.int64).to_numpy()
    addresses = (
        buildings["address"].where(buildings["address"].notna(), demo_addresses(buildings))
        if "address" in buildings.columns
        else demo_addresses(buildings)
    ).to_numpy(dtype=object)
    levels = pd.to_numeric(buildings.get("levels"), errors="coerce")
    levels = np.clip(np.nan_to_num(np.asarray(levels, float), nan=DEFAULT_LEVELS), 1, 60)
    points = buildings.geometry.representative_point()
    b = np.repeat(np.arange(len(buildings)), count)
    k = np.arange(len(b)) - np.repeat(np.cumsum(count) - count, count)  # index within building
    per_unit = (levels[b] * ROOMS_PER_FLOOR).astype(np.int64)
    within = k % per_unit
    floor = within // ROOMS_PER_FLOOR + 1
    ids = buildings["id"].to_numpy()
    return pd.DataFrame(
        {
            "building_id": ids[b],
            "address": addresses[b],
            "lon": points.x.to_numpy()[b].round(7),
            "lat": points.y.to_numpy()[b].round(7),
            "unit": (k // per_unit + 1).astype(str),
            "floor": floor.astype(str),
            "room": (floor * 100 + within % ROOMS_PER_FLOOR + 1).astype(str),
            "household_no": pd.Series(ids[b]).astype(str).to_numpy() + "-" + (k + 1).astype(str),
        }
    )


def _people(
    hh: pd.DataFrame, sizes: np.ndarray, rng: np.random.Generator, now: np.datetime64
) -> pd.DataFrame:
    """People of the households: householder, spouse, children, an elderly parent."""
    h = np.repeat(np.arange(len(hh)), sizes)
    rank = np.arange(len(h)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    head_age = rng.integers(25, 86, len(hh))[h]
    age = head_age.astype(float)
    age[rank == 1] += rng.integers(-5, 6, int((rank == 1).sum()))
    kids = rank >= 2
    age[kids] = head_age[kids] - rng.integers(22, 36, int(kids.sum()))
    parent = kids & (age < 0)  # too young a householder for children: an elderly parent instead
    age[parent] = head_age[parent] + rng.integers(22, 30, int(parent.sum()))
    age = np.maximum(age, 0)
    birth = now - (age * 365.25).astype(np.int64) * DAY - rng.integers(1, 365, len(h)) * DAY
    relation = np.where(rank == 0, "户主", np.where(rank == 1, "配偶", "子女"))
    relation = np.where(parent, "父母", relation)
    head_male = (rng.random(len(hh)) < 0.5)[h]
    male = np.where(rank == 0, head_male, np.where(rank == 1, ~head_male, rng.random(len(h)) < 0.5))
    kind = rng.choice(len(PERSON_TYPE_WORDS), size=len(hh), p=PERSON_TYPE_SHARE)[h]
    ids = _unique_ids(birth, male, rng)
    passports = np.char.add("E", (10**7 + rng.choice(9 * 10**7, len(h), replace=False)).astype(str))
    ids = np.where(kind == 3, passports, ids)
    adult = age >= 18
    moved_from = np.maximum(birth + 18 * 365 * DAY, now - 40 * 365 * DAY)
    head_moved = moved_from + (rng.random(len(h)) * ((now - moved_from) / DAY)).astype(int) * DAY
    head_moved = head_moved[np.repeat(np.cumsum(sizes) - sizes, sizes)]
    moved = np.maximum(head_moved, birth)
    phones = np.char.add(
        rng.choice(["139", "138", "186", "150", "177"], len(h)),
        np.char.zfill(rng.integers(0, 10**8, len(h)).astype(str), 8),
    )
    tags = np.where((sizes[h] == 1) & (age >= 70), "独居老人", "")
    tags = np.where(rng.random(len(h)) < 0.02, "低保", tags)
    out = hh.iloc[h].reset_index(drop=True).drop(columns=["building_id"])
    out.insert(5, "name", _names(len(h), rng))
    out["id_number"] = ids
    out["phone"] = np.where(adult, phones, "")
    out["person_type"] = PERSON_TYPE_WORDS[kind]
    out["relation"] = relation
    out["moved_in"] = pd.DatetimeIndex(moved).strftime("%Y-%m-%d")
    out["tags"] = tags
    out["building"] = ""
    return out[list(_columns())]


def _columns() -> tuple[str, ...]:
    """The import's canonical columns (imported late: rows imports this module's neighbours)."""
    from grid.register.rows import REGISTER_COLUMNS

    return REGISTER_COLUMNS


def _names(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` fictitious names: a surname and one or two given-name characters."""
    sur = rng.choice(SURNAMES, n)
    first = rng.choice(GIVEN, n)
    second = np.where(rng.random(n) < 0.6, rng.choice(GIVEN, n), "")
    return np.char.add(np.char.add(sur, first), second).astype(object)


def _unique_ids(births: np.ndarray, male: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Valid, distinct ID numbers for the birth dates (sequence parity by sex): collisions of
    region, date and sequence are drawn again until none is left."""
    regions = rng.choice(REGIONS.astype(np.int64), len(births))
    days = np.asarray(births, dtype="datetime64[D]").astype(np.int64)
    seq = rng.integers(0, 500, len(births)) * 2 + male.astype(int)
    for _ in range(50):
        key = (regions * 100_000 + days) * 1000 + seq
        dup = np.ones(len(key), dtype=bool)
        dup[np.unique(key, return_index=True)[1]] = False
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 500, int(dup.sum())) * 2 + male[dup].astype(int)
        regions[dup] = rng.choice(REGIONS.astype(np.int64), int(dup.sum()))
    return make_ids(regions.astype(str), births, seq).astype(object)


def demo_organisations(buildings: gpd.GeoDataFrame, seed: int = 0) -> pd.DataFrame:
    """Fictitious organisations in the import's columns, one per ``BUILDINGS_PER_ORGANISATION``
    buildings (at least one), at chosen buildings' addresses and points, with valid credit
    codes."""
    from grid.register.organisations import ORGANISATION_COLUMNS

    rng = np.random.default_rng(seed + 1)
    n = max(1, len(buildings) // BUILDINGS_PER_ORGANISATION)
    at = rng.choice(len(buildings), n, replace=len(buildings) < n)
    kind = rng.integers(0, len(ORG_KINDS), n)
    addresses = (
        buildings["address"].where(buildings["address"].notna(), demo_addresses(buildings))
        if "address" in buildings.columns
        else demo_addresses(buildings)
    ).to_numpy(dtype=object)
    points = buildings.geometry.representative_point()
    bodies = rng.choice(list(CHARSET), (n, 9))
    codes = [
        make_credit_code(ORG_KINDS[k][2] + "120101" + "".join(b))
        for k, b in zip(kind, bodies, strict=True)
    ]
    words = rng.choice(ORG_WORDS, n)
    out = pd.DataFrame(
        {
            "name": [
                f"{w}{ORG_KINDS[k][1]}{i + 1}"
                for i, (w, k) in enumerate(zip(words, kind, strict=True))
            ],
            "credit_code": codes,
            "org_type": [ORG_KINDS[k][0] for k in kind],
            "address": addresses[at],
            "contact": _names(n, rng),
            "phone": np.char.add("139", np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)),
            "employees": rng.integers(1, 60, n).astype(str),
            "licence": "",
            "lon": points.x.to_numpy()[at].round(7),
            "lat": points.y.to_numpy()[at].round(7),
        }
    )
    return out[list(ORGANISATION_COLUMNS)]
