"""Django admin's fieldset (``admin/includes/fieldset.html``) written out in Python, giving the
same HTML.

Every change form renders its fieldsets through this include, and a stacked inline one per row
(the KPI form: five), each with several tags, lookups and filters per field. The project's
``templates/admin/includes/fieldset.html`` calls ``{% fieldset_written %}``, which writes the
fieldset with ``render_fieldset``; it renders the template the include would otherwise load (the
next one of that name: Django's, unless an app overrides it) whenever:

- that template's text is not exactly Django 5.2's (``FIELDSET_SOURCE``), checked once; or
- something in the fieldset is not of a kind whose output this module reproduces
  (``Unsupported``).

tests/admin/test_fieldset_html.py compares both on the admin's change forms.
"""

from __future__ import annotations

import html

from django.contrib.admin.helpers import AdminField, AdminReadonlyField
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

FIELDSET = "admin/includes/fieldset.html"

#: Django 5.2's text of admin/includes/fieldset.html.
FIELDSET_SOURCE = (
    '<fieldset class="module aligned {{ fieldset.classes }}"{% if fieldset.name %} aria-labelledby="{{ prefix }}-{{ id_prefix}}-{{ id_suffix }}-heading"{% endif %}>\n'
    "    {% if fieldset.name %}\n"
    "        {% if fieldset.is_collapsible %}<details><summary>{% endif %}\n"
    '        <h{{ heading_level|default:2 }} id="{{ prefix }}-{{ id_prefix}}-{{ id_suffix }}-heading" class="fieldset-heading">{{ fieldset.name }}</h{{ heading_level|default:2 }}>\n'
    "        {% if fieldset.is_collapsible %}</summary>{% endif %}\n"
    "    {% endif %}\n"
    "    {% if fieldset.description %}\n"
    '        <div class="description">{{ fieldset.description|safe }}</div>\n'
    "    {% endif %}\n"
    "    {% for line in fieldset %}\n"
    '        <div class="form-row{% if line.fields|length == 1 and line.errors %} errors{% endif %}{% if not line.has_visible_field %} hidden{% endif %}{% for field in line %}{% if field.field.name %} field-{{ field.field.name }}{% endif %}{% endfor %}">\n'
    '            {% if line.fields|length == 1 %}{{ line.errors }}{% else %}<div class="flex-container form-multiline">{% endif %}\n'
    "            {% for field in line %}\n"
    "                <div>\n"
    "                    {% if not line.fields|length == 1 and not field.is_readonly %}{{ field.errors }}{% endif %}\n"
    '                        <div class="flex-container{% if not line.fields|length == 1 %} fieldBox{% if field.field.name %} field-{{ field.field.name }}{% endif %}{% if not field.is_readonly and field.errors %} errors{% endif %}{% if field.field.is_hidden %} hidden{% endif %}{% endif %}{% if field.is_checkbox %} checkbox-row{% endif %}">\n'
    "                            {% if field.is_checkbox %}\n"
    "                                {{ field.field }}{{ field.label_tag }}\n"
    "                            {% else %}\n"
    "                                {{ field.label_tag }}\n"
    "                                {% if field.is_readonly %}\n"
    '                                    <div class="readonly">{{ field.contents }}</div>\n'
    "                                {% else %}\n"
    "                                    {{ field.field }}\n"
    "                                {% endif %}\n"
    "                            {% endif %}\n"
    "                        </div>\n"
    "                    {% if field.field.help_text %}\n"
    '                        <div class="help{% if field.field.is_hidden %} hidden{% endif %}"{% if field.field.id_for_label %} id="{{ field.field.id_for_label }}_helptext"{% endif %}>\n'
    "                            <div>{{ field.field.help_text|safe }}</div>\n"
    "                        </div>\n"
    "                    {% endif %}\n"
    "                </div>\n"
    "            {% endfor %}\n"
    "            {% if not line.fields|length == 1 %}</div>{% endif %}\n"
    "        </div>\n"
    "    {% endfor %}\n"
    "    {% if fieldset.name and fieldset.is_collapsible %}</details>{% endif %}\n"
    "</fieldset>\n"
)


class Unsupported(Exception):
    """Something whose template output these modules (this and ``admin_inline_html``) do not
    reproduce: render the template."""


def escaped(value) -> str:
    """``conditional_escape(value)``'s text. A plain text (``str`` itself, not ``SafeString``) is
    escaped as Django's ``escape`` escapes it (``html.escape``), without its lazy-text wrapper
    (``keep_lazy``) and the ``SafeString`` it returns: these modules escape some thousand texts a
    page, each through that wrapper at several times the cost of the escaping. What they write is
    marked safe whole."""
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(value)


