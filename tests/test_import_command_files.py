"""import_plan reads only a regular file, and no more of it than the workbook limit (plus one byte):
a device, a pipe or a directory is refused before anything is read, with a Japanese message, a
non-zero exit and no traceback."""

import os
import resource
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import Role
from plan.models import ChangeRequest
from plan.workbook import DEFAULT_MAX_BYTES
from tests.factories import EditionFactory, UserFactory

NOT_REGULAR = (
    "{path} は通常のファイルではありません (デバイス、パイプ、ディレクトリは取り込めません)。"
)


def limit_memory() -> None:
    """The child may not take more than 1 GB: reading /dev/zero whole ends at once, not in swap."""
    resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))


def run_import(path, tmp_path) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # No tables: the file is refused before the database is asked anything.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "import_plan", str(path), "--user", "coordinator"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_memory,
        check=False,
    )


@pytest.mark.parametrize("kind", ["device", "pipe", "directory"])
def test_a_device_pipe_or_directory_is_refused_without_reading_it(kind, tmp_path):
    if kind == "device":
        path = "/dev/zero"
    elif kind == "pipe":
        path = tmp_path / "plan.xlsx"
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    else:
        path = tmp_path / "plan.xlsx"
        path.mkdir()
    result = run_import(path, tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"CommandError: {NOT_REGULAR.format(path=path)}\n",
    )


def read_bytes_so_far() -> int:
    with open("/proc/self/io") as io_counters:
        return next(int(line.split()[1]) for line in io_counters if line.startswith("rchar:"))


@pytest.mark.django_db
@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs Linux's /proc/self/io")
def test_a_file_over_the_limit_is_refused_without_reading_it_whole(tmp_path):
    UserFactory(username="coordinator", role=Role.COORDINATOR)
    EditionFactory()
    path = tmp_path / "大きい.xlsx"
    with open(path, "wb") as file:
        file.truncate(10 * DEFAULT_MAX_BYTES)  # 200 MB, sparse: no disk is used
    before = read_bytes_so_far()
    with pytest.raises(CommandError) as refused:
        call_command("import_plan", str(path), "--user", "coordinator")
    assert str(refused.value) == "大きい.xlsx: ファイルが大きすぎます (上限 20 MB)。"
    assert read_bytes_so_far() - before < DEFAULT_MAX_BYTES
    assert not ChangeRequest.objects.exists()


@pytest.mark.django_db
def test_a_missing_file_is_refused_with_the_reason(tmp_path):
    UserFactory(username="coordinator", role=Role.COORDINATOR)
    EditionFactory()
    path = tmp_path / "ない.xlsx"
    with pytest.raises(CommandError) as refused:
        call_command("import_plan", str(path), "--user", "coordinator")
    assert str(refused.value) == f"{path} を読めません: No such file or directory"
