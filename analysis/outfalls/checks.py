"""Outfall rules of 闽政办〔2022〕43号 and its annex 2: where an outfall may not be, what its remediation must
be, who answers for it, how far its work has gone, and whether its samples keep to their standard.

Everything the rules depend on is bound data, never spliced into the SQL: the banned zone types and the
subclasses come from :mod:`layers.outfalls` and :mod:`layers.protected_zones`, the standards of annex 2
from ``layers.outfalls.STANDARD_RULES``, and the limit values, deadlines and code pattern from
:mod:`analysis.outfalls.config` (which says which of them are placeholders).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analysis.engine import Check
from analysis.outfalls.config import OutfallConfig, outfall_config
from layers.base import CodeList
from layers.codes import code_prefix_sql
from layers.outfalls import (
    APPROVAL_MODES,
    DECISIONS,
    DOMESTIC_SUBCLASSES,
    OUTFALL_CLASSES,
    OUTFALL_SUBCLASSES,
    PARAMETERS,
    RECEIVING,
    REGULARISATION_ITEMS,
    RETAINED,
    STANDARDS,
    STATUS,
    STATUS_DATES,
    TRACED_OR_LATER,
    UNITS,
    standard_rule,
)
from layers.protected_zones import OUTFALL_BANNED, ZONE_TYPES
from registry.crs import gk_zone_srid_sql

PROGRESSION_PROBLEMS = CodeList("工作进度问题", [
    ("date_beyond_status", "记录了尚未到达环节的日期", "a date is recorded for a stage not yet reached"),
    ("date_order", "日期早于前一环节", "a date is earlier than an earlier stage's"),
    ("future_date", "日期晚于今天", "a date lies in the future"),
    ("decision_missing", "已到确定整治类型环节但未记录整治类型", "the stage needs a decision and none is recorded"),
    ("decision_early", "尚未到确定整治类型环节却已记录整治类型",
     "a decision is recorded before the stage of deciding"),
])

CODE_PROBLEMS = CodeList("编码问题", [
    ("pattern", "不符合编码规则", "does not match the code pattern"),
    ("county_prefix", "未以所在县区代码开头", "does not begin with its county code"),
])

IDENTITIES = CodeList("主体", [
    ("discharging_unit", "排污单位", "discharging unit"),
    ("responsible_party", "责任主体", "responsible party"),
])

LIMIT_SOURCES = CodeList("限值来源", [
    ("permit", "许可或批复限值", "permit or approval limit"),
    ("verified", "配置限值(已核实)", "configured limit (verified)"),
    ("placeholder", "配置限值(占位值,待核实)", "configured limit (placeholder, to be verified)"),
])

SAMPLE_PROBLEMS = CodeList("监测数据问题", [
    ("outfall_missing", "对应的排污口不存在或已删除", "its outfall does not exist or was deleted"),
    ("county_mismatch", "县区代码与排污口不一致", "its county code differs from its outfall's"),
    ("unit_mismatch", "单位与标准限值的单位不同,无法比较",
     "its unit differs from the limit's, so it cannot be compared"),
])

_RULES_CTE = """rules AS (
    SELECT * FROM unnest(CAST(:r_subclass AS text[]), CAST(:r_stormwater AS boolean[]), CAST(:r_kind AS text[]),
                         CAST(:r_options AS text[]), CAST(:r_options_zh AS text[]), CAST(:r_options_en AS text[]),
                         CAST(:r_fallback AS text[]))
        AS r(subclass, stormwater, kind, options, options_zh, options_en, fallback)
)"""
"""Annex 2's standards per (subclass, stormwater outlet, river or sea), one row each."""

_RULE_JOIN = ("rules r ON r.subclass = o.subclass AND r.stormwater = COALESCE(o.stormwater, false) "
              "AND r.kind = o.receiving_kind")

_LIMITS_CTE = """limits AS (
    SELECT * FROM unnest(CAST(:l_standard AS text[]), CAST(:l_parameter AS text[]), CAST(:l_unit AS text[]),
                         CAST(:l_minimum AS numeric[]), CAST(:l_maximum AS numeric[]), CAST(:l_verified AS boolean[]))
        AS l(standard, parameter, unit, minimum, maximum, verified)
)"""


