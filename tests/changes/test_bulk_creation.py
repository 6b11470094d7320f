"""New records inserted at once by the change engine (plan.changes.bulk): which models may be,
the records and history rows written when creations of several models refer to one another, and
all or nothing when one of them cannot be written."""

import pytest
from django.apps import apps
from django.db.models.signals import post_save

from kpis.models import Kpi, KpiActual, KpiValue, ProjectKpi
from plan.changes import ChangeConflict, ProposedChange, Ref, change_direct_apply
from plan.changes.bulk import bulk_creatable
from plan.models import ChangeRequest
from tests.world import PlanWorld, build_plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PlanWorld:
    return build_plan_world()


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("plan.plan", True),
        ("plan.edition", True),
        ("plan.policygoal", True),
        ("plan.measure", True),
        ("plan.project", False),  # its save derives search_text and the 「<新>」 mark
        ("plan.projectbureau", True),
        ("plan.listing", True),
        ("kpis.kpi", False),  # its save derives search_text
        ("kpis.kpivalue", True),
        ("kpis.projectkpi", True),
        ("kpis.kpiactual", True),
    ],
)
def test_which_models_are_inserted_at_once(label, expected):
    assert bulk_creatable(apps.get_model(label)) is expected


def test_a_model_with_a_post_save_receiver_of_its_own_is_saved_one_by_one():
    def receiver(sender, instance, **kwargs):
        pass

    post_save.connect(receiver, sender=KpiActual)
    try:
        assert bulk_creatable(KpiActual) is False
    finally:
        post_save.disconnect(receiver, sender=KpiActual)
    assert bulk_creatable(KpiActual) is True


def new_kpi_changes(world: PlanWorld, actuals: list[dict]) -> list[ProposedChange]:
    """A new KPI (saved one by one) with its two values, its link to the project and ``actuals``
    (inserted at once), all referring to the new KPI."""
    return [
        ProposedChange.create(
            Kpi,
            {"edition_id": world.project.edition_id, "code": "K900", "indicator": "新指標"},
            "kpi",
        ),
        ProposedChange.create(
            KpiValue, {"kpi_id": Ref("kpi"), "kind": "baseline", "text": "10件"}, "baseline"
        ),
        ProposedChange.create(
            KpiValue, {"kpi_id": Ref("kpi"), "kind": "target", "text": "20件"}, "target"
        ),
        ProposedChange.create(
            ProjectKpi,
            {"project_id": world.project.pk, "kpi_id": Ref("kpi"), "position": 99},
            "link",
        ),
        *[
            ProposedChange.create(KpiActual, {"kpi_id": Ref("kpi"), **values}, f"actual{index}")
            for index, values in enumerate(actuals)
        ],
    ]


def apply(world: PlanWorld, changes: list[ProposedChange]):
    return change_direct_apply(
        acting_user=world.coordinator,
        edition=world.project.edition,
        changes=changes,
        reason="新しい KPI",
        title="KPI の追加",
    )


def test_without_django_s_private_list_of_receivers_every_model_is_saved_one_by_one(
    monkeypatch,
):
    """``bulk_creatable`` reads ``post_save._live_receivers``, which is not Django's public API:
    should it change, approvals still work, one record at a time."""

    def gone(sender):
        raise AttributeError("_live_receivers")

    monkeypatch.setattr(post_save, "_live_receivers", gone)
    assert bulk_creatable(KpiActual) is False


