"""storage/: hashed names, their integrity, types, compressed copies and atomic writes."""

import errno

import pytest

from static_kit.storage import atomic
from static_kit.storage.content_types import content_type
from static_kit.storage.integrity import (
    damaged_files,
    hash_in_name,
    promised_hash,
    unhashed_name,
)


def test_the_hashed_name_rule():
    assert unhashed_name("css/site.3f2a1c9b7e4d.css") == "css/site.css"
    assert unhashed_name("LICENSE.3f2a1c9b7e4d") == "LICENSE"
    assert unhashed_name("css/site.css") is None
    assert hash_in_name("a/b.tar.3f2a1c9b7e4d.gz") == "3f2a1c9b7e4d"
    assert promised_hash("css/site.css", "css/site.3f2a1c9b7e4d.css") == "3f2a1c9b7e4d"
    assert promised_hash("css/site.css", "css/other.3f2a1c9b7e4d.css") is None


def test_standard_types_whatever_the_os_knows():
    assert content_type("f.woff2") == "font/woff2"
    assert content_type("f.WOFF") == "font/woff"
    assert content_type("x.webp") == "image/webp"
    assert content_type("noextension") == "application/octet-stream"


def test_collected_files_hold_their_bytes_and_compressed_copies(collected):
    root, manifest = collected
    assert damaged_files(root, manifest) == []
    css = manifest["css/site.css"]
    assert unhashed_name(css) == "css/site.css"
    # @import and url() point at the hashed names, and .br/.gz copies sit beside the file.
    text = (root / css).read_text()
    assert manifest["css/base.css"].split("/")[-1] in text
    assert (root / f"{css}.gz").is_file() and (root / f"{css}.br").is_file()
    (root / manifest["img/dot.png"]).unlink()
    assert damaged_files(root, manifest) == [f"{manifest['img/dot.png']} (missing)"]


def test_a_write_failing_half_way_leaves_the_old_file_and_no_partial_one(tmp_path):
    target = tmp_path / "site.css"
    target.write_bytes(b"old")

    def full_disk():
        yield b"new bytes, "
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic.write_atomically(str(target), full_disk(), None)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site.css"]
    atomic.write_atomically(str(target), [b"new"], 0o644)
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("value", ["v1\n", "v1\n\n", " v1", "v/1", "-v1", "v" * 65])
def test_a_release_id_that_is_not_one_name_is_refused_before_anything_is_written(settings, value):
    """A trailing newline (`$(cat release.txt)` keeps none, a hand-written .env may) passed, and
    the publish failed only at the manifest, with a message about the endpoint."""
    from django.core.exceptions import ImproperlyConfigured

    from static_kit.storage import release_id

    settings.RELEASE_ID = value
    with pytest.raises(ImproperlyConfigured, match="is not a valid release id"):
        release_id()
    settings.RELEASE_ID = "v1.2_3-rc"
    assert release_id() == "v1.2_3-rc"


def test_an_interrupt_just_after_the_rename_is_the_interrupt_not_a_write_error(
    tmp_path, monkeypatch
):
    """Python runs a signal's handler as the rename returns: the file is in place, and the
    temporary one is gone already."""
    import os

    rename = os.replace

    def interrupted(source, target):
        rename(source, target)
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomically(str(tmp_path / "site.css"), [b"a {}"], None)
    assert [p.name for p in tmp_path.iterdir()] == ["site.css"]
