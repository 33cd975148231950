"""The serving goals: a 50 KB hashed CSS file, and the home page, under the same load.

- WhiteNoise: the generated variant's own server (deploy/start: granian, WhiteNoise
  in front of Django in wsgi.py) against the stock setup: gunicorn's default sync workers, as
  many, running Django's own WSGI application with WhiteNoise as middleware, on the same
  project, settings and collected files. Goal: at least 2x the requests per second on the CSS,
  p99 no worse, home page no slower.
- Nginx: the generated, hardened nginx site against a minimal `alias` config with as many
  workers, serving the same file. Goal: at least 90% of its requests per second.
"""

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from harness.bake import bake_variant
from harness.servers import LOOPBACK, free_port, project_environment, run, running

from .measure import Comparison, interleave, summary

LOCAL = {
    "DJANGO_DEBUG": "false",
    "DJANGO_HTTPS": "false",
    "DJANGO_ALLOWED_HOSTS": f"{LOOPBACK},localhost",
    "DJANGO_RELEASE_ID": "bench",
    "WEB_CONCURRENCY": "2",
}
CSS_NAME = "css/bench-50k.css"
# The stock setup's server: not in the WhiteNoise variant's requirements any more.
STOCK_SERVER = ("gunicorn==27.0.1",)
# Django's own WSGI application, as `startproject` writes it: WhiteNoise as middleware only.
STOCK_WSGI = """import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "my_django_site.settings")
application = get_wsgi_application()
"""


@dataclass
class Goal:
    name: str
    claim: str
    met: bool
    detail: str

    def line(self) -> str:
        verdict = "met" if self.met else "NOT MET"
        return f"{self.name}: {self.claim}: {verdict}\n    {self.detail}"


def fifty_kilobytes_of_css() -> str:
    """Deterministic, varied rules (compressible like real CSS, not one repeated line)."""
    rules, n = [], 0
    while sum(len(rule) for rule in rules) < 50 * 1024:
        rules.append(
            f".bench-{n} {{ color: #{n * 2654435761 % 0xFFFFFF:06x}; margin: {n % 17}px "
            f'{n % 11}px; content: "{n:x}"; }}\n'
        )
        n += 1
    return "".join(rules)


def prepared(
    answers: dict, folder: Path, extra=(), collect: bool = True
) -> tuple[Path, Path, dict, str | None]:
    """The variant baked with the 50 KB stylesheet and collected: (project, venv, env, css).
    Without `collect` (what the caller measures), only migrated: css is None."""
    shutil.rmtree(folder, ignore_errors=True)
    project = bake_variant(answers, folder)
    (project / "static" / CSS_NAME).write_text(fifty_kilobytes_of_css())
    venv = project_environment(project, extra)
    env = {**os.environ, **LOCAL, "VENV": str(venv)}
    python = str(venv / "bin" / "python")
    run([python, "manage.py", "migrate", "--noinput"], project, env)
    if not collect:
        return project, venv, env, None
    run([python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], project, env)
    manifests = [project / "staticfiles" / "staticfiles.json"]
    manifests += sorted((project / "static-manifests").glob("*.json"))
    manifest = json.loads(next(path for path in manifests if path.exists()).read_text())
    return project, venv, env, manifest["paths"][CSS_NAME]


def ratio_detail(comparison: Comparison, a: str, b: str) -> str:
    return (
        f"{b} {comparison.median('b', 'rps'):,.0f} req/s, {a} {comparison.median('a', 'rps'):,.0f}"
        f" req/s: {summary(comparison.ratios)}; p99 {comparison.median('b', 'p99'):.2f} ms vs "
        f"{comparison.median('a', 'p99'):.2f} ms; errors {comparison.errors}"
    )


def ratio_goal(
    name: str, claim: str, comparison: Comparison, at_least: float, a: str, b: str, also=True
) -> Goal:
    """Met when B/A's median ratio reaches `at_least`, without errors (and `also` holds)."""
    met = comparison.ratio >= at_least and comparison.errors == 0 and also
    return Goal(name, claim, met, ratio_detail(comparison, a, b))


