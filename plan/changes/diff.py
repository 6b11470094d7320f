"""Human-readable differences of change items and historical records (before → after).

Values are shown as a person reads them: related records by name, choices by label, booleans as
はい/いいえ, empty as 「(空)」.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models

from plan.changes.values import snapshot, tracked_fields
from plan.models import ChangeItem

EMPTY = "(空)"


@dataclass(frozen=True)
class FieldDiff:
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


def display(field: models.Field, value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, dict) and "ref" in value:
        return "(この申請で追加するもの)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "はい" if value else "いいえ"
    if isinstance(field, models.ForeignKey):
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"(削除済み #{value})"
    return str(value)


def describe_item(item: ChangeItem) -> ItemDiff:
    model = apps.get_model(item.model_label)
    fields = {f.attname: f for f in tracked_fields(model)}
    rows = []
    if item.operation == ChangeItem.Operation.UPDATE:
        for attname, after in item.proposed.items():
            field = fields[attname]
            rows.append(
                FieldDiff(
                    str(field.verbose_name),
                    display(field, item.base.get(attname)),
                    display(field, after),
                )
            )
    elif item.operation == ChangeItem.Operation.CREATE:
        for attname, after in item.proposed.items():
            field = fields[attname]
            rows.append(FieldDiff(str(field.verbose_name), EMPTY, display(field, after)))
    else:
        for attname, before in item.base.items():
            field = fields[attname]
            rows.append(FieldDiff(str(field.verbose_name), display(field, before), "(削除)"))
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


def describe_history(record) -> list[FieldDiff]:
    """The fields a historical record changed, compared with the previous record of the same row."""
    model = record.instance_type
    fields = {f.attname: f for f in tracked_fields(model)}
    previous = record.prev_record
    if previous is None or record.history_type != "~":
        source = {}
    else:
        source = {attname: getattr(previous, attname, None) for attname in fields}
    rows = []
    for attname, field in fields.items():
        after = getattr(record, attname, None)
        before = source.get(attname) if source else None
        if record.history_type == "~" and before == after:
            continue
        if record.history_type == "-":
            rows.append(FieldDiff(str(field.verbose_name), display(field, after), "(削除)"))
        else:
            rows.append(
                FieldDiff(str(field.verbose_name), display(field, before), display(field, after))
            )
    return rows
