"""Each baked project's own `make test` (ruff, then its pytest suite) passes."""

import pytest

from .servers import project_environment, run
from .variants import VARIANT_IDS, VARIANTS


@pytest.mark.parametrize("answers", VARIANTS, ids=VARIANT_IDS)
def test_baked_project_passes_its_own_make_test(bake, answers):
    project = bake(answers)
    venv = project_environment(project)
    output = run(["make", "test", f"VENV={venv}"], project)
    assert " passed" in output and " failed" not in output, output[-2000:]
