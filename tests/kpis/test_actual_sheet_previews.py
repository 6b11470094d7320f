"""A confirmation following its 下見 in the same process uses what the 下見 found
(``kpis.sheet_previews``) instead of comparing every row again, only when nothing the row pass
reads has changed since; otherwise it compares every row again. Either way the outcome, the
records and the errors are the same (the records: test_actual_sheet_records, run both ways)."""

import pytest

from accounts.models import Bureau, User
from kpis.actual_sheet_services import actual_sheet_export, actual_sheet_import
from kpis.models import Kpi, KpiActual
from kpis.resources import ActualSheetResource
from kpis.sheet_previews import forget_previews
from plan.models import ChangeRequest
from tests.kpis.sheet_helpers import fill

pytestmark = pytest.mark.django_db

#: The sheet rows of 産業経済局's six KPIs.
EVERY_ROW = [2, 3, 4, 5, 6, 7]
REFUSED = "この KPI の実績値は入力できません (あなたの局が所管する事業の KPI ではありません)"


@pytest.fixture(autouse=True)
def nothing_remembered():
    forget_previews()
    yield
    forget_previews()


@pytest.fixture
def rows_compared(monkeypatch) -> list[int]:
    """How many rows the resource compared with the series (its row pass)."""
    compared: list[int] = []
    original = ActualSheetResource.import_instance

    def counted(self, instance, row, **kwargs):
        compared.append(row["行"])
        return original(self, instance, row, **kwargs)

    monkeypatch.setattr(ActualSheetResource, "import_instance", counted)
    return compared


def sangyo_sheet(world, user) -> bytes:
    KpiActual.objects.create(kpi=Kpi.objects.get(code="K035"), year=2024, text="21ha")
    exported = actual_sheet_export(
        acting_user=user, bureau=Bureau.objects.get(name="産業経済局"), year=2024
    )
    return fill(exported, {("K002", "表記"): "0件", ("K035", "表記"): "約25ha"})


def preview_of(user, data):
    preview = actual_sheet_import(acting_user=user, source=data, dry_run=True)
    assert (preview.new, preview.updated, preview.errors) == (1, 1, ())
    return preview


def test_a_confirmation_after_its_preview_compares_no_row_again(world, rows_compared):
    data = sangyo_sheet(world, world.coordinator)
    preview = preview_of(world.coordinator, data)
    assert rows_compared == EVERY_ROW
    rows_compared.clear()
    outcome = actual_sheet_import(
        acting_user=world.coordinator, source=data, expected_digest=preview.digest
    )
    assert rows_compared == []
    assert (outcome.new, outcome.updated, outcome.unchanged, outcome.errors) == (1, 1, 4, ())
    assert outcome.proposal.applied is True
    assert sorted(KpiActual.objects.values_list("kpi__code", "text")) == [
        ("K002", "0件"),
        ("K035", "約25ha"),
    ]


def test_a_preview_is_used_once(world, rows_compared):
    data = sangyo_sheet(world, world.sangyo)
    preview = preview_of(world.sangyo, data)
    first = actual_sheet_import(
        acting_user=world.sangyo, source=data, expected_digest=preview.digest
    )
    assert first.errors == ()
    rows_compared.clear()
    again = actual_sheet_import(
        acting_user=world.sangyo, source=data, expected_digest=preview.digest
    )
    assert rows_compared == EVERY_ROW  # compared again (the same changes; the request amended)
    assert (again.new, again.updated, again.errors) == (1, 1, ())
    assert ChangeRequest.objects.count() == 2  # as any second import


def test_another_person_confirming_compares_every_row(world, rows_compared):
    data = sangyo_sheet(world, world.coordinator)
    preview = preview_of(world.sangyo, data)
    rows_compared.clear()
    outcome = actual_sheet_import(
        acting_user=world.coordinator, source=data, expected_digest=preview.digest
    )
    assert rows_compared == EVERY_ROW
    assert outcome.errors == (
        "確認画面を表示した後に、実績値が変更されました。何も取り込んでいません。"
        "もう一度ファイルを選んで、新しい差分を確かめてください。",
    )  # the coordinator's changes are not staff's (entered_by), so not the digest shown
    assert ChangeRequest.objects.count() == 0


def test_a_series_changed_since_is_refused_as_stale(world, rows_compared):
    data = sangyo_sheet(world, world.coordinator)
    preview = preview_of(world.coordinator, data)
    KpiActual.objects.filter(kpi__code="K035").update(note="別の人が")  # meanwhile
    rows_compared.clear()
    outcome = actual_sheet_import(
        acting_user=world.coordinator, source=data, expected_digest=preview.digest
    )
    assert rows_compared == EVERY_ROW
    assert outcome.errors == (
        "確認画面を表示した後に、実績値が変更されました。何も取り込んでいません。"
        "もう一度ファイルを選んで、新しい差分を確かめてください。",
    )
    assert KpiActual.objects.filter(kpi__code="K002").count() == 0
    assert ChangeRequest.objects.count() == 0


