"""The admin's Excel export and import (the city's workbook, plan.workbook).

- 出力: the selection is a ``ProjectFilterSet`` (the same one as ``export_plan`` and the tests);
  the changelist's current filters are translated into it, and an action exports a selection.
- 取込: upload → preview (every project and KPI as new / changed with its diff / unchanged /
  error) → confirm. The workbook waits in the database between the two steps. Nothing is written
  unless the whole file is clean; staff's import becomes one change request (through the change engine, plan.changes).
Who may export (view) and import (change) is the policy's answer, asked through the ModelAdmin.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header

from accounts import permissions
from accounts.admin_base import OwnBureauListFilter
from accounts.models import Bureau
from plan.changes import RequestScope, open_requests_touching
from plan.filters import FOUNDATION_GOAL, ProjectFilterSet
from plan.models import ChangeRequest, Edition, PolicyGoal, Project, WorkbookUpload
from plan.params import whole_number
from plan.search import limit_search_query
from plan.workbook import (
    DEFAULT_MAX_BYTES,
    ImportRefused,
    Status,
    WorkbookRejected,
    export_workbook,
)
from plan.workbook.uploads import (
    MAX_REASON_LENGTH,
    UploadPreview,
    workbook_upload_apply,
    workbook_upload_cancel,
    workbook_upload_preview,
    workbook_upload_review,
)

#: The preview shows this many changed projects and KPIs a page, and at most this many errors.
PREVIEW_PAGE_SIZE = 50
MAX_SHOWN_ISSUES = 200

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def latest_edition() -> Edition | None:
    return Edition.objects.order_by("-fiscal_year").first()


def workbook_response(data: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response


def _id_param(params, name: str) -> int | None:
    """An id from the changelist's query string, or None if it is missing or not a number (the
    changelist itself answers a bad value; the export link must not fail before it)."""
    return whole_number(params.get(name, ""))


def export_query_from_changelist(request) -> dict[str, str | list[str]]:
    """The changelist's filters as ProjectFilterSet parameters, so both select the same projects."""
    params = request.GET
    query: dict[str, str | list[str]] = {}
    edition = latest_edition()
    if (edition_id := _id_param(params, "edition__id__exact")) is not None:
        edition = Edition.objects.filter(pk=edition_id).first() or edition
    if edition is not None:
        query["edition"] = str(edition.fiscal_year)
    if (goal_id := _id_param(params, "listings__measure__goal__id__exact")) is not None:
        goal = PolicyGoal.objects.filter(pk=goal_id).first()
        if goal is not None:
            query["goal"] = goal.code or FOUNDATION_GOAL
    if measure_id := params.get("listings__measure__id__exact"):
        query["measure"] = measure_id
    if params.get("bureaus__id__exact"):
        bureau_id = _id_param(params, "bureaus__id__exact")
        query["bureau"] = list(Bureau.objects.filter(pk=bureau_id).values_list("name", flat=True))
    elif OwnBureauListFilter.effective(params.get("own"), request.user) == OwnBureauListFilter.MINE:
        query["bureau"] = list(
            request.user.bureaus.order_by("display_order").values_list("name", flat=True)
        )
    if "is_new__exact" in params:
        query["is_new"] = "true" if params["is_new__exact"] == "1" else "false"
    if params.get("q"):
        query["q"] = limit_search_query(params["q"])
    return query


def export_file_name(filterset: ProjectFilterSet, edition: Edition | None) -> str:
    parts = ["個別プロジェクト集", str(edition.fiscal_year) if edition else ""]
    data = filterset.form.cleaned_data if filterset.is_valid() else {}
    parts += [bureau.name for bureau in data.get("bureau") or ()]
    if data.get("goal"):
        parts.append(f"政策目標{data['goal']}")
    return "_".join(part for part in parts if part) + ".xlsx"


class UploadForm(forms.Form):
    edition = forms.ModelChoiceField(
        label="版",
        queryset=Edition.objects.select_related("plan").order_by("-fiscal_year"),
        empty_label=None,
    )
    workbook = forms.FileField(
        label="Excel ブック (.xlsx)",
        help_text=f"個別プロジェクトの一覧の「Excel 出力」で書き出して編集したブックを選んでください (上限 {DEFAULT_MAX_BYTES // (1024 * 1024)} MB)。",
    )
    reason = forms.CharField(
        label="変更理由",
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="変更申請の「変更理由」になります (空のときは「Excel 取込 (ファイル名)」)。",
    )


def _own_requests_overlapping(user, result) -> list[ChangeRequest]:
    """The user's open requests holding a change to a record the import would change: the import
    becomes a request of its own, and whichever is approved second will conflict. One query."""
    records = {
        (change.model_label, change.instance.pk)
        for group in result.groups
        for change in group.changes
        if change.instance is not None
    }
    if not records or not permissions.requires_approval(user):
        return []
    return list(
        open_requests_touching(RequestScope(records=frozenset(records)))
        .filter(submitted_by=user)
        .order_by("-submitted_at", "-pk")
    )


