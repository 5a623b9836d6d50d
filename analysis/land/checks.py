"""Land expropriation rules (DOMAIN.md §3; the four 批复 and the standard-land guidance of the 2022 No. 11
gazette; Land Administration Law art. 46).

Spatial rules look at the land an approval actually takes: its parcels where they have geometry, and
its own boundary (a zone plan's 方案范围, or a batch registered before its parcels were drawn) only
when none of its parcels has, so one piece of land is never reported twice. Areas are ellipsoidal
hectares to 4 decimals; a piece smaller than 1 m² (the last printed digit of a gazette area,
0.0001 ha) is digitising noise and not reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from analysis.engine import Check
from layers.base import CodeList, hectares_sql
from layers.development_zones import ZONE_LEVELS
from layers.land import APPROVAL_KINDS, AUTHORITIES
from layers.protected_zones import ZONE_TYPES

_HECTARES = {f"ha_{alias.replace('.', '_')}": hectares_sql(alias) for alias in ("outside", "o.geom", "fl.geom")}
"""Areas in the gazette's hectares to 4 decimals (the one definition, :func:`layers.base.hectares_sql`)."""

MIN_M2 = 1.0
"""Smallest area reported (m²): one unit of the gazette's last printed digit."""

REVIEW_ZONES = ("permanent_farmland", "ecological_red_line", "nature_reserve")
""""三区三线" and 自然保护地: every approval is reviewed against these (DOMAIN.md §3)."""

STATE_COUNCIL_LIMITS_HA = {"cultivated": Decimal(35), "other": Decimal(70)}
"""Land Administration Law art. 46: expropriating more than this (besides any permanent basic
farmland, which always needs it) is for the State Council to approve."""

EXEMPT_ZONE_LEVELS = ("national", "provincial")
"""Development zones set up by the State Council or the province (standard-land guidance §2(7))."""


def tolerance_ha(env: Mapping[str, str]) -> Decimal:
    """How far a parcel's ellipsoidal area may differ from its declared area; configuration
    (``FUJIAN_PARCEL_AREA_TOLERANCE_HA`` in the registry's settings), because the right margin depends
    on how the survey drew the parcels. The default, 0.0001 ha, is one unit of the last printed digit:
    both figures are roundings of the same area."""
    raw = env.get("FUJIAN_PARCEL_AREA_TOLERANCE_HA", "0.0001")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise ValueError(f"FUJIAN_PARCEL_AREA_TOLERANCE_HA 应为非负公顷数 / must be a hectare figure >= 0, not {raw!r}")
    return value


RELATIONS = CodeList("面积核对关系", [
    ("cultivated", "其中耕地 = Σ水田、水浇地、旱地", "of which cultivated = Σ paddy, irrigated and dry land"),
    ("farmland", "转用农用地 = Σ农用地各地类", "converted farmland = Σ agricultural classes"),
    ("unused", "转用未利用地 = Σ未利用地各地类", "converted unused land = Σ unused classes"),
    ("total", "合计征收 = Σ征收的集体土地地块", "total expropriated = Σ collective parcels"),
])
"""The relations between an approval's declared figures and its parcels (DOMAIN.md §3). Conversion
(转用) covers every parcel whatever its owner; the total expropriated (合计征收集体所有土地) counts the
collective parcels only, since state land an approval uses is not expropriated."""

RELATIONS_SQL = """
    WITH sums AS (
        SELECT p.approval_fid,
               sum(p.declared_ha) FILTER (WHERE c.cultivated) AS cultivated,
               sum(p.declared_ha) FILTER (WHERE c.land_group = 'agricultural') AS farmland,
               sum(p.declared_ha) FILTER (WHERE c.land_group = 'unused') AS unused,
               sum(p.declared_ha) FILTER (WHERE p.ownership = 'collective') AS total,
               ST_Multi(ST_Union(p.geom)) AS geom
        FROM land_parcels p
        JOIN land_classes c ON c.name = p.land_class
        WHERE p.valid_to IS NULL
        GROUP BY p.approval_fid
    )
    SELECT a.fid, r.relation AS key, COALESCE(a.geom, s.geom) AS geom, a.county_code, a.doc_number,
           r.relation, r.declared AS declared_ha, COALESCE(r.parcels, 0) AS parcels_ha,
           COALESCE(r.parcels, 0) - COALESCE(r.declared, 0) AS difference_ha, r.position
    FROM land_approvals a
    LEFT JOIN sums s ON s.approval_fid = a.fid
    CROSS JOIN LATERAL (VALUES (1, 'cultivated', a.declared_cultivated_ha, s.cultivated),
                               (2, 'farmland', a.declared_farmland_ha, s.farmland),
                               (3, 'unused', a.declared_unused_ha, s.unused),
                               (4, 'total', a.declared_total_ha, s.total)) AS r(position, relation, declared, parcels)
    WHERE a.valid_to IS NULL AND (r.declared IS NOT NULL OR s.approval_fid IS NOT NULL)
"""
"""Every relation of every approval that declares a figure or has parcels, holding or not: the check
keeps those that fail, the gazette review shows them all. A figure the approval does not declare
counts as 0 once it has parcels (the text said nothing of that land)."""

