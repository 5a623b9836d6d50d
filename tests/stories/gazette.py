"""The gazette story: the four 批复 of the 2022 No. 11 provincial gazette as printed (the seed's text),
and the attributes and parcels a correct reading gives. Zhangpu's batch 57 (闽政文〔2022〕354号) adds
up to 33.3333 ha."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from demo import gazette_text

GAZETTE = gazette_text()
"""The four 批复 of the 2022 No. 11 provincial gazette, as printed."""
ZHANGPU = "\n".join(GAZETTE.splitlines()[:18]) + "\n"
"""Zhangpu's batch 57 (闽政文〔2022〕354号), as printed."""
HUIAN = "\n".join(GAZETTE.splitlines()[19:39]) + "\n"
"""Hui'an's zone plan (闽政文〔2022〕355号), as printed."""

D = Decimal
PROVINCE = {"authority": "province", "authority_name": "福建省人民政府", "approved_on": date(2022, 8, 8)}
NO_AREAS = dict.fromkeys(("declared_farmland_ha", "declared_cultivated_ha", "declared_unused_ha",
                          "declared_total_ha"))

EXPECTED_PROPERTIES = [
    {**PROVINCE, "doc_number": "闽政文〔2022〕354号",
     "title": "福建省人民政府关于漳浦县2022年度第五十七批次农用地转用和土地征收的批复",
     "approval_kind": "conversion_batch", "applicant": "漳浦县人民政府", "request_number": "浦政地〔2022〕72号",
     "county_code": "350623", "year": 2022, "batch_no": 57, "declared_farmland_ha": D("33.2441"),
     "declared_cultivated_ha": D("23.3520"), "declared_unused_ha": D("0.0013"),
     "declared_total_ha": D("33.3333"), "plan_area_ha": None},
    {**PROVINCE, **NO_AREAS, "doc_number": "闽政文〔2022〕355号",
     "title": "福建省人民政府关于惠安县2022年度第四批次土地征收成片开发方案的批复",
     "approval_kind": "zone_plan", "applicant": "惠安县人民政府", "request_number": "惠政文〔2022〕31号",
     "county_code": "350521", "year": 2022, "batch_no": 4, "plan_area_ha": D("4.0424")},
    {**PROVINCE, **NO_AREAS, "doc_number": "闽政文〔2022〕356号",
     "title": "福建省人民政府关于诏安县2022年度第三批次土地征收成片开发方案的批复",
     "approval_kind": "zone_plan", "applicant": "诏安县人民政府", "request_number": "诏政地〔2022〕17号",
     "county_code": "350624", "year": 2022, "batch_no": 3, "plan_area_ha": D("8.2161")},
    {**PROVINCE, **NO_AREAS, "doc_number": "闽政文〔2022〕357号",
     "title": "福建省人民政府关于南平市建阳区2021年度第五批次土地征收成片开发方案的批复",
     "approval_kind": "zone_plan", "applicant": "南平市人民政府", "request_number": "南政综〔2021〕201号",
     "county_code": "350703", "year": 2021, "batch_no": 5, "plan_area_ha": D("11.4120")},
]


def parcel(village: str, land_class: str, ha: str, township: str = "古雷镇",
           ownership: str = "collective") -> dict[str, object]:
    return {"township": township, "village": village, "land_class": land_class, "ownership": ownership,
            "declared_ha": D(ha)}


ZHANGPU_PARCELS = [
    parcel("港口村", "水浇地", "7.3347"), parcel("港口村", "林地", "0.2812"), parcel("港口村", "草地", "0.6974"),
    parcel("港口村", "其他农用地", "0.4974"), parcel("港口村", "城镇村及工矿用地", "0.0135"),
    parcel("港口村", "其他土地", "0.0013"),
    parcel("下堀村", "水浇地", "16.0173"), parcel("下堀村", "林地", "4.2946"), parcel("下堀村", "草地", "2.4115"),
    parcel("下堀村", "其他农用地", "1.7100"), parcel("下堀村", "城镇村及工矿用地", "0.0744"),
]
EXPROPRIATION_LINE = 9
"""Line of the file (and of ZHANGPU) holding the expropriation paragraph."""
