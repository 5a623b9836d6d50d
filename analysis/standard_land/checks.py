"""Standard-land rules of 闽政办〔2022〕45号: where a plot may be, what must be done before it is listed,
whether commitments meet the standard, whether the enterprise performed, and whether the standards
themselves respect the national and provincial floors.

Every finding about a plot is reported on ``standard_land_plots`` with the plot's fid (a finding about
one of its indicator values names the indicator and stage in ``key``), so a plot's compliance is read
from one layer. The SQL shared with the write path comes from :mod:`analysis.standard_land.rules`.
"""

from __future__ import annotations

from analysis.engine import Check
from analysis.standard_land.rules import (
    FLOOR_LEVELS,
    FLOORS_CTE,
    LAND_SCALE_HA_TOLERANCE,
    SHORT_OF,
    SPECS_CTE,
    code_label_sql,
    indicator_params,
    indicator_rows_sql,
    lifecycle_rules,
    problem_arrays,
    readiness_rules,
    spec_params,
    standard_land_config,
)
from layers.base import hectares_sql
from layers.development_zones import ASSESSMENT_KINDS, PROVINCIAL_OR_HIGHER, ZONE_LEVELS
from layers.protected_zones import ZONE_TYPES
from layers.standard_land import INDICATORS, MU_PER_HA, PLOT_STATUS, STAGES

PLOTS = "standard_land_plots"
STANDARDS = "indicator_standards"
MIN_AREA_M2 = 1.0
"""1 m² is the last printed digit of an area (0.0001 ha): less is digitising noise."""

PROTECTED_FOR_PLOTS = ("permanent_farmland", "ecological_red_line", "nature_reserve")
"""三区三线 and 自然保护地: no industrial plot may take them (DOMAIN.md §3)."""

LISTED = "p.valid_to IS NULL AND p.status <> 'reserved' AND p.listed_on IS NOT NULL"
"""Plots that have been listed: the ones whose pre-listing duties can be held against them."""

ACTIVE = "p.valid_to IS NULL AND p.status <> 'disposed'"
"""Plots still under supervision: a disposed plot's land has gone back to the government."""

LISTED_PLOTS = f"""SELECT p.fid, p.county_code, p.development_zone, p.industry_code, p.listed_on AS on_date
                   FROM standard_land_plots p WHERE {LISTED}"""


def _outside(cover: str, where: str) -> str:
    """Rows ``fid, plot_code, county_code, plot, outside`` for plots matching ``where``: the part of each
    plot that ``cover`` (an SQL expression over ``p``, the union of what may contain it) leaves out;
    polygons only, so slivers and lines along shared edges do not count."""
    return f"""
        SELECT fid, plot_code, county_code, plot,
               ST_CollectionExtract(CASE WHEN cover IS NULL THEN plot ELSE ST_Difference(plot, cover) END, 3)
                   AS outside
        FROM (SELECT p.fid, p.plot_code, p.county_code, p.geom AS plot, ({cover}) AS cover
              FROM standard_land_plots p WHERE {where}) AS covered
    """


SHARE = "round((100.0 * ST_Area({0}::geography) / ST_Area({1}::geography))::numeric, 1)"

