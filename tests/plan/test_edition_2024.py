"""Facts of the published 2024 edition, checked in the database loaded from the fixture.

Expected values are read off the document by hand (fixtures/source/), never re-derived by the
builder's parser.
"""

import json
import re
import sys
from decimal import Decimal

import pytest

from accounts.models import Bureau
from kpis.models import Kpi, KpiValue
from plan.models import Listing, Measure, PolicyGoal, Project

pytestmark = pytest.mark.django_db


def listing_labels(project: Project) -> list[tuple[str, int, int]]:
    return [
        (listing.measure.goal.code, listing.measure.number, listing.number)
        for listing in project.listings.order_by("measure__goal__display_order", "measure__number")
    ]


def test_counts(edition_2024):
    assert PolicyGoal.objects.filter(edition=edition_2024).count() == 5
    assert Measure.objects.filter(goal__edition=edition_2024).count() == 22
    assert Listing.objects.filter(project__edition=edition_2024).count() == 97
    assert Project.objects.filter(edition=edition_2024).count() == 90
    assert Bureau.objects.count() == 11
    assert Kpi.objects.filter(edition=edition_2024).count() == 51


def test_edition_title(edition_2024):
    assert edition_2024.title == "令和6年(2024年)版"
    assert str(edition_2024) == "北九州市環境基本計画 令和6年(2024年)版"
    assert (edition_2024.plan.start_fiscal_year, edition_2024.plan.end_fiscal_year) == (2024, 2030)


def test_goals_in_published_order(edition_2024):
    goals = list(PolicyGoal.objects.filter(edition=edition_2024).values_list("code", "title"))
    assert goals == [
        ("", "政策目標を下支えする取り組み"),
        ("I", "脱炭素(カーボンニュートラル)社会の実現"),
        ("II", "循環経済(サーキュラーエコノミー)システムの構築"),
        ("III", "生物多様性の増進と環境保全の推進"),
        ("IV", "環境国際ビジネス拠点化の推進"),
    ]
    foundation = PolicyGoal.objects.get(edition=edition_2024, code="")
    assert foundation.tagline == "市民の力でまちの環境力を高める"


def test_measures_per_goal(edition_2024):
    counts = {
        goal.code: goal.measures.count() for goal in PolicyGoal.objects.filter(edition=edition_2024)
    }
    assert counts == {"": 4, "I": 4, "II": 4, "III": 5, "IV": 5}


def test_measure_descriptions_are_bullets_without_markup(edition_2024):
    measure = Measure.objects.get(goal__code="I", number=1)
    assert measure.title == "エネルギーの脱炭素化"
    assert len(measure.description_bullets) == 3
    assert measure.description_bullets[0] == (
        "本市のポテンシャルを踏まえた太陽光発電や洋上風力発電の最大導入による"
        "脱炭素電力の安定した供給体制の構築に取り組みます。"
    )
    assert Measure.objects.get(goal__code="II", number=1).description_bullets[2] == (
        "古紙などの資源化物のリサイクルを着実に実施します。"
    )
    for description in Measure.objects.values_list("description", flat=True):
        assert "<" not in description
        assert not description.startswith("・")


def test_listings_per_measure(edition_2024):
    counts = [
        (m.goal.code, m.number, m.listings.count())
        for m in Measure.objects.filter(goal__edition=edition_2024).select_related("goal")
    ]
    assert counts == [
        ("", 1, 13), ("", 2, 8), ("", 3, 1), ("", 4, 3),
        ("I", 1, 5), ("I", 2, 4), ("I", 3, 5), ("I", 4, 4),
        ("II", 1, 7), ("II", 2, 4), ("II", 3, 3), ("II", 4, 4),
        ("III", 1, 7), ("III", 2, 5), ("III", 3, 3), ("III", 4, 7), ("III", 5, 4),
        ("IV", 1, 2), ("IV", 2, 3), ("IV", 3, 1), ("IV", 4, 2), ("IV", 5, 2),
    ]  # fmt: skip


