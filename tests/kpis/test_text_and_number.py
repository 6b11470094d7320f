"""公表表記 and 数値 agree: a typed number, unit or qualifier that contradicts the text is refused,
in the KPI form (and in the import: tests/workbook/test_workbook_read.py), with both named."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kpis.models import KpiValue
from kpis.value_text import disagreement
from plan.models import ChangeRequest
from tests.admin_forms import client_as, read_form
from tests.world import build_plan_world


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier", "expected"),
    [
        ("40社", Decimal(40), "社", "", None),
        ("最大1400MW (R12年度)", Decimal("1400.0000"), "MW", "最大", None),
        ("前年度並み (18,000件)", Decimal(1), "件", "", None),  # not one quantity: not checked
        ("40社", None, "", "", None),  # no number typed: nothing to contradict
        (
            "40社",
            Decimal(30),
            "社",
            "",
            "公表表記「40社」と数値「30」(表記では 40)が一致しません。"
            "公表表記と数値のどちらかを直してください。",
        ),
        (
            "最大1400MW (R12年度)",
            Decimal(1400),
            "kW",
            "",
            "公表表記「最大1400MW (R12年度)」と単位「kW」(表記では MW)・修飾語「なし」(表記では 最大)"
            "が一致しません。公表表記と数値のどちらかを直してください。",
        ),
    ],
)
def test_disagreement(text, value, unit, qualifier, expected):
    assert disagreement(text, value, unit, qualifier) == expected


@pytest.mark.django_db
def test_the_kpi_form_refuses_a_text_that_contradicts_the_number():
    world = build_plan_world()
    target = KpiValue.objects.get(kpi=world.kpi, kind="target")
    target.value, target.unit, target.qualifier = Decimal(1400), "MW", "最大"
    target.fiscal_year, target.period = 2030, "fiscal_year"
    target.save()
    client = client_as(world.staff)
    url = reverse("admin:kpis_kpi_change", args=[world.kpi.pk])
    data = read_form(client.get(url).content.decode(), "kpi_form")
    data.update({"values-0-text": "最大1500MW (R12年度)", "change_reason": "目標の見直し"})

    response = client.post(url, data)

    assert response.status_code == 200
    assert (
        "公表表記「最大1500MW (R12年度)」と数値「1400」(表記では 1500)が一致しません。"
        in response.content.decode()
    )
    assert not ChangeRequest.objects.exists()
    data["values-0-value"] = "1500"
    assert client.post(url, data).status_code == 302
    assert ChangeRequest.objects.get().items.get().proposed == {
        "text": "最大1500MW (R12年度)",
        "value": "1500",
    }


@pytest.mark.django_db
def test_the_review_shows_the_number_beside_a_changed_text():
    from plan import changes
    from plan.changes import ProposedChange
    from plan.changes.diff import describe_items

    world = build_plan_world()
    target = KpiValue.objects.get(kpi=world.kpi, kind="target")
    change_request = changes.change_request_submit(
        acting_user=world.staff,
        edition=world.kpi.edition,
        changes=[ProposedChange.update(target, {"text": "最大1400MW (R12年度末)"})],
        reason="表記の訂正",
        title="KPI",
        kpi=world.kpi,
    )
    (diff,) = describe_items(change_request.items.select_related("change_request"))
    assert [(row.label, row.before, row.after) for row in diff.fields] == [
        ("公表表記", "最大1400MW (R12年度)", "最大1400MW (R12年度末)"),
        ("数値", "(空)", "(空)"),
    ]
