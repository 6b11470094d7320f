"""Human-readable differences of change items and historical records (before → after).

Values are shown as a person reads them: related records by name, choices by label, booleans as
「はい」/「いいえ」, empty as 「(空)」.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import OuterRef, Subquery

from plan.changes.values import snapshot, tracked_fields
from plan.models import ChangeItem

EMPTY = "(空)"
ADDED_BY_THIS_REQUEST = "(この申請で追加するもの)"
DELETED = "(削除)"

#: Fields always shown together: a change to one shows the other too (unchanged), so that a
#: reviewer sees whether a baseline's or target's 公表表記 and 数値 still agree.
SHOWN_TOGETHER = {"kpis.kpivalue": ("text", "value")}

#: Names of related records, by (model label, primary key), loaded once for a page.
RelatedNames = dict[tuple[str, object], str]


@dataclass(frozen=True)
class FieldDiff:
    """One field's difference as people read it: ``field`` names it (an attname, or a name such as
    「target.value」 for the workbook's comparison), ``label`` is what people see, ``before`` and
    ``after`` are display text."""

    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ItemDiff:
    item: ChangeItem
    model_name: str
    operation: str
    object_repr: str
    fields: list[FieldDiff]
    conflict: bool
    sharing_projects: list[str]


def field_label(model: type[models.Model], name: str) -> str:
    """The field's name as people read it (its verbose_name)."""
    return str(model._meta.get_field(name).verbose_name)


def display(
    field: models.Field, value, *, empty: str = EMPTY, names: RelatedNames | None = None
) -> str:
    """A field's value as people read it: choices by label, booleans as 「はい」/「いいえ」, related records
    by name (from ``names`` when given, otherwise looked up), nothing as ``empty``."""
    if value is None or value == "":
        return empty
    if isinstance(value, dict) and "ref" in value:
        return ADDED_BY_THIS_REQUEST
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "はい" if value else "いいえ"
    if isinstance(field, models.ForeignKey):
        key = (field.related_model._meta.label_lower, value)
        if names is not None and key in names:
            return names[key]
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"(削除済み #{value})"
    return str(value)


def related_names(references: Iterable[tuple[models.Field, object]]) -> RelatedNames:
    """The names of the records that foreign-key values refer to: one query per related model.

    ``references`` are (field, value) pairs; values that are not primary keys (empty, or a
    reference to a record the request adds) are passed over.
    """
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for field, value in references:
        if not isinstance(field, models.ForeignKey) or value in (None, ""):
            continue
        if not isinstance(value, dict):  # a dict refers to a record the request adds
            wanted[field.related_model].add(value)
    names: RelatedNames = {}
    for model, pks in wanted.items():
        found = model._base_manager.select_related().in_bulk(pks)
        label = model._meta.label_lower
        for pk in pks:
            related = found.get(model._meta.pk.to_python(pk))
            names[(label, pk)] = str(related) if related is not None else f"(削除済み #{pk})"
    return names


def describe_item(item: ChangeItem, *, names: RelatedNames | None = None) -> ItemDiff:
    """The item's fields before → after, with whether its record changed since the request."""
    model = apps.get_model(item.model_label)
    fields = {f.attname: f for f in tracked_fields(model)}
    rows = []
    if item.operation == ChangeItem.Operation.UPDATE:
        for attname, after in item.proposed.items():
            field = fields[attname]
            before = display(field, item.base.get(attname), names=names)
            rows.append(_diff(field, before, display(field, after, names=names)))
        for attname in _unchanged_partners(item.model_label, item.proposed):
            shown = display(fields[attname], item.base.get(attname), names=names)
            rows.append(_diff(fields[attname], shown, shown))
    elif item.operation == ChangeItem.Operation.CREATE:
        for attname, after in item.proposed.items():
            field = fields[attname]
            rows.append(_diff(field, EMPTY, display(field, after, names=names)))
    else:
        for attname, before in item.base.items():
            field = fields[attname]
            rows.append(_diff(field, display(field, before, names=names), DELETED))
    conflict = False
    if item.operation != ChangeItem.Operation.CREATE and item.change_request.is_open:
        current = model._base_manager.filter(pk=item.object_pk).first()
        conflict = current is None or snapshot(current) != item.base
    return ItemDiff(
        item=item,
        model_name=str(model._meta.verbose_name),
        operation=item.get_operation_display(),
        object_repr=item.object_repr,
        fields=rows,
        conflict=conflict,
        sharing_projects=_sharing_projects(item, model),
    )


