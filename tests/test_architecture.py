"""The layout's rules, read from the source with ``ast``: which package may import which, how long
a module may grow, and that the code speaks for itself rather than pointing at a tracker."""

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MAX_LINES = 600
# Modules longer than MAX_LINES today, with their length as a ceiling: they may shrink, not grow.
# Remove an entry when the module is split.
OVERSIZED = {"plan/workbook/compare.py": 669}

# Use cases that the change engine (plan/changes) serves and must never import.
USE_CASES = re.compile(r"^plan\.(workbook|admin)(\.|$)|(^|\.)management\.commands(\.|$)")
ISSUE_NUMBER = re.compile(r"\bissues?\s*#?\d+", re.IGNORECASE)
HASH_NUMBER = re.compile(r"#\d+\b")


def python_files(*packages: str) -> list[Path]:
    return sorted(
        path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def relative(path: Path) -> Path:
    """The path inside the repository; a probe outside it is placed as if under plan/changes."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else Path("plan/changes", path.name)


def module_name(path: Path) -> str:
    parts = list(relative(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, *, module_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) of each import; ``from x import y`` yields x and x.y, so that
    ``from plan import workbook`` counts as importing plan.workbook."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    if module_level_only:  # module level includes `if TYPE_CHECKING:` and try blocks, not defs
        nodes = [
            node
            for statement in tree.body
            if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            for node in ast.walk(statement)
        ]
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def where(path: Path, line: int) -> str:
    return f"{relative(path)}:{line}"


def engine_imports_of_use_cases(paths: list[Path]) -> list[str]:
    return [
        f"{where(path, line)} imports {name}"
        for path in paths
        for line, name in imported_modules(path)
        if USE_CASES.search(name)
    ]


def plan_imports_at_module_level(path: Path) -> list[str]:
    return [
        f"{where(path, line)} imports {name}"
        for line, name in imported_modules(path, module_level_only=True)
        if name.split(".")[0] in ("plan", "kpis")
    ]


def oversized_modules(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        ceiling = OVERSIZED.get(relative(path).as_posix(), MAX_LINES)
        if lines > ceiling:
            found.append(f"{relative(path)}: {lines} lines (at most {ceiling})")
    return found


def issue_numbers(paths: list[Path]) -> list[str]:
    """Mentions of an issue number anywhere (the word, then a number) and ``#<number>`` in comments."""
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if ISSUE_NUMBER.search(line):
                found.append(f"{where(path, number)}: {line.strip()}")
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and HASH_NUMBER.search(token.string[1:]):
                found.append(f"{where(path, token.start[0])}: {token.string}")
    return found


def test_the_change_engine_imports_no_use_case():
    """plan/changes serves the admin, the workbook import and the commands; it never calls them."""
    assert engine_imports_of_use_cases(python_files("plan/changes")) == []


def test_the_permission_policy_imports_the_plan_only_inside_functions():
    """accounts/permissions.py is imported while the apps load; the plan's models come later."""
    assert plan_imports_at_module_level(ROOT / "accounts/permissions.py") == []


def test_no_module_outgrows_the_limit():
    assert oversized_modules(python_files("plan", "kpis", "accounts", "evaluation")) == []


def test_the_exceptions_to_the_limit_still_exist():
    assert all((ROOT / path).exists() for path in OVERSIZED)


def test_no_code_or_test_mentions_an_issue_number():
    paths = python_files(
        "accounts", "benchmarks", "config", "evaluation", "fixtures", "kpis", "plan", "tests"
    )
    assert issue_numbers([*paths, ROOT / "manage.py"]) == []


def test_each_check_catches_a_violation(tmp_path):
    """A module breaking every rule (read as plan/changes/probe.py): each check sees it."""
    issue = "issue"
    path = tmp_path / "probe.py"
    path.write_text(
        "from plan import workbook\n"
        "from ..admin.site import thing\n"
        "import accounts.management.commands.setup_demo\n"
        "from plan.models import Project\n"
        "\n"
        "def late():\n"
        "    from plan.workbook.read import read_workbook\n"
        f"# see {issue} 12 and #7\n" + "x = 1\n" * MAX_LINES,
        encoding="utf-8",
    )
    assert [line.split(" imports ")[1] for line in engine_imports_of_use_cases([path])] == [
        "plan.workbook",
        "plan.admin.site",
        "plan.admin.site.thing",
        "accounts.management.commands.setup_demo",
        "plan.workbook.read",
        "plan.workbook.read.read_workbook",
    ]
    assert len(plan_imports_at_module_level(path)) == 6  # the import inside late() is allowed
    assert len(oversized_modules([path])) == 1
    assert len(issue_numbers([path])) == 2
