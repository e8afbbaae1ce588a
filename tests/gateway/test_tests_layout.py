"""The test suites' own layout: what tests share lives in tests/support/ and is imported from there only. No module
under tests/ imports a test module or a conftest (read with `ast`, imports inside functions and relative imports
included), and every other Python file under tests/ is a test module, a conftest or a package marker."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Tuple

TESTS = Path(__file__).resolve().parents[1]
SHARED = "tests.support"


def module_name(path: Path) -> str:
    """The dotted name of a file under tests/ ("tests.gateway.test_x", "tests.support" for its __init__)."""
    parts = ("tests",) + path.relative_to(TESTS).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> Iterator[Tuple[int, str]]:
    """(line, absolute module name) of every import in a file; `from x import y` also yields x.y (y may be a
    module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}" if base else alias.name


def forbidden(name: str) -> bool:
    """A module of tests/ outside tests/support, or any conftest."""
    parts = name.split(".")
    if "conftest" in parts:
        return True
    if parts[0] != "tests" or name == "tests":
        return False
    return not (name == SHARED or name.startswith(SHARED + "."))


def test_no_module_under_tests_imports_a_test_module_or_a_conftest():
    found: List[str] = []
    for path in sorted(TESTS.rglob("*.py")):
        for line, name in imported(path):
            if forbidden(name):
                found.append(f"{path.relative_to(TESTS.parent)}:{line}: {name}")
    assert not found, "import what tests share from tests/support/ instead:\n" + "\n".join(found)


def test_every_helper_module_is_in_tests_support():
    strays = [
        str(path.relative_to(TESTS.parent))
        for path in sorted(TESTS.rglob("*.py"))
        if path.parent != TESTS / "support"
        and not path.name.startswith("test_")
        and path.name not in ("conftest.py", "__init__.py")
    ]
    assert not strays, f"helpers belong in tests/support/: {strays}"


def test_the_check_sees_what_it_forbids():
    assert forbidden("tests.gateway.test_console")
    assert forbidden("tests.zalo.conftest.pump")
    assert forbidden("conftest")
    assert forbidden("tests.stack")
    assert not forbidden("tests.support.servers.Bot")
    assert not forbidden("tests.support")
    assert not forbidden("gateway.services")
    here = TESTS / "gateway" / "test_x.py"
    assert module_name(here) == "tests.gateway.test_x"
    assert module_name(TESTS / "support" / "__init__.py") == "tests.support"
