"""The growth goals: what each cost does as the site grows (make bench --growth-sizes).

bench/build.py's generated tree at each size (1,000, 5,000 and 20,000 source files by default;
the smoke run in make test uses a few dozen), in two variants.

`growth` (WhiteNoise; Nginx builds with the same storage and serves STATIC_ROOT from disk,
with no index at start):
- build.cold: collectstatic into an empty STATIC_ROOT (hashes, .br and .gz copies);
- build.one_changed: the re-run after one stylesheet changed (storage/incremental.py);
- server.start: deploy/start to the first page served, with 2 workers: the start-up refusal
  once, then the workers;
- worker.start: one worker's start as deploy/start starts it (handed the fingerprint of the
  manifest checked), in its own process: Django set up and asgi.py imported, which indexes
  the manifest's names (static_server.py); with its peak RSS and the URLs it indexed;
- doctor: static_doctor with no --url (the settings and collected groups).

`growth_s3` (S3 + CDN, against moto in server mode on loopback, through a counting proxy; a
new bucket at each size):
- s3.publish.cold: collectstatic of the tree to the empty bucket;
- s3.publish.one_changed: the next release after one stylesheet changed;
- s3.server.start: deploy/start to the first page served, with 2 workers: the release's
  names checked in the bucket once (storage/s3_cdn.py), then the workers;
- s3.worker.start: one worker's start as deploy/start starts it, which reads the release's
  manifest from the bucket;
- s3.doctor: static_doctor with no --url (the settings, collected and bucket groups).
Each S3 cost also prints the requests it made, and its list calls.

Each cost (the median of up to three rounds) is printed per source file at every size, with
its growth from the second-largest size to the largest against the growth in files. Goals:
no cost grows faster than linearly (its growth at most 1.25 times the files'), and at the
largest size the limits in LIMITS: a one-file re-run or next release at most 10% of the cold
build, the server's start at most 5 s, the doctor at most 3 s (10 s against the S3 API).
Each run's figures go to .cache/bench/growth.json (growth-s3.json), which make compare shows.
"""

import json
import os
import shutil
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from docsgen import TEMPLATE_DIR
from harness.bake import PROJECT_SLUG
from harness.servers import LOOPBACK, S3Proxy, free_port, run, running

from .build import change_stylesheet, collect, write_tree
from .publish import CREATE_BUCKETS, counted_s3_api
from .serving import Goal, prepared