def describe_items(items: Iterable[ChangeItem]) -> list[ItemDiff]:
    """``describe_item`` for each item, with the related records' names loaded once for all."""
    items = list(items)
    references = []
    for item in items:
        fields = {f.attname: f for f in tracked_fields(apps.get_model(item.model_label))}
        for values in (item.base, item.proposed):
            references += [(fields[attname], value) for attname, value in values.items()]
    names = related_names(references)
    return [describe_item(item, names=names) for item in items]


def _diff(field: models.Field, before: str, after: str) -> FieldDiff:
    return FieldDiff(field.attname, str(field.verbose_name), before, after)


def _unchanged_partners(model_label: str, changed) -> list[str]:
    """The fields shown together with a changed one (``SHOWN_TOGETHER``) that did not change."""
    together = SHOWN_TOGETHER.get(model_label, ())
    if not any(name in changed for name in together):
        return []
    return [name for name in together if name not in changed]


def _sharing_projects(item: ChangeItem, model) -> list[str]:
    """A changed KPI reaches every project that shares it: the reviewer sees them all."""
    kpi_id = None
    if item.model_label == "kpis.kpi":
        kpi_id = item.object_pk
    elif item.model_label == "kpis.kpivalue":
        kpi_id = (item.base or item.proposed).get("kpi_id")
    if not kpi_id or isinstance(kpi_id, dict):
        return []
    from plan.models import Project

    return list(
        Project.objects.filter(kpi_links__kpi_id=kpi_id)
        .order_by("code")
        .values_list("name", flat=True)
    )


HISTORY_TYPES = {"+": "追加", "~": "変更", "-": "削除"}


_PREVIOUS_UNKNOWN = object()


def describe_history(
    record, *, names: RelatedNames | None = None, previous=_PREVIOUS_UNKNOWN
) -> list[FieldDiff]:
    """The fields a historical record changed, compared with the previous record of the same row
    (``previous``, when the caller has it already)."""
    model = record.instance_type
    fields = {f.attname: f for f in tracked_fields(model)}
    if previous is _PREVIOUS_UNKNOWN:
        previous = _previous(record)
    if previous is None:
        source = {}
    else:
        source = {attname: getattr(previous, attname, None) for attname in fields}
    changed = {
        attname
        for attname in fields
        if source and source.get(attname) != getattr(record, attname, None)
    }
    rows = []
    for attname, field in fields.items():
        after = getattr(record, attname, None)
        before = source.get(attname) if source else None
        if record.history_type == "~" and before == after:
            if attname in _unchanged_partners(model._meta.label_lower, changed):
                shown = display(field, after, names=names)
                rows.append(_diff(field, shown, shown))
            continue
        if record.history_type == "-":
            rows.append(_diff(field, display(field, after, names=names), DELETED))
        else:
            before, after = display(field, before, names=names), display(field, after, names=names)
            rows.append(_diff(field, before, after))
    return rows


def describe_histories(records: Iterable) -> list[list[FieldDiff]]:
    """``describe_history`` for each record, with the previous versions and the related records'
    names loaded once for all (a query per model, not per record)."""
    records = list(records)
    pairs = list(zip(records, previous_records(records), strict=True))
    references = []
    for record, previous in pairs:
        fields = [
            f for f in tracked_fields(record.instance_type) if isinstance(f, models.ForeignKey)
        ]
        for source in (record, previous):
            if source is not None:
                references += [(f, getattr(source, f.attname, None)) for f in fields]
    names = related_names(references)
    return [describe_history(record, names=names, previous=previous) for record, previous in pairs]


def previous_records(records: Sequence) -> list:
    """The record each update changed (None for an addition or a deletion), as ``prev_record``
    reads it (the same row's latest version before it), in one query per model."""
    updates: dict[type[models.Model], list] = defaultdict(list)
    for record in records:
        if record.history_type == "~":
            updates[record.instance_type].append(record)
    found: dict[tuple[type[models.Model], object], list] = defaultdict(list)
    for model, updated in updates.items():
        history = model.history  # type: ignore[attr-defined]
        latest_before = (
            history.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        previous_ids = (
            history.filter(history_id__in=[record.history_id for record in updated])
            .annotate(previous_id=Subquery(latest_before))
            .values("previous_id")
        )
        for version in history.filter(history_id__in=previous_ids):
            found[(model, version.id)].append(version)
    return [
        _latest_before(found[(record.instance_type, record.id)], record)
        if record.history_type == "~"
        else None
        for record in records
    ]


def _latest_before(versions: list, record):
    earlier = [version for version in versions if version.history_date < record.history_date]
    return max(
        earlier, key=lambda version: (version.history_date, version.history_id), default=None
    )


def _previous(record):
    """The record an update changed (None for an addition or a deletion)."""
    return record.prev_record if record.history_type == "~" else None
