"""The stories as fixtures, for the tests of every package (registered by ``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from registry import Registry
from tests.stories.checks import CheckStory, build_check_story
from tests.stories.eldercare import build_county
from tests.stories.served import ServedStory, build_served_story
from tests.stories.standard_land import build_site


@pytest.fixture
def check_story(reg: Registry) -> CheckStory:
    """Outfalls around the Gulei source zone and the Zhao'an and Hui'an zone plans: what the first two
    checks find."""
    return build_check_story(reg)


@pytest.fixture
def served_story(reg: Registry) -> ServedStory:
    """A handful of features in five layers around Zhangpu, for the map and the OGC clients to read."""
    return build_served_story(reg)


@pytest.fixture
def county(reg: Registry) -> Registry:
    """The registry with the eldercare county of :func:`tests.stories.eldercare.build_county`."""
    build_county(reg)
    return reg


@pytest.fixture
def site(reg: Registry) -> Registry:
    """The registry with the standard-land site of :func:`tests.stories.standard_land.build_site`."""
    build_site(reg)
    return reg
