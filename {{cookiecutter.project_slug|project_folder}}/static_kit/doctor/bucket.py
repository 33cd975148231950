"""The `bucket` group: the S3 bucket answers, keeps uploads private, and serves static
files with CORS and immutable caching."""

import fnmatch
import json

from django.conf import settings

from ..references import template_static_references
from .findings import FAIL, OK, Context, Finding, listed, private_media, s3_options

# HEADs the doctor sends to read hashed objects' Cache-Control (check_published_static).
CACHE_CONTROL_SAMPLE = 200


def bucket_clients() -> dict[str, tuple]:
    """alias -> (client, bucket, location) for each storage that keeps files in a bucket: the
    client django-storages builds from the project's options, the app's own view."""
    from ..storage.s3 import S3Storage

    return {
        alias: (
            S3Storage(**options).connection.meta.client,
            options["bucket_name"],
            (options.get("location") or "").strip("/"),
        )
        for alias, options in s3_options()
    }


def spread(keys: list[str], first: set[str], most: int) -> list[str]:
    """`first`, then an even spread of the other `keys`, `most` in all (at least `first`)."""
    rest = [key for key in keys if key not in first]
    room = max(most - len(first), 0)
    if len(rest) > room:
        rest = [rest[index * len(rest) // room] for index in range(room)]
    return sorted(first) + rest


def public_read_statements(policy: dict, bucket: str, prefix: str) -> list[str]:
    """The statements that let anyone read objects under `prefix`."""
    found = []
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal")
        anyone = principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        reads = any(fnmatch.fnmatch("s3:GetObject", action) for action in actions)
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        covers = any(
            fnmatch.fnmatch(f"arn:aws:s3:::{bucket}/{prefix}x", resource) for resource in resources
        )
        if statement.get("Effect") == "Allow" and anyone and reads and covers:
            found.append(statement.get("Sid") or json.dumps(statement))
    return found


def check_bucket(context: Context) -> list[Finding]:
    """S3: each bucket answers with the configured credentials; the uploads' prefix is not
    public (S3 media); S3 + CDN: CORS lets the site's origin fetch fonts, and hashed objects
    are immutable."""
    if not list(s3_options()):
        return []
    from botocore.exceptions import BotoCoreError, ClientError

    buckets = bucket_clients()
    findings, reachable = [], {}
    for client, bucket, _location in buckets.values():
        if bucket in reachable:
            continue
        try:
            client.head_bucket(Bucket=bucket)
            reachable[bucket] = True
            findings.append(Finding("bucket.reachable", OK, f"s3://{bucket} answers"))
        except (BotoCoreError, ClientError) as error:
            reachable[bucket] = False
            findings.append(
                Finding(
                    "bucket.reachable",
                    FAIL,
                    f"s3://{bucket} cannot be reached with the configured credentials: {error}",
                    "Check DJANGO_S3_BUCKET, DJANGO_S3_ENDPOINT_URL, DJANGO_S3_REGION and the "
                    "credentials (AWS_ACCESS_KEY_ID or the machine's role).",
                )
            )
    if "default" in buckets and private_media() and reachable[buckets["default"][1]]:
        client, bucket, location = buckets["default"]
        try:
            policy = json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
        except ClientError:
            policy = {}
        prefix = f"{location}/" if location else ""
        public = public_read_statements(policy, bucket, prefix)
        findings.append(
            Finding(
                "bucket.media_private",
                FAIL,
                f"the bucket policy lets anyone read {prefix or 'the bucket'}: {listed(public)}",
                "Open static/* only (deploy/s3_cdn/bucket-policy.json): uploads must be "
                "reached through signed links.",
            )
            if public
            else Finding(
                "bucket.media_private", OK, f"no policy statement makes {prefix or 'it'} public"
            )
        )
    if "staticfiles" in buckets and reachable[buckets["staticfiles"][1]]:
        client, bucket, _location = buckets["staticfiles"]
        findings += check_published_static(context, client, bucket)
    return findings


def check_published_static(context: Context, client, bucket: str) -> list[Finding]:
    """S3 + CDN: CORS lets the site's origin fetch fonts; hashed objects are immutable.

    A listing does not return an object's Cache-Control, so that takes a HEAD each:
    CACHE_CONTROL_SAMPLE of them, every object the templates link and an even spread of the
    rest (at 20,000 files, every one would take minutes against a local S3 API). The
    publisher sets the header on every upload, so a wrong one is a publish by something else,
    which leaves its mark on many objects, not one."""
    storage, manifest = context.storage, context.manifest
    if not manifest or not hasattr(storage, "published_location"):
        return []
    from botocore.exceptions import ClientError

    from ..storage.s3_cdn import head_objects  # botocore: only where a bucket is used

    findings = []
    # The public origins pages are served from (not the test client's or a local run's).
    local = {"*", "", "testserver", "localhost", "127.0.0.1", "[::1]"}
    origins = [
        f"https://{host}"
        for host in settings.ALLOWED_HOSTS
        if host not in local and not host.startswith(".")
    ]
    try:
        rules = client.get_bucket_cors(Bucket=bucket)["CORSRules"]
    except ClientError:
        rules = []
    allowed = {
        o
        for rule in rules
        if "GET" in rule.get("AllowedMethods", [])
        for o in rule.get("AllowedOrigins", [])
    }
    uncovered = [origin for origin in origins if origin not in allowed and "*" not in allowed]
    findings.append(
        Finding(
            "bucket.cors",
            FAIL,
            f"no CORS rule lets {listed(uncovered)} GET from the bucket: web fonts from the "
            "CDN are blocked",
            f"aws s3api put-bucket-cors --bucket {bucket} --cors-configuration "
            "file://deploy/s3_cdn/cors.json",
        )
        if uncovered
        else Finding("bucket.cors", OK, f"CORS allows {listed(origins) or 'every origin'}")
    )
    wrong = []
    every = sorted({f"static/{hashed}" for hashed in manifest.values()})
    linked = {manifest.get(path) for _template, path in template_static_references()}
    keys = spread(every, {f"static/{name}" for name in linked if name}, CACHE_CONTROL_SAMPLE)
    for key, head in head_objects(client, bucket, keys):
        if head is None:
            wrong.append(f"{key} (missing)")
        elif "immutable" not in (cache_control := head.get("CacheControl", "")):
            wrong.append(f"{key} ({cache_control or 'no Cache-Control'})")
    findings.append(
        Finding(
            "bucket.cache_control",
            FAIL,
            f"{len(wrong)} hashed object(s) without immutable caching: {listed(wrong)}",
            "Re-publish with this project's storage (python manage.py collectstatic --noinput): "
            "it sets Cache-Control: public, max-age=31536000, immutable on hashed names.",
        )
        if wrong
        else Finding(
            "bucket.cache_control",
            OK,
            f"{len(keys)} of {len(every)} hashed objects are immutable (each one the templates "
            "link, and an even spread of the rest)"
            if len(keys) < len(every)
            else f"{len(every)} hashed objects are immutable",
        )
    )
    return findings