TOTALS_INCONSISTENT = Check(
    id="expropriation.totals_inconsistent",
    layer="land_approvals",
    severity="error",
    title_zh="批复面积与地块合计不一致",
    title_en="Approval figures do not add up to its parcels",
    message_zh="批复{doc_number}:{relation}不成立,批复{declared_ha}公顷,地块合计{parcels_ha}公顷,相差{difference_ha}公顷",
    message_en="approval {doc_number}: {relation} fails: declared {declared_ha} ha, parcels {parcels_ha} ha, "
               "difference {difference_ha} ha",
    sql=f"""
        SELECT fid, key, geom, county_code, doc_number, relation, declared_ha, parcels_ha, difference_ha
        FROM ({RELATIONS_SQL}) r
        WHERE difference_ha <> 0
    """,
    codes={"relation": RELATIONS},
)

PARCEL_AREA_MISMATCH = Check(
    id="expropriation.parcel_area_mismatch",
    layer="land_parcels",
    severity="error",
    title_zh="地块椭球面积与批复面积不符",
    title_en="Parcel area differs from its declared area",
    message_zh="批复{doc_number}的地块“{place}{land_class}”椭球面积{area_ha}公顷,批复面积{declared_ha}公顷,"
               "相差{difference_ha}公顷(容差{tolerance_ha}公顷)",
    message_en="parcel '{place}{land_class}' of approval {doc_number}: ellipsoidal area {area_ha} ha, declared "
               "{declared_ha} ha, difference {difference_ha} ha (tolerance {tolerance_ha} ha)",
    sql="""
        SELECT p.fid, '' AS key, p.geom, a.county_code, a.doc_number, concat(p.township, p.village) AS place,
               p.land_class, p.declared_ha, p.area_ha, p.area_ha - p.declared_ha AS difference_ha,
               CAST(:tolerance_ha AS numeric) AS tolerance_ha
        FROM land_parcels p
        LEFT JOIN land_approvals a ON a.valid_to IS NULL AND a.fid = p.approval_fid
        WHERE p.valid_to IS NULL AND p.geom IS NOT NULL AND abs(p.area_ha - p.declared_ha) > :tolerance_ha
    """,
    configured=lambda env: {"tolerance_ha": tolerance_ha(env)},
)

PARCEL_WITHOUT_APPROVAL = Check(
    id="expropriation.parcel_without_approval",
    layer="land_parcels",
    severity="error",
    title_zh="地块所属批复不存在",
    title_en="Parcel of no current approval",
    message_zh="地块“{place}{land_class}”所属的批复(要素{approval_fid})不存在或已删除",
    message_en="parcel '{place}{land_class}' names approval {approval_fid}, which does not exist or was deleted",
    # A parcel names its approval by fid; versioned tables cannot carry a foreign key to it.
    sql="""
        SELECT p.fid, '' AS key, p.geom, NULL::varchar AS county_code, p.approval_fid,
               concat(p.township, p.village) AS place, p.land_class
        FROM land_parcels p
        WHERE p.valid_to IS NULL
          AND NOT EXISTS (SELECT 1 FROM land_approvals a WHERE a.valid_to IS NULL AND a.fid = p.approval_fid)
    """,
)

# --------------------------------------------------------------------------- rules per piece of land

