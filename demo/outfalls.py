"""Outfalls into rivers and the sea (闽政办〔2022〕43号), their monitoring samples and the roster of
inspectors who draw the random inspections."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from shapely.geometry import Point

from demo.boundaries import Inside
from demo.places import BEACH_SEA, HUIAN, JIANYANG, ZHANGPU, ZHAOAN, Row
from layers.outfalls import STATUS, STATUS_DATES


def _organisation_code(seed: str) -> str:
    """Eight digits from ``seed`` and their GB 11714 check character: an organisation code that is well formed."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:8]
    check = 11 - sum(int(d) * w for d, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return digits + {10: "X", 11: "0"}.get(check, str(check))


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(county: str, seed: str) -> str:
    """A well-formed unified social credit code for a fictional enterprise registered in ``county``.

    '9' (registered with market regulation), '1' (enterprise), the county code, an organisation code,
    and the GB 32100 check character (weights 3^i mod 31), so the demo passes the check it is meant to.
    """
    body = "91" + county + _organisation_code(seed)
    total = sum(_USCC_CHARS.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


_OUTFALLS: list[Row] = [
    {"code": "350623RS0001", "name": "古雷石化园区某企业雨水排口", "county_code": ZHANGPU, "receiving_water": "东山湾",
     "receiving_kind": "sea", "outfall_class": "industrial", "subclass": "industrial_enterprise", "stormwater": True,
     "discharging_unit": "福建古雷海晟化工有限公司", "status": "decided", "decision": "merge",
     "since": date(2022, 9, 20), "sea": (117.585, 23.845)},
    {"code": "350623RS0002", "name": "古雷污水处理厂入海排污口", "county_code": ZHANGPU, "receiving_water": "东山湾",
     "receiving_kind": "sea", "outfall_class": "municipal_plant", "subclass": "municipal_plant",
     "discharging_unit": "漳浦县古雷水务有限公司", "status": "remediated", "decision": "regularise",
     "standard": "gb18918_1a", "approval_number": "漳环备〔2023〕15号", "approved_on": date(2023, 6, 12),
     "items": ("sign_board", "sampling_well", "online_monitoring", "video"),
     "since": date(2022, 9, 20), "sea": (117.575, 23.790)},
    {"code": "350623RS0003", "name": "古雷镇港口村水产养殖尾水排口", "county_code": ZHANGPU,
     "receiving_water": "东山湾", "receiving_kind": "sea", "outfall_class": "agricultural",
     "subclass": "aquaculture_large", "standard": "sct9103",
     "discharging_unit": "漳浦县港口水产养殖专业合作社", "status": "decided", "decision": "regularise",
     "since": date(2022, 10, 8), "sea": (117.570, 23.775)},
    {"code": "350623RH0001", "name": "鹿溪上游某养殖场排口", "county_code": ZHANGPU, "receiving_water": "鹿溪",
     "receiving_kind": "river", "outfall_class": "other", "subclass": "livestock_small",
     "discharging_unit": "漳浦县绥安镇鑫旺养殖场", "status": "decided", "decision": "regularise",
     "since": date(2022, 11, 3), "at": (117.5450, 24.1340)},
    {"code": "350623RH0002", "name": "鹿溪上游农村生活污水散排口", "county_code": ZHANGPU, "receiving_water": "鹿溪",
     "receiving_kind": "river", "outfall_class": "other", "subclass": "rural_domestic",
     "responsible_party": "漳浦县绥安镇人民政府", "status": "decided", "decision": "remove",
     "since": date(2022, 11, 3), "at": (117.5620, 24.1300)},
    {"code": "350623RH0003", "name": "绥安镇城区生活污水散排口", "county_code": ZHANGPU, "receiving_water": "鹿溪",
     "receiving_kind": "river", "outfall_class": "other", "subclass": "urban_domestic",
     "responsible_party": "漳浦县绥安镇人民政府", "status": "decided", "decision": "merge",
     "since": date(2022, 11, 3), "at": (117.6250, 24.1120)},
    {"code": "350624RH0001", "name": "诏安县城区污水处理厂排污口", "county_code": ZHAOAN, "receiving_water": "东溪",
     "receiving_kind": "river", "outfall_class": "municipal_plant", "subclass": "municipal_plant",
     "discharging_unit": "诏安县城市污水处理有限公司", "status": "remediated", "decision": "regularise",
     "standard": "gb18918_1a", "approval_number": "漳环审〔2024〕8号", "approved_on": date(2024, 4, 18),
     "items": ("sign_board", "open_channel", "online_monitoring"),
     "since": date(2022, 12, 1), "at": (117.1950, 23.6950)},
    {"code": "350624RS0001", "name": "诏安湾某水产养殖场一号尾水排口", "county_code": ZHAOAN,
     "receiving_water": "诏安湾", "receiving_kind": "sea", "outfall_class": "agricultural",
     "subclass": "aquaculture_large", "discharging_unit": "诏安县湾南水产养殖有限公司", "status": "surveyed",
     "since": date(2023, 8, 30), "sea": (117.310, 23.680)},
    {"code": "350624RS0002", "name": "梅岭渔港码头排污口", "county_code": ZHAOAN, "receiving_water": "诏安湾",
     "receiving_kind": "sea", "outfall_class": "other", "subclass": "port",
     "discharging_unit": "诏安县梅岭渔港管理有限公司", "status": "sampled",
     "since": date(2023, 8, 30), "sea": (117.300, 23.640)},
    {"code": "350624RS0003", "name": "诏安湾某水产养殖场二号尾水排口", "county_code": ZHAOAN,
     "receiving_water": "诏安湾", "receiving_kind": "sea", "outfall_class": "agricultural",
     "subclass": "aquaculture_large", "discharging_unit": "诏安县湾南水产养殖有限公司", "status": "traced",
     "since": date(2023, 8, 30), "sea": (117.320, 23.700)},
    {"code": "350521RS0001", "name": "惠安某石材企业入海排污口", "county_code": HUIAN, "receiving_water": "泉州湾",
     "receiving_kind": "sea", "outfall_class": "industrial", "subclass": "industrial_enterprise", "large_scale": True,
     "discharging_unit": "惠安县闽南石业有限公司", "status": "remediated", "decision": "regularise",
     "standard": "gb8978", "approval_number": "泉环备〔2024〕3号", "approved_on": date(2024, 2, 26),
     "items": ("sign_board", "open_channel", "online_monitoring", "video"),
     "since": date(2022, 10, 20), "sea": (118.700, 24.835)},
    {"code": "350521RS0002", "name": "崇武西沙湾雨污混排沟渠", "county_code": HUIAN, "receiving_water": "台湾海峡",
     "receiving_kind": "sea", "outfall_class": "other", "subclass": "ditch", "status": "sampled",
     "since": date(2023, 7, 5), "sea": BEACH_SEA},
    {"code": "350703RH0001", "name": "建阳区城市污水处理厂排污口", "county_code": JIANYANG, "receiving_water": "崇阳溪",
     "receiving_kind": "river", "outfall_class": "municipal_plant", "subclass": "municipal_plant",
     "discharging_unit": "南平市建阳区城市污水处理有限公司", "status": "remediated", "decision": "keep",
     "standard": "gb18918_1a", "approval_number": "南环审〔2023〕21号", "approved_on": date(2023, 3, 9),
     "items": ("sign_board", "sampling_well", "online_monitoring", "video"),
     "since": date(2022, 9, 1), "at": (118.1280, 27.3050)},
    {"code": "350703RH0002", "name": "童游工业园某竹木企业排污口", "county_code": JIANYANG, "receiving_water": "崇阳溪",
     "receiving_kind": "river", "outfall_class": "industrial", "subclass": "industrial_enterprise",
     "discharging_unit": "南平市建阳区竹韵家居有限公司", "status": "decided", "decision": "merge",
     "since": date(2022, 9, 1), "at": (118.1020, 27.2970)},
    {"code": "350703RH0003", "name": "南浦溪某规模化养猪场排口", "county_code": JIANYANG, "receiving_water": "南浦溪",
     "receiving_kind": "river", "outfall_class": "agricultural", "subclass": "livestock_large",
     "discharging_unit": "南平市建阳区绿源生猪养殖有限公司", "status": "decided", "decision": "remove",
     "since": date(2022, 9, 1), "at": (118.2300, 27.4100)},
]
"""Outfalls of the four counties (闽政办〔2022〕43号). Codes follow a provisional pattern (county code, RH 入河
or RS 入海, serial): HJ 1235-2021's structure could not be verified (DOMAIN.md §5). A sea outfall gives the
sea it faces and is put on the nearest coast; a river outfall gives its place. ``since`` is the survey
date, later stages follow at :data:`_STAGE_STEP` intervals; ``items`` are the regularisation items in place.

The checks find: the regularised farm outlet in the 鹿溪 drinking-water zone and the ditch in 崇武's
bathing beach (banned zones); 诏安's plant without video surveillance; 湾南's two tail-water outlets,
kept without telling the city bureau; 湾南's first outlet, the 梅岭 port and the 崇武 ditch still untraced
after end-2024."""

_STAGE_STEP = timedelta(days=45)
_ITEM_FLAGS = ("sign_board", "online_monitoring", "video")
_FACILITIES_ON_SITE = ("sampling_well", "open_channel")


def outfall_rows(inside: Inside) -> list[Row]:
    """Outfalls with a unit's credit code, the dates of every stage reached and the items in place."""
    rows = []
    for outfall in _OUTFALLS:
        row = {k: v for k, v in outfall.items() if k not in ("sea", "at", "since", "items")}
        unit = row.get("discharging_unit")
        if unit:  # a unit answers for its outfall; where tracing found none, the data names a government
            code = _credit_code(row["county_code"], unit)
            row.update(unit_credit_code=code, responsible_party=unit, credit_code=code)
        reached = STATUS.values()[:STATUS.values().index(row["status"]) + 1]
        row.update({STATUS_DATES[stage]: outfall["since"] + i * _STAGE_STEP for i, stage in enumerate(reached)})
        items = outfall.get("items", ())
        row.update({flag: True for flag in _ITEM_FLAGS if flag in items})
        row.update(sampling_facility=next((f for f in _FACILITIES_ON_SITE if f in items), None))
        row["geometry"] = (inside.shore(row["county_code"], outfall["sea"]) if "sea" in outfall
                           else Point(outfall["at"]))
        rows.append(row)
    return rows


_SAMPLES: list[tuple[str, str, str, str, str]] = [
    ("350623RS0002", "2024-05-14", "cod", "38", "mg/L"),
    ("350623RS0002", "2024-05-14", "nh3n", "3.2", "mg/L"),
    ("350623RS0002", "2024-05-14", "tp", "0.42", "mg/L"),
    ("350624RH0001", "2024-06-03", "cod", "58", "mg/L"),
    ("350624RH0001", "2024-06-03", "nh3n", "4.6", "mg/L"),
    ("350521RS0001", "2024-04-22", "ss", "85", "mg/L"),
    ("350521RS0001", "2024-04-22", "ph", "7.8", "pH"),
    ("350521RS0002", "2024-08-09", "cod", "56", "mg/L"),
    ("350521RS0002", "2024-08-09", "do", "1.5", "mg/L"),
    ("350703RH0001", "2024-07-01", "nh3n", "2.1", "mg/L"),
    ("350624RS0002", "2024-09-12", "petroleum", "0.8", "mg/L"),
]
"""Monitoring results (outfall code, day, parameter, value, unit). Measured against the placeholder limits
of analysis/outfalls/config.py, 诏安's plant (COD 58 over class 1-A's 50), 惠安's stone works (SS 85 over
GB 8978's 70) and 崇武's ditch (COD and dissolved oxygen beyond class V) exceed."""

OUTFALL_LINK = "outfall_code"
"""Samples name their outfall by code; the loader turns it into ``outfall_fid``."""


def sample_rows() -> list[Row]:
    """Monitoring results, named by outfall code and carrying that outfall's county."""
    counties = {o["code"]: o["county_code"] for o in _OUTFALLS}
    return [{OUTFALL_LINK: code, "county_code": counties[code], "sampled_on": date.fromisoformat(day),
             "parameter": parameter, "value": Decimal(value), "unit": unit, "lab": "福建省环境监测中心站"}
            for code, day, parameter, value, unit in _SAMPLES]


def inspector_rows() -> list[Row]:
    """The roster of the random inspections: two per county, one city-wide in Zhangzhou, one retired."""
    people = [("林志强", "漳州市漳浦生态环境局", ZHANGPU), ("黄丽娟", "漳州市漳浦生态环境局", ZHANGPU),
              ("陈建华", "漳州市诏安生态环境局", ZHAOAN), ("吴秀英", "漳州市诏安生态环境局", ZHAOAN),
              ("郑海峰", "漳州市生态环境综合执法支队", "350600"), ("蔡明辉", "泉州市惠安生态环境局", HUIAN),
              ("许雅琴", "泉州市惠安生态环境局", HUIAN), ("刘德胜", "南平市建阳生态环境局", JIANYANG),
              ("叶晓燕", "南平市建阳生态环境局", JIANYANG), ("杨国平", "漳州市漳浦生态环境局", ZHANGPU)]
    return [{"name": name, "organisation": org, "county_code": county, "badge_number": f"闽环执{i:05d}",
             "active": name != "杨国平"} for i, (name, org, county) in enumerate(people, 1)]
