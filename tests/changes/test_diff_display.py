"""Diffs as people read them: numbers as written, and what changed inside a text marked, once."""

import pytest

from kpis.models import KpiValue
from plan.changes.diff import FieldDiff, display, format_number, highlight

SUMMARY = (
    "ボランティア清掃ごみ収集用の「まち美化ボランティア袋」を配布し、地域の清掃活動を支援する。"
    "あわせて清掃活動の参加者を募集し、市民の美化意識の向上を図る。"
)
SUMMARY_EDITED = SUMMARY.replace("清掃活動を支援", "清掃活動と花壇づくりを支援")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1400.0000", "1400"),
        ("1500", "1500"),
        ("3.5000", "3.5"),
        ("0.0500", "0.05"),
        ("-2.5000", "-2.5"),
        ("1E+3", "1000"),
        (3.50, "3.5"),
        ("12000000.0000", "12000000"),
        ("不明", "不明"),
    ],
)
def test_format_number(value, shown):
    assert format_number(value) == shown


def test_a_kpi_value_number_is_shown_as_written():
    field = KpiValue._meta.get_field("value")
    before, after = display(field, "1400.0000"), display(field, "1500.0000")
    assert FieldDiff("value", "数値", before, after).change_html == "1400 → 1500"


@pytest.mark.parametrize(
    ("before", "after", "before_html", "after_html", "merged"),
    [
        (
            "436MW (R2年度)",
            "446MW (R3年度)",
            "4<del>3</del>6MW (R<del>2</del>年度)",
            "4<ins>4</ins>6MW (R<ins>3</ins>年度)",
            "4<del>3</del><ins>4</ins>6MW (R<del>2</del><ins>3</ins>年度)",
        ),
        # numbers change as a whole
        ("1400", "1500", "1400", "1500", "<del>1400</del><ins>1500</ins>"),
        # an empty value is not marked inside
        ("(空)", "年間20ha", "(空)", "年間20ha", "<del>(空)</del><ins>年間20ha</ins>"),
        # a text rewritten throughout is shown whole
        (
            "全く別の文章です",
            "似ても似つかない",
            "全く別の文章です",
            "似ても似つかない",
            "<del>全く別の文章です</del><ins>似ても似つかない</ins>",
        ),
        (
            "環境局",
            "環境局 産業経済局",
            "環境局",
            "環境局<ins> 産業経済局</ins>",
            "環境局<ins> 産業経済局</ins>",
        ),
        # markup in a value is escaped, never rendered
        (
            "<b>a</b>",
            "<i>a</i>",
            "&lt;<del>b</del>&gt;a&lt;/<del>b</del>&gt;",
            "&lt;<ins>i</ins>&gt;a&lt;/<ins>i</ins>&gt;",
            "&lt;<del>b</del><ins>i</ins>&gt;a&lt;/<del>b</del><ins>i</ins>&gt;",
        ),
        # line breaks kept
        (
            "1行目\n2行目",
            "1行目\n3行目",
            "1行目<br><del>2</del>行目",
            "1行目<br><ins>3</ins>行目",
            "1行目<br><del>2</del><ins>3</ins>行目",
        ),
        # a short shared run between two changes is taken into the change
        (
            "増加させる",
            "減少させる",
            "<del>増加</del>させる",
            "<ins>減少</ins>させる",
            "<del>増加</del><ins>減少</ins>させる",
        ),
        ("abc", "abc", "abc", "abc", "abc"),
    ],
)
def test_highlight(before, after, before_html, after_html, merged):
    marked = highlight(before, after)
    assert (marked.before, marked.after, marked.merged) == (before_html, after_html, merged)


def test_a_long_text_is_shown_once_with_its_change_marked():
    diff = FieldDiff("summary", "概要", SUMMARY, SUMMARY_EDITED)
    assert diff.is_long
    assert diff.change_html == (
        "ボランティア清掃ごみ収集用の「まち美化ボランティア袋」を配布し、地域の清掃活動<ins>と花壇づくり</ins>"
        "を支援する。あわせて清掃活動の参加者を募集し、市民の美化意識の向上を図る。"
    )


def test_far_from_a_change_the_shared_text_is_shortened():
    before = "あ" * 70 + "いう" + "え" * 70
    after = "あ" * 70 + "いお" + "え" * 70
    assert highlight(before, after).merged == (
        "…" + "あ" * 29 + "い<del>う</del><ins>お</ins>" + "え" * 30 + "…"
    )


def test_short_values_are_not_long():
    assert not FieldDiff("text", "公表表記", "436MW (R2年度)", "446MW (R3年度)").is_long
    assert not FieldDiff("summary", "概要", "(空)", SUMMARY).is_long