def _rule_params() -> dict[str, list]:
    rows = [(subclass.code, stormwater, kind.code, rule)
            for subclass in OUTFALL_SUBCLASSES for stormwater in (False, True) for kind in RECEIVING
            if (rule := standard_rule(subclass.code, stormwater=stormwater, receiving_kind=kind.code))]
    return {"r_subclass": [r[0] for r in rows], "r_stormwater": [r[1] for r in rows], "r_kind": [r[2] for r in rows],
            "r_options": [",".join(r[3].options) for r in rows],
            "r_options_zh": ["、".join(STANDARDS.label(s) for s in r[3].options) for r in rows],
            "r_options_en": ["; ".join(STANDARDS.label(s, "en") for s in r[3].options) for r in rows],
            "r_fallback": [r[3].fallback for r in rows]}


def _limit_params(config: OutfallConfig) -> dict[str, list]:
    limits = config.limits
    return {"l_standard": [x.standard for x in limits], "l_parameter": [x.parameter for x in limits],
            "l_unit": [x.unit for x in limits], "l_minimum": [x.minimum for x in limits],
            "l_maximum": [x.maximum for x in limits], "l_verified": [x.verified for x in limits]}


EDGE_STEP_DEG = 0.001
"""Longest edge piece projected as a straight line (about 100 m): a lon/lat-straight piece that long strays
0.1 mm from the straight line of the Gauss-Kruger plane."""

IN_PROTECTED_ZONE = Check(
    id="outfall.in_protected_zone",
    layer="outfalls",
    severity="error",
    title_zh="排污口位于禁止设置排污口的保护区内",
    title_en="Outfall inside a zone where outfalls are banned",
    message_zh="排污口位于{zone_type}“{zone_name}”内(距边界{distance_to_edge_m}米),现整治类型:{decision},应予取缔",
    message_en="outfall lies inside the {zone_type} '{zone_name}' ({distance_to_edge_m} m from its edge); "
               "remediation decision: {decision}; it must be removed",
    # One finding per (outfall, zone): ``key`` is the zone, so moving an outfall out of one of two
    # overlapping zones resolves exactly one finding when runs are compared. Zone by zone (the OFFSET 0
    # fence keeps the zones outside): each zone probes the outfalls' index and PostGIS reuses the zone's
    # prepared polygon for all its candidates; the planner's own choice, outfall by outfall, measured
    # 1.0 s against 0.31 s at province scale. The distance to the edge is
    # geodesic from the outfall to the edge's nearest point, found in the outfall's Gauss-Kruger zone on
    # each zone's edge projected once, densified first so that it keeps the course drawn (straight in
    # lon/lat). A geography distance would measure to great-circle arcs instead (bench: up to 9.6 m off
    # at 2 km; 24 m for a 0.5° edge) and cost 2.4 times as much.
    sql=f"""
        WITH pairs AS MATERIALIZED (
            SELECT o.fid, o.geom, o.county_code, o.decision, z.fid AS zone_fid, z.name AS zone_name, z.zone_type,
                   {gk_zone_srid_sql("ST_X(o.geom)")} AS srid
            FROM (SELECT fid, name, zone_type, geom FROM protected_zones
                  WHERE valid_to IS NULL AND zone_type = ANY(:banned) OFFSET 0) z
            JOIN outfalls o
              ON o.valid_to IS NULL AND o.decision IS DISTINCT FROM 'remove' AND ST_Intersects(o.geom, z.geom)
        ), edges AS MATERIALIZED (
            SELECT k.zone_fid, k.srid, ST_Transform(ST_Segmentize(ST_Boundary(z.geom), :edge_step_deg), k.srid)
                   AS edge
            FROM (SELECT DISTINCT zone_fid, srid FROM pairs) k
            JOIN protected_zones z ON z.fid = k.zone_fid AND z.valid_to IS NULL
        )
        SELECT p.fid, p.zone_fid::text AS key, p.geom, p.county_code, p.zone_name, p.zone_type, p.decision,
               round(ST_Distance(p.geom::geography, ST_Transform(
                   ST_ClosestPoint(e.edge, ST_Transform(p.geom, p.srid)), 4490)::geography)::numeric, 1)
                   AS distance_to_edge_m
        FROM pairs p JOIN edges e USING (zone_fid, srid)
    """,
    params={"banned": list(OUTFALL_BANNED), "edge_step_deg": EDGE_STEP_DEG},
    codes={"zone_type": ZONE_TYPES, "decision": DECISIONS},
)