def test_asia_green_hub_is_one_project_listed_under_six_measures(edition_2024):
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    assert listing_labels(project) == [
        ("", 3, 1), ("IV", 1, 1), ("IV", 2, 1), ("IV", 3, 1), ("IV", 4, 1), ("IV", 5, 1),
    ]  # fmt: skip
    assert [b.name for b in project.bureaus.all()] == ["環境局"]
    assert [kpi.indicator for kpi in project.kpis.order_by("project_links__position")] == [
        "アジア地域における温室効果ガス排出削減量(累計)",
        "環境国際ビジネス参入企業数及び案件額(累計)",
        "環境改善・脱炭素化に向けた国内外からの研修員受入数(累計)",
    ]


def test_international_promotion_listed_under_three_measures(edition_2024):
    project = Project.objects.get(name="環境国際推進事業")
    assert listing_labels(project) == [("IV", 2, 3), ("IV", 4, 2), ("IV", 5, 2)]


def test_shared_ownership_keeps_published_bureau_order(edition_2024):
    project = Project.objects.get(name="公用車の共用化及び電動車普及の推進")
    names = [link.bureau.name for link in project.bureau_links.order_by("position")]
    assert names == ["環境局", "総務市民局", "財政・変革局"]
    housing = Project.objects.get(name="住宅・建築物の脱炭素化推進関連事業")
    assert [link.bureau.name for link in housing.bureau_links.order_by("position")] == [
        "都市戦略局",
        "都市整備局",
    ]


def test_all_eleven_bureaus_own_projects(edition_2024):
    owned = {b.name: b.project_links.count() for b in Bureau.objects.order_by("display_order")}
    assert owned == {
        "環境局": 59,
        "産業経済局": 9,
        "都市整備局": 8,
        "都市戦略局": 5,
        "港湾空港局": 4,
        "総務市民局": 2,
        "技術監理局": 2,
        "教育委員会": 1,
        "財政・変革局": 1,
        "都市ブランド創造局": 1,
        "上下水道局": 1,
    }


def test_renewable_energy_kpi_is_one_record_shared_by_seven_projects(edition_2024):
    kpi = Kpi.objects.get(indicator="市内再エネ導入量")
    assert sorted(kpi.projects.values_list("name", flat=True)) == sorted(
        [
            "中小企業の競争力を生み出す脱炭素化推進事業",
            "北九州市役所環境・エネルギープロジェクト推進事業",
            "エコタウンセンターリニューアル等リブランディング事業",
            "北九州市風力発電人材育成事業",
            "離島周辺海域における洋上風力発電基礎調査",
            "カーボンニュートラル支援プログラム",
            "市内事業者等への再エネ100%北九州モデル普及推進事業",
        ]
    )
    baseline = kpi.values.get(kind="baseline")
    target = kpi.values.get(kind="target")
    assert (baseline.text, baseline.value, baseline.unit, baseline.fiscal_year) == (
        "436MW (R2年度)",
        Decimal("436"),
        "MW",
        2020,
    )
    assert (target.text, target.qualifier, target.value, target.unit, target.fiscal_year) == (
        "最大1400MW (R12年度)",
        "最大",
        Decimal("1400"),
        "MW",
        2030,
    )
    assert target.fiscal_year_label == "令和12年度 (2030)"


def test_household_waste_kpi_shared_by_seven_projects(edition_2024):
    kpi = Kpi.objects.get(indicator="市民1人1日あたりの家庭ごみ量")
    assert kpi.projects.count() == 7
    target = kpi.values.get(kind="target")
    assert (target.text, target.value, target.unit, target.qualifier, target.fiscal_year) == (
        "420g以下 (R12年度)",
        Decimal("420"),
        "g",
        "以下",
        2030,
    )


