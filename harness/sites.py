"""Baked variants running as production runs them: a site under its own `make run`, the nginx
variant deployed with its own deploy.sh behind its production config, and what tests do to
them (log in, upload, publish the next release)."""

import contextlib
import html
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

from .servers import (
    LOOPBACK,
    copy_project,
    free_port,
    nginx_main_config,
    project_environment,
    responds,
    run,
    running,
    self_signed_certificate,
)
from .variants import PROJECT_TEMPLATE_DIR, VARIANTS, variant_id

MEDIA_VARIANTS = [answers for answers in VARIANTS if answers["media_storage"] != "none"]


SUPERUSER = {"username": "admin", "password": "a-long-test-only-password-2718"}


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
    def serve_command(self) -> list[str]:
        """What `make run` runs once migrate and collectstatic are done (dev/serve)."""
        return [str(self.venv / "bin" / "python"), "dev/serve", "run"]

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
    source = copy_project(site.project, tmp_path / "next-release")
    for name in names:
        path = source / name
        path.write_text(path.read_text() + f"\n/* {marker} */\n")
    return source


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


def deployed_nginx_production(answers: dict, project: Path, app_root: Path):
    source = copy_project(project, app_root / "source", ".venv")
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


PNG = PROJECT_TEMPLATE_DIR / "static" / "img" / "landscape.png"


def admin_session(site) -> requests.Session:
    session = requests.Session()
    login = f"{site.url}/admin/login/"
    session.get(login, timeout=30)
    response = session.post(
        login,
        timeout=30,
        data={
            **SUPERUSER,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
    )
    assert response.ok and "logout" in response.text, f"{site.name}: admin login failed"
    return session


def upload(
    session: requests.Session, site, name: str, content: bytes, content_type: str, private=False
):
    """Upload through the admin form, then find the file's URL on the list page (as the
    uploader sees it: a private upload's is the view that checks who asks)."""
    add = f"{site.url}/admin/uploads/upload/add/"
    session.get(add, timeout=30)
    form = {"title": name, "csrfmiddlewaretoken": session.cookies["csrftoken"]}
    if private:
        form["private"] = "on"
    files = {"file": (name, content, content_type)}
    response = session.post(add, timeout=30, files=files, data=form)
    assert response.ok, f"{site.name}: upload of {name} answered {response.status_code}"
    listing = session.get(f"{site.url}/uploads/", timeout=30).text
    stem = re.escape(Path(name).stem)
    links = re.findall(rf'class="upload-link" href="([^"]*{stem}[^"]*)"', listing)
    assert links, f"{site.name}: {name} is not on /uploads/"
    # Local media: a path on the site. Media in a bucket: an absolute, signed URL.
    return urljoin(site.url + "/", html.unescape(links[0]))


# Every upload a database row references, with the SHA-256 of its bytes as the storage has
# them (local disk or the bucket), read by the project's own code.
UPLOAD_CHECKSUMS = (
    "import hashlib, json; from uploads.models import Upload; "
    "print(json.dumps({u.file.name: hashlib.sha256(u.file.open('rb').read()).hexdigest() "
    "for u in Upload.objects.all()}))"
)


def s3_client(site):
    import boto3

    stack = site.local_stack_env()
    return boto3.client(
        "s3",
        endpoint_url=stack["DJANGO_S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id=stack["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=stack["AWS_SECRET_ACCESS_KEY"],
    )
