"""Django admin's stacked inline (``admin/edit_inline/stacked.html``) written out in Python,
giving the same HTML.

The KPI form shows its baseline and target (and the empty form) as a stacked inline: Django's
template loops over every row with several tags, lookups and filters, and includes the fieldset
template for each row's fieldset. ``KpiValueInline`` uses ``admin/edit_inline/stacked_written.html``,
whose tag calls ``render_stacked``: the rows are written here, each fieldset still rendered by the
include's template (``admin/includes/fieldset.html``, itself written out by
``accounts.admin_fieldset_html``). It renders Django's template instead whenever:

- the template the engine loads for ``admin/edit_inline/stacked.html`` is not exactly Django 5.2's
  text (``STACKED_SOURCE``), checked once per engine; or
- something on the page is not of a kind whose output this module reproduces (``Unsupported``).

tests/admin/test_stacked_inline_html.py compares both on the admin's stacked inlines.
"""

from __future__ import annotations

from django.contrib.admin.templatetags.admin_urls import admin_urlname, admin_urlquote
from django.template.defaultfilters import capfirst
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from accounts.admin_fieldset_html import FIELDSET, template_value
from accounts.admin_inline_html import _filtered, current_app

STACKED = "admin/edit_inline/stacked.html"

#: Django 5.2's text of admin/edit_inline/stacked.html.
STACKED_SOURCE = (
    "{% load i18n admin_urls %}\n"
    '<div class="js-inline-admin-formset inline-group"\n'
    '     id="{{ inline_admin_formset.formset.prefix }}-group"\n'
    '     data-inline-type="stacked"\n'
    '     data-inline-formset="{{ inline_admin_formset.inline_formset_data }}">\n'
    '<fieldset class="module {{ inline_admin_formset.classes }}" aria-labelledby="{{ inline_admin_formset.formset.prefix }}-heading">\n'
    "  {% if inline_admin_formset.is_collapsible %}<details><summary>{% endif %}\n"
    '  <h2 id="{{ inline_admin_formset.formset.prefix }}-heading" class="inline-heading">\n'
    "  {% if inline_admin_formset.formset.max_num == 1 %}\n"
    "    {{ inline_admin_formset.opts.verbose_name|capfirst }}\n"
    "  {% else %}\n"
    "    {{ inline_admin_formset.opts.verbose_name_plural|capfirst }}\n"
    "  {% endif %}\n"
    "  </h2>\n"
    "  {% if inline_admin_formset.is_collapsible %}</summary>{% endif %}\n"
    "{{ inline_admin_formset.formset.management_form }}\n"
    "{{ inline_admin_formset.formset.non_form_errors }}\n"
    "\n"
    '{% for inline_admin_form in inline_admin_formset %}<div class="inline-related{% if inline_admin_form.original or inline_admin_form.show_url %} has_original{% endif %}{% if forloop.last and inline_admin_formset.has_add_permission %} empty-form last-related{% endif %}" id="{{ inline_admin_formset.formset.prefix }}-{% if forloop.last and inline_admin_formset.has_add_permission %}empty{% else %}{{ forloop.counter0 }}{% endif %}">\n'
    '  <h3><b>{{ inline_admin_formset.opts.verbose_name|capfirst }}:</b> <span class="inline_label">{% if inline_admin_form.original %}{{ inline_admin_form.original }}{% if inline_admin_form.model_admin.show_change_link and inline_admin_form.model_admin.has_registered_model %} <a href="{% url inline_admin_form.model_admin.opts|admin_urlname:\'change\' inline_admin_form.original.pk|admin_urlquote %}" class="{{ inline_admin_formset.has_change_permission|yesno:\'inlinechangelink,inlineviewlink\' }}">{% if inline_admin_formset.has_change_permission %}{% translate "Change" %}{% else %}{% translate "View" %}{% endif %}</a>{% endif %}\n'
    "{% else %}#{{ forloop.counter }}{% endif %}</span>\n"
    '      {% if inline_admin_form.show_url %}<a href="{{ inline_admin_form.absolute_url }}">{% translate "View on site" %}</a>{% endif %}\n'
    '    {% if inline_admin_formset.formset.can_delete and inline_admin_formset.has_delete_permission and inline_admin_form.original %}<span class="delete">{{ inline_admin_form.deletion_field.field }} {{ inline_admin_form.deletion_field.label_tag }}</span>{% endif %}\n'
    "  </h3>\n"
    "  {% if inline_admin_form.form.non_field_errors %}{{ inline_admin_form.form.non_field_errors }}{% endif %}\n"
    "\n"
    "  {% with parent_counter=forloop.counter0 %}\n"
    "    {% for fieldset in inline_admin_form %}\n"
    '      {% include "admin/includes/fieldset.html" with heading_level=4 prefix=fieldset.formset.prefix id_prefix=parent_counter id_suffix=forloop.counter0 %}\n'
    "    {% endfor %}\n"
    "  {% endwith %}\n"
    "\n"
    "  {% if inline_admin_form.needs_explicit_pk_field %}{{ inline_admin_form.pk_field.field }}{% endif %}\n"
    "  {% if inline_admin_form.fk_field %}{{ inline_admin_form.fk_field.field }}{% endif %}\n"
    "</div>{% endfor %}\n"
    "  {% if inline_admin_formset.is_collapsible %}</details>{% endif %}\n"
    "</fieldset>\n"
    "</div>\n"
)


