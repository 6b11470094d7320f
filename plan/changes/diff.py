"""Human-readable differences of change items and historical records (before → after).

Values are shown as a person reads them: related records by name, choices by label, booleans as
「はい」/「いいえ」, numbers as people write them (「1400」, not 「1400.0000」), empty as 「(空)」. What changed
inside a text is marked character by character (``highlight``): a long text is shown once, with
<del>removed</del> and <ins>added</ins> parts, not twice.
"""

from __future__ import annotations

import difflib
import functools
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from plan.changes.values import snapshot, tracked_fields
from plan.models import ChangeItem
from plan.prepared import BY_KEYS_AT_MOST, by_keys, read_by_keys

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

    @property
    def is_long(self) -> bool:
        """A text long enough to be shown once, with its changes marked inside it."""
        return (
            _is_text(self.before)
            and _is_text(self.after)
            and (max(len(self.before), len(self.after)) > LONG_TEXT)
        )

    @property
    def before_html(self) -> SafeString:
        return highlight(self.before, self.after).before

    @property
    def after_html(self) -> SafeString:
        return highlight(self.before, self.after).after

    @property
    def merged_html(self) -> SafeString:
        return highlight(self.before, self.after).merged

    @property
    def change_html(self) -> SafeString:
        """One line: a long text once with its changes marked, otherwise 「before → after」."""
        marked = highlight(self.before, self.after)
        if self.is_long:
            return marked.merged
        return mark_safe(f"{marked.before} → {marked.after}")


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
    if isinstance(field, models.DecimalField | models.FloatField):
        return format_number(value)
    if isinstance(field, models.ForeignKey):
        key = (field.related_model._meta.label_lower, value)
        if names is not None and key in names:
            return names[key]
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"(削除済み #{value})"
    return str(value)


