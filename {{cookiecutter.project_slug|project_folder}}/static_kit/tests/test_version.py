"""The library is one versioned unit: its version is the changelog's latest entry."""

import re
from pathlib import Path

import static_kit


def test_the_version_is_the_changelogs_latest_entry():
    changelog = (Path(static_kit.__file__).parent / "CHANGELOG.md").read_text()
    latest = re.search(r"^## (\d+\.\d+\.\d+) \(\d{4}-\d{2}-\d{2}\)$", changelog, re.M)
    assert latest and latest[1] == static_kit.__version__, (latest, static_kit.__version__)
