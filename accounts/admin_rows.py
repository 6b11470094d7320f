"""A changelist's rows rendered from a plan made once per page: the same HTML as Django's
``items_for_result`` (``django.contrib.admin.templatetags.admin_list``), cell for cell.

Django resolves every cell on its own: ``lookup_field`` (a ``get_field`` that fails for each
method column), the column's link, CSS class, empty value and boolean, then two ``format_html``;
and for each linked cell it parses the change URL again to add the preserved filters (a
``resolve``). A page of 100 rows × 9 columns did that 900 times. ``RowPlan`` answers each of those
questions once per column and once per page, and per cell only reads the value and writes it.

It plans only what it reproduces exactly, and answers ``None`` otherwise, so that the caller uses
Django's own code: a popup (``data-popup-opener``, ``to_field``), an editable list
(``list_editable``'s formset) or a changelist that is not a ``PolicyChangeList``. A column it
cannot resolve once per page (an attribute of the model or a lookup through relations) is resolved
per row by Django's ``lookup_field``, as Django does. tests/admin/test_row_plan.py compares every
registered admin's rows with Django's, byte for byte.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _boolean_icon,
    _coerce_field_name,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils import formats
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString

from accounts.admin_base import PolicyChangeList

TEXT_TYPES = (str, SafeString)  # exact types whose display is the value itself (or the empty one)
DATE_TYPES = (datetime.date, datetime.time)
NOWRAP_FIELDS = (models.DateField, models.TimeField, models.ForeignKey)

# How a column's value is read (``lookup_field``'s branches).
FIELD, CALLABLE, ADMIN, LOOKUP = "field", "callable", "admin", "lookup"


class Column:
    """One ``list_display`` entry, resolved for the page."""

    def __init__(self, changelist, index: int, name, link: bool, tag: str, empty) -> None:
        model_admin = changelist.model_admin
        self.name = name
        self.link = link
        self.tag = tag
        self.model_empty = empty  # the model admin's; a cell whose relation is missing shows it
        self.field_class = f"field-{_coerce_field_name(name, index)}"
        self.field = None
        self.attr = None
        self.choices: dict | None = None
        self._numbers: dict[int, str] = {}
        self._icons: dict[tuple[type, object], str] = {}
        try:
            self.field = _get_non_gfk_field(changelist.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if callable(name):
                self.kind, self.attr = CALLABLE, name
            elif hasattr(model_admin, name) and name != "__str__":
                self.kind, self.attr = ADMIN, getattr(model_admin, name)
            else:
                self.kind = LOOKUP  # per row, by lookup_field
        else:
            self.kind = FIELD
        self.empty = getattr(self.attr, "empty_value_display", empty)
        self.boolean = getattr(self.attr, "boolean", False)
        if isinstance(self.attr, property) and hasattr(self.attr, "fget"):
            self.boolean = getattr(self.attr.fget, "boolean", False)
        field = self.field
        self.as_value = field is None or field.auto_created
        self.related = not self.as_value and isinstance(field.remote_field, models.ManyToOneRel)
        classes = [self.field_class]
        if self.as_value and name == "action_checkbox":
            classes = ["action-checkbox"]
        if not self.as_value and isinstance(field, NOWRAP_FIELDS):
            classes.append("nowrap")
        self.classes = " ".join(classes)
        if not self.as_value and not self.related and getattr(field, "flatchoices", None):
            try:
                self.choices = dict(field.flatchoices)
            except TypeError:
                self.choices = None  # list-like choices: display_for_field makes them hashable

    # -- the value's display (Django's display_for_value, with the page's repeated answers kept)

    def display_value(self, value):
        kind = type(value)
        if self.boolean:
            if kind is bool or value is None:
                key = (kind, value)
                if key not in self._icons:
                    self._icons[key] = _boolean_icon(value)
                return self._icons[key]
            return display_for_value(value, self.empty, True)
        if kind in TEXT_TYPES:
            return value if value != "" else self.empty
        if kind is int:
            if value not in self._numbers:
                self._numbers[value] = formats.number_format(value)
            return self._numbers[value]
        return display_for_value(value, self.empty, False)

    def display_field(self, value):
        if self.choices is not None:
            try:
                return self.choices.get(value, self.empty)
            except TypeError:
                pass
        return display_for_field(value, self.field, self.empty, avoid_link=self.link)

    # -- one cell: (CSS classes, the shown value)

    def cell(self, result, model_admin) -> tuple[str, object]:
        try:
            if self.kind == FIELD:
                value = getattr(result, self.name)
            elif self.kind == LOOKUP:
                field, attr, value = lookup_field(self.name, result, model_admin)
            else:
                value = self.attr(result)
        except ObjectDoesNotExist:
            return self.field_class, self.model_empty
        if self.kind == LOOKUP:
            return self._looked_up(result, field, attr, value)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if self.as_value:
            shown = self.display_value(value)
            if isinstance(value, DATE_TYPES):
                return f"{self.classes} nowrap", shown
            return self.classes, shown
        if self.related:
            related = getattr(result, self.field.name)
            return self.classes, (self.empty if related is None else related)
        return self.classes, self.display_field(value)

    def _looked_up(self, result, field, attr, value) -> tuple[str, object]:
        """Django's own steps for a column resolved per row (``items_for_result``)."""
        empty = getattr(attr, "empty_value_display", self.model_empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        classes = [self.field_class]
        if field is None or field.auto_created:
            if self.name == "action_checkbox":
                classes = ["action-checkbox"]
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            shown = display_for_value(value, empty, boolean)
            if isinstance(value, DATE_TYPES):
                classes.append("nowrap")
        else:
            if isinstance(field.remote_field, models.ManyToOneRel):
                related = getattr(result, field.name)
                shown = empty if related is None else related
            else:
                shown = display_for_field(value, field, empty, avoid_link=self.link)
            if isinstance(field, NOWRAP_FIELDS):
                classes.append("nowrap")
        return " ".join(classes), shown


class RowPlan:
    """The page's columns and link, resolved once; ``rows()`` is what ``results(cl)`` yields."""

    def __init__(self, changelist) -> None:
        self.changelist = changelist
        self.model_admin = changelist.model_admin
        empty = self.model_admin.get_empty_value_display()
        links = changelist.list_display_links
        self.columns = []
        first = True
        for index, name in enumerate(changelist.list_display):
            if links is None:
                link = False
            elif first and not links:
                link = True
            else:
                link = name in links
            tag = "th" if link and first else "td"
            if link:
                first = False
            self.columns.append(Column(changelist, index, name, link, tag, empty))
        self.linked = any(column.link for column in self.columns)
        self.url_for = self._url_function()

    @classmethod
    def for_changelist(cls, changelist) -> RowPlan | None:
        """The plan, or None where Django's own code must render the rows."""
        if not isinstance(changelist, PolicyChangeList):
            return None
        if changelist.formset is not None or changelist.is_popup or changelist.to_field:
            return None
        return cls(changelist)

    def _preserved(self, url: str) -> str:
        changelist = self.changelist
        return add_preserved_filters(
            {"preserved_filters": changelist.preserved_filters, "opts": changelist.opts}, url
        )

    def _url_function(self) -> Callable[[object], str | None]:
        """Each row's change URL with the preserved filters, already escaped for the attribute
        (None where there is none: ``NoReverseMatch``)."""
        changelist = self.changelist

        def any_row(result) -> str | None:
            try:
                url = changelist.url_for_result(result)
            except NoReverseMatch:
                return None
            return escape(self._preserved(url))

        cls = type(changelist)
        if cls.url_for_result is not PolicyChangeList.url_for_result or not self.linked:
            return any_row
        try:
            head, tail = changelist._change_url_parts
        except NoReverseMatch:
            return any_row
        if not head:
            return any_row
        # A whole-number key's URL differs from the placeholder's only in its digits, which the
        # preserved filters neither read nor change: add them once, to the placeholder's URL.
        sample = f"{head}{PolicyChangeList.PLACEHOLDER}{tail}"
        preserved = self._preserved(sample)
        if not preserved.startswith(sample):
            return any_row
        head, tail = escape(head), escape(f"{tail}{preserved[len(sample) :]}")
        pk_attname = changelist.pk_attname

        def row(result) -> str | None:
            pk = getattr(result, pk_attname)
            if type(pk) is int and pk >= 0:
                return f"{head}{pk}{tail}"
            return any_row(result)

        return row

    def items(self, result) -> list[SafeString]:
        model_admin = self.model_admin
        url = self.url_for(result) if self.linked else None
        items = []
        for column in self.columns:
            classes, shown = column.cell(result, model_admin)
            text = conditional_escape(shown)
            if column.link and url is not None:
                text = f'<a href="{url}">{text}</a>'
            items.append(SafeString(f'<{column.tag} class="{classes}">{text}</{column.tag}>'))
        return items

    def rows(self) -> list[ResultList]:
        return [ResultList(None, self.items(result)) for result in self.changelist.result_list]

    def joined_rows(self) -> list[ResultList]:
        """``rows()`` with each row's cells joined into one item: the results template writes a
        row's items one after the other (``<tr>{% for item in result %}{{ item }}{% endfor %}</tr>``),
        so the HTML is the same, with one item for its loop instead of one a cell."""
        return [
            ResultList(None, [SafeString("".join(self.items(result)))])
            for result in self.changelist.result_list
        ]
