"""The yearly random inspections of outfalls (双随机: 随机抽取检查对象、随机选派执法检查人员), §9 of
闽政办〔2022〕43号: 每年核查已完成排查整治的排污口数量比例不少于行政区域内现有排污口总数的10%,设置审批备案的
排污口数量比例不少于当年审批和备案排污口总数的30%.

So for a year and an area, at least 10 % of the outfalls existing there are drawn from those remediated
(which is also at least 10 % of the remediated ones; all of them when there are too few, and the
shortfall is recorded), and at least 30 % of those approved or filed that year (an outfall drawn for
both counts for both). Each drawn outfall gets a team of inspectors drawn from the active roster
members whose area covers it. Shares are rounded up.

A draw is reproducible: candidates and roster are read in fid order, the generator is numpy's PCG64
seeded with a recorded seed, and the inputs are stored with the result, so :func:`verify_draw` can
replay it at any time. A stored draw is final: one per year and area, so nobody can draw again until
the outcome suits.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from analysis.engine import parse_area
from analysis.outfalls.config import InspectionRules, outfall_config
from layers.codes import code_within
from layers.outfalls import InspectionDraw, InspectionItem, Outfall, OutfallInspector
from registry import Registry
from registry.errors import Forbidden, InvalidInput, NotFound, RegistryError
from registry.repository import data_version, visible_at

POOLS = {"remediated": "已完成排查整治", "approved": "当年设置审批或备案"}
"""The two pools of §9, with the names the published list uses."""

MAX_SEED = 2**63 - 1


class DrawExists(RegistryError):
    """A draw for this year and area is on record; draws are final."""

    status = 409
    title = "抽查已存在 / Draw already exists"


@dataclass(frozen=True)
class DrawInputs:
    """Everything the draw depends on besides the seed, in a fixed order (the stored ``inputs``)."""

    existing: int
    """Outfalls existing in the area: the base of the 10 % share."""
    remediated: tuple[int, ...]
    approved: tuple[int, ...]
    counties: Mapping[int, str]
    """County code of every candidate, for the roster's areas of competence."""
    roster: tuple[dict[str, Any], ...]
    """Active inspectors as {fid, name, organisation, county_code}, by fid."""
    remediated_share: float
    approved_share: float
    team_size: int

    def as_json(self) -> dict[str, Any]:
        return {"existing": self.existing, "remediated": list(self.remediated), "approved": list(self.approved),
                "counties": {str(k): v for k, v in self.counties.items()}, "roster": list(self.roster),
                "remediated_share": self.remediated_share, "approved_share": self.approved_share,
                "team_size": self.team_size}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DrawInputs:
        return cls(existing=data["existing"], remediated=tuple(data["remediated"]), approved=tuple(data["approved"]),
                   counties={int(k): v for k, v in data["counties"].items()}, roster=tuple(data["roster"]),
                   remediated_share=data["remediated_share"], approved_share=data["approved_share"],
                   team_size=data["team_size"])


@dataclass(frozen=True)
class Drawn:
    outfall_fid: int
    pools: tuple[str, ...]
    inspectors: tuple[int, ...]


def minimum(share: float, count: int) -> int:
    """``share`` of ``count``, rounded up (30 % of 7 outfalls is 3); float noise does not add one."""
    return math.ceil(round(share * count, 9))


