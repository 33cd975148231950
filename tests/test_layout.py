"""The template's own code keeps one direction of imports: tests, benchmarks and the docs
generator use harness/; nothing imports a test module, conftest.py or the tests package."""

import ast

import pytest

from harness.variants import TEMPLATE_DIR

FOLDERS = ("tests", "harness", "bench", "docsgen")


def imported_modules(path) -> list[str]:
    """Every module a file imports, relative ones as written (".test_serving")."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append("." * node.level + (node.module or ""))
    return found


def forbidden(module: str) -> bool:
    last = module.lstrip(".").rsplit(".", 1)[-1]
    return module.split(".")[0] == "tests" or last == "conftest" or last.startswith("test_")


@pytest.mark.parametrize("folder", FOLDERS)
def test_nothing_imports_a_test_module_or_conftest(folder):
    wrong = [
        f"{path.relative_to(TEMPLATE_DIR)}: imports {module}"
        for path in sorted((TEMPLATE_DIR / folder).rglob("*.py"))
        for module in imported_modules(path)
        if forbidden(module)
    ]
    assert not wrong, "\n".join(wrong)
