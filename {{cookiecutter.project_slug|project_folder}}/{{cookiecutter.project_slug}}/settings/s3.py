"""The S3 bucket and how to reach it, for whatever this project keeps there: DJANGO_S3_ENDPOINT_URL
empty for AWS, else an S3-compatible provider's (R2, MinIO, Spaces: see the README); credentials
from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the machine's role (django-storages' S3)."""

from static_kit.storage.s3 import client_config

from .base import env

DEFAULT_BUCKET = "{{ cookiecutter.project_slug | replace('_', '-') }}-assets"
S3_BUCKET = env.str("DJANGO_S3_BUCKET", default=DEFAULT_BUCKET)
S3_ENDPOINT_URL = env.str("DJANGO_S3_ENDPOINT_URL", default="")
S3_ADDRESSING_STYLE = env.str("DJANGO_S3_ADDRESSING_STYLE", default="virtual")
S3_CONNECTION = {
    "bucket_name": S3_BUCKET,
    "endpoint_url": S3_ENDPOINT_URL or None,
    "region_name": env.str("DJANGO_S3_REGION", default="us-east-1"),
    # Checked (a one-line error, not botocore's traceback); timeouts of seconds, SigV4.
    "client_config": client_config(S3_ENDPOINT_URL, S3_ADDRESSING_STYLE, S3_BUCKET),
    # New buckets reject ACLs: what is public is decided by the bucket policy alone.
    "default_acl": None,
}
