"""個別プロジェクトの絞り込み (django-filter)。

管理画面の書き出し、コマンドライン (``export_plan``)、テストが同じ ``ProjectFilterSet`` を使い、
「何を選んだか」がどこでも同じ意味になるようにする。

- ``edition``: 版の年度 (西暦、例: 2024)。
- ``goal``: 政策目標。「下支え」(政策目標を下支えする取り組み) または I〜IV。掲載先の基本施策が
  その政策目標に属する事業 (複数施策に掲載された事業は、どれか一つが当たれば選ばれる)。
- ``measure``: 基本施策 (pk)。その施策に掲載された事業。
- ``bureau``: 所管局の名称 (例: 「産業経済局」、複数可)。共管の事業も含む。
- ``is_new``: この版の新規事業 (<新>) かどうか。
- ``q``: 名称・概要・KPI の文言の検索 (全角/半角を区別しない NFKC 検索、空白区切りは AND)。

掲載をたどる絞り込みは ``pk__in`` の副問い合わせで書き、同じ事業が行として重複しないようにする。
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from accounts.models import Bureau
from plan.eras import format_edition_title
from plan.models import Edition, Listing, Measure, PolicyGoal, Project, ProjectQuerySet

#: ``goal`` の値「下支え」は、番号のない「政策目標を下支えする取り組み」(PolicyGoal.code == "")。
FOUNDATION_GOAL = "下支え"

GOAL_CHOICES = [
    (FOUNDATION_GOAL, "政策目標を下支えする取り組み"),
    *((code, f"政策目標{code}") for code in ("I", "II", "III", "IV")),
]


def _goal_code(value: str) -> str:
    """「下支え」→ ""、「I」→ "I" (PolicyGoal.code の値)。"""
    return PolicyGoal.Code.FOUNDATION.value if value == FOUNDATION_GOAL else value


class ProjectFilterSet(django_filters.FilterSet):
    """書き出す個別プロジェクトの選択。どの条件も省略でき、指定した条件はすべて満たす (AND)。"""

    edition = django_filters.NumberFilter(field_name="edition__fiscal_year", label="版 (年度)")
    goal = django_filters.ChoiceFilter(
        choices=GOAL_CHOICES, method="filter_goal", label="政策目標", empty_label="すべて"
    )
    measure = django_filters.ModelChoiceFilter(
        queryset=Measure.objects.select_related("goal"),
        method="filter_measure",
        label="基本施策",
        empty_label="すべて",
    )
    bureau = django_filters.ModelMultipleChoiceFilter(
        queryset=Bureau.objects.all(),
        to_field_name="name",
        method="filter_bureau",
        label="所管局",
        help_text="複数選ぶと、どれかが所管する事業 (所属局が複数の担当者の「自局のみ」)。",
    )
    is_new = django_filters.BooleanFilter(
        field_name="is_new",
        label="新規 (<新>)",
        widget=forms.Select(choices=[("", "すべて"), ("true", "新規のみ"), ("false", "新規以外")]),
    )
    q = django_filters.CharFilter(method="filter_text", label="キーワード")

    class Meta:
        model = Project
        fields = ["edition", "goal", "measure", "bureau", "is_new", "q"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # 版は一覧から選ぶ (値は年度のまま: コマンドやリンクでも ?edition=2024 と書ける)。
        editions = (
            Edition.objects.order_by("-fiscal_year")
            .values_list("fiscal_year", flat=True)
            .distinct()
        )
        self.filters["edition"].extra["widget"] = forms.Select(
            choices=[("", "すべて"), *((year, format_edition_title(year)) for year in editions)]
        )

    @property
    def qs(self) -> QuerySet[Project]:
        """読めない条件 (例: 登録されていない所管局) があれば何も選ばない。

        django-filter は不正な値の条件を黙って外す (すべてを選ぶ) ので、書き出しが思わぬ全件にならない
        よう空にする。呼び出し側は ``is_valid()`` と ``errors`` で理由を示す。
        """
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs

    def filter_goal(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        listed = Listing.objects.filter(measure__goal__code=_goal_code(value))
        return queryset.filter(pk__in=listed.values("project"))

    def filter_measure(
        self, queryset: QuerySet[Project], name: str, value: Measure
    ) -> QuerySet[Project]:
        return queryset.filter(pk__in=Listing.objects.filter(measure=value).values("project"))

    def filter_bureau(
        self, queryset: ProjectQuerySet, name: str, value: QuerySet[Bureau]
    ) -> QuerySet[Project]:
        bureau_ids = [bureau.pk for bureau in value]
        # An empty choice arrives as an empty queryset (not one of django-filter's "empty" values).
        return queryset.for_bureaus(bureau_ids) if bureau_ids else queryset

    def filter_text(self, queryset: ProjectQuerySet, name: str, value: str) -> QuerySet[Project]:
        return queryset.search(value)
