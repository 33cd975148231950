"""No probe reads outside the static and media roots, on any variant: traversal (`..`, encoded
and doubled), dotfiles, a symlink planted in a root, and for S3 + CDN private bucket objects
through the CDN stand-in. Requests are sent raw, so nothing normalises them on the way.

Each server that answers for static files is probed: gunicorn with WhiteNoise, nginx, and the
CDN stand-in in front of the bucket. A probe passes when it is not a 200 and its body holds
none of the planted or secret contents.
"""

import http.client
import re
import shutil
from urllib.parse import urlsplit

import pytest
import requests

from harness.crawl import crawl_assets
from harness.servers import raw_get
from harness.sites import s3_client

pytestmark = pytest.mark.serving

# Planted contents; none may ever come back.
PLANTED, OUTSIDE, PRIVATE = b"PLANTED-DOTFILE", b"OUTSIDE-THE-ROOTS", b"PRIVATE-OBJECT"

PROBES = [
    "/static../.env",
    "/static/../.env",
    "/static/%2e%2e/.env",
    "/static/..%2f.env",
    "/static/%2e%2e%2f.env",
    "/static/%252e%252e/.env",
    "/static/css/../../.env",
    "/static/./../.env",
    "/static/.hidden",
    "/static/.git/config",
    "/static/css/leak.css",
    "/static//etc/passwd",
    "/static/..\\.env",
    "/static../db.sqlite3",
    "/static/../manage.py",
    "/media../.env",
    "/media/../.env",
    "/media/.env",
    "/media/%2e%2e/db.sqlite3",
    "/media/leak.txt",
]
# Through the CDN stand-in: bucket objects outside static/ (uploads, manifests).
CDN_PROBES = [
    "/static/../media/planted-probe.txt",
    "/static/%2e%2e/media/planted-probe.txt",
    "/static/..%2fmedia/planted-probe.txt",
    "/static/%2e%2e%2fmedia%2fplanted-probe.txt",
    "/media/planted-probe.txt",
    "/static/../manifests/local.json",
    "/static/%2e%2e/manifests/local.json",
    "/manifests/local.json",
    "/static/.hidden",
]


def probe_count(answers: dict) -> int:
    """Raw requests one run sends: to the site, and to the CDN stand-in for S3 + CDN."""
    cdn = answers["serving_strategy"] == "s3_cdn"
    return len(PROBES) + (len(CDN_PROBES) + len(PROBES) if cdn else 0)


def plant(site, tmp_path) -> list:
    """Files a careless deploy could leave: a dotfile, a .git folder, symlinks out."""
    project = site.project
    outside = tmp_path / "outside.txt"
    outside.write_bytes(OUTSIDE)
    static, media = project / "staticfiles", project / "media"
    media.mkdir(exist_ok=True)
    (static / ".hidden").write_bytes(PLANTED)
    (static / ".git").mkdir()
    (static / ".git" / "config").write_bytes(PLANTED)
    (static / "css" / "leak.css").symlink_to(outside)
    (media / "leak.txt").symlink_to(outside)
    return [static / ".hidden", static / ".git", static / "css" / "leak.css", media / "leak.txt"]


def remove(paths: list) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def leaked(port: int, probes: list[str], secrets: list[bytes]) -> list[str]:
    found = []
    for path in probes:
        status, body = raw_get(port, path)
        if status == 200 or any(secret in body for secret in secrets):
            found.append(f"{path}: {status}, {body[:80]!r}")
    return found


@pytest.mark.threat(
    "Served files", "Traversal and hidden-file probes (raw requests)", cases=probe_count
)
def test_no_probe_reads_outside_the_roots(site, tmp_path):
    secret_key = re.search(r"DJANGO_SECRET_KEY=(\S+)", (site.project / ".env").read_text())[1]
    secrets = [secret_key.encode(), PLANTED, OUTSIDE, PRIVATE, b"SQLite format", b"#!/usr/bin"]
    planted = plant(site, tmp_path)
    try:
        leaks = [f"site: {leak}" for leak in leaked(site.port, PROBES, secrets)]
    finally:
        remove(planted)
    stack = site.local_stack_env()
    if "DJANGO_STATIC_CDN_URL" in stack:
        client, bucket = s3_client(site), stack["DJANGO_S3_BUCKET"]
        client.put_object(Bucket=bucket, Key="media/planted-probe.txt", Body=PRIVATE)
        try:
            cdn_port = urlsplit(stack["DJANGO_STATIC_CDN_URL"]).port
            leaks += [f"CDN: {leak}" for leak in leaked(cdn_port, CDN_PROBES + PROBES, secrets)]
        finally:
            client.delete_object(Bucket=bucket, Key="media/planted-probe.txt")
    assert not leaks, f"{site.name}:\n" + "\n".join(leaks)


MANY_RANGES = "bytes=" + ",".join(f"{n}-{n}" for n in range(0, 800, 2))


@pytest.mark.threat("Served files", "400 one-byte ranges of one file: no amplified answer")
def test_many_byte_ranges_never_make_an_answer_bigger_than_the_file(site):
    """Every server that sends static files (granian with WhiteNoise, nginx, the CDN)."""
    _, assets = crawl_assets(requests.Session(), site.url + "/")
    css = next(asset for asset in assets if asset.url.endswith(".css"))
    size = len(css.body)
    parts = urlsplit(css.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(
            "GET", parts.path, headers={"Range": MANY_RANGES, "Accept-Encoding": "identity"}
        )
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status in (200, 206, 416), f"{site.name}: {css.url}: {response.status}"
    assert len(body) <= size, f"{site.name}: {css.url}: {len(body)} bytes for a {size}-byte file"


@pytest.mark.threat("Served files", "A Range with a stale If-Range: the whole file, not a part")
def test_a_range_with_a_stale_if_range_gets_the_whole_file(site):
    """RFC 9110 13.1.5: a client resuming a download of an older copy must not get a part of
    the new one spliced onto it. (WhiteNoise on its own sends the part.)"""
    _, assets = crawl_assets(requests.Session(), site.url + "/")
    css = next(asset for asset in assets if asset.url.endswith(".css"))
    identity = {"Accept-Encoding": "identity"}
    whole = requests.get(css.url, headers=identity, timeout=10)
    ranged = {**identity, "Range": "bytes=0-9"}
    stale = requests.get(css.url, headers={**ranged, "If-Range": '"an-older-copy"'}, timeout=10)
    assert stale.status_code == 200 and stale.content == whole.content, (
        f"{site.name}: {css.url}: {stale.status_code}, {len(stale.content)} bytes"
    )
    if etag := whole.headers.get("ETag"):
        current = requests.get(css.url, headers={**ranged, "If-Range": etag}, timeout=10)
        assert current.status_code == 206 and current.content == whole.content[:10], site.name


@pytest.mark.threat("Served files", "The staticfiles manifest requested by URL")
def test_the_manifest_is_never_served(site):
    """It lists every collected name, the ones no page links too: not public."""
    for path in ("/static/staticfiles.json", "/static/manifests/local.json"):
        status, _ = raw_get(site.port, path)
        assert status == 404, f"{site.name}: {path} answered {status}"