_SUBJECTS = {
    "land_parcels": """
        SELECT p.fid, p.geom, a.fid AS approval_fid, a.doc_number, a.county_code,
               concat(p.township, p.village) AS place, p.land_class
        FROM land_parcels p
        JOIN land_approvals a ON a.valid_to IS NULL AND a.fid = p.approval_fid
        WHERE p.valid_to IS NULL AND p.geom IS NOT NULL""",
    "land_approvals": """
        SELECT a.fid, a.geom, a.fid AS approval_fid, a.doc_number, a.county_code,
               '' AS place, NULL::varchar AS land_class
        FROM land_approvals a
        WHERE a.valid_to IS NULL AND a.geom IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM land_parcels p
                          WHERE p.valid_to IS NULL AND p.approval_fid = a.fid AND p.geom IS NOT NULL)""",
}
"""The pieces of land checked, per layer, with the same columns: parcels with geometry, and the
boundaries of approvals none of whose parcels has geometry."""

_FOOTPRINTS = f"""
    SELECT approval_fid, ST_Multi(ST_Union(geom)) AS geom
    FROM ({_SUBJECTS["land_parcels"]} UNION ALL {_SUBJECTS["land_approvals"]}) s
    GROUP BY approval_fid"""
"""The land each approval takes, as one geometry per approval."""

_NAMES = {
    "land_parcels": ("parcel", "征收地块", "Expropriation parcel", "批复{doc_number}的地块“{place}{land_class}”",
                     "parcel '{place}{land_class}' of approval {doc_number}"),
    "land_approvals": ("approval", "批复用地范围", "Approval boundary", "批复{doc_number}的用地范围",
                       "the boundary of approval {doc_number}"),
}
"""Per layer: the check id's word, the title's noun and how a message names the piece of land."""


def _per_subject(rule: str, *, severity: str, title_zh: str, title_en: str, message_zh: str, message_en: str,
                 sql: str, params: dict[str, object], codes: dict[str, CodeList] | None = None) -> list[Check]:
    """One check per layer of a rule on pieces of land; ``{what}`` in the texts names the piece."""
    checks = []
    for layer, (word, noun_zh, noun_en, what_zh, what_en) in _NAMES.items():
        checks.append(Check(
            id=f"expropriation.{word}_{rule}", layer=layer, severity=severity,
            title_zh=title_zh.format(what=noun_zh), title_en=title_en.format(what=noun_en),
            message_zh=message_zh.replace("{what}", what_zh), message_en=message_en.replace("{what}", what_en),
            sql=sql.format(subjects=_SUBJECTS[layer], **_HECTARES), params=params, codes=codes or {}))
    return checks


OUTSIDE_COUNTY = _per_subject(
    "outside_county",
    severity="error",
    title_zh="{what}超出审批县(区)",
    title_en="{what} outside the approving county",
    message_zh="{what}有{outside_ha}公顷(占{outside_share}%)位于审批县(区){county_name}({approving_county})之外",
    message_en="{what} has {outside_ha} ha ({outside_share} %) outside the approving county {county_name} "
               "({approving_county})",
    # The county is the division in force with the approval's code; a code with no boundary leaves
    # the whole piece outside. ST_CoveredBy spares the difference for the usual piece well inside.
    sql="""
        WITH subjects AS ({subjects}),
        counties AS (
            SELECT d.code, string_agg(DISTINCT d.name, '、') AS county_name, ST_Union(d.geom) AS geom
            FROM admin_divisions d
            WHERE d.valid_to IS NULL AND (d.valid_until IS NULL OR d.valid_until > current_date)
              AND d.code IN (SELECT county_code FROM subjects)
            GROUP BY d.code
        ), parts AS (
            SELECT s.*, c.county_name,
                   CASE WHEN c.geom IS NULL THEN s.geom
                        WHEN ST_CoveredBy(s.geom, c.geom) THEN NULL
                        ELSE ST_CollectionExtract(ST_Difference(s.geom, c.geom), 3) END AS outside
            FROM subjects s
            LEFT JOIN counties c ON c.code = s.county_code
        )
        SELECT fid, '' AS key, outside AS geom, county_code, doc_number, place, land_class,
               county_code AS approving_county, county_name,
               {ha_outside} AS outside_ha,
               round((100.0 * ST_Area(outside::geography) / ST_Area(geom::geography))::numeric, 2) AS outside_share
        FROM parts
        WHERE outside IS NOT NULL AND ST_Area(outside::geography) >= :min_outside_m2
    """,
    params={"min_outside_m2": MIN_M2},
)

