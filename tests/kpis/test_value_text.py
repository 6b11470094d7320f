from decimal import Decimal

import pytest

from kpis.value_text import StructuredValue, parse_value_text, parse_year_expression, value_parts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("436MW (R2年度)", StructuredValue(Decimal("436"), "MW", "", 2020, None, "fiscal_year")),
        ("最大 1400MW (R12 年度)", StructuredValue(Decimal("1400"), "MW", "最大", 2030, None, "fiscal_year")),
        ("420g以下 (R12年度)", StructuredValue(Decimal("420"), "g", "以下", 2030, None, "fiscal_year")),
        ("約1,400万t (R12年度)", StructuredValue(Decimal("1400"), "万t", "約", 2030, None, "fiscal_year")),
        ("H25年度比▲47%(R12年)", StructuredValue(Decimal("47"), "%", "▲", 2030, None, "fiscal_year")),
        ("現状値から20%減 (R12年度)", StructuredValue(Decimal("20"), "%", "▲", 2030, None, "fiscal_year")),
        ("259団体 (R5年度末)", StructuredValue(Decimal("259"), "団体", "", 2023, None, "fiscal_year_end")),
        ("700人 (R6-R12年度累計)", StructuredValue(Decimal("700"), "人", "", 2024, 2030, "cumulative")),
        ("30社 (R5～R12年度累計)", StructuredValue(Decimal("30"), "社", "", 2023, 2030, "cumulative")),
        ("10,000m3 (R4～R8年度)", StructuredValue(Decimal("10000"), "m3", "", 2022, 2026, "range")),
        ("18,000件 (R3,4の平均値)", StructuredValue(Decimal("18000"), "件", "", 2021, 2022, "average")),
        ("90%以上/年", StructuredValue(Decimal("90"), "%/年", "以上")),
        ("年80人以上", StructuredValue(Decimal("80"), "人/年", "以上")),
        ("5位以内", StructuredValue(Decimal("5"), "位", "以内")),
        ("50社程度", StructuredValue(Decimal("50"), "社", "程度")),
        ("安全対策率 99.8% (R4年度)", StructuredValue(Decimal("99.8"), "%", "", 2022, None, "fiscal_year")),
        ("10億円/年 (R4年度) ※複数事業による基準値", StructuredValue(Decimal("10"), "億円/年", "", 2022, None, "fiscal_year")),
        ("２０％（Ｒ１２年度）", StructuredValue(Decimal("20"), "%", "", 2030, None, "fiscal_year")),
        ("R5年度", StructuredValue(fiscal_year=2023, period="fiscal_year")),
        # Two quantities: only the fiscal year is read.
        ("50社程度・約500億円 (R12年度)", StructuredValue(fiscal_year=2030, period="fiscal_year")),
        # Prose: nothing is read.
        ("前年度並み (18,000件)", StructuredValue()),
        ("事故0件の維持", StructuredValue()),
        ("前年度実績値以下", StructuredValue()),
        ("", StructuredValue()),
        ("約3.4万人/日 (R1年度×0.9)", StructuredValue()),
    ],
)  # fmt: skip
def test_parse_value_text(text, expected):
    assert parse_value_text(text) == expected


@pytest.mark.parametrize(
    "expression", ["行政評価に係る市民アンケート調査による", "R6累計", "12年度", ""]
)
def test_parse_year_expression_rejects_what_is_not_a_year(expression):
    assert parse_year_expression(expression) is None


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "最大1400MW (R12年度)",
            {
                "value": Decimal("1400"),
                "unit": "MW",
                "qualifier": "最大",
                "fiscal_year": 2030,
                "fiscal_year_end": None,
                "period": "fiscal_year",
            },
        ),
        (
            "R6-R12年度累計",
            {
                "value": None,
                "unit": "",
                "qualifier": "",
                "fiscal_year": 2024,
                "fiscal_year_end": 2030,
                "period": "cumulative",
            },
        ),
        (
            "前年度並み",
            {
                "value": None,
                "unit": "",
                "qualifier": "",
                "fiscal_year": None,
                "fiscal_year_end": None,
                "period": "",
            },
        ),
    ],
)
def test_value_parts_are_a_records_fields(text, parts):
    assert value_parts(text) == parts
