"""Whole numbers from query strings and forms: anything but plain ASCII digits is ignored."""

import pytest
from django.urls import reverse

from plan.params import whole_number
from tests.admin_forms import client_as


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("0", 0),
        ("9" * 18, 999_999_999_999_999_999),
        ("9" * 19, None),  # past a 64-bit column
        ("²", None),  # str.isdigit() says yes, int() refuses
        ("１２", None),  # full-width digits
        ("-1", None),
        ("1e3", None),
        (" 1", None),
        ("", None),
        (None, None),
        (7, 7),
    ],
)
def test_whole_number(value, expected):
    assert whole_number(value) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["year=²", "year=2024&group=bureau&key=²", "year=2024&group=goal&key=" + "9" * 30],
)
def test_the_dashboard_ignores_digits_int_refuses(world, query):
    """Before, 「²」 passed ``isdigit`` and ``int`` failed: a 500."""
    response = client_as(world.viewer).get(f"{reverse('admin:kpis_achievement')}?{query}")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/evaluation/evaluationsheet/²/change/",
        "/admin/evaluation/evaluationround/²/change/",
    ],
)
def test_an_object_id_that_is_no_number_is_refused_not_a_500(world, url):
    assert client_as(world.coordinator).get(url).status_code in (403, 404)