OUTSIDE_PROVINCIAL_ZONE = Check(
    id="standard_land.outside_provincial_zone",
    layer=PLOTS,
    severity="warning",
    title_zh="标准地不在省级以上开发区内",
    title_en="Standard-land plot outside every development zone of provincial level or above",
    message_zh="地块{plot_code}有{outside_ha}公顷(占{outside_pct}%)不在省级以上开发区内;所在开发区:{zones_zh}",
    message_en="plot {plot_code} has {outside_ha} ha ({outside_pct} %) outside every development zone of "
               "provincial level or above; zones it touches: {zones_en}",
    # §一: the reform starts in zones of provincial level and above, so elsewhere is a warning, not an error.
    sql=f"""
        WITH parts AS ({_outside('''SELECT ST_Union(z.geom) FROM development_zones z
                                     WHERE z.valid_to IS NULL AND z.level = ANY(:levels)
                                       AND ST_Intersects(z.geom, p.geom)''', ACTIVE)})
        SELECT parts.fid, '' AS key, outside AS geom, parts.county_code, plot_code,
               {hectares_sql('outside')} AS outside_ha, {SHARE.format('outside', 'plot')} AS outside_pct,
               coalesce(zones.zh, '无') AS zones_zh, coalesce(zones.en, 'none') AS zones_en
        FROM parts
        LEFT JOIN LATERAL (
            SELECT string_agg(z.name || '(' || {code_label_sql(ZONE_LEVELS, 'z.level')} || ')', '、'
                              ORDER BY z.name) AS zh,
                   string_agg(z.name || ' (' || {code_label_sql(ZONE_LEVELS, 'z.level', 'en')} || ')', ', '
                              ORDER BY z.name) AS en
            FROM development_zones z WHERE z.valid_to IS NULL AND ST_Intersects(z.geom, parts.plot)
        ) AS zones ON true
        WHERE ST_Area(outside::geography) >= :min_m2
    """,
    params={"levels": list(PROVINCIAL_OR_HIGHER), "min_m2": MIN_AREA_M2},
)

_READY_ZH, _READY_EN = problem_arrays(readiness_rules())

NOT_NET_LAND = Check(
    id="standard_land.not_net_land",
    layer=PLOTS,
    severity="error",
    title_zh="挂牌时不符合净地要求",
    title_en="Plot listed without being net land",
    message_zh="地块{plot_code}(状态:{status})挂牌前未满足净地条件:{missing_zh}",
    message_en="plot {plot_code} (status: {status}) was listed before these net-land conditions were met: "
               "{missing_en}",
    sql=f"""
        SELECT p.fid, '' AS key, p.geom, p.county_code, p.plot_code, p.status,
               array_to_string(r.zh, '、') AS missing_zh, array_to_string(r.en, ', ') AS missing_en
        FROM standard_land_plots p
        CROSS JOIN LATERAL (SELECT {_READY_ZH} AS zh, {_READY_EN} AS en) AS r
        WHERE {LISTED} AND cardinality(r.zh) > 0
    """,
    codes={"status": PLOT_STATUS},
)

ASSESSMENT_MISSING = Check(
    id="standard_land.regional_assessment_missing",
    layer=PLOTS,
    severity="error",
    title_zh="区域评估未在挂牌前完成、公开并覆盖地块",
    title_en="Regional assessment not completed, published and covering the plot before listing",
    message_zh="地块{plot_code}挂牌({listed_on})前,{assessment}未完成并公开或未覆盖地块:{uncovered_ha}公顷"
               "(占{uncovered_pct}%)未覆盖;触及该地块的此项评估的完成日期:{completed_on}",
    message_en="before plot {plot_code} was listed ({listed_on}) the {assessment} was not completed and published "
               "over it: {uncovered_ha} ha ({uncovered_pct} %) uncovered; completion date of such an assessment "
               "touching the plot: {completed_on}",
    # One finding per plot and missing assessment (key = its kind); the finding's geometry is the part
    # of the plot no completed, published assessment of that kind covered on the listing date.
    sql=f"""
        WITH kinds AS (SELECT unnest(CAST(:kinds AS text[])) AS kind),
        parts AS (
            SELECT p.fid, k.kind, p.plot_code, p.county_code, p.listed_on, p.geom AS plot,
                   ST_CollectionExtract(CASE WHEN c.cover IS NULL THEN p.geom
                                             ELSE ST_Difference(p.geom, c.cover) END, 3) AS outside,
                   c.first_done
            FROM standard_land_plots p
            CROSS JOIN kinds k
            CROSS JOIN LATERAL (
                SELECT ST_Union(a.geom) FILTER (WHERE a.completed_on <= p.listed_on AND a.published IS TRUE)
                           AS cover,
                       min(a.completed_on) AS first_done
                FROM regional_assessments a
                WHERE a.valid_to IS NULL AND a.assessment_kind = k.kind AND ST_Intersects(a.geom, p.geom)
            ) AS c
            WHERE {LISTED}
        )
        SELECT fid, kind AS key, outside AS geom, county_code, plot_code, listed_on, kind AS assessment,
               {hectares_sql('outside')} AS uncovered_ha, {SHARE.format('outside', 'plot')} AS uncovered_pct,
               first_done AS completed_on
        FROM parts
        WHERE ST_Area(outside::geography) >= :min_m2
    """,
    params={"kinds": ASSESSMENT_KINDS.values(), "min_m2": MIN_AREA_M2},
    codes={"assessment": ASSESSMENT_KINDS},
)

