"""Eldercare rules of the 14th five-year eldercare plan (专栏1 and 表2, the 2022 No. 11 gazette).

* 专栏1: every street (街道) has at least one demonstration institution with the comprehensive functions
  全托、日托、上门服务、区域协调指导; community day-care coverage reaches 90 %.
* 表2, for :data:`TARGET_YEAR`: the share of townships and streets with a comprehensive institution (row 8)
  and the nursing-bed share of institutional beds (row 4), per county; and the provincial totals —
  eldercare beds (row 3), meal points (row 10) and county nursing homes (row 5) — compared with the
  registry's totals and labelled as provincial totals (severity "info": a registry that does not yet
  hold the whole province falls short by construction).

Streets, townships and communities are the names the residential areas and facilities carry; a unit's
geometry is the convex hull of what is registered in it. Facilities count from their opening date.
"""

from __future__ import annotations

from analysis.eldercare.targets import (
    COMPREHENSIVE,
    CURRENT,
    DAY_CARE_TARGET_PCT,
    FACILITIES_SQL,
    INDICATORS,
    INSTITUTION_BEDS,
    MEAL_POINT,
    RULE_PARAMS,
)
from analysis.engine import Check

TARGET_YEAR = 2025
"""The year of table 2 the checks hold the registry to: the plan's last, as the registry stands today.
Reports and the API can compare with any year 2022–2025 (:func:`analysis.eldercare.targets.target_status`)."""

STREET_SUFFIX = "街道"
"""专栏1 speaks of streets (街道), the urban units; towns (镇) and townships (乡) have regional centres instead."""

MAX_NAMES = 20
"""A finding lists at most this many communities or streets by name."""

_FACILITIES = FACILITIES_SQL.format(**CURRENT)
_COUNTY = ("coalesce((SELECT d.name FROM admin_divisions d WHERE d.valid_to IS NULL AND d.code = {code} "
           "ORDER BY d.valid_until DESC NULLS FIRST LIMIT 1), {code})")


def _units(unit: str, served: str, where: str = "") -> str:
    """CTEs ``f`` (facilities in service) and ``units``: each (county, ``unit``) named by a residential area or
    a facility, its convex hull, and whether a facility in it meets ``served``."""
    return f"""
        f AS ({_FACILITIES}),
        places AS (
            SELECT county_code, {unit} AS unit, geom FROM residential_areas
            WHERE valid_to IS NULL AND {unit} IS NOT NULL {where}
            UNION ALL
            SELECT county_code, {unit}, geom FROM f WHERE {unit} IS NOT NULL {where}
        ), units AS (
            SELECT p.county_code, p.unit, ST_ConvexHull(ST_Collect(p.geom)) AS geom,
                   EXISTS (SELECT 1 FROM f WHERE f.county_code = p.county_code AND f.{unit} = p.unit
                                             AND {served}) AS served
            FROM places p GROUP BY p.county_code, p.unit
        )"""


def _share_below(unit: str, served: str) -> str:
    """One finding per county whose share of units meeting ``served`` is under ``:target_pct``; its geometry
    is the units that do not."""
    return f"""
        WITH {_units(unit, served)}
        SELECT NULL::bigint AS fid, county_code AS key, ST_Union(geom) FILTER (WHERE NOT served) AS geom, county_code,
               {_COUNTY.format(code="county_code")} AS county, count(*) AS units,
               count(*) FILTER (WHERE served) AS served_units,
               round(100.0 * count(*) FILTER (WHERE served) / count(*), 2) AS share_pct,
               CAST(:target_pct AS numeric) AS target_pct, CAST(:year AS integer) AS year,
               array_to_string((array_agg(unit ORDER BY unit) FILTER (WHERE NOT served))[1:{MAX_NAMES}], '、')
                   AS missing
        FROM units
        GROUP BY county_code
        HAVING 100.0 * count(*) FILTER (WHERE served) / count(*) < :target_pct
    """


def _provincial_total(measure: str, where: str = "TRUE") -> str:
    """The registry's province-wide total of ``measure`` when it is under ``:target`` (one finding, no geometry).

    Only once the register holds a facility: an empty register is not yet a register to compare.
    """
    return f"""
        WITH f AS ({_FACILITIES}), total AS (SELECT {measure} AS registered FROM f WHERE {where})
        SELECT NULL::bigint AS fid, '' AS key, NULL::geometry AS geom, '350000' AS county_code,
               registered, CAST(:target AS numeric) AS target, CAST(:year AS integer) AS year
        FROM total
        WHERE registered < :target AND EXISTS (SELECT 1 FROM f)
    """


