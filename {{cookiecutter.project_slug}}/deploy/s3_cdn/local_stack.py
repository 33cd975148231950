"""`make run` for the S3 + CDN strategy.

With a bucket configured (DJANGO_S3_ENDPOINT_URL or AWS credentials in the environment or
.env), it publishes this release's static files there and serves with gunicorn. With none,
it needs no cloud account: it starts a local S3 API (moto) and a CDN stand-in (nginx with
proxy_cache, deploy/s3_cdn/local-cdn.conf), creates the bucket with this folder's
bucket-policy.json and cors.json, publishes to it, and serves with DEBUG=False.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
VENV_BIN = Path(sys.executable).parent
NGINX_HINT = (
    "nginx is not installed, and the local CDN stand-in runs on it.\n"
    "Install it: sudo apt-get install nginx (Debian, Ubuntu), brew install nginx (macOS)."
)


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


def configured(env: dict) -> bool:
    return bool(env.get("DJANGO_S3_ENDPOINT_URL") or env.get("AWS_ACCESS_KEY_ID"))


def dotenv() -> dict:
    path = PROJECT / ".env"
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.startswith("#")}


def start_local_bucket(run_dir: Path, port: str, processes: list) -> dict:
    """moto in server mode, the bucket with its policy and CORS, the CDN in front."""
    import boto3

    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if nginx is None:
        sys.exit(NGINX_HINT)
    s3_port, cdn_port = free_port(), free_port()
    s3_url = f"http://127.0.0.1:{s3_port}"
    moto = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    processes.append(moto)
    wait_until_answering(s3_url, moto, "The local S3 API (moto)")

    # The local S3 API takes any credentials: a fresh throwaway one, never a fixed string.
    credential = secrets.token_hex(8)
    policy = (HERE / "bucket-policy.json").read_text()
    bucket = re.search(r"arn:aws:s3:::([^/\"]+)/", policy).group(1)
    site_origins = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    cors = json.loads((HERE / "cors.json").read_text())
    for rule in cors["CORSRules"]:
        rule["AllowedOrigins"] = site_origins
    client = boto3.client(
        "s3",
        endpoint_url=s3_url,
        region_name="us-east-1",
        aws_access_key_id=credential,
        aws_secret_access_key=credential,
    )
    client.create_bucket(Bucket=bucket)
    client.put_bucket_policy(Bucket=bucket, Policy=policy)
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)

    values = {
        "RUN_DIR": str(run_dir),
        "CDN_LISTEN": f"127.0.0.1:{cdn_port}",
        "S3_ORIGIN": f"{s3_url}/{bucket}",
        # As root, nginx would switch its workers to `nobody`.
        "WORKER_USER": "user root;" if os.geteuid() == 0 else "",
    }
    config = run_dir / "cdn.conf"
    config.write_text(
        re.sub(
            r"\$\{([A-Z][A-Z0-9_]*)\}",
            lambda m: values[m.group(1)],
            (HERE / "local-cdn.conf").read_text(),
        )
    )
    cdn = subprocess.Popen([nginx, "-p", str(run_dir), "-c", str(config), "-g", "daemon off;"])
    processes.append(cdn)
    wait_until_answering(f"http://127.0.0.1:{cdn_port}/", cdn, "The CDN stand-in (nginx)")
    print(
        f"Local S3 API on {s3_url}, bucket {bucket}; CDN stand-in on http://127.0.0.1:{cdn_port}/"
    )
    settings = {
        "DJANGO_S3_BUCKET": bucket,
        "DJANGO_S3_ENDPOINT_URL": s3_url,
        "DJANGO_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": credential,
        "AWS_SECRET_ACCESS_KEY": credential,
        "DJANGO_STATIC_CDN_URL": f"http://127.0.0.1:{cdn_port}",
    }
    # For other commands against this local bucket while it runs, e.g.
    #   set -a; . .run/s3-8000/local-s3.env; set +a; .venv/bin/python manage.py collectstatic
    (run_dir / "local-s3.env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    return settings


def main() -> int:
    port = os.environ.get("PORT", "8000")
    run_dir = PROJECT / ".run" / f"s3-{port}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    processes: list[subprocess.Popen] = []
    env = dict(os.environ)

    def stop(*_):
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait(timeout=30)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if not configured({**dotenv(), **env}):
            env |= start_local_bucket(run_dir, port, processes)
        python = str(VENV_BIN / "python")
        publish = subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput"], cwd=PROJECT, env=env, check=False
        )
        if publish.returncode != 0:
            return publish.returncode
        gunicorn = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "--config",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=PROJECT,
            env=env,
        )
        processes.append(gunicorn)
        cdn = env.get("DJANGO_STATIC_CDN_URL") or dotenv().get("DJANGO_STATIC_CDN_URL", "")
        print(
            f"Serving http://127.0.0.1:{port}/ with DEBUG=False (static files from the CDN "
            f"at {cdn}). Ctrl-C stops.",
            flush=True,
        )
        while all(process.poll() is None for process in processes):
            time.sleep(0.2)
        print("A server stopped on its own; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
