"""The growth goal: what each cost does as the site grows (make bench --growth-sizes).

The WhiteNoise variant with bench/build.py's generated tree at each size (1,000, 5,000 and
20,000 source files by default; the smoke run in make test uses a few dozen), measuring:

- build.cold: collectstatic into an empty STATIC_ROOT (hashes, .br and .gz copies);
- build.one_changed: the re-run after one stylesheet changed (storage/incremental.py);
- worker.start: one worker's start, in its own process: Django set up and asgi.py imported,
  which indexes STATIC_ROOT (static_server.py); with its peak RSS and the URLs it indexed;
- doctor: static_doctor with no --url (the settings and collected groups).

Each cost (the median of up to three rounds) is printed per source file at every size, with
its growth from the second-largest size to the largest against the growth in files. Goals:
no cost grows faster than linearly (its growth at most 1.25 times the files'); at the largest
size, the one-file re-run is at most 10% of the cold build, a worker starts in at most 5 s and
the doctor takes at most 3 s.
Each run's figures go to .cache/bench/growth.json, which make compare shows.

Nginx serves STATIC_ROOT from disk (no index at start; its build is this storage), and the
S3 + CDN publish and start-up checks are bounded by counts in the tests (list calls around
the release's names): neither is timed here.
"""

import json
import os
import shutil
import statistics
import time
from pathlib import Path

from docsgen import TEMPLATE_DIR
from harness.bake import PROJECT_SLUG
from harness.servers import run

from .build import change_stylesheet, collect, write_tree
from .serving import Goal, prepared

DEFAULT_SIZES = "1000,5000,20000"
# A cost may grow this much faster than the files before it counts as faster than linear:
# the machine's drift between sizes, left after the median of the rounds.
LINEAR_SLACK = 1.25
# The goals at the largest size.
REBUILD_SHARE, START_SECONDS, DOCTOR_SECONDS = 0.10, 5.0, 3.0
# One worker's start, as granian's: Django set up, asgi.py imported (STATIC_ROOT indexed).
WORKER_START = f"""import json, resource, time
started = time.monotonic()
from {PROJECT_SLUG}.asgi import application
seconds = time.monotonic() - started
files = application.files.files if application.files is not None else {{}}
print(json.dumps({{"seconds": seconds, "urls": len(files),
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
COSTS = {
    "build.cold": "collectstatic, empty STATIC_ROOT",
    "build.one_changed": "collectstatic after one stylesheet changed",
    "worker.start": "one worker's start (asgi.py imported, STATIC_ROOT indexed)",
    "doctor": "static_doctor (settings and collected)",
}
RECORD = "growth.json"
# Rounds of the whole growth (at most): one took 2.5 min here, and one run per size moved a
# cost's shape by 0.3 of linear between runs.
GROWTH_ROUNDS = 3
# The guide's copy of the last run at the default sizes (included by choosing-a-strategy.md).
GUIDE_TABLE = TEMPLATE_DIR / "docs" / "_measured" / "growth.md"


def measure_size(project: Path, venv: Path, env: dict, size: int, root: Path) -> dict:
    """Every cost at one size of the generated tree."""
    tree = write_tree(project / "static", size)
    shutil.rmtree(root, ignore_errors=True)
    env = {**env, "DJANGO_STATIC_ROOT": str(root)}
    python = str(venv / "bin" / "python")
    figures = {"files": size, "build.cold": collect(project, venv, env, root, 3600)}
    change_stylesheet(tree / "css" / "c0.css", str(size), 2)
    figures["build.one_changed"] = collect(project, venv, env, root, 3600)
    start = json.loads(run([python, "-c", WORKER_START], project, env, timeout=600))
    figures["worker.start"] = start["seconds"]
    figures["rss_mib"], figures["urls"] = start["rss_mib"], start["urls"]
    figures["collected"] = sum(1 for path in root.rglob("*") if path.is_file())
    started = time.monotonic()
    run([python, "manage.py", "static_doctor"], project, env, timeout=600)
    figures["doctor"] = time.monotonic() - started
    return figures


def growth_goal(work: Path, options) -> list[Goal]:
    sizes = sorted(int(size) for size in options.growth_sizes.split(","))
    if len(sizes) < 2:
        raise SystemExit("--growth-sizes needs at least two sizes, e.g. 1000,5000,20000")
    answers = {"serving_strategy": "whitenoise", "media_storage": "none"}
    # With the admin's static files (not --tree-only): the doctor checks its templates too.
    project, venv, env, _ = prepared(answers, work / "growth", collect=False)
    rounds = min(options.rounds, GROWTH_ROUNDS)
    runs = {size: [] for size in sizes}
    for number in range(rounds):
        for size in sizes:  # each round grows the tree from the smallest size again
            print(f"bench:   growth round {number + 1} of {rounds}: {size} files", flush=True)
            runs[size].append(measure_size(project, venv, env, size, work / "growth-out"))
    rows = [median_row(runs[size]) for size in sizes]
    record = {
        "measured": time.strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "rounds": rounds,
        "rows": rows,
    }
    (work / RECORD).write_text(json.dumps(record, indent=2))
    if options.growth_sizes == DEFAULT_SIZES:  # the guide's figures: the full sizes only
        GUIDE_TABLE.write_text(report(record))
    return goals(rows)


def median_row(runs: list[dict]) -> dict:
    """Each figure's median over the rounds at one size."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def growth(rows: list[dict], cost: str) -> float:
    """How much faster than the files the cost grew from the second-largest size to the
    largest: 1.0 is linear, 2.0 twice as fast (quadratic over a doubling)."""
    before, last = rows[-2], rows[-1]
    return (last[cost] / before[cost]) / (last["files"] / before["files"])