DOMESTIC_IN_SEWER_COVERAGE = Check(
    id="outfall.domestic_in_sewer_coverage",
    layer="outfalls",
    severity="warning",
    title_zh="管网覆盖范围内的生活污水散排口未清理合并",
    title_en="Scattered domestic outlet inside sewer coverage not merged",
    message_zh="{subclass}位于污水管网覆盖范围“{coverage_name}”内,现整治类型:{decision};"
               "原则上应清理合并,污水接入收集管网",
    message_en="{subclass} lies inside the sewer coverage '{coverage_name}'; remediation decision: {decision}; "
               "it should in principle be merged and connected to the network",
    # Removal is stronger than merging (e.g. inside a drinking-water zone) and is accepted too.
    sql="""
        SELECT o.fid, s.fid::text AS key, o.geom, o.county_code,
               o.subclass, s.name AS coverage_name, o.decision
        FROM outfalls o
        JOIN sewer_coverage s ON s.valid_to IS NULL AND ST_Intersects(o.geom, s.geom)
        WHERE o.valid_to IS NULL AND o.subclass = ANY(:domestic) AND COALESCE(o.decision, '') <> ALL(:accepted)
    """,
    params={"domestic": list(DOMESTIC_SUBCLASSES), "accepted": ["merge", "remove"]},
    codes={"subclass": OUTFALL_SUBCLASSES, "decision": DECISIONS},
)

INDUSTRIAL_IN_PARK = Check(
    id="outfall.industrial_in_park",
    layer="outfalls",
    severity="warning",
    title_zh="工业园区内企业排污口未并入园区污水集中处理设施",
    title_en="Enterprise outfall inside an industrial park not taken to the park plant",
    message_zh="工业排污口位于工业园区“{park_name}”内,现整治类型:{decision};园区内企业污水应截污纳管,"
               "由园区污水集中处理设施({plant_name})统一处理,确需单独设置的应论证并依法审核或备案",
    message_en="industrial outfall inside the industrial park '{park_name}'; remediation decision: {decision}; "
               "the park's enterprises should send their sewage to the park plant ({plant_name}), and an own "
               "outfall needs a siting study and approval or filing",
    # The park plant's own outfall is where the others go; an enterprise outfall approved or filed after
    # its siting study (确需单独设置…依法依规审核或备案) may stay; a park without a central plant has nowhere
    # to send the sewage.
    sql="""
        SELECT o.fid, p.fid::text AS key, o.geom, o.county_code,
               p.name AS park_name, p.plant_name, o.decision
        FROM outfalls o
        JOIN industrial_parks p
          ON p.valid_to IS NULL AND p.has_central_plant IS NOT FALSE AND ST_Intersects(o.geom, p.geom)
        WHERE o.valid_to IS NULL AND o.outfall_class = 'industrial' AND o.subclass IS DISTINCT FROM 'park_plant'
          AND COALESCE(o.decision, '') <> ALL(:accepted) AND o.approval_number IS NULL
    """,
    params={"accepted": ["merge", "remove"]},
    codes={"decision": DECISIONS},
)

UNIT_SEVERAL_OUTFALLS = Check(
    id="outfall.unit_several_outfalls",
    layer="outfalls",
    severity="warning",
    title_zh="一个排污单位保留多个排污口且未告知设区市生态环境部门",
    title_en="A unit keeps several outfalls without informing the city bureau",
    message_zh="该排污单位共保留{outfall_count}个排污口({codes});原则上一个排污单位只保留一个排污口,"
               "确有必要保留两个及以上的应告知设区市生态环境部门(未记录告知日期)",
    message_en="its discharging unit keeps {outfall_count} outfalls ({codes}); a unit should keep one, and "
               "keeping more must be reported to the city's ecology and environment bureau (no date recorded)",
    # Units are told apart by their credit code, not by name. Outfalls to be removed or merged are on
    # their way out and do not count.
    sql="""
        WITH kept AS (
            SELECT fid, geom, county_code, code, unit_credit_code, city_bureau_informed_on
            FROM outfalls
            WHERE valid_to IS NULL AND unit_credit_code IS NOT NULL AND COALESCE(decision, '') <> ALL(:leaving)
        ), units AS (
            SELECT unit_credit_code, count(*) AS outfall_count, string_agg(code, '、' ORDER BY code) AS codes
            FROM kept GROUP BY unit_credit_code HAVING count(*) > 1
        )
        SELECT k.fid, '' AS key, k.geom, k.county_code, u.outfall_count, u.codes
        FROM kept k JOIN units u USING (unit_credit_code)
        WHERE k.city_bureau_informed_on IS NULL
    """,
    params={"leaving": ["merge", "remove"]},
)