_INDICATORS = f"""
    SELECT i.*, p.geom, p.county_code, p.plot_code
    FROM ({indicator_rows_sql(LISTED_PLOTS)}) AS i
    JOIN standard_land_plots p ON p.valid_to IS NULL AND p.fid = i.fid
"""

NO_STANDARD = Check(
    id="standard_land.no_standard",
    layer=PLOTS,
    severity="error",
    title_zh="挂牌时没有施行中的控制性指标标准",
    title_en="No indicator standard in force when the plot was listed",
    message_zh="地块{plot_code}挂牌日({on_date})所在县区或开发区对该行业没有施行中的{indicator}标准",
    message_en="on the listing date of plot {plot_code} ({on_date}) its county or zone had no {indicator} "
               "standard in force for its industry",
    sql=f"""
        SELECT fid, indicator AS key, geom, county_code, plot_code, on_date, indicator
        FROM ({_INDICATORS}) AS x WHERE mandatory AND standard IS NULL
    """,
    configured=lambda env: indicator_params(standard_land_config(env)),
    codes={"indicator": INDICATORS},
)

INDICATOR_MISSING = Check(
    id="standard_land.indicator_missing",
    layer=PLOTS,
    severity="error",
    title_zh="挂牌时缺少控制性指标",
    title_en="Control indicator missing when the plot was listed",
    message_zh="地块{plot_code}挂牌时没有{indicator}承诺值(要求:{bound}{unit_zh})",
    message_en="plot {plot_code} was listed without a committed {indicator} (required: {bound}{unit_en})",
    sql=f"""
        SELECT fid, indicator AS key, geom, county_code, plot_code, indicator, trim_scale(bound) AS bound,
               unit_zh, unit_en
        FROM ({_INDICATORS}) AS x WHERE committed IS NULL
    """,
    configured=lambda env: indicator_params(standard_land_config(env)),
    codes={"indicator": INDICATORS},
)

COMMITMENT_BELOW_STANDARD = Check(
    id="standard_land.commitment_below_standard",
    layer=PLOTS,
    severity="error",
    title_zh="承诺值未达到挂牌日施行的标准",
    title_en="Commitment short of the standard in force on the listing date",
    message_zh="地块{plot_code}的{indicator}承诺值{committed}{unit_zh}未达到挂牌日({on_date})的要求{bound}{unit_zh}"
               "(地方标准{standard},国家或省级限值{floor}),相差{gap_pct}%",
    message_en="plot {plot_code} committed {indicator} {committed}{unit_en}, short of the {bound}{unit_en} required "
               "on its listing date ({on_date}) (local standard {standard}, national or provincial floor {floor}) "
               "by {gap_pct} %",
    # The bound is the stricter of the local standard and the floors: a standard laxer than the rules
    # above it does not excuse the plot (it is a finding of its own, standard_below_floor).
    sql=f"""
        SELECT fid, indicator AS key, geom, county_code, plot_code, on_date, indicator,
               trim_scale(committed) AS committed, trim_scale(standard) AS standard, trim_scale(floor) AS floor,
               trim_scale(bound) AS bound, gap_pct, unit_zh, unit_en
        FROM ({_INDICATORS}) AS x WHERE short
    """,
    configured=lambda env: indicator_params(standard_land_config(env)),
    codes={"indicator": INDICATORS},
)

_SHORTFALL = SHORT_OF.format(direction="sp.direction", value="m.value", bound="c.value")

