"""Dates, moments and periods in query parameters: every endpoint that takes one answers a
field-level 422 naming the parameter for input outside the supported range, in the wrong order or
spanning too long, never a 5xx, and changes nothing."""

from __future__ import annotations

import h3
import pytest
from conftest import C1, X0, Y0

BIN = h3.latlng_to_cell(Y0 + 0.008, X0 + 0.005, 7)
DAY_ENDPOINTS = [  # every endpoint whose period is local days: from/to or period=YYYY-MM
    "/analytics/heat",
    "/analytics/hotspots",
    "/analytics/hotspots?on=cell",
    "/analytics/compare",
    "/analytics/table",
    f"/analytics/cells/{C1}001/records",
    f"/analytics/bins/{BIN}/records",
]
MOMENT_ENDPOINTS = [  # every endpoint whose period is from/to moments
    "/stats/kpis",
    "/stats/counts",
    "/export/records",
    "/export/cells",
]
LONG_AGO, FAR_AHEAD = "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"
BAD_DAYS = [  # (query, the parameter the 422 names)
    ({"to": "0001-01-01"}, "to"),
    ({"from": "0001-01-01"}, "from"),
    ({"from": "9999-12-31"}, "from"),
    ({"to": "9999-12-31"}, "to"),
    ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
    ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),
    ({"from": "1999-12-31", "to": "2000-01-02"}, "from"),
    ({"from": "2100-12-01", "to": "2101-01-02"}, "to"),
    ({"from": "2022-06-02", "to": "2022-06-01"}, "to"),
    ({"from": "2022-06-01", "to": "2022-06-01"}, "to"),
    ({"from": "2000-01-01", "to": "2100-12-31"}, "from"),  # too long to compute
    ({"period": "9999-12"}, "period"),
    ({"period": "0000-01"}, "period"),
    ({"period": "0001-01"}, "period"),
    ({"period": "1999-12"}, "period"),
    ({"period": "2101-01"}, "period"),
    ({"period": "2022-13"}, "period"),
    ({"period": "2022-00"}, "period"),
    ({"period": "2022"}, "period"),
    ({"period": "-2022-01"}, "period"),
    ({"period": "2022-01-01"}, "period"),
    ({"period": "2022-1-"}, "period"),
    ({"period": "٢٠٢٢-٠١"}, "period"),  # Arabic-Indic digits, which int() would take
    ({"period": "99999999999999999999-01"}, "period"),
    ({"period": "2022-06", "from": "2022-06-01"}, "period"),
    ({"from": "10000-01-01"}, "from"),
    ({"to": "2022-02-30"}, "to"),
]
BAD_BASELINES = [
    ({"base_from": "0001-01-01", "base_to": "2022-01-01"}, "base_from"),
    ({"base_from": "2022-01-01", "base_to": "9999-12-31"}, "base_to"),
    ({"base_from": "9999-12-30", "base_to": "9999-12-31"}, "base_from"),
    ({"base_from": "2022-01-02", "base_to": "2022-01-01"}, "base_to"),
    ({"base_from": "2000-01-01", "base_to": "2100-01-01"}, "base_from"),
    ({"base_from": "2022-01-01"}, "base_to"),
]
BAD_MOMENTS = [
    ({"from": LONG_AGO}, "from"),
    ({"to": LONG_AGO}, "to"),
    ({"from": FAR_AHEAD}, "from"),
    ({"to": FAR_AHEAD}, "to"),
    ({"from": "0001-01-01T00:00:00Z"}, "from"),
    ({"to": "0001-01-01T00:00:00Z"}, "to"),
    ({"to": "9999-12-31T23:59:59Z"}, "to"),
    ({"from": "1999-12-31T23:59:59Z"}, "from"),
    ({"to": "2101-01-01T00:00:01Z"}, "to"),
    ({"from": "2024-05-01T08:00:00"}, "from"),  # no timezone
    ({"to": "20240101"}, "to"),  # a number is read as a Unix time: 1970
    ({"from": "2024-06-01T00:00:00Z", "to": "2024-05-01T00:00:00Z"}, "to"),
    ({"from": "2024-06-01T00:00:00Z", "to": "2024-06-01T00:00:00Z"}, "to"),
]
SINGLE_MOMENTS = [  # (endpoint, its one moment parameter)
    ("/records", "since"),
    ("/cells", "at"),
]
BAD_SINGLE = [
    LONG_AGO,
    FAR_AHEAD,
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "1999-12-31T23:59:59Z",
    "2101-01-01T00:00:01Z",
    "2024-05-01T08:00:00",
    "20240101",
]


def _cases() -> list[tuple[str, dict[str, str], str]]:
    """Every (endpoint, query, parameter) of the bad-date table."""
    out = [(path, q, name) for path in DAY_ENDPOINTS for q, name in BAD_DAYS]
    out += [("/analytics/compare", q, name) for q, name in BAD_BASELINES]
    out += [(path, q, name) for path in MOMENT_ENDPOINTS for q, name in BAD_MOMENTS]
    out += [(path, {name: v}, name) for path, name in SINGLE_MOMENTS for v in BAD_SINGLE]
    out.append(("/stats/kpis", {"from": "2100-01-01T00:00:00Z"}, "from"))  # after its default to
    out.append(("/analytics/heat", {"from": "2100-01-01"}, "from"))  # after its default to
    return out


CASES = _cases()


def _state(api) -> tuple[int, ...]:  # noqa: ANN001
    """Row counts that a refused request must leave as they were."""
    return tuple(api.count(t) for t in ("records", "audit_log", "heat_counts", "places"))


@pytest.mark.parametrize(
    "path,query,name",
    CASES,
    ids=[f"{p} {'&'.join(f'{k}={v}' for k, v in q.items())}" for p, q, _ in CASES],
)
def test_bad_date_is_a_field_level_422(api, path, query, name):
    before = _state(api)
    r = api.get(path, "admin", params=query)
    assert r.status_code == 422, r.text
    locs = [d["loc"] for d in r.json()["detail"]]
    assert ["query", name] in locs, r.text
    assert _state(api) == before


@pytest.mark.parametrize(
    "path,query",
    [
        ("/analytics/heat", {"from": "2000-01-01", "to": "2000-02-01"}),
        ("/analytics/heat", {"period": "2100-12"}),
        ("/analytics/heat", {"from": "2100-12-01", "to": "2101-01-01"}),
        ("/analytics/heat", {"from": "2012-01-01", "to": "2022-01-01"}),
        ("/analytics/heat", {"to": "2000-01-05"}),  # its default start lies in 1999
        ("/analytics/compare", {"period": "2000-06"}),  # its baseline: June 1999, no records
        ("/analytics/compare", {"period": "2022-06", "baseline": "previous"}),
        ("/analytics/table", {"from": "2000-01-01", "to": "2000-01-02"}),
        ("/stats/kpis", {"from": "2000-01-01T00:00:00Z", "to": "2101-01-01T00:00:00Z"}),
        ("/stats/kpis", {"to": "2000-02-01T00:00:00+08:00", "days": "3660"}),
        ("/stats/counts", {"from": "1999-12-31T16:00:00-08:00"}),
        ("/records", {"since": "2000-01-01T00:00:00Z"}),
        ("/cells", {"at": "2101-01-01T00:00:00Z"}),
        ("/export/records", {"from": "2000-01-01T00:00:00Z", "to": "2001-01-01T00:00:00Z"}),
    ],
)
def test_dates_at_the_edges_of_the_range_are_served(api, path, query):
    r = api.get(path, "admin", params=query)
    assert r.status_code == 200, r.text
