"""The guide builds offline, covers every prompt, setting, variable and symptom, and cannot drift.

The guide's code blocks and reference tables come from baked projects (docsgen); these tests
check the other direction: every name the hand-written pages mention exists in what the
template generates, and the built site works in a real browser with no network.
"""

import contextlib
import fcntl
import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from docsgen import OUTPUT_DIR
from docsgen.environment import OUTSIDE_ENV_FILE
from docsgen.reference import (
    MissingDescription,
    condition,
    doctor_checks,
    doctor_source,
    env_example_notes,
    environment_reference,
    environment_variables,
    make_reference,
    settings_defined,
    settings_reference,
)
from docsgen.sequence import DiagramError, render
from docsgen.switch import strategy_diff
from harness.servers import LOOPBACK, run, static_http_server
from harness.variants import CHOICES, COOKIECUTTER_JSON, TEMPLATE_DIR

DOCS = TEMPLATE_DIR / "docs"
SITE = TEMPLATE_DIR / ".cache" / "docs-site"
CITED_CHECK = re.compile(r"`((?:settings|collected|nginx|bucket|live)\.[a-z0-9_]+)`")
# Pages; docs/_measured/ holds what `make compare` wrote, included by a page, not one itself.
PAGES = sorted(page for page in DOCS.rglob("*.md") if "_measured" not in page.parts)

# Names the guide may mention that the generated project does not define, and why.
MENTIONED_ELSEWHERE = {
    "AWS_DEFAULT_ACL": "django-storages' old global setting, named as the cause of an error",
}

# The symptoms issue 5 names, each with the page section that must answer it.
SYMPTOMS = {
    "CSS and JS gone after DEBUG = False": "missing-static.md#css-and-js-gone-after-debug-false",
    "admin unstyled": "missing-static.md#admin-unstyled",
    "404 for /static/": "missing-static.md#404-for-static",
    "403 from nginx": "nginx.md#403-from-nginx",
    "STATIC_ROOT missing or wrong": "missing-static.md#static-root-missing-or-wrong",
    "collectstatic never run": "missing-static.md#collectstatic-never-run",
    "nginx alias/root, trailing slash, location order": (
        "nginx.md#alias-root-trailing-slash-and-location-order"
    ),
    "gunicorn asked to serve static": "missing-static.md#gunicorn-asked-to-serve-static",
    "collectstatic stops on a missing reference": (
        "missing-static.md#collectstatic-references-a-missing-file"
    ),
    "Missing staticfiles manifest entry": "manifests.md#missing-staticfiles-manifest-entry",
    "stale CSS after a deploy": "manifests.md#stale-css-after-a-deploy",
    "500s during a rolling deploy": "manifests.md#500s-during-a-rolling-deploy",
    "fonts blocked by CORS from the CDN": "s3-cdn.md#fonts-blocked-by-cors",
    "AccessControlListNotSupported": "s3-cdn.md#accesscontrollistnotsupported",
    "uploads gone after a redeploy": "uploads.md#uploads-gone-after-a-redeploy",
    "slow collectstatic to S3": "s3-cdn.md#slow-collectstatic-to-s3",
    "mixed content over HTTPS": "https.md#mixed-content-over-https",
}


@pytest.fixture(scope="session")
def built_guide(testrun_uid) -> Path:
    """`make docs`, once per test run for all workers: bake, generate, build into SITE."""
    OUTPUT_DIR.parent.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT_DIR.parent / "docs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = SITE / ".built-by"
        if not marker.exists() or marker.read_text() != testrun_uid:
            shutil.rmtree(SITE, ignore_errors=True)
            run([sys.executable, "-m", "docsgen"], cwd=TEMPLATE_DIR)
            run(
                [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(SITE)],
                cwd=TEMPLATE_DIR,
                env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            )
            marker.write_text(testrun_uid)
    return SITE


@pytest.fixture(scope="session")
def baked_projects(built_guide) -> dict[str, Path]:
    baked = OUTPUT_DIR / "baked"
    return {path.name: path / "my_django_site" for path in sorted(baked.iterdir())}


def guide_text(path: Path) -> str:
    """A page's own prose and code, without the lines that include generated content."""
    return "\n".join(line for line in path.read_text().splitlines() if "--8<--" not in line)


