"""Nginx strategy: release manifests beside the code, files nginx can read."""

from pathlib import Path

from django.conf import settings

from . import release_id
from .atomic import AtomicFileSystemStorage
from .compressed import CompressedOnceStorage


class ReleaseManifestStaticFilesStorage(CompressedOnceStorage):
    """Hashed names, .gz and .br copies written once (compressed.py), one manifest per release,
    and files the web server's user can read whatever the deploy user's umask."""

    keeps_previous_manifest = False  # each release keeps its own

    def __init__(self, *args, **kwargs):
        self.manifest_name = f"{release_id()}.json"
        manifests = AtomicFileSystemStorage(location=settings.STATIC_MANIFESTS_ROOT)
        super().__init__(*args, manifest_storage=manifests, **kwargs)

    def save_manifest(self):
        super().save_manifest()
        Path(self.manifest_storage.path(self.manifest_name)).chmod(0o644)
