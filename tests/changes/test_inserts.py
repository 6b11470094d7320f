"""The change engine's lean insert (plan.changes.inserts): the rows Django's bulk_create writes,
each instance given its key, in batches the database accepts; bulk_create itself where an
expression or a key set beforehand asks for Django's own compiler."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kpis.models import KpiActual
from plan.changes.inserts import insert_all
from plan.models import ChangeItem, ChangeRequest
from tests.factories import KpiFactory, UserFactory

pytestmark = pytest.mark.django_db


def actual_rows() -> list[tuple]:
    return list(
        KpiActual.objects.order_by("pk").values_list(
            "year",
            "text",
            "value",
            "unit",
            "qualifier",
            "fiscal_year",
            "fiscal_year_end",
            "period",
            "status",
            "note",
        )
    )


def test_new_records_are_written_as_bulk_create_writes_them_and_receive_their_keys():
    kpi = KpiFactory()
    actuals = [
        KpiActual(
            kpi=kpi, year=2023, text="約25ha", value=Decimal("25"), unit="ha", qualifier="約"
        ),
        KpiActual(kpi=kpi, year=2024, text="前年度並み", note="森林課調べ\n二行目"),
        KpiActual(
            kpi=kpi,
            year=2025,
            text="3社 (R6～R7年度累計)",
            value=Decimal("3"),
            unit="社",
            fiscal_year=2024,
            fiscal_year_end=2025,
            period="cumulative",
            status="final",
        ),
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_all(KpiActual, actuals, "default")
    assert len(queries) == 1
    assert [actual.pk for actual in actuals] == list(
        KpiActual.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert [(actual._state.adding, actual._state.db) for actual in actuals] == [
        (False, "default")
    ] * 3
    assert actual_rows() == [
        (2023, "約25ha", Decimal("25.0000"), "ha", "約", None, None, "", "preliminary", ""),
        (2024, "前年度並み", None, "", "", None, None, "", "preliminary", "森林課調べ\n二行目"),
        (
            2025,
            "3社 (R6～R7年度累計)",
            Decimal("3.0000"),
            "社",
            "",
            2024,
            2025,
            "cumulative",
            "final",
            "",
        ),
    ]


def new_request() -> ChangeRequest:
    return ChangeRequest.objects.create(
        submitted_by=UserFactory(), title="t", reason="r", submitted_at=timezone.now()
    )


def test_json_values_and_a_foreign_key_given_as_a_record_are_written_as_django_writes_them():
    request = new_request()
    items = [
        ChangeItem(
            change_request=request,
            position=position,
            model_label="kpis.kpiactual",
            key=f"n{position}",
            operation="create",
            object_repr="新しい実績値",
            proposed={"text": "12件", "value": "12", "nested": [1, {"a": None}]},
        )
        for position in (1, 2)
    ]
    insert_all(ChangeItem, items, "default")
    assert list(
        ChangeItem.objects.order_by("pk").values_list(
            "pk", "change_request_id", "position", "key", "object_pk", "base", "proposed"
        )
    ) == [
        (
            item.pk,
            request.pk,
            position,
            f"n{position}",
            None,
            {},
            {"text": "12件", "value": "12", "nested": [1, {"a": None}]},
        )
        for item, position in zip(items, (1, 2), strict=True)
    ]


def test_many_rows_go_in_batches_the_database_accepts_and_every_row_gets_its_key():
    request = new_request()
    items = [
        ChangeItem(
            change_request=request,
            position=position,
            model_label="kpis.kpiactual",
            key=f"n{position}",
            operation="create",
            object_repr=f"実績値 {position}",
        )
        for position in range(1, 1201)
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_all(ChangeItem, items, "default")
    # SQLite: 999 variables a statement, 9 columns: 111 rows; PostgreSQL: one UNNEST statement.
    assert len(queries) == (11 if connection.vendor == "sqlite" else 1)
    stored = dict(ChangeItem.objects.values_list("pk", "position"))
    assert [stored[item.pk] for item in items] == list(range(1, 1201))


def test_an_expression_is_left_to_bulk_create():
    kpi = KpiFactory()
    actual = KpiActual(kpi=kpi, year=2024, text=Upper(Value("abc")))
    insert_all(KpiActual, [actual], "default")
    assert KpiActual.objects.get(pk=actual.pk).text == "ABC"


def test_a_key_set_beforehand_is_left_to_bulk_create():
    kpi = KpiFactory()
    actual = KpiActual(pk=4321, kpi=kpi, year=2024, text="12件")
    insert_all(KpiActual, [actual], "default")
    assert list(KpiActual.objects.values_list("pk", "text")) == [(4321, "12件")]
