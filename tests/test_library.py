"""static_kit, the library every generated project ships: its own tests pass from this
repository without a bake, it holds no Jinja, and the versions it is tested with are the
project's pins."""

import os
import re
import subprocess
import sys
import tomllib

from harness.variants import COOKIECUTTER_JSON, PROJECT_TEMPLATE_DIR, TEMPLATE_DIR

LIBRARY = PROJECT_TEMPLATE_DIR / "static_kit"
# What the library's tests run with: its own settings, no project, no database.
# -B: no __pycache__ in the template folder, where every later bake would copy it.
LIBRARY_TESTS = [
    sys.executable,
    "-B",
    "-m",
    "pytest",
    "static_kit/tests",
    "-p",
    "pytest_django",
    "--ds",
    "static_kit.tests.settings",
    "-p",
    "no:cacheprovider",
    "--rootdir",
    ".",
    "-c",
    "/dev/null",
    "-q",
]


def test_the_librarys_own_tests_pass_without_a_bake():
    # As on a machine that writes bytecode (many set PYTHONDONTWRITEBYTECODE, CI here too).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(  # noqa: S603 (this interpreter, pytest)
        LIBRARY_TESTS, cwd=PROJECT_TEMPLATE_DIR, env=env, capture_output=True, text=True
    )
    output = result.stdout + result.stderr
    summary = re.findall(r"^(\d+) passed(.*) in [\d.]+s", output, re.M)
    assert result.returncode == 0 and summary, output[-3000:]
    passed, rest = summary[-1]
    assert int(passed) >= 30 and not rest.strip(), output[-3000:]  # nothing failed or skipped
    left = sorted(str(p.relative_to(TEMPLATE_DIR)) for p in LIBRARY.rglob("__pycache__"))
    assert not left, f"bytecode left in the template, which every bake would copy: {left}"


def test_the_library_is_copied_verbatim_into_every_bake():
    """No Jinja: the same bytes whatever the answers (app_template/ and the tests' templates
    hold Django's own tags)."""
    assert "static_kit/*" in COOKIECUTTER_JSON["_copy_without_render"]
    jinja = [
        str(path.relative_to(LIBRARY))
        for path in sorted(LIBRARY.rglob("*"))
        if path.is_file()
        and not {"app_template", "templates"} & set(path.parts)
        and path.suffix in {".py", ".md", ".html", ".css"}
        and re.search(r"\{\{|\{%", path.read_text(encoding="utf-8"))
    ]
    assert not jinja, f"Jinja in static_kit/: {jinja}"


def pins(text: str) -> dict[str, str]:
    """name -> version of each `name==version` line (extras dropped, names normalised)."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^]]*\])?==([^\s;]+)", line.strip())
        if match:
            found[match[1].lower().replace("_", "-")] = match[3]
    return found


def test_the_library_is_tested_with_the_projects_pins():
    groups = tomllib.loads((TEMPLATE_DIR / "pyproject.toml").read_text())["dependency-groups"]
    tested = pins("\n".join(groups["library"]))
    project = pins(
        (PROJECT_TEMPLATE_DIR / "requirements.txt").read_text()
        + (PROJECT_TEMPLATE_DIR / "requirements-dev.txt").read_text()
    )
    differ = {name: (version, project.get(name)) for name, version in tested.items()}
    differ = {name: pair for name, pair in differ.items() if pair[0] != pair[1]}
    assert not differ, f"pyproject.toml's library group differs from the project's pins: {differ}"


def test_every_library_module_has_its_test_module():
    """The tests mirror the modules (as WhiteNoise's do): a module, or its package, has one."""
    tests = {path.stem.removeprefix("test_") for path in (LIBRARY / "tests").glob("test_*.py")}
    modules = {
        path.relative_to(LIBRARY).parts[0].removesuffix(".py")
        for path in LIBRARY.rglob("*.py")
        if "tests" not in path.relative_to(LIBRARY).parts
    }
    # Glue without logic of its own: Django's hooks, and what is tested through its users.
    glue = {"__init__", "apps", "management", "log", "wsgi"}
    missing = sorted(modules - glue - tests)
    assert not missing, f"static_kit modules without a test module in static_kit/tests/: {missing}"
