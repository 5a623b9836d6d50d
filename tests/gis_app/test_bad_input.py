"""Inputs that once answered 500: each now gets a 4xx problem naming what is wrong, and nothing is written."""

from __future__ import annotations

import io
import zipfile

import pytest


@pytest.fixture
def admin(token_for) -> dict[str, str]:
    return token_for(("admin",), username="gly", display_name="管理员")


def problem(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    detail = response.get_json()["detail"]
    assert all(w in detail for w in words), detail


def upload(client, headers, name: str, data: bytes):
    return client.post("/collections/outfalls/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name), "crs": "EPSG:4490"})


def feature(client, headers, body: str, layer: str = "outfalls"):
    return client.post(f"/collections/{layer}/items", data=body,
                       headers={**headers, "Content-Type": "application/json"})


def test_a_nul_byte_in_a_filter_is_named(client):
    problem(client.get("/collections/outfalls/items?name=%00"), 400, "name", "NUL")


def test_a_geometry_type_geojson_does_not_have(client, admin):
    problem(feature(client, admin, '{"type": "Feature", "properties": {}, '
                                   '"geometry": {"type": "Circle", "coordinates": [117.6, 23.8]}}'),
            422, "Circle")


def test_json_nested_a_thousand_deep(client, admin):
    problem(feature(client, admin, '{"a":' * 1000 + "1" + "}" * 1000), 422, "32")


def test_a_geometry_collection_nested_five_hundred_deep(client, admin):
    collection = ('{"type":"GeometryCollection","geometries":[' * 500 + '{"type":"Point","coordinates":[117.6,23.8]}'
                  + "]}" * 500)
    problem(feature(client, admin, '{"type":"Feature","properties":{},"geometry":' + collection + "}",
                    "protected_zones"), 422, "32")


@pytest.mark.parametrize(("name", "data", "words"), [
    ("latin.csv", b"code,name,lon,lat\n\x81\x30\xff\xfe,\x80,117.6,23.8\n", ("UTF-8", "GB18030")),
    ("broken.csv", 'code,name,lon,lat\nA,"名\n,117.6'.encode("gbk"), ("gb18030",)),
])
def test_csv_files_that_cannot_be_read(client, reg, admin, name, data, words):
    problem(upload(client, admin, name, data), 422, *words)
    assert reg.layer("outfalls").count() == 0


def test_a_utf16_csv_is_read(client, admin):
    data = "code,name,county_code,lon,lat\n350623-GL-001,名,350623,117.6,23.8\n".encode("utf-16")
    response = upload(client, admin, "utf16.csv", data)
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    assert "UTF-8" not in response.get_data(as_text=True), "decoded, then judged by the layer's rules"


def test_a_zip_with_a_damaged_member(client, reg, admin):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for part, fill in (("survey.shp", b"A"), ("survey.dbf", b"B"), ("survey.shx", b"C")):
            archive.writestr(part, fill * 400)
    damaged = bytearray(buffer.getvalue())
    damaged[damaged.find(b"AAAA") + 10] = ord("Z")
    problem(upload(client, admin, "survey.zip", bytes(damaged)), 422, "survey.shp", "损坏")
    assert reg.layer("outfalls").count() == 0


@pytest.mark.parametrize("path", ["/runs?limit=abc", "/map?run=abc", "/land/map?run=abc"])
def test_a_parameter_that_is_no_number_is_refused_not_ignored(client, path):
    problem(client.get(path), 422, "整数")