def test_a_kpi_renamed_since_is_read_again(world, rows_compared):
    data = sangyo_sheet(world, world.coordinator)
    preview = preview_of(world.coordinator, data)
    Kpi.objects.filter(code="K002").update(code="K002-新")  # meanwhile
    rows_compared.clear()
    outcome = actual_sheet_import(
        acting_user=world.coordinator, source=data, expected_digest=preview.digest
    )
    assert rows_compared == EVERY_ROW
    assert outcome.errors == (
        "「実績値」シート 2行目「KPIコード」列: KPIコード「K002」は令和6年(2024年)版にありません",
    )
    assert ChangeRequest.objects.count() == 0


def test_staff_no_longer_of_the_bureau_get_the_row_errors(world, rows_compared):
    data = sangyo_sheet(world, world.sangyo)
    preview = preview_of(world.sangyo, data)
    world.sangyo.bureaus.set([Bureau.objects.get(name="環境局")])  # meanwhile
    rows_compared.clear()
    confirming = User.objects.get(pk=world.sangyo.pk)  # the confirmation's request
    outcome = actual_sheet_import(
        acting_user=confirming, source=data, expected_digest=preview.digest
    )
    assert rows_compared == EVERY_ROW
    assert outcome.errors == (
        f"「実績値」シート 2行目: {REFUSED}",
        f"「実績値」シート 4行目: {REFUSED}",
    )
    assert ChangeRequest.objects.count() == 0
    assert KpiActual.objects.get(kpi__code="K035").text == "21ha"


def test_a_confirmation_using_its_preview_costs_a_constant_number_of_queries(
    world, django_assert_max_num_queries
):
    from tests.kpis.test_actual_sheet import whole_edition_sheet

    data = whole_edition_sheet(world, "12件")
    preview = actual_sheet_import(acting_user=world.coordinator, source=data, dry_run=True)
    with django_assert_max_num_queries(28):
        outcome = actual_sheet_import(
            acting_user=world.coordinator, source=data, expected_digest=preview.digest
        )
    assert (outcome.new, outcome.errors) == (51, ())


def test_the_admins_confirmation_uses_its_preview(world, rows_compared):
    from tests.admin_forms import client_as
    from tests.kpis.test_actual_sheet_admin import confirm, upload

    client = client_as(world.sangyo)
    preview = upload(client, sangyo_sheet(world, world.sangyo))
    assert preview.context["sheet_totals"]["new"] == 1
    rows_compared.clear()
    response = confirm(client, preview)
    assert response.status_code == 302
    assert rows_compared == []
    request = ChangeRequest.objects.get()
    assert (request.status, request.items.count()) == (ChangeRequest.Status.PENDING, 2)


def test_the_permission_to_add_an_actual_is_asked_once_a_sheet(world, monkeypatch):
    """The policy's answers for each row (``permissions.ActualEntry``), Django's backends asked
    once for the permission to add, whatever the rows; in the 下見 and in its confirmation."""
    from kpis.actual_sheet import read_actual_sheet

    KpiActual.objects.create(kpi=Kpi.objects.get(code="K035"), year=2024, text="21ha")
    exported = actual_sheet_export(
        acting_user=world.coordinator, bureau=Bureau.objects.get(name="産業経済局"), year=2024
    )
    codes = list(read_actual_sheet(exported)["KPIコード"])
    data = fill(exported, {(code, "表記"): "3件" for code in codes})
    asked: list[str] = []
    original = User.has_perm

    def counted(self, perm, obj=None):
        asked.append(perm if obj is None else f"{perm} {obj.kpi.code}")
        return original(self, perm, obj)

    monkeypatch.setattr(User, "has_perm", counted)

    preview = actual_sheet_import(acting_user=world.coordinator, source=data, dry_run=True)
    assert (preview.new, preview.updated, preview.errors) == (5, 1, ())
    assert sorted(asked) == [
        "kpis.add_kpiactual",
        "kpis.change_kpiactual",  # the service's own question (may the user import at all)
        "kpis.change_kpiactual K035",
    ]
    asked.clear()
    outcome = actual_sheet_import(
        acting_user=world.coordinator, source=data, expected_digest=preview.digest
    )
    assert (outcome.new, outcome.updated, outcome.errors) == (5, 1, ())
    # once checking the 下見 still holds, once in the change engine (check_changes)
    assert asked.count("kpis.add_kpiactual") == 2
