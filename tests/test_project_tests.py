"""Each baked project's own `make test` (ruff, then its pytest suite) passes, with the user's
first app in it: `manage.py startapp` as typed, no hand edit."""

import shutil

import pytest

from .servers import project_environment, run
from .variants import VARIANT_IDS, VARIANTS


@pytest.mark.parametrize("answers", VARIANTS, ids=VARIANT_IDS)
def test_a_new_app_from_startapp_then_make_test_passes(bake, answers, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(
        bake(answers), project, ignore=shutil.ignore_patterns(".run", "staticfiles", ".*.log")
    )
    venv = project_environment(project)
    run([str(venv / "bin" / "python"), "manage.py", "startapp", "blog"], project)
    assert (project / "blog" / "apps.py").is_file()
    output = run(["make", "test", f"VENV={venv}"], project)
    assert " passed" in output and " failed" not in output, output[-2000:]
