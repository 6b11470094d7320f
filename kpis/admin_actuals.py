"""The yearly 「実績値」 sheet in the admin, on django-import-export's views.

``ActualSheetAdminMixin`` gives the actuals' admin two doors, both behind the permission codes of
the settings (``IMPORT_EXPORT_*_PERMISSION_CODE``, answered by the policy):

- 「実績値シート出力」 (import-export's export URL): a form choosing the bureau (coordinators any;
  staff their own, ``may_export_actual_sheet``) and the fiscal year; the file comes from
  ``actual_sheet_export`` (the same service as ``manage.py export_actuals``).
- 「実績値シート取込」 (import-export's import → 下見 → confirm): the upload is read by
  ``ActualSheetFormat`` and compared by ``ActualSheetResource`` (dry run: the 下見 with diffs);
  confirming runs it again, not as a dry run, with the digest of the 下見 it confirms and the
  reason given: the resource hands every change to the change engine at once (staff: ONE change
  request; coordinators: applied). Any error shows the errors and writes nothing.

The admin only translates between the request and these services; it decides nothing.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ExportMixin, ImportMixin
from import_export.forms import ConfirmImportForm

from accounts import permissions
from accounts.models import Bureau
from kpis.actual_sheet import ActualSheetFormat
from kpis.actual_sheet_services import actual_sheet_export, result_errors
from kpis.resources import FIRST_YEAR, LAST_YEAR, ActualSheetResource
from plan.eras import fiscal_year_of
from plan.workbook.results import MSG_CORRUPT, WorkbookRejected

#: Rows of the 下見 shown (the rest are counted): the page stays light for a large sheet.
PREVIEW_ROWS = 200
MSG_EXPIRED = "取込内容の確認の有効期限が切れました。もう一度ファイルを選んでください。"


def default_year() -> int:
    """The year a sheet usually asks for: the fiscal year before the current one."""
    return fiscal_year_of(timezone.localdate()) - 1


class ActualSheetExportForm(forms.Form):
    bureau = forms.ModelChoiceField(label="所管局", queryset=Bureau.objects.none())
    year = forms.IntegerField(
        label="実績年度",
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        help_text="記入してもらう年度 (西暦の年度。例: 2024 = 令和6年度)。",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        allowed = [
            bureau.pk
            for bureau in Bureau.objects.all()
            if permissions.may_export_actual_sheet(user, bureau)
        ]
        self.fields["bureau"].queryset = Bureau.objects.filter(pk__in=allowed)
        self.fields["year"].initial = default_year()
        if len(allowed) == 1:
            self.fields["bureau"].initial = allowed[0]


class ActualSheetConfirmForm(ConfirmImportForm):
    """import-export's confirmation, with the digest of the 下見 shown and the request's reason."""

    preview_digest = forms.CharField(widget=forms.HiddenInput())
    reason = forms.CharField(
        label="変更理由",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="変更申請の理由になります (空なら「実績値シートの取り込み」)。",
    )


class ActualSheetAdminMixin(ImportMixin, ExportMixin):
    """Import and export of the yearly sheet (see the module's docstring)."""

    resource_classes = [ActualSheetResource]
    import_formats = [ActualSheetFormat]
    export_formats = [ActualSheetFormat]
    confirm_form_class = ActualSheetConfirmForm
    import_template_name = "admin/kpis/kpiactual/sheet_import.html"
    export_template_name = "admin/kpis/kpiactual/sheet_export.html"
    import_export_change_list_template = "admin/kpis/kpiactual/change_list_sheet.html"
    skip_admin_log = True

    # --- Import ---------------------------------------------------------------------------------

    def get_import_resource_kwargs(self, request, **kwargs) -> dict:
        form = kwargs.get("form")
        data = getattr(form, "cleaned_data", {}) if isinstance(form, ConfirmImportForm) else {}
        return {
            "acting_user": request.user,
            "reason": data.get("reason", ""),
            "expected_digest": data.get("preview_digest", ""),
        }

    def add_data_read_fail_error_to_form(self, form, e) -> None:
        if isinstance(e, WorkbookRejected):
            for message in getattr(e, "messages", None) or [e.message]:
                form.add_error("import_file", message)
        else:
            form.add_error("import_file", MSG_CORRUPT)

    def import_action(self, request, **kwargs):
        """import-export's upload and 下見; the confirmation carries the 下見's digest."""
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        context["title"] = "実績値シート取込"
        result, confirm_form = context.get("result"), context.get("confirm_form")
        if result is not None:
            context["sheet_errors"] = result_errors(result)
            context["sheet_totals"] = result.totals
            rows = result.valid_rows()
            context["preview_rows"] = rows[:PREVIEW_ROWS]
            context["preview_more"] = max(0, len(rows) - PREVIEW_ROWS)
        if result is not None and confirm_form is not None:
            confirm_form.initial["preview_digest"] = getattr(result, "digest", "")
            if not result.totals["new"] and not result.totals["update"]:
                context["confirm_form"] = None  # nothing to confirm
        return response

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirmation: read the kept upload again and import it, not as a dry run. Errors
        (a stale 下見, a refusal) are shown with the file's 下見 page; nothing is written."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        input_format = ActualSheetFormat()
        tmp_storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"],
            encoding=None,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        try:
            data = tmp_storage.read()
        except OSError:
            messages.error(request, MSG_EXPIRED)
            return HttpResponseRedirect(reverse("admin:kpis_kpiactual_import"))
        try:
            dataset = input_format.create_dataset(data)
        except WorkbookRejected as rejected:
            return self._import_errors(request, getattr(rejected, "messages", [rejected.message]))
        result = self.process_dataset(dataset, confirm_form, request, **kwargs)
        if result.has_errors() or result.has_validation_errors():
            return self._import_errors(request, result_errors(result))
        tmp_storage.remove()
        return self.process_result(result, request)

    def _import_errors(self, request, errors: list[str]) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "実績値シート取込",
            "opts": self.model._meta,
            "form": self.create_import_form(request),
            "sheet_errors": errors,
        }
        return TemplateResponse(request, [self.import_template_name], context)

    def process_result(self, result, request):
        proposal = getattr(result, "proposal", None)
        changelist = reverse("admin:kpis_kpiactual_changelist")
        if proposal is None:
            messages.info(request, "変更はありませんでした。何も取り込んでいません。")
            return HttpResponseRedirect(changelist)
        count = proposal.change_request.items.count()
        if proposal.applied:
            messages.success(request, f"{count} 件の実績値を反映しました。")
            return HttpResponseRedirect(changelist)
        messages.success(
            request,
            f"{count} 件の実績値を変更申請にしました。取りまとめ担当の承認後に反映されます。",
        )
        return HttpResponseRedirect(
            reverse("admin:plan_changerequest_change", args=[proposal.change_request.pk])
        )

    # --- Export ---------------------------------------------------------------------------------

    def export_action(self, request):
        """The bureau and the year; the file from ``actual_sheet_export``."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        form = ActualSheetExportForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            bureau, year = form.cleaned_data["bureau"], form.cleaned_data["year"]
            data = actual_sheet_export(acting_user=request.user, bureau=bureau, year=year)
            response = HttpResponse(data, content_type=ActualSheetFormat.CONTENT_TYPE)
            filename = f"actuals-{year}-{bureau.pk}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": "実績値シート出力",
            "opts": self.model._meta,
            "form": form,
        }
        return TemplateResponse(request, [self.export_template_name], context)
