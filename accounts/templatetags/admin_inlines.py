"""``{% tabular_inline %}``, ``{% stacked_inline %}`` and ``{% fieldset_written %}``: Django's
tabular and stacked inlines and fieldset written out in Python (accounts/admin_inline_html.py,
accounts/admin_stacked_html.py, accounts/admin_fieldset_html.py), or the template when the
engine's is not Django's own or the page has what the modules do not reproduce."""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.safestring import mark_safe

from accounts.admin_fieldset_html import FIELDSET, FIELDSET_SOURCE, render_fieldset
from accounts.admin_inline_html import TABULAR, Unsupported, is_djangos, render_tabular
from accounts.admin_stacked_html import STACKED, render_stacked
from accounts.admin_stacked_html import is_djangos as is_djangos_stacked

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


@cache
def _written_stacked(engine) -> bool:
    return is_djangos_stacked(engine)


@register.simple_tag(takes_context=True)
def stacked_inline(context):
    engine = context.template.engine
    if _written_stacked(engine):
        try:
            return mark_safe(render_stacked(context))  # escaped as the template does
        except (Unsupported, AttributeError, KeyError, TypeError):
            pass
    return engine.get_template(STACKED).render(context)


_fieldset_templates: dict = {}


def next_template(context, name: str, source: str, found: dict):
    """The template ``name`` that the include would load without the project's (which calls
    this tag), and whether its text is ``source``, Django's own; found once per engine and
    calling template, kept in ``found``."""
    this = context.render_context.template
    key = (this.engine, this.origin.name)
    if key not in found:
        template, _origin = this.engine.find_template(name, skip=[this.origin])
        found[key] = (template, template.source == source)
    return found[key]


def written_or_template(context, name: str, source: str, found: dict, render) -> str:
    """``render(context)``, the HTML Django's template ``name`` writes, written in Python, when the
    engine's template is Django's own (``source``; see ``next_template``) and the module reproduces
    what the context holds; else that template rendered."""
    template_found, djangos = next_template(context, name, source, found)
    if djangos:
        try:
            return mark_safe(render(context))  # escaped as the template does
        except (Unsupported, AttributeError, KeyError, TypeError):
            pass
    return template_found.render(context)


@register.simple_tag(takes_context=True)
def fieldset_written(context):
    return written_or_template(
        context, FIELDSET, FIELDSET_SOURCE, _fieldset_templates, render_fieldset
    )
