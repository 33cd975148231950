"""Validate the answers before any project file is written.

Every problem is printed as `ERROR: <field>: <problem>. <fix>.` and the hook exits 1, so
Cookiecutter removes the half-made output directory. This hook only reads; it never writes.
"""

import json
import keyword
import re
import sys
import unicodedata

# Top-level names in the generated project, and the packages it imports: a project package
# with one of these names would shadow it.
PROJECT_NAMES = {
    "deploy",
    "dev",
    "manage",
    "media",
    "pages",
    "static",
    "staticfiles",
    "static_kit",
    "templates",
    "tests",
    "uploads",
}
# Every top-level module the project's requirements install (runtime, dev and test tools):
# a slug equal to one would be imported instead of it. tests/test_inputs.py keeps this complete.
IMPORTED_PACKAGES = set(
    """
    a2wsgi annotated_types antlr4 asgiref attr attrs aws_xray_sdk blinker boto3 botocore brotli
    certifi cffi cfnlint charset_normalizer click cryptography csp dateutil django honcho
    django_browser_reload docker dotenv environ flask flask_cors granian graphql gunicorn idna
    iniconfig isympy itsdangerous jinja2 jmespath joserfc jsonpatch jsonpatch_cli jsonpath_ng
    jsonpointer jsonschema jsonschema_path jsonschema_specifications lazy_object_proxy
    markupsafe moto mpmath networkx openapi_schema_validator openapi_spec_validator packaging
    pathable pluggy py py_partiql_parser pycparser pydantic pydantic_core pydantic_settings
    pygments pyparsing pytest pytest_django referencing regex requests responses
    rfc3339_validator rpds ruff s3transfer six sqlparse storages sympy typing_extensions
    typing_inspection urllib3 uvloop werkzeug whitenoise wrapt xmltodict yaml
    """.split()
)
# sys.stdlib_module_names leaves out the `test` package, which test runners import.
RESERVED_SLUGS = PROJECT_NAMES | IMPORTED_PACKAGES | set(sys.stdlib_module_names) | {"test"}

HOSTNAME_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
EMAIL = re.compile(r"^[^@\s<>\"'(),;:\\\[\]]+@[a-z0-9.-]+\.[a-z]{2,}$", re.IGNORECASE)
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")

FREE_TEXT_FIELDS = (
    "project_name",
    "project_slug",
    "description",
    "author_name",
    "author_email",
    "domain_name",
)


def validate_no_control_characters(value: str) -> str | None:
    """Refuse control characters (newlines, tabs, escapes) in any free-text answer.

    Valid: ``Café "Zürich" \\ O'Brien``. Invalid: ``"name\\nINJECTED=1"``.
    """
    for char in value:
        if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}:
            return (
                f"contains the control character {char!r}. "
                "Remove line breaks, tabs and other invisible characters"
            )
    return None


def validate_no_template_syntax(value: str) -> str | None:
    """Refuse Jinja syntax: an answer is text, and files render it as text.

    Cookiecutter's sandboxed environment (local_extensions.py) already stopped anything that
    reached for Python; what is left would be copied verbatim into files and names. The
    markers are spelled out below because Cookiecutter renders this file with Jinja too.
    Valid: ``Curly {braces}``. Invalid: a double brace, a brace-percent or brace-hash pair.
    """
    brace = "{"
    for marker in (brace + brace, brace + "%", brace + "#"):
        if marker in value:
            return (
                f"contains `{marker}`, template syntax. "
                "Answers are plain text: remove the template part"
            )
    return None


def validate_project_name(value: str) -> str | None:
    """Require a visible name. Valid: ``My Site``, ``Café "Zürich"``. Invalid: ``""``, ``"   "``."""
    if not value.strip():
        return "is empty. Enter the name of your project, e.g. My Django Site"
    if len(value) > 100:
        return f"is {len(value)} characters long. Use at most 100 characters"
    return None


def validate_project_slug(value: str) -> str | None:
    """Require a lowercase identifier that shadows no module.

    Valid: ``my_site``, ``shop2``. Invalid: ``My-Site``, ``2fast``, ``class``, ``django``, ``site``.
    """
    if not SLUG.match(value):
        return (
            f"{value!r} is not a lowercase Python identifier. "
            "Use lowercase letters, digits and underscores, starting with a letter, "
            "e.g. my_site"
        )
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        return f"{value!r} is a Python keyword. Choose another name, e.g. {value}_site"
    if value in RESERVED_SLUGS:
        return (
            f"{value!r} would shadow the module {value!r} that the project imports. "
            f"Choose another name, e.g. {value}_site"
        )
    return None


def validate_domain_name(value: str) -> str | None:
    """Require a bare hostname, since it lands in ALLOWED_HOSTS and web server configs.

    Valid: ``example.com``, ``www.my-site.co.uk``. Invalid: ``https://example.com``,
    ``example.com/app``, ``example.com:8000``, ``example.com; return 200 x``, ``Example.com``.
    """
    fix = "Enter a bare hostname, e.g. example.com"
    if "://" in value:
        return f"{value!r} has a scheme. Remove the `http(s)://` part. {fix}"
    for char, what in (
        ("/", "a path"),
        (":", "a port"),
        (";", "a `;`"),
        ("{", "a `{`"),
        ("}", "a `}`"),
        (" ", "a space"),
    ):
        if char in value:
            return f"{value!r} contains {what}. {fix}"
    if value != value.lower():
        return f"{value!r} has uppercase letters. Use lowercase: {value.lower()}"
    labels = value.split(".")
    if len(value) > 253 or not all(HOSTNAME_LABEL.match(label) for label in labels):
        return (
            f"{value!r} is not a valid hostname: each dot-separated part must be 1-63 "
            f"letters, digits or hyphens, not starting or ending with a hyphen. {fix}"
        )
    return None


def validate_author_email(value: str) -> str | None:
    """Require a plain address.

    Valid: ``jo@example.com``. Invalid: ``jo``, ``jo@x``, ``a b@x.org``, ``jo@x.org>``.
    """
    if not EMAIL.match(value):
        return f"{value!r} is not an email address. Enter an address like you@example.com"
    return None


VALIDATORS = {
    "project_name": validate_project_name,
    "project_slug": validate_project_slug,
    "domain_name": validate_domain_name,
    "author_email": validate_author_email,
}


def answer_error(field: str, value: str) -> str | None:
    """`ERROR: field: problem. fix.` for an invalid answer, None for a valid one.

    local_extensions.py calls this too, for the project folder's name, which cookiecutter
    creates before this hook runs.
    """
    problem = validate_no_control_characters(value) or validate_no_template_syntax(value)
    if problem is None and field in VALIDATORS:
        problem = VALIDATORS[field](value)
    return f"ERROR: {field}: {problem}." if problem else None


def find_errors(context: dict) -> list[str]:
    """Return one `ERROR: field: problem. fix.` line per invalid answer."""
    errors = [answer_error(field, context[field]) for field in FREE_TEXT_FIELDS]
    return [error for error in errors if error]


def main() -> int:
    # The answers arrive as JSON data, never pasted into this file as code.
    context = json.loads(r"""{{ cookiecutter | tojson }}""")
    errors = find_errors(context)
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(
            "Nothing was generated. Run cookiecutter again with the values fixed.", file=sys.stderr
        )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
