"""Every combination bakes into exactly the expected, valid, lint-clean project."""

import ast
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from harness.bake import HADOLINT, RUFF
from harness.servers import project_environment, run
from harness.variants import DEFAULTS, PROJECT_TEMPLATE_DIR, VARIANT_IDS, VARIANTS, variant_id

from .expected_files import expected_files

# Django templates keep their own {{ }} and {% %}; everywhere else these mean Jinja leaked,
# except a GitHub Actions expression, ${{ ... }}, which the template writes in a raw block.
# Django's own templates: pages, and the files `manage.py startapp` writes.
DJANGO_TEMPLATE = re.compile(r"(^|/)(templates|app_template)/")
JINJA_LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|\{#|cookiecutter\.")
AWKWARD = {
    "project_name": 'Café "Zürich" \\ O\'Brien 🚀',
    "project_slug": "cafe_zurich",
    "description": 'A "quoted" description \\ with a backslash, an apostrophe\'s and ünïcode ✓',
    "author_name": 'Seán O\'Connor "Jr" \\',
    "author_email": "sean.oconnor+static@example.co.uk",
}


def project_files(project: Path) -> dict[str, Path]:
    return {
        path.relative_to(project).as_posix(): path
        for path in project.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def text_files(project: Path):
    for name, path in project_files(project).items():
        try:
            yield name, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # fonts, images


@pytest.fixture(scope="module", params=VARIANTS, ids=VARIANT_IDS)
def baked(request, fresh_bake):
    """A fresh bake of each variant, untouched by the serving tests' runs."""
    return request.param, fresh_bake(request.param)


def test_project_has_exactly_the_expected_files(baked):
    answers, project = baked
    slug = project.name
    found = set(project_files(project))
    expected = expected_files(answers, slug)
    assert found == expected, (
        f"{answers}: unexpected {sorted(found - expected)}, missing {sorted(expected - found)}"
    )


def test_the_library_is_the_templates_byte_for_byte(baked):
    """static_kit/ is one unit, the same in every variant: what the template holds, unrendered."""
    answers, project = baked
    source = PROJECT_TEMPLATE_DIR / "static_kit"
    template = {name: path.read_bytes() for name, path in project_files(source).items()}
    baked_library = {
        name: path.read_bytes() for name, path in project_files(project / "static_kit").items()
    }
    assert baked_library == template, f"{answers}: static_kit/ differs from the template's"


def test_the_project_package_is_settings_urls_and_entry_points(baked):
    """No diagnostic, storage or serving code in <slug>/: that is static_kit's."""
    answers, project = baked
    package = project / project.name
    names = sorted(project_files(package))
    allowed = {"__init__.py", "urls.py", "wsgi.py", "asgi.py"}
    stray = [name for name in names if name not in allowed and not name.startswith("settings/")]
    assert not stray, f"{answers}: {stray} in {package.name}/"
    lines = sum(len(path.read_text().splitlines()) for path in project_files(package).values())
    assert lines < 400, f"{answers}: {package.name}/ is {lines} lines"


def test_no_jinja_is_left_unrendered(baked):
    answers, project = baked
    leftovers = [
        f"{name}:{number}: {line.strip()}"
        for name, text in text_files(project)
        if not DJANGO_TEMPLATE.search(name)
        for number, line in enumerate(text.splitlines(), 1)
        if JINJA_LEFTOVER.search(line)
    ]
    assert not leftovers, f"{answers}:\n" + "\n".join(leftovers)


def test_python_compiles(baked):
    answers, project = baked
    for name, text in text_files(project):
        if name.endswith(".py"):
            compile(text, name, "exec")


def test_ruff_finds_nothing_to_fix_or_reformat(baked):
    answers, project = baked
    run([RUFF, "check", "--no-cache", "."], project)
    run([RUFF, "format", "--no-cache", "--check", "."], project)


def test_toml_yaml_and_json_files_parse(baked):
    answers, project = baked
    parsed = 0
    for name, text in text_files(project):
        if name.endswith(".toml"):
            tomllib.loads(text)
        elif name.endswith((".yml", ".yaml")):
            yaml.safe_load(text)
        elif name.endswith(".json"):
            json.loads(text)
        else:
            continue
        parsed += 1
    assert parsed >= 2, f"{answers}: expected pyproject.toml and the CI workflow"


def test_dockerfiles_pass_hadolint_with_no_finding_at_all(baked):
    answers, project = baked
    dockerfiles = sorted(project.rglob("Dockerfile"))
    assert dockerfiles or answers["serving_strategy"] == "nginx", f"{answers}: no Dockerfile"
    for dockerfile in dockerfiles:
        run([HADOLINT, "--failure-threshold", "info", str(dockerfile)], project)


def test_env_file_holds_a_fresh_key_readable_only_by_its_owner(baked):
    answers, project = baked
    env = project / ".env"
    assert env.stat().st_mode & 0o777 == 0o600
    keys = [
        line.split("=", 1)[1]
        for line in env.read_text().splitlines()
        if line.startswith("DJANGO_SECRET_KEY=")
    ]
    assert len(keys) == 1 and len(keys[0]) >= 50, f"{answers}: {keys}"


def test_secrets_and_generated_files_are_git_ignored(baked, tmp_path):
    answers, project = baked
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    run(["git", "init", "--quiet"], copy)
    probes = [
        ".env",
        "staticfiles/css/site.css",
        "media/uploads/a.png",
        "db.sqlite3",
        ".venv/bin/python",
    ]
    ignored = subprocess.run(
        ["git", "check-ignore", *probes], cwd=copy, capture_output=True, text=True, check=False
    ).stdout.split()
    assert sorted(ignored) == sorted(probes), (
        f"{answers}: not ignored: {set(probes) - set(ignored)}"
    )
    # Nothing the template ships is ignored (an unanchored `media/` once hid static_kit/media/).
    hidden = run(["git", "ls-files", "--others", "--ignored", "--exclude-standard"], copy).split()
    assert hidden == [".env"], f"{answers}: git would leave out {hidden}"


# Identifiers of the upload demo: none may appear when media_storage=none. (Generic words such
# as "uploads" in the MEDIA_ROOT check's advice are not the demo, nor is the request body limit,
# DJANGO_MAX_UPLOAD_MB, which every project has.)
DEMO_TRACE = re.compile(
    r"\buploads\.(models|views|urls|admin|middleware|apps)\b"  # the app's modules
    r"|[\"']uploads[\"':]|/uploads/|\.uploads\b"  # its label, URL names, URLs, CSS class
    r"|\bUpload\.objects|import Upload\b|class Upload\b"  # its model
    r"|upload-link|test_demo_uploads"
)


@pytest.mark.parametrize(
    "answers", [a for a in VARIANTS if a["media_storage"] == "none"], ids=variant_id
)
def test_media_none_leaves_no_trace_of_the_upload_demo(fresh_bake, answers):
    project = fresh_bake(answers)
    traces = [
        f"{name}:{number}: {line.strip()}"
        for name, text in text_files(project)
        for number, line in enumerate(text.splitlines(), 1)
        if DEMO_TRACE.search(line)
    ]
    assert not traces, f"{answers}:\n" + "\n".join(traces)


def secret_key(project: Path) -> str:
    return re.search(r"^DJANGO_SECRET_KEY=(.*)$", (project / ".env").read_text(), re.M)[1]


@pytest.mark.threat("Secrets", "Fresh key per bake, >= 50 characters, read back by Django")
def test_two_bakes_get_different_long_secret_keys_that_settings_read_back(fresh_bake):
    """Each bake its own key, >= 50 characters, and Django's settings (through the env-file
    loader, django-environ) read exactly that key back."""
    projects = [fresh_bake(DEFAULTS) for _ in range(2)]
    keys = [secret_key(project) for project in projects]
    assert keys[0] != keys[1]
    assert all(len(key) >= 50 for key in keys), [len(key) for key in keys]
    venv = project_environment(projects[0])
    read_back = run(
        [
            str(venv / "bin" / "python"),
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(repr(settings.SECRET_KEY))",
        ],
        projects[0],
        {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
    )
    assert read_back.strip().splitlines()[-1] == repr(keys[0])


# What a credential looks like, wherever it would be written.
CREDENTIALS = re.compile(
    r"AKIA[0-9A-Z]{16}"  # an AWS access key id
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|^[ \t]*(DJANGO_SECRET_KEY|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID)[ \t]*=[ \t]*\S",
    re.M,
)


@pytest.mark.threat("Secrets", "Tracked files scanned for keys and credentials")
@pytest.mark.parametrize("answers", VARIANTS, ids=VARIANT_IDS)
def test_no_key_or_credential_is_in_a_tracked_file(bake, answers, tmp_path):
    """`git init && git add .` in the generated project tracks neither .env nor any key."""
    project = tmp_path / "project"
    shutil.copytree(bake(answers), project, ignore=shutil.ignore_patterns(".venv", ".run"))
    key = secret_key(project)
    run(["git", "init", "--quiet"], project)
    run(["git", "add", "--all"], project)
    tracked = run(["git", "ls-files"], project).split()
    assert ".env" not in tracked and ".env.example" in tracked, tracked
    leaks = []
    for name in tracked:
        text = (project / name).read_text(encoding="utf-8", errors="replace")
        if key in text:
            leaks.append(f"{name}: holds the project's secret key")
        leaks += [f"{name}: {match.group(0)!r}" for match in CREDENTIALS.finditer(text)]
    assert len(tracked) > 50 and not leaks, "\n".join(leaks)


@pytest.fixture(scope="module")
def awkward_project(fresh_bake):
    return fresh_bake({**DEFAULTS, **AWKWARD})


def test_awkward_values_reach_settings_as_the_exact_string(awkward_project):
    tree = ast.parse((awkward_project / "cafe_zurich/settings/base.py").read_text())
    values = {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert ast.literal_eval(values["SITE_NAME"]) == AWKWARD["project_name"]


def test_awkward_values_reach_toml_and_yaml_as_the_exact_string(awkward_project):
    pyproject = tomllib.loads((awkward_project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == AWKWARD["description"]
    assert pyproject["project"]["authors"] == [
        {"name": AWKWARD["author_name"], "email": AWKWARD["author_email"]}
    ]
    workflow = yaml.safe_load((awkward_project / ".github/workflows/ci.yml").read_text())
    assert workflow["name"] == AWKWARD["project_name"]


def test_awkward_project_compiles_lints_and_loads_its_settings(awkward_project):
    run([RUFF, "check", "--no-cache", "."], awkward_project)
    run([RUFF, "format", "--no-cache", "--check", "."], awkward_project)
    venv = project_environment(awkward_project)
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "import json; print(json.dumps([settings.SITE_NAME, settings.SECRET_KEY]))"
    )
    output = run(
        [str(venv / "bin" / "python"), "-c", script],
        awkward_project,
        {**os.environ, "DJANGO_SETTINGS_MODULE": "cafe_zurich.settings"},
    )
    site_name, secret_key = json.loads(output)
    assert site_name == AWKWARD["project_name"]
    # The key survives the env-file loader unchanged.
    assert f"DJANGO_SECRET_KEY={secret_key}\n" in (awkward_project / ".env").read_text()
