"""What several of the library's tests share: a STATIC_ROOT filled by a real collectstatic."""

import pytest
from django.core.management import call_command


@pytest.fixture
def collected(settings, tmp_path):
    """collectstatic of this folder's static/ into a fresh STATIC_ROOT: (root, manifest)."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATIC_MANIFESTS_ROOT = tmp_path / "manifests"
    call_command("collectstatic", "--noinput", verbosity=0)
    from django.core.files.storage import storages

    return settings.STATIC_ROOT, dict(storages["staticfiles"].hashed_files)