def draw_sample(inputs: DrawInputs, seed: int) -> tuple[list[Drawn], dict[str, int]]:
    """The draw itself, without a database: the same inputs and seed give the same outfalls and teams."""
    rng = np.random.default_rng(seed)
    wanted_remediated = minimum(inputs.remediated_share, inputs.existing)
    remediated = _choose(rng, inputs.remediated, min(wanted_remediated, len(inputs.remediated)))
    wanted_approved = minimum(inputs.approved_share, len(inputs.approved))
    covered = [f for f in inputs.approved if f in remediated]
    rest = [f for f in inputs.approved if f not in remediated]
    approved = set(covered) | _choose(rng, rest, max(0, wanted_approved - len(covered)))
    drawn = []
    for fid in sorted(remediated | approved):
        county = inputs.counties[fid]
        eligible = [i["fid"] for i in inputs.roster if code_within(county, i["county_code"])]
        if len(eligible) < inputs.team_size:
            raise InvalidInput(f"抽中的排污口(fid {fid})所在县区 {county} 的在岗执法检查人员只有 {len(eligible)} 名,"
                               f"不足每组 {inputs.team_size} 名 / outfall {fid} was drawn, but only {len(eligible)} "
                               f"active inspectors cover its county {county}; each inspection needs "
                               f"{inputs.team_size}")
        pools = tuple(p for p, chosen in (("remediated", remediated), ("approved", approved)) if fid in chosen)
        drawn.append(Drawn(fid, pools, tuple(sorted(_choose(rng, eligible, inputs.team_size)))))
    figures = {"existing": inputs.existing, "remediated_total": len(inputs.remediated),
               "remediated_minimum": wanted_remediated, "remediated_drawn": len(remediated),
               "remediated_shortfall": max(0, wanted_remediated - len(remediated)),
               "approved_total": len(inputs.approved), "approved_minimum": wanted_approved,
               "approved_drawn": len(approved), "inspections": len(drawn)}
    return drawn, figures


def _choose(rng: np.random.Generator, pool: Sequence[int], size: int) -> set[int]:
    if size <= 0:
        return set()
    return {int(v) for v in rng.choice(np.array(pool, dtype=np.int64), size=size, replace=False)}



# --------------------------------------------------------------------------- stored draws


