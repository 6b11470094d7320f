"""The sheet (評価票) in the admin: a list filtered by the policy, and one page on which staff write
and submit it and coordinators return or confirm it. Every POST is handed to a service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts import permissions
from accounts.admin_base import OwnBureauListFilter, PolicyChangeList, PolicyModelAdmin
from evaluation import services
from evaluation.models import EvaluationSheet
from evaluation.pages import deadline_label, sheet_kpi_rows
from evaluation.states import GRADE_DEFINITIONS, Grade, SheetAction
from kpis.models import ActualStatus
from plan.admin.base import KeysFirstPaginator
from plan.admin.display import bureau_names_by_project
from plan.changes import ChangeConflict
from plan.params import whole_number

#: The most KPI inputs a posted sheet may carry (a project has a handful).
MAX_ACTUAL_INPUTS = 50


class BureauListFilter(admin.SimpleListFilter):
    title = "所管局"
    parameter_name = "bureau"

    def lookups(self, request, model_admin):
        from accounts.models import Bureau

        return [(str(pk), name) for pk, name in Bureau.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        bureau = whole_number(self.value())
        if bureau is not None:
            return queryset.filter(project__bureau_links__bureau_id=bureau)
        return queryset


def _posted_actuals(request) -> dict[int, services.ActualInput]:
    """The KPI inputs of the form (``actual-<kpi id>`` and ``actual-<kpi id>-status``), bounded."""
    found = {}
    for name, value in request.POST.items():
        parts = name.split("-")
        kpi = whole_number(parts[1]) if len(parts) == 2 and parts[0] == "actual" else None
        if kpi is None:
            continue
        if len(found) >= MAX_ACTUAL_INPUTS:
            raise ValidationError("実績値の入力欄が多すぎます。画面を開き直してください。")
        status = request.POST.get(f"{name}-status", ActualStatus.PRELIMINARY)
        found[kpi] = services.ActualInput(value, status)
    return found


#: What the list's rows read: the sheet's state and grades, its project's code and name, its
#: round's year (the round's name). The rest (the texts, the people, the projects' summaries and
#: search texts, the rounds' dates) only the sheet's own page reads.
LIST_COLUMNS = (
    "state",
    "self_assessment",
    "final_grade",
    "project__code",
    "project__name",
    "round__fiscal_year",
)
BUREAU_NAMES = "_list_bureau_names"


class SheetChangeList(PolicyChangeList):
    """The sheets list: each page's rows read narrow (``LIST_COLUMNS``), and its bureaus' names
    as values (``bureau_names_by_project``) rather than prefetched as models."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).prefetch_related(None)

    def get_results(self, request):
        # Only the page's rows are read narrow: an action gets ``get_queryset``'s whole records.
        listed = self.queryset
        self.queryset = listed.only(*LIST_COLUMNS)
        try:
            super().get_results(request)
        finally:
            self.queryset = listed
        sheets = list(self.result_list)
        names = bureau_names_by_project({sheet.project_id for sheet in sheets})
        for sheet in sheets:
            setattr(sheet, BUREAU_NAMES, names.get(sheet.project_id, []))


