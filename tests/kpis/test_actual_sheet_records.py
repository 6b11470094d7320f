"""What importing a filled 「実績値」 sheet writes, record by record: the actuals, their history rows,
the change request with its items and events, and the e-mails. Staff's import is one pending
request that a coordinator approves; a coordinator's is applied at once. Literal expectations, so
that a faster way of writing the same rows (in bulk) is held to writing exactly these."""

from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Bureau
from kpis.actual_sheet_services import actual_sheet_export, actual_sheet_import
from kpis.models import ActualStatus, Kpi, KpiActual
from plan.changes import change_request_approve
from plan.models import ChangeRequest
from tests.kpis.sheet_helpers import append_row, fill

pytestmark = pytest.mark.django_db

DEFAULT_REASON = "2024年度の実績値 (実績値シート「産業経済局.xlsx」の取り込み)"


@pytest.fixture
def sheet(world):
    """産業経済局's sheet for FY2024 with K035's actual already entered (「21ha」, to be updated)
    and K038's (「前年度以下」, left as it is); the people have e-mail addresses."""
    for user, address in ((world.sangyo, "sangyo@example.jp"), (world.coordinator, "c@example.jp")):
        user.email = address
        user.save(update_fields=["email"])
    KpiActual.objects.create(kpi=Kpi.objects.get(code="K035"), year=2024, text="21ha")
    KpiActual.objects.create(kpi=Kpi.objects.get(code="K038"), year=2024, text="前年度以下")
    exported = actual_sheet_export(
        acting_user=world.sangyo, bureau=Bureau.objects.get(name="産業経済局"), year=2024
    )
    return fill(
        exported,
        {
            ("K002", "表記"): "0件",
            ("K019", "表記"): "3社 (R6～R7年度累計)",
            ("K035", "表記"): "約25ha",
            ("K035", "確定状況"): "確定値",
            ("K035", "出典・備考"): "森林課調べ",
            ("K039", "表記"): "1,200m3",
            ("K040", "表記"): "1.5%",
            ("K040", "出典・備考"): "速報",
        },
    )


def actual_rows() -> list[tuple]:
    return [
        (
            actual.kpi.code,
            actual.year,
            actual.text,
            actual.value,
            actual.unit,
            actual.qualifier,
            actual.fiscal_year,
            actual.fiscal_year_end,
            actual.period,
            actual.status,
            actual.note,
            actual.entered_by.username if actual.entered_by else None,
        )
        for actual in KpiActual.objects.select_related("kpi", "entered_by").order_by("kpi__code")
    ]


def history_rows(request: ChangeRequest | None) -> list[tuple]:
    """The history rows the request wrote (all of them when ``request`` is None), by KPI code."""
    rows = KpiActual.history.select_related("kpi", "history_user", "proposed_by", "approved_by")
    if request is not None:
        rows = rows.filter(change_request=request)
    return [
        (
            row.kpi.code,
            row.year,
            row.history_type,
            row.history_user.username if row.history_user else None,
            row.history_change_reason,
            row.proposed_by.username if row.proposed_by else None,
            row.approved_by.username if row.approved_by else None,
            row.text,
            row.value,
            row.unit,
            row.status,
            row.note,
            row.entered_by.username if row.entered_by else None,
        )
        for row in rows.order_by("kpi__code", "history_id")
    ]


def item_rows(request: ChangeRequest, names: dict) -> list[tuple]:
    """The request's items; user pks in ``proposed`` are shown as usernames (``names``)."""

    def readable(values: dict) -> dict:
        return {
            name: names.get(value, value) if name == "entered_by_id" else value
            for name, value in values.items()
        }

    return [
        (
            item.position,
            item.model_label,
            item.object_pk is not None,
            item.key,
            item.operation,
            item.object_repr,
            readable(item.base),
            readable(item.proposed),
        )
        for item in request.items.order_by("position")
    ]


def event_rows(request: ChangeRequest) -> list[tuple]:
    return [
        (event.kind, event.actor.username, event.revision, event.comment)
        for event in request.events.select_related("actor").order_by("pk")
    ]


