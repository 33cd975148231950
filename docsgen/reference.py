"""Reference tables read from the template and the baked variants, never typed by hand.

Each `*_reference()` returns Markdown. A prompt without its label, a file without its
docstring or leading comment, an environment variable without its line in .env.example (or
docsgen/environment.py), a doctor check without its docstring stops the build
(`MissingDescription`). Settings and make targets are read from the code, and each settings
module and Makefile is quoted whole: their comments are for the reader, wherever they sit.
"""

import ast
import html
import itertools
import json
import re
from collections import defaultdict
from pathlib import Path

from django.conf import global_settings

from harness.variants import CHOICES, COOKIECUTTER_JSON

from . import TEMPLATE_DIR
from .bake import PROJECT_SLUG
from .environment import OUTSIDE_ENV_FILE


class MissingDescription(Exception):
    """Something the reference must describe has no comment to describe it with."""


def code(text: str) -> str:
    """Inline code that survives Markdown table cells (pipes included)."""
    return f"<code>{html.escape(text).replace('|', '&#124;')}</code>"


def cell(text: str) -> str:
    """Prose in a table cell: `<release>` stays text, a pipe does not split the cell."""
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("|", "&#124;").replace("\n", " ")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def first_sentence(text: str) -> str:
    """The first sentence; a long first line that ends in ":" (a usage list follows) alone."""
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    joined = " ".join(text.split())
    match = re.match(r"(.+?\.)(\s|$)", joined)
    sentence = match.group(1) if match else joined
    if first_line.endswith(":") and len(sentence) > len(first_line):
        sentence = first_line
    return sentence.rstrip(":.") + "."


# ---------------------------------------------------------------------------------- prompts


def prompts_reference() -> str:
    """Every prompt: its question, its values with their labels, and its default."""
    labels = COOKIECUTTER_JSON["__prompts__"]
    rows = []
    for name, default in COOKIECUTTER_JSON.items():
        if name.startswith("_"):
            continue
        label = labels.get(name)
        if label is None:
            raise MissingDescription(f"cookiecutter.json: prompt {name} has no __prompts__ label")
        if name in CHOICES:
            question = label["__prompt__"]
            values = "<br>".join(
                f"{code(value)}{' (default)' if i == 0 else ''}: {cell(label[value])}"
                for i, value in enumerate(default)
            )
        elif "{{" in default:
            question = label
            values = f"derived from the project name: {code(PROJECT_SLUG)} for the default"
        else:
            question, values = label, f"text, default {code(default)}"
        rows.append([f"[{code(name)}](#{name})", cell(question), values])
    return table(["prompt", "question", "values"], rows)


# ---------------------------------------------------------------------------------- files

# Files that cannot carry a comment of their own (binary, JSON, boilerplate), by name pattern.
FILE_NOTES = {
    r"(^|/)__init__\.py$": "marks the folder as a Python package",
    r"(^|/)apps\.py$": "the app's configuration (its name, for INSTALLED_APPS)",
    r"/migrations/\d{4}_\w+\.py$": "the database migration that creates the app's tables",
    r"^\.env$": "from .env.example, with a fresh DJANGO_SECRET_KEY; git-ignored, mode 0600",
    r"^README\.md$": "how to run, test and deploy this variant",
    r"^pyproject\.toml$": "ruff and pytest settings",
    r"^\.dockerignore$": "what never goes into the image: .env, .git, the virtualenv",
    r"^static/favicon\.ico$": "the site icon browsers ask for at /favicon.ico",
    r"^static/img/.+\.png$": "an image the home page shows, proof that images are served",
    r"^static/fonts/.+\.woff2$": "the web font the stylesheet loads through url()",
    r"^static/fonts/.+LICENSE\.txt$": "the font's licence",
    r"/img/.+\.svg$": "an SVG the pages show, served as a static file",
    r"bucket-policy\.json$": "public read of static/* only, by bucket policy (no ACLs)",
    r"cors\.json$": "CORS for the bucket: the site's origin may load fonts from the CDN",
    r"iam-policy\.json$": "least privilege for the publisher: list, put static/* and manifests/*",
    r"^deploy/.*Procfile$": "a PaaS (Heroku, Dokku, Scalingo): the web process, migrate on release",
    r"/app_template/.+\.py-tpl$": "what `manage.py startapp` writes, passing this project's checks",
    r"^static_kit/CHANGELOG\.md$": "what each version of static_kit changed, and how to move",
    r"^static_kit/tests/(static|templates)/": "a file static_kit's own tests collect or read",
}

