"""Bad answers are refused with a message that says what is wrong and how to fix it, and leave
nothing behind; good but awkward answers pass."""

import re

import pytest

from harness.bake import assert_refused_and_nothing_left, cookiecutter_cli
from harness.servers import project_environment, run
from harness.variants import PROJECT_TEMPLATE_DIR, TEMPLATE_DIR, VARIANT_IDS, VARIANTS
from local_extensions import load_pre_gen_hook

MESSAGE = re.compile(r"^ERROR: (?P<field>[a-z_]+): .+\. .+\.$")

hook = load_pre_gen_hook()


VALID = {
    "project_slug": ["my_site", "shop2", "a"],
    "domain_name": ["example.com", "www.my-site.co.uk", "localhost", "xn--caf-dma.example"],
    "author_email": ["you@example.com", "first.last+tag@sub.example.org"],
    "project_name": ["My Site", 'Café "Zürich" \\ O\'Brien', "🚀"],
}
INVALID = [
    ("project_slug", "My-Site", "lowercase Python identifier"),
    ("project_slug", "2fast", "lowercase Python identifier"),
    ("project_slug", "class", "Python keyword"),
    ("project_slug", "django", "shadow the module 'django'"),
    ("project_slug", "test", "shadow the module 'test'"),
    ("project_slug", "site", "shadow the module 'site'"),
    ("project_slug", "pages", "shadow the module 'pages'"),
    ("domain_name", "https://example.com", "Remove the `http(s)://` part"),
    ("domain_name", "example.com/app", "contains a path"),
    ("domain_name", "example.com:8000", "contains a port"),
    ("domain_name", "exa mple.com", "contains a space"),
    ("domain_name", "example.com;return 200 pwned", "contains a `;`"),
    ("domain_name", "example.com{", "contains a `{`"),
    ("domain_name", "Example.com", "Use lowercase: example.com"),
    ("domain_name", "-bad.example.com", "not a valid hostname"),
    ("author_email", "jo", "not an email address"),
    ("author_email", "jo@x", "not an email address"),
    ("author_email", "a b@example.org", "not an email address"),
    ("project_name", "", "is empty"),
    ("project_name", "two\nlines", "control character '\\n'"),
    ("description", "tab\there", "control character '\\t'"),
    ("author_name", "\x1b[31mred", "control character '\\x1b'"),
]


@pytest.mark.parametrize(
    ("field", "value"), [(field, value) for field, values in VALID.items() for value in values]
)
def test_valid_answers_pass(field, value):
    assert hook.VALIDATORS[field](value) is None


@pytest.mark.parametrize(("field", "value", "expected"), INVALID)
def test_invalid_answer_gets_an_error_naming_the_field_and_the_fix(field, value, expected):
    context = {name: "ok" for name in hook.FREE_TEXT_FIELDS}
    context |= {
        "project_slug": "my_site",
        "domain_name": "example.com",
        "author_email": "you@example.com",
    }
    context[field] = value
    errors = hook.find_errors(context)
    assert len(errors) == 1 and MESSAGE.match(errors[0]), errors
    assert errors[0].startswith(f"ERROR: {field}: ") and expected in errors[0], errors


@pytest.mark.threat(
    "Hostile prompt answers", "Malformed or injecting answer refused, nothing generated"
)
@pytest.mark.parametrize(("field", "value", "expected"), INVALID, ids=[i[0] for i in INVALID])
def test_cookiecutter_refuses_bad_answer_and_leaves_nothing_behind(
    tmp_path, field, value, expected
):
    """Through the real CLI, as a user runs it."""
    output = tmp_path / "out"
    output.mkdir()
    extra = [] if field == "project_slug" else ["project_slug=my_site"]
    result = cookiecutter_cli(TEMPLATE_DIR, output, ["--no-input", f"{field}={value}", *extra])
    assert_refused_and_nothing_left(result, field, output)
    said = result.stdout + result.stderr
    assert f"ERROR: {field}: " in said and expected in said, said


def test_a_project_name_whose_slug_is_refused_says_why_in_one_line(tmp_path):
    """`Test` makes the slug `test`: the reason, not cookiecutter's folder error and context."""
    output = tmp_path / "out"
    output.mkdir()
    result = cookiecutter_cli(TEMPLATE_DIR, output, ["--no-input", "project_name=Test"])
    said = (result.stdout + result.stderr).strip()
    assert result.returncode == 1, said
    assert said.startswith("ERROR: project_slug: 'test' would shadow the module 'test'"), said
    assert len(said.splitlines()) == 1, said
    assert list(output.iterdir()) == []


def test_no_folder_of_the_project_can_be_its_slug():
    """A slug equal to a folder beside it (dev/, static_kit/) would merge with it: the hook's
    list names every top-level folder and module of the project template."""
    names = {
        path.stem
        for path in PROJECT_TEMPLATE_DIR.iterdir()
        if "{" not in path.name and (path.is_dir() or path.suffix == ".py")
    }
    names = {name for name in names if name.isidentifier() and name.islower()}
    missing = sorted(names - hook.RESERVED_SLUGS)
    assert not missing, f"add {missing} to PROJECT_NAMES in hooks/pre_gen_project.py"


TOP_LEVEL_NAMES = (
    "import importlib.metadata as m; "
    "print(*(n for n in m.packages_distributions() if n.isidentifier() and n[0] != '_'))"
)


@pytest.mark.parametrize("answers", VARIANTS, ids=VARIANT_IDS)
def test_no_package_the_project_installs_can_be_its_slug(bake, answers):
    """A slug equal to an installed package (granian did) makes the project import itself
    instead: the hook's list covers every top-level name of the project's requirements."""
    venv = project_environment(bake(answers))
    names = set(run([str(venv / "bin" / "python"), "-c", TOP_LEVEL_NAMES], TEMPLATE_DIR).split())
    missing = sorted(name for name in names if name.lower() not in hook.RESERVED_SLUGS)
    assert not missing, f"add {missing} to IMPORTED_PACKAGES in hooks/pre_gen_project.py"


def test_every_error_is_printed_at_once():
    context = {
        "project_name": "",
        "project_slug": "Bad",
        "description": "d",
        "author_name": "a",
        "author_email": "nope",
        "domain_name": "https://x.com",
    }
    fields = [MESSAGE.match(error)["field"] for error in hook.find_errors(context)]
    assert fields == ["project_name", "project_slug", "author_email", "domain_name"]


@pytest.mark.parametrize("hook_file", ["pre_gen_project.py", "post_gen_project.py"])
def test_hooks_read_answers_as_json_data_never_as_code(hook_file):
    source = (TEMPLATE_DIR / "hooks" / hook_file).read_text()
    assert re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source) == ["{{ cookiecutter | tojson }}"]