def new_item(position, code, kpi_pk, text, parts, *, user, status="preliminary", note=""):
    value, unit, qualifier, fiscal_year, fiscal_year_end, period = parts
    return (
        position,
        "kpis.kpiactual",
        False,
        f"actual:{code}:2024",
        "create",
        text,
        {},
        {
            "kpi_id": kpi_pk,
            "year": 2024,
            "text": text,
            "value": value,
            "unit": unit,
            "qualifier": qualifier,
            "fiscal_year": fiscal_year,
            "fiscal_year_end": fiscal_year_end,
            "period": period,
            "status": status,
            "note": note,
            "entered_by_id": user,
        },
    )


def staff_items(user: str) -> list[tuple]:
    return [
        new_item(1, "K002", 2, "0件", ("0", "件", "", None, None, ""), user=user),
        new_item(
            2,
            "K019",
            19,
            "3社 (R6～R7年度累計)",
            ("3", "社", "", 2024, 2025, "cumulative"),
            user=user,
        ),
        (
            3,
            "kpis.kpiactual",
            True,
            "",
            "update",
            "令和6年度 (2024)の実績値: 21ha",
            {
                "kpi_id": 35,
                "year": 2024,
                "text": "21ha",
                "value": None,
                "unit": "",
                "qualifier": "",
                "fiscal_year": None,
                "fiscal_year_end": None,
                "period": "",
                "status": "preliminary",
                "note": "",
                "entered_by_id": None,
            },
            {
                "text": "約25ha",
                "value": "25",
                "unit": "ha",
                "qualifier": "約",
                "status": "final",
                "note": "森林課調べ",
                "entered_by_id": user,
            },
        ),
        new_item(4, "K039", 39, "1,200m3", ("1200", "m3", "", None, None, ""), user=user),
        new_item(5, "K040", 40, "1.5%", ("1.5", "%", "", None, None, ""), user=user, note="速報"),
    ]


def applied_actuals(user: str) -> list[tuple]:
    pre = ActualStatus.PRELIMINARY
    return [
        ("K002", 2024, "0件", Decimal("0"), "件", "", None, None, "", pre, "", user),
        (
            "K019",
            2024,
            "3社 (R6～R7年度累計)",
            Decimal("3"),
            "社",
            "",
            2024,
            2025,
            "cumulative",
            pre,
            "",
            user,
        ),
        (
            "K035",
            2024,
            "約25ha",
            Decimal("25"),
            "ha",
            "約",
            None,
            None,
            "",
            ActualStatus.FINAL,
            "森林課調べ",
            user,
        ),
        ("K038", 2024, "前年度以下", None, "", "", None, None, "", pre, "", None),
        ("K039", 2024, "1,200m3", Decimal("1200"), "m3", "", None, None, "", pre, "", user),
        ("K040", 2024, "1.5%", Decimal("1.5"), "%", "", None, None, "", pre, "速報", user),
    ]


def applied_history(proposer: str, approver: str, reason: str) -> list[tuple]:
    who = (approver, reason, proposer, approver)
    pre = ActualStatus.PRELIMINARY
    return [
        ("K002", 2024, "+", *who, "0件", Decimal("0"), "件", pre, "", proposer),
        ("K019", 2024, "+", *who, "3社 (R6～R7年度累計)", Decimal("3"), "社", pre, "", proposer),
        (
            "K035",
            2024,
            "~",
            *who,
            "約25ha",
            Decimal("25"),
            "ha",
            ActualStatus.FINAL,
            "森林課調べ",
            proposer,
        ),
        ("K039", 2024, "+", *who, "1,200m3", Decimal("1200"), "m3", pre, "", proposer),
        ("K040", 2024, "+", *who, "1.5%", Decimal("1.5"), "%", pre, "速報", proposer),
    ]


def imported(*, after_preview: bool, **arguments):
    """The sheet imported, directly or (``after_preview``) confirming its 下見 (its digest), as the
    admin does: the same records either way (``kpis.sheet_previews``)."""
    if after_preview:
        preview = actual_sheet_import(dry_run=True, **arguments)
        assert preview.errors == ()
        arguments["expected_digest"] = preview.digest
    return actual_sheet_import(**arguments)