COMMENT_MARKERS = ("#", "//", "/*", "{#", "<!--", " *")


def comment_lines(text: str) -> list[str]:
    """The first block of comment lines at the top of a file (after a shebang)."""
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#!") and not found:
            continue
        marker = next((m for m in COMMENT_MARKERS if stripped.startswith(m)), None)
        if marker is None or stripped.startswith("{% "):
            break
        found.append(stripped.removeprefix(marker).removesuffix("*/").removesuffix("#}"))
    return [line for line in found if line.strip()]


def describe_file(project: Path, relative: str) -> str:
    """A file's own docstring or leading comment, else its FILE_NOTES entry."""
    path = project / relative
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".py" or text.startswith("#!/usr/bin/env python"):
        docstring = ast.get_docstring(ast.parse(text))
        if docstring:
            return first_sentence(docstring)
    for pattern, note in FILE_NOTES.items():
        if re.search(pattern, relative):
            return note
    lines = [] if path.suffix == ".md" else comment_lines(text)
    if lines:
        return first_sentence("\n".join(lines))
    raise MissingDescription(
        f"{relative}: no leading comment or docstring to describe it. Add one to the template "
        "(or, for a file that cannot hold a comment, a pattern to docsgen.reference.FILE_NOTES)."
    )


def condition(present: set[tuple[str, ...]], choices: dict | None = None) -> str:
    """When a file is generated, as the prompt answers that give it: tuples of answers, one
    per prompt of cookiecutter.json (`choices`), in its order, however many prompts it has."""
    choices = CHOICES if choices is None else choices
    names = [f"`{name}`" for name in choices]
    values = [list(options) for options in choices.values()]
    every = set(itertools.product(*values))
    if present == every:
        return "every variant"

    def is_one_of(index: int, chosen: list[str]) -> str:
        return f"{names[index]} is {' or '.join(f'`{value}`' for value in chosen)}"

    # Answers that alone give the file, whatever the other prompts say: "A is x or B is y".
    alone = [
        [v for v in options if all(c in present for c in every if c[index] == v)]
        for index, options in enumerate(values)
    ]
    if present == {c for c in every if any(c[i] in alone[i] for i in range(len(values)))}:
        return " or ".join(is_one_of(i, chosen) for i, chosen in enumerate(alone) if chosen)
    # Some answers of each prompt, in every combination: "A is x and B is y or z".
    used = [
        [v for v in options if any(c[i] == v for c in present)] for i, options in enumerate(values)
    ]
    if present == set(itertools.product(*used)):
        return " and ".join(
            is_one_of(i, chosen) for i, chosen in enumerate(used) if chosen != values[i]
        )
    return ", ".join("+".join(f"`{v}`" for v in c) for c in sorted(present))


def project_files(project: Path) -> list[str]:
    return sorted(str(path.relative_to(project)) for path in project.rglob("*") if path.is_file())


def files_reference(projects: dict[str, Path]) -> str:
    """Every generated file, grouped by the answers that generate it, with what it is for."""
    where: dict[str, set] = defaultdict(set)
    example: dict[str, Path] = {}
    contents: dict[str, set] = defaultdict(set)
    for name, project in projects.items():
        answers = tuple(name.split("-"))
        for relative in project_files(project):
            where[relative].add(answers)
            example.setdefault(relative, project)
            if relative != ".env":  # its key is random in every bake
                contents[relative].add((project / relative).read_bytes())
    groups: dict[str, list] = defaultdict(list)
    for relative, present in where.items():
        groups[condition(present)].append(relative)
    order = sorted(groups, key=lambda c: (c != "every variant", -len(groups[c]), c))
    out = []
    for when in order:
        out.append(f"### In {when}\n" if when == "every variant" else f"### When {when}\n")
        rows = [
            [
                code(relative),
                "differs" if len(contents[relative]) > 1 else "same",
                cell(describe_file(example[relative], relative)),
            ]
            for relative in sorted(groups[when])
        ]
        out.append(table(["file", "content across these variants", "what it is for"], rows))
    return "\n".join(out)


# ---------------------------------------------------------------------------------- settings