def format_number(value) -> str:
    """A number as people write it: Decimal('1400.0000') → 「1400」, 3.50 → 「3.5」."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    return format(number.normalize(), "f")


# --- What changed inside a text ----------------------------------------------------------------

#: A text longer than this (in characters) is shown once, with its changes marked inside it.
LONG_TEXT = 40
#: Unchanged stretches longer than twice this are shortened to this many characters on each side
#: of a change (「…」 for the rest) in the merged text.
CONTEXT = 30
#: Unchanged stretches this short between two changes are taken into the change: 「が増え」 reads
#: better than 「<del>が</del>…」 split on a shared particle.
SHORT_SAME = 2
#: Below this share of unchanged characters a text counts as rewritten: shown whole, unmarked.
MIN_SHARED = 0.3


@dataclass(frozen=True)
class Highlighted:
    before: SafeString
    after: SafeString
    merged: SafeString


def _is_text(value: str) -> bool:
    return value not in (EMPTY, DELETED, ADDED_BY_THIS_REQUEST, "")


def _is_number(value: str) -> bool:
    try:
        return Decimal(value.replace(",", "")).is_finite()
    except InvalidOperation:
        return False


def _comparable(before: str, after: str) -> bool:
    """Texts whose changes are worth marking inside: both real texts, different, not numbers."""
    return (
        before != after
        and _is_text(before)
        and _is_text(after)
        and not (_is_number(before) and _is_number(after))
    )


def _html(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def _opcodes(before: str, after: str) -> list[tuple[str, str, str]]:
    """(tag, removed, added) runs, character by character, with short shared runs between two
    changes folded into them."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    runs = [
        ("equal" if tag == "equal" else "change", before[i1:i2], after[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    folded: list[tuple[str, str, str]] = []
    for index, (tag, old, new) in enumerate(runs):
        short_gap = tag == "equal" and len(old) <= SHORT_SAME and 0 < index < len(runs) - 1
        if (tag == "change" or short_gap) and folded and folded[-1][0] == "change":
            _, previous_old, previous_new = folded.pop()
            folded.append(("change", previous_old + old, previous_new + new))
        else:
            folded.append((tag, old, new))
    return folded


def _shortened(text: str, *, first: bool, last: bool) -> str:
    """An unchanged stretch of the merged text, kept only near the changes."""
    if len(text) <= 2 * CONTEXT:
        return _html(text)
    head = "" if first else text[:CONTEXT]
    tail = "" if last else text[-CONTEXT:]
    return f"{_html(head)}…{_html(tail)}"


@functools.lru_cache(maxsize=4096)
def highlight(before: str, after: str) -> Highlighted:
    """``before`` and ``after`` with what changed marked (<del> in before, <ins> in after), and
    the merged text (shared parts once, shortened far from the changes). Escaped: safe to show.
    An empty value or a marker such as 「(空)」 is shown as it is, unmarked.

    Remembered for the process (the newest 4,096 pairs): a function of the two texts alone,
    whose character-by-character comparison the audit log and the history pages would otherwise
    make again for the same versions on every view."""
    runs = _opcodes(before, after) if _comparable(before, after) else []
    shared = sum(len(old) for tag, old, _ in runs if tag == "equal")
    if shared < MIN_SHARED * max(len(before), len(after), 1):
        # Nothing worth marking inside: a number, an empty value, or a text rewritten throughout.
        whole = (
            _html(after)
            if before == after
            else f"<del>{_html(before)}</del><ins>{_html(after)}</ins>"
        )
        return Highlighted(mark_safe(_html(before)), mark_safe(_html(after)), mark_safe(whole))
    old_parts: list[str] = []
    new_parts: list[str] = []
    merged: list[str] = []
    for index, (tag, old, new) in enumerate(runs):
        if tag == "equal":
            old_parts.append(_html(old))
            new_parts.append(_html(new))
            merged.append(_shortened(old, first=index == 0, last=index == len(runs) - 1))
            continue
        if old:
            old_parts.append(f"<del>{_html(old)}</del>")
            merged.append(f"<del>{_html(old)}</del>")
        if new:
            new_parts.append(f"<ins>{_html(new)}</ins>")
            merged.append(f"<ins>{_html(new)}</ins>")
    return Highlighted(
        mark_safe("".join(old_parts)), mark_safe("".join(new_parts)), mark_safe("".join(merged))
    )


#: Records that foreign-key values refer to, by (model label, the value); None when deleted.
RelatedRecords = dict[tuple[str, object], models.Model | None]


def related_records(
    references: Iterable[tuple[models.Field, object]],
    known: RelatedRecords | None = None,
    relations: Mapping[type[models.Model], Sequence[str]] | None = None,
) -> RelatedRecords:
    """The records that foreign-key values refer to, with their own relations (``select_related()``):
    one query per related model.

    ``references`` are (field, value) pairs; values that are not primary keys (empty, or a
    reference to a record the request adds) are passed over. ``known`` are records the caller has
    read already (with the relations their names read), by the same keys: they are not read again.
    ``relations`` names, for some models, the only relations to read with their records (those
    their names read); the others' records come with all theirs.
    """
    known = known or {}
    wanted: dict[type[models.Model], set] = defaultdict(set)
    records: RelatedRecords = {}
    for field, value in references:
        if not isinstance(field, models.ForeignKey) or value in (None, ""):
            continue
        if isinstance(value, dict):  # a dict refers to a record the request adds
            continue
        key = (field.related_model._meta.label_lower, value)
        if key in known:
            records[key] = known[key]
        else:
            wanted[field.related_model].add(value)
    for model, pks in wanted.items():
        related = None if relations is None or model not in relations else relations[model]
        found = by_keys(model, pks, related)
        label = model._meta.label_lower
        for pk in pks:
            records[(label, pk)] = found.get(model._meta.pk.to_python(pk))
    return records


def names_of(records: RelatedRecords) -> RelatedNames:
    """``related_records`` by name (「(削除済み #pk)」 for a deleted record)."""
    return {
        (label, pk): str(record) if record is not None else f"(削除済み #{pk})"
        for (label, pk), record in records.items()
    }


def related_names(references: Iterable[tuple[models.Field, object]]) -> RelatedNames:
    """The names of the records that foreign-key values refer to (``related_records``)."""
    return names_of(related_records(references))


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


def describe_histories(
    records: Iterable, *, previous: Sequence | None = None, names: RelatedNames | None = None
) -> list[list[FieldDiff]]:
    """``describe_history`` for each record, with the previous versions and the related records'
    names loaded once for all (a query per model, not per record), unless given: ``previous`` as
    ``previous_records`` reads them, ``names`` covering ``history_references``."""
    records = list(records)
    pairs = list(
        zip(records, previous_records(records) if previous is None else previous, strict=True)
    )
    if names is None:
        names = related_names(history_references(pairs))
    return [describe_history(record, names=names, previous=previous) for record, previous in pairs]


def history_references(pairs: Iterable[tuple]) -> list[tuple[models.Field, object]]:
    """The foreign-key values that (record, previous record) pairs show, as (field, value)."""
    references: list[tuple[models.Field, object]] = []
    for record, previous in pairs:
        fields = [
            f for f in tracked_fields(record.instance_type) if isinstance(f, models.ForeignKey)
        ]
        for source in (record, previous):
            if source is not None:
                references += [(f, getattr(source, f.attname, None)) for f in fields]
    return references


@functools.cache
def _history(model: type[models.Model]):
    """``model.history`` (django-simple-history makes a manager class each time it is read)."""
    return model.history  # type: ignore[attr-defined]


def previous_records(
    records: Sequence, complete: Collection[type[models.Model]] = (), *, few_versions: bool = False
) -> list:
    """The record each update changed (None for an addition or a deletion), as ``prev_record``
    reads it (the same row's latest version before it), in one query per model.

    The rows of the models in ``complete`` have every version among ``records`` (a page of their
    whole history): their previous versions are found there, without a query. With
    ``few_versions`` (the records hold most versions of their rows, as a record's own history
    page does), every version of the updated rows is read in a plain query per model (by row,
    compiled once for the number of rows) and the latest one before each record chosen here;
    otherwise the query reads only those, by a correlated subquery, which costs about three times
    as much to build."""
    updates: dict[type[models.Model], list] = defaultdict(list)
    found: dict[tuple[type[models.Model], object], list] = defaultdict(list)
    for record in records:
        if record.instance_type in complete:
            found[(record.instance_type, record.id)].append(record)
        elif record.history_type == "~":
            updates[record.instance_type].append(record)
    for model, updated in updates.items():
        history = _history(model)
        if few_versions:
            earlier = _versions_of(model, {record.id for record in updated})
        else:
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
            earlier = history.filter(history_id__in=previous_ids)
        for version in earlier:
            found[(model, version.id)].append(version)
    return [
        _latest_before(found[(record.instance_type, record.id)], record)
        if record.history_type == "~"
        else None
        for record in records
    ]


def _versions_of(model: type[models.Model], ids: set) -> list:
    """Every version of the rows ``ids`` of ``model`` (``_latest_before`` chooses among them), by
    a query compiled once per model and number of rows when they are a few whole numbers."""

    def build(*values) -> models.QuerySet:
        return _history(model).filter(id__in=values).order_by()

    return read_by_keys(("versions_of", model), build, list(ids), at_most=BY_KEYS_AT_MOST)


def _latest_before(versions: list, record):
    earlier = [version for version in versions if version.history_date < record.history_date]
    return max(
        earlier, key=lambda version: (version.history_date, version.history_id), default=None
    )


def _previous(record):
    """The record an update changed (None for an addition or a deletion)."""
    return record.prev_record if record.history_type == "~" else None
