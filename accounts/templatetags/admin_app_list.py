"""``{% app_list_written %}``: Django's admin/app_list.html written out in Python
(accounts/admin_app_list_html.py), or the template when the engine's is not Django's own or the
list has what the module does not reproduce."""

from __future__ import annotations

from django import template

from accounts.admin_app_list_html import APP_LIST, APP_LIST_SOURCE, render_app_list
from accounts.templatetags.admin_inlines import written_or_template

register = template.Library()

_app_list_templates: dict = {}


@register.simple_tag(takes_context=True)
def app_list_written(context):
    return written_or_template(
        context, APP_LIST, APP_LIST_SOURCE, _app_list_templates, render_app_list
    )
