import datetime

import pytest

from plan.eras import (
    era_to_fiscal_year,
    fiscal_year_of,
    fiscal_year_to_era,
    format_edition_title,
    format_fiscal_year,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R6", 2024),
        ("R12", 2030),
        ("R1", 2019),
        ("令和6", 2024),
        ("令和6年度", 2024),
        ("令和元年度", 2019),
        ("令和元", 2019),
        ("H25", 2013),
        ("H25 年度", 2013),
        ("平成25年度", 2013),
        ("H31", 2019),
        ("平成元年", 1989),
        ("S64", 1989),
        ("2013", 2013),
        ("2013年度", 2013),
        ("２０１３年度", 2013),
        ("Ｒ６", 2024),
        ("r6", 2024),
    ],
)
def test_era_to_fiscal_year(text, expected):
    assert era_to_fiscal_year(text) == expected


@pytest.mark.parametrize("text", ["", "R", "令和", "X6", "12年度", "R0", "前年度", "R6-R12"])
def test_era_to_fiscal_year_rejects_what_is_not_a_year(text):
    with pytest.raises(ValueError, match=r"年度|元号"):
        era_to_fiscal_year(text)


@pytest.mark.parametrize(
    ("fiscal_year", "era"),
    [
        (2024, ("令和", 6)),
        (2019, ("令和", 1)),
        (2018, ("平成", 30)),
        (1989, ("平成", 1)),
        (1988, ("昭和", 63)),
    ],
)
def test_fiscal_year_to_era(fiscal_year, era):
    assert fiscal_year_to_era(fiscal_year) == era


def test_fiscal_year_to_era_rejects_before_showa():
    with pytest.raises(ValueError, match="昭和より前"):
        fiscal_year_to_era(1925)


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [
        (2024, "令和6年度 (2024)"),
        (2030, "令和12年度 (2030)"),
        (2019, "令和元年度 (2019)"),
        (2013, "平成25年度 (2013)"),
    ],
)
def test_format_fiscal_year(fiscal_year, label):
    assert format_fiscal_year(fiscal_year) == label


def test_format_edition_title():
    assert format_edition_title(2024) == "令和6年(2024年)版"
    assert format_edition_title(2019) == "令和元年(2019年)版"


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (datetime.date(2024, 4, 1), 2024),
        (datetime.date(2025, 3, 31), 2024),
        (datetime.date(2025, 1, 15), 2024),
        (datetime.date(2024, 12, 31), 2024),
    ],
)
def test_fiscal_year_of(day, fiscal_year):
    assert fiscal_year_of(day) == fiscal_year
