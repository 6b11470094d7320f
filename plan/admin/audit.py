"""The audit log's filters (who, when, which bureau, source, words), its CSV export, and the
initial load left out.

Everything here builds ``{historical model: Q}`` for ``plan.admin.history.history_records``; the
rows and their diffs come from there, so the page and the export show the same thing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sys

from django import forms
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from accounts.models import Bureau, User
from kpis.models import Kpi, KpiValue
from plan import db_stamp
from plan.admin import history
from plan.models import ChangeRequest, ChangeRequestEvent, Measure, PolicyGoal, Project
from plan.search import limit_search_query

#: 「初期データ」: the published edition as loaded (no person, no change request).
INITIAL_LOAD = "initial"
SOURCES = [*ChangeRequest.Source.choices, (INITIAL_LOAD, "初期データ (公表版の読み込み)")]

#: The text each kind of record is found by (besides its change request's title and reason).
SEARCHED_FIELDS = {
    Project: ("code", "name", "summary"),
    Kpi: ("code", "indicator"),
    KpiValue: ("text",),
    Measure: ("title",),
    PolicyGoal: ("title",),
}

#: The export writes at most this many rows (the newest); the page says so when there are more.
MAX_EXPORT_ROWS = 5000


class AuditFilterForm(forms.Form):
    person = forms.ModelChoiceField(
        label="誰が (申請者・承認者)",
        queryset=User.objects.order_by("username"),
        required=False,
        empty_label="すべて",
    )
    since = forms.DateField(
        label="いつから", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="いつまで", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    bureau = forms.ModelChoiceField(
        label="所管局 (申請の関係する局)",
        queryset=Bureau.objects.order_by("display_order", "name"),
        required=False,
        empty_label="すべて",
    )
    source = forms.ChoiceField(
        label="経路", choices=[("", "すべて (初期データを除く)"), *SOURCES], required=False
    )
    q = forms.CharField(label="キーワード", required=False, max_length=200)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("「いつから」は「いつまで」より前の日にしてください。")
        return data


def audit_filters(models, data: dict) -> dict:
    """``{model: Q}`` on the historical rows of ``models`` for the form's cleaned ``data``."""
    common = _common_filter(data)
    terms = limit_search_query(data.get("q") or "").split()
    return {model: common & _search_filter(model, terms) for model in models}


#: The filters read change requests (title, reason, source, bureaus), which keep no history; every
#: change of a request adds an event to its thread (see ``plan.editions.review``'s ``THREADS``).
AUDIT_THREADS = ((ChangeRequest, "submitted_at"), (ChangeRequestEvent, "at"))
_KEPT = db_stamp.StampedCache(
    f"plan.audit_log:{db_stamp.fingerprint(history, sys.modules[__name__])}"
)


def audit_kept(data: dict):
    """``LatestHistory``'s ``kept`` for the log filtered by ``data``, also used for the page's rows:
    the count, each page's keys and its rows (without the people) kept in Django's cache with a
    stamp of what they read — the history tables and the records the rows' names and fields refer
    to (``history.STAMPED_MODELS``), the change requests' threads, and the bureaus' names
    (``plan.db_stamp``, read here, before the rows) — so that paging through an unchanged log
    neither counts nor sorts every model's rows again nor compares their versions; any change to
    the plan or to a request moves the stamp. The people of the page are read on each view."""
    plan_stamp = db_stamp.database_stamp(history.STAMPED_MODELS, AUDIT_THREADS)
    stamp = None if plan_stamp is None else f"{plan_stamp};{history.bureaus_stamp()}"
    shown = sorted((name, str(getattr(value, "pk", value))) for name, value in data.items())
    filters = hashlib.sha256(repr(shown).encode()).hexdigest()[:16]
    return lambda key, compute: _KEPT.cached(f"{filters}:{key}", stamp, compute)


def _common_filter(data: dict) -> Q:
    condition = Q()
    if person := data.get("person"):
        condition &= Q(proposed_by=person) | Q(approved_by=person) | Q(history_user=person)
    if since := data.get("since"):
        condition &= Q(history_date__date__gte=since)  # dates in Asia/Tokyo (TIME_ZONE)
    if until := data.get("until"):
        condition &= Q(history_date__date__lte=until)
    if bureau := data.get("bureau"):
        condition &= Q(change_request__bureaus=bureau)
    source = data.get("source")
    initial = Q(history_user__isnull=True, change_request__isnull=True)
    if source == INITIAL_LOAD:
        condition &= initial
    elif source:
        condition &= Q(change_request__source=source)
    else:
        condition &= ~initial
    return condition


def _search_filter(model, terms: list[str]) -> Q:
    condition = Q()
    for term in terms:
        found = (
            Q(change_request__title__icontains=term)
            | Q(change_request__reason__icontains=term)
            | Q(history_change_reason__icontains=term)
        )
        for name in SEARCHED_FIELDS.get(model, ()):
            found |= Q(**{f"{name}__icontains": term})
        condition &= found
    return condition


def audit_csv(rows: list[dict], file_name: str = "監査ログ.csv") -> HttpResponse:
    """The rows (``history_rows``) as CSV for Excel (UTF-8 with a byte-order mark), times in
    Asia/Tokyo, the changes as 「項目: 前 → 後」 one per line. One query for the requests."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "日時",
            "種類",
            "対象の種類",
            "対象",
            "内容 (変更前 → 変更後)",
            "申請者",
            "承認者",
            "変更申請",
            "経路",
        ]
    )
    ids = {row["record"].change_request_id for row in rows} - {None}
    requests = ChangeRequest.objects.in_bulk(ids)
    for row in rows:
        record = row["record"]
        change_request = requests.get(record.change_request_id)
        writer.writerow(
            [
                timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M"),
                row["type"],
                row["model_name"],
                row["object"],
                "\n".join(f"{f.label}: {f.before} → {f.after}" for f in row["fields"]),
                _person(record.proposed_by),
                _person(record.approved_by or record.history_user),
                f"#{change_request.pk}" if change_request else "",
                change_request.get_source_display() if change_request else "初期データ",
            ]
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response


def _person(user) -> str:
    return str(user) if user is not None else ""
