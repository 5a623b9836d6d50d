"""Fixtures of the analysis tests: the seed story of :mod:`tests.analysis.story` in the test database."""

from __future__ import annotations

import pytest

from registry import Registry
from tests.analysis.story import Story, build_story


@pytest.fixture
def story(reg: Registry) -> Story:
    return build_story(reg)