def _target(key: str) -> float:
    return INDICATORS[key].target(TARGET_YEAR)


STREET_WITHOUT_DEMONSTRATION = Check(
    id="eldercare.street_without_demonstration",
    layer="eldercare_facilities",
    severity="warning",
    title_zh="街道尚无综合功能的示范性居家社区养老服务机构",
    title_en="Street without a comprehensive demonstration institution",
    message_zh="{street}尚无具备全托、日托、上门服务、区域协调指导等综合功能的示范性居家社区养老服务机构"
               "(专栏1);该街道登记设施{facilities}处,标为示范但功能不全:{incomplete}",
    message_en="{street} has no demonstration institution offering full-time care, day care, home visits and "
               "regional coordination (专栏1); facilities registered there: {facilities}; marked as demonstration "
               "but lacking functions: {incomplete}",
    sql=f"""
        WITH {_units("street", f"(f.facility_type = 'demonstration' OR f.is_demonstration) AND {COMPREHENSIVE}",
                     where="AND street LIKE '%' || :street_suffix")}
        SELECT NULL::bigint AS fid, u.county_code || ':' || u.unit AS key, u.geom, u.county_code, u.unit AS street,
               (SELECT count(*) FROM f WHERE f.county_code = u.county_code AND f.street = u.unit) AS facilities,
               coalesce((SELECT string_agg(f.name, '、' ORDER BY f.name) FROM f
                         WHERE f.county_code = u.county_code AND f.street = u.unit
                           AND (f.facility_type = 'demonstration' OR f.is_demonstration)), '无') AS incomplete
        FROM units u
        WHERE NOT u.served
    """,
    params={"comprehensive": RULE_PARAMS["comprehensive"], "street_suffix": STREET_SUFFIX},
)

DAY_CARE_COVERAGE = Check(
    id="eldercare.community_day_care_coverage",
    layer="eldercare_facilities",
    severity="warning",
    title_zh="社区日间照料机构覆盖率低于90%",
    title_en="Community day-care coverage under 90 %",
    message_zh="{county}社区日间照料机构覆盖率{share_pct}%({served_units}/{units}个社区),低于专栏1要求的"
               "{target_pct}%;尚无日间照料的社区:{missing}",
    message_en="{county}: {share_pct} % of communities ({served_units} of {units}) have day care, under the "
               "{target_pct} % of 专栏1; communities without: {missing}",
    sql=_share_below("community", "(f.facility_type = 'day_care' OR 'day_care' = ANY(f.codes))"),
    params={"target_pct": DAY_CARE_TARGET_PCT, "year": TARGET_YEAR},
)

COMPREHENSIVE_COVERAGE = Check(
    id="eldercare.comprehensive_coverage_below_target",
    layer="eldercare_facilities",
    severity="warning",
    title_zh="乡镇(街道)综合功能养老服务机构覆盖率低于表2目标",
    title_en="Township and street coverage by comprehensive institutions under the table 2 target",
    message_zh="{county}具备综合功能的养老服务机构覆盖{served_units}/{units}个乡镇(街道),覆盖率{share_pct}%,"
               "低于表2第8项{year}年全省目标{target_pct}%;尚未覆盖:{missing}",
    message_en="{county}: comprehensive institutions serve {served_units} of {units} townships and streets "
               "({share_pct} %), under table 2 row 8's provincial target of {target_pct} % for {year}; "
               "not served: {missing}",
    sql=_share_below("street", COMPREHENSIVE),
    params={"comprehensive": RULE_PARAMS["comprehensive"], "target_pct": _target("comprehensive_coverage"),
            "year": TARGET_YEAR},
)

