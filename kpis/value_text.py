"""Read the number, unit, qualifier and fiscal year from the published text of a baseline or
target value.

Only the shape "one quantity (+ fiscal year)" is read:

    [label] [base of comparison] [約|最大|年間|年|▲] number unit [以上|以下|以内|程度|未満|減]
    [/年|/日] [(fiscal year)] [※note]

E.g. 「最大1400MW (R12年度)」, 「H25年度比▲47%(R12年)」, 「90%以上/年」, 「30社 (R5～R12年度累計)」.
A cell with two or more quantities (「50社程度・約500億円 (R12年度)」) or prose (「前年度並み
(18,000件)」) leaves the number empty and reads only the trailing (fiscal year). When nothing
matches, nothing is read (the text stays). This module does not depend on Django
(fixtures/build_edition_2024.py uses it too).
"""

import re
import unicodedata
from dataclasses import dataclass, fields
from decimal import Decimal

from plan.eras import era_to_fiscal_year

# Only known units are accepted (so that 「件の維持」 in 「0件の維持」 is not read as a unit);
# longest first.
UNITS = (
    "万人",
    "万t",
    "億円",
    "ヶ所",
    "団体",
    "MW",
    "ha",
    "m3",
    "件",
    "人",
    "社",
    "位",
    "t",
    "g",
    "%",
)

_ERA = r"(?:令和|平成|R|H)\d{1,2}|\d{4}"
_YEAR_EXPRESSION = re.compile(
    rf"^(?P<start>{_ERA})(?:年度)?(?:[-~](?P<end>{_ERA}))?(?P<suffix>年度末|年度|年)?(?P<cumulative>累計)?$"
)
_AVERAGE_EXPRESSION = re.compile(rf"^(?P<start>{_ERA}),(?P<end>\d{{1,2}})の平均値?$")
_QUANTITY = re.compile(
    r"^(?P<label>[^\d()※]*?)"
    rf"(?P<basis>(?:{_ERA})年度比|現状値から)?"
    r"(?P<prefix>約|最大|年間|年|▲)?"
    r"(?P<number>\d[\d,]*(?:\.\d+)?)"
    rf"(?P<unit>{'|'.join(re.escape(unit) for unit in UNITS)})"
    r"(?P<suffix>以上|以下|以内|程度|未満|減)?"
    r"(?P<per>/年|/日)?"
    r"(?:\((?P<year>[^()]*)\))?"
    r"(?P<note>※.*)?$"
)
_TRAILING_YEAR = re.compile(r"\((?P<year>[^()]*)\)(?:※.*)?$")

_QUALIFIER_BY_WORD = {
    "約": "約",
    "最大": "最大",
    "▲": "▲",
    "減": "▲",
    "以上": "以上",
    "以下": "以下",
    "以内": "以内",
    "程度": "程度",
}


@dataclass(frozen=True)
class StructuredValue:
    value: Decimal | None = None
    unit: str = ""
    qualifier: str = ""
    fiscal_year: int | None = None
    fiscal_year_end: int | None = None
    period: str = ""


EMPTY = StructuredValue()
_PART_NAMES = tuple(field.name for field in fields(StructuredValue))


def parse_year_expression(expression: str) -> StructuredValue | None:
    """Read 「R4年度」, 「R5年度末」, 「2013年度」, 「R6-R12年度累計」, 「R4～R8年度」,
    「R3,4の平均値」."""
    text = unicodedata.normalize("NFKC", expression).replace(" ", "")
    if match := _AVERAGE_EXPRESSION.match(text):
        start = era_to_fiscal_year(match["start"])
        era_prefix = re.match(r"\D*", match["start"]).group()
        end = era_to_fiscal_year(f"{era_prefix}{match['end']}")
        return StructuredValue(fiscal_year=start, fiscal_year_end=end, period="average")
    match = _YEAR_EXPRESSION.match(text)
    if match is None:
        return None
    start = era_to_fiscal_year(match["start"])
    if match["end"]:
        end = era_to_fiscal_year(match["end"])
        period = "cumulative" if match["cumulative"] else "range"
        return StructuredValue(fiscal_year=start, fiscal_year_end=end, period=period)
    if match["cumulative"]:
        return None
    period = "fiscal_year_end" if match["suffix"] == "年度末" else "fiscal_year"
    return StructuredValue(fiscal_year=start, period=period)


def parse_value_text(text: str) -> StructuredValue:
    """Structure the published text. What cannot be read is left empty (no exception)."""
    normalized = unicodedata.normalize("NFKC", text or "").strip()
    compact = re.sub(r"\s+", "", normalized)
    if not compact:
        return EMPTY
    year = EMPTY
    if match := _QUANTITY.match(compact):
        if match["year"] is not None:
            parsed_year = parse_year_expression(match["year"])
            if parsed_year is None:
                return _year_only(compact)
            year = parsed_year
        qualifier = _QUALIFIER_BY_WORD.get(match["prefix"] or "") or _QUALIFIER_BY_WORD.get(
            match["suffix"] or "", ""
        )
        per = match["per"] or ("/年" if match["prefix"] in ("年間", "年") else "")
        return StructuredValue(
            value=Decimal(match["number"].replace(",", "")),
            unit=match["unit"] + per,
            qualifier=qualifier,
            fiscal_year=year.fiscal_year,
            fiscal_year_end=year.fiscal_year_end,
            period=year.period,
        )
    if parsed_year := parse_year_expression(compact):
        return parsed_year
    return _year_only(compact)


def value_parts(text: str) -> dict[str, object]:
    """The parts read from ``text`` (every part of a value but its text) as a record's fields:
    a unit and qualifier only with a number, a year only with its meaning (as the reader gives).
    The parts are immutable values: a shallow dictionary (``dataclasses.asdict`` copies each one
    deeply, which costs more than reading the text)."""
    parsed = parse_value_text(text)
    return {name: getattr(parsed, name) for name in _PART_NAMES}


def _year_only(compact: str) -> StructuredValue:
    match = _TRAILING_YEAR.search(compact)
    if match is None:
        return EMPTY
    return parse_year_expression(match["year"]) or EMPTY


def _number(value: Decimal) -> str:
    """A number as people write it (「1400」, not 「1400.0000」)."""
    return format(value.normalize(), "f")


def disagreement(text: str, value: Decimal | None, unit: str, qualifier: str) -> str | None:
    """Why the typed 数値・単位・修飾語 contradict the 公表表記, in Japanese; None when they agree.

    Only a text the reader reads as one quantity is checked, and only when a number is typed (the
    structured parts are left empty for texts like 「前年度並み」)."""
    parsed = parse_value_text(text)
    if parsed.value is None or value is None:
        return None
    differences = []
    if Decimal(value) != parsed.value:
        differences.append(f"数値「{_number(Decimal(value))}」(表記では {_number(parsed.value)})")
    if (unit or "") != parsed.unit:
        differences.append(f"単位「{unit or 'なし'}」(表記では {parsed.unit or 'なし'})")
    if (qualifier or "") != parsed.qualifier:
        differences.append(
            f"修飾語「{qualifier or 'なし'}」(表記では {parsed.qualifier or 'なし'})"
        )
    if not differences:
        return None
    return (
        f"公表表記「{text}」と{'・'.join(differences)}が一致しません。"
        "公表表記と数値のどちらかを直してください。"
    )
