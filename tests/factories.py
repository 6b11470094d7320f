"""factory_boy factories for the plan, its KPIs and users."""

import factory

from accounts.models import Bureau, Role, User
from kpis.models import Kpi, KpiValue, ProjectKpi
from plan.models import Edition, Listing, Measure, Plan, PolicyGoal, Project, ProjectBureau


class BureauFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bureau
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"テスト局{n}")
    display_order = factory.Sequence(lambda n: n)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.BUREAU_STAFF
    is_staff = True
    password = factory.django.Password("pass-Word-12345")

    @factory.post_generation
    def bureaus(self, create, extracted, **kwargs):
        if create and extracted:
            self.bureaus.set(extracted)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("name",)

    name = "北九州市環境基本計画"
    start_fiscal_year = 2024
    end_fiscal_year = 2030


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition
        django_get_or_create = ("plan", "fiscal_year")

    plan = factory.SubFactory(PlanFactory)
    fiscal_year = 2024


class PolicyGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyGoal

    edition = factory.SubFactory(EditionFactory)
    code = "I"
    title = "脱炭素(カーボンニュートラル)社会の実現"
    display_order = 1


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    goal = factory.SubFactory(PolicyGoalFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"基本施策{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    edition = factory.SubFactory(EditionFactory)
    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"テスト事業{n}")
    summary = "概要"

    @factory.post_generation
    def bureaus(self, create, extracted, **kwargs):
        if create and extracted:
            for position, bureau in enumerate(extracted, start=1):
                ProjectBureau.objects.create(project=self, bureau=bureau, position=position)


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    measure = factory.SubFactory(MeasureFactory)
    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: n + 1)


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kpi

    edition = factory.SubFactory(EditionFactory)
    code = factory.Sequence(lambda n: f"TK{n:04d}")
    indicator = factory.Sequence(lambda n: f"指標{n}")


class KpiValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KpiValue

    kpi = factory.SubFactory(KpiFactory)
    kind = "target"
    text = "100% (R12年度)"


class ProjectKpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectKpi

    project = factory.SubFactory(ProjectFactory)
    kpi = factory.SubFactory(KpiFactory)
    position = factory.Sequence(lambda n: n + 1)
