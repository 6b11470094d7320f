"""``{% app_list_written %}``: Django's admin/app_list.html written out in Python
(accounts/admin_app_list_html.py), or the template when the engine's is not Django's own or the
list has what the module does not reproduce."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from accounts.admin_app_list_html import APP_LIST, APP_LIST_SOURCE, Unsupported, render_app_list

register = template.Library()

_app_list_templates: dict = {}


def _next_app_list(context):
    """The app list template the include would load without the project's (which calls this
    tag), and whether its text is Django's own; found once per engine."""
    this = context.render_context.template
    key = (id(this.engine), this.origin.name)
    if key not in _app_list_templates:
        found, _origin = this.engine.find_template(APP_LIST, skip=[this.origin])
        _app_list_templates[key] = (found, found.source == APP_LIST_SOURCE)
    return _app_list_templates[key]


@register.simple_tag(takes_context=True)
def app_list_written(context):
    found, djangos = _next_app_list(context)
    if djangos:
        try:
            return mark_safe(render_app_list(context))  # escaped as the template does
        except (Unsupported, AttributeError, KeyError, TypeError):
            pass
    return found.render(context)
