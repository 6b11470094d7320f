"""Django admin's tabular inline (``admin/edit_inline/tabular.html``) written out in Python, giving
the same HTML.

A project's change form shows three tabular inlines (bureaus, listings, KPIs): Django's template
loops over every row and field with several tags, lookups and filters per cell, about half of the
form's rendering. ``PolicyTabularInline`` uses ``admin/edit_inline/tabular_written.html``, whose
tag calls ``render_tabular``; it renders Django's template instead whenever:

- the template the engine loads for ``admin/edit_inline/tabular.html`` is not exactly Django 5.2's
  text (``TABULAR_SOURCE``: a project or app overrides it, or Django changed it), checked once per
  engine; or
- something on the page is not of a kind whose output this module reproduces (``Unsupported``).

tests/admin/test_tabular_inline_html.py compares both on every tabular inline of the admin.
"""

from __future__ import annotations

from django.contrib.admin.helpers import AdminReadonlyField
from django.contrib.admin.templatetags.admin_modify import cell_count
from django.contrib.admin.templatetags.admin_urls import admin_urlname, admin_urlquote
from django.template.defaultfilters import capfirst, striptags
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData
from django.utils.translation import gettext

from accounts.admin_fieldset_html import Unsupported, template_value
from accounts.admin_widgets import static_once

TABULAR = "admin/edit_inline/tabular.html"

#: Django 5.2's text of admin/edit_inline/tabular.html.
TABULAR_SOURCE = (
    "{% load i18n admin_urls static admin_modify %}\n"
    '<div class="js-inline-admin-formset inline-group" id="{{ inline_admin_formset.formset.prefix }}-group"\n'
    '     data-inline-type="tabular"\n'
    '     data-inline-formset="{{ inline_admin_formset.inline_formset_data }}">\n'
    '  <div class="tabular inline-related {% if forloop.last %}last-related{% endif %}">\n'
    "{{ inline_admin_formset.formset.management_form }}\n"
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
    "   {{ inline_admin_formset.formset.non_form_errors }}\n"
    "   <table>\n"
    "     <thead><tr>\n"
    '       <th class="original"></th>\n'
    "     {% for field in inline_admin_formset.fields %}\n"
    '       <th class="column-{{ field.name }}{% if field.required %} required{% endif %}{% if field.widget.is_hidden %} hidden{% endif %}">{{ field.label|capfirst }}\n'
    '       {% if field.help_text %}<img src="{% static "admin/img/icon-unknown.svg" %}" class="help help-tooltip" width="10" height="10" alt="({{ field.help_text|striptags }})" title="{{ field.help_text|striptags }}">{% endif %}\n'
    "       </th>\n"
    "     {% endfor %}\n"
    '     <th>{% if inline_admin_formset.formset.can_delete and inline_admin_formset.has_delete_permission %}{% translate "Delete?" %}{% endif %}</th>\n'
    "     </tr></thead>\n"
    "\n"
    "     <tbody>\n"
    "     {% for inline_admin_form in inline_admin_formset %}\n"
    "        {% if inline_admin_form.form.non_field_errors %}\n"
    '        <tr class="row-form-errors"><td colspan="{{ inline_admin_form|cell_count }}">{{ inline_admin_form.form.non_field_errors }}</td></tr>\n'
    "        {% endif %}\n"
    '        <tr class="form-row {% if inline_admin_form.original or inline_admin_form.show_url %}has_original{% endif %}{% if forloop.last and inline_admin_formset.has_add_permission %} empty-form{% endif %}"\n'
    '             id="{{ inline_admin_formset.formset.prefix }}-{% if forloop.last and inline_admin_formset.has_add_permission %}empty{% else %}{{ forloop.counter0 }}{% endif %}">\n'
    '        <td class="original">\n'
    "          {% if inline_admin_form.original or inline_admin_form.show_url %}<p>\n"
    "          {% if inline_admin_form.original %}\n"
    "          {{ inline_admin_form.original }}\n"
    '          {% if inline_admin_form.model_admin.show_change_link and inline_admin_form.model_admin.has_registered_model %}<a href="{% url inline_admin_form.model_admin.opts|admin_urlname:\'change\' inline_admin_form.original.pk|admin_urlquote %}" class="{{ inline_admin_formset.has_change_permission|yesno:\'inlinechangelink,inlineviewlink\' }}">{% if inline_admin_formset.has_change_permission %}{% translate "Change" %}{% else %}{% translate "View" %}{% endif %}</a>{% endif %}\n'
    "          {% endif %}\n"
    '          {% if inline_admin_form.show_url %}<a href="{{ inline_admin_form.absolute_url }}">{% translate "View on site" %}</a>{% endif %}\n'
    "            </p>{% endif %}\n"
    "          {% if inline_admin_form.needs_explicit_pk_field %}{{ inline_admin_form.pk_field.field }}{% endif %}\n"
    "          {% if inline_admin_form.fk_field %}{{ inline_admin_form.fk_field.field }}{% endif %}\n"
    "        </td>\n"
    "        {% for fieldset in inline_admin_form %}\n"
    "          {% for line in fieldset %}\n"
    "            {% for field in line %}\n"
    '              <td class="{% if field.field.name %}field-{{ field.field.name }}{% endif %}{% if field.field.is_hidden %} hidden{% endif %}">\n'
    "              {% if field.is_readonly %}\n"
    "                  <p>{{ field.contents }}</p>\n"
    "              {% else %}\n"
    "                  {{ field.field.errors.as_ul }}\n"
    "                  {{ field.field }}\n"
    "              {% endif %}\n"
    "              </td>\n"
    "            {% endfor %}\n"
    "          {% endfor %}\n"
    "        {% endfor %}\n"
    '        <td class="delete">{% if inline_admin_formset.formset.can_delete and inline_admin_formset.has_delete_permission and inline_admin_form.original %}{{ inline_admin_form.deletion_field.field }}{% endif %}</td>\n'
    "        </tr>\n"
    "     {% endfor %}\n"
    "     </tbody>\n"
    "   </table>\n"
    "  {% if inline_admin_formset.is_collapsible %}</details>{% endif %}\n"
    "</fieldset>\n"
    "  </div>\n"
    "</div>\n"
)


