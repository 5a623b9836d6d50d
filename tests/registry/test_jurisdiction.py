"""Jurisdiction of a write decided from division codes: a province- or city-scoped account reaches every
county inside its area, also for records without geometry (judged by their ``county_code``)."""

from datetime import date

import pytest

from layers.codes import code_prefix, code_within
from registry.errors import Forbidden

SAMPLE = {"outfall_fid": 1, "county_code": "350623", "sampled_on": date(2024, 5, 6), "parameter": "cod",
          "value": 42, "unit": "mg/L"}
"""A monitoring sample of a 漳浦 (350623) outfall: a record with a county code and no geometry."""


@pytest.mark.parametrize(("code", "prefix"), [("350000", "35"), ("350600", "3506"), ("350623", "350623")])
def test_a_code_shares_its_prefix_with_its_subdivisions(code, prefix):
    assert code_prefix(code) == prefix
    assert code_within("350623", code)


def test_a_county_is_not_within_another_city():
    assert not code_within("350623", "350100")
    assert not code_within("350100", "350623")


@pytest.mark.parametrize("scope", ["350000", "350600", "350623"])
def test_an_account_over_the_county_may_write_a_record_without_geometry(reg, scope):
    """The province (350000) once became ``LIKE '3500%'`` and could not touch a 漳浦 record."""
    samples = reg.layer("outfall_samples")
    created = samples.create(SAMPLE, scope=scope)
    samples.update(created.fid, {"value": 43}, base_version=created.version, scope=scope)
    assert samples.get(created.fid).properties["value"] == 43


@pytest.mark.parametrize("scope", ["350100", "350624"])
def test_an_account_elsewhere_may_not(reg, scope):
    with pytest.raises(Forbidden, match=scope):
        reg.layer("outfall_samples").create(SAMPLE, scope=scope)
    assert reg.layer("outfall_samples").count() == 0
