"""make compare: every variant baked, run as `make run` runs it (DEBUG=False, the local S3 API
and CDN stand-in where the variant needs them), measured from outside, and written up.

Per variant: where static files and uploads live; the headers of its hashed site.css; the bytes
a first and a repeat visit of the home page transfer; requests per second and p50/p99 latency
for that stylesheet and for the home page under the same bounded load (wrk, a second process
on loopback); how long collectstatic (or the publish to the bucket) took; in Chromium, which
scripts and stylesheets carry an integrity digest, the page's Link header, and the first
visit's paint times with the preload hints and, the site started again, without them.
Output, in --out: report.md (a table, charts, each variant's diff against the default),
charts/*.svg, diffs/*.diff, results.json; and the guide's copy of the report (--docs).
"""

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

from docsgen import TEMPLATE_DIR
from harness.bake import bake_variant
from harness.browser import first_visits
from harness.crawl import HASHED_NAME, crawl_assets, max_age
from harness.servers import LOOPBACK, chromium, free_port, project_environment, running
from harness.variants import DEFAULTS, VARIANTS, variant_id

from . import growth
from .measure import wrk

STATIC_WHERE = {
    "whitenoise": "STATIC_ROOT inside the app (image or disk); WhiteNoise in granian serves it",
    "nginx": "STATIC_ROOT on the server, shared by releases; nginx serves it from disk",
    "s3_cdn": "static/ in an S3 bucket; a CDN serves it (here: a local S3 API and CDN stand-in)",
}
MEDIA_WHERE = {
    "none": "no uploads",
    "local": "MEDIA_ROOT on the server's disk, outside STATIC_ROOT",
    "s3": "a private S3 bucket, linked with signed URLs",
}
SHOWN_HEADERS = ["Content-Type", "Content-Encoding", "Cache-Control", "Vary"]
# A repeat visit within a day: what the browser may reuse without asking.
CACHED_FOR = 86_400
# Not part of what the template generates: local state a run or the hooks leave.
NOT_COMPARED = {".env", "db.sqlite3", ".venv", "staticfiles", "static-manifests", ".run"}
NOT_COMPARED |= {"media", "private-media"}
NOT_COMPARED |= {"staticfiles.collected.json"}


def progress(message: str) -> None:
    print(f"compare: {message}", flush=True)


def timed(command: list[str], cwd: Path, env: dict) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True, timeout=900)  # noqa: S603
    return time.monotonic() - started


def measure(answers: dict, folder: Path, seconds: int, browser) -> dict:
    """One variant: baked, installed, collected, started with `make run`, measured, stopped."""
    name = variant_id(answers)
    progress(f"{name}: baking and installing")
    project = bake_variant(answers, folder / "baked")
    venv = project_environment(project)
    env = {**os.environ, "VENV": str(venv)}
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    result = {"variant": name, "answers": answers}
    result["static_where"] = STATIC_WHERE[answers["serving_strategy"]]
    result["media_where"] = MEDIA_WHERE[answers["media_storage"]]
    if answers["serving_strategy"] != "s3_cdn":  # s3_cdn publishes once its bucket is up
        progress(f"{name}: collectstatic")
        timed(["make", "migrate", f"VENV={venv}"], project, env)
        result["collect_seconds"] = timed(["make", "collectstatic", f"VENV={venv}"], project, env)
    progress(f"{name}: starting make run on {url}")
    with running(["make", "run", f"PORT={port}", f"VENV={venv}"], project, env, url + "/", "run"):
        log = (project / ".run.log").read_text()
        published = re.search(r"Published static files in ([\d.]+) s", log)
        if published:
            result["collect_seconds"] = float(published[1])
        progress(f"{name}: a first and a repeat visit of the home page")
        result |= visits(url + "/")
        progress(f"{name}: load on the hashed stylesheet, then the home page ({seconds} s each)")
        for what, target in (("css", result["css_url"]), ("page", url + "/")):
            load = wrk(target, seconds)
            result[what] = {"rps": load.rps, "p50": load.p50, "p99": load.p99}
            result[what]["errors"] = load.errors
        progress(f"{name}: first visits in Chromium, with the preload hints")
        result["browser"] = first_visits(browser, url + "/")
    # The same site without hints: started again, STATIC_PRELOAD empty.
    quiet = {**env, "DJANGO_STATIC_PRELOAD": ""}
    with running(["make", "run", f"PORT={port}", f"VENV={venv}"], project, quiet, url + "/", "run"):
        progress(f"{name}: first visits in Chromium, without the preload hints")
        result["browser_without_hints"] = first_visits(browser, url + "/")
    return result