def test_international_kpis_shared_including_the_copy_with_a_year_typo(edition_2024):
    """The copy under 「環境国際協力推進事業」 lost the era (「(12年度)」): corrected, it shares
    the same KPI."""
    kpi = Kpi.objects.get(indicator="環境国際ビジネス参入企業数及び案件額(累計)")
    assert sorted(kpi.projects.values_list("name", flat=True)) == [
        "アジア・グリーン共創ハブ推進事業",
        "環境国際協力推進事業",
        "環境国際推進事業",
    ]
    target = kpi.values.get(kind="target")
    assert target.text == "50社程度・約500億円 (R12年度)"
    # Two quantities in one cell: the structured value stays empty, the fiscal year is read.
    assert (target.value, target.unit, target.fiscal_year) == (None, "", 2030)
    assert not kpi.values.filter(kind="baseline", text__contains="12年度").exists()
    assert KpiValue.objects.filter(text__contains="(12年度)").count() == 0


def test_circular_economy_kpi_shared_across_goals(edition_2024):
    kpi = Kpi.objects.get(indicator="サーキュラーエコノミー関連市内投資額 ※複数事業による事業目標")
    assert kpi.projects.count() == 3
    baseline = kpi.values.get(kind="baseline")
    assert (baseline.value, baseline.unit, baseline.fiscal_year) == (Decimal("10"), "億円/年", 2022)


@pytest.mark.parametrize(
    ("project", "kind", "text", "value", "unit", "qualifier", "years", "period"),
    [
        ("水素拠点化推進事業", "baseline", "1,267万t (H25年度) ※算定基礎としている各種統計データの遡及修正、使用するデータの変更等により、変更される場合がある。", Decimal("1267"), "万t", "", (2013, None), "fiscal_year"),
        ("水素拠点化推進事業", "target", "H25年度比▲47%(R12年)", Decimal("47"), "%", "▲", (2030, None), "fiscal_year"),
        ("充電インフラ普及促進事業", "baseline", "197万t (2013年度) ※算定基礎としている各種統計データの遡及修正、使用するデータの変更等により、変更される場合がある。", Decimal("197"), "万t", "", (2013, None), "fiscal_year"),
        ("道路サポーター事業", "target", "270団体 (R11年度末)", Decimal("270"), "団体", "", (2029, None), "fiscal_year_end"),
        ("カーボンニュートラルを成長の機会と捉えたGX推進事業", "target", "30社 (R5～R12年度累計)", Decimal("30"), "社", "", (2023, 2030), "cumulative"),
        ("森林環境保全事業～森林環境譲与税事業～", "target", "10,000m3 (R4～R8年度)", Decimal("10000"), "m3", "", (2022, 2026), "range"),
        ("「北九州市の環境」の作成", "baseline", "18,000件 (R3,4の平均値)", Decimal("18000"), "件", "", (2021, 2022), "average"),
        ("「北九州市の環境」の作成", "target", "前年度並み (18,000件)", None, "", "", (None, None), ""),
        ("環境首都総合交通戦略推進事業", "baseline", "約3.4万人/日 (R1年度×0.9)", Decimal("3.4"), "万人/日", "約", (2019, None), "fiscal_year"),
        ("事業系ごみ対策強化事業", "target", "現状値から20%減 (R12年度)", Decimal("20"), "%", "▲", (2030, None), "fiscal_year"),
        ("北九州エコタウン事業", "target", "90%以上/年", Decimal("90"), "%/年", "以上", (None, None), ""),
        ("放置竹林対策事業～森林環境譲与税事業～", "target", "年間20ha", Decimal("20"), "ha/年", "", (None, None), ""),
        ("鳥獣被害対策事業", "baseline", "R5年度", None, "", "", (2023, None), "fiscal_year"),
        ("不法投棄防止事業", "target", "前年度実績値以下", None, "", "", (None, None), ""),
        ("民間建築物アスベスト等対策事業", "baseline", "安全対策率99.8% (R4年度)", Decimal("99.8"), "%", "", (2022, None), "fiscal_year"),
    ],
)  # fmt: skip
def test_value_samples(edition_2024, project, kind, text, value, unit, qualifier, years, period):
    kpi_value = KpiValue.objects.get(kpi__projects__name=project, kind=kind)
    assert kpi_value.text == text
    assert kpi_value.value == value
    assert kpi_value.unit == unit
    assert kpi_value.qualifier == qualifier
    assert (kpi_value.fiscal_year, kpi_value.fiscal_year_end) == years
    assert kpi_value.period == period


