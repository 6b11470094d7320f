"""Admin widgets that read what a page needs once, not once per inline row.

An inline formset of N rows with an autocomplete field renders N selects, each showing its selected
record by name; Django's ``AutocompleteSelect`` reads that record (and whatever its name reads) with
a query per row. ``SharedLabelsAutocompleteSelect`` takes the names from ``labels``, which
``share_autocomplete_labels`` fills for all the formset's rows: from the records the rows already
hold (an inline's queryset reads them with the row), else with one query per field.

Each foreign key's ``RelatedFieldWidgetWrapper`` reverses its change, add and delete URLs, and an
autocomplete select its own, for every row: ``reverse_once`` reverses each once per URLconf and
script prefix (``CachedUrlsRelatedFieldWidgetWrapper``, ``SharedLabelsAutocompleteSelect``); the
wrapper's icons are found with ``static_once``.
"""

from __future__ import annotations

from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.contrib.admin.widgets import AutocompleteSelect, RelatedFieldWidgetWrapper
from django.templatetags.static import static
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.functional import empty


@lru_cache(maxsize=1024)
def _reversed(
    resolver, prefix: str, viewname: str, current_app: str | None, args: tuple, kwargs: tuple
) -> str:
    return reverse(viewname, current_app=current_app, args=args, kwargs=dict(kwargs) or None)


def reverse_once(
    viewname: str, *, current_app: str | None = None, args: tuple = (), kwargs: dict | None = None
) -> str:
    """``reverse(viewname, current_app=current_app, args=args, kwargs=kwargs)``, kept for the
    URLconf's resolver (a new one after ``clear_url_caches``) and the script prefix in force: what
    ``reverse`` reads besides its arguments."""
    resolver = get_resolver(get_urlconf())
    keys = tuple(sorted((kwargs or {}).items()))
    return _reversed(resolver, get_script_prefix(), viewname, current_app, tuple(args), keys)


def static_once(path: str) -> str:
    """``static(path)`` (``{% static path %}``), kept by the static files storage when it is
    Django's ``StaticFilesStorage`` or a subclass (the manifest's): its URL of a path is a function
    of the path and ``DEBUG`` (a changed STATIC_URL, STATIC_ROOT or STORAGES makes a new storage).
    Another storage, or no staticfiles app, is asked each time."""
    if not apps.is_installed("django.contrib.staticfiles"):
        return static(path)
    from django.contrib.staticfiles.storage import StaticFilesStorage, staticfiles_storage

    storage = staticfiles_storage._wrapped
    if storage is empty or not isinstance(storage, StaticFilesStorage):
        return static(path)
    kept = storage.__dict__.setdefault("_static_once", {})
    key = (path, settings.DEBUG)
    if key not in kept:
        kept[key] = static(path)
    return kept[key]


class CachedUrlsRelatedFieldWidgetWrapper(RelatedFieldWidgetWrapper):
    """Django's wrapper, its links' URLs reversed once (``reverse_once``)."""

    def get_related_url(self, info, action, *args):
        return reverse_once(
            f"admin:{info[0]}_{info[1]}_{action}",
            current_app=self.admin_site.name,
            args=args,
        )


def with_cached_urls(formfield):
    """``formfield`` (from ``formfield_for_dbfield``) with its related-widget wrapper's URLs
    reversed once."""
    widget = getattr(formfield, "widget", None)
    if type(widget) is RelatedFieldWidgetWrapper:
        widget.__class__ = CachedUrlsRelatedFieldWidgetWrapper
    return formfield


#: A selected option by its value as the widget renders it (str): (the value, its label).
Labels = dict[str, tuple[object, str]]


class SharedLabelsAutocompleteSelect(AutocompleteSelect):
    """``AutocompleteSelect`` with the selected option's label given in ``labels`` (when set);
    the options are the same as Django's (``AutocompleteMixin.optgroups``)."""

    labels: Labels | None = None

    def get_url(self):
        return reverse_once(self.url_name % self.admin_site.name)

    def optgroups(self, name, value, attr=None):
        if self.labels is None:
            return super().optgroups(name, value, attr)
        default: tuple[None, list, int] = (None, [], 0)
        selected_choices = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if not self.is_required and not self.allow_multiple_selected:
            default[1].append(self.create_option(name, "", "", False, 0))
        for key in sorted(selected_choices & self.labels.keys()):
            option_value, option_label = self.labels[key]
            index = len(default[1])
            default[1].append(
                self.create_option(name, option_value, option_label, selected_choices, index)
            )
        return [default]

    def to_field_attname(self) -> str:
        remote_opts = self.field.remote_field.model._meta
        to_field_name = getattr(self.field.remote_field, "field_name", remote_opts.pk.attname)
        return remote_opts.get_field(to_field_name).attname


def _shared_widget(field):
    widget = getattr(field.widget, "widget", field.widget)  # inside RelatedFieldWidgetWrapper
    return widget if isinstance(widget, SharedLabelsAutocompleteSelect) else None


def _held_record(form, name: str):
    """The record the row's instance already holds for its foreign key ``name`` (read with the
    row: ``select_related``), or None."""
    try:
        model_field = form.instance._meta.get_field(name)
    except LookupError:
        return None
    if not model_field.many_to_one or not model_field.is_cached(form.instance):
        return None
    return model_field.get_cached_value(form.instance)


def share_autocomplete_labels(forms) -> None:
    """Give every ``SharedLabelsAutocompleteSelect`` of ``forms`` the labels of the records the
    forms select: those a row's instance holds (read with it) where the field may choose any
    record, the others read (queries: one per such field, with the records' own relations
    joined)."""
    widgets: dict[str, list] = {}
    values: dict[str, set[str]] = {}
    held: dict[str, dict[str, object]] = {}
    for form in forms:
        for name, field in form.fields.items():
            widget = _shared_widget(field)
            if widget is None:
                continue
            widgets.setdefault(name, []).append(widget)
            shown = widget.format_value(form[name].value())
            values.setdefault(name, set()).update(
                value for value in shown if value not in field.empty_values
            )
            record = _held_record(form, name)
            if record is not None:
                key = getattr(record, widget.to_field_attname())
                held.setdefault(name, {})[str(key)] = record
    for name, same in widgets.items():
        first = same[0]
        attname = first.to_field_attname()
        label = first.choices.field.label_from_instance
        queryset = first.choices.queryset
        labels: Labels = {}
        wanted = set(values[name])
        if not queryset.query.where:  # any record may be chosen (no limit_choices_to)
            for value, record in held.get(name, {}).items():
                if value in wanted:
                    labels[value] = (getattr(record, attname), label(record))
            wanted -= labels.keys()
        if wanted:
            records = queryset.using(first.db).select_related()
            for record in records.filter(**{f"{attname}__in": wanted}):
                key = getattr(record, attname)
                labels[str(key)] = (key, label(record))
        for widget in same:
            widget.labels = labels
