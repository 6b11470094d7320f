"""Admin widgets that read what a page needs once, not once per inline row.

An inline formset of N rows with an autocomplete field renders N selects, each showing its selected
record by name; Django's ``AutocompleteSelect`` reads that record (and whatever its name reads) with
a query per row. ``SharedLabelsAutocompleteSelect`` takes the names from ``labels``, which
``share_autocomplete_labels`` fills for all the formset's rows with one query per field.
"""

from __future__ import annotations

from django.contrib.admin.widgets import AutocompleteSelect

#: A selected option by its value as the widget renders it (str): (the value, its label).
Labels = dict[str, tuple[object, str]]


class SharedLabelsAutocompleteSelect(AutocompleteSelect):
    """``AutocompleteSelect`` with the selected option's label given in ``labels`` (when set);
    the options are the same as Django's (``AutocompleteMixin.optgroups``)."""

    labels: Labels | None = None

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


def share_autocomplete_labels(forms) -> None:
    """Give every ``SharedLabelsAutocompleteSelect`` of ``forms`` the labels of the records the
    forms select (queries: one per such field, with the records' own relations joined)."""
    widgets: dict[str, list] = {}
    values: dict[str, set[str]] = {}
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
    for name, same in widgets.items():
        first = same[0]
        attname = first.to_field_attname()
        labels: Labels = {}
        if values[name]:
            records = first.choices.queryset.using(first.db).select_related()
            for record in records.filter(**{f"{attname}__in": values[name]}):
                key = getattr(record, attname)
                labels[str(key)] = (key, first.choices.field.label_from_instance(record))
        for widget in same:
            widget.labels = labels
