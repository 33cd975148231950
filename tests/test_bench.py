"""A smoke run of `make bench`: one short round of every goal, each reported with its ratio.

The goals themselves are judged by `make bench` (several longer rounds), never here: a timed
assertion in a test would fail on a busy machine, not on slow code.
"""

import re

import pytest

from harness.servers import python_module

pytestmark = pytest.mark.serving

# The goal groups (make bench --only GROUP) and the goals each reports.
GROUPS = {
    "whitenoise": ["serving.whitenoise", "serving.whitenoise_pages"],
    "nginx": ["serving.nginx", "serving.nginx_browser", "serving.nginx_pages"],
    "s3_cdn": ["serving.s3_cdn_pages"],
    "build": ["build.cold", "build.one_file_changed"],
    "publish": ["publish.first", "publish.unchanged", "publish.one_file_changed"],
    "suite": ["suite"],
    "growth": [
        "growth.build.cold",
        "growth.build.one_changed",
        "growth.server.start",
        "growth.worker.start",
        "growth.doctor",
    ],
    "growth_s3": [
        "growth.s3.publish.cold",
        "growth.s3.publish.one_changed",
        "growth.s3.server.start",
        "growth.s3.worker.start",
        "growth.s3.doctor",
    ],
}
# The admin's static files left out (--tree-only): the publish smoke spent 43 of its 59 s
# on the stock storage publishing them twice.
SMOKE = ["--rounds", "1", "--seconds", "1", "--files", "40", "--tree-only"]
# The growth goal's smoke sizes: its shape, per file and from one size to the next, is printed
# at any size (the guide's table is written only at the full 1k / 5k / 20k).
SMOKE += ["--growth-sizes", "20,40"]


@pytest.mark.parametrize("group", GROUPS)
def test_bench_smoke_run_reports_every_goal_with_a_measured_ratio(group):
    """One group a test (each works in its own .cache/bench folder), so they spread over the
    suite's workers."""
    code, output = python_module("bench", *SMOKE, "--only", group)
    assert code == 0, output[-3000:]
    assert re.search(rf"^\d+ of {len(GROUPS[group])} goals met\.", output, re.M), output[-1000:]
    for goal in GROUPS[group]:
        line = re.search(rf"^{re.escape(goal)}: .+: (met|NOT MET)\n    (.+)$", output, re.M)
        assert line, f"{goal} not reported:\n{output[-3000:]}"
        if goal == "publish.one_file_changed":  # counts, not times: judged here too
            assert line[1] == "met", line[0]
            continue
        if goal == "suite":  # recorded by the last whole run, if any on this machine
            assert re.match(r"\d+m\d\ds for \d+ tests|no whole, passing run", line[2]), line[2]
            continue
        if goal.startswith("growth."):
            shape = re.search(r"ms per file at 20 / 40 files; .+ \(([\d.]+) of linear\)", line[2])
            assert shape and float(shape[1]) > 0, line[2]
            continue
        ratio = re.search(r"([\d.]+)(x|%) \(median of 1, spread", line[2])
        assert ratio and float(ratio[1]) > 0, line[2]
        if goal.startswith("serving."):
            assert "errors 0" in line[2], line[2]
        if goal == "publish.unchanged":
            assert re.match(r"generated [\d.]+ s, 0 uploads", line[2]), line[2]
