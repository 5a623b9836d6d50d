"""The gazette parser: the four 批复 of 2022-11 come out exactly, and what it cannot read is reported by line.

Plain tests without a database: the parser only turns text into attributes for review.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from analysis.land.gazette import LineProblem, ParsedApproval, parse_gazette
from tests.stories.gazette import (
    EXPECTED_PROPERTIES,
    EXPROPRIATION_LINE,
    GAZETTE,
    HUIAN,
    ZHANGPU,
    ZHANGPU_PARCELS,
    parcel,
)

D = Decimal


def only(text: str) -> ParsedApproval:
    approvals = parse_gazette(text)
    assert len(approvals) == 1, [a.properties["doc_number"] for a in approvals]
    return approvals[0]


def assert_printed_digits(value: object, printed: str) -> None:
    """Decimal equality ignores trailing zeros; the stored figure must keep the printed digits."""
    assert isinstance(value, Decimal) and str(value) == printed


# --------------------------------------------------------------------------- the four approvals


def test_the_four_approvals_come_out_exactly() -> None:
    approvals = parse_gazette(GAZETTE)
    assert [a.properties for a in approvals] == EXPECTED_PROPERTIES
    assert approvals[0].parcels == ZHANGPU_PARCELS
    assert [a.parcels for a in approvals[1:]] == [[], [], []]
    assert [a.problems for a in approvals] == [[], [], [], []]
    assert [(a.first_line, a.last_line) for a in approvals] == [(1, 18), (20, 39), (41, 58), (60, 78)]


def test_areas_keep_the_printed_digits() -> None:
    zhangpu, huian, _, jianyang = parse_gazette(GAZETTE)
    assert_printed_digits(zhangpu.properties["declared_cultivated_ha"], "23.3520")
    assert_printed_digits(jianyang.properties["plan_area_ha"], "11.4120")
    assert_printed_digits(huian.properties["plan_area_ha"], "4.0424")  # printed across a blank line
    assert [str(p["declared_ha"]) for p in zhangpu.parcels if p["village"] == "下堀村"] == [
        "16.0173", "4.2946", "2.4115", "1.7100", "0.0744"]


def test_zhangpu_parcels_add_up_to_the_declared_figures() -> None:
    zhangpu = parse_gazette(GAZETTE)[0]
    props, parcels = zhangpu.properties, zhangpu.parcels

    def total(*classes: str) -> Decimal:
        return sum((p["declared_ha"] for p in parcels if p["land_class"] in classes), Decimal(0))

    assert total("水浇地") == props["declared_cultivated_ha"] == D("23.3520")
    assert total("水浇地", "林地", "草地", "其他农用地") == props["declared_farmland_ha"] == D("33.2441")
    assert total("其他土地") == props["declared_unused_ha"] == D("0.0013")
    assert sum(p["declared_ha"] for p in parcels) == props["declared_total_ha"] == D("33.3333")


def test_every_figure_in_hectares_is_used() -> None:
    lines = GAZETTE.splitlines()
    for approval in parse_gazette(GAZETTE):
        text = "".join(lines[approval.first_line - 1: approval.last_line]).replace(" ", "")
        stored = [v for v in approval.properties.values() if isinstance(v, Decimal)]
        assert len(re.findall(r"[\d.]+公顷", text)) == len(stored) + len(approval.parcels)


def test_text_around_the_approvals_is_ignored() -> None:
    contents = "福建省人民政府关于漳浦县2022年度第五十七批次农用地转用和土地征收的批复 67\n\n"
    notice = "福建省人民政府办公厅关于印发 加强入河入海排污口监督管理工作方案的通知\n\n闽政办[2022]43号\n\n各设区市：\n"
    approvals = parse_gazette(contents + "其他农用地9.9999公顷\n" + GAZETTE + "\n" + notice)
    assert [a.properties for a in approvals] == EXPECTED_PROPERTIES
    assert [a.first_line for a in approvals] == [4, 23, 44, 63]
    assert all(not a.problems for a in approvals)


# --------------------------------------------------------------------------- typesetting variants


def test_ascii_punctuation_gives_the_same_result() -> None:
    ascii_text = ZHANGPU.translate(str.maketrans({"，": ",", "：": ":", "（": "(", "）": ")", "、": ",",
                                                  "。": ".", "〔": "[", "〕": "]", "；": ";"}))
    assert "，" not in ascii_text and "。" not in ascii_text and "〔" not in ascii_text
    approval = only(ascii_text)
    assert approval.properties == EXPECTED_PROPERTIES[0]
    assert approval.parcels == ZHANGPU_PARCELS
    assert approval.problems == []


def test_full_width_digits_and_spaces_inside_figures() -> None:
    text = ZHANGPU.replace("33.2441公顷", "３３．２４４１ 公顷").replace("水浇地7.3347", "水浇地 7.3347")
    approval = only(text)
    assert approval.properties == EXPECTED_PROPERTIES[0]
    assert approval.parcels == ZHANGPU_PARCELS


def wrap(text: str, width: int) -> str:
    """Hard-wrap every line at ``width`` characters, with a blank line after each break, as in PDFs."""
    out: list[str] = []
    for line in text.splitlines():
        out.extend(f"{line[i: i + width]}\n" for i in range(0, max(len(line), 1), width))
    return "\n".join(out)


def test_line_breaks_inside_titles_sentences_and_numbers() -> None:
    approvals = parse_gazette(wrap(GAZETTE, 13))
    assert [a.properties for a in approvals] == EXPECTED_PROPERTIES
    assert approvals[0].parcels == ZHANGPU_PARCELS
    assert all(not a.problems for a in approvals)


@pytest.mark.parametrize("opening, closing", [("〔", "〕"), ("[", "]"), ("(", ")"), ("（", "）"), ("［", "］"),
                                              ("【", "】")])
def test_bracket_variants_of_document_numbers(opening: str, closing: str) -> None:
    text = ZHANGPU.replace("闽政文〔2022〕354号", f"闽政文 {opening}2022{closing} 354号").replace(
        "浦政地〔2022〕72号", f"浦政地{opening}2022{closing}72号")
    approval = only(text)
    assert approval.properties["doc_number"] == "闽政文〔2022〕354号"
    assert approval.properties["request_number"] == "浦政地〔2022〕72号"
    assert approval.problems == []


@pytest.mark.parametrize("printed, expected", [
    ("二〇二二年八月八日", date(2022, 8, 8)),
    ("二○二二年十二月三十一日", date(2022, 12, 31)),
    ("2022年12月1日", date(2022, 12, 1)),
])
def test_dates_in_arabic_and_chinese_numerals(printed: str, expected: date) -> None:
    approval = only(ZHANGPU.replace("2022年8月8日", printed))
    assert approval.properties["approved_on"] == expected
    assert approval.last_line == 18
    assert approval.problems == []


@pytest.mark.parametrize("printed, batch", [("第一百零五批次", 105), ("第十批次", 10), ("第二十批次", 20),
                                            ("第一百一十批次", 110), ("第 3 批次", 3)])
def test_batch_numbers_in_chinese_numerals(printed: str, batch: int) -> None:
    approval = only(ZHANGPU.replace("第五十七批次", printed, 1))
    assert (approval.properties["year"], approval.properties["batch_no"]) == (2022, batch)


def test_older_land_class_names_are_accepted() -> None:
    approval = only(ZHANGPU.replace("城镇村及工矿用地0.0135", "居民点及独立工矿用地0.0135"))
    assert parcel("港口村", "居民点及独立工矿用地", "0.0135") in approval.parcels
    assert approval.problems == []


# --------------------------------------------------------------------------- what it cannot read


def problem_lines(approval: ParsedApproval) -> list[int]:
    return [p.line for p in approval.problems]


def test_garbled_figure_is_reported_on_its_line() -> None:
    approval = only(ZHANGPU.replace("林地0.2812公顷", "林地0.28x2公顷"))
    [problem] = approval.problems
    assert problem.line == EXPROPRIATION_LINE and "0.28x2" in problem.problem
    assert problem.text.startswith("一、同意将漳浦县境内")
    assert " / " in problem.problem  # bilingual
    assert approval.parcels == [p for p in ZHANGPU_PARCELS if p != parcel("港口村", "林地", "0.2812")]


def test_garbled_figure_in_wrapped_text_points_at_the_right_line() -> None:
    text = wrap(ZHANGPU.replace("草地2.4115公顷", "草地2.4l15公顷"), 30)
    line_of = [n for n, line in enumerate(text.splitlines(), 1) for _ in line]
    expected = line_of["".join(text.splitlines()).index("2.4l15")]
    approval = only(text)
    [problem] = approval.problems
    assert problem.line == expected > EXPROPRIATION_LINE and "2.4l15" in problem.problem
    assert problem.text == text.splitlines()[expected - 1].strip()


def test_parcel_without_village_is_kept_and_reported() -> None:
    approval = only(ZHANGPU.replace("征收漳浦县古雷镇港口村水浇地", "征收漳浦县古雷镇水浇地"))
    assert problem_lines(approval) == [EXPROPRIATION_LINE] * 6
    assert approval.parcels[0] == {"township": "古雷镇", "village": None, "land_class": "水浇地",
                                   "ownership": "collective", "declared_ha": D("7.3347")}
    assert approval.parcels[6:] == ZHANGPU_PARCELS[6:]


def test_unknown_land_class_is_reported_not_dropped() -> None:
    approval = only(ZHANGPU.replace("其他土地0.0013公顷，", "其他土地0.0013公顷、菜地1.0000公顷，"))
    [problem] = approval.problems
    assert problem.line == EXPROPRIATION_LINE and "菜地" in problem.problem
    assert approval.parcels == ZHANGPU_PARCELS


def test_unknown_class_after_a_new_village_keeps_the_village_for_later_items() -> None:
    approval = only(ZHANGPU.replace("古雷镇下堀村水浇地16.0173公顷", "古雷镇下堀村菜地16.0173公顷"))
    assert "菜地" in approval.problems[0].problem
    assert parcel("下堀村", "林地", "4.2946") in approval.parcels


def test_figure_without_class_or_village_is_reported() -> None:
    signature = "福建省人民政府\n2022年8月8日"
    text = ZHANGPU.replace(signature, "五、另需补充耕地5.0000公顷。\n\n" + signature)
    approval = only(text)
    [problem] = approval.problems
    assert problem.line == 17 and problem.text == "五、另需补充耕地5.0000公顷。"
    assert approval.properties["approved_on"] == date(2022, 8, 8)


def test_figure_in_chinese_numerals_is_reported() -> None:
    approval = only(ZHANGPU.replace("未利用地0.0013公顷", "未利用地零点零零一三公顷"))
    assert approval.properties["declared_unused_ha"] is None
    assert problem_lines(approval) == [EXPROPRIATION_LINE]


def test_duplicate_figure_is_reported() -> None:
    approval = only(ZHANGPU.replace("0.0744公顷。", "0.0744公顷、林地0.1000公顷。"))
    assert problem_lines(approval) == [EXPROPRIATION_LINE]
    assert parcel("下堀村", "林地", "4.2946") in approval.parcels


def test_header_without_document_number() -> None:
    approval = only(ZHANGPU.replace("闽政文〔2022〕354号\n", ""))
    assert approval.properties["doc_number"] is None
    [problem] = approval.problems
    assert problem.line == 1 and "文号" in problem.problem
    assert approval.properties["applicant"] == "漳浦县人民政府"
    assert approval.parcels == ZHANGPU_PARCELS


def test_missing_date() -> None:
    approval = only(HUIAN.replace("2022年8月8日\n", ""))
    assert approval.properties["approved_on"] is None
    [problem] = approval.problems
    assert problem.line == approval.last_line == 19 and "date" in problem.problem


def test_invalid_date() -> None:
    approval = only(ZHANGPU.replace("2022年8月8日", "2022年2月30日"))
    assert approval.properties["approved_on"] is None
    assert problem_lines(approval) == [18]


def test_document_number_without_title() -> None:
    approval = only("\n".join(ZHANGPU.splitlines()[2:]))
    assert approval.properties["doc_number"] == "闽政文〔2022〕354号"
    assert approval.properties["approval_kind"] == "conversion_batch"
    assert approval.parcels == ZHANGPU_PARCELS
    assert approval.problems[0] == LineProblem(
        1, "闽政文〔2022〕354号", "文号前未找到“…关于…的批复”标题 / document number without a 批复 title")


# --------------------------------------------------------------------------- other authorities and ownership


FUZHOU = """福州市人民政府关于闽侯县2024年度第三批次农用地转用和土地征收的批复
闽政地榕〔2024〕12号
闽侯县人民政府：
你县《关于闽侯县2024年度第三批次农用地转用和土地征收的请示》（侯政地〔2024〕5号）收悉。经研究，现批复如下：
一、同意将闽侯县境内农用地1.2000公顷（其中耕地0.5000公顷）转为建设用地。征收闽侯县上街镇厚美村水田0.5000公顷、\
园地0.7000公顷；使用上街镇国有建设用地0.3000公顷。合计征收集体所有土地1.2000公顷，使用国有土地0.3000公顷。
福州市人民政府
2024年3月1日
"""


def test_city_government_under_delegation() -> None:
    approval = only(FUZHOU)
    props = approval.properties
    assert (props["authority"], props["authority_name"]) == ("city_delegated", "福州市人民政府")
    assert (props["doc_number"], props["request_number"]) == ("闽政地榕〔2024〕12号", "侯政地〔2024〕5号")
    assert (props["county_code"], props["year"], props["batch_no"]) == ("350121", 2024, 3)
    assert approval.parcels == [
        parcel("厚美村", "水田", "0.5000", township="上街镇"), parcel("厚美村", "园地", "0.7000", township="上街镇"),
        {"township": "上街镇", "village": None, "land_class": "建设用地", "ownership": "state",
         "declared_ha": D("0.3000")},
    ]
    assert approval.problems == []


def test_state_land_total_must_match_its_parcels() -> None:
    approval = only(FUZHOU.replace("使用国有土地0.3000公顷", "使用国有土地0.4000公顷"))
    [problem] = approval.problems
    assert problem.line == 5 and "0.4000" in problem.problem


def test_state_council_approval() -> None:
    text = ZHANGPU.replace("福建省人民政府关于", "国务院关于").replace("闽政文〔2022〕354号", "国函〔2022〕12号")
    approval = only(text.replace("福建省人民政府\n2022", "国务院\n2022"))
    assert (approval.properties["authority"], approval.properties["authority_name"]) == ("state_council", "国务院")
    assert approval.problems == []


def test_signature_that_contradicts_the_title_is_reported() -> None:
    approval = only(ZHANGPU.replace("福建省人民政府\n2022", "国务院\n2022"))
    assert problem_lines(approval) == [17]
