"""Jinja filters that write prompt answers into generated files as data, never as code.

Cookiecutter loads this module through the `_extensions` entry of cookiecutter.json. The
pre-generation hook has already refused control characters, so only quotes and backslashes
need escaping here.
"""

import json

from jinja2.ext import Extension


def python_string(value: str) -> str:
    """A Python string literal for `value`, quoted as ruff format would write it.

    Double quotes unless the text holds more double than single quotes, so the generated
    project passes `ruff format --check` whatever the answer.
    """
    escaped = str(value).replace("\\", "\\\\")
    if value.count('"') > value.count("'"):
        return "'" + escaped.replace("'", "\\'") + "'"
    return '"' + escaped.replace('"', '\\"') + '"'


def data_string(value: str) -> str:
    """A double-quoted string valid in TOML and YAML (and JSON) for `value`.

    JSON's escapes are a subset of TOML's and YAML's; with ensure_ascii=False non-ASCII text
    stays literal, so an emoji never becomes a surrogate pair that TOML would reject.
    """
    return json.dumps(str(value), ensure_ascii=False)


class QuotingExtension(Extension):
    """Adds the `python_string` and `data_string` filters."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["python_string"] = python_string
        environment.filters["data_string"] = data_string
