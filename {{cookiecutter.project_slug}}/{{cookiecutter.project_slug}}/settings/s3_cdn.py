"""S3 + CDN: static files live in a bucket and a CDN serves them; gunicorn only renders pages.

collectstatic hashes the files locally, uploads what the bucket lacks, in parallel, and writes
this release's manifest last. https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
"""

from .base import STORAGES, env

SERVING_STRATEGY_LABEL = "a CDN in front of an S3 bucket"

# The release this process belongs to: its manifest is manifests/<release>.json in the bucket.
# The CI workflow publishes it before the code is deployed; without it nothing starts.
RELEASE_ID = env.str("DJANGO_RELEASE_ID", default="")

# The bucket, and how to reach it. Leave DJANGO_S3_ENDPOINT_URL empty for AWS; set it for an
# S3-compatible provider (R2, MinIO, Spaces: see the README). Credentials come from the usual
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables, or the machine's role.
S3_BUCKET = env.str("DJANGO_S3_BUCKET", default="{{ cookiecutter.project_slug | replace('_', '-') }}-assets")
S3_CONNECTION = {
    "bucket_name": S3_BUCKET,
    "endpoint_url": env.str("DJANGO_S3_ENDPOINT_URL", default="") or None,
    "region_name": env.str("DJANGO_S3_REGION", default="us-east-1"),
    # Presigned URLs must be SigV4; django-storages would otherwise sign some as SigV2.
    "signature_version": "s3v4",
    "addressing_style": env.str("DJANGO_S3_ADDRESSING_STYLE", default="virtual"),
    # New buckets reject ACLs: public read of static/ comes from the bucket policy.
    "default_acl": None,
}

# Pages link static files on the CDN: https://cdn.example.com/static/css/site.3f2a1c9b7e4d.css
STATIC_CDN_URL = env.str("DJANGO_STATIC_CDN_URL", default="https://cdn.{{ cookiecutter.domain_name }}")
STATIC_URL = f"{STATIC_CDN_URL.rstrip('/')}/static/"

STORAGES["staticfiles"] = {
    "BACKEND": "{{ cookiecutter.project_slug }}.storage.s3_cdn.CDNManifestStaticFilesStorage",
    "OPTIONS": {"s3": S3_CONNECTION},
}