def settings_names(statement: ast.stmt) -> list[tuple[str, str]]:
    """(setting, how) for a module-level statement: defined, or changed in place."""
    if isinstance(statement, ast.Assign | ast.AnnAssign):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        found = []
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper():
                found.append((target.id, "sets"))
            elif (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id.isupper()
            ):
                found.append((target.value.id, f"sets [{ast.unparse(target.slice)}] of"))
        return found
    if (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Attribute)
        and isinstance(statement.value.func.value, ast.Name)
        and statement.value.func.value.id.isupper()
    ):
        return [(statement.value.func.value.id, f"{statement.value.func.attr}() on")]
    return []


def env_reads(node: ast.AST) -> list[tuple[str, str | None]]:
    """(variable, default source) for every environment read inside `node`."""
    reads = []
    for call in ast.walk(node):
        if not isinstance(call, ast.Call) or not call.args:
            continue
        first = call.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        func = ast.unparse(call.func)
        default = None
        if re.fullmatch(r"env(\.\w+)?", func):
            default = next(
                (ast.unparse(k.value) for k in call.keywords if k.arg == "default"), None
            )
        elif func in ("os.environ.get", "os.getenv", "os.environ.setdefault"):
            default = ast.unparse(call.args[1]) if len(call.args) > 1 else None
        else:
            continue
        reads.append((first.value, default))
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Subscript)
            and ast.unparse(sub.value) == "os.environ"
            and isinstance(sub.slice, ast.Constant)
        ):
            reads.append((sub.slice.value, None))
    return reads


def settings_modules(projects: dict[str, Path]) -> dict[str, tuple[Path, set]]:
    """settings/<module>.py -> (one baked copy, the variants that have it)."""
    found: dict[str, tuple[Path, set]] = {}
    for name, project in projects.items():
        for path in sorted((project / PROJECT_SLUG / "settings").glob("*.py")):
            if path.name == "__init__.py":
                continue
            entry = found.setdefault(path.name, (path, set()))
            entry[1].add(tuple(name.split("-")))
    return found


DJANGO_DOCS = "https://docs.djangoproject.com/en/5.2/ref/settings/#std-setting-"
DJANGO_SETTINGS = {name for name in dir(global_settings) if name.isupper()}


def setting_link(name: str) -> str:
    if name in DJANGO_SETTINGS:
        return f"[{code(name)}]({DJANGO_DOCS}{name})"
    return code(name)


def short_source(source_text: str, node: ast.AST, limit: int = 90) -> str:
    source = " ".join((ast.get_source_segment(source_text, node) or ast.unparse(node)).split())
    return code(source if len(source) <= limit else source[: limit - 4] + " ...")


def settings_reference(projects: dict[str, Path]) -> str:
    """Every setting the project defines or changes, module by module, with its value as
    written; then the module itself, included from a bake, whose comments say why. Nothing is
    taken from where a comment sits: comments are for the reader of the code."""
    out = []
    for module, (path, present) in settings_modules(projects).items():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        docstring = ast.get_docstring(tree) or ""
        rows = []
        for statement in tree.body:
            for setting, how in settings_names(statement):
                value = statement.value if not isinstance(statement, ast.Expr) else statement
                action = "" if how == "sets" else f"{how} {setting}: "
                rows.append([setting_link(setting), action + short_source(source, value)])
        out.append(f"### `settings/{module}`\n")
        when = condition(present)
        when = "In every variant" if when == "every variant" else f"When {when}"
        out.append(f"{when}. {cell(first_sentence(docstring))}\n")
        out.append(table(["setting", "value"], rows))
        baked = path.relative_to(path.parents[4])  # <variant>/<project>/<package>/settings/x.py
        out.append(
            f'\n??? example "settings/{module}, with its comments"\n\n'
            f'    ```python\n    --8<-- "baked/{baked.as_posix()}"\n    ```\n'
        )
    return "\n".join(out)


# ---------------------------------------------------------------------------------- environment

# ${VAR:-default} or ${VAR:?message}; the default may hold one more, ${A:-${B:-8000}}.
SHELL_DEFAULT = re.compile(r"\$\{([A-Z][A-Z0-9_]*):[-?]((?:[^{}$]|\$(?!\{)|\$\{[^}]*\})*)\}")


def shell_reads(line: str) -> list[tuple[str, str]]:
    """(variable, default) for each ${VAR:-default} in `line`, nested ones included."""
    found = []
    for var, default in SHELL_DEFAULT.findall(line):
        found.append((var, default))
        found.extend(shell_reads(default))
    return found