def test_creations_referring_to_one_another_are_written_with_their_history(world):
    request, created = apply(
        world,
        new_kpi_changes(world, [{"year": 2024, "text": "12件"}, {"year": 2025, "text": "15件"}]),
    )
    kpi = Kpi.objects.get(code="K900")
    assert created == {
        "kpi": kpi.pk,
        "baseline": KpiValue.objects.get(kpi=kpi, kind="baseline").pk,
        "target": KpiValue.objects.get(kpi=kpi, kind="target").pk,
        "link": ProjectKpi.objects.get(kpi=kpi).pk,
        "actual0": KpiActual.objects.get(kpi=kpi, year=2024).pk,
        "actual1": KpiActual.objects.get(kpi=kpi, year=2025).pk,
    }
    assert [(value.kind, value.text, value.value, value.unit) for value in kpi.values.all()] == [
        ("baseline", "10件", None, ""),
        ("target", "20件", None, ""),
    ]
    assert list(ProjectKpi.objects.filter(kpi=kpi).values_list("project", "position")) == [
        (world.project.pk, 99)
    ]
    assert list(kpi.actuals.values_list("year", "text")) == [(2024, "12件"), (2025, "15件")]
    for model, count in ((Kpi, 1), (KpiValue, 2), (ProjectKpi, 1), (KpiActual, 2)):
        rows = model.history.filter(change_request=request)
        assert list(
            rows.values_list(
                "history_type",
                "history_user",
                "history_change_reason",
                "proposed_by",
                "approved_by",
            )
            .order_by()
            .distinct()
        ) == [("+", world.coordinator.pk, "新しい KPI", world.coordinator.pk, world.coordinator.pk)]
        assert rows.count() == count
    assert sorted(
        KpiActual.history.filter(change_request=request).values_list("id", flat=True)
    ) == sorted([created["actual0"], created["actual1"]])


@pytest.mark.parametrize(
    ("actuals", "message"),
    [
        (
            [{"year": 2024, "text": "12件"}, {"year": 2025, "text": "15件", "status": "未定"}],
            "反映できません: '未定' は有効な選択肢ではありません。",
        ),
        (
            [{"year": 2024, "text": "12件"}, {"year": 2024, "text": "13件"}],
            "反映できません: 番号や名称が他のレコードと重複するなど、データの制約に反します。",
        ),
        (
            [{"year": 2024, "text": "12件"}, {"year": 2025, "text": ""}],
            "反映できません: このフィールドは空ではいけません。",
        ),
    ],
)
def test_one_creation_that_cannot_be_written_leaves_everything_unwritten(world, actuals, message):
    histories = KpiActual.history.count()
    with pytest.raises(ChangeConflict) as refused:
        apply(world, new_kpi_changes(world, actuals))
    assert refused.value.messages == [message]
    assert not Kpi.objects.filter(code="K900").exists()
    assert (KpiValue.objects.filter(kpi__code="K900").count(), KpiActual.objects.count()) == (0, 0)
    assert KpiActual.history.count() == histories
    assert not ChangeRequest.objects.exists()


def _row_state(row) -> tuple[dict, dict]:
    values = {name: value for name, value in vars(row).items() if name != "_state"}
    return values, {**vars(row._state), "fields_cache": dict(row._state.fields_cache)}


@pytest.mark.parametrize("with_user", [False, True])
def test_a_history_row_built_positionally_is_the_one_simple_history_builds(world, with_user):
    from decimal import Decimal

    from django.utils import timezone

    from plan.changes.bulk import _history_of, _positional_builder

    _, history = _history_of(KpiActual)
    historical_model = KpiActual.history.model
    fields = history.fields_included(KpiActual)
    build = _positional_builder(historical_model, fields)
    actual = KpiActual(id=5, kpi=world.kpi, year=2024, text="12件", value=Decimal("12"), unit="件")
    now, user = timezone.now(), world.coordinator if with_user else None
    attributes = {field.attname: getattr(actual, field.attname) for field in fields}
    by_keywords = historical_model(
        history_date=now,
        history_type="+",
        history_user=user,
        history_change_reason="理由",
        **attributes,
    )
    assert build is not None
    built = build(actual, now, user, "理由")
    assert _row_state(built) == _row_state(by_keywords)
    assert (built.history_type, built.history_change_reason, built.year, built.kpi_id) == (
        "+",
        "理由",
        2024,
        world.kpi.pk,
    )


def test_a_history_row_is_built_with_keywords_when_a_pre_init_receiver_would_see_them():
    from django.db.models.signals import pre_init

    from plan.changes.bulk import _history_of, _positional_builder

    def receiver(sender, args, kwargs, **extra):
        pass

    historical_model = KpiActual.history.model
    _, history = _history_of(KpiActual)
    pre_init.connect(receiver, sender=historical_model)
    try:
        assert _positional_builder(historical_model, history.fields_included(KpiActual)) is None
    finally:
        pre_init.disconnect(receiver, sender=historical_model)
    assert _positional_builder(historical_model, history.fields_included(KpiActual)) is not None
