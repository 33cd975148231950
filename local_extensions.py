"""Jinja filters the template uses to write prompt answers into generated files safely.

Cookiecutter loads this module through the `_extensions` entry of cookiecutter.json.
"""

import json

from jinja2.ext import Extension


def quoted(value: str) -> str:
    """Return `value` as a double-quoted string literal valid in Python, TOML and YAML.

    JSON's escapes (\\" \\\\ \\n \\uXXXX) are a subset of all three languages' escapes, and with
    ensure_ascii=False non-ASCII text stays literal, so an emoji never becomes a surrogate pair.
    Control characters are refused by the pre-generation hook before any file is written.
    """
    return json.dumps(str(value), ensure_ascii=False)


class QuotingExtension(Extension):
    """Adds the `quoted` filter."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["quoted"] = quoted