PERFORMANCE_SHORTFALL = Check(
    id="standard_land.performance_shortfall",
    layer=PLOTS,
    severity="error",
    title_zh="实测值未达到承诺值(未履约)",
    title_en="Measured value short of the commitment (not performed)",
    message_zh="地块{plot_code}{stage}的{indicator}为{measured}{unit_zh},承诺{committed}{unit_zh},差{shortfall_pct}%",
    message_en="plot {plot_code}: {indicator} {stage} is {measured}{unit_en} against a commitment of "
               "{committed}{unit_en}, short by {shortfall_pct} %",
    # key = indicator:stage, so a completion shortfall made good at the production review resolves.
    sql=f"""
        WITH {SPECS_CTE}
        SELECT p.fid, m.indicator || ':' || m.stage AS key, p.geom, p.county_code, p.plot_code,
               m.indicator, m.stage, trim_scale(m.value) AS measured, trim_scale(c.value) AS committed,
               sp.unit_zh, sp.unit_en, round(100 * abs(m.value - c.value) / NULLIF(c.value, 0), 2) AS shortfall_pct
        FROM standard_land_values m
        JOIN standard_land_values c
          ON c.valid_to IS NULL AND c.stage = 'committed' AND c.plot_fid = m.plot_fid AND c.indicator = m.indicator
        JOIN standard_land_plots p ON p.valid_to IS NULL AND p.fid = m.plot_fid AND p.status <> 'disposed'
        JOIN specs sp ON sp.indicator = m.indicator
        WHERE m.valid_to IS NULL AND m.stage <> 'committed' AND {_SHORTFALL}
    """,
    configured=lambda env: spec_params(standard_land_config(env)),
    codes={"indicator": INDICATORS, "stage": STAGES},
)

MEASUREMENT_MISSING = Check(
    id="standard_land.measurement_missing",
    layer=PLOTS,
    severity="warning",
    title_zh="竣工验收或达产复核缺少实测值",
    title_en="Completion or production review without the measured value",
    message_zh="地块{plot_code}已于{stage_on}{stage_zh},但没有{indicator}的实测值(承诺{committed}{unit_zh})",
    message_en="plot {plot_code} passed {stage_en} on {stage_on} but has no measured {indicator} (committed: "
               "{committed}{unit_en})",
    sql=f"""
        WITH {SPECS_CTE}
        SELECT p.fid, c.indicator || ':' || sp.measured_at AS key, p.geom, p.county_code, p.plot_code,
               c.indicator, trim_scale(c.value) AS committed, sp.unit_zh, sp.unit_en,
               CASE sp.measured_at WHEN 'completion' THEN p.completed_on ELSE p.production_reviewed_on END
                   AS stage_on,
               CASE sp.measured_at WHEN 'completion' THEN '竣工验收' ELSE '达产复核' END AS stage_zh,
               CASE sp.measured_at WHEN 'completion' THEN 'completion acceptance' ELSE 'the production review' END
                   AS stage_en
        FROM standard_land_plots p
        JOIN standard_land_values c ON c.valid_to IS NULL AND c.stage = 'committed' AND c.plot_fid = p.fid
        JOIN specs sp ON sp.indicator = c.indicator
        WHERE p.valid_to IS NULL AND p.status <> 'disposed'
          AND CASE sp.measured_at WHEN 'completion' THEN p.completed_on
                                  ELSE p.production_reviewed_on END IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM standard_land_values m
                          WHERE m.valid_to IS NULL AND m.plot_fid = p.fid AND m.indicator = c.indicator
                            AND m.stage = sp.measured_at)
    """,
    configured=lambda env: spec_params(standard_land_config(env)),
    codes={"indicator": INDICATORS},
)

_LIFE_ZH, _LIFE_EN = problem_arrays(lifecycle_rules())

