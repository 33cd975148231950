"""checks.py: the system checks, and the start-up refusal."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from static_kit.checks import (
    check_static_and_media_roots_are_separate,
    check_static_root_holds_only_public_files,
    refuse_unsafe_start,
)


def test_separate_roots_pass(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.MEDIA_ROOT = tmp_path / "media"
    assert check_static_and_media_roots_are_separate() == []


@pytest.mark.parametrize("plant", ["dotfile", "dotfolder", "symlink"])
def test_private_files_in_static_root_are_refused(settings, tmp_path, plant):
    root = tmp_path / "staticfiles"
    (root / "css").mkdir(parents=True)
    if plant == "dotfile":
        (root / ".env").write_text("DJANGO_SECRET_KEY=leaked")
    elif plant == "dotfolder":
        (root / ".git").mkdir()
    else:
        (root / "css" / "passwd.css").symlink_to("/etc/passwd")
    settings.STATIC_ROOT = root
    (error,) = check_static_root_holds_only_public_files()
    assert error.id == "static.E002"
    with pytest.raises(ImproperlyConfigured, match="static.E002"):
        refuse_unsafe_start()


def test_start_without_a_manifest_is_refused_with_the_command(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_MANIFESTS_ROOT = tmp_path / "manifests"
    with pytest.raises(ImproperlyConfigured, match="collectstatic --noinput"):
        refuse_unsafe_start()


def test_start_with_a_truncated_hashed_file_is_refused_naming_it(collected):
    root, manifest = collected
    hashed = root / manifest["css/site.css"]
    hashed.write_bytes(hashed.read_bytes()[:10])
    with pytest.raises(ImproperlyConfigured, match=manifest["css/site.css"]):
        refuse_unsafe_start()


def test_start_after_collectstatic_is_allowed(collected):
    refuse_unsafe_start()