IDENTITY_NAMES = Check(
    id="outfall.credit_code_names",
    layer="outfalls",
    severity="warning",
    title_zh="同一统一社会信用代码对应不同名称",
    title_en="One credit code under different names",
    message_zh="{identity}的统一社会信用代码与排污口{other_codes}相同,但名称不同:同一代码只能对应一个单位",
    message_en="the {identity}'s credit code equals that of outfall(s) {other_codes} under another name: "
               "a credit code identifies one organisation",
    # The names themselves are not public, so the message names the other outfalls by their codes.
    sql="""
        WITH ids AS (
            SELECT fid, geom, county_code, code, 'discharging_unit' AS identity,
                   unit_credit_code AS credit_code, discharging_unit AS name
            FROM outfalls WHERE valid_to IS NULL AND unit_credit_code IS NOT NULL
            UNION ALL
            SELECT fid, geom, county_code, code, 'responsible_party', credit_code, responsible_party
            FROM outfalls WHERE valid_to IS NULL AND credit_code IS NOT NULL
        )
        SELECT a.fid, a.identity AS key, a.geom, a.county_code, a.identity,
               string_agg(DISTINCT b.code, '、') AS other_codes
        FROM ids a JOIN ids b
          ON b.credit_code = a.credit_code AND b.name IS DISTINCT FROM a.name AND b.fid <> a.fid
        GROUP BY a.fid, a.identity, a.geom, a.county_code
    """,
    codes={"identity": IDENTITIES},
)

SUBCLASS_OF_OTHER_CLASS = Check(
    id="outfall.subclass_of_other_class",
    layer="outfalls",
    severity="error",
    title_zh="二级分类不属于所填一级分类",
    title_en="Subclass belongs to another class",
    message_zh="二级分类“{subclass}”属于{subclass_class},与一级分类“{outfall_class}”不符",
    message_en="the subclass '{subclass}' belongs to the {subclass_class} class, not to '{outfall_class}'",
    sql="""
        SELECT o.fid, '' AS key, o.geom, o.county_code, o.subclass, p.parent AS subclass_class, o.outfall_class
        FROM outfalls o
        JOIN unnest(CAST(:subclasses AS text[]), CAST(:parents AS text[])) AS p(subclass, parent)
          ON p.subclass = o.subclass
        WHERE o.valid_to IS NULL AND p.parent <> o.outfall_class
    """,
    params={"subclasses": OUTFALL_SUBCLASSES.values(), "parents": [c.parent for c in OUTFALL_SUBCLASSES]},
    codes={"subclass": OUTFALL_SUBCLASSES, "subclass_class": OUTFALL_CLASSES, "outfall_class": OUTFALL_CLASSES},
)

STATUS_PROGRESSION = Check(
    id="outfall.status_progression",
    layer="outfalls",
    severity="error",
    title_zh="工作进度与日期、整治类型不一致",
    title_en="Status, dates and decision disagree",
    message_zh="工作进度记录有误:{problem}(环节:{stage},日期:{on_date});现工作进度:{status}",
    message_en="inconsistent progress: {problem} (stage: {stage}, date: {on_date}); status: {status}",
    # The stages run surveyed → sampled → traced → decided → remediated; a stage's date may be missing
    # (older records have none), but the dates given must follow the stages and the status.
    sql="""
        WITH stages AS (
            SELECT o.fid, o.geom, o.county_code, o.status, o.decision, s.stage, s.on_date, s.rank,
                   array_position(CAST(:stages AS text[]), o.status) AS status_rank
            FROM outfalls o
            CROSS JOIN LATERAL unnest(CAST(:stages AS text[]),
                                      ARRAY[o.surveyed_on, o.sampled_on, o.traced_on, o.decided_on, o.remediated_on])
                WITH ORDINALITY AS s(stage, on_date, rank)
            WHERE o.valid_to IS NULL
        ), problems AS (
            SELECT fid, geom, county_code, status, 'date_beyond_status' AS problem, stage, on_date
            FROM stages WHERE on_date IS NOT NULL AND rank > status_rank
            UNION ALL
            SELECT b.fid, b.geom, b.county_code, b.status, 'date_order', b.stage, b.on_date
            FROM stages b
            WHERE EXISTS (SELECT 1 FROM stages a WHERE a.fid = b.fid AND a.rank < b.rank AND a.on_date > b.on_date)
            UNION ALL
            SELECT fid, geom, county_code, status, 'future_date', stage, on_date
            FROM stages WHERE on_date > CURRENT_DATE
            UNION ALL
            SELECT fid, geom, county_code, status, 'decision_missing', NULL, NULL
            FROM stages WHERE rank = 1 AND status_rank >= :decided_rank AND decision IS NULL
            UNION ALL
            SELECT fid, geom, county_code, status, 'decision_early', NULL, NULL
            FROM stages WHERE rank = 1 AND status_rank < :decided_rank AND decision IS NOT NULL
        )
        SELECT fid, problem || ':' || COALESCE(stage, '') AS key, geom, county_code, problem, stage, on_date, status
        FROM problems
    """,
    params={"stages": list(STATUS_DATES), "decided_rank": list(STATUS_DATES).index("decided") + 1},
    codes={"problem": PROGRESSION_PROBLEMS, "stage": STATUS, "status": STATUS},
)

