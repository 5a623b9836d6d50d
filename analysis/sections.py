"""A business area's own part of a check run's report: a titled table with an optional chart.

Each area that has something to add beyond the findings declares ``sections(run)`` in
``analysis/<area>/report.py``; :mod:`analysis.reports` collects them, so the generic report names no area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure


@dataclass
class ReportSection:
    """``columns`` are (key, heading, numeric); a cell is a value, or (css class, text) for a status."""

    key: str
    title: str
    note: str = ""
    columns: list[tuple[str, str, bool]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    figure: Figure | None = None
    figure_alt: str = ""