LIFECYCLE_INCONSISTENT = Check(
    id="standard_land.lifecycle_inconsistent",
    layer=PLOTS,
    severity="error",
    title_zh="地块状态与各环节日期不一致",
    title_en="Plot status and life-cycle dates contradict each other",
    message_zh="地块{plot_code}(状态:{status}):{problems_zh}",
    message_en="plot {plot_code} (status: {status}): {problems_en}",
    # The write path refuses these; this finds what came in by import or plain edits.
    sql=f"""
        SELECT p.fid, '' AS key, p.geom, p.county_code, p.plot_code, p.status,
               array_to_string(r.zh, ';') AS problems_zh, array_to_string(r.en, '; ') AS problems_en
        FROM standard_land_plots p
        CROSS JOIN LATERAL (SELECT {_LIFE_ZH} AS zh, {_LIFE_EN} AS en) AS r
        WHERE p.valid_to IS NULL AND cardinality(r.zh) > 0
    """,
    codes={"status": PLOT_STATUS},
)

OVERLAPS_PLOT = Check(
    id="standard_land.overlaps_plot",
    layer=PLOTS,
    severity="error",
    title_zh="标准地地块相互重叠",
    title_en="Standard-land plots overlap",
    message_zh="地块{plot_code}与地块{other_code}重叠{overlap_ha}公顷",
    message_en="plot {plot_code} overlaps plot {other_code} by {overlap_ha} ha",
    # Reported on both plots (key = the other plot). Disposed plots are left out: their land goes back
    # to the government and may be listed again as a new plot.
    sql=f"""
        SELECT a.fid, b.fid::text AS key, x.geom, a.county_code, a.plot_code, b.plot_code AS other_code,
               {hectares_sql('x.geom')} AS overlap_ha
        FROM standard_land_plots a
        JOIN standard_land_plots b
          ON b.valid_to IS NULL AND b.fid <> a.fid AND b.status <> 'disposed' AND ST_Intersects(a.geom, b.geom)
        CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS geom) AS x
        WHERE a.valid_to IS NULL AND a.status <> 'disposed' AND ST_Area(x.geom::geography) >= :min_m2
    """,
    params={"min_m2": MIN_AREA_M2},
)

IN_PROTECTED_ZONE = Check(
    id="standard_land.in_protected_zone",
    layer=PLOTS,
    severity="error",
    title_zh="标准地占用永久基本农田、生态保护红线或自然保护地",
    title_en="Plot takes permanent farmland, ecological red line or a protected area",
    message_zh="地块{plot_code}占用{zone_type}“{zone_name}”{overlap_ha}公顷",
    message_en="plot {plot_code} takes {overlap_ha} ha of the {zone_type} '{zone_name}'",
    sql=f"""
        SELECT p.fid, z.fid::text AS key, x.geom, p.county_code, p.plot_code, z.name AS zone_name, z.zone_type,
               {hectares_sql('x.geom')} AS overlap_ha
        FROM standard_land_plots p
        JOIN protected_zones z ON z.valid_to IS NULL AND z.zone_type = ANY(:types) AND ST_Intersects(p.geom, z.geom)
        CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(p.geom, z.geom), 3) AS geom) AS x
        WHERE p.valid_to IS NULL AND p.status <> 'disposed' AND ST_Area(x.geom::geography) >= :min_m2
    """,
    params={"types": list(PROTECTED_FOR_PLOTS), "min_m2": MIN_AREA_M2},
    codes={"zone_type": ZONE_TYPES},
)

OUTSIDE_URBAN_BOUNDARY = Check(
    id="standard_land.outside_urban_boundary",
    layer=PLOTS,
    severity="error",
    title_zh="标准地超出城镇开发边界",
    title_en="Plot outside the urban development boundary",
    message_zh="地块{plot_code}有{outside_ha}公顷(占{outside_pct}%)位于城镇开发边界之外",
    message_en="plot {plot_code} has {outside_ha} ha ({outside_pct} %) outside the urban development boundary",
    sql=f"""
        WITH parts AS ({_outside('''SELECT ST_Union(u.geom) FROM urban_boundaries u
                                     WHERE u.valid_to IS NULL AND ST_Intersects(u.geom, p.geom)''', ACTIVE)})
        SELECT fid, '' AS key, outside AS geom, county_code, plot_code,
               {hectares_sql('outside')} AS outside_ha, {SHARE.format('outside', 'plot')} AS outside_pct
        FROM parts WHERE ST_Area(outside::geography) >= :min_m2
    """,
    params={"min_m2": MIN_AREA_M2},
)

