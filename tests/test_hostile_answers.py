"""Prompt answers never run code: Jinja payloads in every text answer, given on the command
line and typed at the real interactive prompt, create no sentinel file and generate nothing,
and the user is told which answer is wrong.

Cookiecutter renders answers as Jinja before any hook runs; the template's own environment
(local_extensions.SandboxExtension, first in `_extensions`) is what stops them. The negative
control proves the payloads are real: without that extension, the same CLI runs them.
"""

import ast
import json
import shutil
from pathlib import Path

import pytest

from harness.bake import assert_refused_and_nothing_left, cookiecutter_cli, cookiecutter_main
from harness.variants import COOKIECUTTER_JSON, TEMPLATE_DIR

TEXT_FIELDS = [name for name, value in COOKIECUTTER_JSON.items() if isinstance(value, str)]
CHOICE_FIELDS = [name for name, value in COOKIECUTTER_JSON.items() if isinstance(value, list)]

# Each reaches for os or subprocess through a different door; SENTINEL is replaced by a path.
PAYLOADS = {
    "cycler globals": "{{ cycler.__init__.__globals__.os.system('touch SENTINEL') }}",
    "joiner globals": "{{ joiner.__init__.__globals__.os.system('touch SENTINEL') }}",
    "namespace globals": "{{ namespace.__init__.__globals__.os.popen('touch SENTINEL').read() }}",
    "lipsum globals": "{{ lipsum.__globals__['os'].system('touch SENTINEL') }}",
    "template reference": (
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os"
        ".system('touch SENTINEL') }}"
    ),
    "subclasses walk": (
        "{% for c in ''.__class__.__mro__[1].__subclasses__() %}"
        "{% if c.__name__ == 'Popen' %}{{ c(['touch', 'SENTINEL']) }}{% endif %}{% endfor %}"
    ),
    "str.format fields": "{{ '{0.__init__.__globals__[os].system}'.format(cycler) }}",
    "attr filter": (
        "{{ (cycler|attr('__init__')|attr('__globals__'))['os'].system('touch SENTINEL') }}"
    ),
    "context mutation": "{% set _ = cookiecutter.update({'project_slug': 'os'}) %}SENTINEL",
    "memory bomb": "{{ 'x' * 100000000000 }}SENTINEL",
}


def armed(payload: str, sentinel: Path) -> str:
    return payload.replace("SENTINEL", str(sentinel))


def assert_refused(result, field: str, sentinel: Path, output: Path) -> None:
    assert not sentinel.exists(), f"{field}: the payload RAN (created {sentinel})"
    assert_refused_and_nothing_left(result, field, output)


@pytest.mark.threat(
    "Hostile prompt answers", "Jinja payload given on the command line (--no-input)"
)
@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payload_given_with_no_input_never_runs(field, payload, tmp_path):
    sentinel, output = tmp_path / "SENTINEL", tmp_path / "out"
    output.mkdir()
    result = cookiecutter_main(
        TEMPLATE_DIR, output, ["--no-input", f"{field}={armed(payload, sentinel)}"]
    )
    assert_refused(result, field, sentinel, output)


def typed_answers(field: str, value: str) -> str:
    """What a user types at the interactive prompts: `value` for `field`, Enter elsewhere."""
    lines = []
    for name in [*TEXT_FIELDS, *CHOICE_FIELDS]:
        lines.append(value if name == field else "")
    return "\n".join(lines) + "\n"


@pytest.mark.threat("Hostile prompt answers", "Jinja payload typed at the interactive prompt")
@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize(
    "payload", [PAYLOADS["cycler globals"], PAYLOADS["subclasses walk"]], ids=["cycler", "walk"]
)
def test_payload_typed_at_the_prompt_never_runs(field, payload, tmp_path):
    """The real interactive CLI, answers on stdin: refused by the hook with the field named."""
    sentinel, output = tmp_path / "SENTINEL", tmp_path / "out"
    output.mkdir()
    result = cookiecutter_cli(
        TEMPLATE_DIR, output, [], stdin=typed_answers(field, armed(payload, sentinel))
    )
    assert_refused(result, field, sentinel, output)


def test_harmless_braces_and_quotes_still_bake(tmp_path):
    """The sandbox refuses reaching into Python, not ordinary text."""
    output = tmp_path / "out"
    output.mkdir()
    name = 'Curly {braces} "quoted" \\ O\'Brien 100%'
    result = cookiecutter_cli(TEMPLATE_DIR, output, ["--no-input", f"project_name={name}"])
    assert result.returncode == 0, result.stdout + result.stderr
    settings = next(output.glob("*/*/settings/base.py")).read_text()
    assignment = next(line for line in settings.splitlines() if line.startswith("SITE_NAME = "))
    assert ast.literal_eval(assignment.removeprefix("SITE_NAME = ")) == name, assignment


@pytest.mark.threat(
    "Hostile prompt answers", "Negative control: without the sandbox the payload runs"
)
def test_negative_control_without_the_sandbox_the_payload_runs(tmp_path):
    """The same payload, the same CLI, the template minus SandboxExtension: it runs. If this
    fails, the payloads above prove nothing."""
    template = tmp_path / "unprotected"
    shutil.copytree(
        TEMPLATE_DIR,
        template,
        ignore=shutil.ignore_patterns(".*", "docs", "docsgen", "site", "demo", "tests"),
    )
    config = json.loads((template / "cookiecutter.json").read_text())
    config["_extensions"].remove("local_extensions.SandboxExtension")
    (template / "cookiecutter.json").write_text(json.dumps(config))
    sentinel, output = tmp_path / "SENTINEL", tmp_path / "out"
    output.mkdir()
    payload = armed(PAYLOADS["cycler globals"], sentinel)
    cookiecutter_cli(template, output, ["--no-input", f"description={payload}"])
    assert sentinel.exists(), "without the sandbox the payload did not run: the test is blind"
