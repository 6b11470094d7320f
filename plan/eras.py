"""Japanese eras (「令和」, 「平成」, 「昭和」) and fiscal years.

A fiscal year (「年度」) starts in April, ends in March, and is named by the year it starts in
(「2024年度」 = 2024-04-01 to 2025-03-31). 「令和」 n = 2018 + n (R1 = 「令和元」 = 2019, R6 = 2024,
R12 = 2030), 「平成」 n = 1988 + n (H25 = 2013, H31 = 2019), 「昭和」 n = 1925 + n. A fiscal
year is shown in the newer era (2019 is 「令和元年度」).
"""

import datetime
import re
import unicodedata

# Eras: (name, abbreviation, Gregorian year of its first year), newest first.
ERAS: tuple[tuple[str, str, int], ...] = (
    ("令和", "R", 2019),
    ("平成", "H", 1989),
    ("昭和", "S", 1926),
)

_ERA_PATTERN = re.compile(
    r"^(?:(?P<era>令和|平成|昭和|R|H|S)\s*(?P<era_year>元|\d{1,2})|(?P<western>\d{4}))\s*(?:年度?)?$",
    re.IGNORECASE,
)


def era_to_fiscal_year(text: str) -> int:
    """「R6」, 「令和6」, 「令和元年度」, 「H25」, 「平成25年度」, 「2013」, 「２０１３年度」 → the
    Gregorian fiscal year.

    Raises ValueError for text it cannot read.
    """
    normalized = unicodedata.normalize("NFKC", text).strip()
    match = _ERA_PATTERN.match(normalized)
    if match is None:
        raise ValueError(f"年度として解釈できません: {text!r}")
    if match["western"]:
        return int(match["western"])
    era = match["era"].upper() if len(match["era"]) == 1 else match["era"]
    year_in_era = 1 if match["era_year"] == "元" else int(match["era_year"])
    if year_in_era < 1:
        raise ValueError(f"元号の年は 1 以上です: {text!r}")
    for name, abbreviation, first_year in ERAS:
        if era in (name, abbreviation):
            return first_year + year_in_era - 1
    raise ValueError(
        f"未知の元号です: {text!r}"
    )  # pragma: no cover - the pattern admits only known eras


def fiscal_year_to_era(fiscal_year: int) -> tuple[str, int]:
    """2024 → ("令和", 6). A fiscal year is named in the newer era (2019 → ("令和", 1))."""
    for name, _abbreviation, first_year in ERAS:
        if fiscal_year >= first_year:
            return name, fiscal_year - first_year + 1
    raise ValueError(f"昭和より前の年度は扱いません: {fiscal_year}")


def era_year_label(fiscal_year: int) -> str:
    """2024 → 「令和6」、2019 → 「令和元」。"""
    name, year_in_era = fiscal_year_to_era(fiscal_year)
    return f"{name}{'元' if year_in_era == 1 else year_in_era}"


def format_fiscal_year(fiscal_year: int) -> str:
    """2024 → 「令和6年度 (2024)」。"""
    return f"{era_year_label(fiscal_year)}年度 ({fiscal_year})"


def format_edition_title(fiscal_year: int) -> str:
    """2024 → 「令和6年(2024年)版」 (as on the cover of the 「個別プロジェクト集」)."""
    return f"{era_year_label(fiscal_year)}年({fiscal_year}年)版"


def fiscal_year_of(day: datetime.date) -> int:
    """The fiscal year a date falls in; January to March belong to the previous year's."""
    return day.year if day.month >= 4 else day.year - 1