ENV_EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)(=|:)")


def env_example_notes(project: Path) -> dict[str, str]:
    """Variable -> the comment directly above it (or after its `:`) in .env.example."""
    notes: dict[str, str] = {}
    block: list[str] = []
    for line in (project / ".env.example").read_text(encoding="utf-8").splitlines():
        match = ENV_EXAMPLE_LINE.match(line)
        if match and match.group(2) == ":" and "_" not in match.group(1):
            match = None  # prose such as "# HSTS: how long ...", not a variable
        if match:
            trailing = line.split(":", 1)[1].strip() if match.group(2) == ":" else ""
            notes.setdefault(match.group(1), " ".join([*block, trailing]).strip())
            block = []
        elif line.startswith("#"):
            block.append(line.lstrip("#").strip())
        else:
            block = []
    return notes


def environment_reads(project: Path) -> list[dict]:
    """Every environment variable the project's code and scripts read, with where."""
    found = []
    for path in sorted(project.rglob("*")):
        if not path.is_file() or "tests" in path.relative_to(project).parts:
            continue
        relative = str(path.relative_to(project))
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".py" or text.startswith("#!/usr/bin/env python"):
            for statement in ast.walk(ast.parse(text)):
                if not isinstance(statement, ast.stmt) or isinstance(
                    statement, ast.FunctionDef | ast.ClassDef | ast.If | ast.With | ast.Try
                ):
                    continue
                for var, default in env_reads(statement):
                    found.append(dict(var=var, default=default, file=relative))
        elif text.startswith("#!") or path.suffix == ".sh":
            for line in text.splitlines():
                for var, default in shell_reads(line):
                    found.append(dict(var=var, default=repr(default), file=relative))
    return found


def environment_reference(projects: dict[str, Path]) -> str:
    """Every environment variable: default, who reads it, in which variants, and why."""
    variables: dict[str, dict] = {}
    for name, project in projects.items():
        notes = env_example_notes(project)
        for read in environment_reads(project):
            entry = variables.setdefault(
                read["var"], dict(defaults=set(), files=set(), present=set(), notes=[])
            )
            if read["default"] is not None:
                entry["defaults"].add(read["default"])
            entry["files"].add(read["file"].replace(PROJECT_SLUG, "<slug>", 1))
            entry["present"].add(tuple(name.split("-")))
            # .env.example speaks to whoever sets the variable in .env.
            note = notes.get(read["var"])
            if note and note not in entry["notes"]:
                entry["notes"].append(note)
    rows = []
    for var in sorted(variables):
        entry = variables[var]
        why = " / ".join(entry["notes"]) or OUTSIDE_ENV_FILE.get(var, "")
        if not why:
            raise MissingDescription(
                f"environment variable {var} (read in {', '.join(sorted(entry['files']))}) is "
                "described nowhere: add it to .env.example, or to docsgen/environment.py if "
                ".env does not set it."
            )
        defaults = ", ".join(code(d) for d in sorted(entry["defaults"])) or "required"
        rows.append(
            [
                code(var),
                defaults,
                "<br>".join(code(f) for f in sorted(entry["files"])),
                condition(entry["present"]),
                cell(why),
            ]
        )
    return table(["variable", "default", "read by", "variants", "what it does"], rows)


def environment_variables(projects: dict[str, Path]) -> set[str]:
    return {read["var"] for project in projects.values() for read in environment_reads(project)}


def settings_defined(projects: dict[str, Path]) -> set[str]:
    names = set()
    for path, _ in settings_modules(projects).values():
        for statement in ast.parse(path.read_text(encoding="utf-8")).body:
            names.update(setting for setting, _ in settings_names(statement))
    return names


# ---------------------------------------------------------------------------------- make

TARGET_LINE = re.compile(r"^([a-z][a-z0-9_-]*):(?!=)")
VARIABLE_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)\s*\?=\s*(.*)$")


