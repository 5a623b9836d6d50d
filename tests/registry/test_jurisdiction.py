"""What every write must meet beyond its own attributes, decided in the registry's writing transaction:
jurisdiction from division codes (a province- or city-scoped account reaches every county inside its
area, also for records without geometry), references to current features of another layer (checked
against the writer's jurisdiction too), and a county code that agrees with the geometry."""

from datetime import date

import pytest
from shapely.geometry import MultiPolygon, Point, box

from layers.codes import code_prefix, code_within
from registry.errors import Conflict, Forbidden, InvalidInput

ZHANGPU, ZHAOAN = "350623", "350624"
ZHANGPU_BOX, ZHAOAN_BOX = box(117.35, 23.60, 117.95, 24.30), box(117.00, 23.55, 117.35, 23.85)
IN_ZHANGPU, IN_ZHAOAN, AT_SEA = Point(117.62, 23.77), Point(117.20, 23.70), Point(117.70, 23.40)
OUTFALL = {"receiving_kind": "sea", "outfall_class": "industrial", "subclass": "industrial_enterprise",
           "status": "surveyed"}


@pytest.fixture
def divisions(reg):
    """福建 (350000) ⊃ 漳州 (350600) ⊃ 漳浦 (350623) and 诏安 (350624); 福州 (350100) elsewhere."""
    layer = reg.layer("admin_divisions")
    for code, name, level, shape in (("350000", "福建省", "province", box(115.5, 23.3, 120.8, 28.4)),
                                     ("350600", "漳州市", "city", box(116.9, 23.5, 118.0, 24.9)),
                                     ("350100", "福州市", "city", box(118.3, 25.3, 120.0, 26.7)),
                                     (ZHANGPU, "漳浦县", "county", ZHANGPU_BOX),
                                     (ZHAOAN, "诏安县", "county", ZHAOAN_BOX)):
        layer.create({"code": code, "name": name, "level": level}, MultiPolygon([shape]))


def outfall(reg, code: str, county: str, at: Point, **kwargs):
    return reg.layer("outfalls").create({**OUTFALL, "code": code, "name": f"排口{code}", "county_code": county},
                                        at, **kwargs)


def sample(outfall_fid: int, county: str = ZHANGPU) -> dict:
    return {"outfall_fid": outfall_fid, "county_code": county, "sampled_on": date(2024, 5, 6), "parameter": "cod",
            "value": 42, "unit": "mg/L"}


@pytest.mark.parametrize(("code", "prefix"), [("350000", "35"), ("350600", "3506"), ("350623", "350623")])
def test_a_code_shares_its_prefix_with_its_subdivisions(code, prefix):
    assert code_prefix(code) == prefix
    assert code_within("350623", code)


def test_a_county_is_not_within_another_city():
    assert not code_within("350623", "350100")
    assert not code_within("350100", "350623")


@pytest.mark.parametrize("scope", ["350000", "350600", ZHANGPU])
def test_an_account_over_the_county_may_write_a_record_without_geometry(reg, divisions, scope):
    """The province (350000) once became ``LIKE '3500%'`` and could not touch a 漳浦 record."""
    gulei = outfall(reg, "350623-GL-001", ZHANGPU, IN_ZHANGPU)
    samples = reg.layer("outfall_samples")
    created = samples.create(sample(gulei.fid), scope=scope)
    samples.update(created.fid, {"value": 43}, base_version=created.version, scope=scope)
    assert samples.get(created.fid).properties["value"] == 43


@pytest.mark.parametrize("scope", ["350100", ZHAOAN])
def test_an_account_elsewhere_may_not(reg, divisions, scope):
    gulei = outfall(reg, "350623-GL-001", ZHANGPU, IN_ZHANGPU)
    with pytest.raises(Forbidden, match=scope):
        reg.layer("outfall_samples").create(sample(gulei.fid), scope=scope)
    assert reg.layer("outfall_samples").count() == 0


