"""The S3 bucket and how to reach it, for whatever this project keeps there.

Leave DJANGO_S3_ENDPOINT_URL empty for AWS; set it for an S3-compatible provider (R2, MinIO,
Spaces: see the README). Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or
the machine's role. https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
"""

from .base import env

DEFAULT_BUCKET = "{{ cookiecutter.project_slug | replace('_', '-') }}-assets"
S3_BUCKET = env.str("DJANGO_S3_BUCKET", default=DEFAULT_BUCKET)
S3_CONNECTION = {
    "bucket_name": S3_BUCKET,
    "endpoint_url": env.str("DJANGO_S3_ENDPOINT_URL", default="") or None,
    "region_name": env.str("DJANGO_S3_REGION", default="us-east-1"),
    # Presigned URLs must be SigV4; django-storages would otherwise sign some as SigV2.
    "signature_version": "s3v4",
    "addressing_style": env.str("DJANGO_S3_ADDRESSING_STYLE", default="virtual"),
    # New buckets reject ACLs: what is public is decided by the bucket policy alone.
    "default_acl": None,
}
