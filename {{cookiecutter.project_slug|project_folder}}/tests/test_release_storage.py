"""One manifest per release, outside the public root, files nginx can read, and no start
without a release id."""

import json
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import override_settings


def collect(tmp_path, release):
    with override_settings(
        STATIC_ROOT=tmp_path / "static",
        RELEASE_ID=release,
        STATIC_MANIFESTS_ROOT=tmp_path / "manifests",
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
        return storages["staticfiles"].stored_name("css/site.css")


@pytest.mark.parametrize("release", ["", "../etc", "v 1", "v1\n"])
def test_collectstatic_without_a_valid_release_id_is_refused(tmp_path, release):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_RELEASE_ID"):
        collect(tmp_path, release)


def test_each_release_writes_its_own_manifest_outside_static_root(tmp_path):
    collect(tmp_path, "v1")
    collect(tmp_path, "v2")
    assert sorted(p.name for p in (tmp_path / "manifests").iterdir()) == ["v1.json", "v2.json"]
    assert not list((tmp_path / "static").glob("*.json"))


def test_a_release_keeps_reading_its_manifest_after_the_next_release(tmp_path):
    first = collect(tmp_path, "v1")
    (tmp_path / "manifests" / "v1.json").write_text(
        json.dumps({"version": "1.1", "paths": {"css/site.css": first}, "hash": ""})
    )
    collect(tmp_path, "v2")
    assert collect(tmp_path, "v1") == first
    assert (tmp_path / "static" / first).is_file()


def test_collected_files_are_readable_by_the_web_server_whatever_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        collect(tmp_path, "v1")
    finally:
        os.umask(old)
    for path in (tmp_path / "static").rglob("*"):
        expected = 0o755 if path.is_dir() else 0o644
        assert path.stat().st_mode & 0o777 == expected, path
    for path in (tmp_path / "manifests").iterdir():
        assert path.stat().st_mode & 0o444 == 0o444, path