class WorkbookAdminMixin:
    """Export and import views on the project admin."""

    change_list_template = "admin/plan/project/change_list.html"
    actions = ("export_selected",)

    def workbook_urls(self):
        from django.urls import path

        view = self.admin_site.admin_view
        return [
            path("export/", view(self.export_view), name="plan_project_export"),
            path("import/", view(self.import_view), name="plan_project_import"),
            path(
                "import/<int:upload_id>/",
                view(self.import_review_view),
                name="plan_project_import_review",
            ),
            path(
                "import/<int:upload_id>/confirm/",
                view(self.import_confirm_view),
                name="plan_project_import_confirm",
            ),
        ]

    def changelist_view(self, request, extra_context=None):
        from urllib.parse import urlencode

        extra_context = {
            **(extra_context or {}),
            "export_query": urlencode(export_query_from_changelist(request), doseq=True),
            "may_import": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description="選択した事業を Excel 出力", permissions=("view",))
    def export_selected(self, request, queryset):
        editions = set(queryset.values_list("edition", flat=True))
        if len(editions) != 1:
            self.message_user(request, "一つの版の事業を選んでください。", messages.ERROR)
            return None
        return workbook_response(export_workbook(queryset), "個別プロジェクト集_選択.xlsx")

    # --- Export (「出力」) ---

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        params = request.GET.copy()
        if "edition" not in params and (edition := latest_edition()) is not None:
            params["edition"] = str(edition.fiscal_year)
        filterset = ProjectFilterSet(params, queryset=Project.objects.all())
        if "download" in request.GET and filterset.is_valid():
            projects = filterset.qs
            edition = Edition.objects.filter(
                fiscal_year=filterset.form.cleaned_data["edition"]
            ).first()
            if not projects.exists():
                messages.warning(request, "条件に合う事業がありません。")
            else:
                return workbook_response(
                    export_workbook(projects), export_file_name(filterset, edition)
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Excel 出力",
            "filterset": filterset,
            "count": filterset.qs.count() if filterset.is_valid() else 0,
        }
        return TemplateResponse(request, "admin/plan/project/export.html", context)

    # --- Import (「取込」) ---

    def import_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = UploadForm(
            request.POST or None, request.FILES or None, initial={"edition": latest_edition()}
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Excel 取込",
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            upload_file = form.cleaned_data["workbook"]
            try:
                preview = workbook_upload_preview(
                    acting_user=request.user,
                    edition=form.cleaned_data["edition"],
                    file=upload_file,
                    file_name=upload_file.name,
                    reason=form.cleaned_data["reason"],
                )
            except WorkbookRejected as rejected:
                form.add_error("workbook", rejected.message)
                return TemplateResponse(request, "admin/plan/project/import.html", context)
            context.update(self._preview_context(request, preview))
            return TemplateResponse(request, "admin/plan/project/import_preview.html", context)
        return TemplateResponse(request, "admin/plan/project/import.html", context)

    def import_review_view(self, request, upload_id):
        """Another page of a waiting upload's preview."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        upload = get_object_or_404(WorkbookUpload, pk=upload_id, uploaded_by=request.user)
        preview = workbook_upload_review(acting_user=request.user, upload=upload)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            **self._preview_context(request, preview),
        }
        return TemplateResponse(request, "admin/plan/project/import_preview.html", context)

    @staticmethod
    def _preview_context(request, preview: UploadPreview) -> dict:
        """The summary, the first errors, and one page of the projects and KPIs that change."""
        result = preview.result
        shown = (Status.NEW, Status.CHANGED, Status.ERROR)
        items = [("project", item) for item in result.preview.projects if item.status in shown]
        items += [("kpi", item) for item in result.preview.kpis if item.status in shown]
        page = Paginator(items, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        return {
            "title": f"Excel 取込の内容確認: {preview.file_name}",
            "file_name": preview.file_name,
            "result": result,
            "upload": preview.upload,
            "errors": result.errors[:MAX_SHOWN_ISSUES],
            "more_errors": max(len(result.errors) - MAX_SHOWN_ISSUES, 0),
            "warnings": result.warnings[:MAX_SHOWN_ISSUES],
            "more_warnings": max(len(result.warnings) - MAX_SHOWN_ISSUES, 0),
            # Items by state (an item with errors is 「エラーのある…」); the errors themselves are
            # counted once, as the banner counts them.
            "project_counts": {
                ("エラーのある事業" if status == Status.ERROR else status.label): count
                for status, count in result.preview.project_counts().items()
            },
            "kpi_counts": {
                ("エラーのある KPI" if status == Status.ERROR else status.label): count
                for status, count in result.preview.kpi_counts().items()
            },
            "page": page,
            "projects": [item for kind, item in page.object_list if kind == "project"],
            "kpis": [item for kind, item in page.object_list if kind == "kpi"],
            "requires_approval": permissions.requires_approval(request.user),
            "overlapping": _own_requests_overlapping(request.user, result),
        }

    def import_confirm_view(self, request, upload_id):
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        upload = get_object_or_404(WorkbookUpload, pk=upload_id, uploaded_by=request.user)
        if "cancel" in request.POST:
            workbook_upload_cancel(acting_user=request.user, upload=upload)
            messages.info(request, "取込を取り消しました。何も変えていません。")
            return HttpResponseRedirect(reverse("admin:plan_project_changelist"))
        try:
            change_request = workbook_upload_apply(acting_user=request.user, upload=upload)
        except ImportRefused as refused:
            for issue in refused.issues[:MAX_SHOWN_ISSUES]:
                messages.error(request, str(issue))
            if len(refused.issues) > MAX_SHOWN_ISSUES:
                messages.error(request, f"ほか {len(refused.issues) - MAX_SHOWN_ISSUES:,} 件")
            messages.error(
                request,
                "内容を確認した後にデータが変わったため取り込めませんでした。何も変えていません。",
            )
            return HttpResponseRedirect(reverse("admin:plan_project_import"))
        if change_request is None:
            messages.info(request, "変更はありませんでした。")
            return HttpResponseRedirect(reverse("admin:plan_project_changelist"))
        if change_request.status == change_request.Status.PENDING:
            messages.success(
                request,
                f"取込を変更申請 #{change_request.pk} として提出しました。取りまとめ担当の承認後に反映されます。",
            )
        else:
            messages.success(
                request, f"取込を反映しました (変更申請 #{change_request.pk} として記録)。"
            )
        return HttpResponseRedirect(
            reverse("admin:plan_changerequest_change", args=[change_request.pk])
        )
