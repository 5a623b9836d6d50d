"""Outfall location rules of 闽政办〔2022〕43号: no outfall may stay in a protected zone."""

from __future__ import annotations

from analysis.engine import Check
from layers.outfalls import DECISIONS
from layers.protected_zones import OUTFALL_BANNED, ZONE_TYPES

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
    # overlapping zones resolves exactly one finding when runs are compared.
    sql="""
        SELECT o.fid, z.fid::text AS key, o.geom, o.county_code,
               z.name AS zone_name, z.zone_type, o.decision,
               round(ST_Distance(o.geom::geography, ST_Boundary(z.geom)::geography)::numeric, 1)
                   AS distance_to_edge_m
        FROM outfalls o
        JOIN protected_zones z
          ON z.valid_to IS NULL AND z.zone_type = ANY(:banned) AND ST_Intersects(o.geom, z.geom)
        WHERE o.valid_to IS NULL AND o.decision IS DISTINCT FROM 'remove'
    """,
    params={"banned": list(OUTFALL_BANNED)},
    codes={"zone_type": ZONE_TYPES, "decision": DECISIONS},
)

CHECKS = [IN_PROTECTED_ZONE]