def visits(page_url: str) -> dict:
    """Bytes as transferred (compressed) on a first visit, and on a repeat visit within a day
    (what is not cacheable that long is fetched again); the hashed site.css and its headers."""
    session = requests.Session()
    page, assets = crawl_assets(session, page_url)
    page_bytes = int(page.headers.get("Content-Length") or len(page.content))

    def wire(asset) -> int:
        return int(asset.headers.get("Content-Length") or len(asset.body))

    again = [a for a in assets if max_age(a.headers.get("Cache-Control", "")) < CACHED_FOR]
    css = next(
        a for a in assets if "/css/site." in a.url and HASHED_NAME.search(a.url.split("?")[0])
    )
    broken = [f"{a.status} {a.url}" for a in assets if a.status != 200]
    if broken or page.status_code != 200:
        raise SystemExit(f"compare: {page_url} answered {page.status_code}; assets: {broken}")
    return {
        "first_bytes": page_bytes + sum(wire(a) for a in assets),
        "first_requests": 1 + len(assets),
        "repeat_bytes": page_bytes + sum(wire(a) for a in again),
        "repeat_requests": 1 + len(again),
        "css_url": css.url,
        "css_headers": {name: css.headers.get(name, "") for name in SHOWN_HEADERS},
    }


def tree(project: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file()
        and not NOT_COMPARED & set(path.relative_to(project).parts)
        and "__pycache__" not in path.parts
        and not path.name.startswith(".run")
    }


