"""The `bucket` group: the S3 bucket answers, keeps uploads private, and serves static
files with CORS and immutable caching."""

import fnmatch
import json
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from .findings import FAIL, OK, Context, Finding, listed, private_media, s3_options

HEADS_AT_ONCE = 16


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


def cache_controls(client, bucket: str, keys: list[str]):
    """(key, its Cache-Control, or None when the object is missing), HEADs sent in parallel: one
    round trip per file in a row would take minutes for a large site (the client is
    thread-safe)."""
    from botocore.exceptions import ClientError

    def head(key: str):
        try:
            return key, client.head_object(Bucket=bucket, Key=key).get("CacheControl", "")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return key, None
            raise

    with ThreadPoolExecutor(max_workers=HEADS_AT_ONCE) as pool:
        yield from pool.map(head, keys)


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
    """S3 + CDN: CORS lets the site's origin fetch fonts; every hashed object is immutable."""
    storage, manifest = context.storage, context.manifest
    if not manifest or not hasattr(storage, "published_location"):
        return []
    from botocore.exceptions import ClientError

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
    keys = [f"static/{hashed}" for hashed in sorted(set(manifest.values()))]
    for key, cache_control in cache_controls(client, bucket, keys):
        if cache_control is None:
            wrong.append(f"{key} (missing)")
        elif "immutable" not in cache_control:
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
        else Finding("bucket.cache_control", OK, f"{len(manifest)} hashed objects are immutable")
    )
    return findings
