"""Nginx strategy: release manifests beside the code, files nginx can read."""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

from . import release_id


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
