"""Every variant, in a real Chromium: styled, its font in use, images decoded, script run,
the admin styled, nothing failed, and a repeat visit fetches no static file again.

Each variant runs as in the serving tests (its own `make run`, DEBUG=False, on 127.0.0.1). The
first visit's transferred bytes and a screenshot are written to .cache/browser/, where the
guide picks them up.
"""

import json
import time

import pytest

from harness.browser import inspect_site
from harness.servers import copy_project
from harness.sites import started_site
from harness.variants import TEMPLATE_DIR

RESULTS = TEMPLATE_DIR / ".cache" / "browser"

pytestmark = pytest.mark.serving


def test_variant_looks_right_and_caches_in_chromium(site, browser):
    """Home and admin render styled with every asset, and the repeat visit uses the cache."""
    started = time.monotonic()
    report = inspect_site(browser, site.name, site.url, RESULTS / f"{site.name}.jpg")
    seconds = time.monotonic() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{site.name}.json").write_text(
        json.dumps(
            {
                "variant": site.name,
                "first_visit_bytes": report.first_visit_bytes,
                "first_visit_requests": report.first_visit_requests,
                "repeat_visit_static_fetches": len(report.repeat_visit_network),
                "repeat_visit_static_from_cache": report.repeat_visit_cached,
                "browser_seconds": round(seconds, 2),
            },
            indent=2,
        )
    )
    assert not report.problems, "\n".join(report.problems)
    assert report.first_visit_bytes > 0, f"{site.name}: the first visit transferred nothing"


def test_an_nginx_alias_without_its_slash_fails_in_the_browser(bake, browser, tmp_path):
    """Negative control: the classic alias mistake is caught, named by variant and URL."""
    answers = {"serving_strategy": "nginx", "media_storage": "none"}
    # Deep under pytest's tmp_path: make run must cope with a long project path too.
    project = tmp_path / ("a-long-folder-name-" * 3) / "broken"
    copy_project(bake(answers), project, ".venv")
    locations = project / "deploy" / "nginx" / "locations.conf"
    text = locations.read_text()
    assert "alias ${STATIC_ROOT}/;" in text
    locations.write_text(text.replace("alias ${STATIC_ROOT}/;", "alias ${STATIC_ROOT};"))
    name = "nginx-none with `alias` missing its slash"
    with started_site(answers, project) as site:
        report = inspect_site(browser, name, site.url)
    problems = "\n".join(report.problems)
    assert report.problems, "the broken alias went unnoticed by the browser check"
    assert f"{name}, home page: " in problems
    assert "/static/css/site." in problems and "answered 404" in problems, problems
    assert "site.css was not applied" in problems, problems
    assert "admin is unstyled" in problems, problems
