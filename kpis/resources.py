"""django-import-export resources of the yearly 「実績値」 sheet (the file: ``kpis.actual_sheet``;
the export: ``kpis.resources_export``).

- ``ActualSheetResource``: the import. A row is matched to the KPI's series by code and year (the
  series of a KPI is every actual of a KPI with the same code in the plan), so a figure entered
  under last year's edition is updated, not duplicated. Rows whose 「表記」, 「確定状況」 and
  「出典・備考」 are all empty ask nothing and are skipped. The structured parts are read from the
  text with ``kpis.value_text`` (as for baselines and targets).

  The resource never saves: each changed row becomes a ``ProposedChange`` and, when the import is
  not a dry run and no row has an error, ``after_import`` hands them all to ``change_propose`` at
  once: a staff member's import becomes ONE change request, a coordinator's is applied at once. A
  row for a KPI the user may not change is an error (``accounts.permissions.ActualEntry``).
  Any error leaves everything unwritten (django-import-export rolls the transaction back).

  A confirmation following its 下見 in the same process uses what the 下見 found when nothing it
  was found from has changed (``kpis.sheet_previews``): the same outcome, without the row pass.

Queries of an import: a constant number whatever the rows (the edition's KPIs, the series'
actuals for the sheet's years, and for bureau staff the bureaus of the sheet's KPIs, read once for
the policy), and the change engine's when the import is confirmed: a constant number too (new
actuals and their history rows are inserted at once; on SQLite, one insert per 49 history rows,
71 actuals or 99 items, its limit of 999 parameters a statement).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Sequence
from copy import deepcopy
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.db.models import NOT_PROVIDED
from django.utils.encoding import force_str
from django.utils.html import format_html
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.resources import Diff

from accounts import permissions
from kpis import sheet_previews
from kpis.actual_sheet import (
    CODE,
    NOTE,
    ROW,
    STATUS,
    TEXT,
    YEAR,
)
from kpis.models import ActualStatus, Kpi, KpiActual
from kpis.sheet_previews import ACTUAL_FIELDS, RememberedPreview
from kpis.value_text import value_parts
from plan.changes import ProposedChange, change_propose, field_values, snapshot, to_json
from plan.models import ChangeRequest, Edition

MSG_NO_CODE = "KPIコードを入れてください"
MSG_UNKNOWN_CODE = "KPIコード「{code}」は{edition}にありません"
MSG_YEAR = "実績年度は西暦の年度 (例: 2024) の整数で入れてください"
MSG_YEAR_RANGE = "実績年度は {first} から {last} までにしてください"
MSG_STATUS = "確定状況は「速報値」か「確定値」にしてください (空なら速報値)"
MSG_TEXT_REQUIRED = "表記を入れてください (確定状況・出典・備考だけでは取り込めません)"
MSG_DUPLICATE = "同じ KPI と実績年度の行がすでにあります ({row}行目)"
MSG_STALE = (
    "確認画面を表示した後に、実績値が変更されました。何も取り込んでいません。"
    "もう一度ファイルを選んで、新しい差分を確かめてください。"
)
#: The fields the sheet sets (the parts follow the text).
SHEET_FIELDS = ("text", "status", "note")
#: The years a sheet may report (the plan runs FY2024-FY2030; earlier years are baselines).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def normalize_code(value: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split())


def parse_year(value: Any) -> int:
    """The 「実績年度」 cell: an integer, or text of digits. ``ValueError`` (Japanese) otherwise."""
    if isinstance(value, bool):
        raise ValueError(MSG_YEAR)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().removesuffix("年度")
        if not text.isdigit():
            raise ValueError(MSG_YEAR)
        value = int(text)
    if not isinstance(value, int):
        raise ValueError(MSG_YEAR)
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValueError(MSG_YEAR_RANGE.format(first=FIRST_YEAR, last=LAST_YEAR))
    return value


def current_edition() -> Edition | None:
    """The edition the sheet is about: the latest one."""
    return Edition.objects.order_by("-fiscal_year", "-pk").first()


# --- Import -------------------------------------------------------------------------------------


class KpiCodeWidget(widgets.Widget):
    """A KPI of the edition by its code (looked up in a dictionary the resource loads once)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_code: dict[str, Kpi] = {}
        self.edition_title = ""

    def clean(self, value, row=None, **kwargs) -> Kpi:
        code = normalize_code(value)
        if not code:
            raise ValueError(MSG_NO_CODE)
        kpi = self.by_code.get(code)
        if kpi is None:
            raise ValueError(MSG_UNKNOWN_CODE.format(code=code, edition=self.edition_title))
        return kpi

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else value.code


class YearWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs) -> int:
        return parse_year(value)

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)


class StatusWidget(widgets.Widget):
    """「速報値」/「確定値」 (empty: 速報値)."""

    BY_LABEL = {label: value for value, label in ActualStatus.choices}

    def clean(self, value, row=None, **kwargs) -> str:
        text = "".join(unicodedata.normalize("NFKC", str(value or "")).split())
        if not text:
            return ActualStatus.PRELIMINARY
        status = self.BY_LABEL.get(text) or (text if text in ActualStatus.values else None)
        if status is None:
            raise ValueError(MSG_STATUS)
        return status

    def render(self, value, obj=None, **kwargs) -> str:
        return ActualStatus(value).label if value else ""


class NumberWidget(widgets.Widget):
    """A stored number as people write it: 512, not 512.0000."""

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None:
            return ""
        text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
        return text


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs) -> str:
        return "" if value is None else str(value)


class SeriesInstanceLoader(BaseInstanceLoader):
    """The actual a row updates: the series' actual of that KPI code and year, in the plan (one
    query for the whole sheet, when the first row asks; a confirmation that uses its remembered
    下見 asks none)."""

    def __init__(self, resource, dataset=None) -> None:
        super().__init__(resource, dataset)
        years = set()
        for value in dataset[YEAR] if dataset is not None and len(dataset) else ():
            try:
                years.add(parse_year(value))
            except ValueError:
                continue
        self.years = frozenset(years)
        self._actuals: dict[tuple[str, int], KpiActual] | None = None
        #: The series as loaded: (KPI code, every field), sorted (``RememberedPreview.series``).
        self.state: list[tuple] = []
        resource.series_loader = self

    @property
    def actuals(self) -> dict[tuple[str, int], KpiActual]:
        if self._actuals is None:
            loaded = list(
                self.resource.get_queryset().filter(year__in=self.years).select_related("kpi")
            )
            self.state = sorted(
                (actual.kpi.code, *(getattr(actual, name) for name in ACTUAL_FIELDS))
                for actual in loaded
            )
            self._actuals = {(actual.kpi.code, actual.year): actual for actual in loaded}
        return self._actuals

    def get_instance(self, row) -> KpiActual | None:
        try:
            year = parse_year(row.get(YEAR))
        except ValueError:
            return None
        return self.actuals.get((normalize_code(row.get(CODE)), year))


class _LazyDiff(Sequence):
    """A row's diff for the 下見 (HTML cells), made when it is first read: the 下見 shows its first
    rows only, and a confirmation none. Neither record changes after the row is compared."""

    def __init__(self, resource, original: KpiActual | None, instance: KpiActual) -> None:
        self._made: list | None = None
        self._make = lambda: _diff_cells(resource, original, instance)

    def _cells(self) -> list:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __getitem__(self, index):
        return self._cells()[index]

    def __len__(self) -> int:
        return len(self._cells())


def _diff_cells(resource, original: KpiActual | None, instance: KpiActual) -> list:
    if original is None:  # nothing to compare with: the new values, marked as added
        values = Diff._read_field_values(resource, instance)
        return [format_html("<ins>{}</ins>", value) if value else "" for value in values]
    diff = Diff(resource, original, False)
    diff.compare_with(resource, instance)
    return diff.as_html()


