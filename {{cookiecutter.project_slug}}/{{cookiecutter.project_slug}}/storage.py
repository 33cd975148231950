"""Static storage for deploys where several releases share one static root.

Each release writes and reads its own manifest (DJANGO_RELEASE_ID), kept outside the public
static root. Hashed files are shared and only ever added to, so a page rendered by the
previous release keeps finding its CSS and JS while the next one rolls out, and after a
rollback. https://docs.djangoproject.com/en/5.2/ref/contrib/staticfiles/#manifeststaticfilesstorage
"""

import os
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

RELEASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def release_id() -> str:
    """This process's release id, or a refusal that says how to set it."""
    value = settings.RELEASE_ID
    if not value:
        raise ImproperlyConfigured(
            "DJANGO_RELEASE_ID is not set: each release reads its own static manifest. Set it "
            "to the release being collected or started, e.g. "
            "DJANGO_RELEASE_ID=$(git rev-parse --short HEAD) (deploy/nginx/deploy.sh does)."
        )
    if not RELEASE_ID.match(value):
        raise ImproperlyConfigured(
            f"DJANGO_RELEASE_ID={value!r} is not a valid release id: use 1-64 letters, digits, "
            "'.', '_' or '-', starting with a letter or digit."
        )
    return value


class ReleaseManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names, .gz and .br copies (WhiteNoise's compressor), one manifest per release,
    and files the web server's user can read whatever the deploy user's umask."""

    def __init__(self, *args, **kwargs):
        self.manifest_name = f"{release_id()}.json"
        manifests = FileSystemStorage(location=settings.STATIC_MANIFESTS_ROOT)
        super().__init__(*args, manifest_storage=manifests, **kwargs)

    def post_process(self, *args, **kwargs):
        # WhiteNoise writes the compressed copies itself, past file_permissions_mode.
        for name, hashed_name, processed in super().post_process(*args, **kwargs):
            if isinstance(hashed_name, str) and self.exists(hashed_name):
                os.chmod(self.path(hashed_name), self.file_permissions_mode or 0o644)
            yield name, hashed_name, processed

    def save_manifest(self):
        super().save_manifest()
        Path(self.manifest_storage.path(self.manifest_name)).chmod(0o644)
