"""Bake every variant with the default answers, for the guide to include and describe."""

import shutil
from pathlib import Path

from harness.bake import PROJECT_SLUG, bake_variant
from harness.variants import DEFAULTS, VARIANTS, variant_id

__all__ = ["DEFAULT_VARIANT", "PROJECT_SLUG", "bake_variant", "bake_variants"]


def bake_variants(baked_dir: Path) -> dict[str, Path]:
    """Bake each combination of choices into baked_dir/<variant id>/; return the projects."""
    shutil.rmtree(baked_dir, ignore_errors=True)
    return {variant_id(answers): bake_variant(answers, baked_dir) for answers in VARIANTS}


DEFAULT_VARIANT = variant_id(DEFAULTS)
