"""Real processes the tests start on 127.0.0.1 and always stop: build helpers and servers.

Every fixture that runs a server uses `running()`, so start-up waiting, logs on failure and
shutdown behave the same for gunicorn today and for nginx or an S3 API later.
"""

import contextlib
import fcntl
import hashlib
import http.client
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from .variants import TEMPLATE_DIR

CACHE_DIR = TEMPLATE_DIR / ".cache"
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: int = 600) -> str:
    """Run a command to completion; on failure, raise with its output so the cause is visible."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise AssertionError(
            f"`{' '.join(map(str, command))}` in {cwd} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
        )
    return result.stdout


def project_environment(project: Path, extra: tuple[str, ...] = ()) -> Path:
    """A virtualenv with the baked project's pinned requirements (and `extra` packages, for
    benchmarks), shared by every variant with the same requirements and kept in .cache/
    between runs. Returns its folder."""
    requirements = (
        b"".join(
            (project / name).read_bytes() for name in ("requirements.txt", "requirements-dev.txt")
        )
        + "\n".join(extra).encode()
    )
    # "compiled": environments made before they were compiled are made again.
    digest = hashlib.sha256(requirements + sys.version.encode() + b"compiled").hexdigest()[:16]
    venv = CACHE_DIR / "venvs" / digest
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel workers build each environment once
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            uv = shutil.which("uv")
            if uv is None:
                raise AssertionError("uv is missing: run `make test`, which installs it")
            env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
            run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], project, env)
            run(
                [
                    uv,
                    "pip",
                    "install",
                    "--quiet",
                    # As the project's make install does: PYTHONDONTWRITEBYTECODE (set on
                    # many machines) would make each process compile Django again.
                    "--compile-bytecode",
                    "--python",
                    str(venv / "bin" / "python"),
                    "-r",
                    "requirements-dev.txt",
                    *extra,
                ],
                project,
                env,
            )
            (venv / ".complete").touch()
    return venv


# What other tests leave at the top of a bake: database, uploads, collected files, logs.
BAKE_STATE = (
    ".run",
    "staticfiles",
    "static-manifests",
    ".*.log",
    "db.sqlite3",
    "media",
    ".local-s3",
)


def copy_project(project: Path, target: Path, *also: str) -> Path:
    """A copy of a project without the state tests leave at its top level (and `also`): only
    there, as static_kit/media/ is code, not uploads."""
    top_level = shutil.ignore_patterns(*BAKE_STATE, *also)

    def state(folder: str, names: list[str]) -> set[str]:
        return top_level(folder, names) if Path(folder) == project else set()

    shutil.copytree(project, target, ignore=state)
    return target


def fresh_copy(project: Path, target: Path) -> Path:
    """A copy of a baked project as freshly baked, to change without touching the shared bake."""
    return copy_project(project, target)


def python_module(*args: str, timeout: int = 600) -> tuple[int, str]:
    """`python -m <args>` in the template's folder (make bench, make compare): its exit code
    and its output, stdout then stderr."""
    result = subprocess.run(  # noqa: S603 (this interpreter, arguments from the tests)
        [sys.executable, "-m", *args],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def exits(command: list[str], cwd: Path, env: dict, timeout: float = 60) -> tuple[int, str]:
    """Run a server that is expected to refuse to start: its exit code and output. One that
    is still running after `timeout` seconds is stopped and reported as a failure."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        raise AssertionError(
            f"`{' '.join(command)}` still running after {timeout} s:\n{output[-3000:]}"
        ) from None
    return process.returncode, output


