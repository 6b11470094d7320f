"""Importing a workbook: the use case that turns a read and compared workbook into one change
(a change request for bureau staff, applied at once for coordinators), through the change engine."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import permissions
from plan.changes import (
    ChangeConflict,
    change_propose,
    check_bureau_assignment,
    check_change_allowed,
)
from plan.models import ChangeRequest, Edition
from plan.workbook.columns import KPI_SHEET, LISTING_SHEET
from plan.workbook.compare import compare_with_database
from plan.workbook.proposals import change_groups
from plan.workbook.read import read_workbook
from plan.workbook.results import Issue, Status, WorkbookRejected


class ImportRefused(Exception):
    """The workbook cannot be imported: nothing was written. ``issues`` say where and why."""

    def __init__(self, issues):
        super().__init__("\n".join(str(issue) for issue in issues))
        self.issues = list(issues)


@dataclass
class ImportPreview:
    """What an import would do: the comparison with the edition, the records it would change
    (grouped by project and KPI), and every error, including those of the importing user's scope."""

    preview: Any
    groups: list
    errors: list
    warnings: list

    @property
    def change_count(self) -> int:
        return sum(len(group.changes) for group in self.groups)


def _refused(item, issue: Issue | None):
    if issue is None:
        return item
    return dataclasses.replace(item, status=Status.ERROR, errors=(*item.errors, issue))


def workbook_import_preview(*, acting_user, edition: Edition, file) -> ImportPreview:
    """Read a workbook and say what importing it would change, without writing anything.

    A row that would change a project or KPI the user may not change is an error (the policy
    decides, exactly as for the admin's forms); unchanged rows of other bureaus are fine.
    Raises ``WorkbookRejected`` for a file that cannot be read at all; a published edition (公表済)
    is refused the same way, before the file is read.
    """
    frozen = permissions.edition_frozen_refusal(edition)
    if frozen:
        raise WorkbookRejected(frozen)
    preview = compare_with_database(read_workbook(file), edition=edition)
    errors = list(preview.errors)
    groups = [] if preview.has_errors else change_groups(preview, edition)
    refused: dict[tuple[str, str], Issue] = {}
    for group in groups:
        try:
            for change in group.changes:
                check_change_allowed(acting_user, change)
            check_bureau_assignment(acting_user, group.changes)
        except PermissionDenied as denied:
            column = "事業コード" if group.sheet != "KPI" else "KPIコード"
            issue = Issue(
                f"{group.label}は変更できません ({str(denied).rstrip('。')})。"
                "所管する事業と、その KPI だけを変えられます。",
                sheet=group.sheet,
                row=group.rows[0] if group.rows else None,
                column=column,
            )
            errors.append(issue)
            refused[(group.sheet, group.code)] = issue
    # A refused project or KPI is an error in the preview's lists and counts too.
    preview.projects = [
        _refused(item, refused.get((LISTING_SHEET, item.code))) for item in preview.projects
    ]
    preview.kpis = [_refused(item, refused.get((KPI_SHEET, item.code))) for item in preview.kpis]
    errors.sort(key=lambda issue: issue.sort_key)
    return ImportPreview(
        preview=preview, groups=groups, errors=errors, warnings=list(preview.warnings)
    )


@transaction.atomic
def workbook_import_apply(
    *,
    acting_user,
    edition: Edition,
    file_name: str,
    file=None,
    preview: ImportPreview | None = None,
    reason: str = "",
) -> ChangeRequest | None:
    """Import a workbook, all or nothing: bureau staff's import becomes one change request;
    a coordinator's is applied at once and recorded with the file's name. ``None``: no changes.

    Give the ``file``, or the ``preview`` already made of it by the same user (the file is then not
    read twice). A preview that has gone stale is still safe: applying compares every record with
    the version the preview saw and refuses on any difference.

    The request's 「変更理由」 is ``reason`` (typed at upload), 「Excel 取込 (<file>)」 without one.
    """
    result = preview or workbook_import_preview(acting_user=acting_user, edition=edition, file=file)
    if result.errors:
        raise ImportRefused(result.errors)
    changes = [change for group in result.groups for change in group.changes]
    if not changes:
        return None
    try:
        return change_propose(
            acting_user=acting_user,
            edition=edition,
            changes=changes,
            reason=reason.strip() or f"Excel 取込 ({file_name})",
            title=f"Excel 取込: {file_name}",
            source=ChangeRequest.Source.IMPORT,
            source_name=file_name,
        ).change_request
    except ChangeConflict as conflict:
        raise ImportRefused([Issue(message) for message in conflict.messages]) from conflict