IN_PROTECTED_ZONE = _per_subject(
    "in_protected_zone",
    severity="warning",
    title_zh="{what}与永久基本农田、生态保护红线或自然保护地重叠",
    title_en="{what} overlaps permanent farmland, the ecological red line or a protected area",
    message_zh="{what}与{zone_type}“{zone_name}”重叠{overlap_ha}公顷(占{overlap_share}%)",
    message_en="{what} overlaps the {zone_type} '{zone_name}' by {overlap_ha} ha ({overlap_share} %)",
    # One finding per (piece, zone): ``key`` is the zone, so runs compare zone by zone.
    sql="""
        WITH subjects AS ({subjects})
        SELECT s.fid, z.fid::text AS key, o.geom, s.county_code, s.doc_number, s.place, s.land_class,
               z.name AS zone_name, z.zone_type,
               {ha_o_geom} AS overlap_ha,
               round((100.0 * ST_Area(o.geom::geography) / ST_Area(s.geom::geography))::numeric, 2) AS overlap_share
        FROM subjects s
        JOIN protected_zones z
          ON z.valid_to IS NULL AND z.zone_type = ANY(:zone_types) AND ST_Intersects(z.geom, s.geom)
        CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(s.geom, z.geom), 3) AS geom) o
        WHERE ST_Area(o.geom::geography) >= :min_overlap_m2
    """,
    params={"zone_types": list(REVIEW_ZONES), "min_overlap_m2": MIN_M2},
    codes={"zone_type": ZONE_TYPES},
)

DOUBLE_EXPROPRIATION = Check(
    id="expropriation.double_expropriation",
    layer="land_parcels",
    severity="error",
    title_zh="集体土地重复征收",
    title_en="Collective land expropriated twice",
    message_zh="批复{doc_number}的地块“{place}{land_class}”与先批的批复{other_doc_number}的地块(要素{other_parcel_fid})"
               "重叠{overlap_ha}公顷:该集体土地已被征收",
    message_en="parcel '{place}{land_class}' of approval {doc_number} overlaps parcel {other_parcel_fid} of the "
               "earlier approval {other_doc_number} by {overlap_ha} ha: that collective land was already expropriated",
    # Reported once per pair, on the later approval's parcel (the one that should not be there). State
    # land an approval uses may well be land an earlier approval expropriated: only collective parcels count.
    sql="""
        SELECT p.fid, q.fid::text AS key, o.geom, a.county_code, a.doc_number,
               concat(p.township, p.village) AS place, p.land_class,
               b.doc_number AS other_doc_number, q.fid AS other_parcel_fid,
               {ha_o_geom} AS overlap_ha
        FROM land_parcels p
        JOIN land_approvals a ON a.valid_to IS NULL AND a.fid = p.approval_fid
        JOIN land_parcels q
          ON q.valid_to IS NULL AND q.ownership = 'collective' AND q.approval_fid <> p.approval_fid
         AND ST_Intersects(q.geom, p.geom)
        JOIN land_approvals b ON b.valid_to IS NULL AND b.fid = q.approval_fid
        CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(p.geom, q.geom), 3) AS geom) o
        WHERE p.valid_to IS NULL AND p.ownership = 'collective' AND p.geom IS NOT NULL
          AND (b.approved_on, b.fid) < (a.approved_on, a.fid)
          AND ST_Area(o.geom::geography) >= :min_overlap_m2
    """.format(**_HECTARES),
    params={"min_overlap_m2": MIN_M2},
)

# --------------------------------------------------------------------------- rules per approval

