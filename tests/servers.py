"""Real processes the tests start on 127.0.0.1 and always stop: build helpers and servers.

Every fixture that runs a server uses `running()`, so start-up waiting, logs on failure and
shutdown behave the same for gunicorn today and for nginx or an S3 API later.
"""

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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


def project_environment(project: Path) -> Path:
    """A virtualenv with the baked project's pinned requirements, shared by every variant
    with the same requirements and kept in .cache/ between runs. Returns its folder."""
    requirements = b"".join(
        (project / name).read_bytes() for name in ("requirements.txt", "requirements-dev.txt")
    )
    digest = hashlib.sha256(requirements + sys.version.encode()).hexdigest()[:16]
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
                    "--python",
                    str(venv / "bin" / "python"),
                    "-r",
                    "requirements-dev.txt",
                ],
                project,
                env,
            )
            (venv / ".complete").touch()
    return venv


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


@contextlib.contextmanager
def running(
    command: list[str], cwd: Path, env: dict, ready_url: str, name: str, timeout: float = 60
):
    """Start a server in its own process group, wait until `ready_url` answers, and stop it
    (the whole group) afterwards. If it never gets ready, fail with its log."""
    log_path = cwd / f".{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"{name} exited {process.returncode} before answering "
                    f"{ready_url}:\n{log_path.read_text()[-4000:]}"
                )
            try:
                requests.get(ready_url, timeout=2, allow_redirects=False)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"{name} did not answer {ready_url} in {timeout} s:\n"
                        f"{log_path.read_text()[-4000:]}"
                    ) from None
                time.sleep(0.2)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