def test_a_sample_labelled_with_my_county_for_an_outfall_of_another_is_refused(reg, divisions):
    """The attack: a 漳浦 account files a sample under its own county code for 诏安's outfall."""
    zhaoan = outfall(reg, "350624-NZ-007", ZHAOAN, IN_ZHAOAN)
    with pytest.raises(Forbidden, match="所引用的入河入海排污口"):
        reg.layer("outfall_samples").create(sample(zhaoan.fid, ZHANGPU), scope=ZHANGPU)
    assert reg.layer("outfall_samples").count() == 0


def test_a_sample_of_no_current_outfall_is_refused_whoever_writes_it(reg, divisions):
    gone = outfall(reg, "350623-GL-002", ZHANGPU, IN_ZHANGPU)
    reg.layer("outfalls").delete(gone.fid, base_version=gone.version)
    for fid in (99_999_999, gone.fid):
        with pytest.raises(InvalidInput, match=f"outfall_fid: .*{fid}"):
            reg.layer("outfall_samples").create(sample(fid))
    assert reg.layer("outfall_samples").count() == 0


def test_an_import_naming_a_missing_feature_writes_nothing(reg, divisions):
    import pandas as pd

    gulei = outfall(reg, "350623-GL-001", ZHANGPU, IN_ZHANGPU)
    frame = pd.DataFrame([sample(gulei.fid), sample(12345)])
    with pytest.raises(InvalidInput, match="12345"):
        reg.layer("outfall_samples").import_frame(frame, source="test")
    assert reg.layer("outfall_samples").count() == 0


def test_a_feature_that_current_records_name_cannot_be_deleted(reg, divisions):
    gulei = outfall(reg, "350623-GL-001", ZHANGPU, IN_ZHANGPU)
    taken = reg.layer("outfall_samples").create(sample(gulei.fid))
    with pytest.raises(Conflict, match="仍被 1 条现行排污口监测数据引用"):
        reg.layer("outfalls").delete(gulei.fid, base_version=gulei.version)
    assert reg.layer("outfalls").get(gulei.fid).version == gulei.version
    reg.layer("outfall_samples").delete(taken.fid, base_version=taken.version)
    reg.layer("outfalls").delete(gulei.fid, base_version=gulei.version)
    assert reg.layer("outfalls").count() == 0


def test_a_county_code_that_disagrees_with_the_geometry_is_refused_naming_both(reg, divisions):
    """The attack: an outfall inside 漳浦 labelled 诏安 (350624) was counted in 漳浦's inspection pool."""
    with pytest.raises(InvalidInput, match=f"{ZHAOAN}.*{ZHANGPU}"):
        outfall(reg, "350624-GL-003", ZHAOAN, IN_ZHANGPU)
    right = outfall(reg, "350623-GL-003", ZHANGPU, IN_ZHANGPU)
    with pytest.raises(InvalidInput, match="不符"):
        reg.layer("outfalls").update(right.fid, {"county_code": ZHAOAN}, base_version=right.version)
    assert reg.layer("outfalls").get(right.fid).properties["county_code"] == ZHANGPU


def test_a_point_at_sea_belongs_to_the_nearest_county_stated_in_the_message(reg, divisions):
    with pytest.raises(InvalidInput, match=r"最近的县区为 漳浦县\(350623,相距 \d+\.\d 千米\)"):
        outfall(reg, "350624-HS-004", ZHAOAN, AT_SEA)
    assert outfall(reg, "350623-HS-004", ZHANGPU, AT_SEA).properties["county_code"] == ZHANGPU


def test_a_shape_beyond_the_layers_vertex_limit_is_refused_naming_the_limit(reg):
    """The attack: a 2,000,000-vertex polygon made every map page 54 MB for everyone."""
    import numpy as np
    from shapely.geometry import Polygon

    turn = np.linspace(0, 2 * np.pi, 150_000, endpoint=False)
    ring = Polygon(np.column_stack([117.6 + 0.05 * np.cos(turn), 23.8 + 0.05 * np.sin(turn)]))
    with pytest.raises(InvalidInput, match="150001 个顶点,超过本图层上限 100000"):
        reg.layer("land_parcels").create({"approval_fid": 1, "land_class": "水浇地", "ownership": "collective",
                                          "declared_ha": 1},
                                         MultiPolygon([ring]))
    assert reg.layer("land_parcels").count() == 0


