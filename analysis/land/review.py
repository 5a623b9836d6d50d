"""Review a gazette text before saving it: the approvals read, their per-village per-class areas, whether
the declared figures add up, and every line that could not be read — with nothing written.

"Does it add up" is answered by the totals rule itself (:data:`analysis.land.checks.RELATIONS_SQL`),
not by a second implementation: the approvals are written exactly as saving would write them, inside a
transaction that is always rolled back, and the rule is read there. The same write also tells whether
saving would be refused (a number already registered, a value a layer rule rejects).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from analysis.land.checks import RELATIONS, RELATIONS_SQL
from analysis.land.gazette import ParsedApproval, gazette_problems, parse_gazette, write_approval
from layers.base import layer_attributes
from layers.land import LAND_CLASSES, LAND_GROUPS, OWNERSHIP, LandApproval
from registry import Registry
from registry.errors import InvalidInput
from registry.repository import new_changeset

REVIEW_SOURCE = "gazette review (rolled back)"

_CLASS_ORDER = {c.name: (LAND_GROUPS.values().index(c.group), i) for i, c in enumerate(LAND_CLASSES)}
"""Columns of the review table: 农用地, then 建设用地, then 未利用地, each in catalogue order."""


@dataclass
class ApprovalReview:
    """One 批复 as read: its attributes, its areas by village and class, its relations, its problems."""

    parsed: ParsedApproval
    relations: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        """The land classes of its parcels, by group as the relations add them up, then in catalogue order."""
        return sorted({p["land_class"] for p in self.parsed.parcels}, key=_CLASS_ORDER.__getitem__)

    def table(self) -> dict[str, Any]:
        """Declared hectares per (township, village, ownership) and class, with row and column totals."""
        rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        for parcel in self.parsed.parcels:
            key = (parcel["township"], parcel["village"], parcel["ownership"])
            row = rows.setdefault(key, {"township": key[0], "village": key[1], "ownership": key[2], "areas": {},
                                        "total": Decimal(0)})
            row["areas"][parcel["land_class"]] = parcel["declared_ha"]
            row["total"] += parcel["declared_ha"]
        totals = {c: sum((r["areas"].get(c, Decimal(0)) for r in rows.values()), Decimal(0)) for c in self.classes}
        return {"classes": self.classes, "rows": list(rows.values()),
                "totals": {"areas": totals, "total": sum(totals.values(), Decimal(0))}}

    def as_dict(self) -> dict[str, Any]:
        p = self.parsed
        return {"properties": p.properties, "parcels": p.parcels, "first_line": p.first_line, "last_line": p.last_line,
                "table": self.table(), "relations": self.relations, "problems": self.problems}


@dataclass
class GazetteReview:
    """A whole text: its approvals and every problem; ``ok`` means saving it would be accepted."""

    approvals: list[ApprovalReview]
    problems: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "approvals": [a.as_dict() for a in self.approvals], "problems": self.problems}

    def as_text(self) -> str:
        """The review as a reviewer reads it in a terminal, with columns aligned for Chinese text."""
        out: list[str] = []
        for number, approval in enumerate(self.approvals, 1):
            out += _approval_text(approval, number, len(self.approvals))
        if self.problems:
            out.append(f"共 {len(self.problems)} 处问题,不能保存 / {len(self.problems)} problem(s): cannot be saved")
            out += [f"  {_where(p)}{p['problem']}" + (f"  «{p['text']}»" if p["text"] else "") for p in self.problems]
        else:
            out.append("未发现问题,可以保存 / no problems: ready to save")
        return "\n".join(out)


def review_gazette(reg: Registry, gazette: str) -> GazetteReview:
    """Read ``gazette`` and play it back for review; nothing is written (see the module docstring)."""
    approvals = [ApprovalReview(parsed) for parsed in parse_gazette(gazette)]
    problems = gazette_problems([a.parsed for a in approvals])
    for approval, problem in zip(approvals, _trial_save(reg, approvals), strict=True):
        if problem is not None:
            p = approval.parsed
            problems.append({"doc_number": p.properties["doc_number"], "line": p.first_line,
                             "text": p.properties["title"] or "", "problem": problem})
    for approval in approvals:
        doc = approval.parsed.properties["doc_number"]
        approval.problems = [{k: v for k, v in p.items() if k != "doc_number"} for p in problems
                             if p["doc_number"] == doc and p["line"] is not None
                             and approval.parsed.first_line <= p["line"] <= approval.parsed.last_line]
    problems.sort(key=lambda p: (p["line"] is None, p["line"] or 0))
    return GazetteReview(approvals, problems)


def _trial_save(reg: Registry, approvals: Sequence[ApprovalReview]) -> list[str | None]:
    """Write each approval as saving would, read its relations, roll everything back; per approval, why
    saving it would be refused (None when it would not)."""
    refused: list[str | None] = []
    saved: dict[int, ApprovalReview] = {}
    with reg.engine.connect() as conn:
        transaction = conn.begin()
        try:
            changeset = new_changeset(conn, author=reg.user, source=REVIEW_SOURCE, layer=None, count=0)
            for approval in approvals:
                attempt = conn.begin_nested()
                try:
                    saved[write_approval(conn, approval.parsed, changeset).fid] = approval
                except InvalidInput as exc:
                    attempt.rollback()
                    refused.append(exc.detail)
                else:
                    attempt.commit()
                    refused.append(None)
            rows = conn.execute(text(f"SELECT fid, relation, declared_ha, parcels_ha, difference_ha "
                                     f"FROM ({RELATIONS_SQL}) r WHERE fid = ANY(:fids) ORDER BY fid, position")
                                .bindparams(fids=list(saved)))
            for row in rows:
                saved[row.fid].relations.append(_relation(row._mapping))
        finally:
            transaction.rollback()
    return refused


def _relation(row: Any) -> dict[str, Any]:
    code = row["relation"]
    return {"relation": code, "relation_zh": RELATIONS[code].zh, "relation_en": RELATIONS[code].en,
            "declared_ha": row["declared_ha"], "parcels_ha": row["parcels_ha"],
            "difference_ha": row["difference_ha"], "holds": row["difference_ha"] == 0}


# --------------------------------------------------------------------------- text


def _where(problem: dict[str, Any]) -> str:
    doc = f"{problem['doc_number']} " if problem.get("doc_number") else ""
    return f"{doc}第{problem['line']}行 / line {problem['line']}: " if problem["line"] is not None else doc


def _approval_text(review: ApprovalReview, number: int, count: int) -> list[str]:
    parsed = review.parsed
    props = parsed.properties
    out = [f"批复 {number}/{count}  {props['doc_number'] or '(无文号 / no number)'}  "
           f"第{parsed.first_line}–{parsed.last_line}行 / lines {parsed.first_line}–{parsed.last_line}"]
    if props["title"]:
        out.append(f"  {props['title']}")
    rules = layer_attributes(LandApproval)
    shown = [f"{rules[k].zh}: {rules[k].codes.label(v) if rules[k].codes else v}" for k, v in props.items()
             if v is not None and k not in ("doc_number", "title")]
    out += ["  " + " · ".join(shown[i:i + 4]) for i in range(0, len(shown), 4)]
    table = review.table()
    if table["rows"]:
        head = ["乡镇", "村(社区)", "权属", *table["classes"], "合计"]
        body = [[r["township"] or "", r["village"] or "", OWNERSHIP.label(r["ownership"]),
                 *[_ha(r["areas"].get(c)) for c in table["classes"]], _ha(r["total"])] for r in table["rows"]]
        body.append(["合计", "", "", *[_ha(table["totals"]["areas"][c]) for c in table["classes"]],
                     _ha(table["totals"]["total"])])
        out += ["  " + line for line in _columns([head, *body])]
    for r in review.relations:
        mark = "✓" if r["holds"] else "✗"
        out.append(f"  {mark} {r['relation_zh']}: 批复 {_ha(r['declared_ha'])}, 地块合计 {_ha(r['parcels_ha'])}"
                   + ("" if r["holds"] else f", 相差 {_ha(r['difference_ha'])}"))
    out += [f"  ! {_where(p)}{p['problem']}" for p in review.problems]
    out.append("")
    return out


def _ha(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _width(cell: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in cell)


def _columns(rows: list[list[str]]) -> list[str]:
    """Rows of cells padded to aligned columns (a Chinese character is two columns wide in a terminal)."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]
