"""The KPI list's rows read their values' texts and projects' names as values
(``kpis.admin.read_list_cells``), the same as the prefetched relations gave them."""

import pytest
from django.db.models import Prefetch

from kpis.admin import project_names, read_list_cells, value_text
from kpis.models import Kpi, ProjectKpi

pytestmark = pytest.mark.django_db


def test_the_rows_cells_read_as_values_are_the_prefetched_ones(edition_2024):
    prefetched = Kpi.objects.prefetch_related(
        "values", Prefetch("project_links", queryset=ProjectKpi.objects.select_related("project"))
    ).order_by("code")
    read = list(Kpi.objects.order_by("code"))
    read_list_cells(read)
    assert len(read) == 51
    for kpi, same in zip(prefetched, read, strict=True):
        for kind in ("baseline", "target"):
            assert value_text(same, kind) == kpi.value_text(kind)
        assert project_names(same) == [link.project.name for link in kpi.project_links.all()]
    shared = max(read, key=lambda kpi: len(project_names(kpi)))
    assert (shared.code, len(project_names(shared))) == ("K007", 7)
    assert project_names(shared)[0] == "中小企業の競争力を生み出す脱炭素化推進事業"
