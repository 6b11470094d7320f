"""Django admin's app list (``admin/app_list.html``: the index's list and every page's navigation
sidebar) written out in Python, giving the same HTML.

Every admin page renders the sidebar's list of apps and models (ours: up to 16 models, each row
with a dozen lookups, three ``request.path|urlencode`` tests and translations). The project's
``templates/admin/app_list.html`` calls ``{% app_list_written %}``, which writes the list with
``render_app_list``; it renders the template the include would otherwise load (the next one of
that name: Django's, unless an app overrides it) whenever that template's text is not exactly
Django 5.2's (``APP_LIST_SOURCE``), checked once, or an entry is not of the kinds Django's
``AdminSite.get_app_list`` builds (``Unsupported``).

tests/admin/test_app_list_html.py compares both for each role on the index and on other pages.
"""

from __future__ import annotations

from urllib.parse import quote

from django.utils.translation import gettext

from accounts.admin_fieldset_html import Unsupported, template_value

APP_LIST = "admin/app_list.html"

#: Django 5.2's text of admin/app_list.html.
APP_LIST_SOURCE = (
    "{% load i18n %}\n"
    "\n"
    "{% if app_list %}\n"
    "  {% for app in app_list %}\n"
    '    <div class="app-{{ app.app_label }} module{% if app.app_url in request.path|urlencode %} current-app{% endif %}">\n'
    "      <table>\n"
    "        <caption>\n"
    '          <a href="{{ app.app_url }}" class="section" title="{% blocktranslate with name=app.name %}Models in the {{ name }} application{% endblocktranslate %}">{{ app.name }}</a>\n'
    "        </caption>\n"
    '        <thead class="visually-hidden">\n'
    "          <tr>\n"
    "            <th scope=\"col\">{% translate 'Model name' %}</th>\n"
    "            <th scope=\"col\">{% translate 'Add link' %}</th>\n"
    "            <th scope=\"col\">{% translate 'Change or view list link' %}</th>\n"
    "          </tr>\n"
    "        </thead>\n"
    "        {% for model in app.models %}\n"
    "          {% with model_name=model.object_name|lower %}\n"
    '            <tr class="model-{{ model_name }}{% if model.admin_url in request.path|urlencode %} current-model{% endif %}">\n'
    '              <th scope="row" id="{{ app.app_label }}-{{ model_name }}">\n'
    "                {% if model.admin_url %}\n"
    '                  <a href="{{ model.admin_url }}"{% if model.admin_url in request.path|urlencode %} aria-current="page"{% endif %}>{{ model.name }}</a>\n'
    "                {% else %}\n"
    "                  {{ model.name }}\n"
    "                {% endif %}\n"
    "              </th>\n"
    "\n"
    "              {% if model.add_url %}\n"
    '                <td><a href="{{ model.add_url }}" class="addlink" aria-describedby="{{ app.app_label }}-{{ model_name }}">{% translate \'Add\' %}</a></td>\n'
    "              {% else %}\n"
    "                <td></td>\n"
    "              {% endif %}\n"
    "\n"
    "              {% if model.admin_url and show_changelinks %}\n"
    "                {% if model.view_only %}\n"
    '                  <td><a href="{{ model.admin_url }}" class="viewlink" aria-describedby="{{ app.app_label }}-{{ model_name }}">{% translate \'View\' %}</a></td>\n'
    "                {% else %}\n"
    '                  <td><a href="{{ model.admin_url }}" class="changelink" aria-describedby="{{ app.app_label }}-{{ model_name }}">{% translate \'Change\' %}</a></td>\n'
    "                {% endif %}\n"
    "              {% elif show_changelinks %}\n"
    "                <td></td>\n"
    "              {% endif %}\n"
    "            </tr>\n"
    "          {% endwith %}\n"
    "        {% endfor %}\n"
    "      </table>\n"
    "    </div>\n"
    "  {% endfor %}\n"
    "{% else %}\n"
    "  <p>{% translate 'You don’t have permission to view or edit anything.' %}</p>\n"
    "{% endif %}\n"
)


ARIA_CURRENT = ' aria-current="page"'


def _current(url, path: str) -> bool:
    """``{% if url in request.path|urlencode %}``: a failing test (no URL) is false."""
    return isinstance(url, str) and url in path


def _model(app_label: str, model: dict, path: str, show_changelinks: bool) -> str:
    model_name = template_value(str(model["object_name"]).lower())
    admin_url = model.get("admin_url")
    described = f"{template_value(app_label)}-{model_name}"
    current = _current(admin_url, path)
    if admin_url:
        link = (
            f'\n                  <a href="{template_value(admin_url)}"{ARIA_CURRENT if current else ""}>'
            f"{template_value(model['name'])}</a>\n                "
        )
    else:
        link = f"\n                  {template_value(model['name'])}\n                "
    add_url = model.get("add_url")
    if add_url:
        add = (
            f'\n                <td><a href="{template_value(add_url)}" class="addlink" '
            f'aria-describedby="{described}">{template_value(gettext("Add"))}</a></td>\n              '
        )
    else:
        add = "\n                <td></td>\n              "
    if admin_url and show_changelinks:
        kind, word = ("viewlink", "View") if model.get("view_only") else ("changelink", "Change")
        change = (
            f'\n                \n                  <td><a href="{template_value(admin_url)}" class="{kind}" '
            f'aria-describedby="{described}">{template_value(gettext(word))}</a></td>\n                '
            "\n              "
        )
    elif show_changelinks:
        change = "\n                <td></td>\n              "
    else:
        change = ""
    return (
        f'\n          \n            <tr class="model-{model_name}{" current-model" if current else ""}">'
        f'\n              <th scope="row" id="{described}">\n                {link}'
        f"\n              </th>\n\n              {add}\n\n              {change}"
        "\n            </tr>\n          \n        "
    )


def _app(app: dict, path: str, show_changelinks: bool) -> str:
    app_label = app["app_label"]
    app_url = app["app_url"]
    name = template_value(app["name"])
    title = gettext("Models in the %(name)s application") % {"name": name}
    models = "".join(_model(app_label, model, path, show_changelinks) for model in app["models"])
    return (
        f'\n    <div class="app-{template_value(app_label)} module'
        f'{" current-app" if _current(app_url, path) else ""}">\n      <table>\n        <caption>'
        f'\n          <a href="{template_value(app_url)}" class="section" title="{title}">{name}</a>'
        '\n        </caption>\n        <thead class="visually-hidden">\n          <tr>'
        f'\n            <th scope="col">{template_value(gettext("Model name"))}</th>'
        f'\n            <th scope="col">{template_value(gettext("Add link"))}</th>'
        f'\n            <th scope="col">{template_value(gettext("Change or view list link"))}</th>'
        f"\n          </tr>\n        </thead>\n        {models}\n      </table>\n    </div>\n  "
    )


def render_app_list(context) -> str:
    """The output of Django's admin/app_list.html for the context's ``app_list``,
    ``show_changelinks`` and ``request``."""
    app_list = context.get("app_list")
    if not app_list:
        nothing = gettext("You don’t have permission to view or edit anything.")
        return f"\n\n\n  <p>{template_value(nothing)}</p>\n\n"
    if not isinstance(app_list, list):
        raise Unsupported
    request = context.get("request")
    path = quote(request.path) if request is not None else ""
    show_changelinks = bool(context.get("show_changelinks"))
    apps = "".join(_app(app, path, show_changelinks) for app in app_list)
    return f"\n\n\n  {apps}\n\n"
