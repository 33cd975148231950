"""This project's collectstatic and start-up refuse the setups that lose uploads or serve a
broken site (static_kit's own tests check each rule; these, the project's storage)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from static_kit.checks import check_static_and_media_roots_are_separate, refuse_unsafe_start


def test_media_root_inside_static_root_stops_collectstatic(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.MEDIA_ROOT = tmp_path / "staticfiles" / "media"
    (errors,) = check_static_and_media_roots_are_separate()
    assert errors.id == "static.E001"
    with pytest.raises(SystemCheckError, match="static.E001"):
        # As from the command line: call_command() alone skips the system checks.
        call_command("collectstatic", "--noinput", verbosity=0, skip_checks=False)


def test_start_without_collected_files_is_refused_with_the_fix(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "empty"
    settings.RELEASE_ID = "never-collected"  # where each release has its own manifest
    settings.STATIC_MANIFESTS_ROOT = tmp_path / "manifests"
    with pytest.raises(ImproperlyConfigured, match="collectstatic --noinput"):
        refuse_unsafe_start()


def test_start_after_collectstatic_is_allowed(collected_static):
    refuse_unsafe_start()