def make_reference(makefile: Path, label: str, included_as: str) -> str:
    """The targets (what each runs first) and overridable variables (their defaults) of a
    Makefile, read from its rules; then the Makefile itself, whose comments say what each
    does. Nothing is taken from where a comment sits."""
    lines = makefile.read_text(encoding="utf-8").splitlines()
    phony = next(line for line in lines if line.startswith(".PHONY:")).split()[1:]
    targets, variables = [], []
    for line in lines:
        target, variable = TARGET_LINE.match(line), VARIABLE_LINE.match(line)
        if target and target.group(1) in phony:
            first = line.split(":", 1)[1].split("#", 1)[0].split()
            targets.append([code(f"make {target.group(1)}"), " ".join(map(code, first))])
        elif variable:
            variables.append([code(variable.group(1)), code(variable.group(2))])
    out = [f"### {label}\n", table(["target", "runs first"], targets)]
    if variables:
        out += ["\nOverride on the command line, e.g. `make run PORT=8001`:\n\n"]
        out.append(table(["variable", "default"], variables))
    out.append(
        f'\n??? example "{label}: the Makefile, with its comments"\n\n'
        f'    ```make\n    --8<-- "{included_as}"\n    ```\n'
    )
    return "".join(out)


# ---------------------------------------------------------------------------------- static_doctor

DOCTOR_CHECK = re.compile(r"(settings|collected|nginx|bucket|live)\.[a-z0-9_]+")


def doctor_source(project: Path) -> str:
    """static_doctor's modules (static_kit/doctor/*.py) as one source: CHECKS and the checks."""
    folder = project / "static_kit" / "doctor"
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.py")))


def doctor_checks(source: str) -> list[tuple[list[str], str]]:
    """(check names, description) for each function in the doctor's CHECKS groups, in order.

    A check's names are the first argument of every Finding it (or a helper it calls)
    builds; its description is the function's docstring.
    """
    tree = ast.parse(source)
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    groups = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CHECKS"
    )
    checks = [check for group in groups.values for check in group.elts]

    def names(function: ast.FunctionDef, seen: set) -> list[str]:
        found = []
        for node in ast.walk(function):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if DOCTOR_CHECK.fullmatch(node.value) and node.value not in found:
                    found.append(node.value)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in functions:
                callee = node.func.id
                if callee not in seen:
                    seen.add(callee)
                    found += [n for n in names(functions[callee], seen) if n not in found]
        return found

    rows = []
    for check in checks:
        function = functions[check.id]
        description = ast.get_docstring(function)
        if not description:
            raise MissingDescription(f"static_kit/doctor: {check.id} has no docstring")
        rows.append((names(function, {check.id}), " ".join(description.split())))
    return rows


def doctor_reference(project: Path) -> str:
    """static_doctor's checks, in the order it runs them, with what each looks at."""
    rows = [
        [", ".join(code(name) for name in found), cell(description)]
        for found, description in doctor_checks(doctor_source(project))
    ]
    return table(["reported as", "what it looks at"], rows)


def write_reference(projects: dict[str, Path], default_variant: str, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = {
        "prompts.md": prompts_reference(),
        "files.md": files_reference(projects),
        "settings.md": settings_reference(projects),
        "environment.md": environment_reference(projects),
        "make.md": make_reference(
            TEMPLATE_DIR / "Makefile", "The template (this repository)", "Makefile"
        )
        + "\n"
        + make_reference(
            projects[default_variant] / "Makefile",
            "A generated project",
            f"baked/{default_variant}/{PROJECT_SLUG}/Makefile",
        ),
        "doctor.md": doctor_reference(projects[default_variant]),
        "cookiecutter.json": json.dumps(COOKIECUTTER_JSON, indent=4, ensure_ascii=False),
    }
    for name, text in pages.items():
        (out_dir / name).write_text(text, encoding="utf-8")


def write_setting_parts(projects: dict[str, Path], out_dir: Path) -> None:
    """Each settings paragraph, by the settings it assigns, for the guide to quote.

    parts/<variant>/settings/<module>/<SETTING>.py holds the blank-line-separated paragraph
    that sets SETTING, comments included, so a page can show just that part of a module
    without line numbers that would drift.
    """
    for variant, project in projects.items():
        for path in sorted((project / PROJECT_SLUG / "settings").glob("*.py")):
            paragraphs = re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))
            folder = out_dir / variant / "settings" / path.stem
            for paragraph in paragraphs:
                try:
                    tree = ast.parse(paragraph)
                except SyntaxError:
                    continue
                for statement in tree.body:
                    for setting, _ in settings_names(statement):
                        folder.mkdir(parents=True, exist_ok=True)
                        target = folder / f"{setting}.py"
                        if not target.exists():
                            target.write_text(paragraph.strip() + "\n", encoding="utf-8")
