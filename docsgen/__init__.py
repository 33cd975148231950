"""The parts of the guide that come from the template itself, so they cannot drift from it.

`python -m docsgen` (run by `make docs` before `mkdocs build`) bakes every variant into
`.cache/docs/baked/<strategy>-<media>/` and writes the generated reference tables into
`.cache/docs/generated/`. The pages include both with pymdownx.snippets (`--8<--`): code shown
in the guide is the code a user gets. `sequence.py` draws the request-flow diagrams at build
time, as inline SVG, so the guide needs no JavaScript library and no network to show them.
"""

from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
OUTPUT_DIR = TEMPLATE_DIR / ".cache" / "docs"
