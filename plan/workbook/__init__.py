"""The city's Excel workbook (「個別プロジェクト集」): its format, writing, reading, comparing with an edition,
and importing it as one change. The format is described in docs/workbook-format.md.

Modules, in the order data flows:

- ``columns``: the sheets, their columns and the notation shared by writing and comparing;
- ``results``: messages, issues and the types that reading and comparing produce;
- ``write``: export (no database writes);
- ``container``: the file itself, checked before any sheet is parsed (size, type, zip);
- ``read``: the sheets into rows (no database);
- ``state``: the edition as stored, loaded as values;
- ``compare``: rows against the edition: what importing would change (its steps in
  ``compare_projects`` and ``compare_kpis``);
- ``proposals``: a comparison turned into the change engine's proposed changes;
- ``imports``: the import use case (preview, apply) through the change engine.

``plan.workbook`` stays the import path for all of them.
"""

from plan.search import normalize_for_search as normalize_key
from plan.workbook.columns import (
    BASELINE,
    BUREAUS,
    CODE,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    FORMULA_PREFIXES,
    GOAL,
    INDICATOR,
    KPI_CODE,
    KPI_COLUMNS,
    KPI_SHEET,
    LISTING_COLUMNS,
    LISTING_SHEET,
    MAX_EXPANSION_RATIO,
    MEASURE,
    MEGABYTE,
    NAME,
    NEW_MARK,
    NUMBER,
    PROJECT_CODES,
    SHEET_ORDER,
    SUMMARY,
    TARGET,
    VALUE_PART_LABELS,
    Column,
    circled_number,
    excel_number,
    format_decimal,
    kpi_cell_texts,
    measure_label,
    value_header,
)
from plan.workbook.compare import (
    compare_with_database,
)
from plan.workbook.imports import (
    ImportPreview,
    ImportRefused,
    workbook_import_apply,
    workbook_import_preview,
)
from plan.workbook.proposals import (
    change_groups,
    kpi_key,
    project_key,
)
from plan.workbook.read import (
    read_workbook,
)
from plan.workbook.results import (
    MSG_CORRUPT,
    MSG_EMPTY_FILE,
    MSG_ENCRYPTED,
    MSG_FORMULA,
    MSG_NEED_INTEGER,
    MSG_NEED_NUMBER,
    MSG_NEED_TEXT,
    MSG_NOT_XLSX,
    MSG_PDF,
    MSG_REQUIRED,
    MSG_TEXT,
    MSG_TOO_LARGE,
    MSG_TOO_LARGE_EXPANDED,
    MSG_TOO_MANY_ROWS,
    MSG_XLS,
    Issue,
    KpiData,
    KpiPreview,
    KpiRow,
    KpiValueData,
    ListingPlacement,
    ListingRow,
    Preview,
    ProjectData,
    ProjectPreview,
    Status,
    WorkbookContents,
    WorkbookRejected,
)
from plan.workbook.write import (
    export_workbook,
)

__all__ = [
    "BASELINE",
    "BUREAUS",
    "CODE",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "FORMULA_PREFIXES",
    "GOAL",
    "INDICATOR",
    "KPI_CODE",
    "KPI_COLUMNS",
    "KPI_SHEET",
    "LISTING_COLUMNS",
    "LISTING_SHEET",
    "MAX_EXPANSION_RATIO",
    "MEASURE",
    "MEGABYTE",
    "MSG_CORRUPT",
    "MSG_EMPTY_FILE",
    "MSG_ENCRYPTED",
    "MSG_FORMULA",
    "MSG_NEED_INTEGER",
    "MSG_NEED_NUMBER",
    "MSG_NEED_TEXT",
    "MSG_NOT_XLSX",
    "MSG_PDF",
    "MSG_REQUIRED",
    "MSG_TEXT",
    "MSG_TOO_LARGE",
    "MSG_TOO_LARGE_EXPANDED",
    "MSG_TOO_MANY_ROWS",
    "MSG_XLS",
    "NAME",
    "NEW_MARK",
    "NUMBER",
    "PROJECT_CODES",
    "SHEET_ORDER",
    "SUMMARY",
    "TARGET",
    "VALUE_PART_LABELS",
    "Column",
    "ImportPreview",
    "ImportRefused",
    "Issue",
    "KpiData",
    "KpiPreview",
    "KpiRow",
    "KpiValueData",
    "ListingPlacement",
    "ListingRow",
    "Preview",
    "ProjectData",
    "ProjectPreview",
    "Status",
    "WorkbookContents",
    "WorkbookRejected",
    "change_groups",
    "circled_number",
    "compare_with_database",
    "excel_number",
    "export_workbook",
    "format_decimal",
    "kpi_cell_texts",
    "kpi_key",
    "measure_label",
    "normalize_key",
    "project_key",
    "read_workbook",
    "value_header",
    "workbook_import_apply",
    "workbook_import_preview",
]
