"""``{% app_list_written %}``: Django's admin/app_list.html written out in Python
(accounts/admin_app_list_html.py), or the template when the engine's is not Django's own or the
list has what the module does not reproduce."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from accounts.admin_app_list_html import APP_LIST, APP_LIST_SOURCE, render_app_list
from accounts.admin_fieldset_html import Unsupported
from accounts.templatetags.admin_inlines import next_template

register = template.Library()

_app_list_templates: dict = {}


@register.simple_tag(takes_context=True)
def app_list_written(context):
    found, djangos = next_template(context, APP_LIST, APP_LIST_SOURCE, _app_list_templates)
    if djangos:
        try:
            return mark_safe(render_app_list(context))  # escaped as the template does
        except (Unsupported, AttributeError, KeyError, TypeError):
            pass
    return found.render(context)
