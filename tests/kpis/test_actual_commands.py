"""The commands export_actuals and import_actuals: the same rules as the admin's doors."""

import io

import pytest
from django.core.management import CommandError, call_command

from kpis.models import KpiActual
from plan.models import ChangeRequest
from tests.kpis.sheet_helpers import append_row, fill, sheet_rows

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def export_file(tmp_path, *extra) -> bytes:
    path = tmp_path / "sangyo.xlsx"
    run("export_actuals", "--bureau", "産業経済局", "--year", "2024", "-o", str(path), *extra)
    return path.read_bytes()


def test_export_then_dry_run_then_import_as_staff(world, tmp_path):
    data = export_file(tmp_path, "--user", "sangyo")
    assert [row[0] for row in sheet_rows(data)][1:] == [
        "K002",
        "K019",
        "K035",
        "K038",
        "K039",
        "K040",
    ]
    path = tmp_path / "filled.xlsx"
    path.write_bytes(fill(data, {("K035", "表記"): "25ha"}))

    dry = run("import_actuals", str(path), "--user", "sangyo", "--dry-run")
    assert dry == (
        "新規 1 件、更新 0 件、変更なし 5 件。\n取込内容の確認だけです (--dry-run)。何も書き込んでいません。\n"
    )
    assert ChangeRequest.objects.count() == 0

    done = run("import_actuals", str(path), "--user", "sangyo")
    request = ChangeRequest.objects.get()
    assert done == (
        "新規 1 件、更新 0 件、変更なし 5 件。\n"
        f"変更申請 #{request.pk} を提出しました (取りまとめ担当の承認後に反映されます)。\n"
    )
    assert KpiActual.objects.count() == 0


def test_a_row_of_another_bureau_fails_the_command_and_writes_nothing(world, tmp_path):
    path = tmp_path / "filled.xlsx"
    path.write_bytes(
        append_row(export_file(tmp_path), {"KPIコード": "K001", "実績年度": 2024, "表記": "1MW"})
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="エラーがあるため、何も取り込みませんでした。"):
        call_command("import_actuals", str(path), "--user", "sangyo", stdout=out, stderr=out)
    assert out.getvalue() == (
        "「実績値」シート 8行目: この KPI の実績値は入力できません"
        " (あなたの局が所管する事業の KPI ではありません)\n"
    )
    assert ChangeRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--bureau", "環境局", "--user", "sangyo"],
            "この局の実績値シートは書き出せません (自局のシートだけを書き出せます)。",
        ),
        (["--bureau", "架空局"], "所管局「架空局」はありません。"),
    ],
)
def test_export_refusals(world, tmp_path, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("export_actuals", "--year", "2024", "-o", str(tmp_path / "x.xlsx"), *args)
