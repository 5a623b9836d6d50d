"""JSON Schemas of the collections, derived from the layer declarations (one source of truth).

Used by ``/collections/{id}/queryables``, ``/collections/{id}/schema`` and the OpenAPI document, so
clients such as QGIS get stable field types.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, String

from layers.base import Feature, layer_attributes

GEOMETRY_SCHEMAS = {
    "POINT": {"$ref": "https://geojson.org/schema/Point.json"},
    "MULTIPOLYGON": {"$ref": "https://geojson.org/schema/MultiPolygon.json"},
    "MULTILINESTRING": {"$ref": "https://geojson.org/schema/MultiLineString.json"},
}
GEOMETRY_FORMATS = {"POINT": "geometry-point", "MULTIPOLYGON": "geometry-multipolygon",
                    "MULTILINESTRING": "geometry-multilinestring"}


def property_schema(model: type[Feature], name: str) -> dict[str, Any]:
    """The JSON Schema of one attribute: type, Chinese title, English description, codes, bounds."""
    column = model.__table__.c[name]
    rule = column.info["rule"]
    kind = column.type
    schema: dict[str, Any]
    if isinstance(kind, Boolean):
        schema = {"type": "boolean"}
    elif isinstance(kind, Integer | BigInteger):
        schema = {"type": "integer"}
    elif isinstance(kind, Numeric):
        schema = {"type": "number"}
    elif isinstance(kind, DateTime):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(kind, Date):
        schema = {"type": "string", "format": "date"}
    else:
        schema = {"type": "string"}
        if isinstance(kind, String) and kind.length:
            schema["maxLength"] = kind.length
    if rule.codes is not None:
        schema["enum"] = rule.codes.values()
        schema["x-labels"] = {c.code: c.zh for c in rule.codes}
    if rule.minimum is not None:
        schema["minimum"] = rule.minimum
    if rule.maximum is not None:
        schema["maximum"] = rule.maximum
    if rule.pattern is not None:
        schema["pattern"] = rule.pattern
    if column.info.get("computed"):
        schema["readOnly"] = True
    if column.nullable:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return {"title": rule.zh, "description": rule.en, **schema}


def queryables(model: type[Feature], base_url: str, hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Properties a client may filter on with ``?name=value`` (OGC API Features Part 3 queryables)."""
    props = {name: property_schema(model, name) for name in layer_attributes(model) if name not in hidden}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": base_url,
            "type": "object", "title": model.__layer__.title_zh, "properties": props,
            "additionalProperties": False}


def feature_schema(model: type[Feature], base_url: str, hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The schema of a feature's properties and geometry (Part 5 style), including version metadata."""
    meta = model.__layer__
    props = {name: property_schema(model, name) for name in layer_attributes(model) if name not in hidden}
    props["version"] = {"title": "版本", "description": "Version (for If-Match)", "type": "integer",
                        "readOnly": True}
    required = [n for n, r in layer_attributes(model).items() if r.required and n not in hidden]
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": base_url,
                              "type": "object", "title": meta.title_zh, "description": meta.title_en,
                              "properties": props, "required": required}
    if meta.geometry_type:
        schema["properties"]["geometry"] = {"format": GEOMETRY_FORMATS[meta.geometry_type],
                                            **GEOMETRY_SCHEMAS[meta.geometry_type]}
    return schema
