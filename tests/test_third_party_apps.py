"""A popular app with static files of its own, installed into a fresh bake of each strategy as
the guide's page "Content-Security-Policy and third-party apps" says: Django REST framework's
browsable API, and drf-spectacular's Swagger UI and ReDoc from drf-spectacular-sidecar.

Its assets are served like the project's own (collectstatic or the S3 publish, then 200, the
right type, hashed, immutable, compressed), and Chromium renders each page with no CSP
violation and no console error. As a negative control, the same Swagger UI and ReDoc views
without the recipe's per-view policy are blocked, and the browser says so.
"""

import contextlib
import re
import shutil
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from harness.crawl import asset_problems, crawl_assets
from harness.servers import LOOPBACK, fresh_copy, run
from harness.sites import started_site
from harness.variants import CHOICES, TEMPLATE_DIR, variant_id

RECIPE = TEMPLATE_DIR / "docs" / "recipes" / "drf"
ONE_PER_STRATEGY = [
    {"serving_strategy": strategy, "media_storage": "none"}
    for strategy in CHOICES["serving_strategy"]
]
# The views as the packages' own docs set them up, without this project's per-view policy.
AS_DOCUMENTED = """from django.urls import path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

urlpatterns = [
    path("as-documented/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema")),
    path("as-documented/redoc/", SpectacularRedocView.as_view(url_name="schema")),
]
"""
# Every CSP violation the page reports, whether or not the console shows it.
VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
window.__style = (selector, property) => {
  const element = document.querySelector(selector);
  return element ? getComputedStyle(element)[property] : null;
};
"""
RENDERED = {
    # The browsable API: its Bootstrap styles applied, the nonce'd <style> in effect.
    "browsable API": (
        "/api/groups/",
        """() => ({
          styled: !["static", null].includes(__style(".navbar", "position")),
          inlineSheets: [...document.querySelectorAll("style")].every(
            (s) => s.sheet && s.sheet.cssRules.length > 0),
          content: !!document.querySelector(".response-info pre"),
        })""",
    ),
    "Swagger UI": (
        "/api/docs/",
        """() => ({
          content: !!document.querySelector(".swagger-ui .info .title")
            && document.querySelectorAll(".opblock").length > 0,
          styled: !["0px", null].includes(__style(".swagger-ui .opblock", "borderRadius")),
        })""",
    ),
    "ReDoc": (
        "/api/redoc/",
        """() => ({
          content: !!document.querySelector(".api-info h1"),
          styled: !["static", null].includes(__style(".menu-content", "position")),
        })""",
    ),
}
REDOC_LOGO = re.compile(r"^https://cdn\.redoc\.ly/")
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def apply_recipe(project) -> None:
    """What the guide's page tells the user to do, file by file."""
    slug = next(p.parent.parent.name for p in project.glob("*/settings/base.py"))
    with open(project / "requirements.txt", "a") as requirements:
        requirements.write((RECIPE / "requirements.txt").read_text())
    with open(project / slug / "settings" / "base.py", "a") as settings:
        settings.write("\n" + (RECIPE / "settings.py").read_text())
    shutil.copy(RECIPE / "api.py", project / slug / "api.py")
    shutil.copytree(RECIPE / "templates", project / "templates", dirs_exist_ok=True)
    urls = project / slug / "urls.py"
    text = urls.read_text()
    assert "\nurlpatterns = [\n" in text, text
    (project / slug / "as_documented.py").write_text(AS_DOCUMENTED)
    api = f'    path("", include("{slug}.api")),\n    path("", include("{slug}.as_documented")),\n'
    urls.write_text(text.replace("\nurlpatterns = [\n", "\nurlpatterns = [\n" + api))


def visit(browser, url: str):
    """Load a page in a fresh context of its own (the caller closes page.context): the page,
    its console errors, and any request that would have left the machine (ReDoc's logo is
    answered here). CSP violations collect in the page's window.__violations."""
    context = browser.new_context()
    left = []

    def local_only(route):
        if REDOC_LOGO.match(route.request.url):
            route.fulfill(status=200, content_type="image/png", body=PNG_1PX)
        else:
            left.append(route.request.url)
            route.abort()

    context.route(lambda url: urlsplit(url).hostname not in (LOOPBACK, None), local_only)
    try:
        page = context.new_page()
        page.add_init_script(VIOLATIONS)
        console = []
        page.on("console", lambda m: m.type == "error" and console.append(m.text))
        page.goto(url, wait_until="networkidle")
        return page, console, left
    except Exception:
        context.close()
        raise


@pytest.mark.threat(
    "Deploy settings and headers",
    "DRF's browsable API, Swagger UI and ReDoc under the CSP: served, rendered, no violation",
    cases=len(RENDERED) + 2,
)
@pytest.mark.parametrize("answers", ONE_PER_STRATEGY, ids=map(variant_id, ONE_PER_STRATEGY))
def test_drf_and_swagger_ui_render_under_the_policy_with_the_guides_recipe(
    bake, browser, answers, tmp_path
):
    project = fresh_copy(bake(answers), tmp_path / "project")
    apply_recipe(project)
    with started_site(answers, project) as site:
        # The recipe passes the project's own lint, as the user's make test runs it.
        ruff = str(site.venv / "bin" / "ruff")
        run([ruff, "check", "."], project)
        run([ruff, "format", "--check", "."], project)
        problems = []
        for what, (path, checks) in RENDERED.items():
            page_url = site.url + path
            browser_like = requests.Session()
            browser_like.headers["Accept"] = "text/html"  # the browsable API, not its JSON
            _, assets = crawl_assets(browser_like, page_url)
            # Swagger UI's start-up script comes from its own view (?script=), not a file.
            files = [a for a in assets if urlsplit(a.url).path != urlsplit(page_url).path]
            assert files, f"{what}: no static file found on {page_url}"
            problems += [f"{what}: {p}" for a in files for p in asset_problems(a)]

            page, console, left = visit(browser, page_url)
            try:
                # Swagger UI and ReDoc draw after the network is quiet: give them 15 s.
                with contextlib.suppress(PlaywrightTimeout):
                    all_seen = f"() => Object.values(({checks})()).every(Boolean)"
                    page.wait_for_function(all_seen, timeout=15_000)
                seen = page.evaluate(checks)
                violations = page.evaluate("window.__violations")
            finally:
                page.context.close()
            problems += [f"{what}: not rendered as it should: {seen}"] * (not all(seen.values()))
            problems += [f"{what}: CSP violation: {v}" for v in violations]
            problems += [f"{what}: console error: {m}" for m in console]
            problems += [f"{what}: {url} left the machine" for url in left]
        assert not problems, f"{site.name}:\n" + "\n".join(problems)

        # Negative control: without the recipe's per-view policy, the browser blocks them.
        for path in ("/as-documented/docs/", "/as-documented/redoc/"):
            page, console, _ = visit(browser, site.url + path)
            try:
                violations = page.evaluate("window.__violations")
            finally:
                page.context.close()
            assert any(v.startswith("style-src") for v in violations), (path, violations)
            assert any("Content Security Policy" in m for m in console), (path, console)
