"""A local S3 API for `make run` when there is no cloud account.

    .venv/bin/python deploy/local_s3.py -- deploy/whitenoise/serve

With DJANGO_S3_ENDPOINT_URL or AWS credentials set (environment or .env) it just runs the
command. Otherwise it starts moto in server mode on 127.0.0.1, creates the bucket (private:
nothing in it is public), runs the command with the settings pointing there, and stops the
S3 API when the command ends. The settings are also written to .run/s3-$PORT/local-s3.env.
deploy/s3_cdn/local_stack.py starts the same API, with the public static/ policy and CORS.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BUCKET = "{{ cookiecutter.project_slug | replace('_', '-') }}-assets"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, name: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            sys.exit(f"{name} exited with status {process.returncode}.")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (a loopback URL built here)
            return
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP status: it answers
                return
            time.sleep(0.1)
    sys.exit(f"{name} did not answer {url}.")


def dotenv() -> dict:
    path = PROJECT / ".env"
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.startswith("#")}


def configured(env: dict) -> bool:
    """Whether a real bucket is configured: then nothing local is started."""
    return bool(env.get("DJANGO_S3_ENDPOINT_URL") or env.get("AWS_ACCESS_KEY_ID"))


def run_dir(port: str) -> Path:
    folder = PROJECT / ".run" / f"s3-{port}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def start_local_s3(
    folder: Path, processes: list, policy: str | None = None, cors: dict | None = None
) -> dict:
    """moto in server mode and the bucket; returns (and writes) the settings that reach it."""
    import boto3

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    moto = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes.append(moto)
    wait_until_answering(url, moto, "The local S3 API (moto)")
    # The local S3 API takes any credentials: a fresh throwaway one, never a fixed string.
    credential = secrets.token_hex(8)
    client = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=credential,
        aws_secret_access_key=credential,
    )
    client.create_bucket(Bucket=BUCKET)
    if policy:
        client.put_bucket_policy(Bucket=BUCKET, Policy=policy)
    if cors:
        client.put_bucket_cors(Bucket=BUCKET, CORSConfiguration=cors)
    print(f"Local S3 API on {url}, bucket {BUCKET}")
    settings = {
        "DJANGO_S3_BUCKET": BUCKET,
        "DJANGO_S3_ENDPOINT_URL": url,
        "DJANGO_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": credential,
        "AWS_SECRET_ACCESS_KEY": credential,
    }
    write_settings(folder, settings)
    return settings


def write_settings(folder: Path, settings: dict) -> None:
    """For other commands against the local bucket while it runs, e.g.
    set -a; . .run/s3-8000/local-s3.env; set +a; .venv/bin/python manage.py shell"""
    (folder / "local-s3.env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))


def stop(processes: list) -> None:
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for process in processes:
        process.wait(timeout=30)


@contextlib.contextmanager
def supervised():
    """A list for the processes started inside; SIGTERM, Ctrl-C or an error stops them all,
    the last started first. After Ctrl-C the caller carries on (and returns 0)."""
    processes: list[subprocess.Popen] = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        yield processes
    except KeyboardInterrupt:
        pass
    finally:
        stop(processes)


def main() -> int:
    command = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
    if not command:
        sys.exit("usage: local_s3.py -- COMMAND [ARGS...]")
    env = dict(os.environ)
    if configured({**dotenv(), **env}):
        os.execvpe(command[0], command, env)
    with supervised() as processes:
        env |= start_local_s3(run_dir(env.get("PORT", "8000")), processes)
        server = subprocess.Popen(command, cwd=PROJECT, env=env)
        processes.append(server)
        return server.wait()
    return 0  # Ctrl-C


if __name__ == "__main__":
    sys.exit(main())
