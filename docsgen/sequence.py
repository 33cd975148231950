"""Sequence diagrams drawn at build time as inline SVG: readable offline, no JavaScript.

A fenced block with the `sequence` language, in a small subset of Mermaid's syntax:

    participant B as Browser
    participant N as nginx
    B->>N: GET /static/css/site.3f2a1c9b7e4d.css
    note over N: alias /srv/app/shared/static/
    N-->>B: 200, Cache-Control: immutable

`->>` is a request (solid line), `-->>` an answer (dashed). Registered in mkdocs.yml as a
pymdownx.superfences custom fence. Colours follow the theme (currentColor), so the diagrams
work in light and dark mode.
"""

import hashlib
import html
import re
from dataclasses import dataclass

PARTICIPANT = re.compile(r"^participant\s+(\w+)(?:\s+as\s+(.+))?$")
MESSAGE = re.compile(r"^(\w+)\s*(-->>|->>)\s*(\w+)\s*:\s*(.+)$")
NOTE = re.compile(r"^note\s+over\s+(\w+)(?:\s*,\s*(\w+))?\s*:\s*(.+)$", re.IGNORECASE)

CHAR_WIDTH = 6.6  # at 13px, a safe average for the theme's sans-serif
ROW = 38
HEAD = 34
MARGIN = 12


class DiagramError(ValueError):
    """A line of the diagram that the subset does not understand."""


@dataclass
class Step:
    kind: str  # "message", "answer" or "note"
    start: str
    end: str
    text: str