def _filtered(function, value) -> str:
    """``{{ value|function }}`` for a filter that is ``is_safe`` and ``stringfilter``."""
    result = function(value)
    return result if isinstance(value, SafeData) else conditional_escape(result)


def current_app(request):
    """The ``{% url %}`` tag's current app for ``request``."""
    try:
        return request.current_app
    except AttributeError:
        try:
            return request.resolver_match.namespace
        except AttributeError:
            return None


def _header(field: dict) -> str:
    classes = f"column-{template_value(field['name'])}"
    if field["required"]:
        classes += " required"
    widget = field["widget"]  # a widget, or a dict for a read-only field
    if widget["is_hidden"] if isinstance(widget, dict) else widget.is_hidden:
        classes += " hidden"
    help_image = ""
    if field["help_text"]:
        text = _filtered(striptags, field["help_text"])
        help_image = (
            f'<img src="{conditional_escape(static_once("admin/img/icon-unknown.svg"))}" class="help '
            f'help-tooltip" width="10" height="10" alt="({text})" title="{text}">'
        )
    return (
        f'\n       <th class="{classes}">{_filtered(capfirst, field["label"])}\n       '
        f"{help_image}\n       </th>\n     "
    )


def _original(context, formset, form) -> str:
    """The first cell's name of the row's record, its change link and its link on the site."""
    if not (form.original or form.show_url):
        return ""
    shown = ""
    if form.original:
        link = ""
        model_admin = form.model_admin
        if model_admin.show_change_link and model_admin.has_registered_model:
            url = reverse(
                admin_urlname(model_admin.opts, "change"),
                args=[admin_urlquote(form.original.pk)],
                current_app=current_app(context.get("request")),
            )
            changes = formset.has_change_permission
            link = (
                f'<a href="{conditional_escape(url)}" class="'
                f'{"inlinechangelink" if changes else "inlineviewlink"}">'
                f"{conditional_escape(gettext('Change') if changes else gettext('View'))}</a>"
            )
        shown = f"\n          {template_value(form.original)}\n          {link}\n          "
    site = ""
    if form.show_url:
        site = (
            f'<a href="{template_value(form.absolute_url)}">'
            f"{conditional_escape(gettext('View on site'))}</a>"
        )
    return f"<p>\n          {shown}\n          {site}\n            </p>"


