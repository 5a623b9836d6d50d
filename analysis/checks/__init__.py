"""Declared checks, one module per layer or area of work, each exposing ``CHECKS: list[Check]``.

The engine discovers every module here (:func:`analysis.engine.all_checks`): a layer's issue adds its
module and nothing else. Each check's SQL reads current rows only (``valid_to IS NULL``) and returns
``fid``, ``key``, ``geom`` (EPSG:4490), ``county_code`` and its measured columns.
"""
