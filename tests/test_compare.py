"""`make compare` on one variant: it runs, says what it is doing, and writes a report whose
figures were measured (not left empty), charts that are SVG, and the diff against the default.
The guide's copy of the last full run (docs/_measured/compare.md) covers every variant."""

import re
import xml.etree.ElementTree as ET

import pytest

from harness.servers import python_module
from harness.variants import TEMPLATE_DIR, VARIANT_IDS

pytestmark = pytest.mark.serving

VARIANT = "nginx-local"


def test_compare_measures_a_variant_and_writes_the_report(tmp_path):
    """Its own report only: the guide's copy of the last full run stays as committed."""
    out, guide = tmp_path / "compare", TEMPLATE_DIR / "docs" / "_measured" / "compare.md"
    committed = guide.read_bytes()
    options = ["--only", VARIANT, "--seconds", "1", "--out", str(out)]
    code, output = python_module("bench.compare", *options)
    assert code == 0, output[-3000:]
    assert guide.read_bytes() == committed, "make compare --only rewrote the guide's report"
    assert "docs/_measured/compare.md left as it was" in output, output[-1000:]
    steps = ("collectstatic", "starting make run", "repeat visit", "load on", "without the preload")
    for step in steps:
        assert re.search(rf"^compare: {VARIANT}: .*{step}", output, re.M), output
    report = (out / "report.md").read_text()
    assert "How the costs grow with the site" in report, report[-2000:]
    row = re.search(rf"^\| `{VARIANT}` \| (.+)$", report, re.M)
    assert row, report[:2000]
    cells = [cell.strip() for cell in row[1].split("|")]
    first, repeat, css, page, collect = cells[2], cells[3], cells[4], cells[5], cells[6]
    assert float(first.split()[0]) > float(repeat.split()[0]) > 0, row[0]
    for load in (css, page):
        assert float(load.split()[0].replace(",", "")) > 0, row[0]
    assert float(collect.split()[0]) > 0, row[0]
    # In Chromium: every script and stylesheet has its digest, the hints are sent, paints timed.
    browser = re.search(
        rf"^\| `{VARIANT}` \| `site\.css` yes, `site\.js` yes \| preload style, preload font "
        r"\| (\d+) / (\d+) ms, (\d+) ms \| (\d+) / (\d+) ms, (\d+) ms \|$",
        report,
        re.M,
    )
    assert browser, report[:4000]
    assert all(int(value) > 0 for value in browser.groups()), browser[0]
    css_headers = rf"^\| `{VARIANT}` \| `text/css[^|]*` \| `br` \| `[^`]*immutable"
    assert re.search(css_headers, report, re.M), report[:3000]
    for chart in ("css-rps", "page-rps", "first-visit", "collect"):
        svg = ET.parse(out / "charts" / f"{chart}.svg").getroot()  # noqa: S314 (written here)
        assert svg.tag.endswith("svg") and VARIANT in ET.tostring(svg, encoding="unicode")
    whole = (out / "diffs" / f"{VARIANT}.diff").read_text()
    assert "+++ b/deploy/nginx/locations.conf" in whole and "```diff" in report


def test_the_guide_shows_the_last_full_report_for_every_variant():
    report = (TEMPLATE_DIR / "docs" / "_measured" / "compare.md").read_text()
    missing = [v for v in VARIANT_IDS if not re.search(rf"^\| `{v}` \| ", report, re.M)]
    assert not missing, f"run `make compare`: the guide's report lacks {missing}"
    # Each variant's diff as a list of files there (the whole diff is in .cache/compare).
    assert "deploy/nginx/locations.conf" in report and "```diff" not in report
    page = (TEMPLATE_DIR / "docs" / "explanation" / "choosing-a-strategy.md").read_text()
    assert '--8<-- "_measured/compare.md"' in page
