"""The serving goals: a 50 KB hashed CSS file, and two pages, under the same load.

- WhiteNoise: the generated variant's own server (deploy/start: granian, with the front that
  answers static files before Django) against the stock setup: gunicorn's default sync
  workers, as many, running Django's own WSGI application with WhiteNoise as middleware, on
  the same project, settings and collected files. Goal: at least 2x the requests per second on
  the CSS, p99 no worse; the home page and the admin login no slower, p99 within 1.1x. The
  two causes are shown apart: the same stock application under granian (the server's
  share), and the front against it (the front's).
- Nginx: the generated, hardened nginx site against a raw `alias` config tuned as nginx's
  own docs advise (sendfile, tcp_nopush, open_file_cache, the same precompressed .br/.gz
  copies), with as many workers, serving the same file: the site's headers, dotfile rule and
  symlink checks are what it pays. Goal: at least 95% of its requests per second, for the same
  bytes and as a browser asks. (An untuned alias, sendfile off and no precompressed copies,
  sent 51 KB where the site sent a 6 KB .br: a baseline that flattered.) Its pages: the
  generated site (nginx in front of the generated gunicorn config, as make run serves it)
  against nginx's plain proxy_pass to stock gunicorn (default sync workers, as many, Django's
  own WSGI application) on a unix socket, the same project and settings: the same goal as
  WhiteNoise's pages.
- S3 + CDN: its pages only (the static files are the CDN's). The generated site as make run
  serves it (the release published to the local S3 API, then deploy/start's granian) against
  stock gunicorn (default sync workers, as many, Django's own WSGI application) on the same
  project, settings and bucket: the same goal as WhiteNoise's pages.
"""

import json
import os
import shutil
import tempfile
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
# The pages the pages goals load: the home page, and the admin's login (Django's own view).
PAGES = ("/", "/admin/login/")
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
    # The stock application under the generated server's granian (WSGI, as many workers).
    granian_port = free_port()
    granian = [str(venv / "bin" / "granian"), "--interface", "wsgi", "--workers", "2"]
    granian += ["--host", LOOPBACK, "--port", str(granian_port), "stock_wsgi:application"]
    granian_env = {**env, "GRANIAN_LOG_ACCESS_ENABLED": "false"}
    own = ["deploy/start"]
    own_env = {**env, "GRANIAN_HOST": LOOPBACK, "PORT": str(own_port)}
    with (
        running(stock, project, env, f"http://{LOOPBACK}:{stock_port}/", "bench-stock"),
        running(granian, project, granian_env, f"http://{LOOPBACK}:{granian_port}/", "bench-gs"),
        running(own, project, own_env, f"http://{LOOPBACK}:{own_port}/", "bench-own"),
    ):
        path = f"/static/{css}"
        asset = interleave(
            f"http://{LOOPBACK}:{stock_port}{path}",
            f"http://{LOOPBACK}:{own_port}{path}",
            rounds,
            seconds,
        )
        server = interleave(
            f"http://{LOOPBACK}:{stock_port}{path}",
            f"http://{LOOPBACK}:{granian_port}{path}",
            rounds,
            seconds,
        )
        front = interleave(
            f"http://{LOOPBACK}:{granian_port}{path}",
            f"http://{LOOPBACK}:{own_port}{path}",
            rounds,
            seconds,
        )
        pages = compare_pages(stock_port, own_port, rounds, seconds)
    p99_ok = asset.median("b", "p99") <= asset.median("a", "p99")
    claim = "the generated server serves a 50 KB hashed CSS at >= 2x stock, p99 no worse"
    apart = (
        f"; of which granian over gunicorn (same stock app) {summary(server.ratios)}, "
        f"the front over granian's stock app {summary(front.ratios)}"
    )
    whole = ratio_goal("serving.whitenoise", claim, asset, 2, "stock", "generated", also=p99_ok)
    whole.detail += apart
    return [whole, pages_goal("serving.whitenoise_pages", pages)]


def compare_pages(stock_port: int, own_port: int, rounds: int, seconds: int) -> dict:
    """Each of PAGES, stock (A) against the generated site (B), interleaved."""
    return {
        path: interleave(
            f"http://{LOOPBACK}:{stock_port}{path}",
            f"http://{LOOPBACK}:{own_port}{path}",
            rounds,
            seconds,
        )
        for path in PAGES
    }


def pages_goal(name: str, pages: dict[str, Comparison]) -> Goal:
    """Each page at >= 0.95x the stock requests per second, with a p99 no worse than 1.1x
    stock's (the machine's drift between two runs of the same server), without errors."""
    met = all(
        c.ratio >= 0.95 and c.errors == 0 and c.median("b", "p99") <= 1.1 * c.median("a", "p99")
        for c in pages.values()
    )
    detail = "; ".join(
        f"{path}: {ratio_detail(c, 'stock', 'generated')}" for path, c in pages.items()
    )
    claim = f"{' and '.join(pages)} no slower than stock: >= 0.95x req/s, p99 <= 1.1x stock's"
    return Goal(name, claim, met, detail)