def _cell(field) -> str:
    if field.is_readonly:
        if not isinstance(field, AdminReadonlyField):
            raise Unsupported
        name = field.field["name"]
        hidden = False  # the template reads a dict's missing "is_hidden"
        shown = f"\n                  <p>{template_value(field.contents())}</p>\n              "
    else:
        bound = field.field
        name = bound.name
        hidden = bound.is_hidden
        shown = (
            f"\n                  {template_value(bound.errors.as_ul())}\n                  "
            f"{template_value(bound)}\n              "
        )
    classes = (f"field-{template_value(name)}" if name else "") + (" hidden" if hidden else "")
    return f'\n              <td class="{classes}">\n              {shown}\n              </td>\n            '


def _row(context, formset, form, counter0: int, last: bool) -> str:
    parts = ["\n        "]
    errors = form.form.non_field_errors()
    if errors:
        parts.append(
            f'\n        <tr class="row-form-errors"><td colspan="{template_value(cell_count(form))}">'
            f"{template_value(errors)}</td></tr>\n        "
        )
    empty = last and formset.has_add_permission
    prefix = template_value(formset.formset.prefix)
    parts.append(
        '\n        <tr class="form-row '
        f"{'has_original' if form.original or form.show_url else ''}"
        f'{" empty-form" if empty else ""}"\n'
        f'             id="{prefix}-{"empty" if empty else template_value(counter0)}">\n'
        '        <td class="original">\n          '
        f"{_original(context, formset, form)}\n          "
        f"{template_value(form.pk_field().field) if form.needs_explicit_pk_field() else ''}\n          "
    )
    fk_field = form.fk_field()
    parts.append(f"{template_value(fk_field.field) if fk_field else ''}\n        </td>\n        ")
    for fieldset in form:
        parts.append("\n          ")
        for line in fieldset:
            parts.append("\n            ")
            parts.extend(_cell(field) for field in line)
            parts.append("\n          ")
        parts.append("\n        ")
    deletion = ""
    if formset.formset.can_delete and formset.has_delete_permission and form.original:
        deletion = template_value(form.deletion_field().field)
    parts.append(f'\n        <td class="delete">{deletion}</td>\n        </tr>\n     ')
    return "".join(parts)


def render_tabular(context) -> str:
    """The output of Django's admin/edit_inline/tabular.html for the context's
    ``inline_admin_formset`` (within the change form's loop over its inlines)."""
    formset = context["inline_admin_formset"]
    forloop = context.get("forloop")
    if not isinstance(forloop, dict):
        raise Unsupported
    inner = formset.formset
    prefix = template_value(inner.prefix)
    collapsible = formset.is_collapsible
    names = formset.opts.verbose_name if inner.max_num == 1 else formset.opts.verbose_name_plural
    deletes = inner.can_delete and formset.has_delete_permission
    parts = [
        f'\n<div class="js-inline-admin-formset inline-group" id="{prefix}-group"\n'
        '     data-inline-type="tabular"\n'
        f'     data-inline-formset="{template_value(formset.inline_formset_data())}">\n'
        f'  <div class="tabular inline-related {"last-related" if forloop["last"] else ""}">\n'
        f"{template_value(inner.management_form)}\n"
        f'<fieldset class="module {template_value(formset.classes)}" aria-labelledby="{prefix}-heading">\n'
        f"  {'<details><summary>' if collapsible else ''}\n"
        f'  <h2 id="{prefix}-heading" class="inline-heading">\n'
        f"  \n    {_filtered(capfirst, names)}\n  \n"
        "  </h2>\n"
        f"  {'</summary>' if collapsible else ''}\n"
        f"   {template_value(inner.non_form_errors())}\n"
        "   <table>\n"
        "     <thead><tr>\n"
        '       <th class="original"></th>\n     ',
        *(_header(field) for field in formset.fields()),
        f"\n     <th>{conditional_escape(gettext('Delete?')) if deletes else ''}</th>\n"
        "     </tr></thead>\n\n     <tbody>\n     ",
    ]
    forms = list(formset)
    for counter0, form in enumerate(forms):
        parts.append(_row(context, formset, form, counter0, counter0 == len(forms) - 1))
    parts.append(
        "\n     </tbody>\n   </table>\n"
        f"  {'</details>' if collapsible else ''}\n</fieldset>\n  </div>\n</div>\n"
    )
    return "".join(parts)


def is_djangos(engine) -> bool:
    """Whether ``engine`` loads Django 5.2's own text for the tabular inline."""
    template = engine.get_template(TABULAR)
    return getattr(template, "source", None) == TABULAR_SOURCE
