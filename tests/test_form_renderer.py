"""The form renderer writes out Django's widget templates in Python (config/form_renderer.py): the
HTML must be Django's, character for character, for every widget and value, and the admin's pages
must be the same whichever renderer draws them."""

import re
from decimal import Decimal

import pytest
from django import forms
from django.contrib.admin.widgets import AdminIntegerFieldWidget, AdminTextareaWidget
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from config import form_renderer
from config.form_renderer import FastWidgetRenderer
from kpis.models import Kpi
from plan.models import Project
from tests.admin_forms import client_as

DJANGO = "django.forms.renderers.DjangoTemplates"
FAST = "config.form_renderer.FastWidgetRenderer"

CHOICES = [
    ("", "---------"),
    (1, "一"),
    ("2", 'a "quoted" & <tagged> label'),
    ("group", [(3, "三"), (4, gettext_lazy("Yes"))]),
    (5, mark_safe("<b>safe</b>")),
]

#: (widget, value, attrs): every kind of widget and value the admin's forms render.
WIDGETS = [
    (forms.TextInput(), "", None),
    (forms.TextInput(), None, None),
    (forms.TextInput(attrs={"size": 8, "required": True, "disabled": False}), 'a "b" & <c>', None),
    (forms.TextInput(), mark_safe("<i>safe</i>"), {"id": "id_x", "maxlength": 200}),
    (forms.NumberInput(attrs={"size": 12}), Decimal("1400.50"), {"id": "id_n", "step": "any"}),
    (forms.NumberInput(), 0, {"min": 0, "max": None}),
    (AdminIntegerFieldWidget(), 7, {"id": "id_i"}),
    (forms.HiddenInput(), 22, {"id": "id_listings-0-id"}),
    (forms.HiddenInput(), None, None),
    (forms.HiddenInput(), ("a", "b"), None),
    (forms.EmailInput(), "a@example.jp", None),
    (forms.URLInput(), "https://example.jp/?a=1&b=2", None),
    (forms.PasswordInput(render_value=True), "secret", None),
    (forms.DateInput(), "2024-04-01", None),
    (forms.CheckboxInput(), True, {"id": "id_c"}),
    (forms.CheckboxInput(), False, None),
    (forms.CheckboxInput(), "on", None),
    (forms.Textarea(), "", None),
    (forms.Textarea(attrs={"rows": 2, "cols": 80}), "一行目\n二行目 <&> \"'", {"id": "id_t"}),
    (AdminTextareaWidget(), mark_safe("<p>safe</p>"), None),
    (forms.Select(choices=CHOICES), 1, {"id": "id_s"}),
    (forms.Select(choices=CHOICES), "", None),
    (forms.Select(choices=CHOICES), 4, None),
    (forms.Select(choices=[(1, 1), (2, 2)]), 2, None),  # whole-number labels: the template's
    (forms.SelectMultiple(choices=CHOICES), [1, 3], None),
    (forms.NullBooleanSelect(), None, None),
    (forms.Select(choices=[]), None, None),
    (forms.RadioSelect(choices=CHOICES), 1, None),  # not written out: the template
]


@pytest.mark.parametrize(("widget", "value", "attrs"), WIDGETS)
def test_widgets_render_as_djangos_templates(widget, value, attrs):
    django_html = widget.render("field", value, attrs, renderer=DjangoTemplates())
    assert widget.render("field", value, attrs, renderer=FastWidgetRenderer()) == django_html


class ProjectForm(forms.Form):
    name = forms.CharField(label="事業名 <&>", max_length=10)
    number = forms.IntegerField(label=gettext_lazy("Number"), required=False)
    note = forms.CharField(widget=forms.HiddenInput, required=False)


@pytest.mark.parametrize(
    "data", [None, {"name": "", "number": "x"}, {"name": "ok", "number": "3", "note": "n"}]
)
@pytest.mark.parametrize("renderer_name", ["as_div", "as_p", "as_table", "labels_and_errors"])
def test_forms_labels_and_errors_render_as_djangos(data, renderer_name):
    def rendered(renderer):
        form = ProjectForm(data, renderer=renderer)
        if renderer_name != "labels_and_errors":
            return getattr(form, renderer_name)()
        return (
            "".join(
                f"{field.label_tag()}{field.label_tag(attrs={'class': 'required'})}"
                f"{field.legend_tag()}{field.errors}{field.errors.as_ul()}"
                for field in form
            )
            + str(form.non_field_errors())
            + str(ErrorList(["誤り <1>"]))
        )

    assert rendered(FastWidgetRenderer()) == rendered(DjangoTemplates())


def test_the_written_templates_are_djangos_own():
    """Each written-out template (and what it includes) is the text the engine loads: a change in
    Django's templates shows here, and the renderer would hand them back to the engine."""
    renderer = FastWidgetRenderer()
    assert [name for name in form_renderer.WRITTEN if renderer.written(name) is None] == []


def test_a_template_not_djangos_own_is_rendered_by_the_engine(monkeypatch):
    monkeypatch.setitem(form_renderer.SOURCES, "django/forms/widgets/attrs.html", "(changed)")
    renderer = FastWidgetRenderer()
    assert renderer.written("django/forms/widgets/text.html") is None
    assert renderer.written("django/forms/widgets/select.html") is None
    assert renderer.written("django/forms/label.html") is not None  # django/forms/attrs.html
    widget = forms.TextInput(attrs={"size": 3})
    assert (
        widget.render("a", "b", renderer=renderer)
        == '<input type="text" name="a" value="b" size="3">'
    )


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())


