"""The template's Jinja environment: prompt answers are text, never code.

Cookiecutter loads this module through the `_extensions` entry of cookiecutter.json, when it
creates its Jinja environment and before it renders any answer. That matters: cookiecutter
renders every answer as a template (a project name `{{ cycler.__init__.__globals__.os... }}`
would run), and a pre-generation hook runs too late to stop it.

- `SandboxExtension` turns the environment into Jinja's immutable sandbox: no `_` attribute,
  no Python internals, no mutation of lists and dicts, no gigantic `*` or `**` results.
- `project_folder`, the filter in the project folder's name, refuses an invalid package name
  before cookiecutter creates that folder (a `/` in it would make nested folders outside
  the pre-generation hook's reach), with the hook's own message.
- `QuotingExtension` adds the filters that write answers into generated files as data. The
  pre-generation hook has already refused control characters, so only quotes and
  backslashes need escaping.
- `HookMessageFirst` keeps cookiecutter from printing a traceback after the pre-generation
  hook has said which answer is wrong and how to fix it.
"""

import functools
import importlib.util
import json
import logging
import numbers
import sys
from pathlib import Path

from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range

LARGEST_RESULT = 100_000  # items or characters an answer's `*` may make; `**` exponent bound


class AnswerIsNotATemplate(SecurityError, UndefinedError):
    """An answer reached for Python internals. An UndefinedError, so that cookiecutter names
    the answer it was rendering ("Unable to render variable 'project_name'") and stops."""


class AnswerSandbox(ImmutableSandboxedEnvironment):
    """The sandbox's rules, mixed into cookiecutter's own environment class."""

    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj, attribute):
        return self.undefined(
            f"answers are plain text: {attribute!r} of a {type(obj).__name__!r} is not "
            "reachable from them. Remove the {{ }} or {% %} from the answer.",
            name=attribute,
            obj=obj,
            exc=AnswerIsNotATemplate,
        )

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, numbers.Number) and abs(right) > 100:
            raise AnswerIsNotATemplate(f"answers are plain text: ** {right} is refused.")
        if operator == "*":
            sizes = [len(x) for x in (left, right) if isinstance(x, str | list | tuple)]
            counts = [x for x in (left, right) if isinstance(x, int)]
            if sizes and counts and sizes[0] * counts[0] > LARGEST_RESULT:
                raise AnswerIsNotATemplate("answers are plain text: a huge * result is refused.")
        return super().call_binop(context, operator, left, right)


class HookMessageFirst(logging.Filter):
    """The pre-generation hook prints each wrong answer and its fix; the traceback cookiecutter
    logs after a failed hook only buries that. Keep the log line, drop the traceback."""

    def filter(self, record):
        if record.exc_info and record.exc_info[0].__name__ == "FailedHookException":
            record.exc_info, record.exc_text = None, None
        return True


class SandboxExtension(Extension):
    """Makes cookiecutter's environment (StrictEnvironment) an AnswerSandbox in place.

    Templates compile against `environment.sandboxed`, so every answer, file and path
    rendered from now on goes through the sandbox's attribute, call and operator checks.
    """

    def __init__(self, environment):
        super().__init__(environment)
        if not isinstance(environment, AnswerSandbox):
            base = type(environment)
            environment.__class__ = type(f"Sandboxed{base.__name__}", (AnswerSandbox, base), {})
            # What SandboxedEnvironment.__init__ would have set.
            environment.globals["range"] = safe_range
            environment.binop_table = AnswerSandbox.default_binop_table.copy()
            environment.unop_table = AnswerSandbox.default_unop_table.copy()
        hooks_log = logging.getLogger("cookiecutter.hooks")
        if not any(isinstance(f, HookMessageFirst) for f in hooks_log.filters):
            hooks_log.addFilter(HookMessageFirst())


@functools.cache
def load_hook(name: str):
    """hooks/<name>.py as a module (hooks are scripts, not a package)."""
    path = Path(__file__).resolve().parent / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pre_gen_hook():
    """hooks/pre_gen_project.py, whose validators are the one definition of a valid answer."""
    return load_hook("pre_gen_project")


def project_folder(value: str) -> str:
    """The project folder's name, once the answer is a valid package name.

    A refused name stops cookiecutter here with the hook's one line. An exception would reach
    cookiecutter, which prints "Unable to create project directory" and dumps the whole
    context, burying the reason.
    """
    error = load_pre_gen_hook().answer_error("project_slug", value)
    if error:
        print(f"{error} Nothing was generated.", file=sys.stderr)
        raise SystemExit(1)
    return value


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
    """Adds the `python_string`, `data_string` and `project_folder` filters."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["project_folder"] = project_folder
        environment.filters["python_string"] = python_string
        environment.filters["data_string"] = data_string
