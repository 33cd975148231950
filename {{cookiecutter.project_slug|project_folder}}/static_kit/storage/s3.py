"""django-storages' S3Storage, with one botocore data loader for the whole process.

django-storages makes a new boto3 session for every connection (per storage, per thread,
signed and unsigned), and each new session parses botocore's S3 service model again: about
0.1 s of CPU a connection, paid at every start-up and on every thread's first request. The
parsed model never changes, so the sessions here share the loader that holds it; credentials,
profiles and configuration stay per session exactly as django-storages sets them.

The hook is S3Storage._create_session, the one method here that is not django-storages' public
API: it is the only place a session is made. static_kit/tests/test_s3_sessions.py fails if a
django-storages release stops calling it (the loader would no longer be shared).
"""

import threading
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.loaders
import botocore.session
from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage as StockS3Storage

_loader = None
_lock = threading.Lock()


def shared_loader() -> botocore.loaders.Loader:
    """This process's botocore data loader (made on first use)."""
    global _loader  # noqa: PLW0603 (one per process, on purpose)
    with _lock:
        if _loader is None:
            _loader = botocore.loaders.create_loader()
        return _loader


def new_session(**credentials) -> boto3.Session:
    """A boto3 session, as boto3.Session(**credentials) makes it, on the shared loader."""
    loader = shared_loader()
    core = botocore.session.get_session()
    core.register_component("data_loader", loader)
    with _lock:
        session = boto3.Session(botocore_session=core, **credentials)
        # Each new session appends boto3's data folder to the loader's search path: kept once.
        paths = loader.search_paths
        paths[:] = dict.fromkeys(paths)
    return session


class S3Storage(StockS3Storage):
    """S3Storage whose connections share this process's parsed service model."""

    def _create_session(self):
        # As django-storages does: a profile name wins over keys found elsewhere.
        if self.session_profile:
            return new_session(profile_name=self.session_profile)
        return new_session(
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=self.security_token,
        )


def checked_connection(endpoint_url: str, addressing_style: str, bucket: str) -> None:
    """Refuse, in one line, an S3 endpoint or addressing style botocore would stop each process
    on with a traceback (settings/s3.py, through client_config: where the mistake is)."""
    endpoint = urlsplit(endpoint_url)
    if endpoint_url and not (endpoint.scheme in {"http", "https"} and endpoint.hostname):
        raise ImproperlyConfigured(
            f"DJANGO_S3_ENDPOINT_URL={endpoint_url!r} is not an S3 API endpoint: give its "
            "scheme and host, e.g. https://<account>.r2.cloudflarestorage.com or "
            "http://127.0.0.1:9000, or leave it empty for AWS."
        )
    last = endpoint.path.rstrip("/").rsplit("/", 1)[-1]
    if endpoint_url and bucket and last == bucket:  # a path of its own is fine (Supabase)
        raise ImproperlyConfigured(
            f"DJANGO_S3_ENDPOINT_URL={endpoint_url!r} ends in the bucket's name: give the S3 "
            "API's URL alone; the bucket is DJANGO_S3_BUCKET."
        )
    if addressing_style not in {"virtual", "path", "auto"}:
        raise ImproperlyConfigured(
            f"DJANGO_S3_ADDRESSING_STYLE={addressing_style!r} is not virtual, path or auto: "
            "virtual for AWS, path for MinIO and most self-hosted S3 APIs."
        )


def client_config(
    endpoint_url: str, addressing_style: str, bucket: str, **options
) -> botocore.config.Config:
    """The botocore Config of the project's S3 connections, once checked_connection passed
    (django-storages' client_config: with it, django-storages reads neither
    AWS_S3_CLIENT_CONFIG nor AWS_S3_PROXIES; other botocore options, proxies or checksums, go
    in `options`). https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html"""
    checked_connection(endpoint_url, addressing_style, bucket)
    return botocore.config.Config(
        s3={"addressing_style": addressing_style},
        # Presigned URLs must be SigV4; django-storages would otherwise sign some as SigV2.
        signature_version="s3v4",
        # An endpoint that takes the connection and never answers held a start for 3 minutes
        # (botocore's 60 s, read and connect, each of its 3 tries; AWS_MAX_ATTEMPTS sets them).
        connect_timeout=5,
        read_timeout=15,
        **options,
    )
