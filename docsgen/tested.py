"""The guide's "What we test" table, from the suite itself: every test marked
`@pytest.mark.threat(category, tried, cases=...)`, collected (not run) by pytest.

A row counts the cases each variant gets: collected test items for that variant (their
parameters name it), times the marker's `cases` (an int, or a function of the answers for
tests whose inner loop depends on the strategy). Tests that run before any project exists
(prompt answers) count in the "template" column.
"""

import io
from collections import defaultdict
from contextlib import redirect_stdout

import pytest

from harness.variants import CHOICES, VARIANTS, variant_id

from . import TEMPLATE_DIR
from .reference import cell, table

CATEGORIES = [
    "Hostile prompt answers",
    "Secrets",
    "Deploy settings and headers",
    "Served files",
    "Faults during deploys",
    "Nothing lost for media",
    "Hostile clients",
    "Crashed workers",
]


class ThreatCollector:
    """A pytest plugin that keeps (category, tried, variant id or None, cases) per item."""

    def __init__(self):
        self.rows: list[tuple[str, str, str | None, int]] = []

    def pytest_collection_modifyitems(self, items):
        for item in items:
            marker = item.get_closest_marker("threat")
            if marker is None:
                continue
            category, tried = marker.args
            answers = variant_answers(item)
            cases = marker.kwargs.get("cases", 1)
            count = cases(answers) if callable(cases) else cases
            self.rows.append((category, tried, variant_id(answers) if answers else None, count))


def variant_answers(item) -> dict | None:
    """The variant a test item runs against, from its parameters (direct or a fixture's)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    for value in params.values():
        if isinstance(value, dict) and set(CHOICES) <= set(value):
            return value
    return None


def collect() -> list[tuple[str, str, str | None, int]]:
    collector = ThreatCollector()
    with redirect_stdout(io.StringIO()):
        status = pytest.main(
            ["--collect-only", "-q", "-p", "no:cacheprovider", str(TEMPLATE_DIR / "tests")],
            plugins=[collector],
        )
    if status != 0:
        raise RuntimeError(f"pytest could not collect the suite (exit {status})")
    return collector.rows


def what_we_test() -> str:
    rows = collect()
    unknown = {category for category, *_ in rows} - set(CATEGORIES)
    if unknown:
        raise ValueError(f"threat markers with an unknown category: {sorted(unknown)}")
    counts: dict[tuple[str, str], dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for category, tried, variant, cases in rows:
        counts[(category, tried)][variant] += cases
    variants = [variant_id(answers) for answers in VARIANTS]
    header = ["attack or fault", "template", *variants, "total"]
    out = []
    for category in CATEGORIES:
        body, total = [], defaultdict(int)
        for (row_category, tried), per_variant in counts.items():
            if row_category != category:
                continue
            cells = [per_variant.get(None, 0), *(per_variant.get(v, 0) for v in variants)]
            body.append([cell(tried), *(str(n or "") for n in cells), str(sum(cells))])
            for column, n in zip([None, *variants], cells, strict=True):
                total[column] += n
        if not body:
            raise ValueError(f"no test is marked for {category!r}")
        cases = sum(total.values())
        out.append(f"### {category}\n\n{cases} cases.\n\n")
        out.append(table(header, body) + "\n")
    return "".join(out)
