"""The form renderer (``FORM_RENDERER``): Django's own, with the widget templates that a change form
renders dozens of times written out in Python, giving the same HTML.

A project's change form renders some 80 widgets (each inline row's inputs, hidden ids, autocomplete
selects) and as many empty error lists; each is a template with includes (the input, its
attributes, each <option>), at 0.1–0.5 ms apiece through the template engine. ``FastWidgetRenderer``
writes the output of these templates directly, and hands a template to Django's engine whenever:

- the template the engine would load is not exactly Django's own text (``SOURCES``: an app
  overrides it, or Django changed it), checked once per template name; or
- a value is not of a kind whose output it reproduces (text, lazy text, whole numbers in
  attributes; an error list that is not empty; a callable, which a template would call).

tests/test_form_renderer.py compares both on widgets of every kind the admin renders.
"""

from __future__ import annotations

from collections.abc import Callable

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData
from django.utils.translation import gettext

from accounts.admin_fieldset_html import escaped
from accounts.admin_widgets import static_once


class Unsupported(Exception):
    """A value whose template output this module does not reproduce: render the template."""


def _text(value) -> str:
    """``{{ value }}`` (autoescaped) for text."""
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        raise Unsupported
    return escaped(value)


def _string(value) -> str:
    """``{{ value|stringformat:'s' }}`` (autoescaped)."""
    if callable(value):
        raise Unsupported
    formatted = "%s" % (str(value) if isinstance(value, tuple) else value)
    return formatted if isinstance(value, SafeData) else escaped(formatted)


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html (and django/forms/attrs.html) for ``attrs``."""
    if type(attrs) is not dict or "items" in attrs:
        raise Unsupported  # a template would look up attrs["items"] first
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_string(value)}"')
    return "".join(parts)


def _widget(context) -> dict:
    widget = context.get("widget")
    if type(widget) is not dict:
        raise Unsupported
    return widget


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = widget["value"]
    if callable(value):
        raise Unsupported
    shown = f' value="{_string(value)}"' if value != None else ""  # noqa: E711 (the template's !=)
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>\n"
    )


def render_input(context) -> str:
    """text.html, number.html, hidden.html, checkbox.html…: ``{% include input.html %}``."""
    return f"{_input(_widget(context))}\n"


def render_textarea(context) -> str:
    widget = _widget(context)
    value = widget["value"]
    if callable(value):
        raise Unsupported
    shown = _text(value) if value else ""
    return (
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{shown}</textarea>\n'
    )


OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _option(option) -> str:
    """django/forms/widgets/select_option.html."""
    if type(option) is not dict or option.get("template_name") != OPTION_TEMPLATE:
        raise Unsupported
    return (
        f'<option value="{_string(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_text(option['label'])}</option>\n"
    )


def render_select(context) -> str:
    widget = _widget(context)
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _group_index in widget["optgroups"]:
        if callable(group_name):
            raise Unsupported
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def render_error_list(context) -> str:
    """django/forms/errors/list/default.html and ul.html, for a form or field without errors."""
    if context.get("errors"):
        raise Unsupported
    return ""


def render_label(context) -> str:
    """django/forms/label.html."""
    if context.get("use_tag"):
        tag = _text(context["tag"])
        shown = f"<{tag}{_attrs(context['attrs'])}>{_text(context['label'])}</{tag}>"
    else:
        shown = _text(context["label"])
    return f"{shown}\n"


def render_hidden_form(context) -> str:
    """django/forms/div.html (a form's default template) for a form of hidden fields only and
    without errors, such as a formset's management form: its hidden fields, one after another."""
    if context.get("fields") or context.get("errors"):
        raise Unsupported
    return "".join(_field_html(field) for field in context["hidden_fields"])


def _field_html(field) -> str:
    """``{{ field }}`` for a bound field (its widget's HTML)."""
    if callable(field):
        raise Unsupported  # a template would call it
    return conditional_escape(str(field))


FORM_DIV = "django/forms/div.html"
RELATED_WRAPPER = "admin/widgets/related_widget_wrapper.html"
RELATED_WRAPPER_SOURCE = (
    "{% load i18n static %}\n"
    '<div class="related-widget-wrapper" {% if not model_has_limit_choices_to %}data-model-ref="{{ model_name }}"{% endif %}>\n'
    "    {{ rendered_widget }}\n"
    "    {% block links %}\n"
    "        {% spaceless %}\n"
    "        {% if not is_hidden %}\n"
    "        {% if can_change_related %}\n"
    '        <a class="related-widget-wrapper-link change-related" id="change_id_{{ name }}"\n'
    '            data-href-template="{{ change_related_template_url }}?{{ url_params }}"\n'
    '            data-popup="yes"\n'
    '            title="{% blocktranslate %}Change selected {{ model }}{% endblocktranslate %}">\n'
    '            <img src="{% static \'admin/img/icon-changelink.svg\' %}" alt="" width="24" height="24">\n'
    "        </a>\n"
    "        {% endif %}\n"
    "        {% if can_add_related %}\n"
    '        <a class="related-widget-wrapper-link add-related" id="add_id_{{ name }}"\n'
    '            data-popup="yes"\n'
    '            href="{{ add_related_url }}?{{ url_params }}"\n'
    '            title="{% blocktranslate %}Add another {{ model }}{% endblocktranslate %}">\n'
    '            <img src="{% static \'admin/img/icon-addlink.svg\' %}" alt="" width="24" height="24">\n'
    "        </a>\n"
    "        {% endif %}\n"
    "        {% if can_delete_related %}\n"
    '        <a class="related-widget-wrapper-link delete-related" id="delete_id_{{ name }}"\n'
    '            data-href-template="{{ delete_related_template_url }}?{{ url_params }}"\n'
    '            data-popup="yes"\n'
    '            title="{% blocktranslate %}Delete selected {{ model }}{% endblocktranslate %}">\n'
    '            <img src="{% static \'admin/img/icon-deletelink.svg\' %}" alt="" width="24" height="24">\n'
    "        </a>\n"
    "        {% endif %}\n"
    "        {% if can_view_related %}\n"
    '          <a class="related-widget-wrapper-link view-related" id="view_id_{{ name }}"\n'
    '             data-href-template="{{ change_related_template_url }}?{{ view_related_url_params }}"\n'
    '             title="{% blocktranslate %}View selected {{ model }}{% endblocktranslate %}">\n'
    '            <img src="{% static \'admin/img/icon-viewlink.svg\' %}" alt="" width="24" height="24">\n'
    "          </a>\n"
    "        {% endif %}\n"
    "        {% endif %}\n"
    "        {% endspaceless %}\n"
    "    {% endblock %}\n"
    "</div>\n"
)


RELATED_LINKS = (
    # (the flag, the link's text up to its title, the title's message, the icon)
    (
        "can_change_related",
        '<a class="related-widget-wrapper-link change-related" id="change_id_{name}"\n'
        '            data-href-template="{change_related_template_url}?{url_params}"\n'
        '            data-popup="yes"\n            title="{title}">',
        "Change selected %(model)s",
        "admin/img/icon-changelink.svg",
    ),
    (
        "can_add_related",
        '<a class="related-widget-wrapper-link add-related" id="add_id_{name}"\n'
        '            data-popup="yes"\n'
        '            href="{add_related_url}?{url_params}"\n            title="{title}">',
        "Add another %(model)s",
        "admin/img/icon-addlink.svg",
    ),
    (
        "can_delete_related",
        '<a class="related-widget-wrapper-link delete-related" id="delete_id_{name}"\n'
        '            data-href-template="{delete_related_template_url}?{url_params}"\n'
        '            data-popup="yes"\n            title="{title}">',
        "Delete selected %(model)s",
        "admin/img/icon-deletelink.svg",
    ),
    (
        "can_view_related",
        '<a class="related-widget-wrapper-link view-related" id="view_id_{name}"\n'
        '             data-href-template="{change_related_template_url}?{view_related_url_params}"\n'
        '             title="{title}">',
        "View selected %(model)s",
        "admin/img/icon-viewlink.svg",
    ),
)


def render_related_widget_wrapper(context) -> str:
    """django/contrib/admin/templates/admin/widgets/related_widget_wrapper.html (the wrapper of a
    foreign key's select: its change, add, delete and view links), with what ``{% spaceless %}``
    leaves of the links: no whitespace between their tags."""
    limited = context["model_has_limit_choices_to"]
    if callable(limited):
        raise Unsupported  # a template would call it
    reference = "" if limited else f'data-model-ref="{_text(context["model_name"])}"'
    links = []
    if not context["is_hidden"]:
        model = _text(context["model"])
        for flag, opening, message, icon in RELATED_LINKS:
            if context[flag]:
                values = {
                    name: _text(context[name])
                    for name in (
                        "name",
                        "url_params",
                        "change_related_template_url",
                        "add_related_url",
                        "delete_related_template_url",
                        "view_related_url_params",
                    )
                    if f"{{{name}}}" in opening
                }
                title = gettext(message) % {"model": model}
                links.append(
                    opening.format(title=title, **values)
                    + f'<img src="{conditional_escape(static_once(icon))}" alt="" width="24"'
                    ' height="24"></a>'
                )
    return (
        f'<div class="related-widget-wrapper" {reference}>\n    {_safe(context["rendered_widget"])}'
        f"\n    \n        {''.join(links)}\n    \n</div>\n"
    )


def _safe(value) -> str:
    """``{{ value }}`` for markup already made safe (a rendered widget)."""
    if not isinstance(value, SafeData):
        raise Unsupported
    return value


#: Django 5.2's text of each template the renderer writes out, and of the templates they include.
SOURCES = {
    "django/forms/widgets/attrs.html": (
        "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
        "{% endfor %}"
    ),
    "django/forms/attrs.html": (
        "{% for name, value in attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
        "{% endfor %}"
    ),
    "django/forms/widgets/input.html": (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"'
        "{% if widget.value != None %} value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
        '{% include "django/forms/widgets/attrs.html" %}>\n'
    ),
    "django/forms/widgets/textarea.html": (
        '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
        "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>\n"
    ),
    "django/forms/widgets/select.html": (
        '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
        "{% for group_name, group_choices, group_index in widget.optgroups %}"
        '{% if group_name %}\n  <optgroup label="{{ group_name }}">{% endif %}'
        "{% for option in group_choices %}\n"
        "  {% include option.template_name with widget=option %}{% endfor %}"
        "{% if group_name %}\n  </optgroup>{% endif %}{% endfor %}\n</select>\n"
    ),
    OPTION_TEMPLATE: (
        "<option value=\"{{ widget.value|stringformat:'s' }}\""
        '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>\n'
    ),
    "django/forms/errors/list/default.html": '{% include "django/forms/errors/list/ul.html" %}',
    "django/forms/errors/list/ul.html": (
        '{% if errors %}<ul class="{{ error_class }}"{% if errors.field_id %} '
        'id="{{ errors.field_id }}_error"{% endif %}>{% for error in errors %}<li>{{ error }}</li>'
        "{% endfor %}</ul>{% endif %}"
    ),
    RELATED_WRAPPER: RELATED_WRAPPER_SOURCE,
    FORM_DIV: (
        "{{ errors }}\n"
        "{% if errors and not fields %}\n"
        "  <div>{% for field in hidden_fields %}{{ field }}{% endfor %}</div>\n"
        "{% endif %}\n"
        "{% for field, errors in fields %}\n"
        '  <div{% with classes=field.css_classes %}{% if classes %} class="{{ classes }}"{% endif %}{% endwith %}>\n'
        "    {{ field.as_field_group }}\n"
        "    {% if forloop.last %}\n"
        "      {% for field in hidden_fields %}{{ field }}{% endfor %}\n"
        "    {% endif %}\n"
        "</div>\n"
        "{% endfor %}\n"
        "{% if not fields and not errors %}\n"
        "  {% for field in hidden_fields %}{{ field }}{% endfor %}\n"
        "{% endif %}\n"
    ),
    "django/forms/label.html": (
        "{% if use_tag %}<{{ tag }}{% include 'django/forms/attrs.html' %}>{{ label }}"
        "</{{ tag }}>{% else %}{{ label }}{% endif %}\n"
    ),
}
INPUT_INCLUDE = '{% include "django/forms/widgets/input.html" %}\n'
INPUT_TYPES = (
    "text",
    "number",
    "email",
    "url",
    "password",
    "hidden",
    "checkbox",
    "date",
    "datetime",
    "time",
    "search",
    "tel",
    "color",
)
for _type in INPUT_TYPES:
    SOURCES[f"django/forms/widgets/{_type}.html"] = INPUT_INCLUDE

_INPUT = ("django/forms/widgets/input.html", "django/forms/widgets/attrs.html")
_OPTION = (OPTION_TEMPLATE, "django/forms/widgets/attrs.html")

#: Each template written out: (its function, the templates whose text it reproduces).
WRITTEN: dict[str, tuple[Callable[[dict], str], tuple[str, ...]]] = {
    **{f"django/forms/widgets/{_type}.html": (render_input, _INPUT) for _type in INPUT_TYPES},
    "django/forms/widgets/textarea.html": (render_textarea, ("django/forms/widgets/attrs.html",)),
    "django/forms/widgets/select.html": (render_select, _OPTION),
    "django/forms/errors/list/default.html": (
        render_error_list,
        ("django/forms/errors/list/ul.html",),
    ),
    "django/forms/errors/list/ul.html": (render_error_list, ()),
    "django/forms/label.html": (render_label, ("django/forms/attrs.html",)),
    RELATED_WRAPPER: (render_related_widget_wrapper, ()),
    FORM_DIV: (render_hidden_form, ()),
}


class FastWidgetRenderer(DjangoTemplates):
    """Django's ``DjangoTemplates`` form renderer, with ``WRITTEN``'s templates written out."""

    def __init__(self) -> None:
        super().__init__()
        self._written: dict[str, Callable[[dict], str] | None] = {}

    def _is_djangos(self, template_name: str) -> bool:
        template = self.get_template(template_name)
        return getattr(getattr(template, "template", None), "source", None) == SOURCES.get(
            template_name
        )

    def written(self, template_name: str) -> Callable[[dict], str] | None:
        """The function that writes ``template_name`` out, if the engine loads Django's own text
        for it and for what it includes (decided once per name)."""
        if template_name not in self._written:
            function, included = WRITTEN.get(template_name, (None, ()))
            if function is not None and not all(
                self._is_djangos(name) for name in (template_name, *included)
            ):
                function = None
            self._written[template_name] = function
        return self._written[template_name]

    def render(self, template_name, context, request=None):
        function = self.written(template_name) if request is None else None
        if function is not None:
            try:
                return function(context).strip()
            except (Unsupported, KeyError, TypeError, ValueError):
                pass
        return super().render(template_name, context, request)