def test_a_nul_byte_is_a_named_problem_not_a_server_error(reg):
    import geopandas as gpd

    with pytest.raises(InvalidInput, match="空字符"):
        reg.layer("outfalls").create({**OUTFALL, "code": "A\x00B", "name": "排口", "county_code": ZHANGPU},
                                     IN_ZHANGPU)
    rows = gpd.GeoDataFrame([{**OUTFALL, "code": "350623-GL-009", "name": "好\x00排口", "county_code": ZHANGPU}],
                            geometry=[IN_ZHANGPU], crs=4490)
    report = reg.layer("outfalls").import_frame(rows, source="test", dry_run=True)
    assert [(i.feature, i.field) for i in report.issues] == [(1, "name")]
    assert reg.layer("outfalls").count() == 0


def test_a_dry_run_applies_every_rule_of_the_import_and_names_file_rows(reg, divisions):
    """A dry run once said ``ok`` and the real import then got 403; reports named ids of a rolled-back insert."""
    import geopandas as gpd

    rows = [{**OUTFALL, "code": f"350623-GL-{i:03d}", "name": f"排口{i}", "county_code": ZHANGPU} for i in range(3)]
    rows[2] = {**rows[2], "code": "350624-NZ-002", "county_code": ZHAOAN}
    frame = gpd.GeoDataFrame(rows, geometry=[IN_ZHANGPU, IN_ZHANGPU, IN_ZHAOAN], crs=4490)
    layer = reg.layer("outfalls")
    dry = layer.import_frame(frame, source="survey.gpkg", dry_run=True, scope=ZHANGPU)
    assert not dry.ok and [(i.feature, i.field) for i in dry.issues] == [(3, "geometry")]
    assert "管辖范围(350623)" in dry.issues[0].problem
    with pytest.raises(Forbidden) as refused:
        layer.import_frame(frame, source="survey.gpkg", scope=ZHANGPU)
    assert [i.feature for i in refused.value.extra["report"].issues] == [3]
    assert layer.count() == 0
    assert layer.import_frame(frame.iloc[:2], source="survey.gpkg", dry_run=True, scope=ZHANGPU).ok
    assert layer.count() == 0, "a dry run writes nothing"


def test_a_dry_run_reports_a_code_that_clashes_with_a_current_feature(reg, divisions):
    import geopandas as gpd

    outfall(reg, "350623-GL-001", ZHANGPU, IN_ZHANGPU)
    again = gpd.GeoDataFrame([{**OUTFALL, "code": "350623-GL-001", "name": "又一个", "county_code": ZHANGPU}],
                             geometry=[IN_ZHANGPU], crs=4490)
    report = reg.layer("outfalls").import_frame(again, source="again.gpkg", dry_run=True)
    assert not report.ok and "350623-GL-001" in report.issues[0].problem and report.issues[0].field == "code"
    assert reg.layer("outfalls").count() == 1


def test_a_wrong_county_code_deep_in_a_big_import_is_found(reg, divisions):
    import geopandas as gpd

    rows = [{**OUTFALL, "code": f"350623-GL-{i:04d}", "name": f"排口{i}", "county_code": ZHANGPU} for i in range(1500)]
    rows[1499] = {**rows[1499], "county_code": ZHAOAN}
    frame = gpd.GeoDataFrame(rows, geometry=[IN_ZHANGPU] * 1500, crs=4490)
    report = reg.layer("outfalls").import_frame(frame, source="big.gpkg", dry_run=True)
    assert [(i.feature, i.field) for i in report.issues] == [(1500, "county_code")]
    assert ZHAOAN in report.issues[0].problem and ZHANGPU in report.issues[0].problem