def parse(source: str) -> tuple[dict[str, str], list[Step]]:
    participants: dict[str, str] = {}
    steps = []
    for number, raw in enumerate(source.strip().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("%%"):
            continue
        if match := PARTICIPANT.match(line):
            participants[match.group(1)] = (match.group(2) or match.group(1)).strip()
        elif match := MESSAGE.match(line):
            start, arrow, end, text = match.groups()
            kind = "answer" if arrow == "-->>" else "message"
            steps.append(Step(kind, start, end, text.strip()))
            participants.setdefault(start, start)
            participants.setdefault(end, end)
        elif match := NOTE.match(line):
            start, end, text = match.groups()
            steps.append(Step("note", start, end or start, text.strip()))
            for name in (start, end or start):
                if name not in participants:
                    raise DiagramError(f"sequence diagram, line {number}: no participant {name}")
        else:
            raise DiagramError(f"sequence diagram, line {number}: cannot read {line!r}")
    return participants, steps


def text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def box_width(label: str) -> float:
    """A participant's header box: its label and some padding, never narrower than 100."""
    return max(text_width(label) + 24, 100)


def column_positions(participants: dict[str, str], steps: list[Step]) -> dict[str, float]:
    """x of each lifeline: wide enough for every label, message and note between them."""
    names = list(participants)
    gaps = [box_width(participants[n]) for n in names]
    needed = [0.0] * len(names)  # distance wanted between column i and i+1
    for i in range(len(names) - 1):
        needed[i] = (gaps[i] + gaps[i + 1]) / 2 + 10
    for step in steps:
        a, b = sorted((names.index(step.start), names.index(step.end)))
        width = text_width(step.text) + 30
        if a == b:
            # A note over one participant is centred on it; spread the neighbours to fit.
            if a > 0:
                needed[a - 1] = max(needed[a - 1], width / 2 + gaps[a - 1] / 2)
            if a < len(names) - 1:
                needed[a] = max(needed[a], width / 2 + gaps[a + 1] / 2)
            continue
        span = sum(needed[a:b])
        if span < width:
            extra = (width - span) / (b - a)
            for i in range(a, b):
                needed[i] += extra
    x = MARGIN + gaps[0] / 2
    positions = {}
    for i, name in enumerate(names):
        positions[name] = x
        if i < len(names) - 1:
            x += needed[i]
    return positions


def render(source: str) -> str:
    participants, steps = parse(source)
    # Each diagram's arrowhead has its own id: a page holds several diagrams.
    arrow = "seq-" + hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()[:10]
    x = column_positions(participants, steps)
    names = list(participants)
    # Shift and size the drawing to what it holds: boxes, notes and labels on both sides.
    spans = [
        (
            x[n] - box_width(participants[n]) / 2,
            x[n] + box_width(participants[n]) / 2,
        )
        for n in names
    ]
    for step in steps:
        mid = (x[step.start] + x[step.end]) / 2
        half = max(abs(x[step.start] - x[step.end]) + 40, text_width(step.text) + 30) / 2
        spans.append((mid - half, mid + half))
    shift = MARGIN - min(left for left, _ in spans)
    x = {name: position + shift for name, position in x.items()}
    width = max(right for _, right in spans) + shift + MARGIN
    height = HEAD + 20 + ROW * len(steps) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sequence-diagram" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'font-size="13" font-family="var(--md-text-font-family, sans-serif)">',
        f"<title>{html.escape(', '.join(participants.values()))}: sequence</title>",
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="currentColor"/></marker></defs>',
    ]
    bottom = height - 6
    for name in names:
        box = box_width(participants[name])
        cx = x[name]
        out.append(
            f'<line x1="{cx:.0f}" y1="{HEAD}" x2="{cx:.0f}" y2="{bottom}" stroke="currentColor" '
            f'stroke-opacity="0.35" stroke-dasharray="3 4"/>'
        )
        out.append(
            f'<rect x="{cx - box / 2:.0f}" y="2" width="{box:.0f}" height="{HEAD - 4}" rx="4" '
            f'fill="var(--md-default-bg-color, #fff)" stroke="currentColor"/>'
        )
        out.append(
            f'<text x="{cx:.0f}" y="{HEAD / 2 + 5:.0f}" text-anchor="middle" font-weight="bold" '
            f'fill="currentColor">{html.escape(participants[name])}</text>'
        )
    y = HEAD + 20
    for step in steps:
        label = html.escape(step.text)
        if step.kind == "note":
            left, right = sorted((x[step.start], x[step.end]))
            w = max(right - left + 40, text_width(step.text) + 30)
            mid = (left + right) / 2
            out.append(
                f'<rect x="{mid - w / 2:.0f}" y="{y - 4}" width="{w:.0f}" height="{ROW - 12}" '
                f'rx="3" fill="var(--md-accent-fg-color--transparent, #eef)" '
                f'stroke="currentColor" stroke-opacity="0.5"/>'
            )
            out.append(
                f'<text x="{mid:.0f}" y="{y + ROW / 2 - 3:.0f}" text-anchor="middle" '
                f'fill="currentColor" font-style="italic">{label}</text>'
            )
        elif step.start == step.end:
            cx = x[step.start]
            out.append(
                f'<path d="M{cx:.0f},{y + 12} h30 v12 h-28" fill="none" stroke="currentColor" '
                f'marker-end="url(#{arrow})"/>'
            )
            out.append(f'<text x="{cx + 36:.0f}" y="{y + 22}" fill="currentColor">{label}</text>')
        else:
            x1, x2 = x[step.start], x[step.end]
            dash = ' stroke-dasharray="6 4"' if step.kind == "answer" else ""
            out.append(
                f'<line x1="{x1:.0f}" y1="{y + 14}" x2="{x2:.0f}" y2="{y + 14}" '
                f'stroke="currentColor"{dash} marker-end="url(#{arrow})"/>'
            )
            out.append(
                f'<text x="{(x1 + x2) / 2:.0f}" y="{y + 8}" text-anchor="middle" '
                f'fill="currentColor">{label}</text>'
            )
        y += ROW
    out.append("</svg>")
    return "".join(out)


def fence(source, language, css_class, options, md, **kwargs):
    """pymdownx.superfences custom fence: ```sequence blocks become inline SVG figures."""
    return f'<figure class="{css_class}">{render(source)}</figure>'