def diff(default: Path, other: Path) -> str:
    """The unified diff of every generated file, default -> other (binary files by name)."""
    a, b = tree(default), tree(other)
    out = []
    for name in sorted(a.keys() | b.keys()):
        old, new = a.get(name), b.get(name)
        if old == new:
            continue
        try:
            old_lines = (old or b"").decode().splitlines(keepends=True)
            new_lines = (new or b"").decode().splitlines(keepends=True)
        except UnicodeDecodeError:
            out.append(f"Binary files a/{name} and b/{name} differ\n")
            continue
        out.extend(
            difflib.unified_diff(
                old_lines,
                new_lines,
                f"a/{name}" if old is not None else "/dev/null",
                f"b/{name}" if new is not None else "/dev/null",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def file_stats(text: str) -> list[tuple[str, int, int]]:
    """(file, lines added, lines removed) for each file in a unified diff."""
    stats = []
    for block in re.split(r"^(?=--- |Binary files )", text, flags=re.M):
        names = re.findall(r"^(?:---|\+\+\+) (?:a/|b/)?(\S+)", block, re.M)
        binary = re.match(r"Binary files a/(\S+)", block)
        if binary:
            stats.append((binary[1], 0, 0))
        elif names:
            name = names[-1] if names[-1] != "/dev/null" else names[0]
            added = len(re.findall(r"^\+(?!\+\+ )", block, re.M))
            removed = len(re.findall(r"^-(?!-- )", block, re.M))
            stats.append((name, added, removed))
    return stats


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def bar_chart(title: str, unit: str, rows: list[tuple[str, float]]) -> str:
    """A horizontal bar chart as standalone SVG: one bar per variant, value at its end."""
    width, label_width, bar_height, gap = 640, 150, 18, 6
    top = 28
    height = top + len(rows) * (bar_height + gap) + 8
    largest = max((value for _, value in rows), default=1) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{title}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="0" y="16" font-weight="bold">{title}</text>',
    ]
    for index, (label, value) in enumerate(rows):
        y = top + index * (bar_height + gap)
        length = (width - label_width - 110) * value / largest
        parts.append(f'<text x="0" y="{y + 13}">{label}</text>')
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            'fill="#4051b5"/>'
        )
        end = label_width + length + 6
        parts.append(f'<text x="{end:.1f}" y="{y + 13}">{value:,.0f} {unit}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


CHARTS = {
    "css-rps": ("Hashed site.css: requests per second", "req/s", lambda r: r["css"]["rps"]),
    "page-rps": ("Home page: requests per second", "req/s", lambda r: r["page"]["rps"]),
    "first-visit": ("First visit: bytes transferred", "KiB", lambda r: r["first_bytes"] / 1024),
    "collect": ("collectstatic / publish", "ms", lambda r: r["collect_seconds"] * 1000),
}


def report(
    results: list[dict], diffs: dict[str, str], seconds: int, whole_diffs: bool = True
) -> tuple[str, dict]:
    """The Markdown report and its charts (name -> SVG). Without `whole_diffs` (the guide's
    copy, kept light), each variant's diff is summed up file by file."""
    charts = {
        name: bar_chart(title, unit, [(r["variant"], value(r)) for r in results])
        for name, (title, unit, value) in CHARTS.items()
    }
    rows = [
        "| variant | static files live | uploads live | first visit | repeat visit "
        "| site.css req/s (p50 / p99) | home page req/s (p50 / p99) | collectstatic |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        css, page = r["css"], r["page"]
        rows.append(
            f"| `{r['variant']}` | {r['static_where']} | {r['media_where']} "
            f"| {r['first_bytes'] / 1024:.1f} KiB, {plural(r['first_requests'], 'request')} "
            f"| {r['repeat_bytes'] / 1024:.1f} KiB, {plural(r['repeat_requests'], 'request')} "
            f"| {css['rps']:,.0f} ({css['p50']:.1f} / {css['p99']:.1f} ms) "
            f"| {page['rps']:,.0f} ({page['p50']:.1f} / {page['p99']:.1f} ms) "
            f"| {r['collect_seconds']:.1f} s |"
        )
    headers = [
        "| variant | " + " | ".join(SHOWN_HEADERS) + " |",
        "|---|" + "---|" * len(SHOWN_HEADERS),
    ]
    for r in results:
        values = " | ".join(
            f"`{r['css_headers'][h]}`" if r["css_headers"][h] else "(none)" for h in SHOWN_HEADERS
        )
        headers.append(f"| `{r['variant']}` | {values} |")
    cores = os.cpu_count()
    out = [
        f"Measured by `make compare` on {time.strftime('%Y-%m-%d')}, on a {cores}-core machine, "
        "every variant running as `make run` runs it (DEBUG=False, plain HTTP on loopback). "
        f"Load: wrk, 32 connections, {seconds} s per target, from a second process. "
        "For S3 + CDN the stylesheet comes from the local CDN stand-in (nginx caching the "
        "local S3 API), not a real CDN: its figure says little about a real edge. A repeat "
        "visit fetches again what may not be cached for a day. Re-run it on your machine: "
        "`make compare`.\n",
        "\n".join(rows) + "\n",
        "The headers of the hashed `site.css`, as a browser asking for `br, gzip` gets them:\n",
        "\n".join(headers) + "\n",
    ]
    out.append(browser_section(results))
    for svg in charts.values():
        out.append(svg)
    if whole_diffs:  # the guide includes the growth table itself (docs/_measured/growth.md)
        out.append(growth_section())
    where = "" if whole_diffs else " (the whole diffs: `.cache/compare/diffs/` after a run)"
    out.append(f"Each variant's files against the default, `{variant_id(DEFAULTS)}`{where}:\n")
    for variant, text in diffs.items():
        stats = file_stats(text)
        added, removed = sum(s[1] for s in stats), sum(s[2] for s in stats)
        title = f"`{variant}`: {plural(len(stats), 'file')} differ, +{added} -{removed} lines"
        if whole_diffs:
            body = "    ```diff\n" + "".join(f"    {line}" for line in text.splitlines(True))
            body += "    ```\n"
        else:
            body = "".join(f"    - `{name}` +{a} -{r}\n" for name, a, r in stats)
        out.append(f'??? note "{title}"\n\n{body}')
    return "\n".join(out), charts


def hints_summary(link: str) -> str:
    """A Link header in short: "preconnect, preload style, preload font"."""
    found = []
    for hint in filter(None, (part.strip() for part in link.split(","))):
        rel = re.search(r"rel=(\w+)", hint)
        kind = re.search(r"as=(\w+)", hint)
        found.append(" ".join(filter(None, [rel and rel[1], kind and kind[1]])))
    return ", ".join(found) or "(none)"


def paints(timings: dict) -> str:
    return f"{timings['fcp_ms']:.0f} / {timings['lcp_ms']:.0f} ms, {timings['font_ms']:.0f} ms"


def browser_section(results: list[dict]) -> str:
    """Integrity digests, preload hints and first-visit paint times, per variant."""
    first = results[0]["browser"]
    rows = [
        f"The home page in Chromium: a first visit (no cache, no open connection) with "
        f"{first['latency_ms']} ms added to every request, median of {first['loads']} loads, "
        "with the preload hints (`STATIC_PRELOAD`) and, the site started again, without them. "
        "The stylesheet is in the page's head and the font uses `font-display: swap`, so "
        "neither paint waits for the font: what the hints move is when the font arrives (the "
        "text is drawn again in it), and with 103 Early Hints from a CDN, the time before the "
        "HTML.\n",
        "| variant | integrity digest (scripts, stylesheets) | Link header | first / largest "
        "contentful paint, font arrived, with hints | without hints |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        hinted, plain = r["browser"], r["browser_without_hints"]
        digests = ", ".join(
            f"`{re.sub(r'[.][0-9a-f]{12}(?=[.])', '', a['url'].rsplit('/', 1)[1])}` "
            + ("yes" if a["integrity"] else "no")
            for a in hinted["integrity"]
        )
        rows.append(
            f"| `{r['variant']}` | {digests} | {hints_summary(hinted['link'])} "
            f"| {paints(hinted)} | {paints(plain)} |"
        )
    return "\n".join(rows) + "\n"


def growth_section() -> str:
    """How the costs grow with the site: the last growth goals' tables (make bench)."""
    out = ["How the costs grow with the site:\n"]
    for part in growth.PARTS:
        path = TEMPLATE_DIR / ".cache" / "bench" / part.record
        if not path.exists():
            out.append(
                f"{part.variant}: no run recorded on this machine yet "
                f"(`make bench BENCH_ARGS='--only {part.key}'`).\n"
            )
        else:
            out.append(growth.report(part, json.loads(path.read_text())))
    return "\n".join(out)


# The guide's copy of the last run of every variant (included by choosing-a-strategy.md).
GUIDE_REPORT = TEMPLATE_DIR / "docs" / "_measured" / "compare.md"


def main() -> int:
    parser = argparse.ArgumentParser(prog="make compare", description=__doc__)
    parser.add_argument("--out", type=Path, default=TEMPLATE_DIR / ".cache" / "compare")
    parser.add_argument("--seconds", type=int, default=5, help="wrk run per target")
    parser.add_argument("--only", action="append", help="a variant id (repeatable)")
    parser.add_argument(
        "--docs",
        help="where the guide's copy of the report goes (default: docs/_measured/compare.md, "
        "written only by a run of every variant)",
    )
    options = parser.parse_args()
    chosen = [a for a in VARIANTS if not options.only or variant_id(a) in options.only]
    if not chosen:
        parser.error(f"no variant called {options.only}")
    if options.docs is None and len(chosen) == len(VARIANTS):
        options.docs = str(GUIDE_REPORT)
    shutil.rmtree(options.out, ignore_errors=True)
    options.out.mkdir(parents=True)
    results = []
    with chromium() as browser:
        for number, answers in enumerate(chosen, 1):
            progress(f"variant {number} of {len(chosen)}: {variant_id(answers)}")
            results.append(measure(answers, options.out, options.seconds, browser))
    default = bake_variant(DEFAULTS, options.out / "pristine")  # as generated, never run
    diffs = {}
    (options.out / "diffs").mkdir()
    for r in results:
        if r["variant"] == variant_id(DEFAULTS):
            continue
        text = diff(default, options.out / "baked" / r["variant"] / default.name)
        (options.out / "diffs" / f"{r['variant']}.diff").write_text(text)
        diffs[r["variant"]] = text
    markdown, charts = report(results, diffs, options.seconds)
    (options.out / "charts").mkdir()
    for name, svg in charts.items():
        (options.out / "charts" / f"{name}.svg").write_text(svg)
    (options.out / "report.md").write_text(markdown)
    (options.out / "results.json").write_text(json.dumps(results, indent=2))
    if options.docs:
        Path(options.docs).parent.mkdir(parents=True, exist_ok=True)
        Path(options.docs).write_text(report(results, diffs, options.seconds, False)[0])
    also = f" and {options.docs}" if options.docs else ""
    progress(f"done: {options.out / 'report.md'}{also}")
    if not options.docs:
        progress(
            f"{GUIDE_REPORT.relative_to(TEMPLATE_DIR)} left as it was: it reports every variant"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
