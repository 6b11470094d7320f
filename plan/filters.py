"""Filtering 「個別プロジェクト」 (django-filter).

The admin's export, the command line (``export_plan``) and the tests use the same
``ProjectFilterSet``, so that what was chosen means the same everywhere.

- ``edition``: the edition's fiscal year (Gregorian, e.g. 2024).
- ``goal``: the 「政策目標」: 「下支え」 (「政策目標を下支えする取り組み」) or I–IV. Projects
  listed under a 「基本施策」 of that goal (a project listed under several is chosen if any
  matches).
- ``measure``: a 「基本施策」 (pk): the projects listed under it.
- ``bureau``: a 「所管局」's name (e.g. 「産業経済局」, several allowed); 「共管」 projects
  included.
- ``is_new``: whether the project is new in this edition (「<新>」).
- ``q``: search of names, summaries and KPI wording (NFKC, full-/half-width alike; terms
  separated by spaces are ANDed).

Filters through listings are ``pk__in`` subqueries, so that no project appears twice as a row.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from accounts.models import Bureau
from plan.eras import format_edition_title
from plan.models import Edition, Listing, Measure, PolicyGoal, Project, ProjectQuerySet

#: The ``goal`` value 「下支え」 is the unnumbered 「政策目標を下支えする取り組み」
#: (PolicyGoal.code == "").
FOUNDATION_GOAL = "下支え"

GOAL_CHOICES = [
    (FOUNDATION_GOAL, "政策目標を下支えする取り組み"),
    *((code, f"政策目標{code}") for code in ("I", "II", "III", "IV")),
]


def _goal_code(value: str) -> str:
    """「下支え」 → "", 「I」 → "I" (PolicyGoal.code's value)."""
    return PolicyGoal.Code.FOUNDATION.value if value == FOUNDATION_GOAL else value


class ProjectFilterSet(django_filters.FilterSet):
    """The choice of 「個別プロジェクト」 to export. Every condition is optional; all given ones
    must hold (AND)."""

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
        # The edition is chosen from a list (its value is the fiscal year, so commands and
        # links can say ?edition=2024).
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
        """Choose nothing when a condition cannot be read (e.g. an unregistered 「所管局」).

        django-filter silently drops a condition with an invalid value (choosing everything);
        so that an export does not unexpectedly become everything, the result is empty. Callers
        show the reason with ``is_valid()`` and ``errors``.
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