def _label(context, formset, form, counter: int) -> str:
    """The row's name in its heading: the record's, with its change link, or 「#n」."""
    if not form.original:
        return f"#{template_value(counter)}"
    link = ""
    model_admin = form.model_admin
    if model_admin.show_change_link and model_admin.has_registered_model:
        url = reverse(
            admin_urlname(model_admin.opts, SafeString("change")),
            args=[admin_urlquote(form.original.pk)],
            current_app=current_app(context.get("request")),
        )
        changes = formset.has_change_permission
        link = (
            f' <a href="{conditional_escape(url)}" class="'
            f'{"inlinechangelink" if changes else "inlineviewlink"}">'
            f"{conditional_escape(gettext('Change') if changes else gettext('View'))}</a>"
        )
    return f"{template_value(form.original)}{link}\n"


def _fieldsets(context, form, counter0: int) -> str:
    """``{% include "admin/includes/fieldset.html" with heading_level=4 ... %}`` for each of the
    row's fieldsets, through the include's template."""
    template = context.template.engine.get_template(FIELDSET)
    parts = ["\n    "]
    for number, fieldset in enumerate(form):
        values = {
            "fieldset": fieldset,
            "heading_level": 4,
            "prefix": fieldset.formset.prefix,
            "id_prefix": counter0,
            "id_suffix": number,
        }
        with context.push(**values):
            parts.append(f"\n      {template.render(context)}\n    ")
    parts.append("\n  ")
    return "".join(parts)


def _row(context, formset, form, counter0: int, last: bool) -> str:
    inner = formset.formset
    empty = last and formset.has_add_permission
    classes = "inline-related"
    if form.original or form.show_url:
        classes += " has_original"
    if empty:
        classes += " empty-form last-related"
    site = ""
    if form.show_url:
        site = (
            f'<a href="{template_value(form.absolute_url)}">'
            f"{conditional_escape(gettext('View on site'))}</a>"
        )
    deletion = ""
    if inner.can_delete and formset.has_delete_permission and form.original:
        field = form.deletion_field()
        deletion = (
            f'<span class="delete">{template_value(field.field)} '
            f"{template_value(field.label_tag())}</span>"
        )
    errors = form.form.non_field_errors()
    name = _filtered(capfirst, formset.opts.verbose_name)
    fk_field = form.fk_field()
    return (
        f'<div class="{classes}" id="{template_value(inner.prefix)}-'
        f'{"empty" if empty else template_value(counter0)}">\n'
        f'  <h3><b>{name}:</b> <span class="inline_label">'
        f"{_label(context, formset, form, counter0 + 1)}</span>\n"
        f"      {site}\n    {deletion}\n  </h3>\n"
        f"  {template_value(errors) if errors else ''}\n\n  "
        f"{_fieldsets(context, form, counter0)}\n\n  "
        f"{template_value(form.pk_field().field) if form.needs_explicit_pk_field() else ''}\n  "
        f"{template_value(fk_field.field) if fk_field else ''}\n</div>"
    )


def render_stacked(context) -> str:
    """The output of Django's admin/edit_inline/stacked.html for the context's
    ``inline_admin_formset`` (within the change form's loop over its inlines)."""
    formset = context["inline_admin_formset"]
    inner = formset.formset
    prefix = template_value(inner.prefix)
    collapsible = formset.is_collapsible
    names = formset.opts.verbose_name if inner.max_num == 1 else formset.opts.verbose_name_plural
    parts = [
        f'\n<div class="js-inline-admin-formset inline-group"\n     id="{prefix}-group"\n'
        '     data-inline-type="stacked"\n'
        f'     data-inline-formset="{template_value(formset.inline_formset_data())}">\n'
        f'<fieldset class="module {template_value(formset.classes)}" aria-labelledby="{prefix}-heading">\n'
        f"  {'<details><summary>' if collapsible else ''}\n"
        f'  <h2 id="{prefix}-heading" class="inline-heading">\n'
        f"  \n    {_filtered(capfirst, names)}\n  \n"
        "  </h2>\n"
        f"  {'</summary>' if collapsible else ''}\n"
        f"{template_value(inner.management_form)}\n"
        f"{template_value(inner.non_form_errors())}\n\n"
    ]
    forms = list(formset)
    for counter0, form in enumerate(forms):
        parts.append(_row(context, formset, form, counter0, counter0 == len(forms) - 1))
    parts.append(f"\n  {'</details>' if collapsible else ''}\n</fieldset>\n</div>\n")
    return "".join(parts)


def is_djangos(engine) -> bool:
    """Whether ``engine`` loads Django 5.2's own text for the stacked inline."""
    template = engine.get_template(STACKED)
    return getattr(template, "source", None) == STACKED_SOURCE
