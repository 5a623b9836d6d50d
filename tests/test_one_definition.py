"""Each fact of the product has exactly one definition (issue 16): one-line facts escape ``duplicates``,
which only sees runs of six lines, so they are counted here in the product's source (migrations keep
their frozen copies and are not counted)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("layers", "registry", "analysis", "maps", "gis_app", "demo")


def sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for pkg in PACKAGES
            for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts}


FACTS = {
    "the eldercare service radius": (r"(?i)(?<![?&])radius\w*\s*[=:]\s*700(\.0)?\b", "layers/eldercare.py"),
    "the division-code prefix rule": (r"endswith\(\"0000\"\)|LIKE '%0000'", "layers/codes.py"),
    "the hectare expression": (r"/ 10000\.0\)::numeric", "layers/base.py"),
    "the severity labels": (r"\"错误\"", "analysis/engine.py"),
    "the finding colour": (r"#E31A1C", "analysis/engine.py"),
    "the registry accessor of a request": (r"extensions\[\"registry\"\](?!\s*=)", "gis_app/context.py"),
    "the request integer parser": (r"def integer\(|def _int\w*\(", "gis_app/params.py"),
    "the lon/lat output conversion": (r"to_crs\((4326|\"EPSG:4326\")\)", "registry/crs.py"),
    "the front-end asset folder": (r"\"node_modules\"", "gis_app/settings.py"),
    "a layer's department": (r"DEPARTMENT\s*=", None),
}


@pytest.mark.parametrize("fact", FACTS)
def test_a_fact_is_defined_in_one_place(fact):
    pattern, home = FACTS[fact]
    found = {path for path, text in sources().items() if re.search(pattern, text)}
    assert found == ({home} if home else set()), f"{fact}: defined in {sorted(found)}; expected only {home}"


def test_request_values_are_parsed_by_the_one_parser():
    """``request.args.get(..., type=int)`` silently drops a bad value; :mod:`gis_app.params` names it."""
    assert not [p for p, text in sources().items() if re.search(r"request\.args\.get\([^)]*type=", text)]


def test_the_radius_is_declared_once_and_read_from_the_layer():
    from analysis.eldercare.coverage import STATION_RADIUS_M
    from layers.eldercare import EldercareFacility

    assert EldercareFacility.__layer__.service_radius_m == STATION_RADIUS_M == 700.0


def test_no_helper_is_defined_twice():
    """Functions with the same name and body in two modules are one helper copied."""
    bodies: dict[str, list[str]] = {}
    for path, text in sources().items():
        for m in re.finditer(r"^def (\w+)\(.*?(?=^\S)", text + "\nEND", re.M | re.S):
            bodies.setdefault(re.sub(r"\s+", " ", m.group(0)), []).append(f"{path}:{m.group(1)}")
    copies = [places for body, places in bodies.items() if len(places) > 1 and body.count(" ") > 40]
    assert not copies