def shape(rows: list[dict], cost: str) -> str:
    """'0.41 / 0.38 / 0.40 ms per file at 1000 / 5000 / 20000; x3.9 for x4 files'."""
    per_file = " / ".join(f"{r[cost] / r['files'] * 1000:.2f}" for r in rows)
    sizes = " / ".join(str(r["files"]) for r in rows)
    before, last = rows[-2], rows[-1]
    return (
        f"{per_file} ms per file at {sizes} files; x{last[cost] / before[cost]:.1f} for "
        f"x{last['files'] / before['files']:.1f} files ({growth(rows, cost):.2f} of linear)"
    )


def goals(rows: list[dict]) -> list[Goal]:
    last = rows[-1]
    extra = {
        "build.cold": (True, f"; {last['build.cold']:.1f} s at {last['files']}"),
        "build.one_changed": (
            last["build.one_changed"] <= REBUILD_SHARE * last["build.cold"],
            f"; {last['build.one_changed']:.2f} s, "
            f"{last['build.one_changed'] / last['build.cold']:.1%} of cold at {last['files']}",
        ),
        "worker.start": (
            last["worker.start"] <= START_SECONDS,
            f"; {last['worker.start']:.2f} s at {last['files']}, peak RSS "
            + " / ".join(f"{r['rss_mib']:.0f}" for r in rows)
            + " MiB, URLs indexed "
            + " / ".join(f"{r['urls']} of {r['collected']} collected" for r in rows),
        ),
        "doctor": (
            last["doctor"] <= DOCTOR_SECONDS,
            f"; {last['doctor']:.2f} s at {last['files']}",
        ),
    }
    bounds = {
        "build.cold": "",
        "build.one_changed": f", <= {REBUILD_SHARE:.0%} of cold",
        "worker.start": f", <= {START_SECONDS:g} s",
        "doctor": f", <= {DOCTOR_SECONDS:g} s",
    }
    found = []
    for cost, what in COSTS.items():
        met, note = extra[cost]
        linear = growth(rows, cost) <= LINEAR_SLACK
        found.append(
            Goal(
                f"growth.{cost}",
                f"{what}: grows at most linearly{bounds[cost]} at {last['files']} files",
                linear and met,
                shape(rows, cost) + note,
            )
        )
    return found


def table(record: dict) -> str:
    """The growth table, in Markdown, from a record .cache/bench/growth.json holds."""
    rows = record["rows"]
    head = "| cost | " + " | ".join(f"{r['files']:,} files" for r in rows) + " | shape |"
    lines = [head, "|---|" + "---|" * (len(rows) + 1)]
    for cost, what in COSTS.items():
        cells = " | ".join(f"{r[cost]:.2f} s" for r in rows)
        lines.append(f"| {what} | {cells} | {growth(rows, cost):.2f} of linear |")
    rss = " | ".join(f"{r['rss_mib']:.0f} MiB" for r in rows)
    lines.append(f"| one worker's peak RSS | {rss} | |")
    urls = " | ".join(f"{r['urls']:,} of {r['collected']:,}" for r in rows)
    lines.append(f"| URLs a worker indexes, of the files collected | {urls} | |")
    return "\n".join(lines) + "\n"


def report(record: dict) -> str:
    """The growth table with when and where it was measured (the guide's copy, make compare)."""
    return (
        f"Measured by `make bench BENCH_ARGS='--only growth'` on {record['measured']}, on a "
        f"{record['cores']}-core machine: the WhiteNoise variant with a generated tree of "
        f"stylesheets, scripts and images, the median of {record.get('rounds', 1)} round(s) per "
        'size. "of linear" is how much faster '
        "than the files a cost grew from the second-largest size to the largest (1.00: "
        "linear).\n\n" + table(record)
    )