DEFAULT_SIZES = "1000,5000,20000"
# A cost may grow this much faster than the files before it counts as faster than linear:
# the machine's drift between sizes, left after the median of the rounds.
LINEAR_SLACK = 1.25
# The limits at the largest size: a share of another cost (the cold build), or seconds.
LIMITS = {
    "build.one_changed": ("share", 0.10, "build.cold"),
    "server.start": ("seconds", 5.0),
    "doctor": ("seconds", 3.0),
    "s3.publish.one_changed": ("share", 0.10, "s3.publish.cold"),
    "s3.server.start": ("seconds", 5.0),
    "s3.doctor": ("seconds", 10.0),
}
# One worker's start, as granian's: Django set up, asgi.py imported (the manifest's names
# indexed, or with S3 + CDN the release's manifest read and its names checked in the bucket).
WORKER_START = f"""import json, resource, time
started = time.monotonic()
from {PROJECT_SLUG}.asgi import application
seconds = time.monotonic() - started
files = application.files.files if application.files is not None else {{}}
print(json.dumps({{"seconds": seconds, "urls": len(files),
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def as_deploy_start_starts_it(python: str, project: Path, env: dict) -> dict:
    """`env` as deploy/start hands it to its workers: its check's fingerprint of the manifest
    (static_kit/release_check.py)."""
    check = {**env, "DJANGO_SETTINGS_MODULE": f"{PROJECT_SLUG}.settings"}
    fingerprint = run([python, "-m", "static_kit.release_check"], project, check, timeout=600)
    return {**env, "STATIC_KIT_CHECKED_MANIFEST": fingerprint.strip()}


def server_start(project: Path, env: dict) -> float:
    """Seconds from deploy/start to the first page served, on 127.0.0.1 with 2 workers."""
    port = free_port()
    env = {**env, "GRANIAN_HOST": LOOPBACK, "PORT": str(port), "GRANIAN_WORKERS": "2"}
    started = time.monotonic()
    url = f"http://{LOOPBACK}:{port}/"
    with running(["deploy/start"], project, env, url, "bench-growth-start", timeout=600):
        return time.monotonic() - started


# Rounds of the whole growth (at most): one took 2.5 min here, and one run per size moved a
# cost's shape by 0.3 of linear between runs.
GROWTH_ROUNDS = 3
MEASURED = TEMPLATE_DIR / "docs" / "_measured"


@dataclass(frozen=True)
class Part:
    """One variant's costs as the site grows: a goal group of make bench."""

    key: str  # the goal group (make bench --only KEY)
    variant: str  # how the report names what was measured
    answers: dict
    costs: dict  # cost -> what it is
    measuring: Callable  # (project, venv, env, out) -> a context giving measure(size, round)

    @property
    def record(self) -> str:
        """Its figures' file in .cache/bench/; the guide's copy is the same name in .md."""
        return self.key.replace("_", "-") + ".json"

    @property
    def guide_table(self) -> Path:
        """The guide's copy of the last run at the default sizes (choosing-a-strategy.md)."""
        return MEASURED / self.record.replace(".json", ".md")


@contextmanager
def local_measuring(project: Path, venv: Path, env: dict, out: Path):
    yield lambda size, number: measure_size(project, venv, env, size, out)


def measure_size(project: Path, venv: Path, env: dict, size: int, root: Path) -> dict:
    """Every WhiteNoise cost at one size of the generated tree."""
    tree = write_tree(project / "static", size)
    shutil.rmtree(root, ignore_errors=True)
    env = {**env, "DJANGO_STATIC_ROOT": str(root)}
    python = str(venv / "bin" / "python")
    figures = {"files": size, "build.cold": collect(project, venv, env, root, 3600)}
    change_stylesheet(tree / "css" / "c0.css", str(size), 2)
    figures["build.one_changed"] = collect(project, venv, env, root, 3600)
    figures["server.start"] = server_start(project, env)
    worker = as_deploy_start_starts_it(python, project, env)
    start = json.loads(run([python, "-c", WORKER_START], project, worker, timeout=600))
    figures["worker.start"] = start["seconds"]
    figures["rss_mib"], figures["urls"] = start["rss_mib"], start["urls"]
    figures["collected"] = sum(1 for path in root.rglob("*") if path.is_file())
    started = time.monotonic()
    run([python, "manage.py", "static_doctor"], project, env, timeout=600)
    figures["doctor"] = time.monotonic() - started
    return figures


@contextmanager
def s3_measuring(project: Path, venv: Path, env: dict, out: Path):
    """moto in server mode on loopback, behind the counting proxy, for every round and size."""
    with counted_s3_api(project, venv, env, "bench-growth-moto") as (env, proxy):
        yield lambda size, number: measure_s3_size(project, venv, env, size, out, proxy, number)


