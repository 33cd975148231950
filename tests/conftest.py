import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .servers import LOOPBACK, free_port, project_environment, run, running
from .variants import TEMPLATE_DIR, VARIANT_IDS, VARIANTS, variant_id

MEDIA_VARIANTS = [answers for answers in VARIANTS if answers["media_storage"] != "none"]

SUPERUSER = {"username": "admin", "password": "a-long-test-only-password-2718"}


def pytest_configure(config):
    # cookiecutter.json's `_extensions` names a module in the template folder; the CLI finds
    # it there, pytest-cookies' in-process bake needs the folder on sys.path.
    sys.path.insert(0, str(TEMPLATE_DIR))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """In CI nothing may be skipped: a skip hides a missing tool."""
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") and skipped:
        terminalreporter.write_line(f"FAILED: {len(skipped)} test(s) skipped in CI", red=True)
        terminalreporter._session.exitstatus = 1


@pytest.fixture(scope="session")
def bake(cookies_session):
    """Bake a variant once per session: `bake(answers)` returns the project folder."""
    projects = {}

    def bake_variant(answers: dict) -> Path:
        key = variant_id(answers)
        if key not in projects:
            result = cookies_session.bake(extra_context=answers)
            assert result.exit_code == 0, f"{key}: bake failed: {result.exception}"
            projects[key] = Path(result.project_path)
        return projects[key]

    return bake_variant


@dataclass
class Site:
    """A baked variant running like production, DEBUG=False, on 127.0.0.1."""

    answers: dict
    project: Path
    venv: Path
    url: str

    @property
    def name(self) -> str:
        return variant_id(self.answers)

    @property
    def serve_script(self) -> str:
        return f"deploy/{self.answers['serving_strategy']}/serve"

    def manage(self, *args: str, env: dict | None = None) -> str:
        return run(
            [str(self.venv / "bin" / "python"), "manage.py", *args],
            self.project,
            {**os.environ, **(env or {})},
        )


def serve_env(site: "Site", port: int, **overrides: str) -> dict:
    """The environment `make run` gives the strategy's serve script (see the Makefile's
    LOCAL_ENV): DEBUG=False over plain HTTP on 127.0.0.1."""
    return {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": f"{LOOPBACK},localhost",
        "PORT": str(port),
        "VENV": str(site.venv),
        **overrides,
    }


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


@contextlib.contextmanager
def started_site(answers: dict, project: Path):
    venv = project_environment(project)
    port = free_port()
    site = Site(answers, project, venv, f"http://{LOOPBACK}:{port}")
    site.manage("migrate", "--noinput")
    if answers["media_storage"] != "none":
        site.manage(
            "createsuperuser",
            "--noinput",
            "--username",
            SUPERUSER["username"],
            "--email",
            "admin@example.com",
            env={"DJANGO_SUPERUSER_PASSWORD": SUPERUSER["password"]},
        )
    # make run itself sets the local DEBUG=False values (plain HTTP, 127.0.0.1 as host).
    with running(
        ["make", "run", f"PORT={port}", f"VENV={venv}"],
        project,
        dict(os.environ),
        f"{site.url}/",
        name="make-run",
        timeout=180,
    ):
        yield site


@pytest.fixture(scope="session", params=VARIANTS, ids=VARIANT_IDS)
def site(request, start_site):
    """Every combination of choices in cookiecutter.json, running like production."""
    return start_site(request.param)


@pytest.fixture(scope="session", params=MEDIA_VARIANTS, ids=variant_id)
def media_site(request, start_site):
    """Every combination that has uploads, running like production."""
    return start_site(request.param)
