"""The yearly 「実績値」 sheet's services: export a bureau's sheet, import a filled one. The admin
(``kpis.admin_actuals``, through django-import-export's import/confirm views) and the commands
(``export_actuals``, ``import_actuals``) use the same resources, format and rules.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from import_export.results import Result

from accounts import permissions
from accounts.models import Bureau
from kpis.actual_sheet import MAX_ERRORS, ActualSheetFormat, read_actual_sheet
from kpis.models import Kpi
from kpis.resources import ActualSheetResource, current_edition
from kpis.resources_export import ActualSheetExportResource
from plan.changes import ChangeConflict, Proposal
from plan.models import Edition
from plan.workbook.results import WorkbookRejected

logger = logging.getLogger(__name__)

IMPORT_REFUSED = "実績値シートを取り込む権限がありません。"
NO_EDITION = "版がありません。先に個別プロジェクト集の版を登録してください。"


def actual_sheet_kpis(bureau: Bureau, edition: Edition):
    """The KPIs of a bureau's sheet: those of the edition linked to one of its projects."""
    return Kpi.objects.filter(edition=edition).for_bureaus([bureau.pk])


def actual_sheet_export(
    *, acting_user, bureau: Bureau, year: int, edition: Edition | None = None
) -> bytes:
    """The bureau's sheet for ``year`` as xlsx bytes. Four queries for the rows, whatever their
    number (see ``ActualSheetExportResource``)."""
    if not permissions.may_export_actual_sheet(acting_user, bureau):
        raise PermissionDenied(permissions.ACTUAL_SHEET_BUREAU_REFUSED)
    edition = edition or current_edition()
    if edition is None:
        raise PermissionDenied(NO_EDITION)
    dataset = ActualSheetExportResource(year=year).export(
        queryset=actual_sheet_kpis(bureau, edition)
    )
    return ActualSheetFormat().export_data(dataset)


@dataclass(frozen=True)
class ActualSheetImport:
    """What an import found (and, when it was not a dry run, did).

    ``errors`` lists at most ``MAX_ERRORS`` messages, each naming the sheet and row; when there
    is any, nothing was written. ``digest`` names the changes shown (a confirmation carries it).
    """

    new: int
    updated: int
    unchanged: int
    errors: tuple[str, ...]
    digest: str = ""
    proposal: Proposal | None = None
    result: Result | None = None

    @property
    def changes(self) -> int:
        return self.new + self.updated


def error_texts(error: BaseException) -> list[str]:
    """An exception raised while importing, as the sentences it carries (never a traceback)."""
    if isinstance(error, ValidationError | ChangeConflict):
        return list(error.messages)
    if isinstance(error, PermissionDenied) and str(error):
        return [str(error)]
    logger.error("実績値シートの取り込みで予期しないエラー", exc_info=error)
    return ["取り込めませんでした (予期しないエラー)。管理者に連絡してください。"]


def result_errors(result: Result, limit: int = MAX_ERRORS) -> list[str]:
    """The result's errors as sentences naming the sheet, the row and the column."""
    from kpis.actual_sheet import place

    messages = [text for error in result.base_errors for text in error_texts(error.error)]
    for number, errors in result.row_errors():
        for error in errors:
            messages.extend(
                f"{place(None)} {number}件目: {text}" for text in error_texts(error.error)
            )
    for invalid in result.invalid_rows:
        for column, column_messages in invalid.error_dict.items():
            where = place(invalid.number, "" if column == "__all__" else column)
            messages.extend(f"{where}: {str(message).rstrip('。')}" for message in column_messages)
    if len(messages) > limit:
        messages = [
            *messages[:limit],
            f"ほかにもエラーがあります (最初の {limit} 件だけを示しました)。",
        ]
    return messages


def actual_sheet_import(
    *,
    acting_user,
    source: bytes | str | os.PathLike | IO[bytes],
    file_name: str = "",
    dry_run: bool = False,
    reason: str = "",
    expected_digest: str = "",
    edition: Edition | None = None,
) -> ActualSheetImport:
    """Read the sheet and compare it with the series; unless ``dry_run``, propose every change at
    once (a staff member's import becomes one change request; a coordinator's is applied). All or
    nothing: with any error, nothing is written and the errors are returned."""
    if not acting_user.has_perm("kpis.change_kpiactual"):
        raise PermissionDenied(IMPORT_REFUSED)
    try:
        dataset = read_actual_sheet(source)
    except WorkbookRejected as rejected:
        messages = getattr(rejected, "messages", None) or [rejected.message]
        return ActualSheetImport(0, 0, 0, tuple(messages))
    resource = ActualSheetResource(
        acting_user=acting_user, edition=edition, reason=reason, expected_digest=expected_digest
    )
    result = resource.import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        rollback_on_validation_errors=True,
        user=acting_user,
        file_name=file_name,
    )
    totals = result.totals
    return ActualSheetImport(
        new=totals["new"],
        updated=totals["update"],
        unchanged=totals["skip"],
        errors=tuple(result_errors(result)),
        digest=resource.digest,
        proposal=resource.proposal,
        result=result,
    )
