"""The suite goal: `make test`'s pytest run, the whole matrix with real servers and the
browser, under 15 minutes on this machine.

Running the suite here would take the quarter hour it measures, so the run measures itself:
harness/pytest_plugin.py records .cache/suite.json after every whole, passing run (nothing chosen
with -k, -m or a path). `make test` lints and builds the guide before it; those are not counted.
"""

import json
from pathlib import Path

from docsgen import TEMPLATE_DIR

from .serving import Goal

RECORD = TEMPLATE_DIR / ".cache" / "suite.json"
LIMIT_MINUTES = 15


def suite_goal(work: Path, options) -> list[Goal]:
    claim = f"make test's whole pytest run: under {LIMIT_MINUTES} minutes"
    if not RECORD.exists():
        detail = "no whole, passing run recorded on this machine yet: run `make test`"
        return [Goal("suite", claim, False, detail)]
    record = json.loads(RECORD.read_text())
    minutes, seconds = divmod(round(record["seconds"]), 60)
    detail = (
        f"{minutes}m{seconds:02d}s for {record['tests']} tests, the last whole run "
        f"(finished {record['finished']})"
    )
    return [Goal("suite", claim, record["seconds"] < LIMIT_MINUTES * 60, detail)]
