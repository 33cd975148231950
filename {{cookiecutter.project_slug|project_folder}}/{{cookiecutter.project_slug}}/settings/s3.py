"""The S3 bucket and how to reach it, for whatever this project keeps there.

Leave DJANGO_S3_ENDPOINT_URL empty for AWS; set it for an S3-compatible provider (R2, MinIO,
Spaces: see the README). Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or
the machine's role. https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
"""

from urllib.parse import urlsplit

from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured

from .base import env

DEFAULT_BUCKET = "{{ cookiecutter.project_slug | replace('_', '-') }}-assets"
S3_BUCKET = env.str("DJANGO_S3_BUCKET", default=DEFAULT_BUCKET)
S3_ENDPOINT_URL = env.str("DJANGO_S3_ENDPOINT_URL", default="")
S3_ADDRESSING_STYLE = env.str("DJANGO_S3_ADDRESSING_STYLE", default="virtual")
# Checked here, where the mistake is: botocore would stop each process with a traceback.
endpoint = urlsplit(S3_ENDPOINT_URL)
if S3_ENDPOINT_URL and not (
    endpoint.scheme in {"http", "https"} and endpoint.hostname and endpoint.path in {"", "/"}
):
    raise ImproperlyConfigured(
        f"DJANGO_S3_ENDPOINT_URL={S3_ENDPOINT_URL!r} is not an S3 API endpoint: give its scheme "
        "and host, e.g. https://<account>.r2.cloudflarestorage.com or http://127.0.0.1:9000, "
        "or leave it empty for AWS."
    )
if S3_ADDRESSING_STYLE not in {"virtual", "path", "auto"}:
    raise ImproperlyConfigured(
        f"DJANGO_S3_ADDRESSING_STYLE={S3_ADDRESSING_STYLE!r} is not virtual, path or auto: "
        "virtual for AWS, path for MinIO and most self-hosted S3 APIs."
    )
S3_CONNECTION = {
    "bucket_name": S3_BUCKET,
    "endpoint_url": S3_ENDPOINT_URL or None,
    "region_name": env.str("DJANGO_S3_REGION", default="us-east-1"),
    "client_config": Config(
        s3={"addressing_style": S3_ADDRESSING_STYLE},
        # Presigned URLs must be SigV4; django-storages would otherwise sign some as SigV2.
        signature_version="s3v4",
        # An endpoint that takes the connection and never answers held a start for 3 minutes
        # (botocore's 60 s, read and connect, each try): seconds here, and 3 tries in all.
        connect_timeout=5,
        read_timeout=15,
        retries={"mode": "standard"},
    ),
    # New buckets reject ACLs: what is public is decided by the bucket policy alone.
    "default_acl": None,
}
