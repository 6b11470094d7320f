"""「版の比較」: literal expected differences, on the small edition and on the 2024 edition revised."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.changes import ProposedChange, change_propose
from plan.changes.diff import FieldDiff
from plan.editions.compare import (
    Count,
    KpiChange,
    ListingChange,
    ProjectChange,
    ProjectRow,
    edition_compare,
)
from plan.editions.compare_workbook import comparison_workbook
from plan.editions.lifecycle import edition_create_next
from plan.models import Listing, Project, ProjectBureau
from tests.editions.revision import revise_2025
from tests.editions.small import build_small_edition, mark_published

pytestmark = pytest.mark.django_db


def test_the_revision_of_2025_shows_exactly_its_three_changes(
    edition_2024, world, django_assert_max_num_queries
):
    mark_published(edition_2024)
    new = edition_create_next(edition=edition_2024, acting_user=world.coordinator)
    revise_2025(new, world.coordinator)
    with django_assert_max_num_queries(18):
        comparison = edition_compare(edition_2024, new)
    assert comparison.added == [
        ProjectRow(
            "P091", "海洋プラスチック削減推進事業", "産業経済局", "下支え", "下支え-(1) No 14"
        )
    ]
    assert comparison.ended == [
        ProjectRow("P002", "海岸漂着物処理推進事業", "産業経済局", "下支え", "下支え-(1) No 2")
    ]
    assert comparison.changed == []
    assert comparison.listings == []
    assert comparison.kpis == [
        KpiChange(
            "K003",
            "サポーター登録団体数",
            True,
            [FieldDiff("target", "目標値", "270団体 (R11年度末)", "280団体 (R11年度末)")],
        )
    ]
    assert comparison.by_bureau == [Count("産業経済局", added=1, ended=1, changed=0)]
    assert comparison.by_goal == [Count("下支え", added=1, ended=1, changed=0)]
    # The added project is 「<新>」 (no predecessor); the copies are not.
    assert list(
        Project.objects.filter(edition=new, is_new=True).values_list("code", flat=True)
    ) == ["P091"]

    workbook = load_workbook(io.BytesIO(comparison_workbook(comparison)))
    assert workbook.sheetnames == ["概要", "追加", "終了", "変更", "掲載", "KPI"]
    rows = lambda name: [list(r) for r in workbook[name].iter_rows(values_only=True)]  # noqa: E731
    assert rows("追加")[1] == [
        "P091",
        "海洋プラスチック削減推進事業",
        "産業経済局",
        "下支え",
        "下支え-(1) No 14",
    ]
    assert rows("終了")[1:] == [
        ["P002", "海岸漂着物処理推進事業", "産業経済局", "下支え", "下支え-(1) No 2"]
    ]
    assert rows("変更") == [["事業コード", "事業/取組名", "所管局", "項目", "前の版", "この版"]]
    assert rows("KPI")[1:] == [
        ["K003", "サポーター登録団体数", "目標値", "270団体 (R11年度末)", "280団体 (R11年度末)"]
    ]
    assert rows("概要")[2] == ["追加", 1, "終了", 1, "変更", 0]


def test_field_differences_and_listing_moves():
    small = build_small_edition()
    mark_published(small.edition)
    new = edition_create_next(edition=small.edition, acting_user=small.coordinator)
    project = Project.objects.get(edition=new, code="P001")
    other = Project.objects.get(edition=new, code="P002")
    kpi = Kpi.objects.get(edition=new, code="K001")
    change_propose(
        acting_user=small.coordinator,
        edition=new,
        changes=[
            ProposedChange.update(project, {"name": "太陽光発電の普及", "summary": "屋根に載せる"}),
            ProposedChange.delete(ProjectBureau.objects.get(project=other)),
            ProposedChange.create(
                ProjectBureau,
                {"project_id": other.pk, "bureau_id": small.sangyo.pk, "position": 1},
                "b",
            ),
            ProposedChange.update(Listing.objects.get(project=other), {"number": 3}),
            ProposedChange.create(
                ProjectKpi, {"project_id": other.pk, "kpi_id": kpi.pk, "position": 1}, "k"
            ),
            ProposedChange.update(
                KpiValue.objects.get(kpi=kpi, kind="baseline"),
                {"text": "440MW (R2年度)", "value": "440"},
            ),
        ],
        reason="改訂",
        title="改訂",
    )
    comparison = edition_compare(small.edition, new)
    assert (comparison.added, comparison.ended) == ([], [])
    assert comparison.changed == [
        ProjectChange(
            "P001",
            "太陽光発電の普及",
            "産業経済局 環境局",
            "I",
            [
                FieldDiff("name", "事業/取組名", "太陽光発電の導入", "太陽光発電の普及"),
                FieldDiff("summary", "概要", "概要", "屋根に載せる"),
            ],
        ),
        ProjectChange(
            "P002",
            "省エネ診断",
            "産業経済局",
            "I",
            [
                FieldDiff("bureaus", "所管局", "環境局", "産業経済局"),
                FieldDiff("kpis", "KPI", "(空)", "K001 市内再エネ導入量"),
            ],
        ),
    ]
    assert comparison.listings == [
        ListingChange("P002", "省エネ診断", "番号の変更", "I-(1) No 2", "I-(1) No 3")
    ]
    assert comparison.kpis == [
        KpiChange(
            "K001",
            "市内再エネ導入量",
            False,
            [FieldDiff("baseline", "基準値 (年度)", "436MW (R2年度)", "440MW (R2年度)")],
        )
    ]
    assert comparison.targets_revised == []
    assert comparison.by_bureau == [
        Count("環境局", added=0, ended=0, changed=1),
        Count("産業経済局", added=0, ended=0, changed=2),
    ]