REGULARISATION_ITEMS_MISSING = Check(
    id="outfall.regularisation_items",
    layer="outfalls",
    severity="error",
    title_zh="已整治保留的排污口缺少规范化建设内容",
    title_en="Remediated outfall lacks a regularisation item",
    message_zh="排污口已整治({decision}),但缺少{item}",
    message_en="outfall remediated ({decision}) but lacks: {item}",
    # Annex 2 总体要求 3: 开口子 and 立牌子 for every retained outfall; 树杆子 (online metering and video)
    # for large industrial outfalls and municipal plants.
    sql="""
        SELECT o.fid, i.item AS key, o.geom, o.county_code, o.decision, i.item
        FROM outfalls o
        CROSS JOIN LATERAL (VALUES
            ('sign_board', o.sign_board IS TRUE, true),
            ('sampling_facility', o.sampling_facility IS NOT NULL, true),
            ('online_monitoring', o.online_monitoring IS TRUE,
             o.outfall_class = 'municipal_plant' OR (o.outfall_class = 'industrial' AND o.large_scale IS TRUE)),
            ('video', o.video IS TRUE,
             o.outfall_class = 'municipal_plant' OR (o.outfall_class = 'industrial' AND o.large_scale IS TRUE))
        ) AS i(item, present, required)
        WHERE o.valid_to IS NULL AND o.status = 'remediated' AND o.decision = ANY(:retained)
          AND i.required AND NOT i.present
    """,
    params={"retained": list(RETAINED)},
    codes={"decision": DECISIONS, "item": REGULARISATION_ITEMS},
)

APPROVAL_MISSING = Check(
    id="outfall.approval_missing",
    layer="outfalls",
    severity="warning",
    title_zh="保留的排污口未记录设置审核或备案",
    title_en="Retained outfall without a recorded approval or filing",
    message_zh="排污口已整治并保留({decision}),其设置实行{approval_mode},但未记录审核/备案文号",
    message_en="outfall remediated and retained ({decision}); its siting needs {approval_mode}, "
               "but no approval or filing number is recorded",
    sql="""
        SELECT fid, '' AS key, geom, county_code, decision, approval_mode
        FROM outfalls
        WHERE valid_to IS NULL AND status = 'remediated' AND decision = ANY(:retained)
          AND approval_mode <> 'none' AND approval_number IS NULL
    """,
    params={"retained": list(RETAINED)},
    codes={"decision": DECISIONS, "approval_mode": APPROVAL_MODES},
)

STANDARD_NOT_APPLICABLE = Check(
    id="outfall.standard_not_applicable",
    layer="outfalls",
    severity="warning",
    title_zh="执行标准不是附件2为该类排污口规定的标准",
    title_en="Discharge standard not one annex 2 sets for the outfall's kind",
    message_zh="{subclass}的执行标准为{standard},附件2规定的标准为:{allowed_zh}",
    message_en="the {subclass} applies {standard}; annex 2 sets: {allowed_en}",
    sql=f"""
        WITH {_RULES_CTE}
        SELECT o.fid, '' AS key, o.geom, o.county_code, o.subclass, o.standard,
               r.options_zh AS allowed_zh, r.options_en AS allowed_en
        FROM outfalls o JOIN {_RULE_JOIN}
        WHERE o.valid_to IS NULL AND o.standard IS NOT NULL AND o.standard <> ALL(string_to_array(r.options, ','))
    """,
    params=_rule_params(),
    codes={"subclass": OUTFALL_SUBCLASSES, "standard": STANDARDS},
)


