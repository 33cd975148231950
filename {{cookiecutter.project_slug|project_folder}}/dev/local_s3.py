"""The local S3 API: a process of dev/Procfile when no bucket is configured (no cloud account).

    .venv/bin/python dev/local_s3.py --port PORT --settings FILE [--public-static]

dev/Procfile passes the port and the file dev/serve chose. It runs moto in server mode on
127.0.0.1:PORT (refusing an expired signed link, as S3 does and moto does not), creates the
bucket (private: nothing in it is public; with --public-static, static/ is public with
deploy/s3_cdn's policy and CORS, as S3 + CDN needs), writes the settings that reach it, and
runs until honcho stops it. The processes that use the bucket start once the settings file is
there (`dev/serve after`).

moto keeps everything in memory (it has no persistence, moto#9755), so the uploads (media/) are
kept on disk in .local-s3/ as well, like the database beside them: copied there every 2 s and
when the process stops, and put back into the bucket when it starts. (SeaweedFS, a store that
persists by itself, does not enforce the bucket policy that keeps uploads private, which the
local run must show.)
"""

import argparse
import contextlib
import json
import os
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BUCKET = "{{ cookiecutter.project_slug | replace('_', '-') }}-assets"
# Where the local bucket's uploads are kept between runs (git-ignored).
KEPT = PROJECT / ".local-s3"
KEPT_PREFIX = "media/"
# What an object keeps besides its bytes: what the storage set when it uploaded it.
KEPT_HEADERS = ("ContentType", "ContentDisposition", "CacheControl", "ContentEncoding")
S3_CDN = PROJECT / "deploy" / "s3_cdn"


def start_bucket(port: int, public_static: bool, site_port: int) -> tuple:
    """moto on 127.0.0.1:port and the bucket in it: (the server, a client, the settings)."""
    import logging

    import boto3

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request

    server = LocalS3Server(port)
    url = f"http://127.0.0.1:{port}"
    # The local S3 API takes any credentials: a fresh throwaway one, never a fixed string.
    credential = secrets.token_hex(8)
    settings = {
        "DJANGO_S3_BUCKET": BUCKET,
        "DJANGO_S3_ENDPOINT_URL": url,
        "DJANGO_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": credential,
        "AWS_SECRET_ACCESS_KEY": credential,
    }
    client = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=credential,
        aws_secret_access_key=credential,
    )
    client.create_bucket(Bucket=BUCKET)
    if public_static:
        client.put_bucket_policy(Bucket=BUCKET, Policy=(S3_CDN / "bucket-policy.json").read_text())
        cors = json.loads((S3_CDN / "cors.json").read_text())
        for rule in cors["CORSRules"]:
            rule["AllowedOrigins"] = [
                f"http://127.0.0.1:{site_port}",
                f"http://localhost:{site_port}",
            ]
        client.put_bucket_cors(Bucket=BUCKET, CORSConfiguration=cors)
    return server, client, settings


class LocalS3Server:
    """moto's S3 API on 127.0.0.1:port in a thread (as moto's ThreadedMotoServer runs it), with
    one thing of S3's that moto lacks: a signed link used after its X-Amz-Expires is refused,
    403 "Request has expired", so that a private upload's link expires here as it does on S3."""

    def __init__(self, port: int):
        import threading

        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        moto = DomainDispatcherApplication(create_backend_app)
        self.server = make_server("127.0.0.1", port, expiring_links(moto), threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


EXPIRED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)


def expiring_links(app):
    """The WSGI app `app`, refusing a presigned request whose X-Amz-Date + X-Amz-Expires has
    passed (SigV4 query signing, what django-storages issues)."""
    from datetime import UTC, datetime, timedelta
    from urllib.parse import parse_qs

    def checked(environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        try:
            signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
            until = signed.replace(tzinfo=UTC) + timedelta(seconds=int(query["X-Amz-Expires"][0]))
        except (KeyError, ValueError):  # not a presigned request: moto answers it
            until = None
        if until is not None and datetime.now(UTC) > until:
            start_response("403 Forbidden", [("Content-Type", "application/xml")])
            return [EXPIRED]
        return app(environ, start_response)

    return checked


class KeptUploads:
    """media/ of the local bucket, kept in a folder: data/<key> holds the bytes, meta/<key>
    the headers."""

    def __init__(self, client, bucket: str, folder: Path):
        self.client, self.bucket, self.folder = client, bucket, folder
        self.seen: dict[str, str] = {}  # key -> the ETag copied

    def restore(self) -> int:
        """Put every kept upload back into the (empty) bucket."""
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


def write_whole(path: Path, data: bytes) -> None:
    """All or nothing: a temporary file beside `path`, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".partial")
    with os.fdopen(handle, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="where to listen, on 127.0.0.1")
    parser.add_argument(
        "--settings", type=Path, required=True, help="the .env file to write its settings to"
    )
    parser.add_argument("--public-static", action="store_true", help="static/ public, with CORS")
    parser.add_argument("--site-port", type=int, default=8000, help="the origin CORS allows")
    parser.add_argument("--cdn-url", default="", help="the CDN stand-in, for other commands")
    args = parser.parse_args()
    settings_file = args.settings
    stopping = []  # a plain flag: a handler must not take a lock the main thread may hold
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    server, client, settings = start_bucket(args.port, args.public_static, args.site_port)
    if args.cdn_url:
        settings["DJANGO_STATIC_CDN_URL"] = args.cdn_url
    try:
        kept = KeptUploads(client, BUCKET, KEPT)
        restored = kept.restore()
        # Written whole, and last: the processes waiting for it find the bucket ready.
        write_whole(settings_file, "".join(f"{k}={v}\n" for k, v in settings.items()).encode())
        url = settings["DJANGO_S3_ENDPOINT_URL"]
        print(f"Local S3 API on {url}, bucket {BUCKET}; {restored} upload(s) restored from {KEPT}")
        print(f"Its settings, for other commands while it runs: {settings_file}", flush=True)
        # Every 2 s: the stop copies the last uploads anyway; this bounds what a kill -9 loses.
        while not stopping:
            for _ in range(20):
                if not stopping:
                    time.sleep(0.1)
            with contextlib.suppress(Exception):  # moto busy: the next round
                kept.copy_new()
        kept.copy_new()  # the last uploads, moto still up in this process
    finally:
        # The settings would point at nothing once the API stops.
        settings_file.unlink(missing_ok=True)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