def test_numbered_cells_are_separate_kpis(edition_2024):
    project = Project.objects.get(name="インフラシステムの輸出による海外ビジネス展開")
    links = project.kpi_links.select_related("kpi").order_by("position")
    assert [(link.position, link.kpi.indicator) for link in links] == [
        (1, "海外技術者育成に係る研修員受入れ"),
        (2, "国際技術協力に係る職員派遣"),
        (3, "国際技術協力や企業の海外水ビジネス支援"),
    ]
    assert [link.kpi.value_text("target") for link in links] == [
        "700人 (R6-R12年度累計)",
        "154人 (R6-R12年度累計)",
        "42件 (R6-R12年度累計)",
    ]


def test_projects_without_kpi(edition_2024):
    # 21 rows of the document have 「-」 (or 「—」) in every KPI column; none is cross-listed.
    assert Project.objects.filter(kpi_links__isnull=True).count() == 21
    assert not Project.objects.get(name="ほたるのふるさとづくり").kpis.exists()


def test_new_in_edition_flag(edition_2024):
    assert list(Project.objects.filter(is_new=True).values_list("name", flat=True)) == [
        "BIM活用推進事業"
    ]
    assert str(Project.objects.get(name="BIM活用推進事業")) == "<新>BIM活用推進事業"


def test_layout_noise_is_cleaned(edition_2024):
    assert Project.objects.filter(name="民間建築物アスベスト等対策事業").exists()
    assert Project.objects.filter(name="公共施設予防保全マネジメント推進事業").exists()
    network = Project.objects.get(name="環境産業ネットワーク形成事業")
    # The row continued on the next page; its summary is whole, with the extraction typo fixed.
    assert "「エコアクション21」の普及に向けた支援を行う。" in network.summary
    assert network.summary.endswith("と共同開催する。")
    hydrogen = Kpi.objects.get(projects__name="水素拠点化推進事業")
    assert hydrogen.indicator == "産業部門(※)のCO₂排出量の削減 ※工業プロセス部門を含む"
    html_tag = re.compile(r"</?(p|ul|li)\b")
    for text in [
        *Project.objects.values_list("name", "summary"),
        *Kpi.objects.values_list("indicator"),
    ]:
        for value in text:
            assert not html_tag.search(value), value
            assert "  " not in value, value
    assert not KpiValue.objects.filter(text__in=["-", "—", "ー", "－"]).exists()


def test_paragraphs_of_a_summary_are_lines(edition_2024):
    project = Project.objects.get(name="公用車の共用化及び電動車普及の推進")
    assert project.summary.splitlines() == [
        "市内の運輸部門及び市役所の脱炭素化を推進するため、市職員の使用する公用車について、電動車(EV、PHV、FCV)を率先導入する。",
        "併せて、導入した電動車を部署間で共有する取組を進め、効率的な脱炭素化を推進する。",
    ]


def test_fixture_is_reproducible_from_the_source():
    """Rebuilding from fixtures/source/ gives the committed fixture byte for byte."""
    from django.conf import settings

    sys.path.insert(0, str(settings.BASE_DIR / "fixtures"))
    try:
        import build_edition_2024
    finally:
        sys.path.pop(0)
    fixture, _summary = build_edition_2024.build(
        build_edition_2024.read_source(build_edition_2024.SOURCE)
    )
    committed = (settings.BASE_DIR / "fixtures" / "edition-2024.json").read_text(encoding="utf-8")
    assert build_edition_2024.render(fixture) == committed
    assert json.loads(committed)[0] == {
        "model": "accounts.bureau",
        "pk": 1,
        "fields": {"name": "環境局", "display_order": 1},
    }
