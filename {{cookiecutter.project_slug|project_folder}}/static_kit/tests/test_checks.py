"""checks.py: the system checks, and the start-up refusal."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from static_kit import checks
from static_kit.checks import (
    check_static_and_media_roots_are_separate,
    check_static_root_holds_only_public_files,
    checked_manifest,
    find_unsafe_static_files,
    refuse_unsafe_start,
)
from static_kit.storage.atomic import PARTIAL


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


def test_the_scan_for_private_files_stats_no_file(tmp_path, monkeypatch):
    """The folders' listings say what is a link: a stat per file took 1.9 s of the doctor's
    4.5 s at 20,000 files, and runs at every start."""
    import os

    root = tmp_path / "staticfiles"
    for folder in ("css", "css/deep", "img"):
        (root / folder).mkdir(parents=True)
        for number in range(20):
            (root / folder / f"f{number}.css").write_text("a {}")
    (root / "css" / "deep" / ".env").write_text("SECRET=1")
    (root / "img" / "link.png").symlink_to(root / "img" / "f0.css")
    stats = []
    for name in ("stat", "lstat"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda *a, real=real, **k: stats.append(a) or real(*a, **k))
    found = find_unsafe_static_files(root)
    monkeypatch.undo()
    assert sorted(found) == [root / "css" / "deep" / ".env", root / "img" / "link.png"]
    assert len(stats) == 0, f"{len(stats)} stat calls for 62 files"


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


CHECKED = "STATIC_KIT_CHECKED_MANIFEST"  # what deploy/start hands its workers


def test_a_worker_skips_the_file_check_deploy_start_made_of_its_manifest_only(
    collected, monkeypatch
):
    """deploy/start checks once and hands its workers the fingerprint of the manifest it
    checked: a worker loading that manifest reads no file, and one given another manifest's
    fingerprint (a deploy in between) checks its own files and refuses a damaged one."""
    root, manifest = collected
    checked = []
    real = checks.damaged_files
    monkeypatch.setattr(checks, "damaged_files", lambda *a: checked.append(a) or real(*a))
    monkeypatch.setenv(CHECKED, checked_manifest())
    refuse_unsafe_start()
    assert checked == []
    hashed = root / manifest["css/site.css"]
    hashed.write_bytes(hashed.read_bytes()[:10])
    monkeypatch.setenv(CHECKED, "a fingerprint of another manifest")
    with pytest.raises(ImproperlyConfigured, match=manifest["css/site.css"]):
        refuse_unsafe_start()
    assert len(checked) == 1


def test_what_a_killed_collectstatic_left_warns_and_never_stops_a_start(collected):
    """SIGKILL (the OOM killer, a CI job killed) leaves a run's temporary files: dotfiles that
    nothing serves. A restart of the live release must not be refused for them."""
    root, manifest = collected
    hashed = root / manifest["css/site.css"]
    leftover = hashed.with_name(f".{hashed.name}.k1ll3d{PARTIAL}")
    leftover.write_text("/* the next release's bytes, half written */")
    (warning,) = check_static_root_holds_only_public_files()
    assert warning.id == "static.W004" and not warning.is_serious()
    assert str(leftover) in warning.msg and "-delete" in warning.hint
    refuse_unsafe_start()
    (root / ".env").write_text("SECRET=1")  # beside them, a dotfile is still refused
    assert [m.id for m in check_static_root_holds_only_public_files()] == [
        "static.E002",
        "static.W004",
    ]
