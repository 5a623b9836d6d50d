"""The demo loads through the ordinary import checks, once, and tells the gazette's story."""

from __future__ import annotations

from decimal import Decimal

from analysis.land.gazette import parse_gazette
from demo import gazette_text, load_demo


def test_demo_loads_once_with_exact_areas(reg):
    counts = load_demo(reg, parse_gazette(gazette_text()))
    assert counts["admin_divisions"] == 94 and counts["land_parcels"] == 11
    assert all(n > 0 for n in counts.values())
    assert load_demo(reg, parse_gazette(gazette_text())) == {}, "a second load changes nothing"
    parcels = reg.layer("land_parcels").to_geodataframe()
    assert round(parcels["area_ha"].sum(), 4) == 33.3333
    assert (parcels["area_ha"] == parcels["declared_ha"]).all(), "PostGIS areas equal the gazette's figures"
    approvals = reg.layer("land_approvals").to_geodataframe().set_index("doc_number")
    assert set(parcels["approval_fid"]) == {approvals.loc["闽政文〔2022〕354号", "fid"]}
    jianyang = reg.layer("land_approvals").get(int(approvals.loc["闽政文〔2022〕357号", "fid"]))
    assert jianyang.properties["area_ha"] == Decimal("11.4120"), "records keep exact decimals"
    history = reg.layer("outfalls").history(1)
    assert history[0].author == "demo" and history[0].source == "demo data: outfalls"
