"""Standard-land (标准地) plots across their life cycle, their 2+X values and the indicator standards
they are held to (闽政办〔2022〕45号)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from demo.geodesy import rect
from demo.places import HUIAN, JIANYANG, ZHANGPU, ZHAOAN, Row

PLOT_LINK = "plot_code"
"""Plot values name their plot by code; the loader turns it into ``plot_fid``."""

READY = dict.fromkeys(("ready_title", "ready_compensation", "ready_no_dispute", "ready_water", "ready_power",
                       "ready_road", "ready_levelling"), True)
"""Every net-land condition of 闽政办〔2022〕45号 §二(三) met."""

_PLOTS: list[Row] = [
    {"plot_code": "GL-2021-03", "name": "古雷石化中下游产业三号地块", "county_code": ZHANGPU,
     "development_zone": "古雷港经济开发区", "industry_code": "26", "planned_use": "二类工业用地",
     "planning_far_min": Decimal("0.80"), "planning_far_max": Decimal("2.00"), **READY,
     "status": "production_reviewed", "listed_on": date(2021, 3, 18), "enterprise": "漳州古雷瑞丰新材料有限公司",
     "contract_signed_on": date(2021, 4, 20), "agreement_signed_on": date(2021, 4, 20),
     "construction_started_on": date(2021, 7, 1), "completed_on": date(2023, 5, 30),
     "production_reviewed_on": date(2024, 6, 28), "centre": (117.6120, 23.8350), "size_m": (260, 200)},
    {"plot_code": "GL-2022-07", "name": "古雷石化中下游产业七号地块", "county_code": ZHANGPU,
     "development_zone": "古雷港经济开发区", "industry_code": "26", "planned_use": "三类工业用地",
     "planning_far_min": Decimal("0.80"), "planning_far_max": Decimal("2.00"), **READY,
     "status": "under_construction", "listed_on": date(2022, 9, 6), "enterprise": "福建古雷海晟化工有限公司",
     "contract_signed_on": date(2022, 10, 10), "agreement_signed_on": date(2022, 10, 10),
     "construction_started_on": date(2023, 2, 15), "centre": (117.6120, 23.8150), "size_m": (300, 220)},
    {"plot_code": "HA-2022-02", "name": "惠安经济开发区城南片区二号地块", "county_code": HUIAN,
     "development_zone": "惠安经济开发区", "industry_code": "19", "planned_use": "一类工业用地",
     "planning_far_min": Decimal("1.20"), "planning_far_max": Decimal("3.00"), **READY,
     "status": "sold", "listed_on": date(2022, 11, 2), "enterprise": "惠安县恒达鞋业有限公司",
     "contract_signed_on": date(2022, 11, 30), "agreement_signed_on": date(2022, 11, 30),
     "centre": (118.7850, 24.9800), "size_m": (220, 180)},
    {"plot_code": "ZA-2023-01", "name": "金都工业集中区水产品加工地块", "county_code": ZHAOAN,
     "development_zone": "诏安金都工业集中区", "industry_code": "13", "planned_use": "一类工业用地",
     "planning_far_min": Decimal("0.80"), "planning_far_max": Decimal("2.00"), **READY, "ready_road": False,
     "status": "listed", "listed_on": date(2023, 4, 20), "centre": (117.1350, 23.7470), "size_m": (200, 160)},
    {"plot_code": "JY-2021-05", "name": "建阳经济开发区竹木制品五号地块", "county_code": JIANYANG,
     "development_zone": "建阳经济开发区", "industry_code": "20", "planned_use": "一类工业用地",
     "planning_far_min": Decimal("1.00"), "planning_far_max": Decimal("2.50"), **READY,
     "status": "in_breach", "listed_on": date(2021, 6, 15), "enterprise": "南平市建阳区竹韵家居有限公司",
     "contract_signed_on": date(2021, 7, 20), "agreement_signed_on": date(2021, 7, 20),
     "construction_started_on": date(2021, 10, 8), "breach_found_on": date(2023, 3, 1),
     "breach_reason": "逾期未竣工", "centre": (118.0960, 27.2960), "size_m": (240, 200)},
    {"plot_code": "JY-2024-01", "name": "建阳经济开发区储备一号地块", "county_code": JIANYANG,
     "development_zone": "建阳经济开发区", "industry_code": "34", "planned_use": "一类工业用地",
     "planning_far_min": Decimal("1.00"), "planning_far_max": Decimal("2.50"), **READY, "ready_levelling": False,
     "status": "reserved", "centre": (118.1090, 27.2985), "size_m": (220, 180)},
]
"""Standard-land plots across the life cycle (闽政办〔2022〕45号) with the dates of each step."""

_VALUES: dict[str, dict[str, dict[str, str]]] = {
    "GL-2021-03": {"committed": {"investment_intensity": "520", "floor_area_ratio": "0.8", "output_per_mu": "650",
                                 "tax_per_mu": "35"},
                   "completion": {"investment_intensity": "535", "floor_area_ratio": "0.85"},
                   "production_review": {"output_per_mu": "610", "tax_per_mu": "36"}},
    "GL-2022-07": {"committed": {"investment_intensity": "430", "floor_area_ratio": "0.9", "output_per_mu": "620",
                                 "tax_per_mu": "32"}},
    "HA-2022-02": {"committed": {"investment_intensity": "320", "floor_area_ratio": "1.6", "tax_per_mu": "25"}},
    "ZA-2023-01": {"committed": {"investment_intensity": "260", "floor_area_ratio": "0.8"}},
    "JY-2021-05": {"committed": {"investment_intensity": "220", "floor_area_ratio": "1.1", "output_per_mu": "320",
                                 "tax_per_mu": "16"}},
    "JY-2024-01": {"committed": {"investment_intensity": "300", "floor_area_ratio": "1.2"}},
}
"""Committed and measured 2+X values (万元/亩 for money per mu). GL-2021-03's production review finds
output per mu 6 % short of the commitment; GL-2022-07 committed 430 万元/亩, enough under the standard
in force when it was listed (400), not under the one in force since 2023 (450); ZA-2023-01's floor-area
ratio of 0.8 is under the national 1.0 floor for food processing (13)."""

_STANDARDS: list[tuple[str, str | None, str, str, str, date, date | None, str]] = [
    (ZHANGPU, "古雷港经济开发区", "26", "investment_intensity", "400", date(2020, 7, 1), date(2022, 12, 31),
     "古雷港经济开发区工业用地“标准地”控制性指标(2020年版)"),
    (ZHANGPU, "古雷港经济开发区", "26", "investment_intensity", "450", date(2023, 1, 1), None,
     "古雷港经济开发区工业用地“标准地”控制性指标(2023年修订)"),
    (ZHANGPU, "古雷港经济开发区", "26", "floor_area_ratio", "0.8", date(2020, 7, 1), None,
     "古雷港经济开发区工业用地“标准地”控制性指标(2020年版)"),
    (ZHANGPU, "古雷港经济开发区", "26", "output_per_mu", "600", date(2020, 7, 1), None,
     "古雷港经济开发区工业用地“标准地”控制性指标(2020年版)"),
    (ZHANGPU, "古雷港经济开发区", "26", "tax_per_mu", "30", date(2020, 7, 1), None,
     "古雷港经济开发区工业用地“标准地”控制性指标(2020年版)"),
    (HUIAN, None, "19", "investment_intensity", "280", date(2022, 1, 1), None, "惠安县工业用地“标准地”指标体系"),
    (HUIAN, None, "19", "floor_area_ratio", "1.2", date(2022, 1, 1), None, "惠安县工业用地“标准地”指标体系"),
    (HUIAN, None, "19", "tax_per_mu", "20", date(2022, 1, 1), None, "惠安县工业用地“标准地”指标体系"),
    (ZHAOAN, None, "13", "investment_intensity", "250", date(2023, 1, 1), None, "诏安县工业用地“标准地”指标体系"),
    (ZHAOAN, None, "13", "floor_area_ratio", "0.8", date(2023, 1, 1), None, "诏安县工业用地“标准地”指标体系"),
    (JIANYANG, "建阳经济开发区", "20", "investment_intensity", "200", date(2021, 1, 1), None,
     "建阳经济开发区“标准地”控制性指标"),
    (JIANYANG, "建阳经济开发区", "20", "floor_area_ratio", "1.0", date(2021, 1, 1), None,
     "建阳经济开发区“标准地”控制性指标"),
    (JIANYANG, "建阳经济开发区", "20", "output_per_mu", "300", date(2021, 1, 1), None,
     "建阳经济开发区“标准地”控制性指标"),
    (JIANYANG, "建阳经济开发区", "20", "tax_per_mu", "15", date(2021, 1, 1), None, "建阳经济开发区“标准地”控制性指标"),
    (JIANYANG, "建阳经济开发区", "34", "investment_intensity", "260", date(2024, 1, 1), None,
     "建阳经济开发区“标准地”控制性指标(2024年增补)"),
    (JIANYANG, "建阳经济开发区", "34", "floor_area_ratio", "1.0", date(2024, 1, 1), None,
     "建阳经济开发区“标准地”控制性指标(2024年增补)"),
]
"""(county, zone or None for the whole county, industry, indicator, value, from, to, document). 诏安县's
floor-area ratio of 0.8 for food processing is laxer than the national 1.0: a finding of its own."""


def plot_rows() -> list[Row]:
    """Each plot as a rectangle of its stated size around its centre."""
    rows = []
    for plot in _PLOTS:
        attributes = {k: v for k, v in plot.items() if k not in ("centre", "size_m")}
        rows.append({**attributes, "geometry": rect(plot["centre"], *plot["size_m"])})
    return rows


def value_rows() -> list[Row]:
    """Measured values are dated by the step that measured them."""
    dates = {plot["plot_code"]: {"completion": plot.get("completed_on"),
                                 "production_review": plot.get("production_reviewed_on")} for plot in _PLOTS}
    return [{PLOT_LINK: code, "indicator": indicator, "stage": stage, "value": Decimal(value),
             "measured_on": dates[code].get(stage)}
            for code, stages in _VALUES.items() for stage, values in stages.items()
            for indicator, value in values.items()]


def indicator_standard_rows() -> list[Row]:
    """The standards in force by county, zone, industry and period, as the checks look them up."""
    return [{"county_code": county, "development_zone": zone, "industry_code": industry, "indicator": indicator,
             "value": Decimal(value), "effective_from": start, "effective_to": end, "doc_number": doc}
            for county, zone, industry, indicator, value, start, end, doc in _STANDARDS]
