"""``{% planned_result_list cl %}``: Django's ``{% result_list cl %}`` (the same context, the same
``change_list_results.html``, overridable per model and app), with the rows from a ``RowPlan``
where one applies (accounts/admin_rows.py) and from Django's ``results(cl)`` otherwise."""

from pathlib import Path

import django.contrib.admin
from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import select_template

from accounts.admin_rows import RowPlan

DJANGO_RESULTS_TEMPLATE = (
    Path(django.contrib.admin.__file__).parent / "templates" / "admin" / "change_list_results.html"
)

register = template.Library()

_RESULTS_TEMPLATE = "change_list_results.html"
_django_template: dict[str, bool] = {}


def _django_results_template(opts) -> bool:
    """Whether the model's list renders its rows with Django's own results template (no template
    of the app or model overrides it), which writes a row's items one after the other. Asked once
    per model (templates do not change while the process runs)."""
    label = opts.label_lower
    if label not in _django_template:
        names = [
            f"admin/{opts.app_label}/{opts.model_name}/{_RESULTS_TEMPLATE}",
            f"admin/{opts.app_label}/{_RESULTS_TEMPLATE}",
            f"admin/{_RESULTS_TEMPLATE}",
        ]
        found = select_template(names).origin.name
        _django_template[label] = Path(found) == DJANGO_RESULTS_TEMPLATE
    return _django_template[label]


@receiver(setting_changed)
def _templates_changed(*, setting, **kwargs) -> None:
    if setting in ("TEMPLATES", "INSTALLED_APPS"):
        _django_template.clear()


def planned_result_list(cl) -> dict:
    """``admin_list.result_list(cl)`` with the rows rendered by the page's plan, each row's cells
    as one item (``RowPlan.joined_rows``: a results template that writes a row's items one after
    the other, as Django's does, writes the same HTML)."""
    plan = RowPlan.for_changelist(cl)
    if plan is None:
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": plan.joined_rows() if _django_results_template(cl.opts) else plan.rows(),
    }


@register.tag(name="planned_result_list")
def planned_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=planned_result_list,
        template_name=_RESULTS_TEMPLATE,
        takes_context=False,
    )
