"""`make run` for the S3 + CDN strategy.

With a bucket configured (DJANGO_S3_ENDPOINT_URL or AWS credentials in the environment or
.env), it publishes this release's static files there and serves with granian (deploy/start).
With none, it needs no cloud account: it starts a local S3 API (moto) and a CDN stand-in (nginx with
proxy_cache, deploy/s3_cdn/local-cdn.conf), creates the bucket with this folder's
bucket-policy.json and cors.json, publishes to it, and serves with DEBUG=False.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from local_s3 import (  # noqa: E402
    PROJECT,
    VENV_BIN,
    configured,
    dotenv,
    free_port,
    run_dir,
    start_local_s3,
    supervised,
    wait_until_answering,
    write_settings,
)

HERE = Path(__file__).resolve().parent
NGINX_HINT = (
    "ERROR: nginx is not installed, and the local CDN stand-in runs on it: "
    "sudo apt-get install nginx (Debian, Ubuntu), sudo dnf install nginx (Fedora) "
    "or brew install nginx (macOS)."
)


def start_local_bucket(folder: Path, port: str, processes: list) -> dict:
    """The local S3 API with the public static/ policy and CORS, and the CDN in front."""
    nginx = (
        os.environ.get("NGINX")
        or shutil.which("nginx")
        or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    )
    if nginx is None or not os.access(nginx, os.X_OK):
        sys.exit(NGINX_HINT)
    cors = json.loads((HERE / "cors.json").read_text())
    for rule in cors["CORSRules"]:
        rule["AllowedOrigins"] = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    settings = start_local_s3(folder, processes, (HERE / "bucket-policy.json").read_text(), cors)
    cdn_port = free_port()
    values = {
        "RUN_DIR": str(folder),
        "CDN_LISTEN": f"127.0.0.1:{cdn_port}",
        "S3_ORIGIN": f"{settings['DJANGO_S3_ENDPOINT_URL']}/{settings['DJANGO_S3_BUCKET']}",
        # As root, nginx would switch its workers to `nobody`.
        "WORKER_USER": "user root;" if os.geteuid() == 0 else "",
    }
    template = (HERE / "local-cdn.conf").read_text()
    config = folder / "cdn.conf"
    config.write_text(re.sub(r"\$\{([A-Z][A-Z0-9_]*)\}", lambda m: values[m.group(1)], template))
    cdn = subprocess.Popen([nginx, "-p", str(folder), "-c", str(config), "-g", "daemon off;"])
    processes.append(cdn)
    wait_until_answering(f"http://127.0.0.1:{cdn_port}/", cdn, "The CDN stand-in (nginx)")
    print(f"CDN stand-in on http://127.0.0.1:{cdn_port}/")
    settings["DJANGO_STATIC_CDN_URL"] = f"http://127.0.0.1:{cdn_port}"
    write_settings(folder, settings)
    return settings


def main() -> int:
    # make run passes PORT: the site listens there; the local S3 API and CDN on ports of their own.
    port = os.environ.get("PORT", "8000")
    env = dict(os.environ)
    with supervised() as processes:
        if not configured({**dotenv(), **env}):
            env |= start_local_bucket(run_dir(port), port, processes)
        python = str(VENV_BIN / "python")
        started = time.monotonic()
        publish = subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput"], cwd=PROJECT, env=env, check=False
        )
        if publish.returncode != 0:
            return publish.returncode
        print(f"Published static files in {time.monotonic() - started:.1f} s", flush=True)
        # The app server as production starts it (deploy/start), on 127.0.0.1 only.
        server = subprocess.Popen(
            ["deploy/start"],
            cwd=PROJECT,
            env={**env, "GRANIAN_HOST": "127.0.0.1", "VENV": str(VENV_BIN.parent)},
        )
        processes.append(server)
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
    return 0  # Ctrl-C


if __name__ == "__main__":
    sys.exit(main())
