"""Checks, stored runs and reports (DESIGN.md: set-based SQL, declared once, runs kept for comparison).

    from registry import connect
    from analysis import run_checks
    run = run_checks(connect(), layers=["outfalls"], area="350623")
    run.findings()                   # a GeoDataFrame in EPSG:4490
    run.compare(previous).new        # findings that appeared since ``previous``
"""

from analysis.engine import Area, Check, all_checks, select_checks
from analysis.runs import (
                           Comparison,
                           Run,
                           RunFailed,
                           RunNotFinished,
                           RunPruned,
                           list_runs,
                           load_run,
                           prune_runs,
                           queue_run,
                           run_checks,
                           work,
)

__all__ = ["Area", "Check", "Comparison", "Run", "RunFailed", "RunNotFinished", "RunPruned", "all_checks", "list_runs",
           "load_run", "prune_runs", "queue_run", "run_checks", "select_checks", "work"]
