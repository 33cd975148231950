"""Uploads in the bucket under media/, private: every link is a signed URL that expires.

Nothing under media/ is public (the bucket policy opens static/ only), so a link works for
DJANGO_MEDIA_URL_EXPIRY seconds and only as signed. https://django-storages.readthedocs.io/
"""

from .base import STORAGES, env
from .s3 import S3_BUCKET, S3_CONNECTION  # noqa: F401 (both are settings)

STORAGES["default"] = {
    "BACKEND": "static_kit.storage.private_s3.PrivateMediaStorage",
    "OPTIONS": {
        **S3_CONNECTION,
        "location": "media",
        "querystring_auth": True,
        "querystring_expire": env.int("DJANGO_MEDIA_URL_EXPIRY", default=3600),
        # A second upload named like the first gets a new name; nothing is ever overwritten.
        "file_overwrite": False,
    },
}
