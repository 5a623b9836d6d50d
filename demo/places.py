"""Codes and coordinates that several of the demo's business areas share, and the row types they build."""

from __future__ import annotations

from typing import Any

PROVINCE = "350000"
ZHANGPU, ZHAOAN, HUIAN, JIANYANG = "350623", "350624", "350521", "350703"
"""The four counties the story is told in: 漳浦县, 诏安县, 惠安县 and 南平市建阳区."""

LonLat = tuple[float, float]
Row = dict[str, Any]
"""One feature as the demo builds it: attribute name to value, plus ``geometry`` for a spatial layer."""

BEACH_SEA: LonLat = (118.9600, 24.8700)
"""Sea off 崇武's beach: the beach and the outfall in it are placed on the coast nearest this."""