@pytest.mark.parametrize("after_preview", [False, True])
def test_staffs_import_is_one_pending_request_and_its_approval_writes_these_records(
    world, sheet, after_preview, django_capture_on_commit_callbacks
):
    names = {world.sangyo.pk: "sangyo", world.coordinator.pk: "coordinator"}
    with django_capture_on_commit_callbacks(execute=True):
        outcome = imported(
            after_preview=after_preview,
            acting_user=world.sangyo,
            source=sheet,
            file_name="産業経済局.xlsx",
        )
    assert (outcome.new, outcome.updated, outcome.unchanged, outcome.errors) == (4, 1, 1, ())
    request = ChangeRequest.objects.get()
    assert (request.status, request.revision, request.title, request.reason) == (
        ChangeRequest.Status.PENDING,
        1,
        "2024年度の実績値 5 件 (実績値シート)",
        DEFAULT_REASON,
    )
    assert (request.source, request.source_name, request.submitted_by) == (
        ChangeRequest.Source.IMPORT,
        "産業経済局.xlsx",
        world.sangyo,
    )
    assert [bureau.name for bureau in request.bureaus.all()] == ["産業経済局"]
    assert item_rows(request, names) == staff_items("sangyo")
    assert event_rows(request) == [("submitted", "sangyo", 1, DEFAULT_REASON)]
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (
            ["c@example.jp"],
            f"[環境基本計画] 変更申請 #{request.pk}: 2024年度の実績値 5 件 (実績値シート)",
        )
    ]
    # Nothing official has changed: the two actuals entered before, each with its one history row.
    assert KpiActual.objects.count() == 2
    assert KpiActual.history.count() == 2

    mail.outbox.clear()
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        change_request_approve(acting_user=world.coordinator, change_request=request)
    after = timezone.now()
    assert actual_rows() == applied_actuals("sangyo")
    assert history_rows(request) == applied_history("sangyo", "coordinator", DEFAULT_REASON)
    assert KpiActual.history.count() == 7
    dates = KpiActual.history.filter(change_request=request).values_list("history_date", flat=True)
    assert all(before <= date <= after for date in dates)
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (
        ChangeRequest.Status.APPROVED,
        world.coordinator,
    )
    assert event_rows(request) == [
        ("submitted", "sangyo", 1, DEFAULT_REASON),
        ("approved", "coordinator", 1, ""),
    ]
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (
            ["sangyo@example.jp"],
            f"[環境基本計画] 変更申請 #{request.pk} は「承認・反映済み」になりました",
        )
    ]


@pytest.mark.parametrize("after_preview", [False, True])
def test_a_coordinators_import_is_applied_at_once_writing_these_records(
    world, sheet, after_preview, django_capture_on_commit_callbacks
):
    names = {world.sangyo.pk: "sangyo", world.coordinator.pk: "coordinator"}
    # Another bureau's KPI too: a coordinator enters any KPI's actual.
    sheet = append_row(sheet, {"KPIコード": "K001", "実績年度": 2024, "表記": "120団体"})
    with django_capture_on_commit_callbacks(execute=True):
        outcome = imported(
            after_preview=after_preview,
            acting_user=world.coordinator,
            source=sheet,
            file_name="産業経済局.xlsx",
            reason="令和6年度の取りまとめ",
        )
    assert (outcome.new, outcome.updated, outcome.unchanged, outcome.errors) == (5, 1, 1, ())
    assert outcome.proposal.applied is True
    request = ChangeRequest.objects.get()
    assert outcome.proposal.created == {
        f"actual:{code}:2024": KpiActual.objects.get(kpi__code=code, year=2024).pk
        for code in ("K001", "K002", "K019", "K039", "K040")
    }
    assert (request.status, request.title, request.reason, request.decided_by) == (
        ChangeRequest.Status.APPLIED_DIRECTLY,
        "2024年度の実績値 6 件 (実績値シート)",
        "令和6年度の取りまとめ",
        world.coordinator,
    )
    assert [bureau.name for bureau in request.bureaus.order_by("name")] == [
        "環境局",
        "産業経済局",
    ]
    k001 = new_item(
        6, "K001", 1, "120団体", ("120", "団体", "", None, None, ""), user="coordinator"
    )
    assert item_rows(request, names) == [*staff_items("coordinator"), k001]
    assert event_rows(request) == [("applied", "coordinator", 1, "令和6年度の取りまとめ")]
    assert mail.outbox == []
    k001_actual = (
        "K001",
        2024,
        "120団体",
        Decimal("120"),
        "団体",
        "",
        None,
        None,
        "",
        ActualStatus.PRELIMINARY,
        "",
        "coordinator",
    )
    assert actual_rows() == [k001_actual, *applied_actuals("coordinator")]
    who = ("coordinator", "令和6年度の取りまとめ", "coordinator", "coordinator")
    assert history_rows(request) == [
        (
            "K001",
            2024,
            "+",
            *who,
            "120団体",
            Decimal("120"),
            "団体",
            "preliminary",
            "",
            "coordinator",
        ),
        *applied_history("coordinator", "coordinator", "令和6年度の取りまとめ"),
    ]
    # The two actuals entered before the import: one history row each, by nobody.
    assert [row[:5] for row in history_rows(None) if row[3] is None] == [
        ("K035", 2024, "+", None, None),
        ("K038", 2024, "+", None, None),
    ]


