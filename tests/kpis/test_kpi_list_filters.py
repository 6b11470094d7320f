"""The KPI list's bureau filter filters by subquery: each KPI once, no DISTINCT over the rows."""

import pytest
from django.urls import reverse

from accounts.models import Bureau
from tests.admin_forms import client_as

pytestmark = pytest.mark.django_db

URL = reverse("admin:kpis_kpi_changelist")


def listed(client, **query) -> list[str]:
    response = client.get(URL, {"all": "", **query})
    assert response.status_code == 200
    return [kpi.code for kpi in response.context["cl"].result_list]


def test_the_bureau_filter_lists_each_kpi_of_the_bureau_once(world):
    sangyo = Bureau.objects.get(name="産業経済局")
    client = client_as(world.coordinator)
    codes = listed(client, project_links__project__bureaus__id__exact=sangyo.pk)
    assert codes == ["K002", "K019", "K035", "K038", "K039", "K040"]
    response = client.get(URL, {"project_links__project__bureaus__id__exact": sangyo.pk})
    assert response.context["cl"].queryset.query.distinct is False