class ActualSheetResource(resources.ModelResource):
    """The yearly sheet's import (see the module's docstring). ``acting_user`` imports; ``reason``
    is the change request's reason; ``expected_digest`` the digest of the preview the person
    confirmed (a different result is refused as stale, ``MSG_STALE``)."""

    kpi = fields.Field(attribute="kpi", column_name=CODE, widget=KpiCodeWidget())
    year = fields.Field(attribute="year", column_name=YEAR, widget=YearWidget())
    text = fields.Field(attribute="text", column_name=TEXT, widget=TextWidget())
    status = fields.Field(attribute="status", column_name=STATUS, widget=StatusWidget())
    note = fields.Field(attribute="note", column_name=NOTE, widget=TextWidget())
    value = fields.Field(
        attribute="value", column_name="数値 (表記から)", readonly=True, widget=NumberWidget()
    )
    unit = fields.Field(attribute="unit", column_name="単位 (表記から)", readonly=True)

    class Meta:
        model = KpiActual
        fields = ("kpi", "year", "text", "status", "note", "value", "unit")
        import_id_fields = ("kpi", "year")
        instance_loader_class = SeriesInstanceLoader
        report_skipped = False
        clean_model_instances = True
        use_transactions = True
        # Speed, with no effect on what is written (the resource never saves; the change engine
        # does, with history): no savepoint per row (use_bulk), and no copy and diff of every row
        # (skip_diff): the originals of existing actuals are kept here, unchanged rows are skipped
        # by ``skip_row`` and the 下見's diff is made only for the rows that change.
        use_bulk = True
        skip_diff = True

    def __init__(
        self,
        *,
        acting_user=None,
        edition: Edition | None = None,
        reason: str = "",
        expected_digest: str = "",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.acting_user = acting_user
        self.edition = edition or current_edition()
        self.reason = reason
        self.expected_digest = expected_digest
        self.changes: list[ProposedChange] = []
        self.digest = ""
        self.proposal = None
        self._originals: dict[int, KpiActual] = {}
        self._seen: dict[tuple[str, int], int] = {}
        self._allowed: dict[tuple[int, int | None], bool] = {}
        self._actual_entry: permissions.ActualEntry | None = None
        self._sheet_rows: list[int] = []
        self._dry_run = True
        self._file_name = ""
        self._diff = None
        self._current_sheet_row = None
        self._import_fields = None
        self._cells: tuple[tuple[str, str, widgets.Widget], ...] | None = None
        self.series_loader: SeriesInstanceLoader | None = None
        #: The 下見 this confirmation uses (``kpis.sheet_previews``), and every row's result.
        self._remembered: RememberedPreview | None = None
        self._row_results: list = []
        self._asked: dict[tuple[int, int | None], tuple[Kpi, KpiActual | None]] = {}

    def get_import_fields(self):
        """The same every row: computed once (django-import-export recomputes it per call)."""
        if getattr(self, "_import_fields", None) is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def get_queryset(self):
        """Rows are matched only against the series of the edition's plan (never another plan)."""
        if self.edition is None:
            return KpiActual.objects.none()
        return KpiActual.objects.filter(kpi__edition__plan_id=self.edition.plan_id)

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        self._dry_run = dry_run
        self.acting_user = self.acting_user or kwargs.get("user")
        self._file_name = kwargs.get("file_name") or ""
        headers = dataset.headers or ()
        self._sheet_rows = [int(row) for row in dataset[ROW]] if ROW in headers else []
        # The policy's questions about the rows' KPIs (and their series') read their bureaus once.
        codes = {normalize_code(code) for code in dataset[CODE]} if CODE in headers else set()
        kpis = (
            Kpi.objects.filter(edition__plan_id=self.edition.plan_id, code__in=codes)
            if self.edition is not None
            else Kpi.objects.none()
        )
        remembered = self._remembered_preview(dry_run)
        self._remembered, self._row_results = None, []
        with permissions.kpi_bureaus_read_together(kpis):
            if remembered is not None and sheet_previews.unchanged_since(
                remembered,
                edition=self.edition,
                acting_user=self.acting_user,
                series=self.get_queryset(),
                dataset=dataset,
            ):
                self._remembered = remembered
            result = super().import_data(
                dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs
            )
        for invalid in result.invalid_rows:  # the sheet's row, not the dataset's index
            if 0 < invalid.number <= len(self._sheet_rows):
                invalid.number = self._sheet_rows[invalid.number - 1]
        result.digest = self.digest
        result.proposal = self.proposal
        if dry_run and self.changes and not (result.has_errors() or result.has_validation_errors()):
            self._remember(dataset)
        return result

    # --- The 下見 remembered for its confirmation (kpis.sheet_previews) --------------------------

    def _remembered_preview(self, dry_run: bool) -> RememberedPreview | None:
        if dry_run or self.edition is None:
            return None
        user_pk = getattr(self.acting_user, "pk", None)
        return sheet_previews.take(self.expected_digest, user_pk, self.edition.pk)

    def _remember(self, dataset) -> None:
        loader = self.series_loader
        if loader is None or self.edition is None:
            return
        loader.actuals  # noqa: B018 — loaded (its state taken) even if no row asked
        sheet_previews.remember(
            RememberedPreview(
                digest=self.digest,
                user_pk=getattr(self.acting_user, "pk", None),
                edition_pk=self.edition.pk,
                fingerprint=sheet_previews.fingerprint(dataset.headers or (), dataset),
                kpis={code: kpi.pk for code, kpi in self.fields["kpi"].widget.by_code.items()},
                years=loader.years,
                series=loader.state,
                asked=tuple(self._asked.values()),
                row_results=tuple(self._row_results),
                changes=tuple(self.changes),
            )
        )

    def before_import(self, dataset, **kwargs) -> None:
        if self._remembered is not None:
            self.changes = list(self._remembered.changes)
            return
        widget = self.fields["kpi"].widget
        if self.edition is not None:
            widget.by_code = {kpi.code: kpi for kpi in Kpi.objects.filter(edition=self.edition)}
            widget.edition_title = self.edition.title
        self.changes = []

    def after_init_instance(self, instance, new, row, **kwargs) -> None:
        if not new:
            self._originals[instance.pk] = deepcopy(instance)

    def _cell_fields(self) -> tuple[tuple[str, str, widgets.Widget], ...]:
        """(attribute, column, widget) of the fields a row sets: every import field but the
        read-only ones (this sheet's fields are plain: no default, no ``__`` path, no m2m)."""
        if self._cells is None:
            cells = []
            for field in self.get_import_fields():
                if field.readonly or not field.attribute:
                    continue
                if (
                    field.default is not NOT_PROVIDED
                    or not field.saves_null_values
                    or "__" in field.attribute
                    or isinstance(field.widget, widgets.ManyToManyWidget)
                ):
                    raise ImproperlyConfigured(f"{field!r}: not a plain field of the sheet")
                cells.append((field.attribute, field.column_name, field.widget))
            self._cells = tuple(cells)
        return self._cells

    def import_instance(self, instance, row, **kwargs) -> None:
        """The row's cells onto the record through the fields' widgets, as django-import-export's
        ``import_instance`` and ``Field.save`` do for plain fields (the same values and errors:
        a widget's ``ValueError`` is the column's error), without their layers for each cell;
        then the value's parts from its text."""
        errors: dict[str, list] = {}
        for attribute, column, widget in self._cell_fields():
            if attribute == "kpi" and instance.pk is not None:
                continue  # the series' actual keeps its KPI (perhaps of an earlier edition)
            if column not in row:
                continue
            try:
                setattr(instance, attribute, widget.clean(row[column], row=row))
            except ValueError as error:
                errors[attribute] = [ValidationError(force_str(error), code="invalid")]
        original = self._originals.get(instance.pk) if instance.pk else None
        if original is None or original.text != instance.text:
            # Parts are read from a new text; an unchanged text keeps the parts it has (perhaps
            # corrected by hand in the admin).
            for name, value in value_parts(instance.text).items():
                setattr(instance, name, value)
        if not instance.text and (row.get(STATUS) or row.get(NOTE)):
            errors.setdefault("text", []).append(MSG_TEXT_REQUIRED)
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None) -> bool:
        if not any(row.get(name) for name in (TEXT, STATUS, NOTE)):
            return True  # nothing asked of this KPI (whatever its other cells say)
        if import_validation_errors or instance.pk is None:
            return False
        before = self._originals[instance.pk]
        return all(getattr(before, name) == getattr(instance, name) for name in SHEET_FIELDS)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's rules without a query per row (the KPI was looked up, uniqueness is the
        series' key), the policy, and one row per KPI and year."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=[*errors, "kpi", "entered_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.kpi_id is not None and not self._may_enter(instance):
            errors.setdefault(NON_FIELD_ERRORS, []).append(permissions.ACTUAL_ROW_REFUSED)
        key = (instance.kpi.code if instance.kpi_id else "", instance.year)
        if instance.kpi_id and key in self._seen:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                MSG_DUPLICATE.format(row=self._seen[key])
            )
        elif instance.kpi_id:
            self._seen[key] = self._current_sheet_row
        if errors:
            raise ValidationError(errors)

    def _may_enter(self, instance: KpiActual) -> bool:
        key = (instance.kpi_id, instance.pk)
        if key not in self._allowed:
            original = self._originals.get(instance.pk) if instance.pk else None
            self._asked[key] = (instance.kpi, original)
            if self._actual_entry is None:
                self._actual_entry = permissions.ActualEntry(self.acting_user)
            self._allowed[key] = self._actual_entry(instance.kpi, original)
        return self._allowed[key]

    def import_row(self, row, instance_loader, **kwargs):
        if self._remembered is not None:  # the 下見's result for this row (nothing changed since)
            return self._remembered.row_results[kwargs["row_number"] - 1]
        row_result = self._import_row(row, instance_loader, **kwargs)
        self._row_results.append(row_result)
        return row_result

    def _import_row(self, row, instance_loader, **kwargs):
        self._current_sheet_row = row.get(ROW)
        self._diff = None
        row_result = super().import_row(row, instance_loader, **kwargs)
        if self._diff is not None and row_result.import_type in ("new", "update"):
            row_result.diff = self._diff
        if row_result.validation_error is not None:
            row_result.validation_error = self._by_column(row_result.validation_error)
        return row_result

    def _by_column(self, error: ValidationError) -> ValidationError:
        """Errors keyed by the sheet's column names (「表記」), as people see them."""
        columns = {field.attribute: field.column_name for field in self.fields.values()}
        columns["value"] = TEXT
        columns.update({name: TEXT for name in ("unit", "qualifier", "fiscal_year", "period")})
        by_column: dict[str, list] = {}
        for name, messages in error.message_dict.items():
            column = NON_FIELD_ERRORS if name == NON_FIELD_ERRORS else columns.get(name, name)
            by_column.setdefault(column, []).extend(messages)
        return ValidationError(by_column)

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        """Never saves: the row becomes a proposed change (``after_import`` proposes them all)."""
        user_id = getattr(self.acting_user, "pk", None)
        original = None if is_create else self._originals[instance.pk]
        self._diff = _LazyDiff(self, original, instance)
        if is_create:
            instance.entered_by_id = user_id
            values = field_values(instance)
            key = f"actual:{instance.kpi.code}:{instance.year}"
            self.changes.append(ProposedChange.create(KpiActual, values, key=key))
            return
        before, after = field_values(original), field_values(instance)
        changed = {name: value for name, value in after.items() if before[name] != value}
        if changed:
            changed["entered_by_id"] = user_id
            self.changes.append(ProposedChange.update(original, changed))

    def save_m2m(self, instance, row, **kwargs) -> None:
        return None

    def after_import(self, dataset, result, **kwargs) -> None:
        remembered = self._remembered  # the same changes as its 下見's: the same digest
        self.digest = remembered.digest if remembered is not None else changes_digest(self.changes)
        if self._dry_run or result.has_errors() or result.has_validation_errors():
            return
        if not self.changes:
            return
        if self.expected_digest and self.expected_digest != self.digest:
            raise ValidationError(MSG_STALE)
        years = sorted(
            {change.values.get("year") or change.instance.year for change in self.changes}
        )
        label = "・".join(f"{year}年度" for year in years)
        self.proposal = change_propose(
            acting_user=self.acting_user,
            edition=self.edition,
            changes=self.changes,
            reason=self.reason or f"{label}の実績値 (実績値シート「{self._file_name}」の取り込み)",
            title=f"{label}の実績値 {len(self.changes)} 件 (実績値シート)",
            source=ChangeRequest.Source.IMPORT,
            source_name=self._file_name[:200],
        )


def changes_digest(changes: list[ProposedChange]) -> str:
    """What an import would do, as a digest: the preview and its confirmation must agree."""
    described = [
        [
            change.operation,
            change.instance.pk if change.instance is not None else None,
            snapshot(change.instance) if change.instance is not None else None,
            {name: to_json(value) for name, value in sorted(change.values.items())},
        ]
        for change in changes
    ]
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()
