"""collectstatic writes each file whole or not at all, leaves a file that is already right
untouched, and deletes nothing until it has succeeded: a failed run serves as before."""

import errno
import hashlib
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from static_kit.storage import atomic


def collect(tmp_path: Path, *args: str, **settings) -> None:
    with override_settings(
        STATIC_ROOT=tmp_path / "static",
        STATIC_MANIFESTS_ROOT=tmp_path / "manifests",
        RELEASE_ID="tests",
        **settings,
    ):
        call_command("collectstatic", "--noinput", *args, verbosity=0)


def files(root: Path) -> dict[str, os.stat_result]:
    return {str(path.relative_to(root)): path.stat() for path in root.rglob("*") if path.is_file()}


def digests(root: Path) -> dict[str, str]:
    return {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in files(root)}


def test_a_second_run_rewrites_no_file_that_is_already_right(tmp_path):
    """Django deletes and rewrites every hashed stylesheet and script on each run."""
    collect(tmp_path)
    before = files(tmp_path / "static")
    collect(tmp_path)
    after = files(tmp_path / "static")
    rewritten = [
        name
        for name, stat in before.items()
        if (after[name].st_ino, after[name].st_mtime_ns) != (stat.st_ino, stat.st_mtime_ns)
    ]
    assert not rewritten, f"rewritten though unchanged: {rewritten[:5]}"


def test_a_run_failing_in_post_processing_deletes_nothing_even_with_clear(tmp_path):
    """A stylesheet whose url() resolves to nothing stops collectstatic after it has copied
    (and, with --clear, deleted): every file of the previous run must still be there."""
    collect(tmp_path)
    before = digests(tmp_path / "static")
    broken = tmp_path / "broken-source"
    broken.mkdir()
    (broken / "broken.css").write_text("body { background: url(never-added.png); }\n")
    from django.conf import settings

    with pytest.raises(Exception, match="never-added.png"):
        collect(tmp_path, "--clear", STATICFILES_DIRS=[*settings.STATICFILES_DIRS, broken])
    after = digests(tmp_path / "static")
    changed = [name for name, digest in before.items() if after.get(name) != digest]
    assert not changed, f"gone or changed after a failed run: {changed[:5]}"


def test_a_write_failing_half_way_leaves_the_old_file_and_no_partial_one(tmp_path, monkeypatch):
    """As on a full disk: the new bytes are written beside the old file, which stays."""
    collect(tmp_path)
    root = tmp_path / "static"
    before = digests(root)
    source = tmp_path / "changed-source"
    (source / "css").mkdir(parents=True)
    from django.conf import settings

    site_css = Path(settings.BASE_DIR) / "static" / "css" / "site.css"
    (source / "css" / "site.css").write_text(site_css.read_text() + "\n/* changed */\n")
    real_write = atomic.write_atomically

    def disk_full(path, chunks, *args, **kwargs):
        def half_then_enospc():
            for chunk in chunks:
                yield chunk[: len(chunk) // 2]
                raise OSError(errno.ENOSPC, "No space left on device")

        return real_write(path, half_then_enospc(), *args, **kwargs)

    monkeypatch.setattr(atomic, "write_atomically", disk_full)
    # The project's own folder first: its css/site.css is found there before static/.
    with pytest.raises(CommandError, match="No space left on device"):
        collect(tmp_path, STATICFILES_DIRS=[source, *settings.STATICFILES_DIRS])
    assert digests(root) == before
    assert not [path for path in root.rglob("*") if path.name.endswith(atomic.PARTIAL)]