def names_in_guide() -> dict[str, set[str]]:
    """UPPER_CASE names in code spans and code blocks of the hand-written pages -> pages."""
    found: dict[str, set[str]] = {}
    for page in PAGES:
        text = guide_text(page)
        code = " ".join(re.findall(r"`([^`\n]+)`", text)) + " ".join(
            re.findall(r"```.*?\n(.*?)```", text, flags=re.S)
        )
        for name in re.findall(r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b", code):
            found.setdefault(name, set()).add(str(page.relative_to(DOCS)))
    return found


def test_guide_builds_strict_and_loads_nothing_from_the_network(built_guide):
    """mkdocs --strict builds every page, and no page links a script, style or font off-site."""
    pages = sorted(built_guide.rglob("*.html"))
    assert len(pages) > len(PAGES), f"only {len(pages)} pages built"
    for page in pages:
        html = page.read_text()
        external = re.findall(r'(?:src|href)="(https?://[^"]+\.(?:js|css|woff2?)[^"]*)"', html)
        assert not external, f"{page.relative_to(built_guide)} loads {external} from the network"


def test_every_prompt_is_in_the_reference_with_its_effect(built_guide):
    """Each prompt of cookiecutter.json has a row in the generated table and a section."""
    table = (OUTPUT_DIR / "generated" / "prompts.md").read_text()
    prose = (DOCS / "reference" / "prompts.md").read_text()
    prompts = [name for name in COOKIECUTTER_JSON if not name.startswith("_")]
    for name in prompts:
        assert f"<code>{name}</code>" in table, f"prompt {name} missing from the prompts table"
        assert f"### `{name}`" in prose, f"reference/prompts.md has no section for {name}"
    for name, values in CHOICES.items():
        for value in values:
            assert f"<code>{value}</code>" in table, f"{name}={value} missing from the table"


def test_every_setting_and_variable_the_guide_names_exists(baked_projects):
    """A name in the guide's code is defined or read by a generated project, or by Django."""
    from django.conf import global_settings

    generated = "\n".join(
        path.read_text(errors="replace")
        for project in baked_projects.values()
        for path in project.rglob("*")
        if path.is_file() and path.suffix not in {".png", ".woff2", ".ico"}
    )
    missing = {
        name: pages
        for name, pages in names_in_guide().items()
        if not re.search(rf"\b{name}\b", generated)
        and not hasattr(global_settings, name)
        and name not in MENTIONED_ELSEWHERE
    }
    assert not missing, f"the guide names what no generated project has: {missing}"


def test_reference_lists_every_setting_and_variable_of_the_project(baked_projects):
    """Every setting the settings modules set and every variable the code reads is listed."""
    settings_page = (OUTPUT_DIR / "generated" / "settings.md").read_text()
    environment_page = (OUTPUT_DIR / "generated" / "environment.md").read_text()
    defined = settings_defined(baked_projects)
    read = environment_variables(baked_projects)
    assert {"STATIC_ROOT", "STORAGES", "MEDIA_ROOT", "WHITENOISE_MAX_AGE"} <= defined
    # An independent, cruder scan of the code must find nothing the reference lacks.
    pattern = re.compile(
        r"""(?:env(?:\.\w+)?|os\.environ\.get|os\.getenv|os\.environ\.setdefault)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
        r"""|os\.environ\[["']([A-Z][A-Z0-9_]+)["']\]|\$\{([A-Z][A-Z0-9_]+):[-?]"""
    )
    scanned = set()
    for project in baked_projects.values():
        for path in project.rglob("*"):
            if path.is_file() and "tests" not in path.relative_to(project).parts:
                for match in pattern.finditer(path.read_text(errors="replace")):
                    scanned.add(next(group for group in match.groups() if group))
    assert scanned <= read, f"read by the code but not found by docsgen: {scanned - read}"
    for name in defined:
        assert f"<code>{name}</code>" in settings_page, f"setting {name} not in the reference"
    for name in read:
        assert f"<code>{name}</code>" in environment_page, f"{name} not in the reference"


def test_each_variable_is_described_in_one_place_and_every_name_there_is_real(baked_projects):
    """.env.example describes what .env sets, docsgen/environment.py the rest: never both, and
    neither names a variable no variant reads (a comment in the code describes nothing)."""
    read = environment_variables(baked_projects)
    in_env_example = {name for p in baked_projects.values() for name in env_example_notes(p)}
    assert not set(OUTSIDE_ENV_FILE) - read, f"not read anywhere: {set(OUTSIDE_ENV_FILE) - read}"
    both = sorted(set(OUTSIDE_ENV_FILE) & in_env_example)
    assert not both, f"described in .env.example and docsgen/environment.py: {both}"
    undescribed = sorted(read - in_env_example - set(OUTSIDE_ENV_FILE))
    assert not undescribed, f"described nowhere: {undescribed}"


def test_an_undocumented_environment_variable_stops_the_build(baked_projects, tmp_path):
    """A variable described nowhere fails docsgen, naming the variable."""
    project = tmp_path / "my_django_site"
    shutil.copytree(baked_projects["whitenoise-local"], project)
    settings = project / "my_django_site" / "settings" / "base.py"
    settings.write_text(settings.read_text() + '\nNEW_THING = env.str("DJANGO_NEW_THING")\n')
    with pytest.raises(MissingDescription, match="DJANGO_NEW_THING"):
        environment_reference({"whitenoise-local": project})


def test_the_settings_reference_quotes_each_module_and_reads_no_comment(baked_projects, tmp_path):
    """Comments are for the reader of the code: the reference takes the names and values from
    the code and includes each module whole, so moving or rewording a comment changes nothing
    in its tables."""
    project = tmp_path / "whitenoise-local" / "my_django_site"
    shutil.copytree(baked_projects["whitenoise-local"], project)
    base = project / "my_django_site" / "settings" / "base.py"
    base.write_text(
        base.read_text().replace("\nSTATIC_URL", "\n# A comment moved here.\nSTATIC_URL")
    )
    reference = settings_reference({"whitenoise-local": project})
    assert "<code>STATIC_URL</code>" in reference and "comment moved" not in reference
    assert '--8<-- "baked/whitenoise-local/my_django_site/my_django_site/settings/base.py"' in (
        reference
    )


def test_the_make_reference_lists_every_target_from_the_rules_and_reads_no_comment(
    baked_projects, tmp_path
):
    """A Makefile stripped of every comment still gives every target, what it runs first and
    each variable's default; the Makefile itself is quoted whole."""
    makefile = tmp_path / "Makefile"
    source = (baked_projects["whitenoise-local"] / "Makefile").read_text()
    makefile.write_text("".join(line for line in source.splitlines(True) if line[:1] != "#"))
    reference = make_reference(makefile, "A generated project", "baked/x/Makefile")
    phony = next(line for line in source.splitlines() if line.startswith(".PHONY:")).split()[1:]
    for target in phony:
        assert f"<code>make {target}</code>" in reference, target
    assert "<code>make run</code> | <code>port-free</code> <code>migrate</code>" in reference
    assert "<code>PORT</code> | <code>8000</code>" in reference
    assert '--8<-- "baked/x/Makefile"' in reference


def test_every_symptom_has_a_section_with_cause_confirmation_and_fix(built_guide):
    """Each listed symptom links to a section that says the cause, how to confirm, the fix."""
    index = (DOCS / "troubleshooting" / "index.md").read_text()
    for symptom, target in SYMPTOMS.items():
        page, anchor = target.split("#")
        assert f"({target})" in index, f"troubleshooting/index.md does not link {symptom}"
        html = built_guide / "troubleshooting" / page.replace(".md", ".html")
        assert f'id="{anchor}"' in html.read_text(), f"{symptom}: no section #{anchor} in {page}"
    for page in sorted((DOCS / "troubleshooting").glob("*.md")):
        if page.name == "index.md":
            continue
        sections = re.split(r"^## ", page.read_text(), flags=re.M)[1:]
        assert sections, f"{page.name} has no symptom sections"
        for section in sections:
            title = section.splitlines()[0]
            for part in ("**Cause.**", "**Confirm.**", "**Doctor.**", "**Fix.**"):
                assert part in section, f"{page.name}: '{title}' lacks {part}"
            doctor = section.split("**Doctor.**", 1)[1].split("**Fix.**", 1)[0]
            assert CITED_CHECK.search(doctor), f"{page.name}: '{title}' names no doctor check"
            confirm = section.split("**Confirm.**", 1)[1].split("**Fix.**", 1)[0]
            assert "```sh" in confirm, f"{page.name}: '{title}' gives no commands to confirm"


def test_doctor_checks_the_guide_names_exist(baked_projects):
    """Every static_doctor check a page cites is one the generated doctor reports."""
    source = doctor_source(baked_projects["nginx-local"])
    reported = {name for names, _ in doctor_checks(source) for name in names}
    cited = {name for page in PAGES for name in CITED_CHECK.findall(page.read_text())}
    assert len(cited) >= 20, f"the guide cites only {sorted(cited)}"
    missing = sorted(cited - reported)
    assert not missing, f"the guide cites static_doctor checks that do not exist: {missing}"


def test_doctor_reference_lists_every_check_the_doctor_reports(baked_projects, built_guide):
    """Each `Finding("<check>", ...)` in the doctor, found by a plain scan, is in the table."""
    source = doctor_source(baked_projects["nginx-local"])
    scanned = set(re.findall(r'Finding\(\s*"([a-z]+\.[a-z0-9_]+)"', source))
    scanned |= set(re.findall(r'\("WHITENOISE_[A-Z_]+", "([a-z.]+_[a-z_]+)"\)', source))
    assert len(scanned) >= 25, sorted(scanned)
    page = (built_guide / "how-to" / "static-doctor.html").read_text()
    missing = sorted(name for name in scanned if f"<code>{name}</code>" not in page)
    assert not missing, f"static_doctor checks missing from the guide's table: {missing}"


def test_code_titled_as_a_project_file_is_included_not_retyped():
    """A code block that names a generated file includes it from a baked project."""
    for page in PAGES:
        text = page.read_text()
        for block in re.findall(r'```\w+ title="([^"]+)"\n(.*?)```', text, flags=re.S):
            title, body = block
            assert "--8<--" in body, f"{page.relative_to(DOCS)}: {title!r} is typed, not included"


def test_switch_strategy_page_shows_what_a_diff_of_two_bakes_shows(baked_projects, built_guide):
    """The page's table matches `diff -rq` of two fresh bakes, pair by pair."""
    page = (built_guide / "how-to" / "switch-strategy.html").read_text()
    for first, second in itertools.combinations(CHOICES["serving_strategy"], 2):
        left, right = baked_projects[f"{first}-local"], baked_projects[f"{second}-local"]
        result = subprocess.run(  # noqa: S603
            ["/usr/bin/diff", "-rq", "--exclude=.env", str(left), str(right)],
            capture_output=True,
            text=True,
            check=False,
        )
        entries = len(result.stdout.splitlines())
        assert entries == sum(map(len, strategy_diff(left, right).values())), result.stdout
        assert f"<code>{second}</code> ({entries} entries)" in page, f"{first}/{second}"


def test_sequence_diagrams_refuse_what_they_cannot_draw():
    """A line outside the diagram syntax fails the build with its line number."""
    with pytest.raises(DiagramError, match="line 2"):
        render("participant A\nA => B: hello")
    assert "<svg" in render("participant A\nparticipant B\nA->>B: hello\nB-->>A: 200")


def search_finds(page, query: str, expect: str) -> str:
    """Type `query` into the guide's search as a person does; the first result's text once it
    holds `expect` (else the last one seen)."""
    search = page.locator(".md-search__input")
    results = page.locator(".md-search-result__item")
    seen = ""
    # Material answers key events, not a filled value. The search worker builds its index
    # after the page loads, slowly on a busy machine, and a query typed before it is ready is
    # dropped: type it again until results come. Results for the first letters typed can show
    # before the whole query's: wait for those.
    for _attempt in range(12):
        search.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        page.keyboard.type(query)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(PlaywrightTimeout):
                results.first.wait_for(timeout=1000)
                seen = results.first.inner_text()
                if expect in seen.lower():
                    return seen
            page.wait_for_timeout(200)
    if seen:
        return seen
    raise AssertionError(f"search for {query!r} answered nothing within a minute")


def test_built_guide_in_chromium_loads_everything_and_search_works(built_guide, browser):
    """Served, and opened from disk as the README says: every page loads with no failed
    request and none off the machine, every nav link lands on a page, and search answers."""
    pages = sorted(
        "/" + path.relative_to(built_guide).as_posix() for path in built_guide.rglob("*.html")
    )
    assert "/index.html" in pages and "/how-to/whitenoise.html" in pages, pages[:5]
    problems = []
    with static_http_server(built_guide) as base, browser.new_context() as context:

        def only_loopback(route):
            """Nothing may leave the machine: record and refuse any other host."""
            url = urlsplit(route.request.url)
            if url.scheme == "file" or url.hostname == LOOPBACK:
                return route.continue_()
            problems.append(f"request off the machine: {route.request.url}")
            return route.abort()

        context.route("**/*", only_loopback)
        page = context.new_page()
        page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"),
        )
        for path in pages:
            # networkidle: the search worker's index and the favicon finish before the next
            # page, so a navigation never cancels them (which would look like a failure).
            page.goto(base + path, wait_until="networkidle")
        assert not problems, f"{len(pages)} pages loaded, with problems: {problems}"
        # networkidle here too: the next navigation would cancel a favicon still loading.
        page.goto(base + "/explanation/request-flow.html", wait_until="networkidle")
        figures = page.locator("figure.sequence svg")
        assert figures.count() >= 4, "the request-flow diagrams did not render"
        page.goto(base + "/", wait_until="networkidle")
        assert "alias" in search_finds(page, "alias trailing slash", "alias").lower()

        # From disk: file:// has no directory index, so every link must name its page.
        page.goto((built_guide / "index.html").as_uri(), wait_until="networkidle")
        links = page.eval_on_selector_all("a.md-nav__link[href]", "(a) => a.map((l) => l.href)")
        targets = {urlsplit(link).path for link in links if link.startswith("file:")}
        assert len(targets) >= len(pages) - 2, f"{len(targets)} nav links for {len(pages)} pages"
        for target in sorted(targets):
            if not Path(target).is_file():
                problems.append(f"from disk, a nav link lands on {target}, not a page")
        page.locator("a.md-nav__link", has_text="Serve with Nginx").first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/how-to/nginx.html"), page.url
        assert page.locator("article h1").first.inner_text().strip(), "an empty page from disk"
        assert "alias" in search_finds(page, "alias trailing slash", "alias").lower()
    assert not problems, problems


def test_what_we_test_counts_cases_for_every_category_and_variant(built_guide):
    """The page is built from the suite's threat markers: every category has cases, and every
    variant is attacked in served files, headers and faults."""
    from docsgen.tested import CATEGORIES

    text = (OUTPUT_DIR / "generated" / "tested.md").read_text()
    per_variant = {}
    for category in CATEGORIES:
        section = text.split(f"### {category}\n", 1)[1].split("### ", 1)[0]
        cases = int(re.search(r"(\d+) cases\.", section)[1])
        assert cases > 0, category
        header, _, *rows = [line for line in section.splitlines() if line.startswith("|")]
        columns = [name.strip() for name in header.strip("|").split("|")]
        for row in rows:
            cells = [value.strip() for value in row.strip("|").split("|")]
            for name, value in zip(columns[2:-1], cells[2:-1], strict=True):
                per_variant.setdefault(name, set()).add(category) if value else None
    for variant, categories in per_variant.items():
        expected = {"Secrets", "Deploy settings and headers", "Served files"}
        assert expected <= categories, f"{variant} is missing {expected - categories}"
    assert len(per_variant) == len(CHOICES["serving_strategy"]) * len(CHOICES["media_storage"])
    page = (built_guide / "reference" / "what-we-test.html").read_text()
    assert "Negative control" in page and "Traversal" in page


def test_when_a_file_is_generated_reads_any_number_of_prompts():
    """The files reference names the answers that give a file, for as many prompts as
    cookiecutter.json has: here a third one, which no list in docsgen knows."""
    choices = {"strategy": ["a", "b"], "media": ["x", "y"], "cache": ["on", "off"]}
    every = set(itertools.product(*choices.values()))
    assert condition(every, choices) == "every variant"
    only_b = {c for c in every if c[0] == "b"}
    assert condition(only_b, choices) == "`strategy` is `b`"
    b_or_on = {c for c in every if c[0] == "b" or c[2] == "on"}
    assert condition(b_or_on, choices) == "`strategy` is `b` or `cache` is `on`"
    a_and_y = {c for c in every if c[0] == "a" and c[1] == "y"}
    assert condition(a_and_y, choices) == "`strategy` is `a` and `media` is `y`"
    assert condition({("a", "x", "on")}, choices) == (
        "`strategy` is `a` and `media` is `x` and `cache` is `on`"
    )
    odd = {("a", "x", "on"), ("b", "y", "off")}
    assert condition(odd, choices) == "`a`+`x`+`on`, `b`+`y`+`off`"