def measure_s3_size(
    project: Path, venv: Path, env: dict, size: int, root: Path, proxy: S3Proxy, number: int
) -> dict:
    """Every S3 + CDN cost at one size, in a new bucket, with the requests each made."""
    tree = write_tree(project / "static", size)
    shutil.rmtree(root, ignore_errors=True)
    python = str(venv / "bin" / "python")
    bucket = f"growth-{number}-{size}"
    run([python, "-c", CREATE_BUCKETS, bucket], project, env)
    env = {**env, "DJANGO_STATIC_ROOT": str(root), "DJANGO_S3_BUCKET": bucket}
    figures = {"files": size}

    env["DJANGO_RELEASE_ID"] = "first"

    def counted(cost: str, action):
        before = len(proxy.requests)
        started = time.monotonic()
        out = action()
        figures[cost] = time.monotonic() - started
        made = proxy.requests[before:]
        figures[f"{cost}.requests"] = len(made)
        figures[f"{cost}.lists"] = sum("list-type=" in request for request in made)
        return out

    collectstatic = [python, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    counted("s3.publish.cold", lambda: run(collectstatic, project, env, timeout=3600))
    change_stylesheet(tree / "css" / "c0.css", str(size), 2)
    env["DJANGO_RELEASE_ID"] = "next"
    counted("s3.publish.one_changed", lambda: run(collectstatic, project, env, timeout=3600))
    counted("s3.server.start", lambda: server_start(project, env))
    worker = as_deploy_start_starts_it(python, project, env)
    out = counted("s3.worker.start", lambda: run([python, "-c", WORKER_START], project, worker))
    start = json.loads(out)
    figures["s3.worker.start"], figures["rss_mib"] = start["seconds"], start["rss_mib"]
    doctor = [python, "manage.py", "static_doctor"]
    counted("s3.doctor", lambda: run(doctor, project, env, timeout=600))
    return figures


WHITENOISE = Part(
    "growth",
    "the WhiteNoise variant",
    {"serving_strategy": "whitenoise", "media_storage": "none"},
    {
        "build.cold": "collectstatic, empty STATIC_ROOT",
        "build.one_changed": "collectstatic after one stylesheet changed",
        "server.start": "deploy/start to the first page (the check once, 2 workers)",
        "worker.start": "one worker's start (asgi.py imported, the manifest's names indexed)",
        "doctor": "static_doctor (settings and collected)",
    },
    local_measuring,
)
S3_CDN = Part(
    "growth_s3",
    "the S3 + CDN variant against moto in server mode on loopback (a new bucket per size)",
    {"serving_strategy": "s3_cdn", "media_storage": "none"},
    {
        "s3.publish.cold": "collectstatic to an empty bucket",
        "s3.publish.one_changed": "the next release, one stylesheet changed",
        "s3.server.start": "deploy/start to the first page (the release checked once)",
        "s3.worker.start": "one worker's start (the release's manifest read from the bucket)",
        "s3.doctor": "static_doctor (settings, collected and bucket)",
    },
    s3_measuring,
)
PARTS = (WHITENOISE, S3_CDN)


def growth_goal(work: Path, options) -> list[Goal]:
    return part_goal(WHITENOISE, work, options)


def growth_s3_goal(work: Path, options) -> list[Goal]:
    return part_goal(S3_CDN, work, options)


def part_goal(part: Part, work: Path, options) -> list[Goal]:
    sizes = sorted(int(size) for size in options.growth_sizes.split(","))
    if len(sizes) < 2:
        raise SystemExit("--growth-sizes needs at least two sizes, e.g. 1000,5000,20000")
    # With the admin's static files (not --tree-only): the doctor checks its templates too.
    project, venv, env, _ = prepared(part.answers, work / part.key, collect=False)
    rounds = min(options.rounds, GROWTH_ROUNDS)
    runs = {size: [] for size in sizes}
    with part.measuring(project, venv, env, work / f"{part.key}-out") as measure:
        for number in range(rounds):
            for size in sizes:  # each round grows the tree from the smallest size again
                print(
                    f"bench:   {part.key} round {number + 1} of {rounds}: {size} files", flush=True
                )
                runs[size].append(measure(size, number))
    rows = [median_row(runs[size]) for size in sizes]
    record = {
        "measured": time.strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "rounds": rounds,
        "rows": rows,
    }
    (work / part.record).write_text(json.dumps(record, indent=2))
    if options.growth_sizes == DEFAULT_SIZES:  # the guide's figures: the full sizes only
        part.guide_table.write_text(report(part, record))
    return goals(part, rows)


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


def limit(cost: str, last: dict) -> tuple[str, bool, str]:
    """(the claim's bound, whether it holds at the largest size, the figure's note)."""
    files, seconds = last["files"], last[cost]
    kind = LIMITS.get(cost)
    if kind is None:
        return "", True, f"; {seconds:.1f} s at {files}"
    if kind[0] == "share":
        share, cold = kind[1], last[kind[2]]
        return (
            f", <= {share:.0%} of cold",
            seconds <= share * cold,
            f"; {seconds:.2f} s, {seconds / cold:.1%} of cold at {files}",
        )
    return f", <= {kind[1]:g} s", seconds <= kind[1], f"; {seconds:.2f} s at {files}"


def requests_note(rows: list[dict], cost: str) -> str:
    """'; requests 12 / 14 / 30, of them list calls 1 / 1 / 1' for a cost that made any."""
    if f"{cost}.requests" not in rows[0]:
        return ""
    made = " / ".join(f"{r[f'{cost}.requests']:.0f}" for r in rows)
    lists = " / ".join(f"{r[f'{cost}.lists']:.0f}" for r in rows)
    return f"; requests to the bucket {made}, of them list calls {lists}"


def goals(part: Part, rows: list[dict]) -> list[Goal]:
    last = rows[-1]
    found = []
    for cost, what in part.costs.items():
        bound, met, note = limit(cost, last)
        if cost.endswith("worker.start"):
            note += ", peak RSS " + " / ".join(f"{r['rss_mib']:.0f}" for r in rows) + " MiB"
        if "urls" in last and cost == "worker.start":
            note += ", URLs indexed " + " / ".join(
                f"{r['urls']:.0f} of {r['collected']:.0f} collected" for r in rows
            )
        found.append(
            Goal(
                f"growth.{cost}",
                f"{what}: grows at most linearly{bound} at {last['files']} files",
                growth(rows, cost) <= LINEAR_SLACK and met,
                shape(rows, cost) + note + requests_note(rows, cost),
            )
        )
    return found


def table(part: Part, record: dict) -> str:
    """The growth table, in Markdown, from a record .cache/bench/ holds."""
    rows = record["rows"]
    head = "| cost | " + " | ".join(f"{r['files']:,} files" for r in rows) + " | shape |"
    lines = [head, "|---|" + "---|" * (len(rows) + 1)]
    for cost, what in part.costs.items():
        cells = " | ".join(f"{r[cost]:.2f} s" for r in rows)
        lines.append(f"| {what} | {cells} | {growth(rows, cost):.2f} of linear |")
    rss = " | ".join(f"{r['rss_mib']:.0f} MiB" for r in rows)
    lines.append(f"| one worker's peak RSS | {rss} | |")
    if "urls" in rows[0]:
        urls = " | ".join(f"{r['urls']:,.0f} of {r['collected']:,.0f}" for r in rows)
        lines.append(f"| URLs a worker indexes, of the files collected | {urls} | |")
    for cost, what in part.costs.items():
        if f"{cost}.requests" in rows[0]:
            cells = " | ".join(
                f"{r[f'{cost}.requests']:,.0f}; listings {r[f'{cost}.lists']:.0f}" for r in rows
            )
            lines.append(f"| requests to the bucket: {what} | {cells} | |")
    return "\n".join(lines) + "\n"


def report(part: Part, record: dict) -> str:
    """The growth table with when and where it was measured (the guide's copy, make compare)."""
    return (
        f"Measured by `make bench BENCH_ARGS='--only {part.key}'` on {record['measured']}, on a "
        f"{record['cores']}-core machine: {part.variant} with a generated tree of "
        f"stylesheets, scripts and images, the median of {record.get('rounds', 1)} round(s) per "
        'size. "of linear" is how much faster '
        "than the files a cost grew from the second-largest size to the largest (1.00: "
        "linear).\n\n" + table(part, record)
    )
