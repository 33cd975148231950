"""The compression-at-build goal: collectstatic of a 2,000-file tree.

A (the reference): Django's plain ManifestStaticFilesStorage, no compression. B: the storage
the WhiteNoise and Nginx variants generate (hashed names plus .br and .gz copies). Each round
runs A and B cold (empty STATIC_ROOT), then changes one stylesheet and runs both again over
their previous output, as the next deploy would. Goals: B cold at most 2x A cold; B's re-run
at most 10% of B cold (it post-processes only what changed, storage/incremental.py; A's
re-run, which processes everything again, is shown beside it). Stock WhiteNoise is timed
alongside, for the record.
"""

import os
import random
import shutil
import statistics
import time
from pathlib import Path

from harness.servers import run

from .measure import ratios, summary
from .serving import Goal, prepared

PLAIN = '{"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}'
STOCK = '{"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}'
# The variant's settings with another static storage (Python source, may use its settings).
SETTINGS = """from my_django_site.settings import *  # noqa: F403
"""
STORAGE = 'STORAGES = {{**STORAGES, "staticfiles": {storage}}}  # noqa: F405\n'
# --tree-only: the project's own static folders (the generated tree), no app's files such as
# the admin's. The smoke run's size: at 40 files, the admin's 127 made up most of its time.
TREE_ONLY = 'STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]\n'
WORDS = "grid flex margin color border shadow radius button header footer card item".split()


def imports_previous(n: int) -> bool:
    """Whether stylesheet c<n> @imports c<n-5>: chains of three (c0 <- c5 <- c10, c15 <- ...)."""
    return (n // 5) % 3 != 0


def importers(n: int) -> list[int]:
    """The stylesheets that @import c<n>, directly or through others."""
    found = []
    while imports_previous(n + 5):
        n += 5
        found.append(n)
    return found


def write_tree(static: Path, files: int) -> Path:
    """`files` deterministic files in static/tree/: stylesheets whose url()s point at images
    and at each other, scripts, SVG icons and PNG images, sized like a real front end's."""
    tree = static / "tree"
    shutil.rmtree(tree, ignore_errors=True)
    for folder in ("css", "js", "img"):
        (tree / folder).mkdir(parents=True)
    rng = random.Random(2000)  # noqa: S311 (test data, not secrets)
    kinds = ["css", "js", "js", "svg", "png"]
    for n in range(files):
        kind = kinds[n % len(kinds)]
        if kind == "css":
            rules = [
                f".{rng.choice(WORDS)}-{n}-{i} {{ {rng.choice(WORDS)}: {rng.randint(0, 999)}px; "
                f'background: url("../img/i{(n + 4) % files}.png"); }}\n'
                for i in range(60)
            ]
            if imports_previous(n):  # short chains, as bundles of partials have
                rules.insert(0, f'@import url("c{n - 5}.css");\n')
            (tree / "css" / f"c{n}.css").write_text("".join(rules))
        elif kind == "js":
            lines = [
                f"export function {rng.choice(WORDS)}{n}_{i}(a, b) {{ return a * {i} + "
                f"b.{rng.choice(WORDS)} - {rng.randint(0, 99999)}; }}\n"
                for i in range(120)
            ]
            (tree / "js" / f"j{n}.js").write_text("".join(lines))
        elif kind == "svg":
            paths = "".join(
                f'<path d="M{rng.randint(0, 99)} {rng.randint(0, 99)}L{rng.randint(0, 99)} '
                f'{rng.randint(0, 99)}Z" fill="#{rng.randint(0, 0xFFFFFF):06x}"/>'
                for _ in range(40)
            )
            (tree / "img" / f"s{n}.svg").write_text(
                f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">{paths}</svg>'
            )
        else:
            (tree / "img" / f"i{n}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + rng.randbytes(1500))
    return tree


def with_storage(
    project: Path, storage: str | None, tree_only: bool = False, module: str = "bench_settings"
) -> dict:
    """The environment for running the project with `storage` as its static storage (None:
    the variant's own), and with `tree_only` only the project's own static folders: a settings
    module beside manage.py, named by DJANGO_SETTINGS_MODULE."""
    if storage is None and not tree_only:
        return {}
    text = SETTINGS + (STORAGE.format(storage=storage) if storage else "")
    (project / f"{module}.py").write_text(text + (TREE_ONLY if tree_only else ""))
    return {"DJANGO_SETTINGS_MODULE": module}


def collect(project: Path, venv: Path, env: dict, root: Path, timeout: int = 600) -> float:
    """Seconds one collectstatic takes into `root`."""
    started = time.monotonic()
    run(
        [str(venv / "bin" / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        project,
        {**env, "DJANGO_STATIC_ROOT": str(root)},
        timeout=timeout,
    )
    return time.monotonic() - started


def change_stylesheet(path: Path, marker: str, seconds_later: float) -> str:
    """Append a rule to `path`, dated `seconds_later` (collectstatic copies by time, and a
    change within the same second would look old); its previous text."""
    original = path.read_text()
    path.write_text(original + f".changed-{marker} {{ color: red; }}\n")
    later = time.time() + seconds_later
    os.utime(path, (later, later))
    return original


def build_goal(work: Path, options) -> list[Goal]:
    rounds, files = options.rounds, options.files
    answers = {"serving_strategy": "whitenoise", "media_storage": "none"}
    project, venv, env, _ = prepared(answers, work / "build")
    tree = write_tree(project / "static", files)
    roots = {side: work / "build-out" / side for side in ("plain", "generated", "stock")}
    cold = {side: [] for side in roots}
    again = {side: [] for side in ("plain", "generated")}
    storages = {"plain": PLAIN, "generated": None, "stock": STOCK}
    for number in range(rounds):
        print(f"bench:   build round {number + 1} of {rounds}", flush=True)
        for side, storage in storages.items():
            shutil.rmtree(roots[side], ignore_errors=True)
            side_env = {**env, **with_storage(project, storage, options.tree_only)}
            cold[side].append(collect(project, venv, side_env, roots[side]))
        # The next deploy: one stylesheet changed (kept: each round adds to it).
        change_stylesheet(tree / "css" / "c0.css", str(number), 1 + number)
        for side in again:
            side_env = {**env, **with_storage(project, storages[side], options.tree_only)}
            again[side].append(collect(project, venv, side_env, roots[side]))
    median = statistics.median

    def detail(b: list[float], a: list[float], extra: str = "") -> str:
        return (
            f"generated {median(b):.1f} s, plain manifest {median(a):.1f} s: "
            f"{summary(ratios(a, b))}{extra}"
        )

    cold_ratio = median(ratios(cold["plain"], cold["generated"]))
    again_ratio = median(ratios(cold["generated"], again["generated"]))
    stock = f"; stock WhiteNoise {median(cold['stock']):.1f} s"
    return [
        Goal(
            "build.cold",
            f"collectstatic of {files} files with .br and .gz copies, empty STATIC_ROOT: "
            "<= 2x the plain manifest run",
            cold_ratio <= 2,
            detail(cold["generated"], cold["plain"], stock),
        ),
        Goal(
            "build.one_file_changed",
            "the re-run after one stylesheet changed: <= 10% of its own cold run",
            again_ratio <= 0.10,
            f"re-run {median(again['generated']):.2f} s, cold {median(cold['generated']):.1f} s: "
            f"{summary(ratios(cold['generated'], again['generated']))}; plain manifest "
            f"re-run {median(again['plain']):.1f} s",
        ),
    ]
