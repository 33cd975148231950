"""Static storages: the strategy's module beside this one holds its storage class.

compressed.py (WhiteNoise, Nginx) writes the .br and .gz copies once per hashed name.

Where several releases are live at once (Nginx, S3 + CDN), each release writes and reads its
own manifest (DJANGO_RELEASE_ID); hashed files are shared and only ever added to, so a page
rendered by the previous release keeps finding its CSS and JS while the next one rolls out,
and after a rollback.
https://docs.djangoproject.com/en/5.2/ref/contrib/staticfiles/#manifeststaticfilesstorage
"""

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

RELEASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def release_id() -> str:
    """This process's release id, or a refusal that says how to set it."""
    value = settings.RELEASE_ID
    if not value:
        raise ImproperlyConfigured(
            "DJANGO_RELEASE_ID is not set: each release reads its own static manifest. Set it "
            "to the release being collected or started, e.g. "
            "DJANGO_RELEASE_ID=$(git rev-parse --short HEAD); the deploy script and the CI "
            "workflow set it."
        )
    if not RELEASE_ID.fullmatch(value):  # "$" alone would let a trailing newline in
        raise ImproperlyConfigured(
            f"DJANGO_RELEASE_ID={value!r} is not a valid release id: use 1-64 letters, digits, "
            "'.', '_' or '-', starting with a letter or digit."
        )
    return value