def whitenoise_goal(work: Path, options) -> list[Goal]:
    rounds, seconds = options.rounds, options.seconds
    answers = {"serving_strategy": "whitenoise", "media_storage": "none"}
    project, venv, env, css = prepared(answers, work / "whitenoise", STOCK_SERVER)
    (project / "stock_wsgi.py").write_text(STOCK_WSGI)
    stock_port, own_port = free_port(), free_port()
    stock = [str(venv / "bin" / "gunicorn"), "--workers", "2", "--bind", f"{LOOPBACK}:{stock_port}"]
    stock.append("stock_wsgi:application")
    own = ["deploy/start"]
    own_env = {**env, "GRANIAN_HOST": LOOPBACK, "PORT": str(own_port)}
    with (
        running(stock, project, env, f"http://{LOOPBACK}:{stock_port}/", "bench-stock"),
        running(own, project, own_env, f"http://{LOOPBACK}:{own_port}/", "bench-own"),
    ):
        path = f"/static/{css}"
        asset = interleave(
            f"http://{LOOPBACK}:{stock_port}{path}",
            f"http://{LOOPBACK}:{own_port}{path}",
            rounds,
            seconds,
        )
        page = interleave(
            f"http://{LOOPBACK}:{stock_port}/", f"http://{LOOPBACK}:{own_port}/", rounds, seconds
        )
    p99_ok = asset.median("b", "p99") <= asset.median("a", "p99")
    claim = "the generated server serves a 50 KB hashed CSS at >= 2x stock, p99 no worse"
    return [
        ratio_goal("serving.whitenoise", claim, asset, 2, "stock", "generated", also=p99_ok),
        ratio_goal(
            "serving.whitenoise_pages",
            "the home page is no slower with the generated config (>= 0.95x stock)",
            page,
            0.95,
            "stock",
            "generated",
        ),
    ]


SIDES = ("minimal alias", "generated")
MINIMAL_NGINX = """worker_processes {workers};
pid {run}/minimal.pid;
error_log {run}/minimal-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    server {{
        listen {listen};
        location /static/ {{ alias {root}/; }}
    }}
}}
"""


def nginx_goal(work: Path, options) -> list[Goal]:
    rounds, seconds = options.rounds, options.seconds
    answers = {"serving_strategy": "nginx", "media_storage": "none"}
    project, venv, env, css = prepared(answers, work / "nginx")
    run_dir = work / "nginx-minimal"
    run_dir.mkdir(parents=True, exist_ok=True)
    minimal_port, own_port = free_port(), free_port()
    config = run_dir / "minimal.conf"
    config.write_text(
        MINIMAL_NGINX.format(
            workers=2,
            run=run_dir,
            listen=f"{LOOPBACK}:{minimal_port}",
            root=project / "staticfiles",
        )
    )
    minimal = ["nginx", "-p", str(run_dir), "-c", str(config), "-g", "daemon off;"]
    serve = [str(venv / "bin" / "python"), "dev/serve", "run"]  # make run, after collectstatic
    with (
        running(minimal, run_dir, env, f"http://{LOOPBACK}:{minimal_port}/", "bench-minimal"),
        running(
            serve,
            project,
            {**env, "PORT": str(own_port)},
            # nginx serves the collected file from disk as soon as it listens.
            f"http://{LOOPBACK}:{own_port}/static/{css}",
            "bench-own",
        ),
    ):
        urls = [f"http://{LOOPBACK}:{port}/static/{css}" for port in (minimal_port, own_port)]
        # The same bytes both ways (identity): the minimal config has no precompressed copies.
        same_bytes = interleave(*urls, rounds, seconds, encoding="identity")
        browser = interleave(*urls, rounds, seconds)
    same = "the generated nginx site serves a 50 KB hashed CSS at >= 90% of a minimal alias"
    compressed = "as a browser asks (br, gzip): the site's precompressed copies, >= 90%"
    return [
        ratio_goal("serving.nginx", same + " (same bytes)", same_bytes, 0.9, *SIDES),
        ratio_goal("serving.nginx_browser", compressed, browser, 0.9, *SIDES),
    ]
