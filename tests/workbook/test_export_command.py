"""``manage.py export_plan``: the same selection as the admin, a summary, readable errors."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from openpyxl import load_workbook


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("export_plan", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def codes_in(path: Path) -> list[str]:
    workbook = load_workbook(path)
    return [row[0] for row in workbook["個別プロジェクト"].iter_rows(min_row=2, values_only=True)]


def test_exports_the_latest_edition(edition_2024, tmp_path):
    path = tmp_path / "plan.xlsx"
    output = run("-o", str(path))
    assert output == (
        f"令和6年(2024年)版: 「個別プロジェクト」97 行 (事業 90 件)、「KPI」51 行を {path} に"
        "書き出しました。\n"
    )
    assert len(codes_in(path)) == 97


def test_exports_one_bureau(edition_2024, tmp_path):
    path = tmp_path / "sangyo.xlsx"
    output = run("-o", str(path), "--edition", "2024", "--bureau", "産業経済局")
    assert output == (
        f"令和6年(2024年)版: 「個別プロジェクト」9 行 (事業 9 件)、「KPI」6 行を {path} に"
        "書き出しました。\n"
    )
    # In the published order: the foundation, then goal I (2), then goal III (1) and (2).
    assert codes_in(path) == [
        "P002",
        "P034",
        "P065",
        "P068",
        "P069",
        "P070",
        "P071",
        "P072",
        "P073",
    ]


def test_goal_and_query_options(edition_2024, tmp_path):
    path = tmp_path / "iv.xlsx"
    output = run("-o", str(path), "--goal", "IV", "--query", "環境国際")
    # 「アジア・グリーン共創ハブ推進事業」 mentions 環境国際 in its summary: its six rows come along.
    assert "「個別プロジェクト」10 行 (事業 3 件)、「KPI」3 行" in output
    assert sorted(set(codes_in(path))) == ["P022", "P089", "P090"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bureau", "環境部"], "所管局「環境部」は登録されていません。"),
        (["--edition", "2023"], "2023年度の版はありません。"),
    ],
)
def test_readable_errors_and_no_file(edition_2024, tmp_path, args, message):
    path = tmp_path / "plan.xlsx"
    with pytest.raises(CommandError) as error:
        run("-o", str(path), *args)
    assert str(error.value) == message
    assert error.value.returncode == 1
    assert not path.exists()


def test_output_must_be_xlsx_in_an_existing_folder(edition_2024, tmp_path):
    with pytest.raises(CommandError) as error:
        run("-o", str(tmp_path / "plan.csv"))
    assert (
        str(error.value)
        == f"書き出すファイルの名前は .xlsx で終えてください: {tmp_path / 'plan.csv'}"
    )
    with pytest.raises(CommandError) as error:
        run("-o", str(tmp_path / "missing" / "plan.xlsx"))
    assert str(error.value) == f"書き出し先のフォルダがありません: {tmp_path / 'missing'}"


def test_without_any_edition(db, tmp_path):
    with pytest.raises(CommandError) as error:
        run("-o", str(tmp_path / "plan.xlsx"))
    assert str(error.value) == "版がありません。先に版を読み込んでください。"


def test_exit_status_from_the_command_line(tmp_path):
    """Run as a person would: a non-zero exit status and the message on stderr."""
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]

    def command(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*manage, *args], env=environment, capture_output=True, text=True, check=False
        )

    assert command("migrate", "-v0").returncode == 0
    fixture = str(Path(settings.BASE_DIR) / "fixtures" / "edition-2024.json")
    assert command("loaddata", fixture, "-v0").returncode == 0
    failed = command("export_plan", "-o", str(tmp_path / "x.xlsx"), "--bureau", "環境部")
    assert failed.returncode == 1
    assert failed.stderr == "CommandError: 所管局「環境部」は登録されていません。\n"
    assert failed.stdout == ""
    done = command("export_plan", "-o", str(tmp_path / "x.xlsx"), "--bureau", "上下水道局")
    assert done.returncode == 0
    assert done.stdout == (
        f"令和6年(2024年)版: 「個別プロジェクト」1 行 (事業 1 件)、「KPI」3 行を {tmp_path / 'x.xlsx'} に"
        "書き出しました。\n"
    )