def _configured(config: OutfallConfig | None,
                build: Callable[[OutfallConfig], dict[str, Any]]) -> dict[str, Any]:
    """A check's parameters from ``config``, or, without one, from the registry's settings when it runs."""
    if config is not None:
        return {"params": build(config)}
    return {"configured": lambda env: build(outfall_config(env))}


def configured_checks(config: OutfallConfig | None = None) -> list[Check]:
    """The checks whose figures are configuration: the tracing deadlines, the code pattern, and the limit
    values the two checks of monitoring samples measure against; from ``config``, or from the running
    registry's settings (``FUJIAN_OUTFALL_CONFIG``) when None."""
    untraced = Check(
        id="outfall.untraced_after_deadline",
        layer="outfalls",
        severity="error",
        title_zh="超过溯源期限仍未溯源",
        title_en="Not traced after the tracing deadline",
        message_zh="排污口尚未溯源(工作进度:{status}),溯源期限{deadline}({deadline_scope})已过{days_overdue}天",
        message_en="outfall not traced yet (status: {status}); the tracing deadline {deadline} ({deadline_scope}) "
                   "passed {days_overdue} days ago",
        # The earliest deadline configured for a key basin the outfall lies in or a division it belongs to
        # applies; without one, the plan's "2024年底前基本完成溯源".
        sql=f"""
            WITH rules AS (
                SELECT * FROM unnest(CAST(:d_basin AS text[]), CAST(:d_area AS text[]), CAST(:d_date AS date[]))
                    AS r(basin, area, due)
            )
            SELECT o.fid, '' AS key, o.geom, o.county_code, o.status,
                   COALESCE(d.due, CAST(:default_due AS date)) AS deadline,
                   COALESCE(d.scope, CAST(:default_scope AS text)) AS deadline_scope,
                   CURRENT_DATE - COALESCE(d.due, CAST(:default_due AS date)) AS days_overdue
            FROM outfalls o
            LEFT JOIN LATERAL (
                SELECT r.due, COALESCE(r.basin, r.area) AS scope
                FROM rules r
                WHERE EXISTS (SELECT 1 FROM key_basins b WHERE b.valid_to IS NULL AND b.name = r.basin
                                                           AND ST_Intersects(b.geom, o.geom))
                   OR o.county_code LIKE {code_prefix_sql('r.area')} || '%'
                ORDER BY r.due LIMIT 1
            ) d ON true
            WHERE o.valid_to IS NULL AND o.status <> ALL(:traced)
              AND CURRENT_DATE > COALESCE(d.due, CAST(:default_due AS date))
        """,
        **_configured(config, lambda c: {
            "d_basin": [d.basin for d in c.deadlines], "d_area": [d.area for d in c.deadlines],
            "d_date": [d.on for d in c.deadlines], "default_due": c.tracing_deadline,
            "default_scope": "全省默认期限 / provincial default", "traced": list(TRACED_OR_LATER)}),
        codes={"status": STATUS},
    )

    code_format = Check(
        id="outfall.code_format",
        layer="outfalls",
        severity="warning",
        title_zh="排污口编码不符合(暂行)编码规则",
        title_en="Outfall code does not follow the (provisional) code pattern",
        message_zh="排污口编码“{code}”{problem}(暂行规则 {pattern},待按HJ 1235-2021核定)",
        message_en="outfall code '{code}' {problem} (provisional pattern {pattern}, pending HJ 1235-2021)",
        sql="""
            SELECT fid, problem AS key, geom, county_code, code, problem, CAST(:pattern AS text) AS pattern
            FROM outfalls
            CROSS JOIN LATERAL (VALUES
                ('pattern', code !~ :pattern),
                ('county_prefix', CAST(:county_prefix AS boolean) AND left(code, 6) <> county_code)
            ) AS p(problem, broken)
            WHERE valid_to IS NULL AND broken
        """,
        **_configured(config, lambda c: {"pattern": c.code_pattern, "county_prefix": c.code_county_prefix}),
        codes={"problem": CODE_PROBLEMS},
    )

    limits = _configured(config, lambda c: {**_rule_params(), **_limit_params(c)})
    assessed = f"""
        WITH {_RULES_CTE}, {_LIMITS_CTE}, assessed AS (
            SELECT s.fid, s.county_code AS sample_county, s.outfall_fid, o.fid IS NOT NULL AS outfall_found,
                   o.geom, o.county_code, o.code,
                   s.parameter, s.value, s.unit, s.sampled_on, s.limit_value,
                   COALESCE(o.standard, r.fallback) AS standard
            FROM outfall_samples s
            LEFT JOIN outfalls o ON o.valid_to IS NULL AND o.fid = s.outfall_fid
            LEFT JOIN {_RULE_JOIN}
            WHERE s.valid_to IS NULL
        )"""
    exceeds = Check(
        id="outfall.sample_exceeds_limit",
        layer="outfall_samples",
        severity="error",
        title_zh="监测值超过执行标准限值",
        title_en="Sample exceeds its limit",
        message_zh="排污口{outfall_code}于{sampled_on}采样的{parameter}为{value}({unit}),超出{standard}限值"
                   "(下限{minimum},上限{maximum};{limit_source})",
        message_en="outfall {outfall_code}: {parameter} sampled on {sampled_on} is {value} ({unit}), beyond the "
                   "limits of {standard} (minimum {minimum}, maximum {maximum}; {limit_source})",
        # A limit from the outfall's permit or EIA approval replaces the configured one; otherwise the
        # configured limit of the outfall's standard, or of annex 2's fallback for its kind, in the same unit.
        sql=assessed + """
        SELECT a.fid, '' AS key, a.geom, a.county_code, a.code AS outfall_code, a.parameter, a.value, a.unit,
               a.sampled_on, a.standard, m.minimum, m.maximum, m.limit_source
        FROM assessed a
        JOIN LATERAL (
            SELECT NULL::numeric AS minimum, a.limit_value AS maximum, 'permit' AS limit_source
            WHERE a.limit_value IS NOT NULL
            UNION ALL
            SELECT l.minimum, l.maximum, CASE WHEN l.verified THEN 'verified' ELSE 'placeholder' END
            FROM limits l
            WHERE a.limit_value IS NULL AND l.standard = a.standard AND l.parameter = a.parameter AND l.unit = a.unit
        ) m ON true
        WHERE a.outfall_found AND (a.value > m.maximum OR a.value < m.minimum)
        """,
        **limits,
        codes={"parameter": PARAMETERS, "unit": UNITS, "standard": STANDARDS, "limit_source": LIMIT_SOURCES},
    )
    not_assessable = Check(
        id="outfall.sample_not_assessable",
        layer="outfall_samples",
        severity="warning",
        title_zh="监测数据无法对照标准",
        title_en="Sample cannot be assessed",
        message_zh="{parameter}监测数据(排污口fid {outfall_fid},{sampled_on}):{problem}",
        message_en="{parameter} sample (outfall fid {outfall_fid}, {sampled_on}): {problem}",
        sql=assessed + """
        SELECT a.fid, p.problem AS key, a.geom, COALESCE(a.county_code, a.sample_county) AS county_code,
               a.parameter, a.outfall_fid, a.sampled_on, p.problem
        FROM assessed a
        CROSS JOIN LATERAL (VALUES
            ('outfall_missing', NOT a.outfall_found),
            ('county_mismatch', a.outfall_found AND a.sample_county <> a.county_code),
            ('unit_mismatch', a.limit_value IS NULL AND EXISTS (
                SELECT 1 FROM limits l WHERE l.standard = a.standard AND l.parameter = a.parameter)
                AND NOT EXISTS (
                SELECT 1 FROM limits l WHERE l.standard = a.standard AND l.parameter = a.parameter AND l.unit = a.unit))
        ) AS p(problem, applies)
        WHERE p.applies
        """,
        **limits,
        codes={"parameter": PARAMETERS, "problem": SAMPLE_PROBLEMS},
    )
    return [untraced, code_format, exceeds, not_assessable]


CHECKS = [IN_PROTECTED_ZONE, DOMESTIC_IN_SEWER_COVERAGE, INDUSTRIAL_IN_PARK, UNIT_SEVERAL_OUTFALLS, IDENTITY_NAMES,
          SUBCLASS_OF_OTHER_CLASS, STATUS_PROGRESSION, REGULARISATION_ITEMS_MISSING, APPROVAL_MISSING,
          STANDARD_NOT_APPLICABLE, *configured_checks()]
