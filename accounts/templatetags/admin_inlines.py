"""``{% tabular_inline %}``: Django's tabular inline written out in Python (accounts/admin_inline_html.py),
or Django's own template when the engine's is not Django's or the page has what the module does not
reproduce."""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.safestring import mark_safe

from accounts.admin_inline_html import TABULAR, Unsupported, is_djangos, render_tabular

register = template.Library()


@cache
def _written(engine) -> bool:
    return is_djangos(engine)


@register.simple_tag(takes_context=True)
def tabular_inline(context):
    engine = context.template.engine
    if _written(engine):
        try:
            return mark_safe(render_tabular(context))  # escaped as the template does
        except (Unsupported, AttributeError, KeyError, TypeError):
            pass
    return engine.get_template(TABULAR).render(context)
