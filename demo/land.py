"""Land approvals and expropriation parcels, from the text of the 2022 No. 11 provincial gazette.

The demo takes the four approvals as the land area's parser reads them and gives them geometry: zone
plans an outline scaled to the approved area, Zhangpu batch 57 one exact-area rectangle per parcel.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from importlib.resources import files
from typing import Any, Protocol

from shapely.geometry import MultiPolygon, Polygon

from demo.geodesy import at, fit, rect, shape
from demo.places import HUIAN, JIANYANG, ZHAOAN, LonLat, Row

PARCEL_LINK = "approval_doc_number"
"""Parcels name their approval by document number; the loader turns it into ``approval_fid``."""

GAZETTE = "gazette_2022_11.txt"

_VILLAGE_COLUMNS: dict[str, LonLat] = {"港口村": (117.6075, 23.7790), "下堀村": (117.6200, 23.7820)}
"""Southern end of each village's column of parcels on the Gulei peninsula."""
_PARCEL_ASPECT = 1.3
_PARCEL_GAP_M = 30.0

_ZONE_PLANS: dict[str, tuple[LonLat, list[tuple[float, float]]]] = {
    HUIAN: ((118.8150, 25.0000), [(-120, -90), (110, -100), (130, 60), (20, 120), (-110, 80)]),
    ZHAOAN: ((117.1850, 23.7400), [(-160, -120), (150, -140), (170, 90), (-40, 150), (-170, 60)]),
    JIANYANG: ((118.1500, 27.3180), [(-170, -160), (180, -150), (160, 170), (-60, 180), (-190, 40)]),
}
"""Centre and outline (metres) of each zone plan; the outline is scaled to the approved area."""


def gazette_text() -> str:
    """The 2022 No. 11 gazette's text: the one copy in the project, read by the demo and the tests."""
    return (files("demo") / "data" / GAZETTE).read_text(encoding="utf-8")


class GazetteApproval(Protocol):
    """One approval as the land area's gazette parser reads it (``analysis.land.gazette.parse_gazette``):
    the demo takes the parsed approvals from its caller, because demo data may import only the registry
    and the layers."""

    properties: dict[str, Any]
    parcels: list[dict[str, Any]]


def _zhangpu_parcels(parcels: Sequence[Row]) -> list[Polygon]:
    """One exact-area rectangle per parcel, stacked northwards in a column per village with gaps."""
    cursors = dict.fromkeys(_VILLAGE_COLUMNS, 0.0)
    shapes = []
    for parcel in parcels:
        village = parcel["village"]
        side = math.sqrt(float(parcel["declared_ha"]) * 10_000 / _PARCEL_ASPECT)
        centre = at(_VILLAGE_COLUMNS[village], 0, cursors[village] + side / 2)
        shapes.append(fit(rect(centre, side * _PARCEL_ASPECT, side), parcel["declared_ha"]))
        cursors[village] += side + _PARCEL_GAP_M
    return shapes


def approval_and_parcel_rows(gazette: Iterable[GazetteApproval]) -> tuple[list[Row], list[Row]]:
    """The four approvals of the gazette with their parcels; zone plans get their plan polygon."""
    approvals, parcels = [], []
    for parsed in gazette:
        approval: Row = dict(parsed.properties)
        if approval["approval_kind"] == "zone_plan":
            centre, outline = _ZONE_PLANS[approval["county_code"]]
            approval["geometry"] = fit(shape(centre, outline), approval["plan_area_ha"])
        else:
            shapes = _zhangpu_parcels(parsed.parcels)
            approval["geometry"] = MultiPolygon(shapes)
            parcels += [{**p, PARCEL_LINK: approval["doc_number"], "geometry": s}
                        for p, s in zip(parsed.parcels, shapes, strict=True)]
        approvals.append(approval)
    return approvals, parcels