def test_a_coordinators_import_of_every_kpi_writes_one_actual_and_one_history_row_each(world):
    from tests.kpis.test_actual_sheet import whole_edition_sheet

    outcome = actual_sheet_import(
        acting_user=world.coordinator,
        source=whole_edition_sheet(world, "12件"),
        file_name="全体.xlsx",
    )
    assert (outcome.new, outcome.errors, outcome.proposal.applied) == (51, (), True)
    request = ChangeRequest.objects.get()
    assert request.items.count() == 51
    assert list(
        KpiActual.objects.values_list("text", "value", "unit", "entered_by__username")
        .order_by()
        .distinct()
    ) == [("12件", Decimal("12"), "件", "coordinator")]
    assert KpiActual.objects.count() == 51
    assert list(
        KpiActual.history.values_list(
            "history_type",
            "history_user__username",
            "history_change_reason",
            "change_request",
            "proposed_by__username",
        )
        .order_by()
        .distinct()
    ) == [
        (
            "+",
            "coordinator",
            "2024年度の実績値 (実績値シート「全体.xlsx」の取り込み)",
            request.pk,
            "coordinator",
        )
    ]
    assert KpiActual.history.count() == 51
    assert sorted(KpiActual.history.values_list("id", flat=True)) == sorted(
        KpiActual.objects.values_list("pk", flat=True)
    )


def test_the_preview_shows_each_changed_rows_cells_as_a_diff(world, sheet):
    outcome = actual_sheet_import(acting_user=world.sangyo, source=sheet, dry_run=True)
    rows = outcome.result.valid_rows()
    assert outcome.result.diff_headers == [
        "KPIコード",
        "実績年度",
        "表記",
        "確定状況",
        "出典・備考",
        "数値 (表記から)",
        "単位 (表記から)",
    ]
    added = '<ins style="background:#e6ffe6;">{}</ins>'
    removed = '<del style="background:#ffe6e6;">{}</del>'
    assert [(row.import_type, [str(cell) for cell in row.diff]) for row in rows] == [
        (
            "new",
            [
                "<ins>K002</ins>",
                "<ins>2024</ins>",
                "<ins>0件</ins>",
                "<ins>速報値</ins>",
                "",
                "<ins>0</ins>",
                "<ins>件</ins>",
            ],
        ),
        (
            "new",
            [
                "<ins>K019</ins>",
                "<ins>2024</ins>",
                "<ins>3社 (R6～R7年度累計)</ins>",
                "<ins>速報値</ins>",
                "",
                "<ins>3</ins>",
                "<ins>社</ins>",
            ],
        ),
        (
            "update",
            [
                "<span>K035</span>",
                "<span>2024</span>",
                removed.format("21") + added.format("約25") + "<span>ha</span>",
                removed.format("速報") + added.format("確定") + "<span>値</span>",
                added.format("森林課調べ"),
                added.format("25"),
                added.format("ha"),
            ],
        ),
        (
            "new",
            [
                "<ins>K039</ins>",
                "<ins>2024</ins>",
                "<ins>1,200m3</ins>",
                "<ins>速報値</ins>",
                "",
                "<ins>1200</ins>",
                "<ins>m3</ins>",
            ],
        ),
        (
            "new",
            [
                "<ins>K040</ins>",
                "<ins>2024</ins>",
                "<ins>1.5%</ins>",
                "<ins>速報値</ins>",
                "<ins>速報</ins>",
                "<ins>1.5</ins>",
                "<ins>%</ins>",
            ],
        ),
    ]
