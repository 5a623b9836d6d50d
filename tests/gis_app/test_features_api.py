"""OGC API - Features: reading, paging, filters, CRS, history, edits with ETag, imports, errors."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

OUTFALL = {"code": "350623-GL-001", "name": "古雷港口村排口", "county_code": "350623", "receiving_kind": "sea",
           "outfall_class": "industrial", "status": "surveyed"}


@pytest.fixture
def outfalls(reg):
    layer = reg.layer("outfalls")
    return [layer.create(dict(OUTFALL, code=f"350623-{i:03d}", name=f"排口{i}",
                              status="traced" if i % 2 else "surveyed"), Point(117.58 + i * 0.01, 23.74))
            for i in range(5)]


def test_landing_conformance_and_collections_link_each_other(client):
    landing = client.get("/").get_json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conformance = client.get("/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    collections = client.get("/collections").get_json()["collections"]
    ids = [c["id"] for c in collections]
    assert "outfalls" in ids and "admin_divisions" in ids, "reference layers are collections too"
    outfalls = next(c for c in collections if c["id"] == "outfalls")
    assert outfalls["title"] == "入河入海排污口"
    assert "http://www.opengis.net/def/crs/EPSG/0/4527" in outfalls["crs"]


def test_items_page_with_next_links_until_the_end(client, outfalls):
    seen, url = [], "/collections/outfalls/items?limit=2"
    while url:
        body = client.get(url).get_json()
        assert body["numberMatched"] == 5
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
    assert seen == [o.fid for o in outfalls]


def test_items_are_rfc7946_lon_lat_by_default(client, outfalls):
    response = client.get("/collections/outfalls/items?limit=1")
    assert response.mimetype == "application/geo+json"
    assert response.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert response.get_json()["features"][0]["geometry"]["coordinates"] == pytest.approx([117.58, 23.74])


def test_crs_parameter_gives_authority_axis_order(client, outfalls):
    gk = client.get("/collections/outfalls/items/1?crs=http://www.opengis.net/def/crs/EPSG/0/4527")
    northing, easting = gk.get_json()["geometry"]["coordinates"]
    expected_e, expected_n = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.58, 23.74)
    assert (easting, northing) == pytest.approx((expected_e, expected_n), abs=1e-3)
    assert easting > 39_000_000, "zone 39 coordinates carry the zone prefix"
    lat_lon = client.get("/collections/outfalls/items/1?crs=http://www.opengis.net/def/crs/EPSG/0/4490")
    assert lat_lon.get_json()["geometry"]["coordinates"] == pytest.approx([23.74, 117.58])


def test_bbox_and_bbox_crs_and_property_filters(client, outfalls):
    body = client.get("/collections/outfalls/items?bbox=117.575,23.7,117.605,23.8").get_json()
    assert [f["id"] for f in body["features"]] == [1, 2, 3]
    e0, n0 = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.575, 23.7)
    e1, n1 = Transformer.from_crs(4490, 4527, always_xy=True).transform(117.585, 23.8)
    gk = client.get(f"/collections/outfalls/items?bbox={n0},{e0},{n1},{e1}"
                    "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4527").get_json()
    assert [f["id"] for f in gk["features"]] == [1]
    traced = client.get("/collections/outfalls/items?status=traced").get_json()
    assert traced["numberMatched"] == 2 and {f["properties"]["status"] for f in traced["features"]} == {"traced"}


def test_history_and_as_of(client, reg, outfalls):
    first = outfalls[0]
    later = reg.layer("outfalls").update(first.fid, {"name": "改名后"}, base_version=1)
    instant = (first.valid_from + (later.valid_from - first.valid_from) / 2).isoformat()
    old = client.get(f"/collections/outfalls/items/{first.fid}", query_string={"datetime": instant}).get_json()
    assert old["properties"]["name"] == "排口0"
    versions = client.get(f"/collections/outfalls/items/{first.fid}/history").get_json()["features"]
    assert [v["properties"]["version"] for v in versions] == [1, 2]
    assert versions[1]["properties"]["name"] == "改名后"


def test_queryables_and_schema_give_stable_types(client):
    q = client.get("/collections/outfalls/queryables")
    assert q.mimetype == "application/schema+json"
    props = q.get_json()["properties"]
    assert props["status"]["enum"] == ["surveyed", "sampled", "traced", "decided", "remediated"]
    assert props["status"]["title"] == "工作进度"
    schema = client.get("/collections/land_parcels/schema").get_json()
    assert schema["properties"]["declared_ha"]["type"] == "number"
    assert schema["properties"]["area_ha"]["readOnly"] is True
    assert schema["properties"]["geometry"]["format"] == "geometry-multipolygon"


def feature(props: dict, geometry=None) -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": None if geometry is None else json.loads(gpd.GeoSeries([geometry]).to_json())[
                "features"][0]["geometry"]}


def test_edits_need_a_token(client):
    response = client.post("/collections/outfalls/items", json=feature(OUTFALL, Point(117.6, 23.76)))
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_create_patch_replace_delete_with_etags(client, reg, token):
    created = client.post("/collections/outfalls/items", json=feature(OUTFALL, Point(117.6, 23.76)), headers=token)
    assert created.status_code == 201, created.get_json()
    location, etag = created.headers["Location"], created.headers["ETag"]
    path = location.replace("http://localhost", "")
    assert etag == '"1"'
    patched = client.patch(path, json={"type": "Feature", "properties": {"status": "traced"}},
                           headers={**token, "If-Match": etag})
    assert patched.status_code == 200 and patched.headers["ETag"] == '"2"'
    assert patched.get_json()["geometry"]["coordinates"] == pytest.approx([117.6, 23.76]), "PATCH keeps geometry"
    stale = client.put(path, json=feature(OUTFALL, Point(117.61, 23.76)), headers={**token, "If-Match": etag})
    assert stale.status_code == 412 and "current version is 2" in stale.get_json()["detail"]
    missing = client.delete(path, headers=token)
    assert missing.status_code == 428
    replaced = client.put(path, json=feature(OUTFALL, Point(117.61, 23.76)), headers={**token, "If-Match": '"2"'})
    assert replaced.status_code == 200 and replaced.get_json()["properties"]["status"] == "surveyed"
    assert client.delete(path, headers={**token, "If-Match": '"3"'}).status_code == 204
    assert client.get(path).status_code == 404
    history = reg.layer("outfalls").history(1)
    assert [(h.version, h.author, h.deleted) for h in history] == [
        (1, "编辑甲 (editor)", False), (2, "编辑甲 (editor)", False), (3, "编辑甲 (editor)", False),
        (4, "编辑甲 (editor)", True)]
    assert history[1].source == f"PATCH {path}"


def test_invalid_edits_are_problems_that_name_field_and_reason(client, token):
    bad = client.post("/collections/outfalls/items", json=feature(dict(OUTFALL, status="done"), Point(23.76, 117.6)),
                      headers=token)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    detail = bad.get_json()["detail"]
    assert "swapped" in detail or "status" in detail
    not_feature = client.post("/collections/outfalls/items", json={"type": "Point"}, headers=token)
    assert not_feature.status_code == 422 and "GeoJSON Feature" in not_feature.get_json()["detail"]


def test_bulk_import_with_dry_run_then_for_real(client, reg, token):
    frame = gpd.GeoDataFrame([dict(OUTFALL, code=f"IMP-{i}", name=f"导入{i}") for i in range(3)],
                             geometry=[Point(117.6 + i / 100, 23.76) for i in range(3)], crs=4490)
    payload = frame.to_json().encode()
    dry = client.post("/collections/outfalls/import", headers=token,
                      data={"file": (io.BytesIO(payload), "survey.geojson"), "dry_run": "true"})
    assert dry.status_code == 200 and dry.get_json()["features"] == 3 and dry.get_json()["written"] == 0
    assert reg.layer("outfalls").count() == 0
    real = client.post("/collections/outfalls/import", headers=token,
                       data={"file": (io.BytesIO(payload), "survey.geojson")})
    assert real.status_code == 201 and real.get_json()["written"] == 3
    assert reg.layer("outfalls").history(1)[0].source == "import survey.geojson"
    frame.loc[1, "geometry"] = box(117, 23, 118, 24)
    refused = client.post("/collections/outfalls/import", headers=token,
                          data={"file": (io.BytesIO(frame.to_json().encode()), "bad.geojson")})
    assert refused.status_code == 422
    issues = refused.get_json()["report"]["issues"]
    assert [(i["feature"], i["field"]) for i in issues] == [(2, "geometry")]
    assert reg.layer("outfalls").count() == 3


@pytest.mark.parametrize("url", [
    "/collections/nope/items", "/collections/outfalls/items?limit=0", "/collections/outfalls/items?limit=x",
    "/collections/outfalls/items?bbox=1,2,3", "/collections/outfalls/items?colour=red",
    "/collections/outfalls/items?crs=EPSG:3857", "/collections/outfalls/items?datetime=2024-01-01/..",
    "/collections/outfalls/items/999",
])
def test_errors_are_problem_json_without_internals(client, url):
    response = client.get(url)
    assert response.status_code in (400, 404, 422)
    body = response.get_json()
    assert response.mimetype == "application/problem+json" and body["status"] == response.status_code
    assert "Traceback" not in response.text and "SELECT" not in response.text


def test_openapi_describes_every_collection_path(client):
    doc = client.get("/openapi").get_json()
    assert doc["openapi"].startswith("3.")
    for name in ("outfalls", "land_parcels", "admin_divisions"):
        assert {"get", "post"} <= set(doc["paths"][f"/collections/{name}/items"])
        assert {"get", "put", "patch", "delete"} <= set(doc["paths"][f"/collections/{name}/items/{{fid}}"])
    params = {p["name"] for p in doc["paths"]["/collections/outfalls/items"]["get"]["parameters"]}
    assert {"bbox", "limit", "crs", "status", "outfall_class"} <= params


def test_html_views_for_people(client, outfalls):
    page = client.get("/collections/outfalls/items?f=html")
    assert page.mimetype == "text/html" and "入河入海排污口" in page.text and "已溯源" in page.text
    assert "排口3" in client.get("/collections/outfalls/items/4?f=html").text


def test_enterprise_identifiers_are_shown_only_to_editors(client, reg, token):
    reg.layer("outfalls").create(dict(OUTFALL, credit_code="9144030071526726XG", responsible_party="某化工公司"),
                                 Point(117.6, 23.76))
    public = client.get("/collections/outfalls/items/1").get_json()["properties"]
    assert "credit_code" not in public and "responsible_party" not in public and public["name"] == OUTFALL["name"]
    assert client.get("/collections/outfalls/items?credit_code=9144030071526726XG").status_code == 400
    assert "credit_code" not in client.get("/collections/outfalls/queryables").get_json()["properties"]
    editor = client.get("/collections/outfalls/items/1", headers=token).get_json()["properties"]
    assert editor["credit_code"] == "9144030071526726XG"
    found = client.get("/collections/outfalls/items?credit_code=9144030071526726XG", headers=token).get_json()
    assert found["numberMatched"] == 1


@pytest.mark.parametrize("url", ["/collections/outfalls/items/99999999999999999999",
                                 "/collections/outfalls/items/9223372036854775807"])
def test_huge_ids_are_not_found(client, url):
    response = client.get(url)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_the_browsers_favicon_request_is_answered_without_an_error(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 204 and "max-age" in response.headers["Cache-Control"]