def s3_cdn_goal(work: Path, options) -> list[Goal]:
    answers = {"serving_strategy": "s3_cdn", "media_storage": "none"}
    # Not collected here: make run publishes the release once its local S3 API is up.
    project, venv, env, _ = prepared(answers, work / "s3_cdn", STOCK_SERVER, collect=False)
    (project / "stock_wsgi.py").write_text(STOCK_WSGI)
    stock_port, own_port = free_port(), free_port()
    serve = [str(venv / "bin" / "python"), "dev/serve", "run"]
    with running(
        serve,
        project,
        {**env, "PORT": str(own_port)},
        f"http://{LOOPBACK}:{own_port}/",
        "bench-own",
    ):
        # The local S3 API's endpoint, bucket and CDN URL, as make run's processes read them.
        stack = project / ".run" / f"s3-{own_port}" / "local-s3.env"
        settings = dict(
            line.split("=", 1) for line in stack.read_text().splitlines() if "=" in line
        )
        stock = [str(venv / "bin" / "gunicorn"), "--workers", "2"]
        stock += ["--bind", f"{LOOPBACK}:{stock_port}", "stock_wsgi:application"]
        url = f"http://{LOOPBACK}:{stock_port}/"
        with running(stock, project, {**env, **settings}, url, "bench-stock"):
            pages = compare_pages(stock_port, own_port, options.rounds, options.seconds)
    return [pages_goal("serving.s3_cdn_pages", pages)]


SIDES = ("tuned raw nginx", "generated")
# An nginx of the bench's own, in `run`: one of the http blocks below in the same main config.
NGINX_MAIN = """{load_modules}
worker_processes {workers};
pid {run}/{name}.pid;
error_log {run}/{name}-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
{http}
}}
"""
# Stock pages behind nginx: proxy_pass to gunicorn's socket, as nginx's and gunicorn's docs show.
STOCK_PROXY = """
    upstream app {{ server unix:{socket}; }}
    server {{
        listen {listen};
        location / {{
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_pass http://app;
        }}
    }}"""
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
TUNED_NGINX = """
    include /etc/nginx/mime.types;
    server {{
        listen {listen};
        location /static/ {{
            alias {root}/;
            sendfile on;
            tcp_nopush on;
            open_file_cache max=10000 inactive=60s;
            open_file_cache_valid 30s;
            gzip_static on;
            gzip_vary on;
            {brotli_static}
        }}
    }}"""


def nginx_config(run_dir: Path, name: str, http: str, load_modules: str = "") -> Path:
    """run_dir/name.conf: NGINX_MAIN around `http`, with as many workers as the site's."""
    config = run_dir / f"{name}.conf"
    config.write_text(
        NGINX_MAIN.format(load_modules=load_modules, workers=2, run=run_dir, name=name, http=http)
    )
    return config


def nginx_goal(work: Path, options) -> list[Goal]:
    rounds, seconds = options.rounds, options.seconds
    answers = {"serving_strategy": "nginx", "media_storage": "none"}
    project, venv, env, css = prepared(answers, work / "nginx")
    (project / "stock_wsgi.py").write_text(STOCK_WSGI)
    run_dir = work / "nginx-minimal"
    run_dir.mkdir(parents=True, exist_ok=True)
    minimal_port, own_port = free_port(), free_port()
    tuned = TUNED_NGINX.format(
        brotli_static="brotli_static on;" if BROTLI_MODULE.exists() else "",
        listen=f"{LOOPBACK}:{minimal_port}",
        root=project / "staticfiles",
    )
    brotli = f"load_module {BROTLI_MODULE};" if BROTLI_MODULE.exists() else ""
    config = nginx_config(run_dir, "minimal", tuned, brotli)
    minimal = ["nginx", "-p", str(run_dir), "-c", str(config), "-g", "daemon off;"]
    # A short path: a unix socket's is limited to 107 bytes.
    socket = Path(tempfile.mkdtemp(prefix="bench-")) / "stock.sock"
    socket.parent.chmod(0o755)  # nginx's workers (another user, as root starts it) reach it
    stock_port = free_port()
    stock = STOCK_PROXY.format(socket=socket, listen=f"{LOOPBACK}:{stock_port}")
    proxy = nginx_config(run_dir, "stock", stock)
    stock_nginx = ["nginx", "-p", str(run_dir), "-c", str(proxy), "-g", "daemon off;"]
    stock_app = [str(venv / "bin" / "gunicorn"), "--workers", "2", "--bind", f"unix:{socket}"]
    stock_app.append("stock_wsgi:application")
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
        same_bytes = interleave(*urls, rounds, seconds, encoding="identity")
        browser = interleave(*urls, rounds, seconds)  # both send the same .br copy
        with (
            running(stock_app, project, env, None, "bench-stock-app", ready=socket.exists),
            running(stock_nginx, run_dir, env, f"http://{LOOPBACK}:{stock_port}/", "bench-proxy"),
        ):
            pages = compare_pages(stock_port, own_port, rounds, seconds)
    same = "the generated nginx site serves a 50 KB hashed CSS at >= 95% of a tuned raw nginx"
    compressed = "as a browser asks (br, gzip), both sending the same .br copy: >= 95%"
    return [
        ratio_goal("serving.nginx", same + " (same bytes)", same_bytes, 0.95, *SIDES),
        ratio_goal("serving.nginx_browser", compressed, browser, 0.95, *SIDES),
        pages_goal("serving.nginx_pages", pages),
    ]
