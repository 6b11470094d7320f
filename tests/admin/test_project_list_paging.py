"""The project list's page: a search's keys read once (``KeysFirstPaginator`` with ``rows``) and the
rows' listings and bureaus read as values (``read_list_cells``), the same as before."""

import pytest
from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.urls import reverse

from accounts.models import Role
from plan.admin.base import KeysFirstPaginator
from plan.admin.projects import bureau_names, listing_cells, read_list_cells
from plan.models import Listing, Project, ProjectBureau
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client):
    client.force_login(UserFactory(role=Role.COORDINATOR))
    return client


def test_keys_read_once_page_as_django_pages(edition_2024):
    """Every page of a search sorted by name, descending: the same projects in the same order as
    Django's own paginator, the same count and number of pages."""
    matching = Project.objects.search("事業").order_by("-name", "-pk")
    assert matching.count() == 77
    django_pages = Paginator(matching, 7)
    ours = KeysFirstPaginator(matching, 7, rows=Project.objects.all())
    assert (ours.count, ours.num_pages) == (77, 11)
    for number in ours.page_range:
        expected = [project.pk for project in django_pages.page(number)]
        assert [project.pk for project in ours.page(number)] == expected


def test_a_search_over_several_pages_lists_its_rows_in_order(
    coordinator_client, edition_2024, monkeypatch
):
    monkeypatch.setattr(admin.site._registry[Project], "list_per_page", 25)
    url = reverse("admin:plan_project_changelist")
    response = coordinator_client.get(url, {"q": "事業", "o": "-5", "p": "2"})
    changelist = response.context["cl"]
    expected = list(
        Project.objects.search("事業").order_by("-name", "-pk").values_list("code", flat=True)
    )
    assert changelist.result_count == 77
    assert [project.code for project in changelist.result_list] == expected[25:50]
    assert "結果 77 (" in response.content.decode()


def test_the_rows_cells_read_as_values_are_the_prefetched_ones(edition_2024):
    prefetched = Project.objects.prefetch_related(
        Prefetch("listings", queryset=Listing.objects.select_related("measure__goal")),
        Prefetch("bureau_links", queryset=ProjectBureau.objects.select_related("bureau")),
    ).order_by("code")
    read = list(Project.objects.order_by("code"))
    read_list_cells(read)
    assert len(read) == 90
    for project, same in zip(prefetched, read, strict=True):
        assert listing_cells(same) == listing_cells(project)
        assert bureau_names(same) == bureau_names(project)
    cross_listed = next(
        project for project in read if project.name == "アジア・グリーン共創ハブ推進事業"
    )
    assert [cells.goal for cells in listing_cells(cross_listed)] == ["下支え", *["IV"] * 5]
