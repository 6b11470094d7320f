"""Database constraints and single-row rules."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kpis.models import KpiValue
from plan.models import Listing, Project
from tests.factories import (
    EditionFactory,
    KpiFactory,
    KpiValueFactory,
    ListingFactory,
    MeasureFactory,
    PlanFactory,
    ProjectFactory,
    ProjectKpiFactory,
)

pytestmark = pytest.mark.django_db


def assert_refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_listing_number_is_unique_within_a_measure():
    listing = ListingFactory(number=1)
    other_project = ProjectFactory(edition=listing.project.edition)
    assert_refused(
        lambda: Listing.objects.create(measure=listing.measure, project=other_project, number=1)
    )
    # The same No under another measure is fine: the No belongs to the listing.
    Listing.objects.create(
        measure=MeasureFactory(goal=listing.measure.goal), project=other_project, number=1
    )


def test_a_project_is_listed_once_per_measure():
    listing = ListingFactory(number=1)
    assert_refused(
        lambda: Listing.objects.create(measure=listing.measure, project=listing.project, number=2)
    )


def test_listing_number_starts_at_one():
    listing = ListingFactory.build(measure=MeasureFactory(), project=ProjectFactory(), number=0)
    assert_refused(listing.save)


def test_project_code_and_name_are_unique_within_an_edition():
    project = ProjectFactory(code="P001", name="事業A")
    assert_refused(lambda: ProjectFactory(edition=project.edition, code="P001", name="事業B"))
    assert_refused(lambda: ProjectFactory(edition=project.edition, code="P002", name="事業A"))
    next_edition = EditionFactory(plan=project.edition.plan, fiscal_year=2025)
    ProjectFactory(edition=next_edition, code="P001", name="事業A")


def test_edition_year_is_unique_per_plan():
    edition = EditionFactory(fiscal_year=2024)
    assert_refused(lambda: type(edition).objects.create(plan=edition.plan, fiscal_year=2024))


def test_plan_period_must_be_ordered():
    assert_refused(
        lambda: PlanFactory(name="逆順の計画", start_fiscal_year=2030, end_fiscal_year=2024)
    )


def test_listing_refuses_a_measure_of_another_edition():
    project = ProjectFactory()
    other_edition = EditionFactory(plan=project.edition.plan, fiscal_year=2025)
    measure = MeasureFactory(goal__edition=other_edition)
    with pytest.raises(ValidationError, match="同じ版"):
        Listing(measure=measure, project=project, number=1).clean()


def test_kpi_has_one_baseline_and_one_target():
    value = KpiValueFactory(kind="baseline", text="436MW (R2年度)")
    assert_refused(lambda: KpiValueFactory(kpi=value.kpi, kind="baseline", text="1MW"))
    KpiValueFactory(kpi=value.kpi, kind="target", text="最大1400MW (R12年度)")


@pytest.mark.parametrize(
    "fields",
    [
        {"unit": "MW"},  # a unit without a value
        {"fiscal_year": 2024},  # a year without saying what it means
        {"fiscal_year": 2024, "period": "cumulative"},  # a range without its end
        {"fiscal_year": 2030, "fiscal_year_end": 2024, "period": "range"},  # a range backwards
        {"period": "fiscal_year"},  # a meaning without a year
        {"qualifier": "多め", "value": 1},  # not a known qualifier
    ],
)
def test_kpi_value_constraints_refuse_inconsistent_rows(fields):
    kpi = KpiFactory()
    assert_refused(lambda: KpiValue.objects.create(kpi=kpi, kind="target", text="x", **fields))


def test_kpi_value_clean_explains_in_japanese():
    value = KpiValue(kind="target", text="x", unit="MW", fiscal_year=2024, period="cumulative")
    with pytest.raises(ValidationError) as error:
        value.clean()
    assert error.value.message_dict == {
        "value": ["単位や修飾語を入れるときは数値も入れてください。"],
        "fiscal_year_end": ["期間には終了年度を入れてください。"],
    }


def test_kpi_value_fiscal_year_label():
    assert KpiValue(
        fiscal_year=2024, fiscal_year_end=2030, period="cumulative"
    ).fiscal_year_label == ("令和6年度 (2024)〜令和12年度 (2030) 累計")
    assert (
        KpiValue(fiscal_year=2023, period="fiscal_year_end").fiscal_year_label
        == "令和5年度 (2023)末"
    )
    assert KpiValue().fiscal_year_label == ""


def test_search_text_follows_code_name_and_summary():
    project = ProjectFactory(code="P901", name="ＢＩＭ活用推進事業", summary="ＣＯ２削減")
    assert project.search_text == "p901\nbim活用推進事業\nco2削減"
    project.summary = "ZEB化"
    project.save(update_fields=["summary"])
    project.refresh_from_db()
    assert project.search_text == "p901\nbim活用推進事業\nzeb化"


def test_project_search_is_width_insensitive_and_covers_kpis():
    project = ProjectFactory(name="BIM活用推進事業")
    kpi_project = ProjectFactory(name="充電インフラ普及促進事業")
    ProjectKpiFactory(project=kpi_project, kpi=KpiFactory(indicator="運輸部門のCO₂排出量の削減"))
    assert list(Project.objects.search("ｂｉｍ")) == [project]
    assert list(Project.objects.search("co2 運輸")) == [kpi_project]
    assert list(Project.objects.search("CO2 BIM")) == []