def template_value(value) -> str:
    """``{{ value }}`` (localized, autoescaped)."""
    if type(value) is str:
        return html.escape(value)  # localize() returns a text as it is
    if callable(value):
        raise Unsupported  # a template would call it
    return conditional_escape(localize(value))


def _safe(value) -> str:
    """``{{ value|safe }}``."""
    if callable(value):
        raise Unsupported
    return value if isinstance(value, SafeData) else str(value)


def _of_field(field, name: str):
    """``field.field.<name>``: a bound field's attribute, or a read-only field's dict entry (a
    missing one is the template's empty text)."""
    inner = field.field
    value = inner.get(name, "") if isinstance(inner, dict) else getattr(inner, name, "")
    if callable(value):
        raise Unsupported
    return value


def _field(field, single: bool) -> str:
    if type(field) not in (AdminField, AdminReadonlyField):
        raise Unsupported
    readonly = field.is_readonly
    name = _of_field(field, "name")
    errors = "" if readonly else field.errors()
    classes = "flex-container"
    if not single:
        classes += " fieldBox"
        if name:
            classes += f" field-{template_value(name)}"
        if not readonly and errors:
            classes += " errors"
        if _of_field(field, "is_hidden"):
            classes += " hidden"
    if field.is_checkbox:
        classes += " checkbox-row"
        shown = (
            f"\n                                {template_value(field.field)}{template_value(field.label_tag())}"
            "\n                            "
        )
    else:
        if readonly:
            content = (
                "\n                                    "
                f'<div class="readonly">{template_value(field.contents())}</div>'
                "\n                                "
            )
        else:
            content = (
                f"\n                                    {template_value(field.field)}"
                "\n                                "
            )
        shown = (
            f"\n                                {template_value(field.label_tag())}"
            f"\n                                {content}\n                            "
        )
    help_text = _of_field(field, "help_text")
    help_block = ""
    if help_text:
        label_id = _of_field(field, "id_for_label")
        hidden = " hidden" if _of_field(field, "is_hidden") else ""
        id_attribute = f' id="{template_value(label_id)}_helptext"' if label_id else ""
        help_block = (
            f'\n                        <div class="help{hidden}"{id_attribute}>'
            f"\n                            <div>{_safe(help_text)}</div>"
            "\n                        </div>\n                    "
        )
    return (
        "\n                <div>\n                    "
        f"{template_value(errors) if not single and not readonly else ''}"
        f'\n                        <div class="{classes}">'
        f"\n                            {shown}\n                        </div>"
        f"\n                    {help_block}\n                </div>\n            "
    )


def _line(line) -> str:
    single = len(line.fields) == 1
    fields = list(line)
    classes = "form-row"
    line_errors = line.errors() if single else ""
    if single and line_errors:
        classes += " errors"
    if not line.has_visible_field:
        classes += " hidden"
    for field in fields:
        name = _of_field(field, "name")
        if name:
            classes += f" field-{template_value(name)}"
    opening = (
        template_value(line_errors) if single else '<div class="flex-container form-multiline">'
    )
    return (
        f'\n        <div class="{classes}">\n            {opening}\n            '
        + "".join(_field(field, single) for field in fields)
        + f"\n            {'' if single else '</div>'}\n        </div>\n    "
    )


def render_fieldset(context) -> str:
    """The output of Django's admin/includes/fieldset.html for the context's ``fieldset``,
    ``heading_level``, ``prefix``, ``id_prefix`` and ``id_suffix``."""
    fieldset = context["fieldset"]
    name = fieldset.name
    heading = ""
    if name:
        collapsible = fieldset.is_collapsible
        level = template_value(context.get("heading_level") or 2)
        heading_id = (
            f"{template_value(context.get('prefix', ''))}-{template_value(context.get('id_prefix', ''))}-"
            f"{template_value(context.get('id_suffix', ''))}-heading"
        )
        heading = (
            f"\n        {'<details><summary>' if collapsible else ''}"
            f'\n        <h{level} id="{heading_id}" class="fieldset-heading">{template_value(name)}'
            f"</h{level}>\n        {'</summary>' if collapsible else ''}\n    "
        )
        labelled = f' aria-labelledby="{heading_id}"'
    else:
        labelled = ""
    description = ""
    if fieldset.description:
        description = (
            f'\n        <div class="description">{_safe(fieldset.description)}</div>\n    '
        )
    lines = "".join(_line(line) for line in fieldset)
    closing = "</details>" if name and fieldset.is_collapsible else ""
    return (
        f'<fieldset class="module aligned {template_value(fieldset.classes)}"{labelled}>\n    {heading}'
        f"\n    {description}\n    {lines}\n    {closing}\n</fieldset>\n"
    )