@dataclass
class Draw:
    """A stored draw and its published list."""

    id: int
    year: int
    area: str
    area_label: str
    seed: int
    drawn_at: datetime
    author: str
    data_version: int
    inputs: dict[str, Any]
    figures: dict[str, int]
    items: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The draw as published: the seed and figures, and per outfall the pools and the inspectors."""
        return {"id": self.id, "year": self.year, "area": self.area, "area_label": self.area_label,
                "seed": str(self.seed), "drawn_at": self.drawn_at.isoformat(), "author": self.author,
                "data_version": self.data_version, "figures": self.figures, "items": self.items}

    def table(self) -> pd.DataFrame:
        """The published list, one row per outfall, with Chinese headings (for CSV and the command line)."""
        rows = [{"序号": i, "排污口编码": item["code"], "排污口名称": item["name"], "县区代码": item["county_code"],
                 "抽查类别": "、".join(POOLS[p] for p in item["pools"]),
                 "执法检查人员": "、".join(person["name"] for person in item["inspectors"])}
                for i, item in enumerate(self.items, 1)]
        return pd.DataFrame(rows, columns=["序号", "排污口编码", "排污口名称", "县区代码", "抽查类别", "执法检查人员"])


def draw_inspections(reg: Registry, *, year: int, area: str, seed: int | None = None, author: str | None = None,
                     rules: InspectionRules | None = None, scope: str | None = None) -> Draw:
    """Draw, store and return the year's inspections in ``area`` (a division code, WKT or GeoJSON polygon).

    ``rules`` default to the registry's configuration (``FUJIAN_OUTFALL_CONFIG``). Without ``seed`` a
    fresh one is made and recorded. Refused with :class:`DrawExists` when the year and
    area already have a draw, with ``Forbidden`` when ``area`` is not inside ``scope`` (the drawing
    account's jurisdiction), and with ``InvalidInput`` when the roster cannot staff every inspection;
    nothing is stored then.
    """
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"年度 {year} 无效 / year {year} is not valid")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise InvalidInput(f"随机种子应在 0 到 {MAX_SEED} 之间 / the seed must lie between 0 and {MAX_SEED}")
    seed = secrets.randbits(63) if seed is None else seed
    d, i = InspectionDraw.__table__, InspectionItem.__table__
    with reg.engine.begin() as conn:
        where = parse_area(conn, area)
        if scope and not conn.scalar(select(func.ST_Covers(parse_area(conn, scope).geometry(), where.geometry()))):
            raise Forbidden(f"抽查范围 {where.label} 超出您的管辖范围({scope}) / the area {where.label} lies outside "
                            f"your jurisdiction {scope}")
        if conn.scalar(select(d.c.id).where(d.c.year == year, d.c.area == area)) is not None:
            raise _exists(year, where.label)
        inputs, outfalls = _inputs(conn, where, year, rules or outfall_config(reg.settings.env).inspections)
        drawn, figures = draw_sample(inputs, seed)
        roster = {person["fid"]: person for person in inputs.roster}
        try:
            draw_id = conn.execute(insert(d).values(
                year=year, area=area, area_label=where.label, seed=seed, author=author or reg.user,
                data_version=data_version(conn), inputs=inputs.as_json(), figures=figures).returning(d.c.id)
            ).scalar_one()
        except IntegrityError:  # drawn meanwhile by someone else
            raise _exists(year, where.label) from None
        if drawn:
            conn.execute(insert(i), [
                {"draw_id": draw_id, "outfall_fid": item.outfall_fid, **outfalls[item.outfall_fid],
                 "pools": list(item.pools), "inspectors": [roster[fid] for fid in item.inspectors]}
                for item in drawn])
    return load_draw(reg, draw_id)


def _exists(year: int, label: str) -> DrawExists:
    return DrawExists(f"{label} {year} 年度的抽查已存在,抽查结果不可重抽 / the {year} draw for {label} exists "
                      "and is final")


def _inputs(conn: Any, where: Any, year: int, rules: InspectionRules) -> tuple[DrawInputs, dict[int, dict[str, str]]]:
    """Candidates and roster in fid order, read in one transaction with the draw that uses them."""
    o, r = Outfall.__table__, OutfallInspector.__table__
    rows = conn.execute(
        select(o.c.fid, o.c.code, o.c.name, o.c.county_code, o.c.status, o.c.approved_on)
        .where(visible_at(o, None), where.clause(o.c.geom, o.c.county_code)).order_by(o.c.fid)).all()
    remediated = tuple(row.fid for row in rows if row.status == "remediated")
    approved = tuple(row.fid for row in rows if row.approved_on is not None
                     and date(year, 1, 1) <= row.approved_on <= date(year, 12, 31))
    candidates = set(remediated) | set(approved)
    outfalls = {row.fid: {"code": row.code, "name": row.name, "county_code": row.county_code}
                for row in rows if row.fid in candidates}
    roster = tuple({"fid": p.fid, "name": p.name, "organisation": p.organisation, "county_code": p.county_code}
                   for p in conn.execute(select(r.c.fid, r.c.name, r.c.organisation, r.c.county_code)
                                         .where(visible_at(r, None), r.c.active.isnot(False)).order_by(r.c.fid)))
    inputs = DrawInputs(existing=len(rows), remediated=remediated, approved=approved,
                        counties={fid: v["county_code"] for fid, v in outfalls.items()}, roster=roster,
                        remediated_share=rules.remediated_share, approved_share=rules.approved_share,
                        team_size=rules.team_size)
    return inputs, outfalls


def load_draw(reg: Registry, draw_id: int) -> Draw:
    d, i = InspectionDraw.__table__, InspectionItem.__table__
    with reg.engine.connect() as conn:
        row = conn.execute(select(d).where(d.c.id == draw_id)).first()
        if row is None:
            raise NotFound(f"没有抽查记录 {draw_id} / no inspection draw {draw_id}")
        items = conn.execute(select(i.c.outfall_fid, i.c.code, i.c.name, i.c.county_code, i.c.pools, i.c.inspectors)
                             .where(i.c.draw_id == draw_id).order_by(i.c.outfall_fid)).mappings().all()
    return Draw(**row._mapping, items=[dict(item) for item in items])


def list_draws(reg: Registry) -> list[Draw]:
    """Every draw, newest first, without its items."""
    d = InspectionDraw.__table__
    with reg.engine.connect() as conn:
        return [Draw(**row._mapping) for row in conn.execute(select(d).order_by(d.c.id.desc()))]


def verify_draw(reg: Registry, draw_id: int) -> bool:
    """Replay a stored draw from its recorded inputs and seed: True when it gives the stored outfalls and teams."""
    draw = load_draw(reg, draw_id)
    drawn, figures = draw_sample(DrawInputs.from_json(draw.inputs), draw.seed)
    replayed = [(item.outfall_fid, list(item.pools), list(item.inspectors)) for item in drawn]
    stored = [(item["outfall_fid"], item["pools"], [p["fid"] for p in item["inspectors"]]) for item in draw.items]
    return replayed == stored and figures == draw.figures
