"""What switching strategy really changes: a diff of two fresh bakes with the same answers.

The guide's switch-strategy page includes this table rather than describing the change, so the
description cannot drift from the template.
"""

import filecmp
import itertools
from pathlib import Path

from harness.variants import CHOICES

from .reference import code, table

# Different in every bake (a fresh secret key), whatever the strategy.
EACH_BAKE = {".env"}


def strategy_diff(first: Path, second: Path) -> dict[str, list[str]]:
    """Entries only in `first`, only in `second`, and in both but changed. A folder found on
    one side only is one entry (`deploy/nginx/`), as `diff -rq` reports it."""
    found = {"only_first": [], "only_second": [], "changed": []}

    def walk(comparison: filecmp.dircmp, prefix: str) -> None:
        for side, names, root in (
            ("only_first", comparison.left_only, comparison.left),
            ("only_second", comparison.right_only, comparison.right),
        ):
            for name in names:
                found[side].append(prefix + name + ("/" if (Path(root) / name).is_dir() else ""))
        for name in comparison.common_files:
            left, right = Path(comparison.left, name), Path(comparison.right, name)
            if prefix + name not in EACH_BAKE and left.read_bytes() != right.read_bytes():
                found["changed"].append(prefix + name)
        for name, sub in comparison.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(first, second, ignore=[]), "")
    return {side: sorted(entries) for side, entries in found.items()}


def switch_table(projects: dict[str, Path], media: str = "local") -> str:
    """One row per pair of strategies, with the same media choice."""
    rows = []
    for first, second in itertools.combinations(CHOICES["serving_strategy"], 2):
        diff = strategy_diff(projects[f"{first}-{media}"], projects[f"{second}-{media}"])
        total = sum(len(entries) for entries in diff.values())
        rows.append(
            [
                f"{code(first)} ↔ {code(second)} ({total} entries)",
                *(", ".join(code(entry) for entry in diff[side]) for side in diff),
            ]
        )
    return table(
        [
            "strategies",
            "only in the first",
            "only in the second",
            "in both, different",
        ],
        rows,
    )
