"""The outfalls' part of a check run's report: remediation progress against the targets of 43号."""

from __future__ import annotations

import pandas as pd

from analysis.outfalls.config import OUTFALL_TARGETS
from analysis.outfalls.progress import progress_chart, progress_table
from analysis.runs import Run
from analysis.sections import ReportSection


def outfall_progress(run: Run) -> pd.DataFrame:
    """Share of outfalls traced and remediated in the run's area and per key basin or bay, as the data
    stood when the run started, so a report rebuilt later shows the same figures (computed by
    :func:`analysis.outfalls.progress.progress_table`)."""
    frame = progress_table(run.registry, area=run.params.get("area"), as_of=run.started_at,
                           groups=("total", "basin", "bay", "model_bay"))
    frame = frame[frame["total"] > 0].rename(columns={"name": "area"})
    return frame[["area", "total", "traced", "remediated", "traced_pct", "remediated_pct"]].reset_index(drop=True)


def sections(run: Run) -> list[ReportSection]:
    """The progress table and chart, when the run checked outfalls and its area has some."""
    if "outfalls" not in {c.layer for c in run.checks()}:
        return []
    progress = outfall_progress(run)
    if progress.empty:
        return []
    first, second = OUTFALL_TARGETS[0], OUTFALL_TARGETS[1]
    note = (f"重点流域、海湾:{first.year}年底溯源 {first.traced_pct:.0f}%、整治 {first.remediated_pct:.0f}%;"
            f"{second.year}年底溯源 {second.traced_pct:.0f}%、整治 {second.remediated_pct:.0f}%(闽政办〔2022〕43号)。"
            "按检查开始时的数据统计;已溯源含已定整治类型和已整治。")
    columns = [("area", "区域", False), ("total", "排污口数", True), ("traced", "已溯源", True),
               ("remediated", "已整治", True)] + [(f"target_{t.year}", f"{t.year}年底目标", False)
                                                 for t in OUTFALL_TARGETS]
    rows = []
    for p in progress.to_dict("records"):
        row = {"area": p["area"], "total": p["total"], "traced": f"{p['traced']}({p['traced_pct']}%)",
               "remediated": f"{p['remediated']}({p['remediated_pct']}%)"}
        for t in OUTFALL_TARGETS:
            met = p["traced_pct"] >= t.traced_pct and p["remediated_pct"] >= t.remediated_pct
            row[f"target_{t.year}"] = ("ok", "已达到") if met else ("behind", "未达到")
        rows.append(row)
    chart = progress_chart(progress.rename(columns={"area": "name"}))
    return [ReportSection(key="outfall_progress", title="排污口整治进度对照目标", note=note, columns=columns,
                          rows=rows, figure=chart, figure_alt="排污口整治进度")]
