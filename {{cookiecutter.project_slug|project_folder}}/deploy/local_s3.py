"""A local S3 API for `make run` when there is no cloud account.

    .venv/bin/python deploy/local_s3.py -- deploy/whitenoise/serve

With DJANGO_S3_ENDPOINT_URL or AWS credentials set (environment or .env) it just runs the
command. Otherwise it starts moto in server mode on 127.0.0.1, creates the bucket (private:
nothing in it is public), runs the command with the settings pointing there, and stops the
S3 API when the command ends. The settings are also written to .run/s3-$PORT/local-s3.env.
deploy/s3_cdn/local_stack.py starts the same API, with the public static/ policy and CORS.

moto keeps everything in memory (it has no persistence, moto#9755), so the uploads (media/) are
kept on disk in .local-s3/ as well, like the database beside them: copied there within half a
second of each upload and when the stack stops, and put back into the bucket when it starts.
(SeaweedFS, a store that persists by itself, does not enforce the bucket policy that keeps
uploads private, which the local run must show.)
"""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
BUCKET = "{{ cookiecutter.project_slug | replace('_', '-') }}-assets"
# Where the local bucket's uploads are kept between runs (git-ignored).
KEPT = PROJECT / ".local-s3"
KEPT_PREFIX = "media/"
# What an object keeps besides its bytes: what the storage set when it uploaded it.
KEPT_HEADERS = ("ContentType", "ContentDisposition", "CacheControl", "ContentEncoding")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, name: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            sys.exit(f"ERROR: {name} exited with status {process.returncode} (see above).")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (a loopback URL built here)
            return
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP status: it answers
                return
            time.sleep(0.1)
    sys.exit(f"ERROR: {name} did not answer {url}.")


def die_with_parent() -> None:
    """In the child, before it starts: a SIGTERM when this script dies, even by SIGKILL (Linux;
    elsewhere the supervisor's own stop is all there is)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


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
    # In a session of its own: Ctrl-C (or a SIGTERM to the whole group) reaches this script,
    # which copies the last uploads out before it stops moto; moto still dies with it.
    moto = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent,  # only sets a signal: safe before exec
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
    kept = KeptUploads(client, BUCKET, KEPT)
    restored = kept.restore()
    processes.append(kept)  # stopped after the app server, before moto: a last copy
    print(f"Local S3 API on {url}, bucket {BUCKET}; {restored} upload(s) restored from {KEPT}")
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


class KeptUploads:
    """media/ of the local bucket, kept in a folder: data/<key> holds the bytes, meta/<key>
    the headers. Supervised like a process (poll, terminate, wait) so that it stops in turn."""

    def __init__(self, client, bucket: str, folder: Path):
        self.client, self.bucket, self.folder = client, bucket, folder
        self.seen: dict[str, str] = {}  # key -> the ETag copied
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.keep_copying, daemon=True)

    def restore(self) -> int:
        """Put every kept upload back into the (empty) bucket; then start copying new ones."""
        count = 0
        for meta in sorted((self.folder / "meta").rglob("*")):
            if not meta.is_file():
                continue
            key = meta.relative_to(self.folder / "meta").as_posix()
            data = self.folder / "data" / key
            if data.is_file():
                headers = json.loads(meta.read_text())
                answer = self.client.put_object(
                    Bucket=self.bucket, Key=key, Body=data.read_bytes(), **headers
                )
                self.seen[key] = answer["ETag"]
                count += 1
        self.thread.start()
        return count

    def copy_new(self) -> None:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=KEPT_PREFIX
        )
        for item in (item for page in pages for item in page.get("Contents", [])):
            key, etag = item["Key"], item["ETag"]
            if self.seen.get(key) == etag or ".." in key.split("/"):
                continue
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
            headers = {name: answer[name] for name in KEPT_HEADERS if answer.get(name)}
            write_whole(self.folder / "data" / key, answer["Body"].read())
            write_whole(self.folder / "meta" / key, json.dumps(headers).encode())
            self.seen[key] = etag

    def keep_copying(self) -> None:
        # Every 2 s: a stop copies the last uploads anyway (wait()); this only bounds what a
        # kill -9 could lose, at one listing of media/ per round.
        while not self.stopping.wait(2):
            with contextlib.suppress(Exception):  # moto busy or gone: the next round
                self.copy_new()

    def poll(self):
        return None if self.thread.is_alive() else 0

    def terminate(self) -> None:
        self.stopping.set()

    def wait(self, timeout=None) -> int:
        self.thread.join(timeout)
        with contextlib.suppress(Exception):
            self.copy_new()  # the last uploads, now that the app server has stopped
        return 0


def write_whole(path: Path, data: bytes) -> None:
    """All or nothing: a temporary file beside `path`, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".partial")
    with os.fdopen(handle, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


def stop(processes: list) -> None:
    """The last started first, each stopped before the next (the app server, then the kept
    uploads' last copy, then the S3 API)."""
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def supervised():
    """A list for the processes started inside; SIGTERM, Ctrl-C or an error stops them all,
    the last started first. After Ctrl-C the caller carries on (and returns 0). The settings
    written for other commands (local-s3.env) go with them: they would point at nothing."""
    processes: list[subprocess.Popen] = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        yield processes
    except KeyboardInterrupt:
        pass
    finally:
        stop(processes)
        for folder in (PROJECT / ".run").glob("s3-*"):
            if folder.name == f"s3-{os.environ.get('PORT', '8000')}":
                (folder / "local-s3.env").unlink(missing_ok=True)


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
