"""The OGC API – Features for clients (QGIS, GDAL, scripts): collections, items, schemas, OpenAPI."""