VALUE_UNIT_SUSPECT = Check(
    id="standard_land.value_unit_suspect",
    layer=PLOTS,
    severity="error",
    title_zh="指标值疑似单位错误",
    title_en="Indicator value with a suspect unit",
    message_zh="地块{plot_code}的{indicator}({stage})为{value}{unit_zh}:{hint_zh}",
    message_en="plot {plot_code}: {indicator} ({stage}) is {value}{unit_en}: {hint_en}",
    sql=f"""
        WITH {SPECS_CTE}
        SELECT p.fid, v.indicator || ':' || v.stage AS key, p.geom, p.county_code, p.plot_code,
               v.indicator, v.stage, trim_scale(v.value) AS value, sp.unit_zh, sp.unit_en,
               CASE WHEN v.value > sp.plausible_max
                    THEN '超过合理上限' || trim_scale(sp.plausible_max) || sp.unit_zh
                         || ',请核对单位(万元与元、亩与公顷)'
                    ELSE '与地块面积' || p.area_ha || '公顷相同而非' || p.area_ha * {MU_PER_HA}
                         || '亩,疑似按公顷填报' END
                   AS hint_zh,
               CASE WHEN v.value > sp.plausible_max
                    THEN 'above the plausible maximum ' || trim_scale(sp.plausible_max)
                         || '; check the unit (10k CNY or CNY, mu or ha)'
                    ELSE 'equals the plot''s ' || p.area_ha || ' ha, not its ' || p.area_ha * {MU_PER_HA}
                         || ' mu: typed in hectares?' END AS hint_en
        FROM standard_land_values v
        JOIN standard_land_plots p ON p.valid_to IS NULL AND p.fid = v.plot_fid
        JOIN specs sp ON sp.indicator = v.indicator
        WHERE v.valid_to IS NULL
          AND (v.value > sp.plausible_max
               OR (v.indicator = 'land_scale' AND abs(v.value - p.area_ha) <= :tolerance * p.area_ha
                   AND abs(v.value - p.area_ha * {MU_PER_HA}) > :tolerance * p.area_ha * {MU_PER_HA}))
    """,
    params={"tolerance": LAND_SCALE_HA_TOLERANCE},
    configured=lambda env: spec_params(standard_land_config(env)),
    codes={"indicator": INDICATORS, "stage": STAGES},
)

NO_GEOMETRY = "CAST(NULL AS geometry)"
JURISDICTION = """coalesce((SELECT d.name FROM admin_divisions d WHERE d.valid_to IS NULL AND d.code = s.county_code
                            ORDER BY d.fid LIMIT 1), s.county_code) || coalesce(' ' || s.development_zone, '')"""
"""Who published a standard: the county by name (its code when the divisions are not loaded), and the zone."""

STANDARD_BELOW_FLOOR = Check(
    id="standard_land.standard_below_floor",
    layer=STANDARDS,
    severity="error",
    title_zh="地方标准低于国家或省级限值",
    title_en="Local standard laxer than the national or provincial floor",
    message_zh="{jurisdiction}行业{industry_code}的{indicator}标准{value}{unit_zh}低于{floor_level}限值{floor}"
               "{unit_zh}(依据:{source}{unverified_zh})",
    message_en="{jurisdiction} industry {industry_code}: the {indicator} standard {value}{unit_en} is laxer than "
               "the {floor_level} floor {floor}{unit_en} (source: {source}{unverified_en})",
    # The write path of analysis.standard_land.lifecycle refuses these; this finds what came in otherwise.
    sql=f"""
        WITH {SPECS_CTE}, {FLOORS_CTE}
        SELECT s.fid, f.level AS key, {NO_GEOMETRY} AS geom, s.county_code, {JURISDICTION} AS jurisdiction,
               s.industry_code, s.indicator, trim_scale(s.value) AS value, trim_scale(f.value) AS floor,
               f.level AS floor_level, f.source, sp.unit_zh, sp.unit_en,
               CASE WHEN f.verified THEN '' ELSE ',该限值未经核实' END AS unverified_zh,
               CASE WHEN f.verified THEN '' ELSE ', figure not verified' END AS unverified_en
        FROM indicator_standards s
        JOIN specs sp ON sp.indicator = s.indicator
        JOIN floors f ON f.industry_code = s.industry_code AND f.indicator = s.indicator
        WHERE s.valid_to IS NULL AND {SHORT_OF.format(direction='sp.direction', value='s.value', bound='f.value')}
    """,
    configured=lambda env: indicator_params(standard_land_config(env)),
    codes={"indicator": INDICATORS, "floor_level": FLOOR_LEVELS},
)

