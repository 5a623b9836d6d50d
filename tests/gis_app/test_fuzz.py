"""Fuzzing the API with schemathesis against the app's own ``/openapi``: every operation the document
describes (so every layer and every endpoint added later, with no list kept here) gets generated
requests, valid and invalid, with an administrator's token; no answer may be a server error, and every
answer must be one the document promises (status code, content type, body schema).

The bounded run here is CI's; ``bench/fuzz.py`` runs the same with many more examples.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from shapely.geometry import Point, box

from analysis.land.gazette import parse_gazette
from demo import build_demo, gazette_text
from gis_app import create_app
from registry import Registry, connect
from registry.accounts import create_account, issue_token
from tests.helpers import truncate_all

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
"""No 5xx; the status code and content type are documented for the operation; the body matches its schema."""
MAX_EXAMPLES = int(os.environ.get("FUJIAN_FUZZ_EXAMPLES", "15"))
MODES = os.environ.get("FUJIAN_FUZZ_MODES", "positive,negative").split(",")
PHASES = os.environ.get("FUJIAN_FUZZ_PHASES", "examples,fuzzing").split(",")
"""CI leaves out the coverage phase (every boundary of every parameter, unbounded by MAX_EXAMPLES: most of
the time on the items operations); bench/fuzz.py runs it."""
RANDOM = os.environ.get("FUJIAN_FUZZ_RANDOM") == "1"
"""CI draws the same examples every run (a red CI is a change, not bad luck); bench/fuzz.py draws new ones."""
OUTFALL = {"county_code": "350623", "receiving_kind": "sea", "outfall_class": "industrial", "status": "surveyed"}


def seed(reg: Registry) -> None:
    """A few features for the generated ids and filters to hit: outfalls with history, a protected zone."""
    outfalls = reg.layer("outfalls")
    first, *_ = [outfalls.create(dict(OUTFALL, code=f"350623-FZ-{i:03d}", name=f"模糊测试排口{i}"),
                                 Point(117.58 + i * 0.01, 23.74)) for i in range(4)]
    outfalls.update(first.fid, {"status": "traced"}, base_version=first.version)
    reg.layer("protected_zones").create({"name": "漳浦测试水源保护区", "zone_type": "drinking_water_source",
                                         "county_code": "350623"}, box(117.55, 23.70, 117.60, 23.75))


def load_schema() -> Any:
    """The OpenAPI document as the app serves it. Reading it needs no database, so it is loaded when the
    tests are collected (one test per operation); the requests go to the test's own app."""
    schema = schemathesis.openapi.from_wsgi("/openapi", create_app({"TESTING": True}))
    schema.config.generation.update(modes=MODES, max_examples=MAX_EXAMPLES)
    schema.config.phases.update(phases=PHASES)
    return schema


schema = load_schema()


@pytest.fixture(scope="module")
def fuzzed(db_url: str) -> Iterator[tuple[Flask, dict[str, str]]]:
    """The app over the seeded test database and an administrator's token headers, shared by every
    operation of the module (seeding and emptying per operation would double the run); emptied at the end."""
    reg = connect(db_url, user="tester")
    seed(reg)
    create_account(reg, "fuzzer", "模糊测试管理员", roles=["admin"])
    app = create_app({"TESTING": True, "DATABASE_URL": db_url})
    yield app, {"Authorization": f"Bearer {issue_token(reg, 'fuzzer')}"}
    app.extensions["registry"].close()
    truncate_all(reg)
    reg.close()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=not RANDOM,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_answers_as_documented(case: schemathesis.Case, fuzzed: tuple[Flask, dict[str, str]]) -> None:
    app, headers = fuzzed
    case.call_and_validate(headers=headers, checks=CHECKS, app=app)


BEYOND_PATH = (2 ** 63, 10 ** 30)
"""Integers a path may carry that no BIGINT column holds."""
BEYOND_QUERY = ("2147483648", "9223372036854775808", "-9223372036854775809", "Infinity", "1e5000")
"""Past INTEGER, past BIGINT (both signs), infinite, and past Python's 4300-digit limit for int ↔ str."""
FEATURE = {"type": "Feature", "properties": {}}


def _requests() -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(method, path, query, what) for every integer parameter of every operation of the document, set
    just past what PostgreSQL holds; the other path parameters are 1 (or "x" when they are text)."""
    for template, item in schema.raw_schema["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            params = [*item.get("parameters", []), *operation.get("parameters", [])]
            path_params = {p["name"]: p for p in params if p["in"] == "path"}
            base = {name: 1 if p["schema"].get("type") == "integer" else "x" for name, p in path_params.items()}
            for p in params:
                if p["schema"].get("type") != "integer" or p["in"] not in {"path", "query"}:
                    continue
                values = BEYOND_PATH if p["in"] == "path" else BEYOND_QUERY
                for value in values:
                    names = dict(base, **({p["name"]: value} if p["in"] == "path" else {}))
                    query = {p["name"]: value} if p["in"] == "query" else {}
                    yield method.upper(), template.format(**names), query, f"{p['in']} {p['name']}={value}"


def test_numbers_past_the_database_range_are_client_errors(fuzzed: tuple[Flask, dict[str, str]]) -> None:
    """Deterministic edges random generation rarely draws: integers past INTEGER/BIGINT in every integer
    path and query parameter of the document must give 4xx, not a database error (500)."""
    app, headers = fuzzed
    client = app.test_client()
    failures = []
    for method, path, query, what in _requests():
        response = client.open(path, method=method, query_string=query, json=FEATURE,
                               headers={**headers, "If-Match": '"1"', "Content-Type": "application/geo+json"})
        if response.status_code >= 500:
            failures.append(f"{method} {path} ({what}) → {response.status_code}")
    assert not failures, f"{len(failures)} server errors, e.g.:\n" + "\n".join(failures[:60])


def test_features_without_their_geometry_are_client_errors(fuzzed: tuple[Flask, dict[str, str]]) -> None:
    """A feature posted with ``"geometry": null`` to any collection, with otherwise valid properties (the
    demo's first feature of that layer), is refused with 4xx or accepted; never a database error."""
    app, headers = fuzzed
    client = app.test_client()
    demo = build_demo(parse_gazette(gazette_text()))
    failures = []
    for template, item in schema.raw_schema["paths"].items():
        parts = template.split("/")
        if "post" not in item or len(parts) != 4 or parts[1] != "collections" or parts[3] != "items":
            continue
        frame = demo.get(parts[2])
        if frame is None or frame.empty:
            continue
        props = json.loads(frame.drop(columns=frame.geometry.name).head(1)
                           .to_json(orient="records", date_format="iso", default_handler=str))[0]
        response = client.post(template, json={"type": "Feature", "geometry": None, "properties": props},
                               headers={**headers, "Content-Type": "application/geo+json"})
        if response.status_code >= 500:
            failures.append(f"POST {template} → {response.status_code}")
    assert not failures, "\n".join(failures)
