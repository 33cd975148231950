"""One way to bake: cookiecutter's own Python API, as `cookiecutter` runs it, quietly. The
tests, the docs generator and the benchmarks all bake through `bake()`; the tests of the
command line itself run the real CLI through `cookiecutter_cli()`."""

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from cookiecutter.main import cookiecutter
from slugify import slugify

from .variants import COOKIECUTTER_JSON, TEMPLATE_DIR, variant_id

TOOLS = TEMPLATE_DIR / ".venv" / "bin"
COOKIECUTTER = str(TOOLS / "cookiecutter")
RUFF = shutil.which("ruff", path=str(TOOLS)) or "ruff"
HADOLINT = shutil.which("hadolint", path=str(TOOLS)) or "hadolint"
# What a user gets by pressing Enter at every text prompt (cookiecutter.json's own rule):
# the guide shows the same names, my_django_site.
PROJECT_SLUG = slugify(COOKIECUTTER_JSON["project_name"], separator="_")


def bake(answers: dict, output_dir: Path, template: Path = TEMPLATE_DIR) -> Path:
    """Bake `answers` (the choices and any text answers) into output_dir; return the project."""
    # cookiecutter.json's `_extensions` names a module in the template folder.
    if str(template) not in sys.path:
        sys.path.insert(0, str(template))
    output_dir.mkdir(parents=True, exist_ok=True)
    with quiet_stdout():
        project = cookiecutter(
            str(template), no_input=True, extra_context=answers, output_dir=str(output_dir)
        )
    return Path(project)


def bake_variant(answers: dict, baked_dir: Path) -> Path:
    """Bake one combination of choices into baked_dir/<variant id>/; return the project."""
    return bake(answers, baked_dir / variant_id(answers))


@contextlib.contextmanager
def quiet_stdout():
    """Hide the post-gen hook's "next steps" (a subprocess: redirect the descriptor)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def cookiecutter_cli(template: Path, output: Path, args: list[str], stdin: str | None = None):
    """The real cookiecutter CLI, as a user runs it (answers on stdin when given)."""
    return subprocess.run(  # noqa: S603 (the template's own cookiecutter)
        [COOKIECUTTER, "--output-dir", str(output), str(template), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def cookiecutter_main(template: Path, output: Path, args: list[str]):
    """cookiecutter's own command-line entry point (cookiecutter.cli.main), in this process:
    the same argument parsing, rendering and hooks as `cookiecutter` on a shell, without an
    interpreter start for each of many runs. An exception escaping it counts as a traceback."""
    import traceback

    from click.testing import CliRunner
    from cookiecutter.cli import main

    result = CliRunner().invoke(main, ["--output-dir", str(output), str(template), *args])
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, stderr)


def assert_refused_and_nothing_left(result, field: str, output: Path) -> None:
    """Refused with a message naming the answer, no traceback, nothing generated."""
    said = result.stdout + result.stderr  # the project folder's own check prints on stdout
    assert result.returncode != 0, f"{field}: accepted\n{said[-2000:]}"
    assert "Traceback" not in said, f"{field}: a traceback instead of a message\n{said[-3000:]}"
    named = f"Unable to render variable '{field}'" in said or f"ERROR: {field}: " in said
    assert named, f"{field}: the error does not name the answer\n{said[-2000:]}"
    assert list(output.iterdir()) == [], f"{field}: left {list(output.iterdir())}"
