"""S3 + CDN: static files live in a bucket and a CDN serves them; granian only renders pages.

collectstatic hashes the files locally, uploads what the bucket lacks, in parallel, and writes
this release's manifest last. https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
"""

from .base import STORAGES, env
from .s3 import S3_BUCKET, S3_CONNECTION  # noqa: F401 (both are settings)

# The release this process belongs to: its manifest is manifests/<release>.json in the bucket.
# The CI workflow publishes it before the code is deployed; without it nothing starts.
RELEASE_ID = env.str("DJANGO_RELEASE_ID", default="")

# Pages link static files on the CDN: https://cdn.example.com/static/css/site.3f2a1c9b7e4d.css
STATIC_CDN_URL = env.str("DJANGO_STATIC_CDN_URL", default="https://cdn.{{ cookiecutter.domain_name }}")
STATIC_URL = f"{STATIC_CDN_URL.rstrip('/')}/static/"

STORAGES["staticfiles"] = {
    "BACKEND": "static_kit.storage.s3_cdn.CDNManifestStaticFilesStorage",
    "OPTIONS": {"s3": S3_CONNECTION},
}