NURSING_BED_SHARE = Check(
    id="eldercare.nursing_bed_share_below_target",
    layer="eldercare_facilities",
    severity="warning",
    title_zh="养老机构护理型床位占比低于表2目标",
    title_en="Nursing-type bed share under the table 2 target",
    message_zh="{county}养老机构护理型床位{nursing_beds}张,占总床位{beds}张的{share_pct}%,"
               "低于表2第4项{year}年目标{target_pct}%",
    message_en="{county}: {nursing_beds} nursing-type beds of {beds} institutional beds ({share_pct} %), under "
               "table 2 row 4's target of {target_pct} % for {year}",
    sql=f"""
        WITH f AS ({_FACILITIES})
        SELECT NULL::bigint AS fid, county_code AS key, ST_Collect(geom) AS geom, county_code,
               {_COUNTY.format(code="county_code")} AS county, sum(beds) AS beds,
               sum(coalesce(nursing_beds, 0)) AS nursing_beds,
               round(100.0 * sum(coalesce(nursing_beds, 0)) / sum(beds), 2) AS share_pct,
               CAST(:target_pct AS numeric) AS target_pct, CAST(:year AS integer) AS year
        FROM f
        WHERE {INSTITUTION_BEDS}
        GROUP BY county_code
        HAVING 100.0 * sum(coalesce(nursing_beds, 0)) / sum(beds) < :target_pct
    """,
    params={"institution_types": RULE_PARAMS["institution_types"], "target_pct": _target("nursing_bed_share"),
            "year": TARGET_YEAR},
)

NURSING_BEDS_EXCEED_BEDS = Check(
    id="eldercare.nursing_beds_exceed_beds",
    layer="eldercare_facilities",
    severity="error",
    title_zh="护理型床位数超过床位总数",
    title_en="More nursing-type beds than beds",
    message_zh="“{name}”登记护理型床位{nursing_beds}张,超过其床位总数{beds}张",
    message_en="'{name}' registers {nursing_beds} nursing-type beds, more than its {beds} beds",
    sql="""
        SELECT fid, '' AS key, geom, county_code, name, beds, nursing_beds
        FROM eldercare_facilities
        WHERE valid_to IS NULL AND nursing_beds > coalesce(beds, 0)
    """,
)

BEDS_TOTAL = Check(
    id="eldercare.beds_total_below_target",
    layer="eldercare_facilities",
    severity="info",
    title_zh="登记的养老服务床位合计低于表2全省目标",
    title_en="Registered eldercare beds below the provincial table 2 total",
    message_zh="全省合计:登记在册的养老服务床位共{registered}万张,表2第3项{year}年全省目标{target}万张"
               "(全省总量目标,登记未覆盖全省时仅供参考)",
    message_en="provincial total: the registry holds {registered} × 10 000 eldercare beds against table 2 row 3's "
               "provincial target of {target} × 10 000 for {year} (a province-wide total: indicative while the "
               "registry does not hold the whole province)",
    sql=_provincial_total("round(coalesce(sum(beds), 0) / 10000.0, 4)"),
    params={"target": _target("eldercare_beds"), "year": TARGET_YEAR},
)

MEAL_POINTS_TOTAL = Check(
    id="eldercare.meal_points_below_target",
    layer="eldercare_facilities",
    severity="info",
    title_zh="登记的老年人助餐点合计低于表2全省目标",
    title_en="Registered meal points below the provincial table 2 total",
    message_zh="全省合计:登记在册的老年人助餐点(含提供助餐的设施)共{registered}个,表2第10项{year}年全省累计目标"
               "{target}个(全省总量目标,登记未覆盖全省时仅供参考)",
    message_en="provincial total: the registry holds {registered} meal points (facilities offering meals included) "
               "against table 2 row 10's cumulative provincial target of {target} for {year} (indicative while the "
               "registry does not hold the whole province)",
    sql=_provincial_total("count(*)", MEAL_POINT),
    params={"target": _target("meal_points"), "year": TARGET_YEAR},
)

COUNTY_NURSING_HOMES_TOTAL = Check(
    id="eldercare.county_nursing_homes_below_target",
    layer="eldercare_facilities",
    severity="info",
    title_zh="登记的县级老年养护院合计低于表2全省目标",
    title_en="Registered county nursing homes below the provincial table 2 total",
    message_zh="全省合计:登记在册的县级老年养护院共{registered}所,表2第5项{year}年全省累计目标{target}所"
               "(全省总量目标,登记未覆盖全省时仅供参考)",
    message_en="provincial total: the registry holds {registered} county nursing homes against table 2 row 5's "
               "cumulative provincial target of {target} for {year} (indicative while the registry does not hold "
               "the whole province)",
    sql=_provincial_total("count(*)", "facility_type = 'county_nursing_home'"),
    params={"target": _target("county_nursing_homes"), "year": TARGET_YEAR},
)

CHECKS = [STREET_WITHOUT_DEMONSTRATION, DAY_CARE_COVERAGE, COMPREHENSIVE_COVERAGE, NURSING_BED_SHARE,
          NURSING_BEDS_EXCEED_BEDS, BEDS_TOTAL, MEAL_POINTS_TOTAL, COUNTY_NURSING_HOMES_TOTAL]
