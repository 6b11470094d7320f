"""Search: width, case, spaces and kana (hiragana/katakana) do not matter; codes are found."""

import pytest

from kpis.models import Kpi
from plan.models import Project
from plan.search import search_key, search_terms, search_text_of
from tests.factories import KpiFactory, ProjectFactory, ProjectKpiFactory


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("リサイクル", "りさいくる"),
        ("りさいくる", "りさいくる"),
        ("ｺﾞﾐ", "ごみ"),  # half-width katakana: NFKC, then folded
        ("ゴミステーション", "ごみすてーしょん"),  # 「ー」 stays
        ("ヴィ", "ゔぃ"),
        ("ヶ所", "ゖ所"),
        ("ＣＯ２ 削減", "co2削減"),
        ("P022", "p022"),
        ("漢字", "漢字"),
        ("", ""),
    ],
)
def test_search_key(text, key):
    assert search_key(text) == key


def test_search_text_of_keeps_parts_apart():
    assert search_text_of("P022", "リサイクル推進", "ゴミ 減量") == "p022\nりさいくる推進\nごみ減量"


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("りさいくる", ["りさいくる"]),
        ("リサイクル　ゴミ", ["りさいくる", "ごみ"]),  # a full-width space separates terms
        ("ｐ０２２", ["p022"]),
        ("ゴミ ごみ", ["ごみ"]),  # the same term once
    ],
)
def test_search_terms(query, terms):
    assert search_terms(query) == terms


@pytest.fixture
def projects(db):
    recycling = ProjectFactory(code="P022", name="家庭ごみのリサイクル推進事業")
    trash = ProjectFactory(code="P030", name="ゴミステーション散乱防止支援事業")
    other = ProjectFactory(code="P100", name="水素拠点化推進事業")
    ProjectKpiFactory(project=other, kpi=KpiFactory(code="K045", indicator="水素供給量"))
    return {"recycling": recycling, "trash": trash, "other": other}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("りさいくる", ["recycling"]),
        ("リサイクル", ["recycling"]),
        ("ﾘｻｲｸﾙ", ["recycling"]),
        ("ゴミ", ["recycling", "trash"]),
        ("ごみ", ["recycling", "trash"]),
        ("P022", ["recycling"]),
        ("p022", ["recycling"]),
        ("Ｐ０２２", ["recycling"]),
        ("K045", ["other"]),  # the project of the KPI with that code
        ("ごみ りさいくる", ["recycling"]),
        ("P022 水素", []),
        ("2家", []),  # a term does not run from the code into the name
    ],
)
def test_project_search(projects, query, found):
    result = Project.objects.search(query).order_by("code")
    assert list(result) == [projects[name] for name in found]


@pytest.mark.parametrize(
    ("query", "codes"),
    [("K045", ["K045"]), ("すいそ", []), ("水素", ["K045"]), ("ｋ０４５", ["K045"])],
)
def test_kpi_search(projects, query, codes):
    assert list(Kpi.objects.search(query).values_list("code", flat=True)) == codes