APPROVAL_LEVEL = Check(
    id="expropriation.approval_level",
    layer="land_approvals",
    severity="error",
    title_zh="应由国务院批准的征收由下级批准",
    title_en="Expropriation that needs State Council approval issued at a lower level",
    message_zh="批复{doc_number}由{authority}批准,但{reasons_zh}:依《土地管理法》第四十六条应报国务院批准",
    message_en="approval {doc_number} was issued by the {authority}, but {reasons_en}: under art. 46 of the Land "
               "Administration Law it needs State Council approval",
    # Permanent basic farmland is found spatially, from the protected zones; the areas are the
    # collective parcels' declared figures, or the approval's own when it has no parcels yet.
    # "耕地 beyond permanent farmland over 35 ha" equals "耕地 over 35 ha" whenever no farmland is
    # involved, and with farmland involved the approval needs the State Council anyway.
    sql=f"""
        WITH footprints AS ({_FOOTPRINTS}),
        farmland AS (
            SELECT f.approval_fid, ST_Union(ST_CollectionExtract(ST_Intersection(f.geom, z.geom), 3)) AS geom
            FROM footprints f
            JOIN protected_zones z
              ON z.valid_to IS NULL AND z.zone_type = 'permanent_farmland' AND ST_Intersects(z.geom, f.geom)
            GROUP BY f.approval_fid
        ), sums AS (
            SELECT p.approval_fid, sum(p.declared_ha) FILTER (WHERE c.cultivated) AS cultivated,
                   sum(p.declared_ha) FILTER (WHERE NOT c.cultivated) AS other
            FROM land_parcels p
            JOIN land_classes c ON c.name = p.land_class
            WHERE p.valid_to IS NULL AND p.ownership = 'collective'
            GROUP BY p.approval_fid
        ), measured AS (
            SELECT a.fid, a.county_code, a.doc_number, a.authority,
                   COALESCE(fl.geom, a.geom, f.geom) AS geom,
                   COALESCE(ST_Area(fl.geom::geography), 0) AS farmland_m2,
                   COALESCE({_HECTARES['ha_fl_geom']}, 0) AS farmland_ha,
                   CASE WHEN s.approval_fid IS NULL THEN COALESCE(a.declared_cultivated_ha, 0)
                        ELSE COALESCE(s.cultivated, 0) END AS cultivated_ha,
                   CASE WHEN s.approval_fid IS NULL
                        THEN COALESCE(a.declared_total_ha - COALESCE(a.declared_cultivated_ha, 0), 0)
                        ELSE COALESCE(s.other, 0) END AS other_ha
            FROM land_approvals a
            LEFT JOIN footprints f ON f.approval_fid = a.fid
            LEFT JOIN farmland fl ON fl.approval_fid = a.fid
            LEFT JOIN sums s ON s.approval_fid = a.fid
            WHERE a.valid_to IS NULL AND a.approval_kind = 'conversion_batch' AND a.authority <> 'state_council'
        )
        SELECT fid, '' AS key, geom, county_code, doc_number, authority, farmland_ha, cultivated_ha, other_ha,
               concat_ws('、',
                   CASE WHEN farmland_m2 >= :min_overlap_m2 THEN '涉及永久基本农田' || farmland_ha || '公顷' END,
                   CASE WHEN cultivated_ha > :cultivated_limit_ha
                        THEN '征收耕地' || cultivated_ha || '公顷,超过' || CAST(:cultivated_limit_ha AS numeric)
                             || '公顷' END,
                   CASE WHEN other_ha > :other_limit_ha
                        THEN '征收耕地以外的土地' || other_ha || '公顷,超过' || CAST(:other_limit_ha AS numeric)
                             || '公顷' END) AS reasons_zh,
               concat_ws('; ',
                   CASE WHEN farmland_m2 >= :min_overlap_m2
                        THEN 'it takes ' || farmland_ha || ' ha of permanent basic farmland' END,
                   CASE WHEN cultivated_ha > :cultivated_limit_ha
                        THEN 'it expropriates ' || cultivated_ha || ' ha of cultivated land, over '
                             || CAST(:cultivated_limit_ha AS numeric) || ' ha' END,
                   CASE WHEN other_ha > :other_limit_ha
                        THEN 'it expropriates ' || other_ha || ' ha of other land, over '
                             || CAST(:other_limit_ha AS numeric) || ' ha' END) AS reasons_en
        FROM measured
        WHERE farmland_m2 >= :min_overlap_m2 OR cultivated_ha > :cultivated_limit_ha OR other_ha > :other_limit_ha
    """,
    params={"min_overlap_m2": MIN_M2, "cultivated_limit_ha": STATE_COUNCIL_LIMITS_HA["cultivated"],
            "other_limit_ha": STATE_COUNCIL_LIMITS_HA["other"]},
    codes={"authority": AUTHORITIES},
)

