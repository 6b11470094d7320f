"""The admin's widgets read what a page needs once: a related widget's URLs are reversed once (and
are what ``reverse`` gives, whatever the script prefix), and an autocomplete select's label comes
from the record its row already holds, read only when the row shows another record or the field
may not choose any record."""

import pytest
from django import forms
from django.contrib import admin
from django.templatetags.static import static
from django.test import override_settings
from django.urls import clear_url_caches, reverse, set_script_prefix

from accounts.admin_widgets import (
    CachedUrlsRelatedFieldWidgetWrapper,
    SharedLabelsAutocompleteSelect,
    reverse_once,
    share_autocomplete_labels,
    static_once,
)
from plan.models import Listing, Measure, Project
from tests.admin_forms import client_as
from tests.factories import ListingFactory, MeasureFactory

NAMES = [
    ("admin:plan_measure_change", ("__fk__",)),
    ("admin:plan_measure_add", ()),
    ("admin:kpis_kpi_delete", ("__fk__",)),
    ("admin:autocomplete", ()),
]


@pytest.mark.parametrize(("name", "args"), NAMES)
def test_a_url_reversed_once_is_reverses(name, args):
    assert reverse_once(name, current_app="admin", args=args) == reverse(
        name, current_app="admin", args=args
    )
    try:
        set_script_prefix("/kankyo/")
        prefixed = reverse_once(name, current_app="admin", args=args)
        assert prefixed == reverse(name, current_app="admin", args=args)
        assert prefixed.startswith("/kankyo/admin/")
    finally:
        set_script_prefix("/")
    clear_url_caches()
    assert reverse_once(name, current_app="admin", args=args).startswith("/admin/")


def test_the_change_forms_wrappers_reverse_their_urls_once(world):
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    response = client_as(world.coordinator).get(
        reverse("admin:plan_project_change", args=[project.pk])
    )
    wrappers = [
        field.widget
        for formset in response.context["inline_admin_formsets"]
        for form in formset.formset.forms
        for field in form.fields.values()
        if isinstance(field.widget, admin.widgets.RelatedFieldWidgetWrapper)
    ]
    assert len(wrappers) == 10  # a bureau, six listings (measures), three KPIs
    assert all(type(widget) is CachedUrlsRelatedFieldWidgetWrapper for widget in wrappers)
    assert 'href="/admin/plan/measure/add/?_to_field=id&amp;_popup=1"' in (
        response.content.decode()
    )


def _listing_form(queryset):
    widget = SharedLabelsAutocompleteSelect(Listing._meta.get_field("measure"), admin.site)

    class ListingForm(forms.ModelForm):
        measure = forms.ModelChoiceField(queryset=queryset, widget=widget)

        class Meta:
            model = Listing
            fields = ("measure", "number")

    return ListingForm


@pytest.mark.django_db
def test_a_label_comes_from_the_record_the_row_holds(django_assert_num_queries):
    listing = Listing.objects.select_related("measure__goal").get(pk=ListingFactory().pk)
    other = MeasureFactory(goal=listing.measure.goal, title="ほかの施策")
    form = _listing_form(Measure.objects.all())(instance=listing)
    with django_assert_num_queries(0):
        share_autocomplete_labels([form])
    measure = listing.measure
    assert form.fields["measure"].widget.labels == {str(measure.pk): (measure.pk, str(measure))}

    shown_other = _listing_form(Measure.objects.all())(
        instance=listing, initial={"measure": other.pk}
    )
    with django_assert_num_queries(1):
        share_autocomplete_labels([shown_other])
    assert shown_other.fields["measure"].widget.labels == {str(other.pk): (other.pk, str(other))}


@pytest.mark.django_db
def test_a_field_that_may_not_choose_every_record_reads_its_labels(django_assert_num_queries):
    listing = Listing.objects.select_related("measure__goal").get(pk=ListingFactory().pk)
    form = _listing_form(Measure.objects.exclude(pk=listing.measure_id))(instance=listing)
    with django_assert_num_queries(1):
        share_autocomplete_labels([form])
    assert form.fields["measure"].widget.labels == {}  # as Django's select: not a choice


def test_a_static_url_found_once_is_statics():
    """Kept per static files storage: a changed STATIC_URL (a new storage) gives its own URL."""
    icon = "admin/img/icon-changelink.svg"
    assert static_once(icon) == static(icon) == "/static/admin/img/icon-changelink.svg"
    assert static_once(icon) == "/static/admin/img/icon-changelink.svg"  # kept
    with override_settings(STATIC_URL="/assets/"):
        assert static_once(icon) == static(icon) == "/assets/admin/img/icon-changelink.svg"
        assert static_once("a b.svg") == "/assets/a%20b.svg"
    assert static_once(icon) == "/static/admin/img/icon-changelink.svg"