@pytest.mark.django_db
def test_the_admins_forms_are_the_same_with_either_renderer(world, settings):
    """The cross-listed project (six listings, three KPIs), a shared KPI (values, sharing projects)
    and an actual's add form, as a coordinator and as the staff of the project's bureau."""
    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    kpi = Kpi.objects.get(indicator="市内再エネ導入量", code__isnull=False)
    own = Project.objects.filter(bureaus__name="産業経済局").order_by("code").first()
    urls = [
        reverse("admin:plan_project_change", args=[project.pk]),
        reverse("admin:plan_project_change", args=[own.pk]),
        reverse("admin:kpis_kpi_change", args=[kpi.pk]),
        reverse("admin:kpis_kpiactual_add"),
        reverse("admin:plan_project_add"),
    ]
    pages = {}
    for renderer in (DJANGO, FAST):
        settings.FORM_RENDERER = renderer
        for user in (world.coordinator, world.sangyo):
            client = client_as(user)
            pages[renderer, user.username] = [_page(client, url) for url in urls]
    for user in (world.coordinator, world.sangyo):
        assert pages[FAST, user.username] == pages[DJANGO, user.username]
    assert pages[FAST, "coordinator"][0].count('class="admin-autocomplete"') == 13


@pytest.mark.django_db
def test_inline_media_read_once_per_kind_of_row_is_djangos(world):
    """Each inline formset's media (read from one row of each kind) is what Django's reading of
    every row gives, for the project's three inlines and the KPI's two, in both roles."""
    from django.contrib.admin import helpers

    project = Project.objects.get(name="アジア・グリーン共創ハブ推進事業")
    kpi = Kpi.objects.get(indicator="市内再エネ導入量", code__isnull=False)
    own = Project.objects.filter(bureaus__name="産業経済局").order_by("code").first()
    compared = 0
    for user in (world.coordinator, world.sangyo):
        client = client_as(user)
        for url in (
            reverse("admin:plan_project_change", args=[project.pk]),
            reverse("admin:plan_project_change", args=[own.pk]),
            reverse("admin:kpis_kpi_change", args=[kpi.pk]),
        ):
            response = client.get(url)
            for formset in response.context.get("inline_admin_formsets") or []:
                assert str(formset.media) == str(helpers.InlineAdminFormSet.media.fget(formset))
                compared += 1
    assert compared >= 8


def _wrapper(flags: int, *, hidden: bool = False, limited=None):
    from django.contrib import admin
    from django.contrib.admin.widgets import RelatedFieldWidgetWrapper

    from plan.models import Listing

    rel = Listing._meta.get_field("measure").remote_field
    inner = forms.HiddenInput() if hidden else forms.Select(choices=CHOICES)
    wrapper = RelatedFieldWidgetWrapper(inner, rel, admin.site)
    wrapper.can_change_related = bool(flags & 1)
    wrapper.can_add_related = bool(flags & 2)
    wrapper.can_delete_related = bool(flags & 4)
    wrapper.can_view_related = bool(flags & 8)
    if limited is not None:
        wrapper.rel = type("Rel", (), {"model": rel.model, "limit_choices_to": limited})()
        wrapper.rel.get_related_field = rel.get_related_field
    return wrapper


@pytest.mark.parametrize("flags", range(16))
@pytest.mark.parametrize("hidden", [False, True])
def test_related_widget_wrappers_render_as_djangos_template(flags, hidden):
    """Each combination of the change, add, delete and view links, around a select and a hidden
    input, with a name that needs escaping."""
    wrapper = _wrapper(flags, hidden=hidden)
    name = 'listings-0-measure"<&>'
    django_html = wrapper.render(name, 1, {"id": "id_m"}, renderer=DjangoTemplates())
    assert wrapper.render(name, 1, {"id": "id_m"}, renderer=FastWidgetRenderer()) == django_html
    assert ("view-related" in django_html) is bool(flags & 8 and not hidden)


@pytest.mark.parametrize("limited", [{"code": "1"}, {}, lambda: {"code": "1"}])
def test_a_related_widget_wrapper_with_limited_choices_renders_as_djangos(limited):
    wrapper = _wrapper(15, limited=limited)
    django_html = wrapper.render("measure", 1, None, renderer=DjangoTemplates())
    assert wrapper.render("measure", 1, None, renderer=FastWidgetRenderer()) == django_html


class HiddenForm(forms.Form):
    key = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(widget=forms.HiddenInput, required=False, show_hidden_initial=True)


@pytest.mark.parametrize(
    "data", [None, {"key": "3", "note": 'a "b" <c>', "initial-note": "x"}, {"key": "x"}]
)
def test_a_form_of_hidden_fields_renders_as_djangos(data):
    """A formset's management form (and any form of hidden fields only) is written out; with
    errors, the template."""

    def rendered(renderer):
        formset = forms.formset_factory(ProjectForm, extra=2, renderer=renderer)()
        form = HiddenForm(data, initial={"key": 7, "note": "<n>"}, renderer=renderer)
        return f"{formset.management_form}|{form}|{form.as_div()}"

    assert rendered(FastWidgetRenderer()) == rendered(DjangoTemplates())
    if data is None:
        assert (
            FastWidgetRenderer().written("django/forms/div.html")
            is form_renderer.render_hidden_form
        )
