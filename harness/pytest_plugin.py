"""The suite's pytest plugin (pyproject's addopts loads it with -p): which tests bake, how
xdist groups and orders them, the record of the last whole run, and CI's rule that nothing may
be skipped. tests/conftest.py holds the fixtures."""

import json
import os
import sys
import time

import pytest

from .variants import CHOICES, TEMPLATE_DIR, variant_id


def pytest_configure(config):
    # cookiecutter.json's `_extensions` names a module in the template folder; the CLI finds
    # it there, an in-process bake (and the tests of the hooks) need the folder on sys.path.
    sys.path.insert(0, str(TEMPLATE_DIR))
    config.pluginmanager.register(LongestFirst(), "longest-first")


SERIAL_MODULES = {"test_docs": "docs"}


# What makes a test slow: a bake, a server, the guide or a browser (make test-fast leaves it out).
BAKING_FIXTURES = {
    "bake",
    "site",
    "media_site",
    "start_site",
    "nginx_production",
    "built_guide",
    "baked_projects",
    "fresh_bake",
    "browser",
}
BAKING_MODULES = {"test_bench", "test_compare", "test_hostile_answers", "test_inputs"}


LONG_MODULES = {"test_day_two", "test_django_next", "test_third_party_apps", "test_bench"}


@pytest.hookimpl(tryfirst=True)  # before -m deselects by the `bakes` marker set here
def pytest_collection_modifyitems(config, items):
    """Under xdist (make test runs several workers), the tests that use a variant's running
    site run in one worker, so it starts once; so do those of its nginx deployment. The rest
    (bakes, a fresh copy of their own) go to whichever worker is free."""
    for item in items:
        module = module_name(item)
        if BAKING_FIXTURES & set(item.fixturenames) or module in BAKING_MODULES:
            item.add_marker(pytest.mark.bakes)
        params = getattr(getattr(item, "callspec", None), "params", {})
        answers = next(
            (v for v in params.values() if isinstance(v, dict) and set(CHOICES) <= set(v)), None
        )
        if answers is not None:
            if "nginx_production" in item.fixturenames:
                item.add_marker(pytest.mark.xdist_group(f"{variant_id(answers)}-production"))
            elif "start_site" in item.fixturenames:
                item.add_marker(pytest.mark.xdist_group(variant_id(answers)))
        else:
            # The guide's tests build it in one shared .cache folder: one worker, in turn.
            if module in SERIAL_MODULES:
                item.add_marker(pytest.mark.xdist_group(SERIAL_MODULES[module]))


class LongestFirst:
    """Longest first, so that no worker is left with a long test while the other has finished:
    the guide and each running variant (groups of tests), then the tests that bake and run a
    whole project of their own, then the rest (each short). Last, after pytest's own
    reordering, which would undo it."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        items.sort(key=expected_length)


def expected_length(item) -> int:
    if item.get_closest_marker("xdist_group"):
        return 0
    return 1 if module_name(item) in LONG_MODULES else 2


def module_name(item) -> str:
    """test_day_two for tests/test_day_two.py."""
    return item.module.__name__.rsplit(".", 1)[-1]


# How long the last whole run took (every test, none deselected): `make bench` reports it.
SUITE_RECORD = TEMPLATE_DIR / ".cache" / "suite.json"


def pytest_sessionstart(session):
    session.config.started = time.monotonic()
    session.config.started_at = time.time()


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller records the whole run
    chosen = [arg for arg in config.invocation_params.args if not str(arg).startswith("-")]
    whole = not chosen and not config.option.keyword and not config.option.markexpr
    if whole and exitstatus == 0 and session.testscollected:
        SUITE_RECORD.parent.mkdir(exist_ok=True)
        record = {
            "seconds": time.monotonic() - config.started,
            "tests": session.testscollected,
            "finished": time.strftime("%Y-%m-%d %H:%M"),
        }
        SUITE_RECORD.write_text(json.dumps(record))


# Figures the fault tests measure (failed requests when a worker dies, ...), by variant.
MEASURED = TEMPLATE_DIR / ".cache" / "measured.json"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """In CI nothing may be skipped: a skip hides a missing tool. Then the measured figures."""
    if MEASURED.exists() and MEASURED.stat().st_mtime >= getattr(config, "started_at", 0):
        for what, by_variant in json.loads(MEASURED.read_text()).items():
            terminalreporter.write_line(f"measured: {what}: {by_variant}")
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") and skipped:
        terminalreporter.write_line(f"FAILED: {len(skipped)} test(s) skipped in CI", red=True)
        terminalreporter._session.exitstatus = 1