ZONE_PLAN_OUTSIDE_CONCENTRATED = Check(
    id="expropriation.zone_plan_outside_concentrated",
    layer="land_approvals",
    severity="error",
    title_zh="成片开发方案超出城镇开发边界集中建设区",
    title_en="Zone development plan outside the concentrated construction area",
    message_zh="成片开发方案{doc_number}有{outside_ha}公顷(占{outside_share}%)位于本县城镇开发边界集中建设区之外",
    message_en="zone plan {doc_number} has {outside_ha} ha ({outside_share} %) outside the county's "
               "concentrated construction area of the urban development boundary",
    # Ellipsoidal areas (DOMAIN.md §1); the part outside is the finding's geometry, polygons only, so
    # the slivers and lines a difference can leave along shared edges do not count.
    sql="""
        WITH plans AS (
            SELECT a.fid, a.doc_number, a.county_code, a.geom,
                   (SELECT ST_Union(u.geom) FROM urban_boundaries u
                     WHERE u.valid_to IS NULL AND u.zone_kind = 'concentrated'
                       AND u.county_code = a.county_code AND ST_Intersects(u.geom, a.geom)) AS inside
            FROM land_approvals a
            WHERE a.valid_to IS NULL AND a.approval_kind = 'zone_plan' AND a.geom IS NOT NULL
        ), parts AS (
            SELECT fid, doc_number, county_code, geom AS plan,
                   ST_CollectionExtract(CASE WHEN inside IS NULL THEN geom
                                             ELSE ST_Difference(geom, inside) END, 3) AS outside
            FROM plans
        )
        SELECT fid, '' AS key, outside AS geom, county_code, doc_number,
               {ha_outside} AS outside_ha,
               round((100.0 * ST_Area(outside::geography) / ST_Area(plan::geography))::numeric, 2)
                   AS outside_share
        FROM parts
        WHERE ST_Area(outside::geography) >= :min_outside_m2
    """.format(**_HECTARES),
    # 1 m² is the last printed digit of a gazette area (0.0001 ha): less is digitising noise.
    params={"min_outside_m2": MIN_M2},
)

ZONE_PLAN_EXEMPT = Check(
    id="expropriation.zone_plan_exempt",
    layer="land_approvals",
    severity="info",
    title_zh="位于省级以上开发区且在城镇开发边界内,可不编制成片开发方案",
    title_en="Inside a provincial-or-higher development zone and the urban boundary: no zone plan needed",
    message_zh="{approval_kind}{doc_number}位于{zone_level}开发区“{zone_name}”四至范围内,且在城镇开发边界内:"
               "已纳入年度计划的,可不编制土地征收成片开发方案(闽政办〔2022〕45号 二(七))",
    message_en="{approval_kind} {doc_number} lies inside the {zone_level} development zone '{zone_name}' and inside "
               "the urban development boundary: if it is in the annual plan, it needs no zone development plan "
               "for expropriation (闽政办〔2022〕45号, 2(7))",
    # The guidance names zones set up by the State Council or the province and listed in the national
    # catalogue of development zones; the layer records the level, so national and provincial zones
    # stand for the listed ones. Being in the annual plan is not recorded: the message says so.
    sql=f"""
        WITH footprints AS ({_FOOTPRINTS})
        SELECT a.fid, '' AS key, f.geom, a.county_code, a.doc_number, a.approval_kind, z.zone_name, z.zone_level
        FROM land_approvals a
        JOIN footprints f ON f.approval_fid = a.fid
        CROSS JOIN LATERAL (
            SELECT string_agg(d.name, '、' ORDER BY d.name) AS zone_name,
                   CASE WHEN bool_or(d.level = 'national') THEN 'national' ELSE 'provincial' END AS zone_level,
                   ST_Union(d.geom) AS geom
            FROM development_zones d
            WHERE d.valid_to IS NULL AND d.level = ANY(:zone_levels) AND ST_Intersects(d.geom, f.geom)
        ) z
        CROSS JOIN LATERAL (
            SELECT ST_Union(u.geom) AS geom
            FROM urban_boundaries u
            WHERE u.valid_to IS NULL AND ST_Intersects(u.geom, f.geom)
        ) b
        WHERE a.valid_to IS NULL AND z.geom IS NOT NULL AND b.geom IS NOT NULL
          AND ST_Area(ST_Difference(f.geom, z.geom)::geography) < :min_outside_m2
          AND ST_Area(ST_Difference(f.geom, b.geom)::geography) < :min_outside_m2
    """,
    params={"zone_levels": list(EXEMPT_ZONE_LEVELS), "min_outside_m2": MIN_M2},
    codes={"approval_kind": APPROVAL_KINDS, "zone_level": ZONE_LEVELS},
)

CHECKS = [TOTALS_INCONSISTENT, PARCEL_AREA_MISMATCH, PARCEL_WITHOUT_APPROVAL, *OUTSIDE_COUNTY, *IN_PROTECTED_ZONE,
          DOUBLE_EXPROPRIATION, APPROVAL_LEVEL, ZONE_PLAN_OUTSIDE_CONCENTRATED, ZONE_PLAN_EXEMPT]
