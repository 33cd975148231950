"""S3 + CDN strategy: build locally, publish to the bucket, manifest last."""

import contextlib
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from . import release_id
from .atomic import AtomicWritesMixin
from .content_types import content_type as static_content_type
from .incremental import IncrementalPostProcessMixin
from .integrity import damaged_objects, hash_in_name
from .subresource import IntegrityManifestMixin
from .unhashed import MANIFEST_KEY, unhashed_names

# Hashed names never change content: cached for a year, everywhere. Other names may change.
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
# Objects in a listing page: S3's most (and its default).
LIST_PAGE = 1000


class BucketUnreachable(ImproperlyConfigured, CommandError):
    """The bucket could not be read: the server refuses to start, a command exits 1, both
    with this message."""


class PublishError(CommandError):
    """A publish that stopped before this release's manifest was written (collectstatic
    prints the message, without a traceback, and exits 1)."""


class CDNManifestStaticFilesStorage(
    AtomicWritesMixin,
    IntegrityManifestMixin,
    ManifestStaticFilesStorage,
    IncrementalPostProcessMixin,
):
    """Build in STATIC_ROOT, publish to the bucket, manifest after the hashed files.

    collectstatic hashes and rewrites files on the local disk (seconds, where the stock S3
    manifest storage takes minutes), then uploads to static/ in the bucket only the objects
    it lacks: a hashed name that exists has this content already. The release's manifest,
    manifests/<release>.json, is written only after every hashed upload succeeded, and the
    unhashed names every release shares only after it (save_manifest), so a failed or partial
    publish changes nothing that a running release reads. Pages link the CDN
    (STATIC_URL); each process reads its release's manifest from the bucket at start-up.
    """

    # STATIC_ROOT is a build folder here (the bucket is what is served): files are replaced
    # as they are written, all or nothing, and the publish reads them in place.
    stage_replacements = False

    def __init__(self, *args, s3=None, **kwargs):
        from .s3 import S3Storage

        self.manifest_name = f"{release_id()}.json"
        self.s3 = dict(s3 or {})
        manifests = S3Storage(
            location="manifests", querystring_auth=False, file_overwrite=True, **self.s3
        )
        super().__init__(*args, manifest_storage=manifests, **kwargs)

    @property
    def published_location(self) -> str:
        return f"s3://{self.s3['bucket_name']}/static/"

    def damaged_files(self, manifest: dict[str, str]) -> list[str]:
        """Which files of `manifest` the bucket lacks or holds other bytes for (their ETag is
        their MD5): for the start-up check and static_doctor. Listed by `release_objects`:
        pages that start at this release's names, never the whole static/ prefix, which
        holds every kept release."""
        client = self.manifest_storage.connection.meta.client
        found = release_objects(client, self.s3["bucket_name"], set(manifest.values()))
        return damaged_objects(found, manifest)

    def read_manifest(self):
        try:
            manifest = super().read_manifest()
            if manifest is None:  # or no bucket there at all, which S3 answers alike (404)
                self.refuse_a_missing_bucket()
            return manifest
        except (BotoCoreError, ClientError) as error:
            raise BucketUnreachable(
                f"Cannot read manifests/{self.manifest_name} from s3://{self.s3['bucket_name']}: "
                f"{error}. Check DJANGO_S3_ENDPOINT_URL, the bucket name and the credentials "
                "(make run starts a local bucket and publishes to it)."
            ) from error

    def refuse_a_missing_bucket(self) -> None:
        """A bucket name with a typo, or an endpoint that is not an S3 API, answers 404 for the
        manifest too: "run collectstatic" would then be the wrong fix."""
        client = self.manifest_storage.connection.meta.client
        try:
            client.head_bucket(Bucket=self.s3["bucket_name"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket"}:
                return  # not allowed to ask, say: the missing manifest is the news
            where = self.s3.get("endpoint_url") or "AWS"
            raise BucketUnreachable(
                f"There is no bucket s3://{self.s3['bucket_name']} at {where}: check "
                "DJANGO_S3_BUCKET and DJANGO_S3_ENDPOINT_URL (an S3 API's, not the site's or "
                "the CDN's), or create the bucket as the README says."
            ) from error

    def save_manifest(self):
        """Publish this release: its hashed files, then its manifest, then its unhashed names.

        Hashed names are only ever added (one never changes content), so uploading them
        touches nothing a running release reads; the manifest, last among what this release
        alone reads, lets its processes start. Unhashed names (STATIC_UNHASHED_NAMES) are
        shared by every release and replaced, so they go after the manifest: a publish that
        fails before it has changed nothing that is live. Before reading the bucket, the
        release says which names it is about to rely on (`publishing_key`): a prune running
        meanwhile keeps them, although no manifest names them yet (prune.py)."""
        bucket = self.s3["bucket_name"]
        client = self.manifest_storage.connection.meta.client
        # The manifest knows which names are hashed; a file name that merely looks hashed
        # (a vendored lib.0123456789ab.js) is not, and must not be cached forever.
        hashed = set(self.hashed_files.values())
        unhashed = sorted(unhashed_names(self.hashed_files))
        # As Django writes it, with the digests, and sorted keys: the same release gives the
        # same bytes; and what a prune keeps of this release beside its hashed names.
        payload = {**self.manifest_payload(), MANIFEST_KEY: unhashed}
        manifest = json.dumps(payload, sort_keys=True).encode()
        key = f"manifests/{self.manifest_name}"
        pending = publishing_key(self.manifest_name.removesuffix(".json"))
        listed = False  # whether the list of names relied on is in the bucket

        def publish_hashed(list_first: bool) -> dict:
            """The hashed files, after the list of the names relied on where `list_first`."""
            nonlocal listed
            if list_first:
                client.put_object(
                    Bucket=bucket, Key=pending, Body=manifest, ContentType="application/json"
                )
                listed = True
            return publish_static_files(
                Path(self.location), client, bucket, hashed=hashed, only=hashed
            )

        try:
            try:
                written = same_object(client, bucket, key, manifest)
                report = publish_hashed(list_first=not written)
                if written and not same_object(client, bucket, key, manifest):
                    # Pruned while this ran (a release it did not keep): listed, published
                    # again (what went is put back) and its manifest written, as a new one.
                    written = False
                    again = publish_hashed(list_first=True)
                    report = {**again, "uploaded": report["uploaded"] + again["uploaded"]}
                if not written:
                    # Only now can a process of this release start.
                    client.put_object(
                        Bucket=bucket,
                        Key=key,
                        Body=manifest,
                        ContentType="application/json",
                        CacheControl="no-cache",
                    )
                    report["uploaded"] += 1
            except (BotoCoreError, ClientError) as error:
                raise PublishError(
                    f"Publishing to s3://{bucket} failed: {error}. This release's manifest was "
                    "not written, so every running release is unaffected. Check "
                    "DJANGO_S3_ENDPOINT_URL, the bucket and the credentials, then run "
                    "collectstatic again."
                ) from error
            try:
                if unhashed:
                    shared = publish_static_files(
                        Path(self.location),
                        client,
                        bucket,
                        only=set(unhashed),
                        after=UNHASHED_FAILED,
                    )
                    report = {name: report[name] + shared[name] for name in report}
            except (BotoCoreError, ClientError) as error:
                raise PublishError(
                    f"Publishing to s3://{bucket} failed: {error}. {UNHASHED_FAILED}"
                ) from error
        finally:  # done, failed or stopped (Ctrl-C, SIGTERM)
            if listed:
                forget(client, bucket, pending)
        print(
            f"Published to s3://{bucket}: {report['uploaded']} object(s) uploaded, "
            f"{report['unchanged']} already there; release manifest "
            f"manifests/{self.manifest_name}."
        )


# What a failed publish has changed, by where it stopped.
MANIFEST_NOT_WRITTEN = (
    "This release's manifest was not written, so every running release is unaffected; fix the "
    "cause and run collectstatic again (files already uploaded are not sent twice)."
)
UNHASHED_FAILED = (
    "This release's files and manifest are in place, but its unhashed names "
    "(STATIC_UNHASHED_NAMES) may not all be: fix the cause and run collectstatic again before "
    "starting it."
)


# What a publish of a release writes beside the manifests (which a prune reads anyway), under a
# name that is not a manifest's, until its manifest is written: the names it relies on.
PUBLISHING = ".publishing"


def publishing_key(release: str) -> str:
    return f"manifests/{release}{PUBLISHING}"


def forget(client, bucket: str, pending: str) -> None:
    """The list of names a publish relied on, once it is done: where it cannot be deleted (the
    endpoint gone, no s3:DeleteObject), it protects those names for a day, then a prune
    deletes it (prune.py)."""
    with contextlib.suppress(BotoCoreError, ClientError):
        client.delete_object(Bucket=bucket, Key=pending)


def object_parameters(name: str, hashed: bool) -> dict:
    content_type = static_content_type(name)
    if content_type.startswith("text/") or content_type in {
        "application/javascript",
        "image/svg+xml",
    }:
        content_type += "; charset=utf-8"
    return {
        "ContentType": content_type,
        "CacheControl": IMMUTABLE if hashed else SHORT,
    }


def same_object(client, bucket: str, key: str, body: bytes) -> bool:
    """Whether `key` already holds exactly `body` (its MD5 is the object's ETag)."""
    try:
        etag = client.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    except ClientError:
        return False
    return etag == hashlib.md5(body).hexdigest()  # noqa: S324 (S3's ETag, not security)


def head_objects(client, bucket: str, keys: list[str]):
    """(key, its HeadObject answer, or None where the object is missing), in the order of
    `keys`: as many HEADs at once as the client keeps connections (botocore: 10 by default;
    the client is thread-safe). One round trip per object in a row would take minutes at
    20,000 files."""

    def head(key: str):
        try:
            return key, client.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return key, None
            raise

    with ThreadPoolExecutor(max_workers=client.meta.config.max_pool_connections) as pool:
        yield from pool.map(head, keys)


def named(manifest: dict[str, str], unhashed=None) -> set[str]:
    """The static/ names a release (its manifest: name -> hashed name) needs: every hashed
    name, and the `unhashed` names published beside them (STATIC_UNHASHED_NAMES's, recorded
    in the release's manifest; None, as a manifest written before that record says: all).
    A publish sends these and nothing else from the build folder (a cached one holds every
    earlier build), a prune keeps them."""
    return set(manifest.values()) | set(manifest if unhashed is None else unhashed)


def release_objects(client, bucket: str, names: set[str], prefix: str = "static/") -> dict:
    """The listing entries (name relative to `prefix` -> its ListObjectsV2 entry) of those of
    `names` that the bucket holds: what a start-up, a doctor and a publish need of one release.

    A listing page holds 1,000 objects where a HEAD holds one (15-20 times the objects per
    second, here and on S3), but static/ holds every kept release. So the names are taken in
    runs of a page's worth, and each run is listed from just before its first name (StartAfter:
    the name without its last character sorts just before it) until past its last: objects of
    other releases are read only where they sit between this release's names or just after a
    run, at most a page of each, and none before the first name. With every file changed in
    every release, that is at most the kept releases' share (static_prune bounds it); on a
    site with one release, exactly the pages its names fill. The runs are listed at once, as
    many as the client keeps connections (botocore: 10): at 20,000 files the start-up check
    took 5.6 s with its 21 pages one after another against a local S3 API, 4.8 s with them at
    once (there, a page costs moto itself 0.2 s; on S3 the round trip is most of it)."""
    wanted = sorted(prefix + name for name in names)
    runs = [wanted[start : start + LIST_PAGE] for start in range(0, len(wanted), LIST_PAGE)]
    if not runs:
        return {}
    workers = min(len(runs), client.meta.config.max_pool_connections)
    found = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for listed in pool.map(lambda run: listed_run(client, bucket, run, prefix), runs):
            found |= listed
    return found


def listed_run(client, bucket: str, wanted: list[str], prefix: str) -> dict:
    """release_objects' entries for one run of sorted keys, read page by page."""
    found, position, after = {}, 0, ""
    while position < len(wanted):
        # Past what was read, and at least up to just before the next name wanted.
        after = max(after, wanted[position][:-1])
        page = client.list_objects_v2(
            Bucket=bucket, Prefix=prefix, StartAfter=after, MaxKeys=LIST_PAGE
        )
        listed = {item["Key"]: item for item in page.get("Contents", [])}
        # The rest of the prefix is on a page that is not truncated: what it lacks, is missing.
        after = max(listed) if page.get("IsTruncated") else wanted[-1]
        while position < len(wanted) and wanted[position] <= after:
            if (key := wanted[position]) in listed:
                found[key[len(prefix) :]] = listed[key]
            position += 1
    return found


def published_keys(client, bucket: str, prefix: str = "static/") -> dict:
    """Every object under `prefix`, by name relative to it: a listing page per 1,000."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found |= {item["Key"][len(prefix) :]: item for item in page.get("Contents", [])}
    return found


def publish_static_files(
    root: Path,
    client,
    bucket: str,
    prefix: str = "static/",
    workers: int | None = None,
    hashed: frozenset | set = frozenset(),
    only: set | None = None,
    after: str = MANIFEST_NOT_WRITTEN,
) -> dict:
    """Upload to s3://bucket/prefix the files under `root` that the bucket lacks, in parallel.

    One listing replaces a request per file: a `hashed` name (relative to `root`) that exists
    with its name's bytes (its ETag) is skipped outright, another only when its size and MD5
    match. Hashed names go first, then the names that replace an object (unhashed copies), so
    a publish that stops in the first part has changed no object that is already there.
    As many uploads run at once as the client keeps connections (botocore: 10 by default).
    With `only`, the files of those names alone (what the release's manifest needs). A failed
    upload stops it with a PublishError that says so, then `after`: what that leaves.
    """
    workers = workers or client.meta.config.max_pool_connections
    existing = (
        published_keys(client, bucket, prefix)
        if only is None
        else release_objects(client, bucket, only, prefix)
    )
    new, replacing = [], []
    files = sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and (only is None or path.relative_to(root).as_posix() in only)
    )
    for path in files:
        name = path.relative_to(root).as_posix()
        key, there = prefix + name, existing.get(name)
        if there is None:
            new.append((path, key, name in hashed))
        elif name in hashed:
            etag, promised = there["ETag"].strip('"'), hash_in_name(name)
            if "-" in etag or promised is None or etag[:12] == promised:
                continue
            replacing.append((path, key, True))  # a damaged object: its bytes are put back
        elif not intact(there, path):
            replacing.append((path, key, False))

    def upload(item):
        path, key, is_hashed = item
        client.put_object(
            Bucket=bucket, Key=key, Body=path.read_bytes(), **object_parameters(key, is_hashed)
        )

    done, total = 0, len(new) + len(replacing)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part in (sorted(new, key=lambda item: not item[2]), replacing):
            futures = [pool.submit(upload, item) for item in part]
            try:
                for future in as_completed(futures):
                    try:
                        future.result()
                        done += 1
                    except Exception as error:
                        raise PublishError(
                            f"Publishing static files to s3://{bucket}/{prefix} failed after "
                            f"{done} of {total} uploads: {error}. {after}"
                        ) from error
            except BaseException:  # an upload failed, or Ctrl-C, SIGTERM: none queued goes
                for other in futures:
                    other.cancel()
                raise
    return {"uploaded": done, "unchanged": len(files) - total}


def intact(there: dict, path: Path) -> bool:
    """Whether the object listed as `there` holds the bytes of the local file `path`."""
    return (
        there["Size"] == path.stat().st_size
        and there["ETag"].strip('"') == hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324
    )
