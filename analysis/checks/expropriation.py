"""Land expropriation rules of the 2022 No. 11 gazette: zone plans lie in the concentrated construction area."""

from __future__ import annotations

from analysis.engine import Check

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
               round((ST_Area(outside::geography) / 10000.0)::numeric, 4) AS outside_ha,
               round((100.0 * ST_Area(outside::geography) / ST_Area(plan::geography))::numeric, 2)
                   AS outside_share
        FROM parts
        WHERE ST_Area(outside::geography) >= :min_outside_m2
    """,
    # 1 m² is the last printed digit of a gazette area (0.0001 ha): less is digitising noise.
    params={"min_outside_m2": 1.0},
)

CHECKS = [ZONE_PLAN_OUTSIDE_CONCENTRATED]
