"""The checks refuse the setups that lose uploads or publish private files."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from {{ cookiecutter.project_slug }}.checks import (
    check_static_and_media_roots_are_separate,
    check_static_root_holds_only_public_files,
    refuse_unsafe_start,
)


def test_media_root_inside_static_root_stops_collectstatic(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.MEDIA_ROOT = tmp_path / "staticfiles" / "media"
    (errors,) = check_static_and_media_roots_are_separate()
    assert errors.id == "static.E001"
    with pytest.raises(SystemCheckError, match="static.E001"):
        # As from the command line: call_command() alone skips the system checks.
        call_command("collectstatic", "--noinput", verbosity=0, skip_checks=False)


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


def test_start_without_collected_files_is_refused_with_the_fix(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "empty"
    settings.RELEASE_ID = "never-collected"  # where each release has its own manifest
    settings.STATIC_MANIFESTS_ROOT = tmp_path / "manifests"
    with pytest.raises(ImproperlyConfigured, match="collectstatic --noinput"):
        refuse_unsafe_start()


def test_start_after_collectstatic_is_allowed(collected_static):
    refuse_unsafe_start()
