"""Every benchmark script starts: its ``--help`` runs as ``make bench*`` runs it (a script, from the
repository's root). benchmarks/editions.py imported a name the shared harness had taken from
benchmarks/import_export.py, and failed at its first line, with no test to notice."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: script → the first words of its usage line
SCRIPTS = {
    "import_export.py": "usage: import_export.py",
    "pages.py": "usage: pages.py",
    "pages_ab.py": "usage: pages_ab.py",
    "editions.py": "usage: editions.py",
    "actual_sheet.py": "usage: actual_sheet.py",
    "load.py": "usage: load.py",
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_a_benchmark_script_starts(script):
    done = subprocess.run(
        [sys.executable, f"benchmarks/{script}", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(SCRIPTS[script])
