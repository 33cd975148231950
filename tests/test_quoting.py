"""Answers reach generated Python, TOML and YAML as the exact string, in ruff's quoting."""

import ast
import subprocess
import tomllib

import pytest
import yaml

from harness.bake import RUFF
from local_extensions import data_string, python_string

AWKWARD = [
    "plain",
    'Say "hi"',
    "it's",
    "both ' and \"",
    "trailing \\",
    'Café "Zürich" 🚀',
    "\\n is not a newline",
    "'''",
    '"""',
]


@pytest.mark.threat(
    "Hostile prompt answers", "Quotes and backslashes reach generated Python as data"
)
@pytest.mark.parametrize("value", AWKWARD)
def test_python_string_is_the_exact_value_and_ruff_formatted(value, tmp_path):
    source = f"X = {python_string(value)}\n"
    assert ast.literal_eval(python_string(value)) == value
    (tmp_path / "x.py").write_text(source, encoding="utf-8")
    result = subprocess.run(
        [RUFF, "format", "--no-cache", "--diff", "x.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.threat("Hostile prompt answers", "Quotes and backslashes reach TOML and YAML as data")
@pytest.mark.parametrize("value", AWKWARD)
def test_data_string_is_the_exact_value_in_toml_and_yaml(value):
    assert tomllib.loads(f"x = {data_string(value)}")["x"] == value
    assert yaml.safe_load(f"x: {data_string(value)}")["x"] == value
