"""Bake every variant with the default answers, for the guide to include and describe."""

import contextlib
import os
import shutil
import sys
from pathlib import Path

from cookiecutter.main import cookiecutter
from slugify import slugify

from tests.variants import COOKIECUTTER_JSON, DEFAULTS, VARIANTS, variant_id

from . import TEMPLATE_DIR

# What a user gets by pressing Enter at every text prompt (cookiecutter.json's own rule):
# the guide shows the same names, my_django_site.
PROJECT_SLUG = slugify(COOKIECUTTER_JSON["project_name"], separator="_")


def bake_variant(answers: dict, baked_dir: Path) -> Path:
    """Bake one combination of choices into baked_dir/<variant id>/; return the project."""
    # cookiecutter.json's `_extensions` names a module in the template folder.
    if str(TEMPLATE_DIR) not in sys.path:
        sys.path.insert(0, str(TEMPLATE_DIR))
    name = variant_id(answers)
    with quiet_stdout():
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            extra_context=answers,
            output_dir=str(baked_dir / name),
        )
    return baked_dir / name / PROJECT_SLUG


def bake_variants(baked_dir: Path) -> dict[str, Path]:
    """Bake each combination of choices into baked_dir/<variant id>/; return the projects."""
    shutil.rmtree(baked_dir, ignore_errors=True)
    return {variant_id(answers): bake_variant(answers, baked_dir) for answers in VARIANTS}


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


DEFAULT_VARIANT = variant_id(DEFAULTS)
