"""A smoke run of `make bench`: one short round of every goal, each reported with its ratio.

The goals themselves are judged by `make bench` (several longer rounds), never here: a timed
assertion in a test would fail on a busy machine, not on slow code.
"""

import re
import subprocess
import sys

import pytest

from .variants import TEMPLATE_DIR

pytestmark = pytest.mark.serving

GOALS = [
    "serving.whitenoise",
    "serving.whitenoise_pages",
    "serving.nginx",
    "serving.nginx_browser",
]


def test_bench_smoke_run_reports_every_goal_with_a_measured_ratio():
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--rounds", "1", "--seconds", "1"],
        cwd=TEMPLATE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    for goal in GOALS:
        line = re.search(rf"^{re.escape(goal)}: .+: (met|NOT MET)\n    (.+)$", output, re.M)
        assert line, f"{goal} not reported:\n{output[-3000:]}"
        ratio = re.search(r"([\d.]+)x \(median of 1, spread", line[2])
        assert ratio and float(ratio[1]) > 0, line[2]
        assert "errors 0" in line[2], line[2]
    assert re.search(rf"^\d of {len(GOALS)} goals met\.", output, re.M), output[-1000:]
