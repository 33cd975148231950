import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .servers import (
    LOOPBACK,
    chromium,
    free_port,
    nginx_main_config,
    project_environment,
    responds,
    run,
    running,
    self_signed_certificate,
)
from .variants import CHOICES, TEMPLATE_DIR, VARIANT_IDS, VARIANTS, variant_id

MEDIA_VARIANTS = [answers for answers in VARIANTS if answers["media_storage"] != "none"]

SUPERUSER = {"username": "admin", "password": "a-long-test-only-password-2718"}


def pytest_configure(config):
    # cookiecutter.json's `_extensions` names a module in the template folder; the CLI finds
    # it there, pytest-cookies' in-process bake needs the folder on sys.path.
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
    "cookies",
    "cookies_session",
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


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """In CI nothing may be skipped: a skip hides a missing tool. Then the measured figures."""
    if MEASURED.exists() and MEASURED.stat().st_mtime >= getattr(config, "started_at", 0):
        for what, by_variant in json.loads(MEASURED.read_text()).items():
            terminalreporter.write_line(f"measured: {what}: {by_variant}")
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") and skipped:
        terminalreporter.write_line(f"FAILED: {len(skipped)} test(s) skipped in CI", red=True)
        terminalreporter._session.exitstatus = 1


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright, for the whole session."""
    with chromium() as browser:
        yield browser


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
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def local_stack_env(self) -> dict:
        """Where `make run` started a local S3 API and CDN (s3_cdn), their settings."""
        path = self.project / ".run" / f"s3-{self.port}" / "local-s3.env"
        if not path.exists():
            return {}
        return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)

    def app_server(self, port: int) -> list[str]:
        """The strategy's app server, as production starts it, on 127.0.0.1:`port`: granian
        through deploy/start, or (behind nginx) gunicorn with the strategy's config."""
        start = self.project / "deploy" / "start"
        if start.exists():
            settings = [f"VENV={self.venv}", f"GRANIAN_HOST={LOOPBACK}", f"PORT={port}"]
            return ["/usr/bin/env", *settings, str(start)]
        config = self.project / "deploy" / self.answers["serving_strategy"] / "gunicorn.conf.py"
        return [
            str(self.venv / "bin" / "gunicorn"),
            "--config",
            str(config),
            "--bind",
            f"{LOOPBACK}:{port}",
        ]

    @property
    def serve_script(self) -> str:
        return f"deploy/{self.answers['serving_strategy']}/serve"

    def manage(self, *args: str, env: dict | None = None) -> str:
        return run(
            [str(self.venv / "bin" / "python"), "manage.py", *args],
            self.project,
            {**os.environ, **(env or {})},
        )

    def manage_in(self, folder: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
        """manage.py `args` in `folder` (the project or a copy of it) with exactly `env`: the
        whole result, for commands a test expects to fail as often as to pass."""
        return subprocess.run(  # noqa: S603 (the site's own interpreter and manage.py)
            [str(self.venv / "bin" / "python"), "manage.py", *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def serve_env(site: "Site", port: int, **overrides: str) -> dict:
    """The environment `make run` gives the strategy's serve script (see the Makefile's
    LOCAL_ENV): DEBUG=False over plain HTTP on 127.0.0.1, release "local" where each release
    has its own manifest."""
    return {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": f"{LOOPBACK},localhost",
        "PORT": str(port),
        "VENV": str(site.venv),
        "DJANGO_RELEASE_ID": "local",
        **overrides,
    }


def publish(site, source: Path, release: str, **env) -> subprocess.CompletedProcess:
    """collectstatic for `release` from `source`: into source/staticfiles, and for S3 + CDN
    to the site's bucket (or `env`'s)."""
    environment = {
        **os.environ,
        **site.local_stack_env(),
        "DJANGO_RELEASE_ID": release,
        "DJANGO_STATIC_ROOT": str(source / "staticfiles"),
        **env,
    }
    return site.manage_in(source, "collectstatic", "--noinput", env=environment)


CHANGED_IN_NEXT_RELEASE = ("static/css/site.css", "pages/static/pages/js/site.js")


def changed_copy(site, tmp_path: Path, marker: str, names=CHANGED_IN_NEXT_RELEASE) -> Path:
    """A copy of the project whose `names` (the CSS and JS) differ: the next release's code."""
    source = tmp_path / "next-release"
    shutil.copytree(
        site.project,
        source,
        ignore=shutil.ignore_patterns(".run", "staticfiles", "static-manifests", "media", ".*.log"),
    )
    for name in names:
        path = source / name
        path.write_text(path.read_text() + f"\n/* {marker} */\n")
    return source


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
    ) as process:
        site.process = process
        yield site


@pytest.fixture(scope="session", params=VARIANTS, ids=VARIANT_IDS)
def site(request, start_site):
    """Every combination of choices in cookiecutter.json, running like production."""
    return start_site(request.param)


@pytest.fixture(scope="session", params=MEDIA_VARIANTS, ids=variant_id)
def media_site(request, start_site):
    """Every combination that has uploads, running like production."""
    return start_site(request.param)


NGINX_VARIANTS = [answers for answers in VARIANTS if answers["serving_strategy"] == "nginx"]
# Two years, not the default one (gixy flags anything much shorter than a year).
PRODUCTION_HSTS_SECONDS = 63072000


@dataclass
class NginxProduction:
    """A baked nginx variant deployed with its own deploy.sh into a release layout, behind
    its production site config (TLS, redirects, default server) on 127.0.0.1, nginx workers
    running as an unprivileged user, and gunicorn restarted the way systemd would."""

    answers: dict
    source: Path
    app_root: Path
    nginx_config: Path
    site_folder: Path
    certificate: Path
    http_url: str
    https_url: str
    env: dict

    @property
    def name(self) -> str:
        return f"{variant_id(self.answers)} (production)"

    def deploy(self, *args: str) -> str:
        return run(["deploy/nginx/deploy.sh", *args], self.source, self.env)

    def session(self):
        import requests

        session = requests.Session()
        # REQUESTS_CA_BUNDLE (and proxy variables) from the environment would win over
        # `verify`: this session trusts only the stack's own certificate, on loopback.
        session.trust_env = False
        session.verify = str(self.certificate)
        return session


@pytest.fixture(scope="session", params=NGINX_VARIANTS, ids=variant_id)
def nginx_production(request, bake):
    answers = request.param
    app_root = Path(tempfile.mkdtemp(prefix="cds-nginx-", dir="/tmp"))
    app_root.chmod(0o755)  # nginx workers run as `nobody`: they must reach shared/
    try:
        yield from deployed_nginx_production(answers, bake(answers), app_root)
    finally:
        shutil.rmtree(app_root, ignore_errors=True)


def deployed_nginx_production(answers: dict, project: Path, app_root: Path):
    source = app_root / "source"
    shutil.copytree(
        project,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".run", "staticfiles", "static-manifests", "media", "db.sqlite3", ".*.log"
        ),
    )
    shared = app_root / "shared"
    shared.mkdir()
    env_lines = [
        line
        for line in (project / ".env").read_text().splitlines()
        if not line.startswith("DJANGO_ALLOWED_HOSTS=")
    ]
    # HSTS other than its default, which nginx must send as Django does (its own, on static).
    production = [
        "DJANGO_ALLOWED_HOSTS=localhost",
        f"DJANGO_HSTS_SECONDS={PRODUCTION_HSTS_SECONDS}",
    ]
    (shared / ".env").write_text("\n".join([*env_lines, *production]) + "\n")
    pid_file, socket = app_root / "gunicorn.pid", app_root / "gunicorn.sock"
    env = {
        **os.environ,
        "APP_ROOT": str(app_root),
        "PYTHON": sys.executable,
        "RESTART_COMMAND": f"kill -TERM $(cat {pid_file}) 2>/dev/null || true",
    }
    run(["deploy/nginx/deploy.sh", "deploy", "v1"], source, env)

    http_port, https_port = free_port(), free_port()
    cert, key = self_signed_certificate(app_root)
    site_folder = app_root / "nginx" / "site"
    settings = {
        "SERVER_NAME": "localhost",
        "HTTPS_ORIGIN": f"https://localhost:{https_port}",
        "HTTP_LISTEN": f"{LOOPBACK}:{http_port}",
        "HTTPS_LISTEN": f"{LOOPBACK}:{https_port}",
        "TLS_CERTIFICATE": str(cert),
        "TLS_CERTIFICATE_KEY": str(key),
        "ACME_ROOT": str(app_root / "acme"),
        "APP_SOCKET": str(socket),
    }
    run(
        [
            sys.executable,
            "deploy/nginx/nginx_config.py",
            "production",
            "--out",
            str(site_folder),
            "--env-file",
            str(shared / ".env"),
            *(f"--set={name}={value}" for name, value in settings.items()),
        ],
        source,
        env,
    )
    worker_user = "nobody nogroup" if os.geteuid() == 0 else None
    nginx_config = nginx_main_config(app_root / "nginx", site_folder / "site.conf", worker_user)
    stack = NginxProduction(
        answers,
        source,
        app_root,
        nginx_config,
        site_folder,
        cert,
        f"http://localhost:{http_port}",
        f"https://localhost:{https_port}",
        env,
    )

    # What systemd does for the service: start gunicorn from `current`, again whenever it
    # stops (deploy.sh's restart stops it).
    supervisor = (
        'while :; do cd "$APP_ROOT/current" && set -a && . ./release.env && set +a && '
        f".venv/bin/gunicorn --config deploy/nginx/gunicorn.conf.py --bind unix:{socket} "
        f"--pid {pid_file}; sleep 0.2; done"
    )
    nginx = ["nginx", "-p", str(app_root / "nginx"), "-c", str(nginx_config), "-g", "daemon off;"]
    with (
        running(
            ["bash", "-c", supervisor],
            app_root,
            env,
            None,
            "gunicorn",
            ready=socket.exists,
            timeout=120,
        ),
        running(
            nginx,
            app_root,
            env,
            None,
            "nginx",
            ready=lambda: responds(stack.https_url + "/", verify=str(cert)),
        ),
    ):
        yield stack