def raw_get(port: int, path: str, host: str = LOOPBACK) -> tuple[int, bytes]:
    """GET `path` exactly as written: no client-side normalising of `..` or `%2e`."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def responds(url: str, **kwargs) -> bool:
    """True once something listens at `url` and answers HTTP, whatever the status."""
    try:
        requests.get(url, timeout=2, allow_redirects=False, **kwargs)
        return True
    except (requests.ConnectionError, requests.Timeout):  # not up, or still warming up
        return False


@contextlib.contextmanager
def running(
    command: list[str],
    cwd: Path,
    env: dict,
    ready_url: str | None,
    name: str,
    timeout: float = 60,
    ready=None,
):
    """Start a server in its own process group, wait until `ready_url` answers (or `ready()`
    is true), and stop it (the whole group) afterwards. If it never gets ready, fail with
    its log."""
    is_ready = ready or (lambda: responds(ready_url))
    log_path = cwd / f".{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + timeout
        while not is_ready():
            if process.poll() is not None:
                raise AssertionError(
                    f"{name} exited {process.returncode} before it was "
                    f"ready:\n{log_path.read_text()[-4000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{name} was not ready in {timeout} s:\n{log_path.read_text()[-4000:]}"
                )
            time.sleep(0.2)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
            # The leader (make) exits first; nginx and gunicorn may still be cleaning up
            # (pid files, sockets) in a folder about to be removed: wait for the whole group.
            stop_by = time.monotonic() + 15
            while group_alive(process.pid) and time.monotonic() < stop_by:
                time.sleep(0.05)
            if group_alive(process.pid):
                os.killpg(process.pid, signal.SIGKILL)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition, timeout: float, message: str):
    """Poll `condition()` until it returns something true; fail with `message` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{message} (waited {timeout} s)")


def self_signed_certificate(folder: Path, host: str = "localhost") -> tuple[Path, Path]:
    """A throwaway certificate for `host`, so the TLS server block runs as in production."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={host}",
            "-addext",
            f"subjectAltName=DNS:{host}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        folder,
    )
    return cert, key


def nginx_main_config(prefix: Path, site: Path, worker_user: str | None) -> Path:
    """What Debian's /etc/nginx/nginx.conf is to a site: modules, mime types, the include.
    Everything nginx writes stays under `prefix`."""
    brotli = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
    lines = [
        f"load_module {brotli};" if brotli.exists() else "",
        f"user {worker_user};" if worker_user else "",
        "worker_processes 2;",
        "worker_rlimit_nofile 4096;",
        f"pid {prefix}/nginx.pid;",
        f"error_log {prefix}/error.log warn;",
        "events { worker_connections 512; }",
        "http {",
        "  include /etc/nginx/mime.types;",
        "  default_type application/octet-stream;",
        f"  access_log {prefix}/access.log;",
        *(
            f"  {kind}_temp_path {prefix}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        f"  include {site};",
        "}",
    ]
    config = prefix / "nginx.conf"
    config.write_text("\n".join(lines) + "\n")
    return config


class S3Proxy:
    """A pass-through in front of the local S3 API that counts requests by method and can
    fail every PUT after the first `fail_puts_after`, as an endpoint going away mid-publish."""

    def __init__(self, upstream: str, fail_puts_after: int | None = None):
        self.upstream = urlsplit(upstream)
        self.fail_puts_after = fail_puts_after
        self.counts: dict[str, int] = {}
        self.requests: list[str] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy.lock:
                    proxy.counts[self.command] = proxy.counts.get(self.command, 0) + 1
                    proxy.requests.append(f"{self.command} {self.path}")
                    failing = (
                        self.command == "PUT"
                        and proxy.fail_puts_after is not None
                        and proxy.counts["PUT"] > proxy.fail_puts_after
                    )
                if failing:
                    error = b"<Error><Code>InternalError</Code><Message>injected</Message></Error>"
                    self.send_response(500)
                    self.send_header("Content-Length", str(len(error)))
                    self.end_headers()
                    self.wfile.write(error)
                    return
                connection = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=30
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    headers["Host"] = proxy.upstream.netloc
                    connection.request(self.command, self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
                    self.send_response(response.status)
                    for name, value in response.getheaders():
                        if name.lower() not in {
                            "transfer-encoding",
                            "connection",
                            "content-length",
                        }:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                finally:
                    connection.close()

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = forward

        self.server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.url = f"http://{LOOPBACK}:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# Debian's chromium, driven by Playwright (never `playwright install`, which downloads one).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium():
    """A headless Chromium for the session; fails with what to install when it is missing."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise AssertionError(
            f"{CHROMIUM} is missing: run `make system-packages` (as root) or "
            "`sudo apt-get install chromium`."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def static_http_server(root: Path):
    """Serve a folder (a built site) over HTTP on 127.0.0.1; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            if not isinstance(sys.exc_info()[1], ConnectionError):  # a browser that moved on
                super().handle_error(request, client_address)

    server = Server((LOOPBACK, 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