@admin.register(EvaluationSheet)
class EvaluationSheetAdmin(PolicyModelAdmin):
    list_display = (
        "code",
        "project_name",
        "bureau_names",
        "round",
        "state",
        "self_assessment",
        "final_grade",
    )
    list_display_links = ("code", "project_name")
    list_filter = (
        OwnBureauListFilter,
        "round",
        "state",
        BureauListFilter,
        "self_assessment",
        "final_grade",
    )
    list_select_related = ("round", "project")
    search_fields = ("project__name", "project__code")
    list_per_page = 100
    change_form_template = "admin/evaluation/sheet.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(permissions.evaluation_sheets_visible_to(request.user))
            .prefetch_related("project__bureau_links__bureau")
        )

    def get_changelist(self, request, **kwargs):
        return SheetChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """The page's keys first: the sort (by round, then project code) runs on narrow rows, not
        on every sheet joined with its round and project (9,000 wide rows at ×100)."""
        return KeysFirstPaginator(queryset, per_page, orphans, allow_empty_first_page)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="事業コード", ordering="project__code")
    def code(self, sheet) -> str:
        return sheet.project.code

    @admin.display(description="事業/取組名", ordering="project__name")
    def project_name(self, sheet) -> str:
        return sheet.project.name

    @admin.display(description="所管局")
    def bureau_names(self, sheet) -> str:
        names = getattr(sheet, BUREAU_NAMES, None)
        if names is None:
            names = [link.bureau.name for link in sheet.project.bureau_links.all()]
        return " ".join(names)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pk = whole_number(object_id)
        if pk is None:
            raise PermissionDenied
        sheet = get_object_or_404(
            self.get_queryset(request).select_related(
                "round", "project__edition", "change_request", "submitted_by", "confirmed_by"
            ),
            pk=pk,
        )
        if request.method == "POST":
            return self._post(request, sheet)
        return self._render(request, sheet)

    def _post(self, request, sheet):
        action = next(
            (
                name
                for name in ("save", "submit", "return", "confirm")
                if f"_{name}" in request.POST
            ),
            None,
        )
        version = whole_number(request.POST.get("version")) or 0
        user = request.user
        try:
            if action in ("save", "submit"):
                # 提出 saves what is on the page first, where saving is allowed; 保存 always asks.
                may_save = permissions.sheet_refusal(user, sheet, SheetAction.SAVE) is None
                if action == "save" or may_save:
                    sheet = services.sheet_save(
                        acting_user=user,
                        sheet=sheet,
                        version=version,
                        achievements=request.POST.get("achievements", ""),
                        self_assessment=request.POST.get("self_assessment", ""),
                        issues=request.POST.get("issues", ""),
                        actuals=_posted_actuals(request),
                    )
                    version = sheet.version
                if action == "submit":
                    services.sheet_submit(acting_user=user, sheet=sheet, version=version)
                    messages.success(
                        request, "評価票を提出しました。取りまとめ担当の確認を待ちます。"
                    )
                else:
                    messages.success(
                        request, "評価票を保存しました (作成中)。まだ提出していません。"
                    )
            elif action == "return":
                services.sheet_return(
                    acting_user=user,
                    sheet=sheet,
                    comment=request.POST.get("comment", ""),
                    version=version,
                )
                messages.success(request, "評価票を差し戻しました。")
            elif action == "confirm":
                services.sheet_confirm(
                    acting_user=user,
                    sheet=sheet,
                    final_grade=request.POST.get("final_grade", ""),
                    version=version,
                )
                messages.success(
                    request, "評価票を確定しました。実績値を公式の記録に反映しました。"
                )
            else:
                raise PermissionDenied
        except (services.SheetConflict, ChangeConflict) as conflict:
            return self._render(
                request, sheet, errors=conflict.messages, posted=True, conflict=True
            )
        except (ValidationError, PermissionDenied) as refused:
            errors = refused.messages if isinstance(refused, ValidationError) else [str(refused)]
            return self._render(request, sheet, errors=errors, posted=True)
        return HttpResponseRedirect(
            reverse("admin:evaluation_evaluationsheet_change", args=[sheet.pk])
        )

    def _render(self, request, sheet, errors=(), posted=False, conflict=False):
        """The page; after a refusal the person's input is shown again (nothing lost). The form
        always carries the sheet's current version: after a conflict the page shows what is saved
        now beside the person's input, so that saving again overwrites it knowingly."""
        sheet.refresh_from_db()
        data = request.POST if posted else None
        typed = None
        if data is not None:
            typed = {
                kpi_id: (given.text, given.status)
                for kpi_id, given in _safe_posted_actuals(request).items()
            }
        rows, warnings = sheet_kpi_rows(sheet, typed)
        user = request.user
        may = {
            action: permissions.sheet_refusal(user, sheet, action) is None
            for action in SheetAction.values
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"評価票: {sheet.project.name}",
            "sheet": sheet,
            "round": sheet.round,
            "deadline": deadline_label(sheet.round.deadline),
            "bureaus": [link.bureau for link in sheet.project.bureau_links.all()],
            "rows": rows,
            "warnings": warnings,
            "errors": errors,
            "may": may,
            "version": sheet.version,
            "conflict": conflict,
            "achievements": data.get("achievements", "")
            if data is not None
            else sheet.achievements,
            "self_assessment": data.get("self_assessment", "")
            if data is not None
            else sheet.self_assessment,
            "issues": data.get("issues", "") if data is not None else sheet.issues,
            "comment": data.get("comment", "") if data is not None else "",
            "grades": [(grade.value, grade.label, GRADE_DEFINITIONS[grade]) for grade in Grade],
            "actual_statuses": ActualStatus.choices,
            "events": sheet.events.select_related("actor"),
            "own_submission": sheet.submitted_by_id == user.pk,
            "may_manage": permissions.may_manage_rounds(user),
        }
        return TemplateResponse(request, self.change_form_template, context)


def _safe_posted_actuals(request) -> dict[int, services.ActualInput]:
    try:
        return _posted_actuals(request)
    except ValidationError:
        return {}