STANDARD_PERIODS_OVERLAP = Check(
    id="standard_land.standard_periods_overlap",
    layer=STANDARDS,
    severity="error",
    title_zh="同一指标标准的施行期重叠",
    title_en="Two versions of one standard in force at the same time",
    message_zh="{jurisdiction}行业{industry_code}的{indicator}标准(施行{effective_from}至{effective_to})与第{other_fid}号"
               "(施行{other_from}至{other_to})施行期重叠",
    message_en="{jurisdiction} industry {industry_code}: the {indicator} standard in force {effective_from} to "
               "{effective_to} overlaps standard {other_fid} in force {other_from} to {other_to}",
    sql=f"""
        SELECT s.fid, b.fid::text AS key, {NO_GEOMETRY} AS geom, s.county_code, {JURISDICTION} AS jurisdiction,
               s.industry_code, s.indicator, s.effective_from, s.effective_to, b.fid AS other_fid,
               b.effective_from AS other_from, b.effective_to AS other_to
        FROM indicator_standards s
        JOIN indicator_standards b
          ON b.valid_to IS NULL AND b.fid > s.fid AND b.county_code = s.county_code
         AND b.development_zone IS NOT DISTINCT FROM s.development_zone AND b.industry_code = s.industry_code
         AND b.indicator = s.indicator
         AND daterange(b.effective_from, b.effective_to, '[]') && daterange(s.effective_from, s.effective_to, '[]')
        WHERE s.valid_to IS NULL
    """,
    codes={"indicator": INDICATORS},
)

STANDARD_UNIT_SUSPECT = Check(
    id="standard_land.standard_unit_suspect",
    layer=STANDARDS,
    severity="error",
    title_zh="指标标准值疑似单位错误",
    title_en="Indicator standard with a suspect unit",
    message_zh="{jurisdiction}行业{industry_code}的{indicator}标准{value}{unit_zh}超过合理上限{plausible_max}{unit_zh},"
               "请核对单位(万元与元、亩与公顷)",
    message_en="{jurisdiction} industry {industry_code}: the {indicator} standard {value}{unit_en} is above the "
               "plausible maximum {plausible_max}; check the unit (10k CNY or CNY, mu or ha)",
    sql=f"""
        WITH {SPECS_CTE}
        SELECT s.fid, '' AS key, {NO_GEOMETRY} AS geom, s.county_code, {JURISDICTION} AS jurisdiction,
               s.industry_code, s.indicator, trim_scale(s.value) AS value,
               trim_scale(sp.plausible_max) AS plausible_max, sp.unit_zh, sp.unit_en
        FROM indicator_standards s JOIN specs sp ON sp.indicator = s.indicator
        WHERE s.valid_to IS NULL AND s.value > sp.plausible_max
    """,
    configured=lambda env: spec_params(standard_land_config(env)),
    codes={"indicator": INDICATORS},
)

CHECKS = [OUTSIDE_PROVINCIAL_ZONE, NOT_NET_LAND, ASSESSMENT_MISSING, NO_STANDARD, INDICATOR_MISSING,
          COMMITMENT_BELOW_STANDARD, PERFORMANCE_SHORTFALL, MEASUREMENT_MISSING, LIFECYCLE_INCONSISTENT,
          OVERLAPS_PLOT, IN_PROTECTED_ZONE, OUTSIDE_URBAN_BOUNDARY, VALUE_UNIT_SUSPECT, STANDARD_BELOW_FLOOR,
          STANDARD_PERIODS_OVERLAP, STANDARD_UNIT_SUSPECT]
