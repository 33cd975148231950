"""The suite's fixtures: bakes, running sites, the nginx production stack, the browser. Their
machinery is in harness/; the hooks are in harness/pytest_plugin.py."""

import contextlib
import fcntl
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from harness.bake import bake as bake_into
from harness.pytest_plugin import MEASURED
from harness.servers import chromium
from harness.sites import (
    MEDIA_VARIANTS,
    NGINX_VARIANTS,
    Site,
    deployed_nginx_production,
    started_site,
)
from harness.variants import VARIANT_IDS, VARIANTS, variant_id


@pytest.fixture(scope="session")
def measured():
    """`measured(variant, what, value)`: kept in .cache/measured.json and printed at the end."""

    def note(variant: str, what: str, value) -> None:
        MEASURED.parent.mkdir(exist_ok=True)
        with open(MEASURED.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers note at the same time
            found = json.loads(MEASURED.read_text()) if MEASURED.exists() else {}
            found.setdefault(what, {})[variant] = value
            MEASURED.write_text(json.dumps(found, indent=1, sort_keys=True))

    return note


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright, for the whole session."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def fresh_bake(tmp_path_factory):
    """`fresh_bake(answers)`: a new bake of `answers` at each call, in a folder of its own."""

    def bake_fresh(answers: dict) -> Path:
        return bake_into(answers, tmp_path_factory.mktemp("bake"))

    return bake_fresh


@pytest.fixture(scope="session")
def bake(fresh_bake):
    """Bake a variant once per session: `bake(answers)` returns the project folder."""
    projects = {}

    def bake_variant(answers: dict) -> Path:
        key = variant_id(answers)
        if key not in projects:
            projects[key] = fresh_bake(answers)
        return projects[key]

    return bake_variant


@pytest.fixture(scope="session")
def start_site(bake):
    """`start_site(answers)`: the variant baked, installed, migrated, and started with its own
    `make run` (collectstatic, then the strategy's server). Each variant starts once and
    runs until the session ends."""
    sites = {}
    with contextlib.ExitStack() as stack:

        def start(answers: dict) -> Site:
            key = variant_id(answers)
            if key not in sites:
                sites[key] = stack.enter_context(started_site(answers, bake(answers)))
            return sites[key]

        yield start
        # Stop every site at once; the stack then only waits for each to finish.
        for site in sites.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(site.process.pid, signal.SIGTERM)


@pytest.fixture(scope="session", params=VARIANTS, ids=VARIANT_IDS)
def site(request, start_site):
    """Every combination of choices in cookiecutter.json, running like production."""
    return start_site(request.param)


@pytest.fixture(scope="session", params=MEDIA_VARIANTS, ids=variant_id)
def media_site(request, start_site):
    """Every combination that has uploads, running like production."""
    return start_site(request.param)


@pytest.fixture(scope="session", params=NGINX_VARIANTS, ids=variant_id)
def nginx_production(request, bake):
    answers = request.param
    app_root = Path(tempfile.mkdtemp(prefix="cds-nginx-", dir="/tmp"))
    app_root.chmod(0o755)  # nginx workers run as `nobody`: they must reach shared/
    try:
        yield from deployed_nginx_production(answers, bake(answers), app_root)
    finally:
        shutil.rmtree(app_root, ignore_errors=True)
