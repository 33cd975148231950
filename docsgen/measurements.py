"""What the template's own test run measured, for the guide: per-variant browser figures.

The browser tests (tests/test_browser.py) write .cache/browser/<variant>.json and a screenshot;
this turns the latest ones into a table and a gallery. The screenshots are inlined as data:
URLs, so the built guide needs no file outside docs/ and loads nothing from the network.
"""

import base64
import json
from pathlib import Path

from harness.variants import VARIANT_IDS

from .reference import code, table

RESULTS = Path(__file__).resolve().parent.parent / ".cache" / "browser"


def browser_results(results: Path = RESULTS) -> str:
    found = {
        variant: json.loads((results / f"{variant}.json").read_text())
        for variant in VARIANT_IDS
        if (results / f"{variant}.json").exists()
    }
    if not found:
        return (
            "No browser run recorded on this machine yet: `make test` records one per variant "
            "and the next `make docs` shows it here.\n"
        )
    rows = [
        [
            code(variant),
            f"{figures['first_visit_bytes'] / 1024:.1f} KiB",
            str(figures["first_visit_requests"]),
            str(figures["repeat_visit_static_fetches"]),
            str(figures["repeat_visit_static_from_cache"]),
        ]
        for variant, figures in found.items()
    ]
    out = [
        "Measured by the last `make test` on this machine, in headless Chromium with an empty "
        "cache: the home page's first visit (bytes as transferred, compressed), then a repeat "
        "visit in the same browser.\n\n",
        table(
            [
                "variant",
                "first visit",
                "requests",
                "static files fetched again",
                "static files from the cache",
            ],
            rows,
        ),
        "\n",
    ]
    for variant in found:
        shot = results / f"{variant}.jpg"
        if shot.exists():
            data = base64.b64encode(shot.read_bytes()).decode()
            out.append(f'=== "{variant}"\n\n')
            out.append(
                f'    <img alt="The home page of the {variant} variant, as Chromium rendered it" '
                f'src="data:image/jpeg;base64,{data}" loading="lazy">\n\n'
            )
    return "".join(out)
