"""The combinations the template can generate, read from cookiecutter.json itself.

A new choice added to cookiecutter.json is baked, linted and served without editing a list.
"""

import itertools
import json
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
# The project template; its name's filter refuses a bad package name before it is created.
PROJECT_TEMPLATE_DIR = TEMPLATE_DIR / "{{cookiecutter.project_slug|project_folder}}"
COOKIECUTTER_JSON = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))

CHOICES = {
    name: values
    for name, values in COOKIECUTTER_JSON.items()
    if isinstance(values, list) and not name.startswith("_")
}
DEFAULTS = {name: values[0] for name, values in CHOICES.items()}


def variant_id(answers: dict) -> str:
    return "-".join(answers[name] for name in CHOICES)


VARIANTS = [
    dict(zip(CHOICES, combination, strict=True))
    for combination in itertools.product(*CHOICES.values())
]
VARIANT_IDS = [variant_id(answers) for answers in VARIANTS]
# Fewer variants that still take every choice at least once, for tests of what the choices
# share (the Makefile, manage.py): the i-th takes each prompt's i-th choice, wrapping around.
COVERING = [
    {name: values[i % len(values)] for name, values in CHOICES.items()}
    for i in range(max(len(values) for values in CHOICES.values()))
]
